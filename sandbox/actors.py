"""Scripted people for the demo and the flow tests, acting only through what real people have:
the hospital through the HTTP API and S3 presigned POSTs, staff through the links in their email and their
own sign-in (password and TOTP at the office's login page), the counter through its page."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from akta.domain.models import is_late_registration, jakarta_today
from sandbox.outside import Mailbox, Siak

_LINK = re.compile(r"(https?://\S+/staff/tasks/[\w-]+)")
_TOTP_SECRET = re.compile(r'id="totp-secret">([A-Za-z2-7=]+)<')


@dataclass
class Form:
    """A form as a browser sees it: where it posts, what its hidden inputs send, which controls it has."""

    action: str | None
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    controls: set[str] = field(default_factory=set)  # names of its inputs, selects, textareas and buttons


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.attributes: list[dict[str, str]] = []  # every element's attributes, in page order

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.attributes.append(attributes)
        if tag == "form":
            self.forms.append(Form(attributes.get("action"), attributes.get("method", "get").lower()))
        elif tag in ("input", "select", "textarea", "button") and self.forms and attributes.get("name"):
            form = self.forms[-1]
            form.controls.add(attributes["name"])
            if tag == "input" and attributes.get("type") == "hidden":
                form.hidden[attributes["name"]] = attributes.get("value", "")


def _read(page: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(page)
    reader.close()
    return reader


def forms(page: str) -> list[Form]:
    return _read(page).forms


def attribute_values(page: str, name: str) -> list[str]:
    """The values of one attribute (e.g. `data-state`) on the page's elements, in page order."""
    return [attributes[name] for attributes in _read(page).attributes if name in attributes]


def form_with_any(page: str) -> Form:
    """All the page's forms' controls together (to tell which kind of page it is)."""
    found = forms(page)
    return Form(None, "post", {k: v for f in found for k, v in f.hidden.items()}, {c for f in found for c in f.controls})


def form_with(page: str, control: str) -> Form:
    """The page's form that has this control (e.g. its one-time `form_token`)."""
    found = [f for f in forms(page) if control in f.controls]
    if not found:
        raise AssertionError(f"the page has no form with a {control!r} field")
    return found[0]


def form_token(page: str) -> str:
    """The one-time form token a staff, counter or supervisor page rendered (its POST must carry it)."""
    return form_with(page, "form_token").hidden["form_token"]


def filled(form: Form, **fields: str) -> dict[str, str]:
    """What submitting the form sends: its hidden inputs and the fields a person filled in, each of which
    must be one of the form's controls (a page that lost its PIN field fails here, not at the server)."""
    unknown = set(fields) - form.controls
    if unknown:
        raise AssertionError(f"the form has no field {', '.join(sorted(unknown))}")
    return {**form.hidden, **fields}


class HttpError(AssertionError):
    def __init__(self, response: requests.Response):
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}")
        self.response = response


def _ok(response: requests.Response) -> requests.Response:
    if response.status_code >= 400:
        raise HttpError(response)
    return response


