"""The office's identity provider: the staff's Cognito user pool, its managed login's token endpoint, and the
admin calls that create, group and disable staff accounts.

The same code runs in AWS and in the sandbox: there the pool is moto's and the login page and token
endpoint are the sandbox's stand-in (sandbox/login.py), at the address `STAFF_SIGN_IN_URL` gives.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from functools import cached_property

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from akta.adapters.aws import client
from akta.domain.errors import TransientError
from akta.domain.waits import OFFICE_ROLES

if TYPE_CHECKING:
    from akta.web.id_token import StaffClaims

# Roles are the pool's groups, with the staff directory's names.
GROUPS = (*OFFICE_ROLES, "supervisor")
TOTP = "SOFTWARE_TOKEN_MFA"


class SignInFailed(Exception):
    """The token endpoint refused the code (expired, used, another client's)."""


class TotpRefused(Exception):
    """The pool would not enrol TOTP with this access token (revoked, expired, the account disabled)."""


class StaffPool:
    def __init__(self, issuer: str, client_id: str, jwks_url: str, sign_in_url: str):
        self.issuer = issuer
        self.client_id = client_id
        self.jwks_url = jwks_url
        self.sign_in_url = sign_in_url
        self.pool_id = issuer.rstrip("/").rsplit("/", 1)[-1]

    @cached_property
    def _keys(self):
        import jwt

        # Fetched on first use, then kept for the environment's life (Cognito rotates no keys by itself).
        return jwt.PyJWKClient(self.jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def key_for(self, kid: str):
        import jwt

        try:
            return self._keys.get_signing_key(kid).key
        except jwt.PyJWKClientConnectionError as unreachable:  # not the token's fault: try again, keep the session
            raise TransientError("identity_unavailable") from unreachable

    def check(self, token: str) -> StaffClaims:
        from akta.web import id_token  # PyJWT and cryptography: the identity layer

        return id_token.check(token, key_for=self.key_for, issuer=self.issuer, client_id=self.client_id)

    # The managed login's OAuth 2.0 endpoints (authorization code with PKCE; a public client, no secret).

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
            "scope": "openid email aws.cognito.signin.user.admin", "state": state, "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        })
        return f"{self.sign_in_url}/oauth2/authorize?{query}"

    def logout_url(self, *, logout_uri: str) -> str:
        query = urllib.parse.urlencode({"client_id": self.client_id, "logout_uri": logout_uri})
        return f"{self.sign_in_url}/logout?{query}"

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> dict:
        """The tokens for an authorization code: {"id_token", "access_token", "expires_in", ...}."""
        body = urllib.parse.urlencode({
            "grant_type": "authorization_code", "client_id": self.client_id, "code": code,
            "redirect_uri": redirect_uri, "code_verifier": code_verifier,
        }).encode()
        request = urllib.request.Request(f"{self.sign_in_url}/oauth2/token", data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - the configured endpoint
                return json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            if refused.code >= 500:
                raise TransientError("identity_unavailable") from refused
            raise SignInFailed(f"token endpoint answered {refused.code}") from refused
        except (OSError, http.client.HTTPException) as failed:  # URLError, timeouts, resets, a cut-off answer
            raise TransientError("identity_unavailable") from failed
        except ValueError as failed:  # an answer that is not JSON
            raise SignInFailed("token endpoint answer unreadable") from failed

    # MFA: the service refuses a person without TOTP and leads them through enrolment with their access token.

    @property
    def _cognito(self):
        return client("cognito-idp")

    def totp_enrolled(self, username: str) -> bool:
        """Throttling and server errors arrive as TransientError (akta.adapters.aws): the page says try again."""
        return TOTP in self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=username).get("UserMFASettingList", [])

    # These three act with the person's own access token (the client asks for the aws.cognito.signin.user.admin
    # scope so that Cognito accepts it for them).

    def start_totp(self, access_token: str) -> str:
        """A new TOTP secret for the person (base32), shown once for their authenticator app."""
        try:
            return self._cognito.associate_software_token(AccessToken=access_token)["SecretCode"]
        except ClientError as refused:
            raise TotpRefused(refused.response["Error"]["Code"]) from refused

    def finish_totp(self, access_token: str, code: str) -> bool:
        """True when the code matches the new secret; TOTP then becomes the person's required factor."""
        cognito = self._cognito
        try:
            answer = cognito.verify_software_token(AccessToken=access_token, UserCode=code, FriendlyDeviceName="akta")
            if answer.get("Status") != "SUCCESS":
                return False
            cognito.set_user_mfa_preference(AccessToken=access_token,
                                            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
        except ClientError as refused:
            if refused.response["Error"]["Code"] in ("CodeMismatchException", "EnableSoftwareTokenMFAException"):
                return False
            raise TotpRefused(refused.response["Error"]["Code"]) from refused
        return True


class StaffAccounts:
    """The admin side of the pool: accounts for the staff directory, in AWS and in the sandbox alike."""

    def __init__(self, pool_id: str):
        self.pool_id = pool_id
        self._cognito = client("cognito-idp")

    def create(self, username: str, email: str, temporary_password: str, group: str) -> None:
        """A new account that must set its own password (and enrol TOTP) at first sign-in."""
        self._cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=username, TemporaryPassword=temporary_password,
            MessageAction="SUPPRESS",  # the office hands the first password over in person
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        )
        self.set_group(username, group)

    def set_group(self, username: str, group: str) -> None:
        """The person's one role: added to its group, removed from any other."""
        if group not in GROUPS:
            raise ValueError(f"group must be one of {', '.join(GROUPS)}")
        current = self._cognito.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)["Groups"]
        for other in current:
            if other["GroupName"] != group:
                self._cognito.admin_remove_user_from_group(UserPoolId=self.pool_id, Username=username,
                                                           GroupName=other["GroupName"])
        self._cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Disabled: no new sign-in; the pages refuse the person's session at their next request (directory)."""
        if enabled:
            self._cognito.admin_enable_user(UserPoolId=self.pool_id, Username=username)
        else:
            self._cognito.admin_disable_user(UserPoolId=self.pool_id, Username=username)
            self._cognito.admin_user_global_sign_out(UserPoolId=self.pool_id, Username=username)
