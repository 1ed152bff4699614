"""The hospital API's contract: pydantic models that validate requests, shape responses and generate
the OpenAPI document (Powertools)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ErrorField(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. mother.nik")
    code: str = Field(description="Machine code of the rule, e.g. nik_sex_mismatch")
    message: str = Field(description="The rule in Bahasa Indonesia; never repeats the value")


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


class RequiredDocument(BaseModel):
    kind: str
    label: str


class DraftResponse(BaseModel):
    application_id: str
    status: str
    required_documents: list[RequiredDocument]


class UploadRequest(BaseModel):
    documents: dict[str, str] = Field(
        min_length=1, max_length=8,
        description="Document kind -> content type (application/pdf, image/jpeg or image/png)",
        examples=[{"kartu_keluarga": "application/pdf", "ktp_ibu": "image/jpeg"}])


class UploadSlot(BaseModel):
    kind: str
    url: str = Field(description="POST the file here as multipart/form-data, the fields first, the file last")
    fields: dict[str, str]
    expires_in: int


class UploadSlotsResponse(BaseModel):
    application_id: str
    uploads: list[UploadSlot]


class DocumentCheck(BaseModel):
    kind: str
    label: str
    status: Literal["ok", "missing", "empty", "too_large", "wrong_type"]
    message: str | None = None


class ConfirmResponse(BaseModel):
    application_id: str
    complete: bool = Field(description="Every required document landed and looks like what it claims to be")
    documents: list[DocumentCheck]


class SubmitResponse(BaseModel):
    application_id: str
    status: str
    execution: str


class Reason(BaseModel):
    field: str
    code: str
    message: str
    by: str | None = None


class TimelineRow(BaseModel):
    sop_step: str
    sop_actor: str
    actor: str
    actor_label: str
    started: str
    finished: str | None
    outcome: str
    target_seconds: float | None
    actual_seconds: float | None = Field(description="Office time when known, else wall-clock time")
    wall_seconds: float | None
    office_time: bool
    within_target: bool | None
    notes: list[str]


class StatusResponse(BaseModel):
    application_id: str
    status: str
    reasons: list[Reason]
    registration_number: str | None
    failure: dict | None
    late_registration: bool
    required_documents: list[RequiredDocument]
    timeline: list[TimelineRow]
    application: dict


class ApplicationSummary(BaseModel):
    application_id: str
    status: str
    created_at: str
    submitted_at: str | None = None


class ApplicationList(BaseModel):
    items: list[ApplicationSummary]
    next: str | None = Field(description="Pass as `next` for the following page; null on the last page")
