"""SOP 7-9: the certificate goes out by email with a WhatsApp notice; when the email does not arrive,
the applicant collects it at the Drive-Thru counter with a pickup code."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from akta import rendering
from akta.adapters.executions import TaskGone
from akta.adapters.mail import MailRejected
from akta.domain.errors import Conflict, Refused
from akta.observability import logger
from akta.service.common import SYSTEM, Status, now, record
from akta.service.ports import Adapters

PICKUP_LIFETIME = timedelta(days=90)
# SES event types and what they mean for the waiting notification task.
SES_OUTCOMES = {"Delivery": "delivered", "Bounce": "bounced", "Complaint": "bounced", "Reject": "rejected"}


class CertificateRevoked(Conflict):
    """The application's certificate was revoked: it is never sent, looked up or handed over."""

    code = "certificate_revoked"


def _refuse_revoked(adapters: Adapters, current: dict) -> None:
    certificate_id = (current.get("certificate") or {}).get("certificate_id")
    found = adapters.records.certificate(certificate_id) if certificate_id else None
    if found and found.get("status") == "revoked":
        raise CertificateRevoked(None, current["application_id"])


def notify(adapters: Adapters, application_id: str, task_token: str) -> None:
    """Store the token first, then send: a fast bounce must find someone waiting for it. A revoked certificate
    is not sent (nor announced): the step fails for good, and the file says why."""
    records, archive = adapters.records, adapters.archive
    at = now()
    current = records.get(application_id)
    _refuse_revoked(adapters, current)
    contact, number = current["data"]["contact"], current["registration_number"]
    delivery_id = secrets.token_urlsafe(16)  # stored before sending: an event can arrive before send() returns
    records.put_waiting(application_id, "delivery", task_token, at, delivery_id=delivery_id)
    records.update(application_id, status=Status.SENT, notified_at=at.isoformat())
    # "sent to your email" only when there is an email to send it to
    adapters.whatsapp.send_template(contact["whatsapp"], "akta_kelahiran_terbit" if contact.get("email") else "akta_kelahiran_terbit_tanpa_email",
                                    {"application_id": application_id, "registration_number": number})
    outcome = None
    if not contact.get("email"):
        outcome = "no_email"
    else:
        try:
            adapters.mail.send(
                to=contact["email"],
                message=rendering.email("certificate", application_id=application_id, registration_number=number),
                application_id=application_id,
                attachment=(f"akta-kelahiran-{application_id}.pdf", archive.certificate(application_id)),
                delivery_id=delivery_id,
            )
        except MailRejected:
            outcome = "rejected"
    record(records, application_id, 7, "finished", SYSTEM, "notices_sent" if outcome is None else f"whatsapp_only:{outcome}")
    if outcome:
        answer_delivery(adapters, application_id, outcome)


def answer_delivery(adapters: Adapters, application_id: str, outcome: str, delivery_id: str | None = None) -> bool:
    """Complete the waiting notification task once; later or duplicate events find nothing to answer, and an
    event with another message's `delivery_id` finds nothing either."""
    token = adapters.records.take_waiting(application_id, "delivery", delivery_id)
    if token is None:
        logger.info("delivery event without a waiting task", extra={"application_id": application_id, "outcome": outcome})
        return False
    try:
        adapters.callbacks.answer(token, {"outcome": outcome})
    except TaskGone:
        logger.info("delivery task no longer waiting", extra={"application_id": application_id, "outcome": outcome})
        return False
    return True


def on_ses_event(adapters: Adapters, event_type: str, application_id: str, delivery_id: str | None) -> bool:
    """An SES event answers the delivery wait only if it is of the applicant's certificate message (its
    `delivery_id` tag): the application's staff emails carry the application id too, never a delivery id."""
    outcome = SES_OUTCOMES.get(event_type)
    if outcome is None:  # Send, Open, Click...: not an outcome
        return False
    if not delivery_id:
        logger.info("delivery event of another message", extra={"application_id": application_id, "event_type": event_type})
        return False
    return answer_delivery(adapters, application_id, outcome, delivery_id)


