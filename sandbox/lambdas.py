"""The sandbox's Lambda: a botocore hook answers `lambda:Invoke` by running functions/<name>/app.py.

Registered first on the default boto3 session, so both moto's Step Functions interpreter (which builds
its clients from that session, one thread per execution) and our own code reach the real handlers.
Answers look like Lambda's: a handler exception is HTTP 200 with X-Amz-Function-Error and
{"errorType", "errorMessage"}, which the interpreter matches in Retry/Catch.

Each declared function runs in execution environments of its own (sandbox/environments.py, sandbox/worker.py):
worker processes that imported it with only its own declared environment (infra.declaration.
function_environment) and what Lambda's runtime sets, each serving one invocation at a time, as many at once as
its concurrency allows; past its timeout an invocation is answered Sandbox.Timedout. `configure` sets the
deployment's values; changing them ends the idle environments, as a configuration update in AWS does.

The router records which IAM actions each function called (and how often) on which tables and buckets, as
the environments report their calls, how long each invocation took (`timings`) and in which environment
(`runs`), and each function's output goes to its own log file. Only a function's own calls count: not the
sandbox's, the test actors' or the admin command's.

AWS errors can be injected (`inject_aws`, an `AwsFault`): the function's environment answers matching calls
itself, before they reach moto, so boto3's retries and the adapters see a real error answer; so can Lambda's
own faults and bugs in a function's code (`inject`, a `Fault`).

Functions outside the declaration can be served too (`register`), in this process: the benchmarks route a
generated copy of the state machine to no-op handlers through this same path, to measure the engine alone.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import types
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient

from infra.declaration import FUNCTIONS, FUNCTIONS_DIR, Function, function_environment
from sandbox.environments import CONCURRENCY, Environment, FunctionError, Pool, Served, Throttled, runtime_environment
from sandbox.lambda_context import LambdaContext
from sandbox.stand_ins import Body, error_answer


# botocore (service, operation) -> the IAM actions it needs, where that is not "<signing name>:<operation>"
# (AWS Service Authorization Reference). CopyObject's s3:GetObject on its source is added with the source bucket.
_RENAMED = {
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "HeadObject"): ("s3:GetObject",),
    ("s3", "CopyObject"): ("s3:PutObject",),
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
}
# DynamoDB transactions are not IAM actions: each item needs its own kind's action on its table.
# (BatchGetItem and BatchWriteItem are IAM actions of their own.)
_TRANSACT_ITEM_ACTIONS = {"Get": "dynamodb:GetItem", "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
                          "Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}

Resource = tuple[str, str]  # ("table", name) or ("bucket", name)


def iam_actions(service: str, signing_name: str, operation: str, params: dict) -> set[tuple[str, Resource | None]]:
    """The IAM actions one API call needs, each with the table or bucket it applies to (None for others)."""
    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return {(_TRANSACT_ITEM_ACTIONS[kind], ("table", body["TableName"]))
                    for item in params.get("TransactItems", []) for kind, body in item.items()}
        tables = list(params.get("RequestItems", {})) or [params.get("TableName")]
        return {(f"dynamodb:{operation}", ("table", t) if t else None) for t in tables}
    bucket = ("bucket", params["Bucket"]) if service == "s3" and "Bucket" in params else None
    calls = {(action, bucket) for action in _RENAMED.get((service, operation), (f"{signing_name}:{operation}",))}
    if (service, operation) == ("s3", "CopyObject"):
        source = params["CopySource"]
        source = source["Bucket"] if isinstance(source, dict) else unquote(source).lstrip("/").split("/", 1)[0]
        calls.add(("s3:GetObject", ("bucket", source)))
    if (service, operation) == ("sesv2", "SendEmail") and "Raw" in (params.get("Content") or {}):
        # The reference lists only ses:SendEmail for SES v2, yet IAM is reported to evaluate the v1 action
        # ses:SendRawEmail for raw content (denials name it): a raw send needs both.
        calls.add(("ses:SendRawEmail", None))
    return calls


class ThreadRoutedStream(io.TextIOBase):
    """sys.stdout replacement: what a function prints goes to that function's log, the rest to the terminal."""

    def __init__(self, fallback):
        self.fallback = fallback
        self.local = threading.local()

    def write(self, text: str) -> int:
        sink = getattr(self.local, "sink", None)
        return (sink or self.fallback).write(text)

    def flush(self) -> None:
        sink = getattr(self.local, "sink", None)
        (sink or self.fallback).flush()


