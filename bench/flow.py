"""The SOP end to end on the sandbox, played fast: the hospital over the HTTP API, the registry staff
answering each task email at once through its link (GET the page, POST the decision), the applicant's
mailbox answering through the SES mailbox simulator. Nothing is short-cut: it is the real flow.
"""

from __future__ import annotations

import email
import json
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import policy

import boto3

from akta.domain.models import jakarta_today
from akta.domain.waits import STAFF_ROLES
from sandbox import samples
from sandbox.actors import form_token
from sandbox.aws import ACCOUNT, REGION, SANDBOX_STAFF

STAFF_LINK = re.compile(r"(https?://\S+/staff/tasks/[\w-]+)")
APPLICATION_ID = re.compile(r"AK\d{8}-[0-9A-Z]{8}")
CERTIFICATE_ATTACHMENT = re.compile(r"akta-kelahiran-(AK\d{8}-[0-9A-Z]{8})\.pdf")  # the PDF's file name
APPLICANT = "success@simulator.amazonses.com"  # SES's mailbox simulator: a Delivery event follows
NOTICE_TEMPLATE = "akta_kelahiran_terbit"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sandbox-sfn"


class Progress:
    """One counter line, rewritten in place."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.started = label, total, time.perf_counter()

    def show(self, done: int, extra: str = "") -> None:
        elapsed = time.perf_counter() - self.started
        sys.stderr.write(f"\r  {self.label}: {done}/{self.total} ({elapsed:.1f} s){extra}   ")
        sys.stderr.flush()

    def end(self) -> None:
        sys.stderr.write("\n")


# -- mail ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    raw: str

    def text(self) -> str:
        body = email.message_from_string(self.raw, policy=policy.default).get_body(("plain",))
        return body.get_content() if body else ""


class Inbox:
    """What moto's SES accepted from now on, read as it arrives: each message once.

    (The sandbox's Mailbox parses every message ever sent on each look, too slow for hundreds.)
    """

    def __init__(self):
        from moto.ses.models import ses_backends

        self._messages = ses_backends[ACCOUNT][REGION].sent_messages
        self._read = len(self._messages)

    def new(self) -> list[Mail]:
        fresh = self._messages[self._read:]
        self._read += len(fresh)
        return [Mail(tuple(m.destinations), m.raw_data) for m in fresh if getattr(m, "raw_data", None)]


# -- the people ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Task:
    role: str
    application_id: str
    link: str


class Desk:
    """The registry staff (operator, verifier, head of office), each signed in once, approving every task they
    are sent."""

    def __init__(self, world):
        self.world = world
        self.roles = {person["email"]: role for role, person in SANDBOX_STAFF.items()}
        self.people = {"operator": world.operator, "verifier": world.verifier, "head": world.head}

    def task(self, mail: Mail) -> Task | None:
        role = next((self.roles[to] for to in mail.to if to in self.roles), None)
        if role not in STAFF_ROLES:
            return None
        text = mail.text()
        link, application = STAFF_LINK.search(text), APPLICATION_ID.search(text)
        return Task(role, application.group(0), link.group(1)) if link and application else None

    def open(self, task: Task) -> str:
        """GET the page; its one-time form token."""
        page = self.people[task.role].open(task.link)  # signs in on the first page only
        page.raise_for_status()
        return form_token(page.text)

    def fields(self, task: Task) -> dict:
        if task.role == "operator":  # SOP 4: the number SIAK gave, typed into the page
            return {"decision": "registered", "registration_number": self.world.sandbox.siak.register(on=jakarta_today(), late=False)}
        if task.role == "head":  # the head signs with the personal PIN
            return {"decision": "approve", "pin": self.world.head.pin}
        return {"decision": "approve"}

    def post(self, task: Task, form_token: str) -> None:
        answer = self.people[task.role].post(task.link, {"form_token": form_token, **self.fields(task)})
        answer.raise_for_status()

    def decide(self, task: Task) -> None:
        self.post(task, self.open(task))


class Mailroom:
    """Sorts new mail as it arrives: staff tasks, and the applicants' emails carrying their certificate."""

    def __init__(self, desk: Desk):
        self.inbox, self.desk = Inbox(), desk
        self.tasks: list[Task] = []
        self.certificates: set[str] = set()  # application ids whose certificate email SES accepted

    def poll(self) -> None:
        for mail in self.inbox.new():
            if APPLICANT in mail.to:
                if found := CERTIFICATE_ATTACHMENT.search(mail.raw):
                    self.certificates.add(found.group(1))
            elif task := self.desk.task(mail):
                self.tasks.append(task)

    def take(self, wanted) -> list[Task]:
        """Remove and return the pending tasks that `wanted(task)` selects."""
        taken = [task for task in self.tasks if wanted(task)]
        self.tasks = [task for task in self.tasks if task not in taken]
        return taken


class Hospital:
    """Drafts with every required document uploaded (presigned POSTs to S3), ready to submit."""

    def __init__(self, world):
        self.world = world
        self._documents: dict = {}
        self.uploads = 0  # presigned POSTs sent straight to S3 (each an S3 PUT-class request)

    def draft(self) -> str:
        payload = samples.application(email=APPLICANT, whatsapp="0812-7000-0001")
        draft = self.world.hospital.create(payload)
        kinds = [d["kind"] for d in draft["required_documents"]]
        missing = [k for k in kinds if k not in self._documents]
        if missing:  # small real files, made once and sent for every application
            self._documents.update(samples.documents_for(missing))
        self.world.hospital.upload(draft["application_id"], {k: self._documents[k] for k in kinds})
        self.uploads += len(kinds)
        return draft["application_id"]

    def drafts(self, n: int, label: str) -> list[str]:
        progress = Progress(label, n)
        ids = []
        for i in range(n):
            ids.append(self.draft())
            progress.show(i + 1)
        progress.end()
        return ids


# -- waiting for executions ------------------------------------------------------------------------------

def finished(sfn, machine_arn: str, names: set[str]) -> dict[str, str]:
    """Status of each named execution that is no longer running."""
    done = {}
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine_arn, PaginationConfig={"PageSize": 1000}):
        for execution in page["executions"]:
            if execution["name"] in names and execution["status"] != "RUNNING":
                done[execution["name"]] = execution["status"]
    return done


