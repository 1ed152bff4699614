"""SOP 8-9: the Drive-Thru counter, for signed-in counter staff. They enter the counter key (which terminal) and
the pickup code, check the ID, hand over."""

from aws_lambda_powertools.logging import correlation_paths

from akta.adapters.tasks import Refused
from akta.service.delivery import CertificateRevoked
from akta.domain.errors import FieldError
from akta.observability import MetricUnit, logger, metrics
from akta.service import delivery
from akta.web import pages, staff_session
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()
staff_session.behind_sign_in(app)

REFUSALS = {
    "counter_key": FieldError("counter_key", "counter_key", "Kunci loket tidak dikenal."),
    "unknown": FieldError("pickup_code", "pickup_unknown", "Kode pengambilan tidak dikenal."),
    "expired": FieldError("pickup_code", "pickup_expired", "Kode pengambilan sudah kedaluwarsa."),
    "used": FieldError("pickup_code", "pickup_used", "Akta untuk kode ini sudah diserahkan."),
    "superseded": FieldError("pickup_code", "pickup_superseded", "Kode pengambilan ini sudah diganti. Gunakan kode pada pesan WhatsApp terbaru."),
    "form_token": FieldError("form_token", "form_token", "Formulir serah terima sudah tidak berlaku. Cari kembali kode pengambilannya."),
    "task_gone": FieldError("pickup_code", "pickup_task_gone", "Pengambilan ini sudah tidak menunggu serah terima. Hubungi supervisor."),
}


def _counter_staff() -> dict:
    return staff_session.current(adapters, app.current_event, "drive_thru").person


@app.get("/counter")
def counter():
    return html(200, pages.counter_page(signed_in=_counter_staff()))


@app.post("/counter/lookup")
def lookup():
    person = _counter_staff()
    fields = form_fields(app)
    found = delivery.counter_lookup(adapters, fields.get("counter_key", ""), fields.get("pickup_code", ""), person["staff_id"])
    return html(200, pages.handover_page(found, signed_in=person))


@app.post("/counter/handover")
def handover():
    person = _counter_staff()
    fields = form_fields(app)
    if fields.get("id_checked") != "yes":
        error = FieldError("id_checked", "id_check_required", "Periksa KTP-el pengambil dan centang kotak pemeriksaan sebelum menyerahkan akta.")
        return html(422, pages.message_page("Serah terima belum dapat dilakukan",
                                            "Kembali ke halaman sebelumnya, periksa KTP-el, lalu centang kotaknya.", [error],
                                            signed_in=person))
    result = delivery.counter_handover(adapters, fields.get("form_token", ""), person["staff_id"])
    metrics.add_metric("CounterHandovers", MetricUnit.Count, 1)
    metrics.add_metadata("application_id", result["application_id"])
    logger.info("handover confirmed", extra={"application_id": result["application_id"], "staff_id": person["staff_id"]})
    return html(200, pages.message_page("Akta telah diserahkan", f"Serah terima untuk permohonan {result['application_id']} telah dicatat.",
                                        signed_in=person))


@app.exception_handler(CertificateRevoked)
def revoked(exc: CertificateRevoked):
    error = FieldError("pickup_code", "certificate_revoked",
                       "Akta untuk permohonan ini telah DICABUT dan tidak boleh diserahkan. Hubungi supervisor.")
    return html(410, pages.counter_page([error]))


@app.exception_handler(Refused)
def refused(exc: Refused):
    status = {"counter_key": 403, "form_token": 403, "unknown": 404}.get(exc.code, 410)
    return html(status, pages.counter_page([REFUSALS[exc.code]]))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
