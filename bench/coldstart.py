"""Measures 1 and 2: cold start and peak memory of each handler, against a floor handler.

Each sample is a new execution environment, the sandbox's own (sandbox/environments.py): a fresh worker process
with only the function's declared environment and the runtime's, whose INIT imports functions/<name>/app.py and
which then serves one representative event against the running sandbox's moto; the sample is INIT's seconds plus
that first invocation's, and the process's peak memory. Events are real: built from applications taken through
the real flow. Functions and the floor take turns, so a slower moment of this shared machine falls on all of
them alike.

Where a start goes (one more start each) is an accounting, not a sample: bench/child.py, a plain interpreter
with botocore's client building and calls timed; WhatsApp, which moto lacks, is answered there by a small local
endpoint (AWS_ENDPOINT_URL_SOCIALMESSAGING), as the environments answer it themselves.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from boto3.dynamodb.conditions import Key

from akta.adapters.aws import all_items, table
from infra.declaration import FUNCTIONS, FUNCTIONS_DIR, POWERTOOLS, ROUTES, function
from sandbox.aws import ACCOUNT, DEMO_FACILITY, REGION
from sandbox.environments import Environment, runtime_environment

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "bench" / "child.py"
FLOOR = ROOT / "bench" / "floor" / "app.py"
FLOOR_MEMORY_MB = 128
BENCH_TOKEN = "bench-task-token"  # a task token no execution waits on: answering it is refused (TaskGone)

# Targets, as ratios to the floor: API handlers (behind a route), the certificate issuer, every other step.
API_FUNCTIONS = {route.function for route in ROUTES}
ISSUER = "issue_certificate"


def target(name: str) -> tuple[str, float]:
    if name == ISSUER:
        return "certificate issuer", 3.0
    if name in API_FUNCTIONS:
        return "API handler", 1.5
    return "step handler", 1.2


# -- representative first events ----------------------------------------------------------------------------

class Events:
    """A fresh, representative first event for each function, made on the running sandbox.

    `completed` is an application taken through the whole SOP by the real flow: the steps after SIAK
    entry redo their work on it (issue, check, notify, complete...), which is what their first call does.
    """

    def __init__(self, world, hospital, mailroom, completed: str):
        self.world, self.hospital, self.mailroom, self.completed = world, hospital, mailroom, completed
        self.drafts: dict[str, str] = {}
        self._timeline = set(self._event_keys())  # the completed application's timeline, as the SOP left it

    def _event_keys(self) -> list[str]:
        table = self._applications()
        return [item["sk"] for item in all_items(
            table.query, ConsistentRead=True, ProjectionExpression="sk",
            KeyConditionExpression=Key("pk").eq(f"APP#{self.completed}") & Key("sk").begins_with("EVENT#"))]

    def _applications(self):
        return table(self.world.sandbox.settings["APPLICATIONS_TABLE"])

    def _as_completed(self) -> None:
        """Back to the timeline the SOP left: every sample's redone step adds events to it, and a finishing
        step reads it whole (the SLA measure), so over a run it would grow to hundreds of events."""
        table = self._applications()
        for sk in set(self._event_keys()) - self._timeline:
            table.delete_item(Key={"pk": f"APP#{self.completed}", "sk": sk})

    def _draft(self, purpose: str) -> str:
        """One uploaded, unsubmitted draft per purpose (a check, a return, a failure), made once."""
        if purpose not in self.drafts:
            self.drafts[purpose] = self.hospital.draft()
        return self.drafts[purpose]

    def make(self, name: str) -> dict | None:
        """The event for function `name` (a method of that name below), or None when none is defined."""
        maker = getattr(self, name, None) if not name.startswith("_") and name != "make" else None
        self._as_completed()
        return maker() if maker else None

    # step functions (called by the state machine)
    def completeness_check(self):
        return {"application_id": self._draft("check"), "attempt": 1}

    def return_to_hospital(self):
        return {"application_id": self._draft("return"), "task_token": BENCH_TOKEN}

    def human_task(self):
        return {"application_id": self.completed, "task_token": BENCH_TOKEN, "state": "EnterIntoSiak"}

    def escalate(self):
        return {"application_id": self.completed, "state": "EnterIntoSiak"}

    def issue_certificate(self):
        return {"application_id": self.completed}

    def release_check(self):
        return {"application_id": self.completed}

    def notify_applicant(self):
        return {"application_id": self.completed, "task_token": BENCH_TOKEN}

    def drive_thru(self):
        return {"application_id": self.completed, "task_token": BENCH_TOKEN, "delivery_outcome": "bounced"}

    def complete_application(self):
        return {"application_id": self.completed}

    def record_failure(self):
        return {"application_id": self._draft("failure"), "error": "InjectedPermanentFault"}

    # outside events
    def delivery_events(self):
        from akta.adapters.records import now
        from sandbox.outside import ses_event

        delivery_id = uuid.uuid4().hex  # the certificate message's: someone waits for its outcome
        self.world.sandbox.adapters.records.put_waiting(self.completed, "delivery", BENCH_TOKEN, now(), delivery_id=delivery_id)
        return ses_event(("Delivery", "Email Delivered"), str(uuid.uuid4()), "success@simulator.amazonses.com",
                         {"application_id": [self.completed], "delivery_id": [delivery_id]})

    def sla_sweeper(self):
        return {"source": "aws.events", "detail-type": "Scheduled Event", "time": datetime.now(timezone.utc).isoformat()}

    def facility_authorizer(self):
        return {"type": "TOKEN", "authorizationToken": f"Bearer {self.world.sandbox.facility_key}",
                "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:local/local/POST/v1/applications"}

    # API handlers (behind the gateway)
    def intake_api(self):
        from sandbox import samples

        return self._api("POST", "/v1/applications", json.dumps(samples.application()), "application/json",
                        authorizer={"facility_id": DEMO_FACILITY, "principalId": DEMO_FACILITY})

    def staff_pages(self):
        from akta.service import staff

        staff.start_task(self.world.sandbox.adapters, application_id=self.completed, task_token=BENCH_TOKEN, state="VerifyApplication")
        task = self._task("verifier", self.completed)
        return self._api("GET", urlsplit(task.link).path, cookie=self._session("verifier"))

    def counter_pages(self):
        from akta.service import delivery
        from sandbox.scenarios import pickup_code

        delivery.start_drive_thru(self.world.sandbox.adapters, self.completed, BENCH_TOKEN, "bounced")
        number = self._whatsapp_number()
        code = pickup_code(self.world, number, self.completed)
        body = f"counter_key={self.world.sandbox.counter_key}&pickup_code={code}"
        return self._api("POST", "/counter/lookup", body, "application/x-www-form-urlencoded", cookie=self._session("drive_thru"))

    def supervisor_pages(self):
        # The console with every waiting task, its heaviest page, for the signed-in supervisor.
        return self._api("GET", "/supervisor", cookie=self._session("supervisor"))

    def staff_sign_in(self):
        # The start of a sign-in: the PKCE pair, the state cookie, the redirect to the login page.
        return self._api("GET", "/auth/sign-in", query={"next": "/supervisor"})

    def verify_pages(self):
        certificate_id = self.world.sandbox.adapters.records.get(self.completed)["certificate"]["certificate_id"]
        return self._api("GET", f"/verify/{certificate_id}")

    # helpers
    def _api(self, method: str, path: str, body: str | None = None, content_type: str | None = None,
            authorizer: dict | None = None, cookie: str | None = None, query: dict | None = None) -> dict:
        """An API Gateway proxy event, shaped by the sandbox's own gateway (`cookie`: a staff session's)."""
        from werkzeug.test import EnvironBuilder

        from akta.web.staff_session import SESSION_COOKIE

        gateway = self.world.gateway.gateway
        request = EnvironBuilder(method=method, path=path, data=body, content_type=content_type, query_string=query,
                                 headers={"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None,
                                 base_url=self.world.gateway.url).get_request()
        for route, pattern in gateway.routes:
            match = pattern.match(path)
            if match and route.method in ("ANY", method):
                event = gateway.event(request, route, match.groupdict())
                if authorizer:
                    event["requestContext"]["authorizer"] = authorizer
                return event
        raise LookupError(f"no route for {method} {path}")

    def _session(self, role: str) -> str:
        """A signed-in staff member's session (an ID token of the sandbox's pool, after password and TOTP)."""
        from sandbox.aws import SANDBOX_STAFF

        return self.world.sandbox.staff_id_token(SANDBOX_STAFF[role]["staff_id"])

    def _task(self, role: str, application_id: str):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.mailroom.poll()
            found = self.mailroom.take(lambda t: t.role == role and t.application_id == application_id)
            if found:
                return found[-1]
            time.sleep(0.01)
        raise TimeoutError(f"no {role} link for {application_id}")

    def _whatsapp_number(self) -> str:
        messages = [m for m in self.world.sandbox.whatsapp.messages if m.parameters[:1] == [self.completed]]
        return messages[-1].to


# -- the WhatsApp endpoint the children call -------------------------------------------------------------------

class WhatsAppEndpoint:
    """AWS End User Messaging Social's SendWhatsAppMessage, answered locally for the child processes."""

    def __init__(self):
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Response

        def app(environ, start_response):
            body = json.dumps({"messageId": str(uuid.uuid4())})
            return Response(body, content_type="application/json")(environ, start_response)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