def start_drive_thru(adapters: Adapters, application_id: str, task_token: str, delivery_outcome: str) -> None:
    records, tasks = adapters.records, adapters.tasks
    at = now()
    current = records.get(application_id)
    code, key = tasks.create_pickup(application_id=application_id, task_token=task_token, at=at, ttl=PICKUP_LIFETIME)
    replaced = records.replace_open_task(application_id, "CollectAtDriveThru", key)
    if replaced:  # a fresh code after escalation: the old one no longer hands over
        tasks.supersede(replaced, at)
    records.update(application_id, status=Status.DRIVE_THRU, delivery_outcome=delivery_outcome)
    record(records, application_id, 8, "started", "drive_thru", delivery_outcome, at=at)
    adapters.whatsapp.send_template(current["data"]["contact"]["whatsapp"], "akta_kelahiran_drive_thru",
                             {"application_id": application_id, "pickup_code": code})


def counter_lookup(adapters: Adapters, counter_key: str, pickup_code: str, by: str) -> dict:
    """What the counter sees for a pickup code: who may collect, and a form token, for the signed-in staff
    member `by` at this counter (the counter key names the terminal), to confirm the handover."""
    tasks, records = adapters.tasks, adapters.records
    at = now()
    counter = tasks.counter(counter_key)
    pickup = tasks.pickup(pickup_code, at)
    current = records.get(pickup["application_id"])
    _refuse_revoked(adapters, current)
    data = current["data"]
    return {
        "counter": counter["name"],
        "application_id": pickup["application_id"],
        "registration_number": current.get("registration_number"),
        "child_name": data["child"]["name"],
        "collectors": [{"role": "Ibu", "name": data["mother"]["name"]}, {"role": "Ayah", "name": data["father"]["name"]}],
        "form_token": tasks.issue_form_token("counter_handover", pickup["pk"], at, ttl=timedelta(minutes=30), counter_id=counter["counter_id"],
                                             staff_id=by),
    }


def counter_handover(adapters: Adapters, form_token: str, by: str) -> dict:
    """The signed-in staff member `by` confirms the handover they looked up (the page has already required the
    ID check); who handed it over, and at which counter, stays on the file."""
    tasks, records = adapters.tasks, adapters.records
    at = now()
    # Only a handover form's token: an operator's or the head's page token used here is refused, unused.
    form = tasks.use_form_token(form_token, "counter_handover", at)
    if form.get("staff_id") != by:  # another person's lookup: they look the code up themselves
        raise Refused("form_token")
    # Revoked between the lookup and the handover: the akta stays at the counter.
    _refuse_revoked(adapters, records.get(tasks.pickup_at(form["subject"], at)["application_id"]))
    pickup = tasks.hand_over(form["subject"], at)
    application_id = pickup["application_id"]
    records.update(application_id, handed_over_by=by, handed_over_at_counter=form["counter_id"])
    record(records, application_id, 8, "finished", "drive_thru", f"handed_over:{form['counter_id']}", at=at)
    adapters.callbacks.answer(pickup["task_token"], {"decision": "handed_over", "counter_id": form["counter_id"]})  # TaskGone if it waits no more
    return {"application_id": application_id}


def complete(adapters: Adapters, application_id: str) -> None:
    """SOP 9: the applicant has the document, by email or from the counter."""
    records = adapters.records
    at = now()
    current = records.get(application_id)
    if current["status"] == Status.DRIVE_THRU:
        started, outcome = at, "diterima_di_drive_thru"
        # The counter's handover is the moment of receipt.
        handed = [e for e in records.events(application_id) if e.step == 8 and e.phase == "finished"]
        if handed:
            started = handed[-1].at
    else:
        started, outcome = datetime.fromisoformat(current["notified_at"]), "diterima_lewat_email"
    record(records, application_id, 9, "started", "pemohon", at=started)
    record(records, application_id, 9, "finished", "pemohon", outcome, at=at)
    records.update(application_id, status=Status.COMPLETED, completed_at=at.isoformat())
