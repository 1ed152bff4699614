"""SOP steps 1-2: the hospital creates a draft, uploads the documents, submits; and resubmits when returned."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime

from akta.adapters.records import NOT_FOUND, STATUS_CONFLICT
from akta.domain.documents import ACCEPTED_CONTENT_TYPES, DOCUMENT_KINDS, document_problems, required_documents
from akta.domain.errors import Conflict, FieldError, InvalidInput, NotFound, field_error
from akta.domain.models import ApplicationData, jakarta_today, parse_application
from akta.domain.waits import DEFAULT_TIMEOUTS
from akta.service.common import Status, now, record, timeline
from akta.service.ports import Adapters, Records

# The file is being checked already (or the office has it): a second submit changes nothing.
ALREADY_SUBMITTED = "already_submitted"
MALFORMED = "malformed_request"  # input that is not what the contract describes at all (a foreign `next`)
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

def new_application_id(at: datetime) -> str:
    """Random and meaningless (no NIK, no name): 'AK' + WIB date + 8 base32 characters."""
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
    return f"AK{jakarta_today(at):%Y%m%d}-{suffix}"


def execution_name(application_id: str, attempt: int) -> str:
    return f"{application_id}-{attempt}"


def wait_timeouts(adapters: Adapters) -> dict[str, int]:
    """Outer limits of the waits (seconds); past them a task escalates. SLA reminders are separate."""
    return DEFAULT_TIMEOUTS | adapters.config["WAIT_TIMEOUTS"]


def input_problems(body, *, facility_id: str) -> list[FieldError]:
    """Every problem with a submitted application at once: structure and the cross-field rules together."""
    errors: list[FieldError] = []
    if isinstance(body, dict) and "facility_id" in body:  # the facility comes from the key, never the body
        errors.append(field_error("facility_id", "unknown_field"))
        body = {k: v for k, v in body.items() if k != "facility_id"}
    try:
        parse_application({**body, "facility_id": facility_id} if isinstance(body, dict) else body, today=jakarta_today(now()))
    except InvalidInput as invalid:
        errors += invalid.errors
    return errors


def create_draft(adapters: Adapters, payload: dict, *, facility_id: str) -> dict:
    at = now()
    application = parse_application({**payload, "facility_id": facility_id}, today=jakarta_today(at))
    application_id = new_application_id(at)
    records = adapters.records
    records.create(application_id, facility_id=facility_id, data=application.model_dump(mode="json"), at=at)
    record(records, application_id, 2, "started", "hospital", at=at)
    return _summary(application_id, application, Status.DRAFT)


def update_draft(adapters: Adapters, application_id: str, payload: dict, *, facility_id: str) -> dict:
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    application = parse_application({**payload, "facility_id": facility_id}, today=jakarta_today(now()))
    records.update(application_id, expect_status=(Status.DRAFT, Status.RETURNED), data=application.model_dump(mode="json"))
    return _summary(application_id, application, current["status"])


def upload_slots(adapters: Adapters, application_id: str, documents: dict[str, str], *, facility_id: str) -> dict:
    """One presigned POST per requested document; `documents` maps a required kind to its content type."""
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    if current["status"] not in (Status.DRAFT, Status.RETURNED):
        raise Conflict(STATUS_CONFLICT, application_id)
    required = required_documents(ApplicationData.model_validate(current["data"]))
    errors = []
    if not isinstance(documents, dict) or not documents:
        errors.append(FieldError("documents", "required", "Daftar dokumen yang akan diunggah wajib diisi."))
    else:
        for kind, content_type in documents.items():
            if kind not in required:
                errors.append(FieldError(f"documents.{kind}", "document_not_required",
                                         "Jenis dokumen ini tidak termasuk persyaratan permohonan ini."))
            elif content_type not in ACCEPTED_CONTENT_TYPES:
                errors.append(FieldError(f"documents.{kind}", "document_type",
                                         f"{DOCUMENT_KINDS[kind].label}: hanya PDF, JPEG atau PNG yang diterima."))
    if errors:
        raise InvalidInput(errors)
    archive = adapters.archive
    return {"application_id": application_id,
            "uploads": [archive.upload_slot(application_id, kind, ctype).as_dict() for kind, ctype in documents.items()]}


def resubmit(adapters: Adapters, application_id: str, *, facility_id: str) -> dict:
    """A returned file, fixed: answer the waiting return task, so the completeness check runs again."""
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    if current["status"] == Status.SUBMITTED:
        raise Conflict(ALREADY_SUBMITTED, application_id)
    if current["status"] != Status.RETURNED:
        raise Conflict(STATUS_CONFLICT, application_id)
    token = records.take_waiting(application_id, "return")
    if token is None:  # another resubmission took it first
        raise Conflict(ALREADY_SUBMITTED, application_id)
    records.update(application_id, expect_status=(Status.RETURNED,), status=Status.SUBMITTED, reasons=[])
    adapters.callbacks.answer(token, {"decision": "resubmitted"})
    record(records, application_id, 2, "finished", "hospital", "resubmitted")
    return {"application_id": application_id, "status": Status.SUBMITTED, "execution": execution_name(application_id, current["attempt"])}


def submit(adapters: Adapters, application_id: str, *, facility_id: str) -> dict:
    """Start the SOP for a draft.

    Concurrent submits start one execution (a conditional status change, then a start by a fixed name);
    a submit while the file is being checked is refused, unless its execution never started.
    """
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    status = current["status"]
    if status == Status.DRAFT:
        attempt = current["attempt"] + 1
        try:
            records.update(application_id, expect_status=(Status.DRAFT,), status=Status.SUBMITTED, attempt=attempt,
                           submitted_at=now().isoformat())
            record(records, application_id, 2, "finished", "hospital", "submitted")
        except Conflict:
            current = records.get(application_id)  # a concurrent submit changed it first
            if current["status"] != Status.SUBMITTED:
                raise
            attempt = current["attempt"]
    elif status == Status.SUBMITTED:
        attempt = current["attempt"]
        if adapters.executions.started(execution_name(application_id, attempt)):
            raise Conflict(ALREADY_SUBMITTED, application_id)
    elif status == Status.RETURNED:
        raise Conflict(STATUS_CONFLICT, application_id)  # a returned file goes back through resubmit
    else:
        raise Conflict(ALREADY_SUBMITTED, application_id)  # the office has it already
    name = execution_name(application_id, attempt)
    adapters.executions.start(name, {"application_id": application_id, "attempt": attempt,
                                     "timeouts": wait_timeouts(adapters)})
    return {"application_id": application_id, "status": Status.SUBMITTED, "execution": name}


def status(adapters: Adapters, application_id: str, *, facility_id: str) -> dict:
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    return {
        "application_id": application_id,
        "status": current["status"],
        "reasons": current.get("reasons", []),
        "registration_number": current.get("registration_number"),
        "failure": current.get("failure"),
        "late_registration": bool(current.get("late_registration")),
        "required_documents": _required(ApplicationData.model_validate(current["data"])),
        "timeline": timeline(records, application_id),
        "application": current["data"],
    }


def list_applications(adapters: Adapters, *, facility_id: str, status: str | None, limit: int, after: str | None) -> dict:
    """The facility's own applications, newest first; `after` is the opaque `next` of the previous page."""
    start = _listing_start(after, facility_id) if after else None
    items, last = adapters.records.list_for_facility(facility_id, status=status, limit=limit, after=start)
    return {
        "items": [{"application_id": i["application_id"], "status": i["status"], "created_at": i["created_at"],
                   "submitted_at": i.get("submitted_at")} for i in items],
        "next": base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None,
    }


