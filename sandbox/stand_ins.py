"""What the sandbox answers in place of AWS, the same in its own process and in each execution environment.

botocore and the standard library only: an execution environment (sandbox/worker.py) installs these before the
function's INIT. `SendStandIns` answers WhatsApp sends (moto has no End User Messaging Social), refuses email to
the addresses SES is to refuse, and tells who listens what was sent; `error_answer` is an injected AWS error.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Callable

from botocore.awsrequest import AWSResponse


class Body(io.BytesIO):
    """A response body with both read() and stream(), as botocore's raw response has."""

    def stream(self, **_):
        yield self.getvalue()


def answer(url: str, status: int, headers: dict, body: bytes) -> AWSResponse:
    return AWSResponse(url, status, headers, Body(body))


def error_answer(url: str, operation: str, code: str, status: int) -> AWSResponse:
    """An AWS error for "<service id>:<Operation>", in its protocol's shape (S3's XML, or JSON)."""
    message = f"injected {code}"
    if operation.startswith("s3:"):  # rest-xml
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    else:  # the JSON protocols read the type from the header or the body
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
    return answer(url, status, {**headers, "x-amzn-RequestId": str(uuid.uuid4())}, body)


class SendStandIns:
    """On a botocore event emitter: WhatsApp answered here, SES's refusals, and what was sent told to listeners.

    `first`, when given, answers before the stand-ins (an injected fault): botocore runs an operation's own
    handlers before the generic ones, so the stand-ins ask it themselves.
    """

    def __init__(self, *, rejecting: Callable[[], set[str]], on_whatsapp: Callable[[dict], None],
                 on_email: Callable[[dict], None], first: Callable | None = None):
        self.rejecting, self.on_whatsapp, self.on_email, self.first = rejecting, on_whatsapp, on_email, first

    def install(self, events) -> None:
        events.register_first("before-send.socialmessaging.SendWhatsAppMessage", self._whatsapp)
        events.register_first("before-send.sesv2.SendEmail", self._reject)
        events.register("before-parameter-build.sesv2.SendEmail", self._keep_params)
        events.register("after-call.sesv2.SendEmail", self._sent)

    def _whatsapp(self, request, **kwargs):
        if self.first and (faulted := self.first(request, **kwargs)):
            return faulted
        self.on_whatsapp(json.loads(base64.b64decode(json.loads(request.body)["message"])))
        return answer(request.url, 200, {"Content-Type": "application/json"}, json.dumps({"messageId": str(uuid.uuid4())}).encode())

    def _reject(self, request, **kwargs):
        if self.first and (faulted := self.first(request, **kwargs)):
            return faulted
        body = request.body.decode() if isinstance(request.body, bytes) else (request.body or "")
        if not any(address in body for address in self.rejecting()):
            return None
        error = json.dumps({"message": "Email address is not verified."}).encode()
        return answer(request.url, 400, {"x-amzn-ErrorType": "MessageRejected", "Content-Type": "application/json"}, error)

    @staticmethod
    def _keep_params(params, context, **_):
        context["sandbox_params"] = params  # after-call does not see the request's parameters

    def _sent(self, http_response, parsed, context, **_):
        if http_response.status_code == 200:
            params = context.get("sandbox_params") or {}
            self.on_email({"message_id": parsed["MessageId"], "to": params.get("Destination", {}).get("ToAddresses", []),
                           "tags": params.get("EmailTags", [])})
