"""Lambda's execution environments for the sandbox's router: each is a worker process (sandbox/worker.py) that
imported one function with only its own environment and serves one invocation at a time.

A function gets as many environments as it has invocations in flight, up to its concurrency (the declaration's
`concurrency`, else CONCURRENCY); one more is throttled, as Lambda throttles. Idle environments are reused warm;
one idle for IDLE_SECONDS is ended at the function's next invocation, and all of them when the sandbox stops. An invocation past the function's timeout ends its environment and is answered
`Sandbox.Timedout`; a process that dies is answered `Runtime.ExitError`; a result over Lambda's 6 MB response
limit `Function.ResponseSizeTooLarge`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 10  # a function's environments at most, unless its declaration says otherwise
INIT_LIMIT = 10.0  # seconds Lambda gives INIT, apart from the function's timeout
IDLE_SECONDS = 300.0  # an environment idle this long is ended (Lambda keeps them for minutes)
RESPONSE_LIMIT = 6_291_556  # Lambda's synchronous response payload limit, in bytes, as its error message states it
# What the Lambda runtime gives every function besides its own settings, from the sandbox's process.
RUNTIME = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
           "AWS_ENDPOINT_URL", "PATH", "LANG", "TZ")


class Throttled(Exception):
    """Every environment the function may have is busy: Lambda answers 429 TooManyRequestsException."""


class FunctionError(Exception):
    """The invocation failed as Lambda reports it: an error type and message (the handler's, or the runtime's)."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type, self.message = error_type, message


@dataclass
class Served:
    """One invocation as Lambda answers it: the result's JSON, or the error; how long the handler ran."""

    payload: str | None = None
    error: FunctionError | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    healthy: bool = False  # the environment may serve again


class Environment:
    """One worker process; `init` once, then `serve` one invocation at a time. The worker imports
    functions/<name>/app.py, or `app` when given (the benchmarks' floor handler)."""

    def __init__(self, name: str, arn: str, environment: dict[str, str], log_path: Path, app: Path | None = None):
        ours, theirs = socket.socketpair()
        with open(log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sandbox.worker", str(theirs.fileno()), arn, *([str(app)] if app else [])],
                cwd=ROOT, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),))
        theirs.close()
        self.name, self.log_path, self.connection = name, log_path, Connection(ours.detach())
        self.used_at = time.monotonic()
        self.invocations = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    def init(self, request_id: str) -> tuple[float | None, FunctionError | None]:
        """INIT's seconds, and its error as Lambda answers the invocation that waited for it."""
        report = self._answer(INIT_LIMIT)
        if report is None:
            return None, FunctionError("Sandbox.Timedout", f"RequestId: {request_id} Error: INIT timed out after {INIT_LIMIT:.2f} seconds")
        if "died" in report:
            return None, FunctionError("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited during INIT")
        return report["init_s"], FunctionError(*report["error"]) if "error" in report else None

    def serve(self, request: dict, on_effect) -> Served:
        """One invocation (`request`: event, request_id, timeout_s and what the worker is to inject), answered as
        Lambda answers it. What its AWS calls do meanwhile goes to `on_effect(kind, what)` as it happens."""
        request_id, timeout = request["request_id"], request["timeout_s"]
        answer = self.invoke(request, timeout, on_effect)
        if answer is None:  # the runtime's log line, then its answer
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{request_id} Task timed out after {timeout:.2f} seconds\n")
            return Served(error=FunctionError("Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"))
        if "died" in answer:
            return Served(error=FunctionError("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: "
                                                                   f"exit status {answer['died']}"))
        served = Served(wall_s=answer["wall_s"], cpu_s=answer["cpu_s"], healthy=self.process.poll() is None)
        if "error" in answer:
            served.error = FunctionError(*answer["error"])
        elif len(answer["payload"].encode()) > RESPONSE_LIMIT:
            served.error = FunctionError("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed "
                                                                          f"payload size ({RESPONSE_LIMIT} bytes).")
        else:
            served.payload = answer["payload"]
        return served

    def _answer(self, timeout_s: float, on_effect=None) -> dict | None:
        deadline = time.monotonic() + timeout_s
        try:
            while self.connection.poll(max(0.0, deadline - time.monotonic())):
                message = self.connection.recv()
                if "effect" not in message:
                    return message
                on_effect(message["effect"], message["what"])
            return None
        except (EOFError, OSError):  # the process ended (or is ending) without an answer
            try:
                return {"died": self.process.wait(timeout=5)}
            except subprocess.TimeoutExpired:
                return {"died": None}

    def invoke(self, request: dict, timeout_s: float, on_effect) -> dict | None:
        """The worker's answer; None past the timeout; {"died": ...} when the process ended without one. What its
        AWS calls do meanwhile goes to `on_effect(kind, what)` as it happens."""
        self.invocations += 1
        try:
            self.connection.send(request)
        except OSError:
            return {"died": self.process.poll()}
        try:
            return self._answer(timeout_s, on_effect)
        finally:
            self.used_at = time.monotonic()

    def peak_rss_mb(self) -> float | None:
        """The process's peak resident memory so far (VmHWM), as Lambda's "Max Memory Used"; None once it ended."""
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
        except (OSError, StopIteration):
            return None

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.connection.close()


@dataclass
class Pool:
    """One function's environments: the idle ones, and how many are busy."""

    name: str
    limit: int
    idle: list[Environment] = field(default_factory=list)
    busy: int = 0
    generation: int = 0  # bumped when the function's configuration changes: older environments are not reused
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> tuple[Environment | None, int]:
        """An idle environment (None: start one), and the generation it is for. Throttled when all are busy."""
        with self.lock:
            stale = [e for e in self.idle if time.monotonic() - e.used_at > IDLE_SECONDS]
            self.idle = [e for e in self.idle if e not in stale]
            if self.busy >= self.limit:
                raise Throttled(self.name)
            self.busy += 1
            found, generation = (self.idle.pop() if self.idle else None), self.generation
        for environment in stale:
            environment.end()
        return found, generation

    def give_back(self, environment: Environment | None, generation: int, healthy: bool) -> None:
        with self.lock:
            self.busy -= 1
            keep = environment is not None and healthy and generation == self.generation
            if keep:
                self.idle.append(environment)
        if environment is not None and not keep:
            environment.end()

    def recycle(self) -> None:
        """End the idle environments; busy ones end when they finish."""
        with self.lock:
            self.generation += 1
            idle, self.idle = self.idle, []
        for environment in idle:
            environment.end()


def runtime_environment(name: str, memory_mb: int, own: dict[str, str]) -> dict[str, str]:
    """A worker's whole environment: the function's own, and what Lambda's runtime sets."""
    runtime = {k: os.environ[k] for k in RUNTIME if k in os.environ}
    return {**runtime, **own, "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": f"{ROOT / 'layers' / 'shared' / 'python'}{os.pathsep}{ROOT}"}