def wait_all(sfn, machine_arn: str, names: set[str], progress: Progress, timeout: float, errors: list) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        done = finished(sfn, machine_arn, names)
        failed = sum(1 for status in done.values() if status != "SUCCEEDED")
        progress.show(len(done), f", {failed} not succeeded" if failed else "")
        if len(done) == len(names) or errors:
            return done
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(names) - len(done)} executions still running after {timeout:.0f} s")
        time.sleep(0.2)


@dataclass
class Run:
    label: str
    n: int
    seconds: float
    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.n / self.seconds

    @property
    def succeeded(self) -> int:
        return sum(1 for status in self.statuses.values() if status == "SUCCEEDED")

    def as_dict(self) -> dict:
        return {"n": self.n, "seconds": round(self.seconds, 3), "applications_per_second": round(self.per_second, 3),
                "succeeded": self.succeeded, "errors": self.errors[:5]}


# -- measure 3: throughput ---------------------------------------------------------------------------------

def real_flow(world, ids: list[str], timeout: float) -> Run:
    """The drafts submitted over the API; every staff task answered as soon as its email arrives."""
    n = len(ids)
    wanted, names = set(ids), {f"{i}-1" for i in ids}
    desk, errors = Desk(world), []
    mailroom = Mailroom(desk)
    stop = threading.Event()

    def staff_at_their_desks(pool):
        while not stop.is_set():
            mailroom.poll()
            for task in mailroom.take(lambda t: t.application_id in wanted):
                pool.submit(_guarded, desk.decide, task, errors=errors)
            time.sleep(0.02)

    def submit_all():
        for application_id in ids:
            _guarded(world.hospital.submit, application_id, errors=errors)

    progress = Progress("real flow (API submit -> completed)", n)
    with ThreadPoolExecutor(max_workers=4) as pool:
        watcher = threading.Thread(target=staff_at_their_desks, args=(pool,), daemon=True)
        watcher.start()
        started = time.perf_counter()
        threading.Thread(target=submit_all, daemon=True).start()
        try:
            statuses = wait_all(_sfn(), world.sandbox.state_machine_arn, names, progress, timeout, errors)
        finally:
            seconds = time.perf_counter() - started
            stop.set()
            watcher.join()
            progress.end()
    return Run("real", n, seconds, statuses, errors)


