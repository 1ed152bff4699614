"""Where one cold start goes, in a fresh interpreter: import a handler module, then serve one event, with
botocore's client building and AWS calls timed.

    python bench/child.py <path/to/app.py> <event.json> <memory_mb>

Prints one JSON line: import and first-invocation seconds, peak RSS (VmHWM), the answer's status, and how much of
the start went to building AWS clients and to AWS calls. botocore is imported before the measured import, so
this start is an accounting, not a sample: the samples are the sandbox's own execution environments
(bench/coldstart.py). The handler's own output (logs, EMF metrics) goes to /dev/null, as it would go to
CloudWatch rather than to the caller.

With BENCH_PROFILE=<dir> in the environment the import and the invocation run under cProfile and the
profile is written to <dir>/<function>-<pid>.prof.
"""

import importlib.util
import json
import os
import resource
import sys
import time
import uuid

from sandbox.lambda_context import LambdaContext  # standard library only


def peak_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Accounting:
    """Seconds spent in botocore building clients and making calls, counted per service."""

    def __init__(self):
        import botocore.client
        import botocore.session

        self.clients: dict[str, int] = {}
        self.calls: dict[str, tuple[int, float]] = {}  # operation: (count, seconds)
        self.client_s = self.call_s = 0.0
        create_client, make_api_call = botocore.session.Session.create_client, botocore.client.BaseClient._make_api_call

        def timed_create_client(session, service_name, *args, **kwargs):
            started = time.perf_counter()
            try:
                return create_client(session, service_name, *args, **kwargs)
            finally:
                self.client_s += time.perf_counter() - started
                self.clients[service_name] = self.clients.get(service_name, 0) + 1

        def timed_call(client, operation, params):
            started = time.perf_counter()
            try:
                return make_api_call(client, operation, params)
            finally:
                took = time.perf_counter() - started
                self.call_s += took
                name = f"{client.meta.service_model.service_name}:{operation}"
                count, seconds = self.calls.get(name, (0, 0.0))
                self.calls[name] = (count + 1, round(seconds + took, 4))

        botocore.session.Session.create_client = timed_create_client
        botocore.client.BaseClient._make_api_call = timed_call

    def as_dict(self) -> dict:
        return {"clients": self.clients, "client_s": self.client_s, "calls": self.calls, "call_s": self.call_s}


def main() -> None:
    path, event_path, memory_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    result_out, sys.stdout = sys.stdout, open(os.devnull, "w")

    accounting = Accounting()
    profiling = os.environ.get("BENCH_PROFILE")
    if profiling:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    imported = time.perf_counter()
    # After the measured import: the sandbox's bridge over a moto strictness (sandbox/moto_quirks.py).
    import boto3

    from sandbox import moto_quirks

    moto_quirks.install(boto3._get_default_session().events)
    error, status = None, None
    try:
        name = os.path.basename(os.path.dirname(path))
        context = LambdaContext(name, memory_mb, f"arn:aws:lambda:ap-southeast-3:123456789012:function:{name}",
                                str(uuid.uuid4()), time.monotonic() + 15)
        answer = module.handler(event, context)
        status = answer.get("statusCode") if isinstance(answer, dict) else None
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which marks the sample
        error = f"{type(exc).__name__}: {exc}"[:300]
    finished = time.perf_counter()
    if profiling:
        profiler.disable()
        name = os.path.basename(os.path.dirname(path))
        profiler.dump_stats(os.path.join(profiling, f"{name}-{os.getpid()}.prof"))

    print(json.dumps({
        "import_s": imported - started,
        "invoke_s": finished - imported,
        "max_rss_kb": peak_rss_kb(),
        "status": status,
        "error": error,
        "aws": accounting.as_dict(),
    }), file=result_out)


if __name__ == "__main__":
    main()
