"""The supervisor's console (/supervisor): sign in with ID and PIN, reassign a waiting task (SOP 4-6), revoke a
certificate. Every action is a POST with the console's one-time token; refusals change nothing."""

from __future__ import annotations

import pytest
import requests

from akta.certificate.layout import read_embedded_record
from sandbox import scenarios
from sandbox.actors import StaffMember, form_token, form_with
from sandbox.aws import SANDBOX_SUPERVISOR_PIN
from tests.flow.test_staff_links import snapshot, submitted_to_verifier

def token(page: requests.Response) -> str:
    return form_token(page.text)


def sign_in(world, staff_id="sari", pin=SANDBOX_SUPERVISOR_PIN) -> requests.Response:
    return requests.post(f"{world.gateway.url}/supervisor", data={"staff_id": staff_id, "pin": pin}, timeout=30)


def post(world, action: str, form: dict) -> requests.Response:
    return requests.post(f"{world.gateway.url}/supervisor/{action}", data=form, timeout=30)


def test_the_console_asks_for_id_and_pin_and_refuses_anyone_else(world):
    from akta.service import directory

    page = requests.get(f"{world.gateway.url}/supervisor", timeout=30)
    assert page.status_code == 200 and "pin" in form_with(page.text, "staff_id").controls and "form_token" not in page.text
    directory.add(world.sandbox.adapters, "sup-uji", "supervisor", "Supervisor Uji", "sup-uji@disdukcapil.test")
    directory.set_pin(world.sandbox.adapters, "sup-uji", "24681357")

    not_supervisor = sign_in(world, "budi", "24681357")  # a verifier
    assert not_supervisor.status_code == 403 and "bukan supervisor" in not_supervisor.text
    wrong = sign_in(world, "sup-uji", "00000000")
    assert wrong.status_code == 403 and "PIN salah. Sisa percobaan: 4." in wrong.text and "form_token" not in wrong.text
    right = sign_in(world, "sup-uji", "24681357")
    assert right.status_code == 200 and "Supervisor Uji" in right.text and token(right)


def test_sop5_a_supervisor_reassigns_from_the_console_and_the_timeline_says_who_and_why(world, sfn):
    from akta.service import directory

    directory.add(world.sandbox.adapters, "tono", "verifier", "Tono Verifikator", "tono@disdukcapil.test")
    application_id, _ = submitted_to_verifier(world)
    old_link = world.verifier.link_for(application_id)
    console = sign_in(world)
    assert f'data-application="{application_id}"' in console.text and "Budi Verifikator" in console.text

    # Without a reason: refused field by field, nothing moves, and a fresh console to correct it.
    before = snapshot(world, sfn, application_id)
    form = {"form_token": token(console), "application_id": application_id, "state": "VerifyApplication", "staff_id": "tono"}
    missing = post(world, "reassign", form)
    assert missing.status_code == 422 and "Pilih alasan pengalihan." in missing.text
    assert snapshot(world, sfn, application_id) == before
    assert requests.get(old_link, timeout=30).status_code == 200
    # The used token does not work twice.
    assert post(world, "reassign", {**form, "reason": "sakit"}).status_code == 403

    done = post(world, "reassign", {**form, "form_token": token(missing), "reason": "sakit"})
    assert done.status_code == 200 and "dialihkan dari budi kepada tono" in done.text
    assert requests.get(old_link, timeout=30).status_code == 410
    tono = StaffMember("tono@disdukcapil.test", world.sandbox.mailbox)
    assert tono.decide(tono.link_for(application_id), decision="approve").status_code == 200
    row = [r for r in world.hospital.wait_for_status(application_id, "SIGNATURE")["timeline"] if r["sop_step"] == "5"][-1]
    assert row["notes"] == ["reassigned:budi->tono:sakit:by:sari"] and row["outcome"] == "approve"


def test_a_certificate_revoked_from_the_console_verifies_as_revoked(world):
    outcome = scenarios.complete_file(world)
    (mail,) = [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if outcome.application_id in m.text]
    url = read_embedded_record(next(iter(mail.attachments.values())))["verification_url"]
    certificate_id = url.rsplit("/", 1)[1]

    console = sign_in(world)
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
    refused = post(world, "revoke", {"form_token": form_token, "certificate_id": "x", "reason": "lainnya", "note": "x"})
    assert refused.status_code == 403 and "Masuk kembali" in refused.text


def test_a_console_rendered_before_the_supervisor_was_deactivated_acts_no_more(world):
    from akta.service import directory

    directory.add(world.sandbox.adapters, "sup-cuti", "supervisor", "Supervisor Cuti", "sup-cuti@disdukcapil.test")
    directory.set_pin(world.sandbox.adapters, "sup-cuti", "13572468")
    console = sign_in(world, "sup-cuti", "13572468")
    directory.set_active(world.sandbox.adapters, "sup-cuti", False)
    refused = post(world, "revoke", {"form_token": token(console), "certificate_id": "x", "reason": "lainnya", "note": "x"})
    assert refused.status_code == 403 and "Masuk kembali" in refused.text
    assert sign_in(world, "sup-cuti", "13572468").status_code == 403
