"""SOP 4-6: the staff page behind an emailed link, for the signed-in assignee. GET only shows; only a POST with the
page's form token decides."""

from aws_lambda_powertools.logging import correlation_paths

from akta.adapters.tasks import Refused
from akta.domain.waits import STAFF_ROLES
from akta.observability import MetricUnit, logger, metrics
from akta.service import staff
from akta.web import pages, staff_session
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()
staff_session.behind_sign_in(app)

REFUSALS = {
    "unknown": "Tautan ini tidak dikenal.",
    "expired": "Tautan ini sudah kedaluwarsa.",
    "used": "Tugas ini sudah diputuskan; tautan tidak dapat dipakai lagi.",
    "form_token": "Formulir ini sudah tidak berlaku. Buka kembali tautan dari email Anda.",
    "superseded": "Tautan ini sudah diganti dengan tautan baru. Gunakan tautan pada email terbaru.",
    "task_gone": "Tugas ini sudah tidak menunggu keputusan (batas waktu terlewati). Tautan baru telah dikirim.",
    "not_yours": "Tugas ini ditugaskan kepada petugas lain. Tidak ada yang berubah. Jika tugas ini seharusnya "
                 "milik Anda, hubungi supervisor.",
}


def _signed_in():
    return staff_session.current(adapters, app.current_event, *STAFF_ROLES)


@app.get("/staff/tasks/<link_id>")
def show(link_id: str):
    person = _signed_in().person
    return html(200, pages.task_page(staff.open_page(adapters, link_id, person), signed_in=person))


@app.post("/staff/tasks/<link_id>")
def decide(link_id: str):
    person = _signed_in().person
    form = form_fields(app)
    try:
        result = staff.decide(adapters, link_id, form, person)
    except staff.FormInvalid as invalid:
        if any(e.code.startswith("pin_") for e in invalid.errors):
            # The refused PIN used up the page's form: no fresh form to replay a guess with; the head reopens it.
            return html(422, pages.continue_page("PIN ditolak", app.current_event.path, invalid.errors[0].message,
                                                 automatic=False, link_text="Buka kembali halaman tugas",
                                                 errors=invalid.errors, signed_in=person))
        return html(422, pages.task_page(staff.open_page(adapters, link_id, person), invalid.errors, signed_in=person))
    metrics.add_metric("StaffDecisions", MetricUnit.Count, 1)
    metrics.add_metadata("application_id", result["application_id"])
    logger.info("staff decision", extra={"application_id": result["application_id"], "decision": result["decision"],
                                         "role": result["role"], "staff_id": person["staff_id"]})
    return html(200, pages.message_page("Keputusan tersimpan", f"Keputusan untuk permohonan {result['application_id']} telah dicatat. Terima kasih.",
                                        signed_in=person))


@app.exception_handler(Refused)
def refused(exc: Refused):
    status = 410 if exc.code in ("expired", "used", "task_gone", "superseded") else (403 if exc.code in ("form_token", "not_yours") else 404)
    return html(status, pages.message_page("Tautan tidak berlaku", REFUSALS.get(exc.code, REFUSALS["unknown"])))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
