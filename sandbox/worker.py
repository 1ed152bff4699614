"""One Lambda execution environment: a process that imports one function and serves its invocations, one at a time.

    python -m sandbox.worker <socket descriptor> <function ARN> [<handler file>]     (started by sandbox.environments)

The process has only the environment the router gives it: the function's declared settings, what the Lambda
runtime sets (AWS_LAMBDA_FUNCTION_NAME, memory, region, credentials) and the sandbox's endpoint. It talks to the
router over the socket it was given: pickled requests in, pickled answers out. Its
stdout and stderr are the function's log. INIT (importing functions/<name>/app.py, or the handler file given)
runs once; its seconds (or its error, after which the process ends) are the first thing it sends. They count from
before boto3 is imported: this process has imported nothing but the standard library by then, as a fresh
runtime has (boto3 is in Lambda's Python runtime, but a function's INIT still pays for importing it).

What the sandbox does in-process for the AWS calls of a function happens here, on this process's calls, and is
told to the router as it happens, before the invocation's answer: the calls made (for the least-privilege record),
the AWS faults the router asked it to answer, the WhatsApp messages sent (answered locally: moto has no End User
Messaging Social) and the emails SES accepted (for the mailbox simulator's delivery events); the router gives the
addresses SES is to refuse with each request.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import sys
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from sandbox.lambda_context import LambdaContext

ROOT = Path(__file__).resolve().parents[1]


class Invocation:
    """What the router asked of one invocation's AWS calls; what they do is told to it as it happens (an
    invocation that times out or dies has still told what it did until then)."""

    def __init__(self, request: dict, connection: Connection):
        self.faults = [dict(f) for f in request.get("aws_faults", [])]  # each: operation, code, status, times, index
        self.rejecting = set(request.get("rejecting", ()))
        self._connection = connection

    def tell(self, kind: str, what) -> None:
        self._connection.send({"effect": kind, "what": what})


class Hooks:
    """Installed on botocore before INIT, so every client the function makes (its own sessions' too) passes here."""

    def __init__(self):
        import boto3
        import botocore.session
        from botocore.client import BaseClient

        from sandbox import moto_quirks
        from sandbox.stand_ins import SendStandIns

        self.current: Invocation | None = None
        original = BaseClient._make_api_call

        def make_api_call(client, operation, params):
            if self.current is not None:
                model = client.meta.service_model
                self.current.tell("call", (model.service_name, model.signing_name, operation, _reduced(params)))
            return original(client, operation, params)

        BaseClient._make_api_call = make_api_call
        stand_ins = SendStandIns(rejecting=lambda: self.current.rejecting if self.current else set(),
                                 on_whatsapp=functools.partial(self._tell, "whatsapp"),
                                 on_email=functools.partial(self._tell, "email"), first=self._fault)

        # On every botocore session, not only boto3's default one: Powertools' idempotency layer makes its own.
        session_init = botocore.session.Session.__init__

        def init(session, *args, **kwargs):
            session_init(session, *args, **kwargs)
            events = session.get_component("event_emitter")
            events.register_first("before-send", self._fault)
            stand_ins.install(events)
            moto_quirks.install(events)

        botocore.session.Session.__init__ = init
        boto3._get_default_session()

    def _tell(self, kind: str, what) -> None:
        if self.current is not None:  # not during INIT
            self.current.tell(kind, what)

    def _fault(self, request, event_name: str, **_):
        from sandbox.stand_ins import error_answer

        _, service, operation = event_name.split(".", 2)
        for fault in self.current.faults if self.current else ():
            if fault["times"] > 0 and fault["operation"] == f"{service}:{operation}":
                fault["times"] -= 1
                self.current.tell("fault", fault["index"])
                return error_answer(request.url, fault["operation"], fault["code"], fault["status"])
        return None


def _reduced(params: dict) -> dict:
    """What the router's IAM record reads of a call's parameters (sandbox.lambdas.iam_actions), and no more."""
    kept = {k: params[k] for k in ("TableName", "Bucket", "CopySource") if k in params}
    if "RequestItems" in params:
        kept["RequestItems"] = dict.fromkeys(params["RequestItems"])
    if "TransactItems" in params:
        kept["TransactItems"] = [{kind: {"TableName": body.get("TableName")} for kind, body in item.items()}
                                 for item in params["TransactItems"]]
    if "Raw" in (params.get("Content") or {}):
        kept["Content"] = {"Raw": None}
    return kept


def _attribute(path: str) -> tuple[object, str]:
    module, attribute = path.split(":")
    return importlib.import_module(module), attribute


def _with_bugs(bugs) -> list[tuple[object, str, object]]:
    """The router's injected bugs for this invocation: each target replaced; what to put back afterwards."""
    undo = []
    for target, replacement in bugs:
        owner, attribute = _attribute(target)
        source, name = _attribute(replacement)
        undo.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, getattr(source, name))
    return undo


def _error(error: BaseException) -> dict:
    # The runtime's log line for an unhandled error, then Lambda's answer.
    print(json.dumps({"level": "ERROR", "errorType": type(error).__name__,
                      "stackTrace": traceback.format_exc().splitlines()}), flush=True)
    return {"error": (type(error).__name__, str(error))}


def main() -> None:
    descriptor, arn, *app = sys.argv[1:]
    connection = Connection(int(descriptor))
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    memory = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    started = time.perf_counter()
    hooks = Hooks()
    try:
        path = Path(app[0]) if app else ROOT / "functions" / name / "app.py"
        spec = importlib.util.spec_from_file_location(f"functions.{name}.app", path)
        module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # a bug's target can name it
        spec.loader.exec_module(module)
        init_error = None
    except Exception as error:  # noqa: BLE001 - an INIT failure is answered to every invocation, as Lambda does
        init_error = _error(error)
    # INIT is over: say how it went (its own limit is the router's, apart from the invocations' timeout).
    connection.send({"init_s": time.perf_counter() - started, **(init_error or {})})
    if init_error:  # the environment ends; the next invocation starts a new one
        return
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        hooks.current = Invocation(request, connection)
        context = LambdaContext(name, memory, arn, request["request_id"], time.monotonic() + request["timeout_s"])
        began, cpu_began = time.perf_counter(), time.thread_time()
        undo = []
        try:
            undo = _with_bugs(request.get("bugs", ()))
            result = module.handler(request["event"], context)
            try:
                answer = {"payload": json.dumps(result)}
            except (TypeError, ValueError) as error:  # the runtime cannot serialize the result
                answer = {"error": ("Runtime.MarshalError", f"Unable to marshal response: {error}")}
        except Exception as error:  # noqa: BLE001 - Lambda's own boundary
            answer = _error(error)
        finally:
            for owner, attribute, original in undo:
                setattr(owner, attribute, original)
        answer |= {"wall_s": time.perf_counter() - began, "cpu_s": time.thread_time() - cpu_began}
        hooks.current = None
        sys.stdout.flush()
        connection.send(answer)


if __name__ == "__main__":
    main()
