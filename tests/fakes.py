"""In-memory fakes of the adapters (akta.service.ports), for unit tests of the service rules without moto.

Each fake keeps the guarantee the real adapter gets from a conditional write (a link used once, a token
taken once, an update only from given statuses) under one lock, so rules that rely on them can be raced.
tests/unit/test_ports.py holds fakes and real adapters to the same protocols; the flow tests run the same
rules on the real adapters against moto.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from akta.adapters.executions import TaskGone
from akta.adapters.mail import MailRejected
from akta.adapters.records import NOT_FOUND, STATUS_CONFLICT
from akta.adapters.tasks import FORM_PURPOSES, digest, new_link_id, new_pickup_code, normalise_pickup_code
from akta.config import Config
from akta.domain.documents import UploadedDocument
from akta.domain.errors import Conflict, NotFound, Refused
from akta.domain.timeline import TimelineEvent
from akta.web.id_token import StaffClaims, TokenRefused


class FakeRecords:
    def __init__(self):
        self.lock = threading.RLock()
        self.applications: dict[str, dict] = {}
        self.timeline: dict[str, list[TimelineEvent]] = {}
        self.waiting: dict[tuple[str, str], str] = {}
        self.children: dict[str, set[str]] = {}
        self.certificates: dict[str, dict] = {}
        self.people: dict[str, dict] = {}
        self.facility_items: dict[str, dict] = {}
        self.before_update = None  # a hook: called with the application id before each update (to race it)

    def create(self, application_id, *, facility_id, data, at):
        with self.lock:
            if application_id in self.applications:
                raise Conflict(STATUS_CONFLICT, application_id)
            self.applications[application_id] = {
                "application_id": application_id, "facility_id": facility_id, "status": "DRAFT", "attempt": 0,
                "data": copy.deepcopy(data), "created_at": at.isoformat(), "open_tasks": {}, "version": 1}

    def get(self, application_id):
        with self.lock:
            if application_id not in self.applications:
                raise NotFound(NOT_FOUND, application_id)
            return copy.deepcopy(self.applications[application_id])

    def update(self, application_id, *, expect_status=None, **fields):
        if self.before_update:
            self.before_update(application_id)
        with self.lock:
            current = self.applications.get(application_id)
            if current is None or (expect_status and current["status"] not in expect_status):
                raise Conflict(STATUS_CONFLICT, application_id)
            current.update(copy.deepcopy(fields))
            current["version"] += 1

    def append_event(self, application_id, event):
        with self.lock:
            self.timeline.setdefault(application_id, []).append(event)

    def events(self, application_id):
        with self.lock:
            return sorted(self.timeline.get(application_id, []), key=lambda e: e.at)

    def replace_open_task(self, application_id, state, task_key):
        with self.lock:
            tasks = self.applications[application_id]["open_tasks"]
            old, tasks[state] = tasks.get(state), task_key
            return old

    def same_child(self, application_id, key, previous_key):
        with self.lock:
            if previous_key and previous_key != key:
                self.children.get(previous_key, set()).discard(application_id)
            self.children.setdefault(key, set()).add(application_id)
            return sorted(self.children[key] - {application_id})

    def put_waiting(self, application_id, kind, task_token, at, delivery_id=None):
        with self.lock:
            self.waiting[(application_id, kind)] = (task_token, delivery_id)

    def take_waiting(self, application_id, kind, delivery_id=None):
        with self.lock:
            found = self.waiting.get((application_id, kind))
            if found is None or (delivery_id is not None and found[1] != delivery_id):
                return None
            return self.waiting.pop((application_id, kind))[0]

    def list_for_facility(self, facility_id, *, status, limit, after):
        with self.lock:
            items = sorted((a for a in self.applications.values() if a["facility_id"] == facility_id),
                           key=lambda a: a["created_at"], reverse=True)
        if after:
            items = items[[i["application_id"] for i in items].index(after["application_id"]) + 1:]
        page, rest = items[:limit], items[limit:]
        page = [i for i in page if not status or i["status"] == status]
        last = page and rest and {"application_id": page[-1]["application_id"]}
        return copy.deepcopy(page), last or None

    def put_certificate(self, certificate):
        with self.lock:
            self.certificates[certificate["certificate_id"]] = copy.deepcopy(certificate)

    def certificate(self, certificate_id):
        with self.lock:
            return copy.deepcopy(self.certificates.get(certificate_id))

    def revoke_certificate(self, certificate_id, revocation):
        with self.lock:
            found = self.certificates.get(certificate_id)
            if not found or found["status"] != "valid":
                return False
            found.update(status="revoked", revocation=revocation)
            return True

    def put_staff(self, person):
        with self.lock:
            self.people[person["staff_id"]] = copy.deepcopy(person)

    def staff_member(self, staff_id):
        with self.lock:
            return copy.deepcopy(self.people.get(staff_id))

    def staff(self):
        with self.lock:
            return copy.deepcopy(list(self.people.values()))

    def set_staff_fields(self, staff_id, **fields):
        with self.lock:
            if staff_id not in self.people:
                return False
            self.people[staff_id].update(fields)
            return True

    def reserve_pin_attempt(self, staff_id, *, at, limit, lockout_s):
        with self.lock:
            person = self.people.get(staff_id)
            if person is None:
                return None
            failures, last = int(person.get("pin_failures", 0)), int(person.get("pin_last_attempt") or 0)
            if failures >= limit:
                if last + lockout_s > at:
                    return None
                failures = 0  # the lock has expired
            person["pin_failures"], person["pin_last_attempt"] = failures + 1, at
            return failures + 1

    def put_facility(self, facility):
        with self.lock:
            self.facility_items[facility["facility_id"]] = copy.deepcopy(facility)

    def facility(self, facility_id):
        with self.lock:
            return copy.deepcopy(self.facility_items.get(facility_id))

    def facilities(self):
        with self.lock:
            return copy.deepcopy(list(self.facility_items.values()))


class FakeTasks:
    """Items keyed as the real table keys them (LINK#, PICKUP#, FORM#, ... over the secret's SHA-256)."""

    def __init__(self):
        self.lock = threading.RLock()
        self.items: dict[str, dict] = {}

    def _put(self, pk, **item):
        with self.lock:
            self.items[pk] = {"pk": pk, **item}

    def create_link(self, *, role, application_id, state, sop_step, task_token, assignee, at, ttl):
        link_id = new_link_id()
        key = f"LINK#{digest(link_id)}"
        self._put(key, kind="link", role=role, application_id=application_id, state=state, sop_step=sop_step,
                  task_token=task_token, assignee=copy.deepcopy(assignee), status="open", created_at=at.isoformat(),
                  expires_at=int((at + ttl).timestamp()))
        return link_id, key

    def link(self, link_id, at):
        return self._live(f"LINK#{digest(link_id)}", at)

    def open_link_at(self, key, at):
        return self._live(key, at)

    def pickup_at(self, key, at):
        return self._live(key, at)

    def decide_link(self, link_id, decision, at):
        return self._use(f"LINK#{digest(link_id)}", at, decision)

    def open_links(self):
        with self.lock:
            return [copy.deepcopy(i) for i in self.items.values() if i.get("kind") == "link" and i["status"] == "open"]

    def mark_reminded(self, key, at):
        with self.lock:
            item = self.items.get(key)
            if not item or "reminded_at" in item or item["status"] != "open":
                return False
            item["reminded_at"] = at.isoformat()
            return True

    def supersede(self, key, at, status="superseded"):
        with self.lock:
            item = self.items.get(key)
            if item and item["status"] == "open":
                item.update(status=status, decided_at=at.isoformat())
                return True
            return False

    def create_pickup(self, *, application_id, task_token, at, ttl):
        code = new_pickup_code()
        key = f"PICKUP#{digest(code)}"
        self._put(key, kind="pickup", application_id=application_id, task_token=task_token, status="open",
                  created_at=at.isoformat(), expires_at=int((at + ttl).timestamp()))
        return code, key

    def pickup(self, code, at):
        return self._live(f"PICKUP#{digest(normalise_pickup_code(code))}", at)

    def hand_over(self, pickup_hash, at):
        return self._use(pickup_hash, at, "handed_over")

    def create_counter_key(self, counter_id, name, at):
        key = f"counter-{counter_id}-{len(self.items)}"
        self._put(f"COUNTER#{digest(key)}", kind="counter", counter_id=counter_id, name=name, status="open")
        return key

    def counter(self, key):
        with self.lock:
            item = self.items.get(f"COUNTER#{digest(key)}")
            if not item or item["status"] != "open":
                raise Refused("counter_key")
            return copy.deepcopy(item)

    def create_api_key(self, facility_id, at):
        key = f"akf_fake{len(self.items):08d}"
        key_id = digest(key)[:12]
        self._put(f"APIKEY#{digest(key)}", kind="api_key", key_id=key_id, facility_id=facility_id, status="open",
                  created_at=at.isoformat())
        return key_id, key

    def api_key(self, key):
        with self.lock:
            item = self.items.get(f"APIKEY#{digest(key)}")
            return copy.deepcopy(item) if item and item["status"] == "open" else None

    def api_keys(self):
        with self.lock:
            return [copy.deepcopy(i) for i in self.items.values() if i.get("kind") == "api_key"]

    def revoke_api_key(self, key_id, at):
        found = [i for i in self.api_keys() if i["key_id"] == key_id and i["status"] == "open"]
        for item in found:
            self.supersede(item["pk"], at, status="revoked")
        return bool(found)

    def issue_form_token(self, purpose, subject, at, ttl=timedelta(hours=2), **extra):
        assert purpose in FORM_PURPOSES
        token = new_link_id()
        self._put(f"FORM#{digest(token)}", kind="form", purpose=purpose, subject=subject, status="open",
                  expires_at=int((at + ttl).timestamp()), **extra)
        return token

    def use_form_token(self, token, purpose, at, subject=None):
        with self.lock:
            item = self.items.get(f"FORM#{digest(token)}")
            if (not item or item.get("purpose") != purpose or (subject is not None and item["subject"] != subject)
                    or item["status"] != "open" or int(item["expires_at"]) <= int(at.timestamp())):
                raise Refused("form_token")  # another form's token is not used up
            item.update(status="used", decided_at=at.isoformat())
            return copy.deepcopy(item)

    def _live(self, pk, at):
        with self.lock:
            item = self.items.get(pk)
            if not item:
                raise Refused("unknown")
            if item["status"] == "superseded":
                raise Refused("superseded")
            if int(item["expires_at"]) <= at.timestamp():
                raise Refused("expired")
            if item["status"] != "open":
                raise Refused("used")
            return copy.deepcopy(item)

    def _use(self, pk, at, decision):
        with self.lock:
            item = self.items.get(pk)
            if not item or item["status"] != "open" or int(item["expires_at"]) <= int(at.timestamp()):
                raise Refused("used")
            item.update(status="used", decided_at=at.isoformat(), decision=decision)
            return copy.deepcopy(item)


class FakeArchive:
    def __init__(self):
        self.uploads: dict[str, UploadedDocument] = {}  # "<application id>/<kind>"
        self.archived: dict[str, list[str]] = {}
        self.certificates: dict[str, bytes] = {}
        self.revocations: dict[str, dict] = {}

    def upload(self, application_id, kind, data: bytes, content_type: str) -> None:
        """What a hospital's presigned POST would have put into the quarantine."""
        self.uploads[f"{application_id}/{kind}"] = UploadedDocument(kind, len(data), data[:16], content_type)

    def upload_slot(self, application_id, kind, content_type):
        from akta.adapters.archive import UploadSlot

        return UploadSlot(kind, "https://uploads.example/", {"key": f"applications/{application_id}/{kind}"})

    def uploaded(self, application_id):
        return {key.split("/", 1)[1]: doc for key, doc in self.uploads.items() if key.startswith(f"{application_id}/")}

    def archive_document(self, application_id, kind):
        self.archived.setdefault(application_id, []).append(kind)
        return f"applications/{application_id}/documents/{kind}"

    def archived_documents(self, application_id):
        return list(self.archived.get(application_id, []))

    def preview_url(self, application_id, kind, seconds=300):
        return f"https://archive.example/{application_id}/{kind}"

    def put_certificate(self, application_id, pdf):
        self.certificates[application_id] = pdf
        return f"applications/{application_id}/akta-kelahiran.pdf"

    def certificate(self, application_id):
        return self.certificates[application_id]

    def put_revocation(self, application_id, revocation):
        self.revocations[application_id] = revocation
        return f"applications/{application_id}/akta-kelahiran.revocation.json"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str
    application_id: str
    attachment: tuple[str, bytes] | None


class FakeMail:
    def __init__(self):
        self.sent: list[Mail] = []
        self.refuse: set[str] = set()  # addresses SES would reject at send time
        self.delivery_ids: list[str | None] = []  # the delivery id each message was tagged with

    def send(self, *, to, message, application_id, attachment=None, delivery_id=None):
        self.delivery_ids.append(delivery_id)
        if to in self.refuse:
            raise MailRejected(None, application_id)
        self.sent.append(Mail(to, message.subject, message.text, message.html, application_id, attachment))
        return f"message-{len(self.sent)}"


class FakeWhatsApp:
    def __init__(self):
        self.sent: list[tuple[str, str, dict]] = []

    def send_template(self, to, name, values):
        self.sent.append((to, name, dict(values)))
        return f"wamid-{len(self.sent)}"


class FakeExecutions:
    def __init__(self):
        self.lock = threading.Lock()
        self.inputs: dict[str, dict] = {}
        self.starts = 0  # calls, including repeats that started nothing

    def start(self, name, input):
        with self.lock:
            self.starts += 1
            if name in self.inputs and self.inputs[name] != input:
                raise Conflict("execution_already_exists", name)  # as Step Functions answers a changed input
            self.inputs.setdefault(name, input)

    def started(self, name):
        with self.lock:
            return name in self.inputs


class FakeCallbacks:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers: dict[str, dict] = {}  # task token -> output
        self.waiting: set[str] | None = None  # if set: only these tokens still wait

    def answer(self, task_token, output):
        with self.lock:
            if task_token in self.answers or (self.waiting is not None and task_token not in self.waiting):
                raise TaskGone()
            self.answers[task_token] = output

    def fail(self, task_token, error):
        self.answer(task_token, {"error": error})


class FakeSigner:
    def sign(self, pdf: bytes) -> bytes:
        return pdf


class FakeIdentity:
    """A user pool in memory: `sign_in` makes a code whose tokens name a person; tokens are opaque strings."""

    def __init__(self):
        self.codes: dict[str, tuple[str, dict]] = {}  # code -> (S256 challenge, tokens)
        self.claims: dict[str, StaffClaims] = {}  # id token -> its claims
        self.enrolled: set[str] = set()
        self.pending: dict[str, str] = {}  # access token -> username enrolling
        self._n = itertools.count()

    def person(self, username: str, *groups: str, totp: bool = True, lifetime_s: int = 3600) -> str:
        """An ID token for the person (and TOTP enrolled unless told otherwise)."""
        token = f"id-{username}-{next(self._n)}"
        self.claims[token] = StaffClaims(username, frozenset(groups), int(time.time()) + lifetime_s)
        if totp:
            self.enrolled.add(username)
        return token

    def code_for(self, id_token: str, code_challenge: str) -> str:
        code = f"code-{next(self._n)}"
        self.codes[code] = (code_challenge, {"id_token": id_token, "access_token": f"access-{id_token}"})
        return code

    def check(self, token: str) -> StaffClaims:
        if token not in self.claims:
            raise TokenRefused("signature")
        if self.claims[token].expires_at < time.time():
            raise TokenRefused("expired")
        return self.claims[token]

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        return f"https://login.example/oauth2/authorize?redirect_uri={redirect_uri}&state={state}&code_challenge={code_challenge}"

    def logout_url(self, *, logout_uri: str) -> str:
        return f"https://login.example/logout?logout_uri={logout_uri}"

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> dict:
        import base64
        import hashlib

        from akta.adapters.identity import SignInFailed

        challenge, tokens = self.codes.pop(code, (None, None))
        if challenge != base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode():
            raise SignInFailed("invalid_grant")
        return tokens

    def totp_enrolled(self, username: str) -> bool:
        return username in self.enrolled

    def start_totp(self, access_token: str) -> str:
        return "JBSWY3DPEHPK3PXP"

    def finish_totp(self, access_token: str, code: str) -> bool:
        if code != "123456":
            return False
        self.enrolled.add(self.claims[access_token.removeprefix("access-")].username)
        return True


DEFAULT_SETTINGS = {"PUBLIC_BASE_URL": "https://akta.example.go.id", "WAIT_TIMEOUTS": "{}",
                    "OFFICE_NAME": "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi", "OFFICE_CITY": "Jambi"}


@dataclass
class FakeAdapters:
    """Everything a service may reach, in memory. `tokens` hands out distinct task tokens."""

    config: Config = field(default_factory=lambda: Config.of(**DEFAULT_SETTINGS))
    records: FakeRecords = field(default_factory=FakeRecords)
    tasks: FakeTasks = field(default_factory=FakeTasks)
    archive: FakeArchive = field(default_factory=FakeArchive)
    mail: FakeMail = field(default_factory=FakeMail)
    whatsapp: FakeWhatsApp = field(default_factory=FakeWhatsApp)
    executions: FakeExecutions = field(default_factory=FakeExecutions)
    callbacks: FakeCallbacks = field(default_factory=FakeCallbacks)
    signer: FakeSigner = field(default_factory=FakeSigner)
    identity: FakeIdentity = field(default_factory=FakeIdentity)
    trust_roots: list[bytes] = field(default_factory=list)
    _tokens: itertools.count = field(default_factory=itertools.count)

    def token(self) -> str:
        return f"task-token-{next(self._tokens)}"


def at(text: str) -> datetime:
    """An instant in WIB, written as the office writes it: at("2026-12-01 09:00")."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Jakarta"))