_LISTING_KEYS = {"pk", "sk", "facility_id", "created_at"}  # a page's LastEvaluatedKey on the by_facility index


def _listing_start(after: str, facility_id: str) -> dict:
    """The `next` of an earlier page of this facility's listing, or a refusal: nothing else reaches DynamoDB."""
    try:
        start = json.loads(base64.urlsafe_b64decode(after.encode()))
    except ValueError:  # not base64, not UTF-8, not JSON
        start = None
    if not (isinstance(start, dict) and set(start) == _LISTING_KEYS and all(isinstance(v, str) for v in start.values())
            and start["facility_id"] == facility_id and start["pk"].startswith("APP#") and start["sk"] == "META"):
        raise InvalidInput([field_error("next", "listing_next")], MALFORMED)
    return start


def confirm_uploads(adapters: Adapters, application_id: str, *, facility_id: str) -> dict:
    """What actually landed in the quarantine, document by document (the completeness check decides again)."""
    records = adapters.records
    current = _owned(records, application_id, facility_id)
    application = ApplicationData.model_validate(current["data"])
    uploaded = adapters.archive.uploaded(application_id)
    problems = {p.field.split(".", 1)[1]: p for p in document_problems(application, uploaded)}
    statuses = {"document_missing": "missing", "document_empty": "empty", "document_too_large": "too_large",
                "document_type": "wrong_type"}
    documents = [
        {"kind": kind, "label": DOCUMENT_KINDS[kind].label,
         "status": statuses[problems[kind].code] if kind in problems else "ok",
         "message": problems[kind].message if kind in problems else None}
        for kind in required_documents(application)
    ]
    return {"application_id": application_id, "complete": not problems, "documents": documents}


def _owned(records: Records, application_id: str, facility_id: str) -> dict:
    current = records.get(application_id)
    if current["facility_id"] != facility_id:
        raise NotFound(NOT_FOUND, application_id)  # another facility's file does not exist for this one
    return current


def _summary(application_id: str, application: ApplicationData, status: str) -> dict:
    return {"application_id": application_id, "status": status, "required_documents": _required(application)}


def _required(application: ApplicationData) -> list[dict]:
    return [{"kind": kind, "label": DOCUMENT_KINDS[kind].label} for kind in required_documents(application)]
