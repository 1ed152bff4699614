"""The public verification page behind the certificate's QR code: no login, nothing personal but a masked name."""

import base64
from email import policy
from email.parser import BytesParser

from aws_lambda_powertools.logging import correlation_paths

from akta.observability import MetricUnit, logger, metrics
from akta.service import verification
from akta.web import pages
from akta.web.api import html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()
MAX_UPLOAD = 2 * 1024 * 1024  # a certificate is ~15 KB; anything far larger is not one


@app.get("/verify/<certificate_id>")
def show(certificate_id: str):
    found = verification.lookup(adapters, certificate_id)
    metrics.add_metric(f"Verifications{found['state'].capitalize()}", MetricUnit.Count, 1)
    return html(200 if found["state"] != "unknown" else 404, pages.verification_page(found))


@app.post("/verify/<certificate_id>")
def compare(certificate_id: str):
    found = verification.lookup(adapters, certificate_id)
    pdf = _uploaded_pdf()
    if pdf is None:
        return html(422, pages.verification_page(found, comparison="missing"))
    same = verification.identical(adapters, certificate_id, pdf)
    return html(200, pages.verification_page(found, comparison={True: "identical", False: "different", None: None}[same]))


def _uploaded_pdf() -> bytes | None:
    """The file from a multipart/form-data form (field `pdf`), or None."""
    event = app.current_event
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("latin-1", "replace")
    content_type = event.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data") or not raw or len(raw) > MAX_UPLOAD:
        return None
    message = BytesParser(policy=policy.default).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "pdf":
            return part.get_payload(decode=True) or None
    return None


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