def engine_run(world, label: str, name: str, definition: dict, n: int, timeout: float) -> Run:
    """N executions of a generated machine, started straight away (no API, no people)."""
    from akta.service.intake import wait_timeouts

    sfn = _sfn()
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE_ARN)["stateMachineArn"]
    names = [f"{name}-{i}" for i in range(n)]
    errors: list = []

    def start_all():
        for execution in names:
            payload = {"application_id": execution, "attempt": 1, "timeouts": wait_timeouts(world.sandbox.adapters)}
            _guarded(lambda: sfn.start_execution(stateMachineArn=arn, name=execution, input=json.dumps(payload)),
                     errors=errors)

    progress = Progress(label, n)
    started = time.perf_counter()
    threading.Thread(target=start_all, daemon=True).start()
    try:
        statuses = wait_all(sfn, arn, set(names), progress, timeout, errors)
    finally:
        seconds = time.perf_counter() - started
        progress.end()
    return Run(label, n, seconds, statuses, errors)


# -- measure 4: the automated tail -------------------------------------------------------------------------

@dataclass
class Tail:
    application_id: str
    seconds: float  # the head's POST sent -> both notices sent
    email_s: float
    whatsapp_s: float


def sequential_pass(world, hospital: Hospital, count: int, timeout: float = 60.0, label: str = "") -> list[Tail]:
    """One application at a time through the whole SOP; times the head's approval -> the notices."""
    desk, sfn = Desk(world), _sfn()
    mailroom = Mailroom(desk)
    outbox = world.sandbox.whatsapp.messages
    tails = []
    progress = Progress(label or "sequential pass", count)
    for i in range(count):
        application_id = hospital.draft()
        world.hospital.submit(application_id)
        for role in ("operator", "verifier"):
            desk.decide(_wait_task(mailroom, role, application_id, timeout))
        head = _wait_task(mailroom, "head", application_id, timeout)
        form_token = desk.open(head)
        seen_messages = len(outbox)
        started = time.perf_counter()
        desk.post(head, form_token)
        email_at = whatsapp_at = None
        deadline = time.monotonic() + timeout
        while email_at is None or whatsapp_at is None:
            now = time.perf_counter()
            mailroom.poll()
            if email_at is None and application_id in mailroom.certificates:
                email_at = now
            if whatsapp_at is None and any(m.template == NOTICE_TEMPLATE and m.parameters[:1] == [application_id]
                                           for m in outbox[seen_messages:]):
                whatsapp_at = now
            if time.monotonic() > deadline:
                raise TimeoutError(f"no notices for {application_id} within {timeout:.0f} s")
            time.sleep(0.005)
        tails.append(Tail(application_id, max(email_at, whatsapp_at) - started, email_at - started, whatsapp_at - started))
        _wait_succeeded(sfn, world.sandbox.execution(application_id), timeout)
        progress.show(i + 1)
    progress.end()
    return tails


def _wait_task(mailroom: Mailroom, role: str, application_id: str, timeout: float) -> Task:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mailroom.poll()
        found = mailroom.take(lambda t: t.role == role and t.application_id == application_id)
        if found:
            return found[0]
        time.sleep(0.01)
    raise TimeoutError(f"no {role} task email for {application_id} within {timeout:.0f} s")


def _wait_succeeded(sfn, execution_arn: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (status := sfn.describe_execution(executionArn=execution_arn)["status"]) == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still running after {timeout:.0f} s")
        time.sleep(0.02)
    if status != "SUCCEEDED":
        raise RuntimeError(f"{execution_arn} ended {status}")


def _guarded(call, *args, errors: list):
    try:
        return call(*args)
    except Exception as error:  # noqa: BLE001 - collected and reported; the run goes on
        errors.append(f"{type(error).__name__}: {error}"[:300])


def _sfn():
    return boto3.client("stepfunctions")
