"""SOP 4-6 and 8-9: emailed links and the counter page. GET never decides; only the page's own POST does, once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox import samples
from sandbox.actors import StaffMember, filled, form_token, form_with
from sandbox.aws import SANDBOX_STAFF_PASSWORD
from sandbox.lambdas import AwsFault, Fault


def submitted_to_verifier(world) -> tuple[str, dict]:
    payload = samples.application()
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    world.operator.register(application_id, payload)
    world.hospital.wait_for_status(application_id, "VERIFICATION")
    return application_id, payload


def snapshot(world, sfn, application_id):
    status = world.hospital.status(application_id)
    events = sfn.get_execution_history(executionArn=world.sandbox.execution(application_id), maxResults=1000)["events"]
    return status["status"], status["timeline"], len(events)


def test_sop5_a_scanner_get_of_the_verifier_link_changes_nothing_and_the_person_still_decides(world, sfn):
    application_id, payload = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    before = snapshot(world, sfn, application_id)

    for _ in range(3):  # a mail security scanner opens every link, sometimes more than once: it is not signed in
        scanned = requests.get(link, timeout=30, allow_redirects=False)
        assert scanned.status_code == 302 and scanned.headers["Location"].startswith("/auth/sign-in?next=/staff/tasks/")
        assert "Tugas" not in scanned.text
    for _ in range(2):  # the verifier, signed in, opens it twice
        page = world.verifier.open(link)
        assert page.status_code == 200
    assert snapshot(world, sfn, application_id) == before

    # The page shows the data for checking, the SOP target, and the archived documents.
    assert payload["child"]["name"] in page.text
    assert "Target mutu baku: 3 menit" in page.text
    assert page.text.count("X-Amz-Signature") == 5  # one short-lived preview link per archived document

    assert world.verifier.decide(link, decision="approve").status_code == 200
    assert world.hospital.wait_for_status(application_id, "SIGNATURE")["status"] == "SIGNATURE"


def test_sop5_a_post_without_the_pages_form_token_decides_nothing(world, sfn):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    before = snapshot(world, sfn, application_id)
    for form in ({"decision": "approve"}, {"decision": "approve", "form_token": "forged-token"}):
        response = world.verifier.post(link, form)
        assert response.status_code == 403
        assert "Formulir ini sudah tidak berlaku" in response.text
    assert snapshot(world, sfn, application_id) == before


def test_sop5_a_link_decides_once_and_a_second_decision_is_refused(world, sfn):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    page = world.verifier.open(link)
    token = form_token(page.text)
    assert world.verifier.post(link, {"form_token": token, "decision": "approve"}).status_code == 200
    world.hospital.wait_for_status(application_id, "SIGNATURE")
    before = snapshot(world, sfn, application_id)
    again = world.verifier.post(link, {"form_token": token, "decision": "reject", "reason_code": "lainnya", "note": "x"})
    assert again.status_code == 410
    assert "sudah diputuskan" in again.text
    assert world.verifier.open(link).status_code == 410
    assert snapshot(world, sfn, application_id) == before


def test_sop5_two_decisions_on_one_link_at_once_decide_once(world, sfn):
    """The verifier's approval and a rejection from a second tab, both in flight at once in two environments:
    one decides, the other is refused, and the state machine moves once."""
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    tokens = [form_token(world.verifier.open(link).text) for _ in range(2)]
    forms = [{"form_token": tokens[0], "decision": "approve"},
             {"form_token": tokens[1], "decision": "reject", "reason_code": "lainnya", "note": "tab kedua"}]
    router = world.sandbox.router
    router.inject("staff_pages", Fault("bug", times=2, target="akta.service.staff:decide", replacement="tests.bugs:slow_decide"))
    before, start = len(router.runs), threading.Barrier(2)

    def post(form):
        start.wait()
        return world.verifier.post(link, form)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(post, forms))
    router.faults["staff_pages"].clear()
    first, second = sorted((r for r in router.runs[before:] if r.function == "staff_pages"), key=lambda r: r.started)
    assert first.environment != second.environment and second.started < first.finished  # they overlapped
    assert sorted(a.status_code for a in answers) == [200, 410]
    decided = answers[0] if answers[0].status_code == 200 else answers[1]
    status = world.hospital.wait_for_status(application_id, "SIGNATURE", "RETURNED")["status"]
    assert status == ("SIGNATURE" if decided is answers[0] else "RETURNED")
    verifier_rows = [row for row in world.hospital.status(application_id)["timeline"] if row["sop_step"] == "5"]
    assert len([row for row in verifier_rows if row["finished"]]) == 1


def test_sop5_a_rejection_needs_a_reason_and_a_note(world, sfn):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    before = snapshot(world, sfn, application_id)
    response = world.verifier.decide(link, decision="reject")
    assert response.status_code == 422
    assert "Pilih alasan penolakan." in response.text and "Catatan penolakan wajib diisi" in response.text
    assert snapshot(world, sfn, application_id)[:2] == before[:2]


def test_sop4_the_operator_page_refuses_a_registration_number_not_in_siak_format(world):
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    link = world.operator.link_for(application_id)
    response = world.operator.decide(link, decision="registered", registration_number="12345")
    assert response.status_code == 422
    assert "Nomor registrasi SIAK harus berbentuk" in response.text
    assert world.hospital.status(application_id)["status"] == "SIAK_ENTRY"


def test_an_unknown_staff_link_gets_a_clear_page(world):
    response = world.verifier.open(f"{world.gateway.url}/staff/tasks/not-a-real-link")
    assert response.status_code == 404
    assert "Tautan ini tidak dikenal." in response.text


def test_sop8_the_counter_refuses_a_wrong_key_an_unknown_code_and_a_handover_without_id_check(world):
    url, person = world.gateway.url, world.counter.person
    person.open(f"{url}/counter").raise_for_status()  # signed in at the counter
    wrong_key = person.post(f"{url}/counter/lookup", {"counter_key": "nope", "pickup_code": "ABCD-EFGH"})
    assert wrong_key.status_code == 403 and "Kunci loket tidak dikenal." in wrong_key.text
    unknown = person.post(f"{url}/counter/lookup", {"counter_key": world.sandbox.counter_key, "pickup_code": "ABCD-EFGH"})
    assert unknown.status_code == 404 and "Kode pengambilan tidak dikenal." in unknown.text
    no_check = person.post(f"{url}/counter/handover", {"form_token": "whatever"})
    assert no_check.status_code == 422 and "centang kotak pemeriksaan" in no_check.text
    forged = person.post(f"{url}/counter/handover", {"form_token": "forged", "id_checked": "yes"})
    assert forged.status_code == 403 and "Formulir serah terima sudah tidak berlaku" in forged.text


def test_sop6_the_head_signs_only_with_the_personal_pin_and_a_wrong_pin_changes_nothing(world, sfn):
    application_id, _ = submitted_to_verifier(world)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.hospital.wait_for_status(application_id, "SIGNATURE")
    link = world.head.link_for(application_id)
    before = snapshot(world, sfn, application_id)
    wrong = world.head.decide(link, decision="approve", pin="000000")
    assert wrong.status_code == 422 and "PIN penandatanganan salah. Sisa percobaan: 4." in wrong.text
    assert "form_token" not in wrong.text  # no fresh form to replay the next guess with: the head reopens the page
    missing = world.head.decide(link, decision="approve", pin="")
    assert missing.status_code == 422
    assert snapshot(world, sfn, application_id) == before
    assert world.head.decide(link, decision="approve").status_code == 200  # the right PIN (and the count resets)
    assert world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")["status"] == "COMPLETED"


def test_sop6_the_signing_pin_locks_after_five_wrong_attempts_and_unlocks_after_the_lockout(world):
    from datetime import timedelta

    import pytest

    from akta.service import directory
    from akta.service.common import now

    directory.add(world.sandbox.adapters, "kadis-uji", "head", "Kepala Dinas Uji", "kadis.uji@disdukcapil.test")
    directory.set_pin(world.sandbox.adapters, "kadis-uji", "11223344")
    for attempts_left in (4, 3, 2, 1):
        with pytest.raises(directory.PinRefused) as refused:
            directory.check_pin(world.sandbox.adapters, "kadis-uji", "99999999")
        assert (refused.value.code, refused.value.attempts_left) == ("wrong", attempts_left)
    with pytest.raises(directory.PinRefused) as refused:
        directory.check_pin(world.sandbox.adapters, "kadis-uji", "99999999")
    assert refused.value.code == "locked"
    with pytest.raises(directory.PinRefused) as refused:
        directory.check_pin(world.sandbox.adapters, "kadis-uji", "11223344")  # even the right PIN, while locked
    assert refused.value.code == "locked"
    directory.check_pin(world.sandbox.adapters, "kadis-uji", "11223344", now() + directory.PIN_LOCKOUT + timedelta(seconds=1))


def test_sop6_forty_parallel_guesses_at_the_signing_pin_get_no_more_comparisons_than_the_lockout_allows(world):
    """An attacker with the head's link releases 40 guesses at once, each with a form of its own. However many
    are served at once, no more than PIN_ATTEMPTS are compared with the PIN's hash; the rest are refused as
    locked, and so is the right PIN after them."""
    from akta.service import directory
    from akta.service.directory import PIN_ATTEMPTS
    from sandbox.aws import SANDBOX_HEAD_PIN, SANDBOX_STAFF
    from tests.bugs import PIN_COMPARISONS

    application_id, _ = submitted_to_verifier(world)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.hospital.wait_for_status(application_id, "SIGNATURE")
    link = world.head.link_for(application_id)
    forms = [filled(form_with(world.head.open(link).text, "form_token"), decision="approve", pin=f"{n:06d}")
             for n in range(40)]
    PIN_COMPARISONS.unlink(missing_ok=True)
    router = world.sandbox.router
    router.inject("staff_pages", Fault("bug", times=len(forms), target="akta.service.directory:_hash",
                                       replacement="tests.bugs:counted_pin_hash"))
    before, start = len(router.runs), threading.Barrier(len(forms))

    def guess(form):
        start.wait()
        return world.head.post(link, form)

    try:
        with ThreadPoolExecutor(len(forms)) as pool:
            answers = list(pool.map(guess, forms))
        router.faults["staff_pages"].clear()
        served = [r for r in router.runs[before:] if r.function == "staff_pages" and r.outcome == "ok"]
        assert len({r.environment for r in served}) > 1  # served in parallel, not one after another
        assert all(a.status_code in (422, 500) for a in answers)  # refused, or throttled (API Gateway's 500)
        assert len(PIN_COMPARISONS.read_bytes()) <= PIN_ATTEMPTS
        right = world.head.decide(link, decision="approve")
        assert right.status_code == 422 and "terkunci" in right.text
        assert world.hospital.status(application_id)["status"] == "SIGNATURE"
    finally:  # the sandbox's head signs in the tests that follow: lift the lockout
        router.faults["staff_pages"].clear()
        directory.set_pin(world.sandbox.adapters, SANDBOX_STAFF["head"]["staff_id"], SANDBOX_HEAD_PIN)


def test_sop5_a_supervisor_reassigns_a_waiting_task_the_old_link_refuses_the_new_one_decides(world, sfn, office_environment):
    from akta.service import directory
    from infra import admin

    directory.add(world.sandbox.adapters, "wulan", "verifier", "Wulan Verifikator", "wulan@disdukcapil.test")
    secret = world.sandbox.enrol_staff_account("wulan", "wulan@disdukcapil.test", "verifier")
    application_id, _ = submitted_to_verifier(world)
    old_link = world.verifier.link_for(application_id)
    assert admin.main(["task", "reassign", application_id, "VerifyApplication", "wulan", "cuti", "--by", "sari"]) == 0
    assert world.verifier.open(old_link).status_code == 410
    wulan = StaffMember("wulan@disdukcapil.test", world.sandbox.mailbox, username="wulan", password=SANDBOX_STAFF_PASSWORD,
                        totp_secret=secret)
    assert wulan.decide(wulan.link_for(application_id), decision="approve").status_code == 200
    status = world.hospital.wait_for_status(application_id, "SIGNATURE")
    row = [r for r in status["timeline"] if r["sop_step"] == "5"][-1]
    assert row["notes"] == ["reassigned:budi->wulan:cuti:by:sari"] and row["outcome"] == "approve"
    # Only another active person of the same role, for a task that is waiting.
    assert admin.main(["task", "reassign", application_id, "VerifyApplication", "wulan", "cuti", "--by", "sari"]) == 2
    assert admin.main(["task", "reassign", application_id, "SignCertificate", "budi", "sakit", "--by", "sari"]) == 2


def test_sop5_a_page_token_of_another_application_or_another_roles_link_decides_nothing(world, sfn):
    """A token is bound to the link whose page rendered it: not usable on another application's link, nor on
    another role's (a forwarded operator page cannot approve a verification)."""
    first, _ = submitted_to_verifier(world)
    second, _ = submitted_to_verifier(world)
    first_token = form_token(world.verifier.open(world.verifier.link_for(first)).text)
    second_link = world.verifier.link_for(second)
    before = snapshot(world, sfn, first), snapshot(world, sfn, second)
    crossed = world.verifier.post(second_link, {"form_token": first_token, "decision": "approve"})
    assert crossed.status_code == 403 and "Formulir ini sudah tidak berlaku" in crossed.text

    payload = samples.application()
    draft = world.hospital.create(payload)
    third = draft["application_id"]
    world.hospital.upload(third, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(third)
    operator_token = form_token(world.operator.open(world.operator.link_for(third)).text)
    other_role = world.verifier.post(second_link, {"form_token": operator_token, "decision": "approve"})
    assert other_role.status_code == 403
    assert (snapshot(world, sfn, first), snapshot(world, sfn, second)) == before
    assert world.hospital.status(third)["status"] == "SIAK_ENTRY"


def test_sop5_an_expired_link_shows_a_clear_page_and_decides_nothing(world, sfn):
    import boto3

    from akta.adapters.tasks import digest

    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    token = form_token(world.verifier.open(link).text)
    boto3.client("dynamodb").update_item(  # the link's lifetime is over
        TableName=world.sandbox.tables["TASKS"], Key={"pk": {"S": f"LINK#{digest(link.rsplit('/', 1)[1])}"}},
        UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": "1000"}})
    before = snapshot(world, sfn, application_id)
    for response in (world.verifier.open(link),
                     world.verifier.post(link, {"form_token": token, "decision": "approve"})):
        assert response.status_code == 410 and "sudah kedaluwarsa" in response.text
    assert snapshot(world, sfn, application_id) == before


def test_sop5_a_throttled_table_answers_the_page_503_try_again_and_the_link_still_works(world):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    # More throttled answers than boto3 has attempts, inside the page function only.
    world.sandbox.router.inject_aws(AwsFault("dynamodb:GetItem", "ProvisionedThroughputExceededException",
                                             times=3, function="staff_pages"))
    busy = world.verifier.open(link)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "Layanan sedang sibuk" in busy.text
    assert world.verifier.open(link).status_code == 200
    assert world.verifier.decide(link, decision="approve").status_code == 200


def test_sop5_a_bug_behind_the_page_is_a_logged_500_page(world):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    world.sandbox.router.inject("staff_pages", Fault("bug", target="akta.service.staff:open_page",
                                                     replacement="tests.bugs:missing_key"))
    log = world.sandbox.workdir / "logs" / "staff_pages.log"
    before = log.read_text(encoding="utf-8").count("\n")
    broken = world.verifier.open(link)
    assert broken.status_code == 500 and "Terjadi kesalahan" in broken.text
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()[before:]]
    assert any(line["message"] == "unexpected error" and line["error_type"] == "KeyError" and line["stack"] for line in logged)


def test_sop5_a_link_opened_by_another_signed_in_person_is_refused_and_changes_nothing(world, sfn):
    """The link points, the sign-in authenticates: a forwarded link opens nothing for a colleague, even with
    the assignee's own page token."""
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    token = form_token(world.verifier.open(link).text)
    before = snapshot(world, sfn, application_id)
    for colleague in (world.operator, world.head, world.counter.person):
        opened = colleague.open(link)
        assert opened.status_code == 403 and "Tugas" not in opened.text.split("<h1>")[1].split("</h1>")[0]
        posted = colleague.post(link, {"form_token": token, "decision": "approve"})
        assert posted.status_code == 403
    assert "ditugaskan kepada petugas lain" in world.operator.open(link).text
    assert "bukan untuk peran Anda" in world.counter.person.open(link).text  # a Drive-Thru account has no task pages
    assert snapshot(world, sfn, application_id) == before
    assert world.verifier.post(link, {"form_token": token, "decision": "approve"}).status_code == 200  # still theirs


def test_sop5_a_post_from_a_signed_out_browser_decides_nothing_and_says_to_sign_in(world, sfn):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    token = form_token(world.verifier.open(link).text)
    before = snapshot(world, sfn, application_id)
    signed_out = requests.post(link, data={"form_token": token, "decision": "approve"}, timeout=30)
    assert signed_out.status_code == 401 and "Tidak ada yang berubah" in signed_out.text
    assert snapshot(world, sfn, application_id) == before


def test_a_deactivated_person_is_refused_at_their_next_request_and_cannot_sign_in_again(world, office_environment):
    from infra import admin

    assert admin.main(["staff", "add", "toni", "verifier", "Toni Verifikator", "toni@disdukcapil.test"]) == 0
    secret = world.sandbox.enrol_staff_account("toni", "toni@disdukcapil.test", "verifier", existing=True)
    toni = StaffMember("toni@disdukcapil.test", world.sandbox.mailbox, username="toni", password=SANDBOX_STAFF_PASSWORD,
                       totp_secret=secret)
    assert toni.open(f"{world.gateway.url}/staff/tasks/not-a-real-link").status_code == 404  # signed in, no such link
    assert admin.main(["staff", "deactivate", "toni"]) == 0
    refused = toni.open(f"{world.gateway.url}/staff/tasks/not-a-real-link")  # the same, unexpired session
    assert refused.status_code == 403 and "tidak aktif" in refused.text
    fresh = StaffMember("toni@disdukcapil.test", world.sandbox.mailbox, username="toni", password=SANDBOX_STAFF_PASSWORD,
                        totp_secret=secret)
    again = fresh.open(f"{world.gateway.url}/staff/tasks/not-a-real-link")
    assert again.status_code == 400 and "dinonaktifkan" in again.text  # the pool refuses the password now


def test_sop4_8_a_staff_pages_form_token_posted_to_the_counter_is_refused_and_changes_nothing(world, sfn):
    """Form tokens are typed: an operator page's token at /counter/handover (or the console) is refused with the
    counter's clear page, is not used up, and the operator still decides with it."""
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    link = world.operator.link_for(application_id)
    token = form_token(world.operator.open(link).text)
    before = snapshot(world, sfn, application_id)
    counter = world.counter.person
    counter.open(f"{world.gateway.url}/counter").raise_for_status()  # signed in at the counter
    handover = counter.post(f"{world.gateway.url}/counter/handover", {"form_token": token, "id_checked": "yes"})
    assert handover.status_code == 403 and "Formulir serah terima sudah tidak berlaku" in handover.text
    world.supervisor.open(f"{world.gateway.url}/supervisor").raise_for_status()  # signed in at the console
    console = world.supervisor.post(f"{world.gateway.url}/supervisor/revoke",
                                    {"form_token": token, "certificate_id": "x", "reason": "lainnya", "note": "x"})
    assert console.status_code == 403 and "Buka kembali konsol" in console.text
    assert snapshot(world, sfn, application_id) == before
    assert world.operator.open(link).status_code == 200  # the link is still open
    from akta.domain.models import jakarta_today

    number = world.sandbox.siak.register(on=jakarta_today(), late=False)
    decided = world.operator.post(link, {"form_token": token, "decision": "registered", "registration_number": number})
    assert decided.status_code == 200  # the same token, in its own form


def test_sop5_a_reassignment_racing_the_verifiers_decision_leaves_no_live_link_for_an_answered_task(world, sfn, monkeypatch):
    """The supervisor's reassignment has read the waiting link when the verifier's decision lands on it: the
    decision stands, the reassignment is refused, and no fresh link for the answered task is left open (nor
    emailed)."""
    from akta.domain.errors import Conflict
    from akta.service import directory, staff
    from akta.service.common import now

    directory.add(world.sandbox.adapters, "wina", "verifier", "Wina Verifikator", "wina@disdukcapil.test")
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    person = directory.person

    def decided_meanwhile(adapters, staff_id):  # the reassignment is between its read and its writes
        world.verifier.decide(link, decision="approve").raise_for_status()
        return person(adapters, staff_id)

    monkeypatch.setattr(directory, "person", decided_meanwhile)
    with pytest.raises(Conflict):
        staff.reassign(world.sandbox.adapters, application_id, "VerifyApplication", "wina", "cuti", by="sari")
    monkeypatch.setattr(directory, "person", person)
    assert world.hospital.wait_for_status(application_id, "SIGNATURE")["status"] == "SIGNATURE"
    live = [l for l in world.sandbox.adapters.tasks.open_links() if l["application_id"] == application_id
            and l["state"] == "VerifyApplication" and int(l["expires_at"]) > now().timestamp()]
    assert live == []
    assert not world.sandbox.mailbox.to("wina@disdukcapil.test")
