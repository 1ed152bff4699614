"""What every step shares: the clock, the timeline, the staff directory, statuses (from the waits catalogue)."""

from __future__ import annotations

from datetime import datetime, timezone

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from akta.domain import sop
from akta.domain.calendar import load_calendar
from akta.domain.timeline import TimelineEvent, TimelineRow, summarise
from akta.domain.waits import Status  # noqa: F401  (the statuses live with the waits that set them)
from akta.service.ports import Records

SYSTEM = "sistem"


def now() -> datetime:
    return datetime.now(timezone.utc)


def record(records: Records, application_id: str, step: int, phase: str, actor: str, outcome: str = "",
           at: datetime | None = None) -> None:
    """Append a timeline event; a step that finishes is measured against its SOP target in office time."""
    records.append_event(application_id, TimelineEvent(step, phase, at or now(), actor, outcome))
    if phase == "finished" and sop.target(step) is not None:
        rows = [r for r in summarise(records.events(application_id), load_calendar()) if r.step == step and r.finished]
        if rows:
            measure_step(application_id, rows[-1])


def measure_step(application_id: str, row: TimelineRow) -> None:
    """EMF per SOP step: office minutes taken and whether the mutu baku was breached.

    The application id is a property of the record, never a dimension (dimensions are few and fixed).
    """
    for name, value in (("StepOfficeMinutes", row.actual.total_seconds() / 60),
                        ("SlaBreaches", 0 if row.within_target else 1)):
        with single_metric(name=name, unit=MetricUnit.NoUnit if name == "StepOfficeMinutes" else MetricUnit.Count,
                           value=value) as metric:
            metric.add_dimension("sop_step", row.label)
            metric.add_metadata("application_id", application_id)


def timeline(records: Records, application_id: str) -> list[dict]:
    return [row.as_dict() for row in summarise(records.events(application_id), load_calendar())]
