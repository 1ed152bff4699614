"""Staff sign-in in real Chromium: the office's pages on http://127.0.0.1, the login page (the sandbox's stand-in
for Cognito's managed login) on http://localhost, another site, so the redirects between them are cross-site
as between the office's domain and Cognito's, and the SameSite rules of the cookies are the browser's own."""

from __future__ import annotations

import re
import time

import jwt
from playwright.sync_api import expect

from akta.service.sign_in import SIGN_IN_COOKIE
from akta.web.staff_session import SESSION_COOKIE
from sandbox.aws import SANDBOX_STAFF, SANDBOX_STAFF_PASSWORD, totp_code
from tests.flow.test_staff_links import snapshot, submitted_to_verifier
from tests.unit.test_id_token import POOL_PRIVATE_KEY


def at_login(tab, world) -> None:
    expect(tab).to_have_url(re.compile("^" + re.escape(world.sandbox.login.url + "/oauth2/authorize?")))


def password(tab, username: str, secret: str = SANDBOX_STAFF_PASSWORD) -> None:
    tab.get_by_label("Nama pengguna").fill(username)
    tab.get_by_label("Kata sandi").fill(secret)
    tab.get_by_role("button", name="Masuk").click()


def totp(tab, code: str) -> None:
    tab.get_by_label("Kode TOTP (6 angka)").fill(code)
    tab.get_by_role("button", name="Masuk").click()


def sign_in(tab, world, role: str) -> None:
    """At the login page: the sandbox account's password and its current TOTP code."""
    person = SANDBOX_STAFF[role]
    password(tab, person["staff_id"])
    totp(tab, totp_code(world.sandbox.totp_secrets[person["staff_id"]]))


