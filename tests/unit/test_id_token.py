"""Staff sign-in: the ID token check every staff page makes, against tokens moto's Cognito issues.

moto signs every pool's tokens with one key pair (kid "dummy"), so "another pool's token" is refused on its
issuer and "another client's" on its audience, not on the signature. Tokens the pool could not have issued
(expired, forged) are made here: expired ones with moto's own private key, forged ones with a new key.
"""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from akta.web import id_token
from akta.web.id_token import TokenRefused

REGION = "ap-southeast-3"
PASSWORD = "Kata-Sandi-Staf-1"


def _moto_jwks(kind: str) -> dict:
    return json.loads(gzip.decompress(resources.files("moto.cognitoidp").joinpath(f"resources/jwks-{kind}.json.gz").read_bytes()))


PUBLIC_KEYS = jwt.PyJWKSet.from_dict(_moto_jwks("public"))
POOL_PRIVATE_KEY = jwt.PyJWK.from_dict(_moto_jwks("private")).key


def key_for(kid: str):
    return PUBLIC_KEYS[kid].key


class Pool:
    def __init__(self, cognito, name: str):
        self.cognito = cognito
        self.id = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
        self.issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"
        self.client_id = self.new_client("akta-staff")
        for group in ("operator", "verifier", "head", "drive_thru", "supervisor"):
            cognito.create_group(UserPoolId=self.id, GroupName=group)

    def new_client(self, name: str) -> str:
        return self.cognito.create_user_pool_client(
            UserPoolId=self.id, ClientName=name, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def person(self, username: str, *groups: str) -> None:
        self.cognito.admin_create_user(UserPoolId=self.id, Username=username, MessageAction="SUPPRESS")
        self.cognito.admin_set_user_password(UserPoolId=self.id, Username=username, Password=PASSWORD, Permanent=True)
        for group in groups:
            self.cognito.admin_add_user_to_group(UserPoolId=self.id, Username=username, GroupName=group)

    def tokens(self, username: str, client_id: str | None = None) -> dict:
        return self.cognito.initiate_auth(
            ClientId=client_id or self.client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]

    def check(self, token: str) -> id_token.StaffClaims:
        return id_token.check(token, key_for=key_for, issuer=self.issuer, client_id=self.client_id)


@pytest.fixture(scope="module")
def cognito():
    with mock_aws():
        yield boto3.client("cognito-idp", region_name=REGION)


@pytest.fixture(scope="module")
def pool(cognito):
    found = Pool(cognito, "akta-staff")
    found.person("rina.verifier", "verifier")
    found.person("budi.head", "head")
    found.person("tanpa.peran")
    return found


def _claims(pool: Pool, **changes) -> dict:
    now = int(time.time())
    claims = {"iss": pool.issuer, "sub": "7c1f", "aud": pool.client_id, "token_use": "id", "iat": now - 60,
              "auth_time": now - 60, "exp": now + 3600, "cognito:username": "rina.verifier", "cognito:groups": ["verifier"]}
    return {k: v for k, v in (claims | changes).items() if v is not None}


def _signed(claims: dict, key=POOL_PRIVATE_KEY, kid: str = "dummy") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_an_id_token_of_this_pool_and_client_names_the_person_and_their_role(pool):
    claims = pool.check(pool.tokens("rina.verifier")["IdToken"])
    assert claims.username == "rina.verifier" and claims.groups == {"verifier"}
    assert claims.expires_at > time.time() + 3000
    claims.require_group("verifier", "head")  # one of the page's roles is enough


def test_a_person_without_the_pages_group_is_refused(pool):
    with pytest.raises(TokenRefused) as refused:
        pool.check(pool.tokens("rina.verifier")["IdToken"]).require_group("head")
    assert refused.value.reason == "group"
    with pytest.raises(TokenRefused, match="group"):
        pool.check(pool.tokens("tanpa.peran")["IdToken"]).require_group(*("operator", "verifier", "head", "drive_thru", "supervisor"))


def test_another_pools_token_is_refused_on_its_issuer_although_moto_signs_it_with_the_same_key(cognito, pool):
    other = Pool(cognito, "another-office")
    other.person("rina.verifier", "verifier")
    token = other.tokens("rina.verifier")["IdToken"]
    assert other.check(token).username == "rina.verifier"  # a good token, of that pool
    with pytest.raises(TokenRefused) as refused:
        pool.check(token)
    assert refused.value.reason == "issuer"


def test_another_clients_token_of_the_same_pool_is_refused_on_its_audience(pool):
    token = pool.tokens("rina.verifier", client_id=pool.new_client("another-app"))["IdToken"]
    with pytest.raises(TokenRefused) as refused:
        pool.check(token)
    assert refused.value.reason == "audience"


def test_an_access_token_where_an_id_token_is_wanted_is_refused(pool):
    with pytest.raises(TokenRefused) as refused:
        pool.check(pool.tokens("rina.verifier")["AccessToken"])
    assert refused.value.reason == "token_use"


def test_an_expired_token_is_refused_past_the_clock_leeway(pool):
    now = int(time.time())
    assert pool.check(_signed(_claims(pool, exp=now - id_token.LEEWAY_S + 5))).username == "rina.verifier"
    with pytest.raises(TokenRefused) as refused:
        pool.check(_signed(_claims(pool, exp=now - id_token.LEEWAY_S - 5)))
    assert refused.value.reason == "expired"


@pytest.mark.parametrize("forgery", ["another_key", "edited_claims", "alg_none", "alg_hs256", "unknown_kid", "not_a_jwt"])
def test_a_forged_token_is_refused(pool, forgery):
    genuine = pool.tokens("rina.verifier")["IdToken"]
    header, payload, signature = genuine.split(".")
    if forgery == "another_key":  # the right kid, someone else's key
        token = _signed(_claims(pool), rsa.generate_private_key(public_exponent=65537, key_size=2048))
    elif forgery == "edited_claims":  # the pool's signature over other claims: "verifier" made "head"
        edited = _claims(pool, **{"cognito:groups": ["head"]})
        token = ".".join([header, jwt.utils.base64url_encode(json.dumps(edited).encode()).decode(), signature])
    elif forgery == "alg_none":
        token = jwt.encode(_claims(pool), None, algorithm="none", headers={"kid": "dummy"})
    elif forgery == "alg_hs256":  # the classic: the public key's bytes as an HMAC secret
        token = ".".join([jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "dummy"}).encode()).decode(),
                          payload, signature])
    elif forgery == "unknown_kid":
        token = _signed(_claims(pool), kid="another")
    else:
        token = "abc.def"
    with pytest.raises(TokenRefused) as refused:
        pool.check(token)
    assert refused.value.reason in {"signature", "header", "key", "malformed"}


@pytest.mark.parametrize("missing", ["exp", "iss", "token_use", "cognito:username"])
def test_a_token_without_a_required_claim_is_refused(pool, missing):
    with pytest.raises(TokenRefused):
        pool.check(_signed(_claims(pool, **{missing: None})))


def test_the_pools_keys_out_of_reach_is_try_again_not_a_refused_session(pool):
    """A JWKS fetch that fails (the network, not the token) must not sign everyone out: a 503, the cookie kept."""
    from akta.adapters.identity import StaffPool
    from akta.domain.errors import TransientError
    from sandbox.aws import free_port

    unreachable = StaffPool(pool.issuer, pool.client_id, f"http://127.0.0.1:{free_port()}/jwks.json", "")
    with pytest.raises(TransientError):
        unreachable.check(pool.tokens("rina.verifier")["IdToken"])
