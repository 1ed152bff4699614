"""S3's browser-upload (presigned POST) policy, enforced in front of moto, which stores any POST it is given.

S3 checks a POST Object against the policy the presigner signed: the signature over the policy, its
expiration, every condition (exact, `starts-with`, `content-length-range`), and that the form carries no
field the policy does not name. A refusal is S3's XML error with S3's status; nothing is stored. Everything
that is not a multipart POST to a bucket passes through to moto unchanged.

Not reproduced: POSTs signed with SigV2, `success_action_redirect`, bucket policies or ACLs that would let an
unsigned POST in (the sandbox's buckets, like the stack's, have none), a credential scope of another region,
and S3 ignoring the form fields after `file` (here every field counts).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import uuid
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.s3.utils import cors_matches_origin
from werkzeug.formparser import parse_form_data
from werkzeug.serving import make_server

# Form fields the policy need not name (S3's documentation, "Creating a POST policy").
UNSIGNED_FIELDS = {"policy", "x-amz-signature", "file"}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def xml(self) -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{escape(self.message)}</Message><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>"
                f"<HostId>sandbox</HostId></Error>").encode()


def _policy_failed(condition) -> Refusal:
    return Refusal(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _rule(condition) -> tuple:
    """("eq" | "starts-with", field, value) or ("content-length-range", low, high); ValueError if S3 would not
    read it (an unknown operator, an object of two fields, a bound that is no integer)."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise ValueError(condition)
        ((name, value),) = condition.items()
        return "eq", name.lower(), value
    operator, first, second = condition
    if operator == "content-length-range":
        if not all(isinstance(bound, int) for bound in (first, second)):
            raise ValueError(condition)
        return operator, first, second
    if operator not in ("eq", "starts-with") or not str(first).startswith("$"):
        raise ValueError(condition)
    return operator, first[1:].lower(), second


def check(bucket: str, fields: dict[str, str], size: int, secrets: dict[str, str], now: datetime | None = None) -> None:
    """Raise the Refusal S3 would answer for this form (field names as sent, the file's size in bytes)."""
    lower = {name.lower(): value for name, value in fields.items()}
    if "policy" not in lower or "x-amz-signature" not in lower:
        raise Refusal(403, "AccessDenied", "Access Denied")
    if lower.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
        raise Refusal(400, "InvalidRequest", "The authorization mechanism you have provided is not supported.")
    credential = lower.get("x-amz-credential", "").split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        raise Refusal(400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter.")
    access_key, date, region, service, _ = credential
    if service != "s3":
        raise Refusal(400, "AuthorizationQueryParametersError", f"Error parsing the X-Amz-Credential parameter; "
                                                                 f"incorrect service \"{service}\". This endpoint belongs to \"s3\".")
    if access_key not in secrets:
        raise Refusal(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    expected = hmac.new(_signing_key(secrets[access_key], date, region, service), lower["policy"].encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, lower["x-amz-signature"]):
        raise Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                                                    "you provided. Check your key and signing method.")
    try:
        policy = json.loads(base64.b64decode(lower["policy"], validate=True))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        rules = [_rule(condition) for condition in policy["conditions"]]
        expired = expiration <= (now or datetime.now(timezone.utc))
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise Refusal(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if expired:
        raise Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")

    named = set()
    values = lower | {"bucket": bucket}
    for condition, rule in zip(policy["conditions"], rules):
        if rule[0] == "content-length-range":
            if size > rule[2]:
                raise Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
            if size < rule[1]:
                raise Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
            continue
        operator, name, value = rule
        named.add(name)
        given = values.get(name, "")
        if operator == "eq" and given != value or operator == "starts-with" and not given.startswith(value):
            raise _policy_failed(condition)
    extra = sorted(name for name in lower if name not in named | UNSIGNED_FIELDS and not name.startswith("x-ignore-"))
    if extra:
        raise Refusal(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


def _bucket(name: str):
    try:
        return s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(name)
    except S3ClientError:
        return None


def _cors_headers(bucket, origin: str | None) -> list[tuple[str, str]]:
    """The bucket's CORS answer for this origin, so that a browser can read the refusal (as S3 sends it)."""
    for rule in bucket.cors if origin else []:
        if rule.allowed_origins and cors_matches_origin(origin, rule.allowed_origins):
            return [("Access-Control-Allow-Origin", origin)]
    return []


class PostPolicy:
    """WSGI middleware: a multipart POST to /<bucket> is checked before moto sees it."""

    def __init__(self, app, secrets: dict[str, str]):
        self.app, self.secrets = app, secrets

    def __call__(self, environ, start_response):
        bucket = environ.get("PATH_INFO", "").strip("/")
        if (environ["REQUEST_METHOD"] != "POST" or not bucket or "/" in bucket
                or not environ.get("CONTENT_TYPE", "").startswith("multipart/form-data")
                or not (found := _bucket(bucket))):  # no such bucket: moto answers 404 NoSuchBucket, as S3 does first
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        upload = files.get("file")
        try:
            check(bucket, {name: form[name] for name in form}, len(upload.read()) if upload else 0, self.secrets)
        except Refusal as refusal:
            headers = [("Content-Type", "application/xml"), *_cors_headers(found, environ.get("HTTP_ORIGIN"))]
            start_response(f"{refusal.status} {'Forbidden' if refusal.status == 403 else 'Bad Request'}", headers)
            return [refusal.xml()]
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the same body
        return self.app(environ, start_response)


class PolicedMotoServer(ThreadedMotoServer):
    """moto's threaded server with the POST policy in front of its S3."""

    def __init__(self, *args, secrets: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self._secrets = secrets

    def _server_entry(self) -> None:
        app = PostPolicy(DomainDispatcherApplication(create_backend_app), self._secrets)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
