"""SOP 1-2: the hospital's API (and its web page). The facility comes from the authorizer, never the body."""

import re
import time
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from akta.adapters.records import NOT_FOUND, STATUS_CONFLICT
from akta.domain.errors import Conflict, Refused, from_error_dicts
from akta.domain.models import ApplicationInput
from akta.observability import MetricUnit, log_unexpected, logger, metrics
from akta.service import intake
from akta.web import contract, hospital_page
from akta.web.api import INTERNAL_ERROR, api_resolver, error
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

# This API's own answers for service error codes; every other error answers by its kind (akta.web.api).
ANSWERS_BY_CODE = {
    "unauthenticated": (401, "unauthenticated", "Kunci fasilitas kesehatan tidak dikenali."),
    NOT_FOUND: (404, "not_found", "Permohonan tidak ditemukan."),
    STATUS_CONFLICT: (409, "status_conflict", "Permohonan tidak dapat diubah atau dikirim pada tahap ini."),
    intake.ALREADY_SUBMITTED: (409, "already_submitted",
                               "Permohonan sudah dikirim dan sedang diperiksa. Tunggu hasil pemeriksaan sebelum mengirim ulang."),
    intake.MALFORMED: (400, "malformed_request", "Isi permintaan tidak dapat dibaca."),
    "invalid_input": (422, "validation_failed", "Data permohonan belum benar."),
}
app = api_resolver(APIGatewayRestResolver(enable_validation=True), ANSWERS_BY_CODE)
NOT_JSON_OBJECT = (400, "malformed_request", "Isi permintaan harus berupa objek JSON yang sah.")
app.configure_openapi(
    title="Akta Kelahiran online — API untuk mitra rumah sakit dan bidan",
    version="1.0.0",
    summary="Disdukcapil Kota Jambi: permohonan Akta Kelahiran dari fasilitas kesehatan (SOP langkah 1-2)",
    # As a plain dict: Powertools' OpenAPI models (HTTPBearer) are then only imported when the schema is served.
    security_schemes={"facilityKey": {"type": "http", "scheme": "bearer",
                                      "description": "The facility's API key: Authorization: Bearer <key>"}},
    security=[{"facilityKey": []}],
)
idempotency = IdempotencyConfig(event_key_jmespath="[facility_id, application_id, idempotency_key, action]", expires_after_seconds=24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=adapters.config["IDEMPOTENCY_TABLE"])

ERRORS = {
    400: "Malformed request: a body that is not a JSON object, or a `next` that is not from this listing",
    401: "Missing or unknown facility key (answered by the gateway's authorizer, before the API)",
    404: "No such application for this facility",
    409: "Not allowed in the application's status",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "Field-level validation errors",
    500: "An internal error, logged with its stack; the answer tells nothing more",
    503: "AWS is throttling or unavailable; retry after the Retry-After seconds",
}


def answers(status: int, description: str, *errors: int) -> dict:
    """What a route answers, for the OpenAPI document: its success (Powertools takes the schema from the return
    annotation when no content is given), 401, 422, 500 and 503 everywhere, and its own errors, all as ErrorResponse.
    Declaring `responses` replaces Powertools' defaults, its 422 HTTPValidationError too: this API answers 422
    in its own shape."""
    return {status: {"description": description}} | {
        code: {"description": ERRORS[code], "content": {"application/json": {"model": contract.ErrorResponse}}}
        for code in sorted({401, 422, 500, 503, *errors})}


ApplicationId = Annotated[str, Path(pattern=r"^AK\d{8}-[0-9A-Z]{8}$", description="The application id")]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=128,
                                       description="Any unique string per intended submit; a retry reuses it")]


def facility_id() -> str:
    # Set by the Lambda authorizer from the caller's key; the route is not reachable without it.
    value = (app.current_event.request_context.authorizer.get_context() or {}).get("facility_id")
    if not value:
        raise Refused("unauthenticated")
    return value


@app.post("/v1/applications", status_code=201, summary="Create a draft", responses=answers(201, "The draft", 400, 415))
def create_draft(application: Annotated[ApplicationInput, Body()]) -> contract.DraftResponse:
    return contract.DraftResponse(**intake.create_draft(adapters, application.model_dump(mode="json"), facility_id=facility_id()))


@app.get("/v1/applications", summary="List the facility's own applications, newest first",
         responses=answers(200, "One page of applications", 400))
