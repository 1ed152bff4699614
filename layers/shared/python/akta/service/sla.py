"""SLA clocks are swept, not waited on: one reminder for each staff task past its SOP target.

The wall-clock TimeoutSecondsPath is only the outer limit that escalates; this is the SOP's own clock.
"""

from __future__ import annotations

from datetime import datetime

from akta import rendering
from akta.domain import sop
from akta.domain.calendar import load_calendar
from akta.service.common import SYSTEM, record
from akta.service.ports import Adapters


def overdue(link: dict, at: datetime) -> bool:
    """Past the SOP target in office time (a task sent at 22:00 on Friday is not late at 22:05)."""
    target = sop.target(int(link["sop_step"]))
    if target is None or int(link["expires_at"]) <= at.timestamp():
        return False
    return load_calendar().office_time(datetime.fromisoformat(link["created_at"]), at) > target


def sweep(adapters: Adapters, at: datetime) -> list[dict]:
    """Remind each overdue task's assignee once; returns what was reminded (ids and steps only)."""
    tasks, records = adapters.tasks, adapters.records
    reminded = []
    for link in tasks.open_links():
        if not overdue(link, at) or not tasks.mark_reminded(link["pk"], at):
            continue
        application_id, step = link["application_id"], int(link["sop_step"])
        minutes = int(sop.target(step).total_seconds() // 60)
        message = rendering.email("reminder", name=link["assignee"]["name"], application_id=application_id,
                                  step=sop.step(step), target_minutes=minutes)
        adapters.mail.send(to=link["assignee"]["email"], message=message, application_id=application_id)
        record(records, application_id, step, "note", SYSTEM, "sla_reminder", at=at)
        reminded.append({"application_id": application_id, "sop_step": step})
    return reminded
