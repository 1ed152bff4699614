"""What happens around the steps: escalation when a wait passes its outer limit, and recorded failures."""

from __future__ import annotations

from akta import rendering
from akta.domain import sop
from akta.domain.waits import Wait, wait
from akta.service import directory
from akta.service.common import SYSTEM, Status, now, record
from akta.service.ports import Adapters


def escalate(adapters: Adapters, application_id: str, state: str) -> Wait:
    """Tell the supervisor and note it on the timeline; the state machine then waits again with a fresh link."""
    step = wait(state)
    sop_step = step.sop_step
    records = adapters.records
    record(records, application_id, sop_step, "finished", SYSTEM, f"timeout_escalated:{state}")
    supervisor = directory.assignee(adapters, "supervisor")
    message = rendering.email("escalation", name=supervisor["name"], application_id=application_id, step=sop.step(sop_step))
    adapters.mail.send(to=supervisor["email"], message=message, application_id=application_id)
    return step


def record_failure(adapters: Adapters, application_id: str, error: str) -> None:
    """Keep the application and its archived documents; mark it failed with the error type (no message text)."""
    records = adapters.records
    records.update(application_id, status=Status.FAILED, failure={"error": error, "at": now().isoformat()})
    record(records, application_id, 0, "finished", SYSTEM, f"failed:{error}")