@dataclass
class Fault:
    """A fault the router injects into a function's next invocations from the state machine.

    kind "service": Lambda itself fails (HTTP 500 ServiceException; the state machine sees
    Lambda.ServiceException, which its Retry covers). kind "crash": the handler fails with `error_type`
    (not retried; caught into RecordFailure). kind "after": the handler runs, then `after(event)` runs.
    kind "bug": the handler runs with `target` ("module:attribute" in the function's process) replaced by
    `replacement` ("module:attribute", imported there), as if the code had that bug; however it is invoked.
    """

    kind: str
    times: int = 1
    error_type: str = "InjectedPermanentFault"
    after: object = None
    target: str = ""
    replacement: str = ""


@dataclass
class AwsFault:
    """An AWS error answer the router gives instead of moto's, at the HTTP level: boto3's own retries see it
    (each attempt uses one of `times`), then the adapters judge what is left, as they would on AWS.

    `operation` is "<service id>:<Operation>" as botocore names its events ("dynamodb:Query", "s3:GetObject",
    "sesv2:SendEmail", "kms:Sign", "sfn:SendTaskSuccess"). Only calls inside `function`'s invocations (and, if
    given, for `application_id`) are answered, by its execution environments; with no function, only calls from
    the thread that injected it, by the router.
    """

    operation: str
    code: str
    status: int = 400
    times: int = 1
    function: str | None = None
    application_id: str | None = None
    served: int = 0
    thread: int | None = None

    def answer(self, url: str) -> AWSResponse:
        self.served += 1
        return error_answer(url, self.operation, self.code, self.status)


@dataclass(frozen=True)
class Timing:
    """One invocation: seconds in the handler, and CPU seconds its thread used meanwhile."""

    wall_s: float
    cpu_s: float


@dataclass(frozen=True)
class Run:
    """One invocation in an execution environment: which process served it, when, and its INIT (None: warm)."""

    function: str
    environment: int  # the worker's process id
    started: float  # time.monotonic() in the router's process
    finished: float
    init_s: float | None
    outcome: str  # "ok", or the error type


