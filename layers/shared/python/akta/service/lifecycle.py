"""What happens around the steps: escalation when a wait passes its outer limit, and recorded failures."""

from __future__ import annotations

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
    adapters.mail.send(
        to=supervisor["email"],
        subject=f"[Akta Kelahiran] Eskalasi: permohonan {application_id} melewati batas waktu",
        text=(
            f"Yth. {supervisor['name']},\n\n"
            f"Permohonan {application_id} menunggu terlalu lama pada langkah SOP {sop_step} "
            f"({sop.step(sop_step).description}). Tugas telah dikirim ulang kepada petugas.\n"
        ),
        application_id=application_id,
    )
    return step


def record_failure(adapters: Adapters, application_id: str, error: str) -> None:
    """Keep the application and its archived documents; mark it failed with the error type (no message text)."""
    records = adapters.records
    records.update(application_id, status=Status.FAILED, failure={"error": error, "at": now().isoformat()})
    record(records, application_id, 0, "finished", SYSTEM, f"failed:{error}")
