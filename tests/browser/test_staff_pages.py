"""SOP 5-6 and the public check, in real Chromium: a mail scanner's GET decides nothing; the verifier opens the
link from the email SES received, signs in, sees the data and the archived documents, and approves; the head of
office signs in and signs with the PIN; the URL decoded from the PDF's QR code verifies as valid, and as revoked
once the supervisor, signed in, revokes the certificate from the console."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from akta.certificate.layout import read_embedded_record
from sandbox import samples
from sandbox.aws import SANDBOX_HEAD_PIN, SANDBOX_STAFF
from tests.browser.test_sign_in import sign_in
from tests.flow.test_staff_links import snapshot
from tests.pdf_reading import qr_payload


def test_sop5_6_verifier_and_head_decide_in_chromium_and_the_qr_verifies_valid_then_revoked(tab, world, sfn):
    import boto3

    payload = samples.application(email="success@simulator.amazonses.com", whatsapp="0812-1111-0009")
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    documents = samples.documents_for([d["kind"] for d in draft["required_documents"]])
    world.hospital.upload(application_id, documents)
    world.hospital.submit(application_id)
    world.operator.register(application_id, payload)
    link = world.verifier.link_for(application_id)  # from the email moto's SES received

    # A mail security scanner opens the link first: it is sent to sign in, and nothing else happens.
    before = snapshot(world, sfn, application_id)
    assert requests.get(link, timeout=30, allow_redirects=False).status_code == 302
    assert snapshot(world, sfn, application_id) == before

    tab.goto(link)
    sign_in(tab, world, "verifier")
    expect(tab.get_by_role("heading", name="Tugas: Verifikator")).to_be_visible()
    data = tab.locator("table").first
    expect(data).to_contain_text(payload["child"]["name"])
    expect(data).to_contain_text(payload["mother"]["nik"])
    expect(tab.get_by_text("Target mutu baku")).to_be_visible()
    previews = tab.locator("h2:has-text('Dokumen') + ul a")
    expect(previews).to_have_count(len(documents))
    for anchor in previews.all():  # each preview is a short-lived presigned GET of the archived file
        answer = tab.request.get(anchor.get_attribute("href"))
        assert answer.ok and answer.body() in {content for content, _ in documents.values()}
    tab.get_by_role("button", name="Setujui dan ajukan TTE").click()
    expect(tab.get_by_role("heading", name="Keputusan tersimpan")).to_be_visible()

    # SOP 6: the head of office's link; a wrong PIN first, then the right one.
    tab.get_by_role("button", name="Keluar").click()  # one browser at the office, another person
    tab.goto(world.head.link_for(application_id))
    sign_in(tab, world, "head")
    expect(tab.get_by_role("heading", name="Tugas: Kepala Dinas")).to_be_visible()
    tab.get_by_label("PIN penandatanganan").fill("000000")
    tab.get_by_role("button", name="Tandatangani secara elektronik (TTE)").click()
    expect(tab.get_by_role("alert")).to_contain_text("PIN penandatanganan salah. Sisa percobaan: 4.")
    assert world.hospital.status(application_id)["status"] == "SIGNATURE"
    expect(tab.get_by_label("PIN penandatanganan")).to_have_count(0)  # no form to guess again with
    tab.get_by_role("link", name="Buka kembali halaman tugas").click()
    tab.get_by_label("PIN penandatanganan").fill(SANDBOX_HEAD_PIN)
    tab.get_by_role("button", name="Tandatangani secara elektronik (TTE)").click()
    expect(tab.get_by_role("heading", name="Keputusan tersimpan")).to_be_visible()

    status = world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")
    assert status["status"] == "COMPLETED"
    (mail,) = [m for m in world.sandbox.mailbox.to(payload["contact"]["email"]) if application_id in m.text]
    (pdf,) = mail.attachments.values()
    url = qr_payload(pdf)  # decoded from the QR image, as a phone would
    assert url == read_embedded_record(pdf)["verification_url"] and url.startswith(world.gateway.url + "/verify/")

    tab.goto(url)
    expect(tab.locator("[data-state]")).to_have_attribute("data-state", "valid")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Akta Kelahiran ini sah")
    expect(tab.locator("table")).to_contain_text(status["registration_number"])
    expect(tab.locator("body")).not_to_contain_text(payload["child"]["name"])

    # The supervisor revokes it from the console; the same QR URL now says revoked.
    supervisor = SANDBOX_STAFF["supervisor"]
    tab.context.clear_cookies()  # the head has closed the browser; the supervisor opens it
    tab.goto(f"{world.gateway.url}/supervisor")
    sign_in(tab, world, "supervisor")
    expect(tab.locator("[data-signed-in]")).to_contain_text(f"Masuk sebagai {supervisor['name']}")
    tab.get_by_label("Kode akta (dari QR code)").fill(url.rsplit("/", 1)[1])
    tab.locator("#revoke_reason").select_option("data_salah")
    tab.get_by_label("Catatan").fill("Nama ayah salah ketik pada akta")
    tab.get_by_role("button", name="Cabut akta").click()
    expect(tab.locator("#done")).to_contain_text("telah dicabut")

    tab.goto(url)
    expect(tab.locator("[data-state]")).to_have_attribute("data-state", "revoked")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Akta Kelahiran ini telah DICABUT")
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(
        Bucket=world.sandbox.buckets["ARCHIVE"], Prefix=f"applications/{application_id}/")["Contents"]]
    assert f"applications/{application_id}/akta-kelahiran.pdf" in keys and any("revocation" in k for k in keys)
