"""The public verification page behind the certificate's QR code: no login, nothing personal but a masked name."""

from aws_lambda_powertools.logging import correlation_paths

from akta.observability import MetricUnit, logger, metrics
from akta.service import verification
from akta.web import pages
from akta.web.api import UploadTooLarge, html, page_resolver, uploaded_file
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
    try:
        pdf = uploaded_file(app, "pdf", MAX_UPLOAD)
    except UploadTooLarge:
        return html(413, pages.verification_page(found, comparison="too_large"))
    if pdf is None:
        return html(422, pages.verification_page(found, comparison="missing"))
    same = verification.identical(adapters, certificate_id, pdf)
    return html(200, pages.verification_page(found, comparison={True: "identical", False: "different", None: None}[same]))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