class LambdaRouter:
    def __init__(self, *, region: str, account: str, log_dir: Path):
        self.region, self.account = region, account
        self.pools: dict[str, Pool] = {}
        self.timeouts: dict[str, float] = {}  # function -> seconds, in place of its declared timeout_s
        self.runs: list[Run] = []
        self._runs_lock = threading.Lock()
        # What the outside world does with the AWS calls of the environments (set by the sandbox).
        self.on_whatsapp = self.on_email = lambda _message: None
        self.rejecting = lambda: set()
        self.functions: dict[str, Function] = {f.name: f for f in FUNCTIONS}
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for log in self.log_dir.glob("*.log"):  # this sandbox's logs start empty
            log.write_text("")
        self.called_actions: dict[str, set[str]] = defaultdict(set)  # function -> IAM "prefix:Action"
        # function -> API calls by operation, "prefix:Operation" (what is billed; bench/cost.py prices these)
        self.call_counts: dict[str, Counter] = defaultdict(Counter)
        # function -> "prefix:Action" -> the tables and buckets it was called on, as ("table" | "bucket", name)
        self.called_on: dict[str, dict[str, set[Resource]]] = defaultdict(lambda: defaultdict(set))
        self.timings: dict[str, list[Timing]] = defaultdict(list)  # function -> one Timing per invocation
        self.invocations: dict[str, int] = defaultdict(int)
        self._modules: dict[str, object] = {}
        self.environments: dict[str, dict[str, str]] = {}  # function -> its environment (settings, Powertools)
        self._import_lock = threading.RLock()
        self._log_lock = threading.Lock()
        self._logs: dict[str, io.TextIOWrapper] = {}
        self._local = threading.local()
        self.stdout = ThreadRoutedStream(sys.stdout)
        self.faults: dict[str, list[Fault]] = defaultdict(list)
        self.aws_faults: list[AwsFault] = []
        self._aws_fault_lock = threading.Lock()  # not the invoke lock: every AWS call passes here

    # -- wiring ------------------------------------------------------------------------------------------
    def install(self, session) -> None:
        events = session._session.get_component("event_emitter") if hasattr(session, "_session") else session.events
        events.register_first("before-send.lambda.Invoke", self._on_invoke)
        events.register_first("before-send", self._on_send)
        # Calls are recorded where every client of every session passes (Powertools' idempotency layer makes
        # its own boto3 Session, which a hook on the default session would not see).
        original, record = BaseClient._make_api_call, self._record

        def make_api_call(client, operation_name, api_params):
            record(client.meta.service_model, operation_name, api_params)
            return original(client, operation_name, api_params)

        def unpatch():
            if BaseClient._make_api_call is make_api_call:
                BaseClient._make_api_call = original

        BaseClient._make_api_call = make_api_call
        self._unpatch = unpatch

    def configure(self, values: dict[str, str]) -> None:
        """The deployment's setting values: each declared function gets its own environment from them."""
        with self._import_lock:
            self.environments = {f.name: function_environment(f, values) for f in FUNCTIONS}
            for f in FUNCTIONS:
                self.recycle(f.name)

    def recycle(self, name: str) -> None:
        """Drop a function's warm environment: its next invocation starts it again (imports, reads settings)."""
        with self._import_lock:
            if name in self.environments:
                self._modules.pop(name, None)
            if name in self.pools:
                self.pools[name].recycle()

    @contextlib.contextmanager
    def timeout_changed(self, name: str, seconds: float):
        """Within the block, `name` times out after `seconds` instead of its declared timeout."""
        self.timeouts[name] = seconds
        try:
            yield
        finally:
            self.timeouts.pop(name, None)

    @contextlib.contextmanager
    def settings_changed(self, name: str, **values: str | None):
        """Within the block, `name` runs with these settings changed (None: left out), started afresh."""
        env = self.environments[name]
        saved = dict(env)
        for setting, value in values.items():
            if value is None:
                env.pop(setting, None)
            else:
                env[setting] = value
        self.recycle(name)
        try:
            yield
        finally:
            env.clear()
            env.update(saved)
            self.recycle(name)

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"

    def register(self, name: str, handler, *, memory_mb: int = 128) -> None:
        """Serve `name` (not a declared function) with `handler(event, context)`, invoked like the declared
        ones: same lock, same Lambda-shaped answers, same records. For the benchmarks' no-op stand-ins."""
        with self._import_lock:
            self.functions[name] = Function(name, "registered at run time", actions=(), memory_mb=memory_mb)
            self._modules[name] = types.SimpleNamespace(handler=handler)

    # -- invoking ----------------------------------------------------------------------------------------
    def invoke(self, name: str, event: dict):
        """Call a function's handler as Lambda would. Exceptions propagate to the caller (in an execution
        environment: a FunctionError with the error's type and message, or Throttled)."""
        if name in self.environments:  # a declared function: in its own execution environments
            return self._invoke_in_environment(name, event)
        function = self.functions[name]
        module = self._module(name)
        context = LambdaContext(name, function.memory_mb, self.arn(name), str(uuid.uuid4()),
                                time.monotonic() + self.timeouts.get(name, function.timeout_s))
        self._route_stdout()
        previous = getattr(self._local, "function", None)
        self._local.function = name
        self.stdout.local.sink = self._log(name)
        with self._runs_lock:
            self.invocations[name] += 1
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            return module.handler(event, context)
        finally:
            self.timings[name].append(Timing(time.perf_counter() - started, time.thread_time() - cpu_started))
            self._local.function = previous
            self.stdout.local.sink = self._log(previous) if previous else None

    def _invoke_in_environment(self, name: str, event: dict):
        function = self.functions[name]
        with self._runs_lock:
            pool = self.pools.setdefault(name, Pool(name, function.concurrency or CONCURRENCY))
        environment, generation = pool.take()  # a throttled invocation is not one (nor billed)
        with self._runs_lock:
            self.invocations[name] += 1
        request_id, served, init_s, init_error, faults, used = str(uuid.uuid4()), Served(), None, None, [], Counter()

        def effect(kind: str, what) -> None:  # told by the environment as it happens
            if kind == "call":
                self._count(name, *what)
            elif kind == "fault":
                used[what] += 1
            elif kind == "whatsapp":
                self.on_whatsapp(what)
            elif kind == "email":
                self.on_email(what)

        started = time.monotonic()
        try:
            if environment is None:
                environment = Environment(name, self.arn(name), runtime_environment(name, function.memory_mb, self.environments[name]),
                                          self.log_dir / f"{name}.log")
                init_s, init_error = environment.init(request_id)
            if init_error:
                served = Served(error=init_error)
            else:
                faults, bug = self._faults_for(name, event), self._next_fault(name, ("bug",))
                served = environment.serve({"event": event, "request_id": request_id,
                                            "timeout_s": self.timeouts.get(name, function.timeout_s),
                                            "bugs": [(bug.target, bug.replacement)] if bug else [],
                                            "aws_faults": [{"index": i, "operation": f.operation, "code": f.code,
                                                            "status": f.status, "times": times} for i, f, times in faults],
                                            "rejecting": sorted(self.rejecting())}, effect)
        finally:
            pool.give_back(environment, generation, served.healthy)
            self._settle(faults, used)
        finished = time.monotonic()
        if served.wall_s is not None:
            self.timings[name].append(Timing(served.wall_s, served.cpu_s))
        with self._runs_lock:
            self.runs.append(Run(name, environment.pid, started, finished, init_s,
                                 served.error.error_type if served.error else "ok"))
        if served.error:
            raise served.error
        return json.loads(served.payload)

    def _faults_for(self, name: str, event: dict) -> list[tuple[int, AwsFault, int]]:
        """The faults this invocation may answer, each with its whole remaining budget reserved for it, so that
        overlapping invocations never answer more than `times` between them (what it does not use comes back)."""
        reserved = []
        with self._aws_fault_lock:
            for i, fault in enumerate(self.aws_faults):
                if fault.times > 0 and fault.function == name and (
                        not fault.application_id or event.get("application_id") == fault.application_id):
                    reserved.append((i, fault, fault.times))
                    fault.times = 0
        return reserved

    def _settle(self, faults: list[tuple[int, AwsFault, int]], used: Counter) -> None:
        """What an invocation did not use of the fault budgets reserved for it goes back to them."""
        with self._aws_fault_lock:
            for index, fault, reserved in faults:
                fault.times, fault.served = fault.times + reserved - used[index], fault.served + used[index]

    def environment_memory(self) -> dict[str, list[float]]:
        """Each function's idle environments' peak memory in MB (VmHWM), largest first."""
        found = {}
        for name, pool in list(self.pools.items()):
            with pool.lock:
                idle = list(pool.idle)
            found[name] = sorted((mb for mb in (e.peak_rss_mb() for e in idle) if mb is not None), reverse=True)
        return found

    def environments_of(self, name: str) -> list[int]:
        """The process ids of a function's idle environments."""
        if name not in self.pools:
            return []
        with self.pools[name].lock:
            return [e.pid for e in self.pools[name].idle]

    def _route_stdout(self) -> None:
        """EMF metrics are print()ed: keep sys.stdout routed even if a test runner swapped it meanwhile."""
        if sys.stdout is not self.stdout:
            self.stdout.fallback = sys.stdout
            sys.stdout = self.stdout

    def inject(self, name: str, fault: Fault) -> None:
        self.faults[name].append(fault)

    def inject_aws(self, fault: AwsFault) -> AwsFault:
        """Answer the next `fault.times` matching AWS calls with `fault.code`; `fault.served` counts them."""
        if fault.function is None:
            fault.thread = threading.get_ident()
        with self._aws_fault_lock:
            self.aws_faults.append(fault)
        return fault

    def _on_send(self, request, event_name: str, **_):
        _, service, operation = event_name.split(".", 2)
        if not self.aws_faults:
            return None
        # Here only the faults of the thread that injected them: a function's are answered in its environments.
        with self._aws_fault_lock:
            for fault in self.aws_faults:
                if (fault.times > 0 and fault.function is None and fault.thread == threading.get_ident()
                        and fault.operation == f"{service}:{operation}"):
                    fault.times -= 1
                    return fault.answer(request.url)
        return None

    def _next_fault(self, name: str, kinds: tuple[str, ...] = ("service", "crash", "after")) -> Fault | None:
        with self._runs_lock:
            for fault in self.faults[name]:
                if fault.times > 0 and fault.kind in kinds:
                    fault.times -= 1
                    return fault
        return None

    def _on_invoke(self, request, **_):
        name = unquote(request.url.split("/functions/", 1)[1].split("/", 1)[0]).split(":")[-1]
        event = json.loads(request.body or b"{}")
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
        fault = self._next_fault(name)
        if fault and fault.kind == "service":
            body = json.dumps({"Type": "Service", "message": "injected Lambda service fault"}).encode()
            return AWSResponse(request.url, 500, {"x-amzn-ErrorType": "ServiceException", "x-amzn-RequestId": str(uuid.uuid4())}, Body(body))
        try:
            if fault and fault.kind == "crash":
                raise type(fault.error_type, (Exception,), {})("injected fault")
            payload = json.dumps(self.invoke(name, event))
            if fault and fault.kind == "after":
                fault.after(event)
        except Throttled:
            body = json.dumps({"Type": "User", "message": "Rate Exceeded.",
                               "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}).encode()
            return AWSResponse(request.url, 429, {"x-amzn-ErrorType": "TooManyRequestsException",
                                                  "x-amzn-RequestId": str(uuid.uuid4())}, Body(body))
        except FunctionError as error:  # the environment logged the handler's own error
            headers["X-Amz-Function-Error"] = "Unhandled"
            payload = json.dumps({"errorType": error.error_type, "errorMessage": error.message})
        except Exception as error:  # noqa: BLE001 - this is Lambda's own boundary
            self._log(name).write(json.dumps({"level": "ERROR", "errorType": type(error).__name__,
                                              "stackTrace": traceback.format_exc().splitlines()}) + "\n")
            headers["X-Amz-Function-Error"] = "Unhandled"
            payload = json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
        return AWSResponse(request.url, 200, headers, Body(payload.encode()))

    def _record(self, service_model, operation: str, params: dict) -> None:
        function = getattr(self._local, "function", None)
        if not function:  # the sandbox, a test actor, the admin command, moto's interpreter
            return
        self._count(function, service_model.service_name, service_model.signing_name, operation, params)

    def _count(self, function: str, service: str, signing_name: str, operation: str, params: dict) -> None:
        with self._runs_lock:
            self.call_counts[function][f"{signing_name}:{operation}"] += 1
            for action, resource in iam_actions(service, signing_name, operation, params):
                self.called_actions[function].add(action)
                if resource:
                    self.called_on[function][action].add(resource)

    def touched(self, name: str) -> set[Resource]:
        """The tables and buckets a function called anything on."""
        return set().union(*self.called_on.get(name, {}).values())

    def _module(self, name: str):
        with self._import_lock:
            if name not in self._modules:
                path = FUNCTIONS_DIR / name / "app.py"
                spec = importlib.util.spec_from_file_location(f"functions.{name}.app", path)
                module = importlib.util.module_from_spec(spec)
                with _environment(self.environments.get(name, {})):
                    spec.loader.exec_module(module)
                self._modules[name] = module
                # Powertools' log handler holds the stream it was created with: route it too.
                for handler in logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")).handlers:
                    if isinstance(handler, logging.StreamHandler):
                        handler.setStream(self.stdout)
            return self._modules[name]

    def _log(self, name: str):
        with self._log_lock:
            if name not in self._logs:
                # Appended to: a function's environments write to the same log (each process its own lines).
                self._logs[name] = open(self.log_dir / f"{name}.log", "a", encoding="utf-8", buffering=1)
            return self._logs[name]

    def close(self) -> None:
        for pool in self.pools.values():
            pool.recycle()
        if getattr(self, "_unpatch", None):
            self._unpatch()
        for log in self._logs.values():
            log.close()
        self._logs.clear()


@contextlib.contextmanager
def _environment(own: dict[str, str]):
    """While a function starts, the process environment holds its own settings and no other function's.

    Only the deployment's setting names are touched (the catalogue's, DECLARED_SETTINGS); what the Lambda
    runtime gives every function (region, credentials, the endpoint) stays.
    """
    from akta.config import CATALOGUE, DECLARED

    names = {*CATALOGUE, DECLARED}
    saved = {n: os.environ[n] for n in names if n in os.environ}
    for n in saved:
        del os.environ[n]
    os.environ.update(own)
    try:
        yield
    finally:
        for n in names:
            os.environ.pop(n, None)
        os.environ.update(saved)
