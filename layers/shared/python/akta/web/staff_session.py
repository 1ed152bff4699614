"""Staff pages behind sign-in: the session cookie, the check every staff request makes, and the way back in.

The session is the pool's ID token in an HttpOnly, Secure, SameSite=Strict cookie, checked on every request
(akta.web.id_token) and matched with the staff directory, so a person deactivated there is refused at their
next request although their token has not expired. A page asks `current(...)` for the signed-in person in one
of its roles; a request without a valid session is sent to sign in (a GET) or told to (a POST, which
changes nothing), and a signed-in person without the role gets a clear page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from akta.service import directory
from akta.web import id_token

# __Host-: only this host over https (or the sandbox's loopback) may set it, with Path=/ and no Domain, so a
# sibling site under the office's parent domain cannot plant or shadow it.
SESSION_COOKIE = "__Host-akta_session"
SIGN_IN_PATH = "/auth/sign-in"
# Where a sign-in may return to: the staff's own pages, never another site.
RETURN_PATH = re.compile(r"/(staff|counter|supervisor)(/[A-Za-z0-9_\-/]*)?")

NOT_ALLOWED = {
    "role": "Halaman ini bukan untuk peran Anda.",
    "inactive": "Akun Anda tidak aktif di direktori petugas. Hubungi supervisor.",
}


class SignInNeeded(Exception):
    """No valid session: none, or its token was refused (`reason`, for logs)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotAllowed(Exception):
    """A valid session of a person this page does not serve: another role, or deactivated."""

    def __init__(self, code: str, person: dict | None = None):
        super().__init__(code)
        self.code = code
        self.person = person


@dataclass(frozen=True)
class StaffSession:
    person: dict  # the directory's public record: staff_id, role, name, email, active
    claims: id_token.StaffClaims


def request_cookies(event) -> dict[str, str]:
    """The cookies a request carries (API Gateway REST passes each Cookie header as sent). Split by hand: one
    cookie this service did not write, however odd its value, must not hide the others."""
    found: dict[str, str] = {}
    for header in event.multi_value_headers.get("cookie") or [event.headers.get("cookie") or ""]:
        for pair in header.split(";"):
            name, sep, value = pair.strip().partition("=")
            if sep and name and name not in found:  # the first of a name is the most specific (RFC 6265 order)
                found[name] = value.strip()
    return found


def current(adapters, event, *roles: str) -> StaffSession:
    """The signed-in person, if they hold one of `roles` and are active; SignInNeeded or NotAllowed otherwise."""
    token = request_cookies(event).get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded("none")
    try:
        claims = adapters.identity.check(token)
    except id_token.TokenRefused as refused:
        raise SignInNeeded(refused.reason) from None  # the pool's keys unreachable: TransientError, a 503
    found = adapters.records.staff_member(claims.username)
    if not found or not found.get("active"):
        raise NotAllowed("inactive")
    person = directory.public(found)
    # The role must be the directory's and the pool's alike: neither alone grants a page.
    if person["role"] not in roles or person["role"] not in claims.groups:
        raise NotAllowed("role", person)
    return StaffSession(person=person, claims=claims)


def session_cookie(token: str, max_age: int) -> Cookie:
    return Cookie(SESSION_COOKIE, token, path="/", secure=True, http_only=True, max_age=max_age,
                  same_site=SameSite.STRICT_MODE)


def cleared(name: str, path: str) -> Cookie:
    return Cookie(name, "", path=path, secure=True, http_only=True, max_age=0, same_site=SameSite.STRICT_MODE)


def sign_in_url(return_path: str | None = None) -> str:
    return f"{SIGN_IN_PATH}?next={quote(return_path, safe='/')}" if return_path else SIGN_IN_PATH


def answer_sign_in_needed(event, needed: SignInNeeded) -> Response:
    """A GET goes to sign in and comes back; a POST decides nothing and says so (its form is gone)."""
    from akta.observability import logger
    from akta.web import pages
    from akta.web.api import html

    logger.info("staff session refused", extra={"reason": needed.reason})
    if event.http_method == "GET":
        return Response(status_code=302, headers={"Location": sign_in_url(event.path), "Cache-Control": "no-store"},
                        cookies=[cleared(SESSION_COOKIE, "/")] if needed.reason != "none" else None)
    return html(401, pages.sign_in_needed_page(sign_in_url(event.path if event.path.startswith("/staff/") else "/" + event.path.split("/")[1])))


def answer_not_allowed(refused: NotAllowed) -> Response:
    from akta.web import pages
    from akta.web.api import html

    return html(403, pages.message_page("Akses ditolak", NOT_ALLOWED[refused.code], signed_in=refused.person))


def behind_sign_in(app) -> None:
    """A page resolver's answers to a request without a session, or of a person the page does not serve."""
    app.exception_handler(SignInNeeded)(lambda needed: answer_sign_in_needed(app.current_event, needed))
    app.exception_handler(NotAllowed)(answer_not_allowed)
