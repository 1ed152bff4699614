"""The one JSON error shape of the HTTP APIs (a machine code, the fields, messages in Bahasa Indonesia), and
what the server-rendered pages share: their resolver, their HTML answers and their form fields."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types


def error(status: int, code: str, message: str, fields: list[dict] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body, ensure_ascii=False))


def html(status: int, page: str) -> Response:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=page,
                    headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})


def page_resolver() -> APIGatewayRestResolver:
    """The resolver of a function serving pages: an unknown path gets the Indonesian not-found page."""
    from akta.web import pages

    app = APIGatewayRestResolver()
    app.not_found(lambda exc: html(404, pages.not_found_page()))
    return app


def form_fields(app: APIGatewayRestResolver) -> dict[str, str]:
    """The fields of the URL-encoded form being POSTed (blank ones kept: an empty field is an answer too)."""
    return dict(parse_qsl(app.current_event.decoded_body or "", keep_blank_values=True))
