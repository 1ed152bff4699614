"""Staff sign-in: the start of the managed login (PKCE), its callback (code -> session), TOTP enrolment for a
person who arrives without it, and sign-out."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from akta.adapters.identity import TotpRefused
from akta.domain.errors import FieldError
from akta.observability import MetricUnit, logger, metrics
from akta.service import sign_in
from akta.web import pages, staff_session
from akta.web.api import form_fields, html, page_resolver
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start

app = page_resolver()

REFUSALS = {
    "no_sign_in": "Proses masuk tidak ditemukan atau sudah kedaluwarsa. Silakan masuk lagi.",
    "state": "Proses masuk tidak cocok dengan peramban ini. Silakan masuk lagi.",
    "code": "Kode masuk tidak berlaku lagi. Silakan masuk lagi.",
    "login_error": "Halaman masuk membatalkan proses. Silakan masuk lagi.",
    "inactive": "Akun Anda tidak aktif di direktori petugas. Hubungi supervisor.",
    "role": "Akun Anda belum diberi peran petugas. Hubungi supervisor.",
    "no_enrolment": "Aktivasi TOTP tidak ditemukan atau sudah kedaluwarsa. Silakan masuk lagi.",
}
WRONG_CODE = FieldError("code", "totp_mismatch", "Kode TOTP salah. Masukkan 6 angka yang sedang tampil di aplikasi autentikator.")


def _cookie(name: str, value: str, same_site: SameSite) -> Cookie:
    # Path=/ and Secure, as the __Host- prefix requires.
    return Cookie(name, value, path="/", secure=True, http_only=True, max_age=sign_in.SIGN_IN_LIFETIME_S,
                  same_site=same_site)


def _enrolment() -> dict:
    """The enrolment under way in this browser: {"access_token", "next", "staff_id", "secret"}; refused when none."""
    return sign_in.cookie_data(staff_session.request_cookies(app.current_event).get(sign_in.ENROL_COOKIE),
                               ("access_token", "next", "staff_id", "secret"), "no_enrolment")


def _page(status: int, body: str, cookies: list[Cookie]) -> Response:
    answer = html(status, body)
    answer.cookies = cookies
    return answer


@app.get("/auth/sign-in")
def start():
    started = sign_in.start(adapters, app.current_event.get_query_string_value("next"))
    return Response(status_code=302, headers={"Location": started.authorize_url, "Cache-Control": "no-store"},
                    cookies=[_cookie(sign_in.SIGN_IN_COOKIE, started.cookie_value, SameSite.LAX_MODE)])


@app.get("/auth/callback")
def callback():
    query = app.current_event.get_query_string_value
    done = sign_in.complete(adapters, code=query("code"), state=query("state"), error=query("error"),
                            cookie_value=staff_session.request_cookies(app.current_event).get(sign_in.SIGN_IN_COOKIE))
    gone = staff_session.cleared(sign_in.SIGN_IN_COOKIE, "/")
    if isinstance(done, sign_in.EnrolmentNeeded):
        logger.info("sign-in needs TOTP enrolment", extra={"staff_id": done.person["staff_id"]})
        enrolment = {"access_token": done.access_token, "next": done.return_path or "", "staff_id": done.person["staff_id"],
                     "secret": ""}
        return _page(200, pages.continue_page("Aktifkan verifikasi dua langkah", "/auth/totp",
                                              "Akun Anda belum memakai kode TOTP. Aktifkan dulu sebelum masuk."),
                     [gone, _cookie(sign_in.ENROL_COOKIE, sign_in.cookie_value(enrolment), SameSite.STRICT_MODE)])
    metrics.add_metric("StaffSignIns", MetricUnit.Count, 1)
    logger.info("staff signed in", extra={"staff_id": done.person["staff_id"], "role": done.person["role"]})
    session = staff_session.session_cookie(done.id_token, done.max_age)
    if not done.return_path:
        return _page(200, pages.message_page("Anda sudah masuk", "Buka tautan tugas dari email Anda.", signed_in=done.person),
                     [gone, session])
    # A page of this site moves on to the return path: a redirect straight from the login's domain would keep
    # the navigation cross-site, and the browser would withhold the new SameSite=Strict session cookie.
    return _page(200, pages.continue_page("Anda sudah masuk", done.return_path, "Melanjutkan ke halaman Anda ..."),
                 [gone, session])


@app.get("/auth/totp")
def totp_page():
    """The TOTP secret to scan: made once per enrolment and kept in its cookie, so a reload shows the same one."""
    enrolment = _enrolment()
    if not enrolment["secret"]:
        enrolment["secret"] = adapters.identity.start_totp(enrolment["access_token"])
    return _page(200, pages.totp_page(enrolment["staff_id"], enrolment["secret"]),
                 [_cookie(sign_in.ENROL_COOKIE, sign_in.cookie_value(enrolment), SameSite.STRICT_MODE)])


@app.post("/auth/totp")
def totp_confirm():
    enrolment = _enrolment()
    if not enrolment["secret"]:
        raise sign_in.SignInRefused("no_enrolment")
    code = form_fields(app).get("code", "").strip()
    if not (code.isdigit() and len(code) == 6) or not adapters.identity.finish_totp(enrolment["access_token"], code):
        return html(422, pages.totp_page(enrolment["staff_id"], enrolment["secret"], [WRONG_CODE]))
    metrics.add_metric("StaffTotpEnrolments", MetricUnit.Count, 1)
    return _page(200, pages.continue_page("Verifikasi dua langkah aktif", staff_session.sign_in_url(enrolment["next"]),
                                          "Masuk lagi dengan kata sandi dan kode TOTP Anda.", automatic=False),
                 [staff_session.cleared(sign_in.ENROL_COOKIE, "/")])


@app.post("/auth/sign-out")
def sign_out():
    """A POST (a link elsewhere cannot sign anyone out): the session cookie goes, then the managed login ends its
    own session and comes back to say so."""
    return Response(status_code=303, headers={"Location": adapters.identity.logout_url(logout_uri=sign_in.signed_out_url(adapters)),
                                              "Cache-Control": "no-store"},
                    cookies=[staff_session.cleared(staff_session.SESSION_COOKIE, "/")])


@app.get("/auth/signed-out")
def signed_out():
    return html(200, pages.continue_page("Anda sudah keluar", staff_session.sign_in_url(), "Sesi Anda telah diakhiri.",
                                         automatic=False, link_text="Masuk lagi"))


@app.exception_handler(sign_in.SignInRefused)
def refused(exc: sign_in.SignInRefused):
    status = 403 if exc.code in ("inactive", "role") else 400
    return _page(status, pages.continue_page("Belum dapat masuk", staff_session.sign_in_url(), REFUSALS[exc.code],
                                             automatic=False, link_text="Masuk lagi"),
                 [staff_session.cleared(sign_in.SIGN_IN_COOKIE, "/"), staff_session.cleared(sign_in.ENROL_COOKIE, "/")])


@app.exception_handler(TotpRefused)
def totp_refused(exc: TotpRefused):
    """Cognito would not enrol with this access token (revoked, expired, the account disabled): start again."""
    logger.warning("TOTP enrolment refused by the pool", extra={"reason": str(exc)})
    return refused(sign_in.SignInRefused("no_enrolment"))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event, context):
    return app.resolve(event, context)
