"""What every step shares: the clock, the timeline, the staff directory, statuses."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from enum import StrEnum

from akta.adapters.records import Records
from akta.domain.timeline import TimelineEvent, summarise

SYSTEM = "sistem"


class Status(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"  # the completeness check runs
    RETURNED = "RETURNED"  # back with the hospital, with reasons
    SIAK_ENTRY = "SIAK_ENTRY"
    VERIFICATION = "VERIFICATION"
    SIGNATURE = "SIGNATURE"
    ISSUED = "ISSUED"
    SENT = "SENT"  # email and WhatsApp notice sent, waiting for the delivery outcome
    DRIVE_THRU = "DRIVE_THRU"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


# The status each staff step puts the application in, as the hospital sees it.
HUMAN_STEP_STATUS = {
    "EnterIntoSiak": Status.SIAK_ENTRY,
    "VerifyApplication": Status.VERIFICATION,
    "SignCertificate": Status.SIGNATURE,
}



def now() -> datetime:
    return datetime.now(timezone.utc)


def staff(role: str) -> dict:
    """The named person who gets a role's links: {"name", "email"}."""
    directory = json.loads(os.environ.get("STAFF_DIRECTORY", "{}"))
    return directory[role]


def record(records: Records, application_id: str, step: int, phase: str, actor: str, outcome: str = "",
           at: datetime | None = None) -> None:
    records.append_event(application_id, TimelineEvent(step, phase, at or now(), actor, outcome))


def timeline(records: Records, application_id: str) -> list[dict]:
    return [row.as_dict() for row in summarise(records.events(application_id))]