def test_a_link_opened_signed_out_goes_through_the_login_and_lands_on_its_page_with_a_strict_session(tab, world, sfn):
    application_id, payload = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    tab.goto(link)
    at_login(tab, world)
    password(tab, "budi", "salah-sekali")  # a wrong password: the login says so, nothing else happens
    expect(tab.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    password(tab, "budi")
    totp(tab, "000000")  # a wrong TOTP code
    expect(tab.get_by_role("alert")).to_contain_text("Kode TOTP salah")
    sign_in(tab, world, "verifier")
    expect(tab.get_by_role("heading", name="Tugas: Verifikator")).to_be_visible()
    assert tab.url == link
    expect(tab.locator("[data-signed-in]")).to_contain_text("Budi Verifikator")
    (session,) = [c for c in tab.context.cookies() if c["name"] == SESSION_COOKIE]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict" and session["path"] == "/"
    assert not [c for c in tab.context.cookies() if c["name"] == SIGN_IN_COOKIE]  # the sign-in's own cookie is gone
    tab.get_by_role("button", name="Setujui dan ajukan TTE").click()
    expect(tab.get_by_role("heading", name="Keputusan tersimpan")).to_be_visible()
    assert world.hospital.wait_for_status(application_id, "SIGNATURE")["status"] == "SIGNATURE"


def test_a_link_opened_by_another_signed_in_person_is_refused_and_changes_nothing(tab, world, sfn):
    application_id, _ = submitted_to_verifier(world)
    link = world.verifier.link_for(application_id)
    before = snapshot(world, sfn, application_id)
    tab.goto(link)
    sign_in(tab, world, "operator")  # a colleague the mail was forwarded to
    expect(tab.get_by_role("heading", name="Tautan tidak berlaku")).to_be_visible()
    expect(tab.get_by_role("status")).to_contain_text("ditugaskan kepada petugas lain")
    expect(tab.get_by_role("button")).to_have_count(0)
    assert snapshot(world, sfn, application_id) == before


def test_a_new_account_sets_its_password_and_enrols_totp_at_first_sign_in(tab, world, office_environment, capsys):
    from infra import admin

    assert admin.main(["staff", "add", "sup-baru", "supervisor", "Ayu Supervisor Baru", "sup-baru@disdukcapil.test"]) == 0
    first = capsys.readouterr().out.split("first password")[1].rsplit(": ", 1)[1].strip()
    tab.goto(f"{world.gateway.url}/supervisor")
    password(tab, "sup-baru", first)
    expect(tab.get_by_role("heading", name="Buat kata sandi baru")).to_be_visible()
    tab.get_by_label("Kata sandi baru").fill("pendek")
    tab.get_by_role("button", name="Simpan").click()
    expect(tab.get_by_role("alert")).to_contain_text("belum memenuhi aturan")
    tab.get_by_label("Kata sandi baru").fill("Ayu-Kata-Sandi-2026")
    tab.get_by_role("button", name="Simpan").click()
    expect(tab.get_by_role("heading", name="Siapkan verifikasi dua langkah")).to_be_visible()
    secret = tab.locator("#totp-secret").inner_text()
    tab.get_by_label("Kode TOTP (6 angka)").fill("000000")
    tab.get_by_role("button", name="Verifikasi").click()
    expect(tab.get_by_role("alert")).to_have_text("Kode TOTP salah.")
    tab.get_by_label("Kode TOTP (6 angka)").fill(totp_code(secret))
    tab.get_by_role("button", name="Verifikasi").click()
    expect(tab.get_by_role("heading", name="Konsol supervisor")).to_be_visible()
    expect(tab.locator("[data-signed-in]")).to_contain_text("Ayu Supervisor Baru")


def test_a_person_without_totp_is_led_through_enrolment_by_the_service_before_any_session(tab, world):
    """moto lets an account with a permanent password sign in without MFA; the service itself refuses it a
    session and enrols TOTP with the person's own access token."""
    from akta.service import directory

    directory.add(world.sandbox.adapters, "sup-lama", "supervisor", "Supervisor Lama", "sup-lama@disdukcapil.test")
    world.sandbox.enrol_staff_account("sup-lama", "sup-lama@disdukcapil.test", "supervisor", totp=False)
    tab.goto(f"{world.gateway.url}/supervisor")
    password(tab, "sup-lama")  # no TOTP asked: the pool has none for this account
    expect(tab.get_by_role("heading", name="Aktifkan verifikasi dua langkah (TOTP)")).to_be_visible()
    assert not [c for c in tab.context.cookies() if c["name"] == SESSION_COOKIE]
    expect(tab.locator("svg")).to_be_visible()  # the otpauth QR code
    secret = tab.locator("#totp-secret").inner_text()
    tab.get_by_label("Kode TOTP (6 angka)").fill("123456" if totp_code(secret) != "123456" else "654321")
    tab.get_by_role("button", name="Aktifkan").click()
    expect(tab.get_by_role("alert")).to_contain_text("Kode TOTP salah")
    assert tab.locator("#totp-secret").inner_text() == secret  # the same secret to try again with
    tab.get_by_label("Kode TOTP (6 angka)").fill(totp_code(secret))
    tab.get_by_role("button", name="Aktifkan").click()
    expect(tab.get_by_role("heading", name="Verifikasi dua langkah aktif")).to_be_visible()
    tab.get_by_role("link", name="Lanjutkan").click()
    password(tab, "sup-lama")
    totp(tab, totp_code(secret))  # TOTP is asked now
    expect(tab.get_by_role("heading", name="Konsol supervisor")).to_be_visible()


def test_sign_out_ends_the_session_and_the_next_page_asks_to_sign_in_again(tab, world):
    tab.goto(f"{world.gateway.url}/supervisor")
    sign_in(tab, world, "supervisor")
    expect(tab.get_by_role("heading", name="Konsol supervisor")).to_be_visible()
    tab.get_by_role("button", name="Keluar").click()
    expect(tab.get_by_role("heading", name="Anda sudah keluar")).to_be_visible()
    assert not [c for c in tab.context.cookies() if c["name"] == SESSION_COOKIE]
    tab.goto(f"{world.gateway.url}/supervisor")
    at_login(tab, world)


def test_an_expired_session_asks_to_sign_in_again_and_changes_nothing(tab, world):
    """A session cookie whose ID token has expired (signed with the pool's own key): the page sends the person
    to sign in, and a form posted with it decides nothing."""
    pool = world.sandbox.staff_pool
    now = int(time.time())
    expired = jwt.encode({"iss": pool.issuer, "sub": "x", "aud": pool.client_id, "token_use": "id", "iat": now - 7200,
                          "auth_time": now - 7200, "exp": now - 3600, "cognito:username": "sari",
                          "cognito:groups": ["supervisor"]}, POOL_PRIVATE_KEY, algorithm="RS256", headers={"kid": "dummy"})
    tab.goto(f"{world.gateway.url}/supervisor")
    sign_in(tab, world, "supervisor")
    expect(tab.get_by_role("heading", name="Konsol supervisor")).to_be_visible()
    (session,) = [c for c in tab.context.cookies() if c["name"] == SESSION_COOKIE]
    tab.context.add_cookies([{**session, "value": expired}])  # an hour later: the same cookie, its token expired
    answer = tab.request.post(f"{world.gateway.url}/supervisor/revoke", form={"form_token": "x", "certificate_id": "x",
                                                                              "reason": "lainnya", "note": "x"})
    assert answer.status == 401 and "Tidak ada yang berubah" in answer.text()
    tab.goto(f"{world.gateway.url}/supervisor")
    at_login(tab, world)


def test_a_deactivated_person_is_refused_at_the_next_page_though_the_session_has_not_expired(tab, world, office_environment):
    from infra import admin

    tab.goto(f"{world.gateway.url}/counter")
    sign_in(tab, world, "drive_thru")
    expect(tab.get_by_role("heading", name="Loket Drive Thru")).to_be_visible()
    try:
        assert admin.main(["staff", "deactivate", "dedi"]) == 0
        tab.reload()
        expect(tab.get_by_role("heading", name="Akses ditolak")).to_be_visible()
        expect(tab.get_by_role("status")).to_contain_text("tidak aktif")
    finally:
        assert admin.main(["staff", "activate", "dedi"]) == 0
