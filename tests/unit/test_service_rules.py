"""The service rules against in-memory fakes (tests/fakes.py): no moto, no sandbox, milliseconds each.

The flow tests prove the same rules end to end on moto; these pin each rule down, including the
interleavings a flow test cannot place (a second submit landing between a first one's read and write).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from akta.domain.errors import Conflict, NotFound, Refused
from akta.service import delivery, directory, intake, sla, staff
from akta.service.common import Status, now
from sandbox import samples
from tests.fakes import FakeAdapters, at

HOSPITAL = "rsud-uji"


@pytest.fixture
def a() -> FakeAdapters:
    adapters = FakeAdapters()
    for staff_id, role, name in (("rina", "operator", "Rina"), ("budi", "verifier", "Budi"), ("kadis", "head", "Kadis"),
                                 ("sari", "supervisor", "Sari"), ("dedi", "drive_thru", "Dedi")):
        directory.add(adapters, staff_id, role, name, f"{staff_id}@disdukcapil.test")
    directory.set_pin(adapters, "kadis", "246810")
    return adapters


# The signed-in people acting on their own links.
OPERATOR, VERIFIER, HEAD = ({"staff_id": "rina", "role": "operator"}, {"staff_id": "budi", "role": "verifier"},
                            {"staff_id": "kadis", "role": "head"})


def draft(a: FakeAdapters, **payload) -> str:
    return intake.create_draft(a, samples.application(**payload), facility_id=HOSPITAL)["application_id"]


def submitted(a: FakeAdapters) -> str:
    application_id = draft(a)
    intake.submit(a, application_id, facility_id=HOSPITAL)
    return application_id


# -- SOP 1-2: submit -------------------------------------------------------------------------------------

def test_sop2_submit_starts_one_execution_named_by_the_attempt_with_ids_and_timeouts_only(a):
    application_id = draft(a)
    answer = intake.submit(a, application_id, facility_id=HOSPITAL)
    assert answer == {"application_id": application_id, "status": Status.SUBMITTED, "execution": f"{application_id}-1"}
    (name, given), = a.executions.inputs.items()
    assert name == f"{application_id}-1" and set(given) == {"application_id", "attempt", "timeouts"}
    assert a.records.get(application_id)["status"] == Status.SUBMITTED


def test_sop2_a_second_submit_of_a_file_being_checked_is_refused_and_starts_nothing(a):
    application_id = submitted(a)
    with pytest.raises(Conflict) as refused:
        intake.submit(a, application_id, facility_id=HOSPITAL)
    assert refused.value.code == intake.ALREADY_SUBMITTED and a.executions.starts == 1


def test_sop2_a_submit_landing_between_another_submits_read_and_write_still_starts_one_execution(a):
    application_id = draft(a)
    answers = []

    def the_other_submit_first(_):
        a.records.before_update = None
        answers.append(intake.submit(a, application_id, facility_id=HOSPITAL)["execution"])

    a.records.before_update = the_other_submit_first  # it runs after this submit read DRAFT, before it writes
    answers.append(intake.submit(a, application_id, facility_id=HOSPITAL)["execution"])
    assert answers == [f"{application_id}-1"] * 2
    assert list(a.executions.inputs) == [f"{application_id}-1"] and a.records.get(application_id)["attempt"] == 1


def test_sop2_a_submit_whose_execution_never_started_is_started_by_the_retry(a):
    application_id = draft(a)
    a.executions.start = lambda name, input: (_ for _ in ()).throw(ConnectionError("lost"))  # crash after the write
    with pytest.raises(ConnectionError):
        intake.submit(a, application_id, facility_id=HOSPITAL)
    del a.executions.start
    assert intake.submit(a, application_id, facility_id=HOSPITAL)["execution"] == f"{application_id}-1"
    assert a.executions.started(f"{application_id}-1")


def test_sop2_a_returned_file_is_resubmitted_not_submitted_and_another_facilitys_file_does_not_exist(a):
    application_id = submitted(a)
    a.records.update(application_id, status=Status.RETURNED)
    with pytest.raises(Conflict) as refused:
        intake.submit(a, application_id, facility_id=HOSPITAL)
    assert refused.value.code == "status_conflict"
    with pytest.raises(NotFound):
        intake.status(a, application_id, facility_id="rs-lain")


# -- SOP 3: resubmission ---------------------------------------------------------------------------------

def test_sop3_a_resubmission_answers_the_waiting_return_task_once(a):
    from akta.service import returns

    application_id = submitted(a)
    returns.return_to_hospital(a, application_id, "return-token")
    assert a.records.get(application_id)["status"] == Status.RETURNED
    answer = intake.resubmit(a, application_id, facility_id=HOSPITAL)
    assert answer["status"] == Status.SUBMITTED and a.callbacks.answers == {"return-token": {"decision": "resubmitted"}}
    with pytest.raises(Conflict) as again:
        intake.resubmit(a, application_id, facility_id=HOSPITAL)
    assert again.value.code == intake.ALREADY_SUBMITTED


def test_sop3_when_another_resubmission_took_the_token_first_this_one_is_already_submitted(a):
    from akta.service import returns

    application_id = submitted(a)
    returns.return_to_hospital(a, application_id, "return-token")
    assert a.records.take_waiting(application_id, "return") == "return-token"  # the other one, in flight
    with pytest.raises(Conflict) as refused:
        intake.resubmit(a, application_id, facility_id=HOSPITAL)
    assert refused.value.code == intake.ALREADY_SUBMITTED and a.callbacks.answers == {}


# -- SOP 4-6: staff links, form tokens, decisions ----------------------------------------------------------

def link_of(a: FakeAdapters, to: str) -> str:
    (mail,) = [m for m in a.mail.sent if m.to == to][-1:]
    return mail.text.split("/staff/tasks/", 1)[1].split()[0]


def waiting_at(a: FakeAdapters, state: str) -> tuple[str, str, str]:
    """An application waiting at a staff state: its id, its task token and the emailed link id."""
    application_id, token = submitted(a), a.token()
    step = staff.start_task(a, application_id=application_id, task_token=token, state=state)
    person = directory.assignee(a, step.role)
    return application_id, token, link_of(a, person["email"])


def test_sop4_a_task_is_emailed_to_the_named_person_with_a_link_under_the_public_url(a):
    application_id, _, link_id = waiting_at(a, "EnterIntoSiak")
    (mail,) = a.mail.sent
    assert mail.to == "rina@disdukcapil.test" and application_id in mail.subject
    assert f"https://akta.example.go.id/staff/tasks/{link_id}" in mail.text
    assert a.records.get(application_id)["status"] == "SIAK_ENTRY"


def test_sop4_a_decision_needs_the_pages_form_token_and_the_link_decides_once(a):
    application_id, token, link_id = waiting_at(a, "EnterIntoSiak")
    page = staff.open_page(a, link_id, OPERATOR)
    form = {"form_token": page.form_token, "decision": "registered", "registration_number": "1571-LU-01122026-0001"}
    assert staff.decide(a, link_id, form, OPERATOR)["decision"] == "registered"
    assert a.callbacks.answers[token]["decision"] == "registered"
    assert a.records.get(application_id)["registration_number"] == "1571-LU-01122026-0001"
    with pytest.raises(Refused) as again:
        staff.decide(a, link_id, form, OPERATOR)
    assert again.value.code == "used"


def test_sop4_a_form_token_from_another_page_or_none_decides_nothing(a):
    _, token, link_id = waiting_at(a, "EnterIntoSiak")
    _, _, other_link = waiting_at(a, "EnterIntoSiak")
    foreign = staff.open_page(a, other_link, OPERATOR).form_token
    for form_token in (foreign, "", "made-up"):
        with pytest.raises(Refused) as refused:
            staff.decide(a, link_id, {"form_token": form_token, "decision": "registered",
                                      "registration_number": "1571-LU-01122026-0001"}, OPERATOR)
        assert refused.value.code == "form_token"
    assert token not in a.callbacks.answers


def test_sop5_a_rejection_needs_a_reason_and_a_note_and_an_invalid_form_keeps_the_token(a):
    application_id, token, link_id = waiting_at(a, "VerifyApplication")
    page = staff.open_page(a, link_id, VERIFIER)
    with pytest.raises(staff.FormInvalid) as invalid:
        staff.decide(a, link_id, {"form_token": page.form_token, "decision": "reject"}, VERIFIER)
    assert {e.field for e in invalid.value.errors} == {"reason_code", "note"}
    staff.decide(a, link_id, {"form_token": page.form_token, "decision": "reject", "reason_code": "dokumen_tidak_terbaca",
                              "note": "KK buram"}, VERIFIER)
    assert a.callbacks.answers[token] == {"decision": "reject", "reason_code": "dokumen_tidak_terbaca"}
    (reason,) = a.records.get(application_id)["reasons"]
    assert reason["by"] == "verifier" and "KK buram" in reason["message"]


def test_sop5_a_task_that_waits_again_supersedes_its_old_link(a):
    application_id, token, old_link = waiting_at(a, "VerifyApplication")
    staff.start_task(a, application_id=application_id, task_token=token, state="VerifyApplication")  # escalated
    with pytest.raises(Refused) as refused:
        staff.open_page(a, old_link, VERIFIER)
    assert refused.value.code == "superseded"
    staff.open_page(a, link_of(a, "budi@disdukcapil.test"), VERIFIER)


def test_sop6_the_head_signs_only_with_the_pin_a_wrong_pin_uses_the_form_and_five_lock_it(a):
    _, token, link_id = waiting_at(a, "SignCertificate")
    for left in (4, 3, 2, 1):
        page = staff.open_page(a, link_id, HEAD)
        with pytest.raises(staff.FormInvalid) as wrong:
            staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "111111"}, HEAD)
        assert wrong.value.errors[0].code == "pin_wrong" and f"Sisa percobaan: {left}" in wrong.value.errors[0].message
        with pytest.raises(Refused):  # the form is used up: a guess cannot be replayed against it
            staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "246810"}, HEAD)
    page = staff.open_page(a, link_id, HEAD)
    with pytest.raises(staff.FormInvalid) as locked:
        staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "111111"}, HEAD)
    assert locked.value.errors[0].code == "pin_locked"
    page = staff.open_page(a, link_id, HEAD)
    with pytest.raises(staff.FormInvalid) as still:
        staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "246810"}, HEAD)
    assert still.value.errors[0].code == "pin_locked" and token not in a.callbacks.answers


def test_sop6_the_pin_lockout_ends_after_its_time(a):
    for _ in range(directory.PIN_ATTEMPTS):
        with pytest.raises(directory.PinRefused):
            directory.check_pin(a, "kadis", "000000")
    with pytest.raises(directory.PinRefused) as locked:
        directory.check_pin(a, "kadis", "246810")
    assert locked.value.code == "locked"
    directory.check_pin(a, "kadis", "246810", now() + directory.PIN_LOCKOUT + timedelta(seconds=1))
    assert a.records.staff_member("kadis")["pin_failures"] == 0


def test_sop6_the_approval_names_its_approver(a):
    application_id, token, link_id = waiting_at(a, "SignCertificate")
    page = staff.open_page(a, link_id, HEAD)
    staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "246810"}, HEAD)
    assert a.records.get(application_id)["approved_by"] == "kadis" and a.callbacks.answers[token]["decision"] == "approve"


# -- SOP 7-8: delivery outcome -----------------------------------------------------------------------------

def issued(a: FakeAdapters, **payload) -> str:
    application_id = draft(a, **payload)
    a.records.update(application_id, status=Status.ISSUED, registration_number="1571-LU-01122026-0007")
    a.archive.put_certificate(application_id, b"%PDF-1.7 signed")
    return application_id


def test_sop7_the_notice_goes_by_whatsapp_and_email_and_the_first_outcome_answers_once(a):
    application_id = issued(a)
    delivery.notify(a, application_id, "delivery-token")
    (whatsapp,) = a.whatsapp.sent
    assert whatsapp[1] == "akta_kelahiran_terbit" and whatsapp[2]["registration_number"] == "1571-LU-01122026-0007"
    (mail,) = a.mail.sent
    assert mail.attachment == (f"akta-kelahiran-{application_id}.pdf", b"%PDF-1.7 signed")
    assert a.records.get(application_id)["status"] == Status.SENT and a.callbacks.answers == {}
    (delivery_id,) = a.mail.delivery_ids
    assert delivery.on_ses_event(a, "Delivery", application_id, delivery_id) is True
    assert delivery.on_ses_event(a, "Bounce", application_id, delivery_id) is False  # late and duplicate events find nothing
    assert a.callbacks.answers == {"delivery-token": {"outcome": "delivered"}}


def test_sop7_an_event_of_another_message_about_the_application_answers_nothing(a):
    """Staff emails carry the application id too: their Delivery must not close the applicant's wait, nor an
    event of an earlier certificate message (another delivery id)."""
    application_id = issued(a)
    delivery.notify(a, application_id, "delivery-token")
    (delivery_id,) = a.mail.delivery_ids
    assert delivery.on_ses_event(a, "Delivery", application_id, None) is False  # a staff email's event
    assert delivery.on_ses_event(a, "Delivery", application_id, "another-message") is False
    assert a.callbacks.answers == {}
    assert delivery.on_ses_event(a, "Bounce", application_id, delivery_id) is True
    assert a.callbacks.answers == {"delivery-token": {"outcome": "bounced"}}


def test_sop7_an_event_that_is_not_an_outcome_answers_nothing(a):
    application_id = issued(a)
    delivery.notify(a, application_id, "delivery-token")
    (delivery_id,) = a.mail.delivery_ids
    assert delivery.on_ses_event(a, "Open", application_id, delivery_id) is False and a.callbacks.answers == {}
    assert delivery.on_ses_event(a, "Bounce", application_id, delivery_id) is True
    assert a.callbacks.answers == {"delivery-token": {"outcome": "bounced"}}


def test_sop7_no_email_or_a_refused_address_answers_at_once_so_the_drive_thru_follows(a):
    no_email = issued(a, email=None)
    delivery.notify(a, no_email, "token-no-email")
    refused = issued(a, email="ditolak@contoh.co.id")
    a.mail.refuse.add("ditolak@contoh.co.id")
    delivery.notify(a, refused, "token-refused")
    assert a.callbacks.answers == {"token-no-email": {"outcome": "no_email"}, "token-refused": {"outcome": "rejected"}}
    # The WhatsApp notice went out either way; it says "sent to your email" only where there is an email.
    assert [template for _, template, _ in a.whatsapp.sent] == ["akta_kelahiran_terbit_tanpa_email", "akta_kelahiran_terbit"]


def test_sop7_an_outcome_for_a_task_that_no_longer_waits_is_dropped(a):
    application_id = issued(a)
    delivery.notify(a, application_id, "delivery-token")
    a.callbacks.waiting = set()  # the wait timed out meanwhile
    assert delivery.on_ses_event(a, "Delivery", application_id, a.mail.delivery_ids[0]) is False


def test_sop8_the_counter_hands_over_once_with_the_lookups_form_token(a):
    application_id = issued(a)
    delivery.start_drive_thru(a, application_id, "pickup-token", "bounced")
    ((_, template, values),) = a.whatsapp.sent
    assert template == "akta_kelahiran_drive_thru"
    counter_key = a.tasks.create_counter_key("loket-1", "Loket 1", now())
    found = delivery.counter_lookup(a, counter_key, values["pickup_code"].lower().replace("-", " "), "dedi")  # as read aloud
    assert found["application_id"] == application_id
    with pytest.raises(Refused) as not_theirs:  # another signed-in person cannot complete this person's lookup
        delivery.counter_handover(a, found["form_token"], "sari")
    assert not_theirs.value.code == "form_token"
    found = delivery.counter_lookup(a, counter_key, values["pickup_code"], "dedi")
    delivery.counter_handover(a, found["form_token"], "dedi")
    assert a.callbacks.answers == {"pickup-token": {"decision": "handed_over", "counter_id": "loket-1"}}
    assert a.records.get(application_id)["handed_over_by"] == "dedi"
    with pytest.raises(Refused):
        delivery.counter_handover(a, found["form_token"], "dedi")
    with pytest.raises(Refused) as used:
        delivery.counter_lookup(a, counter_key, values["pickup_code"], "dedi")
    assert used.value.code == "used"


# -- SLA: the sweep ---------------------------------------------------------------------------------------

def link_created(a: FakeAdapters, state: str, created: str) -> dict:
    application_id = submitted(a)
    assignee = directory.assignee(a, {"EnterIntoSiak": "operator", "VerifyApplication": "verifier"}[state])
    a.tasks.create_link(role=assignee["role"], application_id=application_id, state=state,
                        sop_step={"EnterIntoSiak": 4, "VerifyApplication": 5}[state], task_token=a.token(),
                        assignee=assignee, at=at(created), ttl=timedelta(days=7))
    return a.tasks.open_links()[-1]


def test_sla_a_task_past_its_target_in_office_time_is_reminded_once(a):
    link = link_created(a, "EnterIntoSiak", "2026-12-01 09:00")  # a Tuesday
    reminded = sla.sweep(a, at("2026-12-01 11:00"))
    assert reminded == [{"application_id": link["application_id"], "sop_step": 4}]
    (mail,) = a.mail.sent
    assert mail.to == "rina@disdukcapil.test" and "Pengingat" in mail.subject
    assert sla.sweep(a, at("2026-12-01 15:00")) == [] and len(a.mail.sent) == 1
    assert [(e.step, e.phase) for e in a.records.events(link["application_id"]) if e.outcome == "sla_reminder"] == [(4, "note")]


def test_sla_a_task_sent_at_night_is_not_late_before_the_office_opens(a):
    link_created(a, "EnterIntoSiak", "2026-12-04 22:00")  # a Friday night
    assert sla.sweep(a, at("2026-12-04 22:05")) == []
    assert sla.sweep(a, at("2026-12-06 12:00")) == []  # Sunday: still no office time has passed
    assert len(sla.sweep(a, at("2026-12-07 11:00"))) == 1  # Monday morning, past the target


def test_sla_a_decided_or_expired_task_is_not_reminded(a):
    link = link_created(a, "VerifyApplication", "2026-12-01 09:00")
    a.tasks.supersede(link["pk"], at("2026-12-01 09:30"))
    assert sla.sweep(a, at("2026-12-01 16:00")) == []
    link_created(a, "VerifyApplication", "2026-11-20 09:00")  # its 7 days are over
    assert sla.sweep(a, at("2026-12-01 16:00")) == []


def test_sop7_a_revoked_certificate_is_neither_announced_nor_sent(a):
    from akta.service import verification

    application_id = issued(a)
    a.records.put_certificate({"certificate_id": "c-1", "application_id": application_id, "status": "valid"})
    a.records.update(application_id, certificate={"certificate_id": "c-1"})
    verification.revoke(a, "c-1", "data_salah", "Nama ibu salah", "sari")
    with pytest.raises(delivery.CertificateRevoked):
        delivery.notify(a, application_id, "delivery-token")
    assert a.whatsapp.sent == [] and a.mail.sent == [] and a.callbacks.answers == {}