@dataclass
class Hospital:
    base_url: str
    key: str  # the facility's API key
    sent: list = field(default_factory=list)  # every application payload sent, for personal-data scans

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    def create(self, payload: dict) -> dict:
        self.sent.append(payload)
        return _ok(requests.post(f"{self.base_url}/v1/applications", json=payload, headers=self.headers, timeout=30)).json()

    def update(self, application_id: str, payload: dict) -> dict:
        self.sent.append(payload)
        return _ok(requests.put(f"{self.base_url}/v1/applications/{application_id}", json=payload, headers=self.headers, timeout=30)).json()

    def upload(self, application_id: str, documents: dict[str, tuple[bytes, str]]) -> None:
        """Ask for one presigned POST per document, then send each file straight to S3."""
        slots = _ok(requests.post(
            f"{self.base_url}/v1/applications/{application_id}/uploads",
            json={"documents": {kind: ctype for kind, (_, ctype) in documents.items()}}, headers=self.headers, timeout=30,
        )).json()["uploads"]
        for slot in slots:
            data, content_type = documents[slot["kind"]]
            _ok(requests.post(slot["url"], data=slot["fields"], files={"file": (slot["kind"], data, content_type)}, timeout=30))
        # As the hospital page does: ask the office what actually landed in the quarantine.
        _ok(requests.post(f"{self.base_url}/v1/applications/{application_id}/uploads/confirm", headers=self.headers, timeout=30))

    def submit(self, application_id: str, idempotency_key: str | None = None) -> dict:
        return self._once("submit", application_id, idempotency_key)

    def resubmit(self, application_id: str, idempotency_key: str | None = None) -> dict:
        return self._once("resubmit", application_id, idempotency_key)

    def _once(self, action: str, application_id: str, idempotency_key: str | None) -> dict:
        headers = {**self.headers, "Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        return _ok(requests.post(f"{self.base_url}/v1/applications/{application_id}/{action}", headers=headers, timeout=30)).json()

    def status(self, application_id: str) -> dict:
        return _ok(requests.get(f"{self.base_url}/v1/applications/{application_id}", headers=self.headers, timeout=30)).json()

    def wait_for_status(self, application_id: str, *statuses: str, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            current = self.status(application_id)
            if current["status"] in statuses:
                return current
            if time.monotonic() > deadline:
                raise TimeoutError(f"{application_id} is {current['status']}, not {statuses}")
            time.sleep(0.05)


class _LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """As browsers treat them: http://127.0.0.1 and http://localhost are secure origins, so a Secure cookie
    set there is sent back there (http.cookiejar alone sends Secure cookies over https only)."""

    def return_ok_secure(self, cookie, request):
        return (urlsplit(request.get_full_url()).hostname in ("127.0.0.1", "localhost")
                or super().return_ok_secure(cookie, request))


class _Browser(requests.Session):
    """A cookie-keeping HTTP client, as a person's browser is. requests copies the session's cookies into jars
    of its default policy on the way, so each request (redirects too) gets its Cookie header here."""

    def send(self, request, **kwargs):
        from requests.cookies import MockRequest

        jar = http.cookiejar.CookieJar(_LoopbackIsSecure())
        for cookie in self.cookies:
            jar.set_cookie(cookie)
        request.headers.pop("Cookie", None)
        asked = MockRequest(request)
        jar.add_cookie_header(asked)
        request.headers.update(asked.get_new_headers())
        return super().send(request, **kwargs)


def browser() -> requests.Session:
    return _Browser()


def continue_target(page: str) -> str | None:
    """Where a sign-in step's page moves on to (its `continue` link), if it is one."""
    found = [a.get("href") for a in _read(page).attributes if a.get("id") == "continue"]
    return found[0] if found else None


def _is_login(response: requests.Response) -> bool:
    return bool(forms(response.text)) and "username" in form_with_any(response.text).controls


@dataclass
class StaffMember:
    """A registry staff member who signs in with their own account and acts on the links in their email."""

    email: str
    mailbox: Mailbox
    username: str = ""
    password: str = ""
    totp_secret: str = ""
    first_password: str = ""  # the one the office handed over, until the first sign-in replaces it with `password`
    http: requests.Session = field(default_factory=browser, repr=False)
    # One sign-in at a time: two at once in one browser replace each other's sign-in cookie, as two tabs would.
    _signing_in: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def link_for(self, application_id: str, nth: int = 0) -> str:
        """The link in the (nth+1)-th task email about this application (reminders carry no link)."""
        mail = self.mailbox.wait_for(self.email, application_id, seen=nth, having=_LINK)
        return _LINK.search(mail.text).group(1)

    def open(self, url: str) -> requests.Response:
        """GET a staff page; when it sends the person to the login page, sign in there and come back."""
        response = self.http.get(url, timeout=30)
        if _is_login(response):
            with self._signing_in:
                response = self.http.get(url, timeout=30)  # signed in meanwhile, from another of this person's tabs?
                if _is_login(response):
                    response = self.sign_in_at(response)
        return response

    def sign_in_at(self, login_page: requests.Response, *, password: str | None = None, code: str | None = None) -> requests.Response:
        """At the login page: the password, then what the login asks next (a new password at first sign-in, TOTP
        set-up, the TOTP code); back at the service, on to the page asked for."""
        from sandbox.aws import totp_code

        form = form_with(login_page.text, "username")
        first = password or self.first_password or self.password
        answer = self.http.post(urljoin(login_page.url, form.action), timeout=30,
                                data=filled(form, username=self.username, password=first))
        for _ in range(3):
            controls = form_with_any(answer.text).controls if forms(answer.text) else set()
            if "new_password" in controls:  # the first password is replaced by the person's own
                self.first_password = ""
                form = form_with(answer.text, "new_password")
                answer = self.http.post(urljoin(answer.url, form.action), timeout=30, data=filled(form, new_password=self.password))
            elif "code" in controls:
                if shown := _TOTP_SECRET.search(answer.text):  # TOTP set-up: the new secret into the authenticator
                    self.totp_secret = shown.group(1)
                form = form_with(answer.text, "code")
                answer = self.http.post(urljoin(answer.url, form.action), timeout=30,
                                        data=filled(form, code=code or totp_code(self.totp_secret)))
            else:
                break
        target = continue_target(answer.text)
        if answer.ok and target and "http-equiv" in answer.text:  # signed in: the page moves on by itself
            answer = self.http.get(urljoin(answer.url, target), timeout=30)
        return answer

    def post(self, url: str, data: dict) -> requests.Response:
        return self.http.post(url, data=data, timeout=30)

    def decide(self, link: str, **fields: str) -> requests.Response:
        """Open the page (GET, signing in if asked), then POST the decision with the page's one-time form token."""
        page = _ok(self.open(link))
        return self.post(link, filled(form_with(page.text, "form_token"), **fields))


@dataclass
class HeadOfOffice(StaffMember):
    pin: str = ""

    def decide(self, link: str, **fields: str) -> requests.Response:
        """The head signs with the personal PIN (a forwarded link alone cannot sign)."""
        if fields.get("decision") == "approve":
            fields.setdefault("pin", self.pin)
        return super().decide(link, **fields)


@dataclass
class Operator(StaffMember):
    siak: Siak = None

    def register(self, application_id: str, application: dict, nth: int = 0) -> str:
        """SOP 4: enter the data into SIAK (simulated), type SIAK's number into the page."""
        link = self.link_for(application_id, nth)
        birth = application["child"]["birth_date"]
        from datetime import date

        number = self.siak.register(on=jakarta_today(), late=is_late_registration(date.fromisoformat(birth), jakarta_today()))
        _ok(self.decide(link, decision="registered", registration_number=number))
        return number


@dataclass
class Counter:
    """The Drive-Thru counter: its terminal's key, and the signed-in staff member working it."""

    base_url: str
    key: str
    person: StaffMember = None

    def hand_over(self, pickup_code: str) -> requests.Response:
        counter = form_with(_ok(self.person.open(f"{self.base_url}/counter")).text, "pickup_code")
        page = _ok(self.person.post(f"{self.base_url}{counter.action}",
                                    filled(counter, counter_key=self.key, pickup_code=pickup_code)))
        handover = form_with(page.text, "form_token")
        return self.person.post(f"{self.base_url}{handover.action}", filled(handover, id_checked="yes"))
