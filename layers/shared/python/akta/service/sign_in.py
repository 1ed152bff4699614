"""Staff sign-in with the office's identity provider: authorization code with PKCE against the pool's managed
login, then a session for a person the staff directory knows, active, in their role, with TOTP enrolled.

The short-lived sign-in cookie carries the state, the PKCE verifier and where to return; it is SameSite=Lax
because it must come back with the redirect from the login's domain. Nothing here trusts the browser: the
state must match the cookie's, the code is exchanged server-side with the verifier, and the ID token is
checked like every session's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from akta.adapters.identity import SignInFailed
from akta.domain.errors import Refused
from akta.web import id_token, staff_session

SIGN_IN_COOKIE = "__Host-akta_sign_in"  # __Host-: see akta.web.staff_session
ENROL_COOKIE = "__Host-akta_totp"
SIGN_IN_LIFETIME_S = 600  # from the redirect to the login until the callback
CALLBACK_PATH = "/auth/callback"
SIGNED_OUT_PATH = "/auth/signed-out"
# Where a sign-in without a page to return to lands, by role; the others open the links in their email.
LANDING = {"supervisor": "/supervisor", "drive_thru": "/counter"}


class SignInRefused(Refused):
    """The sign-in cannot complete; `code` says why (each has its page)."""


@dataclass(frozen=True)
class Started:
    authorize_url: str
    cookie_value: str


@dataclass(frozen=True)
class SignedIn:
    id_token: str
    max_age: int
    return_path: str | None  # None: no page to go on to (the person opens a link from their email)
    person: dict


@dataclass(frozen=True)
class EnrolmentNeeded:
    access_token: str
    return_path: str | None
    person: dict


def return_path(wanted: str | None) -> str | None:
    """Only a path of the staff's own pages; anything else (another site, a script) is no return path."""
    return wanted if wanted and staff_session.RETURN_PATH.fullmatch(wanted) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cookie_value(data: dict[str, str]) -> str:
    """The value of one of the sign-in's cookies: JSON, base64url without padding (cookie-safe characters)."""
    return _b64(json.dumps(data).encode())


def cookie_data(value: str | None, fields: tuple[str, ...], refusal: str) -> dict[str, str]:
    """What `cookie_value` wrote, each of `fields` a string; SignInRefused(`refusal`) for no cookie, or one this
    service did not write."""
    try:
        found = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except Exception:  # noqa: BLE001 - none, or not base64 JSON
        raise SignInRefused(refusal) from None
    if not isinstance(found, dict) or not all(isinstance(found.get(k), str) for k in fields):
        raise SignInRefused(refusal)
    return found


def start(adapters, wanted_return: str | None) -> Started:
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    url = adapters.identity.authorize_url(redirect_uri=callback_url(adapters), state=state, code_challenge=challenge)
    cookie = cookie_value({"state": state, "verifier": verifier, "next": return_path(wanted_return) or ""})
    return Started(authorize_url=url, cookie_value=cookie)


def callback_url(adapters) -> str:
    return adapters.config["PUBLIC_BASE_URL"] + CALLBACK_PATH


def signed_out_url(adapters) -> str:
    return adapters.config["PUBLIC_BASE_URL"] + SIGNED_OUT_PATH


def complete(adapters, *, code: str | None, state: str | None, error: str | None,
             cookie_value: str | None) -> SignedIn | EnrolmentNeeded:
    """The callback: the login's code becomes a session for a known, active person in their role."""
    if error:
        raise SignInRefused("login_error")
    started = cookie_data(cookie_value, ("state", "verifier", "next"), "no_sign_in")
    if not code or not state or not hmac.compare_digest(state, started["state"]):
        raise SignInRefused("state")
    try:
        tokens = adapters.identity.exchange(code=code, code_verifier=started["verifier"], redirect_uri=callback_url(adapters))
        claims = adapters.identity.check(tokens.get("id_token", ""))
    except (SignInFailed, id_token.TokenRefused):
        raise SignInRefused("code") from None
    found = adapters.records.staff_member(claims.username)
    if not found or not found.get("active"):
        raise SignInRefused("inactive")
    if found["role"] not in claims.groups:
        raise SignInRefused("role")
    from akta.service import directory

    person = directory.public(found)
    # The cookie is this browser's own, but checked again: only ever a path of the staff's pages.
    back = return_path(started["next"]) or LANDING.get(person["role"])
    if not adapters.identity.totp_enrolled(claims.username):
        # The pool requires TOTP, but a person can still arrive without it (an account from before MFA was
        # required, or moto's, which never forces it): no session until they enrol.
        if not tokens.get("access_token"):
            raise SignInRefused("code")
        return EnrolmentNeeded(access_token=tokens["access_token"], return_path=back, person=person)
    return SignedIn(id_token=tokens["id_token"], max_age=id_token.seconds_left(claims), return_path=back, person=person)