# -- measuring ---------------------------------------------------------------------------------------------------

@dataclass
class Sample:
    import_s: float
    invoke_s: float
    max_rss_kb: int
    status: int | None = None
    error: str | None = None
    aws: dict | None = None

    @property
    def total_s(self) -> float:
        return self.import_s + self.invoke_s

    @property
    def problem(self) -> str | None:
        if self.error:
            return self.error
        if self.status is not None and self.status >= 400:
            return f"answered HTTP {self.status}"
        return None


def cold_start(name: str, app: Path, event: dict, memory_mb: int, own: dict, log_dir: Path) -> Sample:
    """One start of a new execution environment: INIT, then the first invocation."""
    request_id = str(uuid.uuid4())
    environment = Environment(name, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
                              runtime_environment(name, memory_mb, own), log_dir / f"{name}.log", app=app)
    try:
        init_s, error = environment.init(request_id)
        if error:
            return Sample(init_s or 0.0, 0.0, 0, error=f"{error.error_type}: {error.message}"[:300])
        served = environment.serve({"event": event, "request_id": request_id, "timeout_s": 60}, lambda *_: None)
        peak_kb = int((environment.peak_rss_mb() or 0) * 1024)
    finally:
        environment.end()
    if served.error:
        return Sample(init_s, served.wall_s or 0.0, peak_kb, error=f"{served.error.error_type}: {served.error.message}"[:300])
    answer = json.loads(served.payload)
    return Sample(init_s, served.wall_s, peak_kb, status=answer.get("statusCode") if isinstance(answer, dict) else None)


