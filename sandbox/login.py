"""The sandbox's stand-in for Cognito's managed login: the authorize page, the token endpoint and logout, with
the same redirect and code-exchange shape (authorization code with PKCE, S256), on moto's user pool.

moto serves the pool's API but no managed login. This page signs a person in through moto's Cognito API the
way the managed login does through Cognito's: password, a new password at first sign-in, TOTP set-up when the
pool requires MFA and the person has none (MFA_SETUP), and the TOTP code at each sign-in (SOFTWARE_TOKEN_MFA).
It is served on http://localhost, another site than the gateway's http://127.0.0.1, so the browser's
cross-site rules (SameSite cookies) apply as they do between the office's domain and Cognito's.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import boto3
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CODE_LIFETIME_S = 300
FLOW_LIFETIME_S = 900


@dataclass
class _Flow:
    """One sign-in in progress: what the authorize request asked, and Cognito's session between steps."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    started: float = field(default_factory=time.monotonic)
    username: str = ""
    session: str = ""


def _page(title: str, body: str, status: int = 200, error: str = "") -> Response:
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return Response(f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body><header>Masuk petugas &middot; Disdukcapil Kota Jambi (sandbox)</header><h1>{html.escape(title)}</h1>{alert}{body}</body></html>""",
                    status=status, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _form(flow_id: str, action: str, fields: str, button: str) -> str:
    return (f'<form method="post" action="{action}"><input type="hidden" name="flow" value="{flow_id}">'
            f'{fields}<button type="submit">{html.escape(button)}</button></form>')


def _over() -> Response:
    return _page("Sesi masuk berakhir", "<p>Mulai lagi dari halaman layanan.</p>", 400)


_CODE_FIELD = ('<label for="code">Kode TOTP (6 angka)</label>'
               '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>')


class ManagedLogin:
    def __init__(self, pool_id: str, client_id: str):
        self.pool_id = pool_id
        self.client_id = client_id
        self.callback_urls: list[str] = []
        self.logout_urls: list[str] = []
        self._flows: dict[str, _Flow] = {}
        self._codes: dict[str, tuple[float, _Flow, dict]] = {}
        self._lock = threading.Lock()

    @property
    def _cognito(self):
        return boto3.client("cognito-idp")

    def __call__(self, environ, start_response):
        request = Request(environ)
        route = {("GET", "/oauth2/authorize"): self.authorize, ("POST", "/login"): self.password,
                 ("POST", "/login/new-password"): self.new_password, ("POST", "/login/totp-setup"): self.totp_setup,
                 ("POST", "/login/totp"): self.totp, ("POST", "/oauth2/token"): self.token,
                 ("GET", "/logout"): self.logout}.get((request.method, request.path))
        answer = route(request) if route else _page("Tidak ditemukan", "", 404)
        return answer(environ, start_response)

    # -- the authorize endpoint and the sign-in steps ------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != self.client_id or args.get("redirect_uri") not in self.callback_urls:
            return _page("Permintaan masuk tidak sah", "<p>client_id atau redirect_uri tidak dikenal.</p>", 400)
        if args.get("response_type") != "code" or args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            return self._back(_Flow(self.client_id, args["redirect_uri"], args.get("state", ""), ""), error="invalid_request")
        flow_id = secrets.token_urlsafe(16)
        with self._lock:
            self._flows[flow_id] = _Flow(self.client_id, args["redirect_uri"], args.get("state", ""), args["code_challenge"])
        return self._password_page(flow_id)

    def _password_page(self, flow_id: str, error: str = "", status: int = 200) -> Response:
        fields = ('<label for="username">Nama pengguna</label><input id="username" name="username" autocomplete="username" required>'
                  '<label for="password">Kata sandi</label><input id="password" name="password" type="password" '
                  'autocomplete="current-password" required>')
        return _page("Masuk", _form(flow_id, "/login", fields, "Masuk"), status, error)

    def _flow(self, request: Request) -> tuple[str, _Flow | None]:
        flow_id = request.form.get("flow", "")
        with self._lock:
            flow = self._flows.get(flow_id)
        if flow and time.monotonic() - flow.started > FLOW_LIFETIME_S:
            flow = None
        return flow_id, flow

    def password(self, request: Request) -> Response:
        flow_id, flow = self._flow(request)
        if not flow:
            return _over()
        cognito = self._cognito
        username = request.form.get("username", "").strip()
        try:
            answer = cognito.initiate_auth(ClientId=self.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                           AuthParameters={"USERNAME": username, "PASSWORD": request.form.get("password", "")})
        except cognito.exceptions.NotAuthorizedException as refused:
            disabled = "disabled" in str(refused)
            return self._password_page(flow_id, "Akun ini dinonaktifkan." if disabled else "Nama pengguna atau kata sandi salah.", 400)
        except (cognito.exceptions.UserNotFoundException, cognito.exceptions.ResourceNotFoundException):
            return self._password_page(flow_id, "Nama pengguna atau kata sandi salah.", 400)
        flow.username = username
        return self._next(flow_id, flow, answer)

    def _next(self, flow_id: str, flow: _Flow, answer: dict, error: str = "") -> Response:
        """The page for Cognito's next challenge, or back to the service with a code."""
        if "AuthenticationResult" in answer:
            return self._signed_in(flow_id, flow, answer["AuthenticationResult"])
        flow.session = answer["Session"]
        challenge = answer["ChallengeName"]
        if challenge == "NEW_PASSWORD_REQUIRED":
            fields = ('<label for="new_password">Kata sandi baru</label>'
                      '<input id="new_password" name="new_password" type="password" autocomplete="new-password" required>')
            return _page("Buat kata sandi baru", _form(flow_id, "/login/new-password", fields, "Simpan"), 200, error)
        if challenge == "MFA_SETUP":
            secret = self._cognito.associate_software_token(Session=flow.session)
            flow.session = secret.get("Session", flow.session)
            body = (f'<p>Pindai kunci ini ke aplikasi autentikator, lalu masukkan kodenya.</p>'
                    f'<p>Kunci: <code id="totp-secret">{html.escape(secret["SecretCode"])}</code></p>')
            return _page("Siapkan verifikasi dua langkah", body + _form(flow_id, "/login/totp-setup", _CODE_FIELD, "Verifikasi"),
                         200, error)
        if challenge == "SOFTWARE_TOKEN_MFA":
            return _page("Kode verifikasi", _form(flow_id, "/login/totp", _CODE_FIELD, "Masuk"), 200, error)
        return _page("Tidak didukung", f"<p>Tantangan {html.escape(challenge)} tidak didukung di sandbox.</p>", 400)

    def new_password(self, request: Request) -> Response:
        flow_id, flow = self._flow(request)
        if not flow or not flow.session:
            return _over()
        cognito = self._cognito
        try:
            answer = cognito.respond_to_auth_challenge(
                ClientId=self.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=flow.session,
                ChallengeResponses={"USERNAME": flow.username, "NEW_PASSWORD": request.form.get("new_password", "")})
        except cognito.exceptions.InvalidPasswordException:
            return self._next(flow_id, flow, {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": flow.session},
                              "Kata sandi baru belum memenuhi aturan: paling sedikit 12 karakter dengan huruf besar, "
                              "huruf kecil, angka dan simbol.")
        return self._next(flow_id, flow, answer)

    def totp_setup(self, request: Request) -> Response:
        flow_id, flow = self._flow(request)
        if not flow or not flow.session:
            return _over()
        cognito = self._cognito
        try:
            verified = cognito.verify_software_token(Session=flow.session, UserCode=request.form.get("code", ""),
                                                     FriendlyDeviceName="akta")
        except cognito.exceptions.CodeMismatchException:
            return self._next(flow_id, flow, {"ChallengeName": "MFA_SETUP", "Session": flow.session}, "Kode TOTP salah.")
        answer = cognito.respond_to_auth_challenge(ClientId=self.client_id, ChallengeName="MFA_SETUP",
                                                   Session=verified["Session"], ChallengeResponses={"USERNAME": flow.username})
        # Cognito makes the verified TOTP the person's MFA; moto leaves that to this call.
        cognito.admin_set_user_mfa_preference(UserPoolId=self.pool_id, Username=flow.username,
                                              SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        return self._next(flow_id, flow, answer)

    def totp(self, request: Request) -> Response:
        flow_id, flow = self._flow(request)
        if not flow or not flow.session:
            return _over()
        cognito = self._cognito
        try:
            answer = cognito.respond_to_auth_challenge(
                ClientId=self.client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=flow.session,
                ChallengeResponses={"USERNAME": flow.username, "SOFTWARE_TOKEN_MFA_CODE": request.form.get("code", "")})
        except (cognito.exceptions.CodeMismatchException, cognito.exceptions.ResourceNotFoundException):
            # moto ends the session on a wrong code; Cognito lets the person try again: sign in again from the start.
            return self._password_page(flow_id, "Kode TOTP salah. Masuk lagi.", 400)
        return self._next(flow_id, flow, answer)

    def _signed_in(self, flow_id: str, flow: _Flow, tokens: dict) -> Response:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._flows.pop(flow_id, None)
            self._codes[code] = (time.monotonic(), flow, tokens)
        return self._back(flow, code=code)

    @staticmethod
    def _back(flow: _Flow, **params: str) -> Response:
        return Response(status=302, headers={"Location": f"{flow.redirect_uri}?{urlencode({**params, 'state': flow.state})}",
                                             "Cache-Control": "no-store"})

    # -- the token endpoint and logout ------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        form = request.form
        with self._lock:
            issued = self._codes.pop(form.get("code", ""), None)  # a code is used once
        if form.get("grant_type") != "authorization_code" or not issued:
            return self._grant_error("invalid_grant")
        at, flow, tokens = issued
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (time.monotonic() - at > CODE_LIFETIME_S or form.get("client_id") != flow.client_id
                or form.get("redirect_uri") != flow.redirect_uri or not secrets.compare_digest(challenge, flow.code_challenge)):
            return self._grant_error("invalid_grant")
        import json

        return Response(json.dumps({"id_token": tokens["IdToken"], "access_token": tokens["AccessToken"],
                                    "refresh_token": tokens.get("RefreshToken", ""), "expires_in": tokens["ExpiresIn"],
                                    "token_type": "Bearer"}), content_type="application/json")

    @staticmethod
    def _grant_error(code: str) -> Response:
        return Response(f'{{"error":"{code}"}}', status=400, content_type="application/json")

    def logout(self, request: Request) -> Response:
        if request.args.get("client_id") != self.client_id or request.args.get("logout_uri") not in self.logout_urls:
            return _page("Permintaan keluar tidak sah", "<p>client_id atau logout_uri tidak dikenal.</p>", 400)
        return Response(status=302, headers={"Location": request.args["logout_uri"], "Cache-Control": "no-store"})


class ManagedLoginServer:
    """Serves the stand-in on 127.0.0.1, addressed as http://localhost:<port>."""

    def __init__(self, login: ManagedLogin, port: int = 0):
        self.login = login
        self.server = make_server("127.0.0.1", port, login, threaded=True)
        self.url = f"http://localhost:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="sandbox-login")

    def start(self) -> "ManagedLoginServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
