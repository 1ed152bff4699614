"""The one JSON error shape of the HTTP APIs (a machine code, the fields, messages in Bahasa Indonesia), and
what the server-rendered pages share: their resolver, their HTML answers and their form fields."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from akta.domain.errors import Conflict, InvalidInput, NotFound, Refused, ServiceError, TransientError
from akta.observability import log_unexpected, logger

RETRY_AFTER_SECONDS = 5
# The API's answer to each kind of error, unless the API names one for the error's own code: status, code, message.
API_ANSWERS: dict[type[ServiceError], tuple[int, str, str]] = {
    NotFound: (404, "not_found", "Data tidak ditemukan."),
    Conflict: (409, "status_conflict", "Permintaan tidak dapat dilakukan pada tahap ini."),
    Refused: (403, "refused", "Permintaan ditolak."),
    InvalidInput: (422, "validation_failed", "Data permintaan belum benar."),
    TransientError: (503, "temporarily_unavailable", "Layanan sedang sibuk. Silakan coba lagi sebentar lagi."),
}
INTERNAL_ERROR = (500, "internal_error", "Terjadi kesalahan pada server. Kesalahan ini sudah dicatat; silakan coba lagi nanti.")


def error(status: int, code: str, message: str, fields: list[dict] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body, ensure_ascii=False))


def html(status: int, page: str) -> Response:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=page,
                    headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})


def _kind(exc: ServiceError) -> type[ServiceError]:
    """Which of the vocabulary's kinds the error is (a subclass such as NoStaff answers as NotFound)."""
    return next(k for k in type(exc).__mro__ if k in API_ANSWERS)


def _retry_later(answer: Response) -> Response:
    """A 503 says when to try again."""
    if answer.status_code == 503:
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return answer


def api_answer(exc: ServiceError, by_code: dict[str, tuple[int, str, str]]) -> Response:
    status, code, message = by_code.get(exc.code) or API_ANSWERS[_kind(exc)]
    answer = _retry_later(error(status, code, message, [e.as_dict() for e in exc.errors]))
    if status == 503:
        logger.warning("transient fault answered 503", extra={"code": exc.code, "ids": list(exc.ids)})
    return answer


def api_resolver(app: APIGatewayRestResolver, by_code: dict[str, tuple[int, str, str]]) -> APIGatewayRestResolver:
    """The one mapping of the JSON API: each service error to its answer (`by_code` names the API's own),
    anything else to a logged 500. Nothing else answers a client error."""

    @app.exception_handler(ServiceError)
    def service_error(exc: ServiceError):
        return api_answer(exc, by_code)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception):
        log_unexpected(exc)
        return error(*INTERNAL_ERROR)

    return app


def page_resolver() -> APIGatewayRestResolver:
    """The resolver of a function serving pages, with the one mapping of the pages: an unknown path or record
    is the not-found page, a conflict or invalid input a message page, a transient fault "try again", and
    anything else a logged 500. A function adds its own answer for the refusals its pages explain."""
    from akta.web import pages

    app = APIGatewayRestResolver()
    app.not_found(lambda exc: html(404, pages.not_found_page()))

    @app.exception_handler(ServiceError)
    def service_error(exc: ServiceError):
        status, _, message = API_ANSWERS[_kind(exc)]
        if status == 404:
            return html(404, pages.not_found_page())
        return _retry_later(html(status, pages.message_page("Permintaan tidak dapat diproses", message)))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception):
        log_unexpected(exc)
        return html(500, pages.message_page("Terjadi kesalahan", INTERNAL_ERROR[2]))

    return app


class UploadTooLarge(Exception):
    """A multipart body over the page's limit; it is refused before it is parsed."""


def uploaded_file(app: APIGatewayRestResolver, field: str, limit: int) -> bytes | None:
    """The file in the multipart/form-data form's `field`, or None: not a multipart form, no such field, an
    empty file or a body that does not parse. Parsed by python-multipart, in memory."""
    from python_multipart import exceptions, multipart

    event = app.current_event
    mime, params = multipart.parse_options_header(event.headers.get("Content-Type") or "")
    if mime != b"multipart/form-data" or not params.get(b"boundary"):
        return None
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("latin-1", "replace")
    if len(raw) > limit:
        raise UploadTooLarge(len(raw))
    found: list[bytes] = []

    def on_file(file) -> None:
        if file.field_name == field.encode():
            file.file_object.seek(0)
            found.append(file.file_object.read())

    parser = multipart.FormParser("multipart/form-data", None, on_file, boundary=params[b"boundary"],
                                  config={"MAX_MEMORY_FILE_SIZE": limit + 1})
    try:
        parser.write(raw)
        parser.finalize()
    except exceptions.FormParserError:
        return None
    return found[0] if found and found[0] else None


def form_fields(app: APIGatewayRestResolver) -> dict[str, str]:
    """The fields of the URL-encoded form being POSTed (blank ones kept: an empty field is an answer too)."""
    return dict(parse_qsl(app.current_event.decoded_body or "", keep_blank_values=True))
