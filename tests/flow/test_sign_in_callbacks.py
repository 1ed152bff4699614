"""Staff sign-in over HTTP (the sandbox's login stand-in on moto's Cognito): the sign-in cookie's shape, and
callbacks that must not make a session: another browser's state, a replayed or stolen code."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from akta.service.sign_in import SIGN_IN_COOKIE
from akta.web.staff_session import SESSION_COOKIE
from sandbox.actors import browser, filled, form_with
from sandbox.aws import totp_code


def started(world, next_path: str = "/supervisor") -> requests.Response:
    return requests.get(f"{world.gateway.url}/auth/sign-in", params={"next": next_path}, timeout=30, allow_redirects=False)


def code_for(world, client: requests.Session, staff_id: str = "sari") -> str:
    """Sign in at the login page; the callback URL it sends the browser to (not followed)."""
    login = client.get(f"{world.gateway.url}/auth/sign-in?next=/supervisor", timeout=30)
    form = form_with(login.text, "username")
    mfa = client.post(urljoin(login.url, form.action), timeout=30, data=filled(form, username=staff_id, password="Sandbox-Staf-2026!"))
    form = form_with(mfa.text, "code")
    back = client.post(urljoin(mfa.url, form.action), timeout=30, allow_redirects=False,
                       data=filled(form, code=totp_code(world.sandbox.totp_secrets[staff_id])))
    assert back.status_code == 302
    return back.headers["Location"]


def test_the_sign_in_starts_with_pkce_and_a_short_lived_lax_cookie_and_returns_only_to_a_staff_page(world):
    answer = started(world)
    authorize = urlsplit(answer.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == world.sandbox.login.url and authorize.path == "/oauth2/authorize"
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{world.gateway.url}/auth/callback"] and query["response_type"] == ["code"]
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{SIGN_IN_COOKIE}=") and SIGN_IN_COOKIE.startswith("__Host-")
    for attribute in ("Path=/;", "Max-Age=600", "HttpOnly", "Secure", "SameSite=Lax"):
        assert attribute in cookie
    assert query["state"][0] not in cookie and "verifier" not in answer.headers["Location"]


def test_a_sign_in_that_asked_to_return_elsewhere_returns_to_the_console(world):
    client = browser()
    client.get(f"{world.gateway.url}/auth/sign-in", params={"next": "https://evil.example/phish"}, timeout=30)
    landed = client.get(code_for(world, client), timeout=30)  # the callback's page
    assert 'url=/supervisor"' in landed.text and "evil" not in landed.text


def test_a_callback_in_another_browser_makes_no_session_and_a_code_works_once(world):
    """Login CSRF: an attacker's code (or a code read from a log) sent to someone else's browser."""
    attacker, victim = browser(), browser()
    callback = code_for(world, attacker)
    victim.get(f"{world.gateway.url}/auth/sign-in?next=/supervisor", timeout=30, allow_redirects=False)  # its own state
    refused = victim.get(callback, timeout=30)
    assert refused.status_code == 400 and "tidak cocok" in refused.text
    assert SESSION_COOKIE not in {c.name for c in victim.cookies}
    assert attacker.get(callback, timeout=30).status_code == 200  # the browser that started it signs in
    again = attacker.get(callback, timeout=30)  # the same callback again: its sign-in is over
    assert again.status_code == 400 and "Silakan masuk lagi" in again.text


def test_the_login_stand_in_exchanges_a_code_once_and_only_with_its_pkce_verifier(world):
    """The token endpoint's side of PKCE, as Cognito's: a code without the verifier whose hash was sent at the
    start is refused, and a code is good once."""
    client = browser()
    callback = parse_qs(urlsplit(code_for(world, client)).query)
    token_url = f"{world.sandbox.login.url}/oauth2/token"
    asked = {"grant_type": "authorization_code", "client_id": world.sandbox.staff_pool.client_id,
             "code": callback["code"][0], "redirect_uri": f"{world.gateway.url}/auth/callback", "code_verifier": "tebakan"}
    wrong = requests.post(token_url, data=asked, timeout=30)
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant"}
    assert requests.post(token_url, data=asked, timeout=30).status_code == 400  # and the code is spent


def test_a_callback_without_the_sign_in_cookie_makes_no_session(world):
    callback = code_for(world, browser())
    refused = requests.get(callback, timeout=30)
    assert refused.status_code == 400 and "Silakan masuk lagi" in refused.text
    assert f"{SESSION_COOKIE}=" not in refused.headers.get("Set-Cookie", "")
