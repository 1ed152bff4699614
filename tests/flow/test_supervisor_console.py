"""The supervisor's console (/supervisor), for the signed-in supervisor: reassign a waiting task (SOP 4-6), revoke
a certificate. Every action is a POST with the console's one-time token; refusals change nothing."""

from __future__ import annotations

import pytest
import requests

from akta.certificate.layout import read_embedded_record
from sandbox import scenarios
from sandbox.actors import StaffMember, form_token
from sandbox.aws import SANDBOX_STAFF_PASSWORD
from tests.flow.test_staff_links import snapshot, submitted_to_verifier


def token(page: requests.Response) -> str:
    return form_token(page.text)


def console_of(world, person=None) -> requests.Response:
    """The console, opened by the person (the sandbox's supervisor unless told), signing in if asked."""
    return (person or world.supervisor).open(f"{world.gateway.url}/supervisor")


def post(world, action: str, form: dict, person=None) -> requests.Response:
    return (person or world.supervisor).post(f"{world.gateway.url}/supervisor/{action}", form)


def account(world, staff_id: str, role: str) -> StaffMember:
    """A new staff member of the directory with a sign-in account, TOTP enrolled."""
    from akta.service import directory

    email = f"{staff_id}@disdukcapil.test"
    directory.add(world.sandbox.adapters, staff_id, role, staff_id.replace("-", " ").title(), email)
    secret = world.sandbox.enrol_staff_account(staff_id, email, role)
    return StaffMember(email, world.sandbox.mailbox, username=staff_id, password=SANDBOX_STAFF_PASSWORD, totp_secret=secret)


def test_the_console_is_for_signed_in_supervisors_only(world):
    signed_out = requests.get(f"{world.gateway.url}/supervisor", timeout=30, allow_redirects=False)
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/auth/sign-in?next=/supervisor"
    not_supervisor = console_of(world, world.verifier)
    assert not_supervisor.status_code == 403 and "bukan untuk peran Anda" in not_supervisor.text
    assert "form_token" not in not_supervisor.text
    right = console_of(world, account(world, "sup-uji", "supervisor"))
    assert right.status_code == 200 and "Sup Uji" in right.text and token(right)


def test_sop5_a_supervisor_reassigns_from_the_console_and_the_timeline_says_who_and_why(world, sfn):
    tono = account(world, "tono", "verifier")
    application_id, _ = submitted_to_verifier(world)
    old_link = world.verifier.link_for(application_id)
    console = console_of(world)
    assert f'data-application="{application_id}"' in console.text and "Budi Verifikator" in console.text

    # Without a reason: refused field by field, nothing moves, and a fresh console to correct it.
    before = snapshot(world, sfn, application_id)
    form = {"form_token": token(console), "application_id": application_id, "state": "VerifyApplication", "staff_id": "tono"}
    missing = post(world, "reassign", form)
    assert missing.status_code == 422 and "Pilih alasan pengalihan." in missing.text
    assert snapshot(world, sfn, application_id) == before
    assert world.verifier.open(old_link).status_code == 200
    # The used token does not work twice.
    assert post(world, "reassign", {**form, "reason": "sakit"}).status_code == 403

    done = post(world, "reassign", {**form, "form_token": token(missing), "reason": "sakit"})
    assert done.status_code == 200 and "dialihkan dari budi kepada tono" in done.text
    assert world.verifier.open(old_link).status_code == 410
    assert tono.decide(tono.link_for(application_id), decision="approve").status_code == 200
    row = [r for r in world.hospital.wait_for_status(application_id, "SIGNATURE")["timeline"] if r["sop_step"] == "5"][-1]
    assert row["notes"] == ["reassigned:budi->tono:sakit:by:sari"] and row["outcome"] == "approve"


