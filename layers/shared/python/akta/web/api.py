"""The one JSON error shape of the HTTP APIs: a machine code, the fields, and messages in Bahasa Indonesia."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response, content_types


def error(status: int, code: str, message: str, fields: list[dict] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "fields": fields or []}}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body, ensure_ascii=False))


def html(status: int, page: str) -> Response:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=page,
                    headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})
