"""The world outside AWS that the sandbox stands in for: WhatsApp recipients, email inboxes, SIAK.

- WhatsApp: AWS End User Messaging Social is not in moto; `socialmessaging:SendWhatsAppMessage` is
  answered in-process and the message kept in an outbox.
- Email: moto's SES keeps what was sent; the mailbox-simulator addresses then produce the
  configuration-set events SES would publish (Delivery for success@, Bounce for bounce@), tagged with
  the application id, delivered to the `delivery_events` function shortly after the send returns.
- SIAK: the national registry has no public API; a simulated SIAK hands out registration numbers from
  an atomic counter, and the scripted operator types them into the operator's page.
"""

from __future__ import annotations

import email
import itertools
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from email import policy
from typing import Protocol

from sandbox.lambdas import LambdaRouter

SIMULATOR_OUTCOMES = {
    "success@simulator.amazonses.com": ("Delivery", "Email Delivered"),
    "bounce@simulator.amazonses.com": ("Bounce", "Email Bounced"),
    "complaint@simulator.amazonses.com": ("Complaint", "Email Complaint Received"),
}


@dataclass(frozen=True)
class WhatsAppMessage:
    to: str
    template: str
    parameters: list[str]
    body: dict

    @property
    def values(self) -> dict[str, str]:
        """The template's parameters by name (application_id, pickup_code...)."""
        from akta.domain.notices import templates

        return dict(zip(templates()[self.template].parameters, self.parameters))

    @property
    def text(self) -> str:
        """What the citizen reads."""
        from akta.domain.notices import render

        return render(self.template, self.values)


class WhatsAppOutbox:
    def __init__(self):
        self.messages: list[WhatsAppMessage] = []
        self._lock = threading.Lock()

    def received(self, message: dict) -> None:
        """A Meta Cloud API template message, sent from this process or from an execution environment."""
        template = message["template"]
        texts = [p["text"] for c in template["components"] for p in c["parameters"]]
        with self._lock:
            self.messages.append(WhatsAppMessage(message["to"], template["name"], texts, message))

    def to(self, number: str) -> list[WhatsAppMessage]:
        with self._lock:
            return [m for m in self.messages if m.to == number]


@dataclass(frozen=True)
class Mail:
    message_id: str
    to: list[str]
    subject: str
    text: str  # the text/plain part
    html: str  # the text/html alternative
    attachments: dict[str, bytes]


class Mailbox:
    """Reads what moto's SES accepted, and plays the mailbox simulator's events back."""

    def __init__(self, router: LambdaRouter, account: str, region: str, delay: float = 0.05):
        self.router, self.account, self.region, self.delay = router, account, region, delay
        self._timers: list[threading.Timer] = []
        self.rejecting: set[str] = set()  # addresses SES refuses at send time (e.g. unverified in SES's sandbox)
        self._read: dict[str, Mail] = {}  # each sent message parsed once: waiting polls the whole mailbox

    def accepted(self, sent: dict) -> None:
        """SES took a message (here or in an execution environment): the simulator's addresses answer with events."""
        tags = {t["Name"]: [t["Value"]] for t in sent["tags"]}
        for address in sent["to"]:
            outcome = SIMULATOR_OUTCOMES.get(address.lower())
            if outcome:
                event = ses_event(outcome, sent["message_id"], address, tags)
                timer = threading.Timer(self.delay, self._deliver, (event,))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()

    def _deliver(self, event: dict) -> None:
        """SES's event to the delivery-events function, as EventBridge delivers it: retried while throttled."""
        from sandbox.environments import Throttled

        for attempt in range(5):
            try:
                self.router.invoke("delivery_events", event)
                return
            except Throttled:
                time.sleep(0.2 * 2 ** attempt)
            except Exception as error:  # noqa: BLE001 - logged by the function; EventBridge would retry later
                print(f"delivery event not handled: {type(error).__name__}", file=sys.__stderr__)
                return

    def sent(self) -> list[Mail]:
        from moto.ses.models import ses_backends

        backend = ses_backends[self.account][self.region]
        mails = []
        for message in list(backend.sent_messages):
            if message.id not in self._read:
                raw = getattr(message, "raw_data", None)
                if raw is None:
                    continue
                self._read[message.id] = _read(message, raw)
            mails.append(self._read[message.id])
        return mails

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.sent() if any(address in d for d in m.to)]

    def wait_for(self, address: str, contains: str, *, seen: int = 0, timeout: float = 30.0, having=None) -> Mail:
        """The (seen+1)-th mail to `address` whose text contains `contains` (and matches `having`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.to(address) if (contains in m.text or contains in m.subject)
                     and (having is None or having.search(m.text))]
            if len(found) > seen:
                return found[seen]
            time.sleep(0.05)
        raise TimeoutError(f"no mail to {address} about {contains}")

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _read(message, raw: str) -> Mail:
    parsed = email.message_from_string(raw, policy=policy.default)
    text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    attachments = {part.get_filename(): part.get_payload(decode=True) for part in parsed.iter_attachments()}
    # moto adds the raw message's To header to the destinations it was given: each address once.
    return Mail(message.id, list(dict.fromkeys(message.destinations)), str(parsed["Subject"]),
                text.get_content() if text else "", html.get_content() if html else "", attachments)


def ses_event(outcome: tuple[str, str], message_id: str, address: str, tags: dict) -> dict:
    event_type, detail_type = outcome
    detail = {
        "eventType": event_type,
        "mail": {"messageId": message_id, "destination": [address], "tags": tags,
                 "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    if event_type == "Bounce":
        detail["bounce"] = {"bounceType": "Permanent", "bounceSubType": "General",
                            "bouncedRecipients": [{"emailAddress": address}]}
    elif event_type == "Delivery":
        detail["delivery"] = {"recipients": [address], "smtpResponse": "250 2.6.0 Message received"}
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": "aws.ses", "detail": detail}


class Siak(Protocol):
    """The national civil registry, as the operator meets it: enter the data, get a registration number."""

    def register(self, *, on: date, late: bool) -> str: ...


class SimulatedSiak:
    """Registration numbers as SIAK formats them: region-LU/LT-DDMMYYYY-sequence, from an atomic counter."""

    def __init__(self, region: str = "1571"):
        self.region = region
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def register(self, *, on: date, late: bool) -> str:
        with self._lock:
            sequence = next(self._counter)
        kind = "LT" if late else "LU"  # LT: late registration (more than 60 days after birth)
        return f"{self.region}-{kind}-{on:%d%m%Y}-{sequence:04d}"