def test_a_certificate_revoked_from_the_console_verifies_as_revoked(world):
    outcome = scenarios.complete_file(world)
    (mail,) = [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if outcome.application_id in m.text]
    url = read_embedded_record(next(iter(mail.attachments.values())))["verification_url"]
    certificate_id = url.rsplit("/", 1)[1]

    console = console_of(world)
    form = {"form_token": token(console), "certificate_id": certificate_id, "reason": "penggantian", "note": ""}
    no_note = post(world, "revoke", form)
    assert no_note.status_code == 422 and "Catatan pencabutan wajib diisi" in no_note.text
    assert "Akta Kelahiran ini sah" in requests.get(url, timeout=30).text

    unknown = post(world, "revoke", {**form, "form_token": token(no_note), "certificate_id": "tidak-ada", "note": "x"})
    assert unknown.status_code == 422 and "Tidak ada akta dengan kode ini." in unknown.text
    done = post(world, "revoke", {**form, "form_token": token(unknown), "note": "Diganti akta baru"})
    assert done.status_code == 200 and "telah dicabut" in done.text
    assert "DICABUT" in requests.get(url, timeout=30).text
    again = post(world, "revoke", {**form, "form_token": token(done), "note": "lagi"})
    assert again.status_code == 422 and "sudah dicabut" in again.text


@pytest.mark.parametrize("form_token", ["", "bukan-token"])
def test_an_action_without_the_consoles_token_is_refused(world, form_token):
    console_of(world).raise_for_status()
    refused = post(world, "revoke", {"form_token": form_token, "certificate_id": "x", "reason": "lainnya", "note": "x"})
    assert refused.status_code == 403 and "Buka kembali konsol" in refused.text


def test_a_console_rendered_before_the_supervisor_was_deactivated_acts_no_more(world):
    from akta.service import directory

    away = account(world, "sup-cuti", "supervisor")
    console = console_of(world, away)
    directory.set_active(world.sandbox.adapters, "sup-cuti", False)
    refused = post(world, "revoke", {"form_token": token(console), "certificate_id": "x", "reason": "lainnya", "note": "x"}, away)
    assert refused.status_code == 403 and "tidak aktif" in refused.text
    assert console_of(world, away).status_code == 403


def test_another_supervisors_console_token_acts_for_no_one_else(world):
    other = account(world, "sup-lain", "supervisor")
    theirs = token(console_of(world, other))
    console_of(world).raise_for_status()
    refused = post(world, "revoke", {"form_token": theirs, "certificate_id": "x", "reason": "lainnya", "note": "x"})
    assert refused.status_code == 403 and "Buka kembali konsol" in refused.text


def test_sop8_a_certificate_revoked_while_it_waits_at_the_drive_thru_is_not_handed_over(world):
    from sandbox import samples

    payload = samples.application(email="bounce@simulator.amazonses.com", whatsapp="0812-4444-0001")
    created = world.hospital.create(payload)
    application_id = created["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in created["required_documents"]]))
    world.hospital.submit(application_id)
    world.operator.register(application_id, payload)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id), decision="approve").raise_for_status()
    world.hospital.wait_for_status(application_id, "DRIVE_THRU")
    code = scenarios.pickup_code(world, "+6281244440001", application_id)
    counter, url = world.counter.person, world.gateway.url
    counter.open(f"{url}/counter").raise_for_status()
    looked_up = counter.post(f"{url}/counter/lookup", {"counter_key": world.sandbox.counter_key, "pickup_code": code})
    assert looked_up.status_code == 200  # the counter has the handover form open ...
    handover_token = token(looked_up)

    certificate_id = world.sandbox.adapters.records.get(application_id)["certificate"]["certificate_id"]
    form = {"form_token": token(console_of(world)), "certificate_id": certificate_id, "reason": "data_salah",
            "note": "Nama ibu salah ketik"}
    assert post(world, "revoke", form).status_code == 200  # ... when the supervisor revokes the akta

    handed = counter.post(f"{url}/counter/handover", {"form_token": handover_token, "id_checked": "yes"})
    assert handed.status_code == 410 and "DICABUT" in handed.text
    again = counter.post(f"{url}/counter/lookup", {"counter_key": world.sandbox.counter_key, "pickup_code": code})
    assert again.status_code == 410 and "DICABUT" in again.text
    # The pickup waits no more (not until its 30-day timeout): the file records that a new akta is needed.
    final = world.hospital.wait_for_status(application_id, "FAILED", "COMPLETED", timeout=30)
    assert final["status"] == "FAILED"
    assert world.sandbox.adapters.records.get(application_id)["failure"]["error"] == "CertificateRevoked"
    assert not any(row["sop_step"] == "9" for row in final["timeline"])  # never handed over, never completed
