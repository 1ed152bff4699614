"""SOP 1-2: the hospital's API - drafts, presigned uploads, submit, status."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from akta.adapters.records import ApplicationNotFound, StatusConflict
from akta.domain.errors import ApplicationInvalid
from akta.observability import logger, metrics
from akta.service import intake
from akta.web.api import error, json_object

app = APIGatewayRestResolver()


def facility_id() -> str:
    # The facility comes from the caller's credentials; until the authorizer lands it is a header.
    value = app.current_event.headers.get("X-Facility-Id", "")
    if not value:
        raise PermissionError()
    return value


@app.post("/v1/applications")
def create_draft():
    return Response(201, "application/json", intake.create_draft(json_object(app.current_event), facility_id=facility_id()))


@app.put("/v1/applications/<application_id>")
def update_draft(application_id: str):
    return intake.update_draft(application_id, json_object(app.current_event), facility_id=facility_id())


@app.post("/v1/applications/<application_id>/uploads")
def upload_slots(application_id: str):
    body = json_object(app.current_event)
    return intake.upload_slots(application_id, body.get("documents"), facility_id=facility_id())


@app.post("/v1/applications/<application_id>/submit")
def submit(application_id: str):
    return Response(202, "application/json", intake.submit(application_id, facility_id=facility_id()))


@app.get("/v1/applications/<application_id>")
def status(application_id: str):
    return intake.status(application_id, facility_id=facility_id())


@app.exception_handler(ApplicationInvalid)
def invalid(exc: ApplicationInvalid):
    return error(422, "validation_failed", "Data permohonan belum benar.", [e.as_dict() for e in exc.errors])


@app.exception_handler(ValueError)
def malformed(exc: ValueError):
    return error(400, "malformed_request", "Isi permintaan harus berupa objek JSON yang sah.")


@app.exception_handler(PermissionError)
def unauthenticated(exc: PermissionError):
    return error(401, "unauthenticated", "Identitas fasilitas kesehatan tidak dikenali.")


@app.exception_handler(ApplicationNotFound)
def not_found(exc: ApplicationNotFound):
    return error(404, "not_found", "Permohonan tidak ditemukan.")


@app.exception_handler(StatusConflict)
def conflict(exc: StatusConflict):
    return error(409, "status_conflict", "Permohonan tidak dapat diubah atau dikirim pada tahap ini.")


@app.exception_handler(intake.AlreadySubmitted)
def already_submitted(exc: intake.AlreadySubmitted):
    return error(409, "already_submitted",
                 "Permohonan sudah dikirim dan sedang diperiksa. Tunggu hasil pemeriksaan sebelum mengirim ulang.")


@app.not_found
def no_route(exc):
    return error(404, "no_route", "Alamat tidak dikenal.")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