def run_child(app: Path, event: dict, memory_mb: int, env: dict) -> Sample:
    """The accounting start (bench/child.py)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(event, f)
    try:
        done = subprocess.run([sys.executable, "-P", str(CHILD), str(app), f.name, str(memory_mb)],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(f.name)
    if done.returncode != 0 or not done.stdout.strip():
        return Sample(0.0, 0.0, 0, error=f"child exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return Sample(**json.loads(done.stdout.strip().splitlines()[-1]))


def measure(events: Events, runs: int, names: list[str], progress) -> dict:
    """Median cold start and peak memory per function, and of the floor, in `runs` new execution environments each."""
    # The stack ships the shared layer as bytecode (infra/layers.py); here the children would compile it from
    # source at every start when the environment says PYTHONDONTWRITEBYTECODE, so it is compiled once first.
    compileall.compile_dir(ROOT / "layers" / "shared" / "python", quiet=1)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-coldstart-"))
    whatsapp = WhatsAppEndpoint()
    from akta.config import CATALOGUE, DECLARED

    # The accounting child gets the Lambda-side environment only: its function's own settings, nothing of the others'.
    env = {k: v for k, v in os.environ.items() if k not in CATALOGUE and k != DECLARED}
    env |= {"PYTHONPATH": f"{ROOT / 'layers/shared/python'}{os.pathsep}{ROOT}", "AWS_ENDPOINT_URL_SOCIALMESSAGING": whatsapp.url}
    own = events.world.sandbox.router.environments
    floor_own = POWERTOOLS | {"APPLICATIONS_TABLE": events.world.sandbox.settings["APPLICATIONS_TABLE"]}
    floor_env = env | floor_own
    samples: dict[str, list[Sample]] = {name: [] for name in ["floor", *names]}
    unmeasured: dict[str, str] = {}
    accounted: dict[str, Sample] = {}
    try:
        step = 0
        for _ in range(runs):
            for name in samples:
                step += 1
                progress.show(step, f" {name}")
                if name in unmeasured:
                    continue
                try:
                    event = {} if name == "floor" else events.make(name)
                except Exception as error:  # noqa: BLE001 - the event could not be made: say so, measure the rest
                    unmeasured[name] = f"event not made: {type(error).__name__}: {error}"[:300]
                    continue
                if event is None:
                    unmeasured[name] = "no representative event defined in bench/coldstart.py"
                    continue
                if name == "floor":
                    samples[name].append(cold_start(name, FLOOR, event, FLOOR_MEMORY_MB, floor_own, log_dir))
                else:
                    samples[name].append(cold_start(name, FUNCTIONS_DIR / name / "app.py", event, function(name).memory_mb,
                                                    own[name], log_dir))
        # Where a start goes: one more start each, with botocore's client building and calls timed.
        for name in samples:
            if name in unmeasured:
                continue
            if name == "floor":
                accounted[name] = run_child(FLOOR, {}, FLOOR_MEMORY_MB, floor_env)
            else:
                accounted[name] = run_child(FUNCTIONS_DIR / name / "app.py", events.make(name), function(name).memory_mb,
                                            env | own[name])
    finally:
        whatsapp.stop()
        shutil.rmtree(log_dir, ignore_errors=True)
        progress.end()
    return summarise(samples, unmeasured, accounted)


def breakdown(sample: Sample | None) -> dict | None:
    """One accounted start: AWS clients built, AWS calls made, and the rest (imports, our code, Powertools)."""
    if not sample or sample.problem or not sample.aws:
        return None
    aws = sample.aws
    return {"clients": sum(aws["clients"].values()), "client_s": round(aws["client_s"], 4),
            "services": sorted(aws["clients"]), "calls": sum(count for count, _ in aws["calls"].values()), "call_s": round(aws["call_s"], 4),
            "operations": aws["calls"], "total_s": round(sample.total_s, 4),
            "rest_s": round(sample.total_s - aws["client_s"] - aws["call_s"], 4)}


def summarise(samples: dict[str, list[Sample]], unmeasured: dict[str, str], accounted: dict[str, Sample] | None = None) -> dict:
    accounted = accounted or {}
    floor = _medians(samples["floor"])
    floor_where = breakdown(accounted.get("floor"))
    functions = {}
    for name, taken in samples.items():
        if name == "floor":
            continue
        if name in unmeasured or not taken:
            functions[name] = {"measured": False, "why": unmeasured.get(name, "no sample")}
            continue
        medians = _medians(taken)
        kind, limit = target(name)
        ratio = medians["total_s"] / floor["total_s"] if floor["total_s"] else None
        declared = function(name).memory_mb
        functions[name] = {
            "measured": True, "kind": kind, **medians,
            "ratio": round(ratio, 2) if ratio else None, "target_ratio": limit,
            "met": bool(ratio and ratio <= limit),
            "memory_mb": medians["max_rss_mb"], "declared_mb": declared,
            "memory_share": round(medians["max_rss_mb"] / declared, 2),
            "problems": sorted({s.problem for s in taken if s.problem}),
        }
        if (where := breakdown(accounted.get(name))) and floor_where and floor["total_s"]:
            # The median start less the AWS work this function does beyond the floor's one client and one call.
            extra = (where["client_s"] - floor_where["client_s"]) + (where["call_s"] - floor_where["call_s"])
            functions[name]["where"] = where | {"ratio_aws_work_aside": round((medians["total_s"] - extra) / floor["total_s"], 2)}
    return {"runs": len(samples["floor"]), "floor": {**floor, "where": floor_where, "memory_mb_declared": FLOOR_MEMORY_MB,
                                                     "problems": sorted({s.problem for s in samples["floor"] if s.problem})},
            "functions": functions}


def _medians(taken: list[Sample]) -> dict:
    good = [s for s in taken if not s.error] or taken
    return {
        "import_s": round(statistics.median(s.import_s for s in good), 4),
        "invoke_s": round(statistics.median(s.invoke_s for s in good), 4),
        "total_s": round(statistics.median(s.total_s for s in good), 4),
        "max_rss_mb": round(statistics.median(s.max_rss_kb for s in good) / 1024, 1),
        "samples": len(good),
    }


def declared_names() -> list[str]:
    return [f.name for f in FUNCTIONS]
