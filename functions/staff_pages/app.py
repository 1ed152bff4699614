"""SOP 4-6: the staff page behind an emailed link. GET only shows; only a POST with the page's form token decides."""

from aws_lambda_powertools.logging import correlation_paths

from akta.adapters.tasks import Refused
from akta.observability import MetricUnit, logger, metrics
from akta.service import staff
from akta.web import pages
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()

REFUSALS = {
    "unknown": "Tautan ini tidak dikenal.",
    "expired": "Tautan ini sudah kedaluwarsa.",
    "used": "Tugas ini sudah diputuskan; tautan tidak dapat dipakai lagi.",
    "form_token": "Formulir ini sudah tidak berlaku. Buka kembali tautan dari email Anda.",
    "superseded": "Tautan ini sudah diganti dengan tautan baru. Gunakan tautan pada email terbaru.",
    "task_gone": "Tugas ini sudah tidak menunggu keputusan (batas waktu terlewati). Tautan baru telah dikirim.",
}


@app.get("/staff/tasks/<link_id>")
def show(link_id: str):
    return html(200, pages.task_page(staff.open_page(adapters, link_id)))


@app.post("/staff/tasks/<link_id>")
def decide(link_id: str):
    form = form_fields(app)
    try:
        result = staff.decide(adapters, link_id, form)
    except staff.FormInvalid as invalid:
        return html(422, pages.task_page(staff.open_page(adapters, link_id), invalid.errors))
    metrics.add_metric("StaffDecisions", MetricUnit.Count, 1)
    metrics.add_metadata("application_id", result["application_id"])
    logger.info("staff decision", extra={"application_id": result["application_id"], "decision": result["decision"], "role": result["role"]})
    return html(200, pages.message_page("Keputusan tersimpan", f"Keputusan untuk permohonan {result['application_id']} telah dicatat. Terima kasih."))


@app.exception_handler(Refused)
def refused(exc: Refused):
    status = 410 if exc.code in ("expired", "used", "task_gone", "superseded") else (403 if exc.code == "form_token" else 404)
    return html(status, pages.message_page("Tautan tidak berlaku", REFUSALS.get(exc.code, REFUSALS["unknown"])))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
