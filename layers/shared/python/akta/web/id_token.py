"""The staff session's credential: a Cognito ID token, checked on every request before a staff page answers.

The check is the one OpenID Connect asks of a relying party: the RS256 signature against the pool's
published keys (JWKS, by the token's `kid`), the issuer (the pool), the audience (this service's app
client), the expiry, and `token_use` "id" (Cognito's access tokens are signed with the same keys and carry
`client_id` instead of `aud`). Only then are its claims believed: the Cognito username (the staff
directory's key) and the groups (the roles). Pure: the keys come from the caller.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from akta.domain.errors import TransientError

# Seconds of clock difference between Cognito and the function tolerated at expiry.
LEEWAY_S = 30


class TokenRefused(Exception):
    """The token proves nothing; `reason` says which check failed (for logs and tests, never shown as is)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StaffClaims:
    username: str  # cognito:username, the staff directory's key
    groups: frozenset[str]
    expires_at: int  # epoch seconds: the session ends with its token

    def require_group(self, *groups: str) -> None:
        """Refused unless the person is in one of `groups` (a role the page serves)."""
        if not self.groups.intersection(groups):
            raise TokenRefused("group")


def check(token: str, *, key_for: Callable[[str], object], issuer: str, client_id: str) -> StaffClaims:
    """The claims of a valid ID token of this pool and client; TokenRefused otherwise.

    `key_for(kid)` returns the pool's public key of that id (and raises for an unknown one).
    """
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise TokenRefused("header")
        key = key_for(header["kid"])
    except (TokenRefused, TransientError):  # the pool's keys unreachable is no verdict on the token
        raise
    except Exception as failed:  # noqa: BLE001 - a malformed token or an unknown key id: nothing to trust
        raise TokenRefused("key") from failed
    try:
        claims = jwt.decode(
            token, key, algorithms=["RS256"], issuer=issuer, leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as failed:
        raise TokenRefused("expired") from failed
    except jwt.InvalidIssuerError as failed:
        raise TokenRefused("issuer") from failed
    except jwt.InvalidSignatureError as failed:
        raise TokenRefused("signature") from failed
    except jwt.InvalidTokenError as failed:
        raise TokenRefused("malformed") from failed
    if claims["token_use"] != "id":
        raise TokenRefused("token_use")
    if claims.get("aud") != client_id:
        raise TokenRefused("audience")
    username = claims.get("cognito:username")
    if not isinstance(username, str) or not username:
        raise TokenRefused("malformed")
    groups = claims.get("cognito:groups") or []
    return StaffClaims(username=username, groups=frozenset(g for g in groups if isinstance(g, str)),
                       expires_at=int(claims["exp"]))


def seconds_left(claims: StaffClaims, now: float | None = None) -> int:
    return max(0, claims.expires_at - int(now if now is not None else time.time()))