def list_applications(
    status: Annotated[str | None, Query(pattern=r"^[A-Z_]{3,20}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    next: Annotated[str | None, Query(max_length=2048)] = None,  # noqa: A002 - the API's own name
) -> contract.ApplicationList:
    return contract.ApplicationList(**intake.list_applications(adapters, facility_id=facility_id(), status=status, limit=limit, after=next))


@app.get("/v1/applications/<application_id>", summary="Status, SOP timeline and reasons",
         responses=answers(200, "The application's status", 404))
def status(application_id: ApplicationId) -> contract.StatusResponse:
    return contract.StatusResponse(**intake.status(adapters, application_id, facility_id=facility_id()))


@app.put("/v1/applications/<application_id>", summary="Update a draft or a returned application",
         responses=answers(200, "The updated draft", 400, 404, 409, 415))
def update_draft(application_id: ApplicationId, application: Annotated[ApplicationInput, Body()]) -> contract.DraftResponse:
    return contract.DraftResponse(**intake.update_draft(adapters, application_id, application.model_dump(mode="json"), facility_id=facility_id()))


@app.post("/v1/applications/<application_id>/uploads", summary="Presigned POSTs, one per document",
          responses=answers(200, "One presigned POST per document", 400, 404, 409, 415))
def upload_slots(application_id: ApplicationId, request: Annotated[contract.UploadRequest, Body()]) -> contract.UploadSlotsResponse:
    return contract.UploadSlotsResponse(**intake.upload_slots(adapters, application_id, request.documents, facility_id=facility_id()))


@app.post("/v1/applications/<application_id>/uploads/confirm", summary="Check what actually landed",
          responses=answers(200, "Each required document's state", 404))
def confirm_uploads(application_id: ApplicationId) -> contract.ConfirmResponse:
    return contract.ConfirmResponse(**intake.confirm_uploads(adapters, application_id, facility_id=facility_id()))


@app.post("/v1/applications/<application_id>/submit", status_code=202, summary="Submit a draft (idempotent)",
          responses=answers(202, "Submitted; the SOP runs", 404, 409))
def submit(application_id: ApplicationId, idempotency_key: IdempotencyKey) -> contract.SubmitResponse:
    return _once("submit", application_id, idempotency_key)


@app.post("/v1/applications/<application_id>/resubmit", status_code=202, summary="Resubmit a returned application (idempotent)",
          responses=answers(202, "Resubmitted; the completeness check runs again", 404, 409))
def resubmit(application_id: ApplicationId, idempotency_key: IdempotencyKey) -> contract.SubmitResponse:
    return _once("resubmit", application_id, idempotency_key)


def _once(action: str, application_id: str, idempotency_key: str):
    request = {"action": action, "application_id": application_id, "idempotency_key": idempotency_key,
               "facility_id": facility_id()}
    for _ in range(50):  # the same key in flight elsewhere: wait for its answer rather than start again
        try:
            answer = _submit_once(request=request)
            break
        except IdempotencyAlreadyInProgressError:
            time.sleep(0.1)
    else:
        raise Conflict(STATUS_CONFLICT, application_id)
    metrics.add_metric("Submissions", MetricUnit.Count, 1)
    return contract.SubmitResponse(**answer)


@idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=idempotency)
def _submit_once(request: dict) -> dict:
    do = intake.submit if request["action"] == "submit" else intake.resubmit
    return do(adapters, request["application_id"], facility_id=request["facility_id"])


@app.get("/v1/openapi.json", include_in_schema=False)
def openapi():
    return Response(200, content_types.APPLICATION_JSON, app.get_openapi_json_schema(
        openapi_version="3.1.0", title=app.openapi_config.title, version=app.openapi_config.version))


@app.get("/hospital", include_in_schema=False)
def page():
    return Response(200, "text/html; charset=utf-8", hospital_page.html(), headers={"Cache-Control": "no-store"})


@app.exception_handler(RequestValidationError)
def request_invalid(exc: RequestValidationError):
    errors = exc.errors()
    if any(e["type"] in ("json_invalid", "model_attributes_type", "model_type", "dict_type") and len(e["loc"]) <= 2
           and tuple(e["loc"])[:1] == ("body",) for e in errors):
        return error(*NOT_JSON_OBJECT)
    if _is_application_body(errors):
        try:
            body = app.current_event.json_body
        except ValueError:  # a form or multipart body, which Powertools parsed by its Content-Type: not JSON
            return error(*NOT_JSON_OBJECT)
        # Report the structural errors together with the cross-field rules, all at once.
        fields = intake.input_problems(body, facility_id=facility_id())
        return error(422, "validation_failed", "Data permohonan belum benar.", [e.as_dict() for e in fields])
    fields = [e.as_dict() for e in from_error_dicts(errors, skip=1)]
    return error(422, "validation_failed", "Data permintaan belum benar.", fields)


_APPLICATION_BODIES = (("POST", re.compile(r"^/v1/applications$")), ("PUT", re.compile(r"^/v1/applications/[^/]+$")))


def _is_application_body(errors) -> bool:
    """The request carried an application (create or update), and its body was what failed."""
    event = app.current_event
    return any(method == event.http_method and path.match(event.path) for method, path in _APPLICATION_BODIES) \
        and any(tuple(e["loc"])[:1] == ("body",) for e in errors)


@app.exception_handler(RequestUnsupportedContentType)
def unsupported_media_type(exc: RequestUnsupportedContentType):
    return error(415, "unsupported_media_type", "Isi permintaan harus berupa JSON (Content-Type: application/json).")


@app.exception_handler(UnicodeDecodeError)
def not_utf8(exc: UnicodeDecodeError):  # a body Powertools could not even decode to parse it
    return error(*NOT_JSON_OBJECT)


@app.exception_handler(ValueError)
def unparsable_form(exc: ValueError):
    """Powertools parses a form or multipart body by its Content-Type before validating it; one it cannot parse
    (multipart without its boundary) is the client's mistake. Any other ValueError is a bug: a logged 500."""
    content_type = app.current_event.get_header_value("content-type", default_value="", case_sensitive=False)
    if content_type.lower().startswith(("multipart/", "application/x-www-form-urlencoded")):
        return error(*NOT_JSON_OBJECT)
    log_unexpected(exc)
    return error(*INTERNAL_ERROR)


@app.not_found
def no_route(exc):
    return error(404, "no_route", "Alamat tidak dikenal.")


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    idempotency.register_lambda_context(context)
    return app.resolve(event, context)
