"""The application's timeline: append-only events, summarised into one row per visit of an SOP step.

Events are written by whoever starts or finishes a step (a Lambda, a staff page); rows are derived,
so a loop (returned, fixed, resubmitted) simply shows the step twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from akta.domain import sop


@dataclass(frozen=True)
class TimelineEvent:
    step: int
    phase: str  # "started" | "finished" | "note" (an SLA reminder, a flag: a note on the running step)
    at: datetime
    actor: str  # who acted: a role or "sistem"; never a citizen's name
    outcome: str = ""

    def as_item(self) -> dict:
        return {"step": self.step, "phase": self.phase, "at": self.at.isoformat(), "actor": self.actor, "outcome": self.outcome}

    @classmethod
    def from_item(cls, item: dict) -> "TimelineEvent":
        return cls(int(item["step"]), item["phase"], datetime.fromisoformat(item["at"]), item["actor"], item.get("outcome", ""))


@dataclass(frozen=True)
class TimelineRow:
    step: int
    actor: str
    started: datetime
    finished: datetime | None
    outcome: str
    notes: tuple[str, ...] = ()
    office_time: timedelta | None = None  # the part of started..finished inside office hours, when a calendar is known

    @property
    def label(self) -> str:
        return sop.label(self.step)

    @property
    def target(self) -> timedelta | None:
        return sop.target(self.step)

    @property
    def wall_time(self) -> timedelta | None:
        return None if self.finished is None else self.finished - self.started

    @property
    def actual(self) -> timedelta | None:
        """What the SOP's target is measured against: office time if known, else wall-clock time."""
        if self.finished is None:
            return None
        return self.office_time if self.office_time is not None else self.wall_time

    @property
    def within_target(self) -> bool | None:
        """None while the step runs or when the SOP sets no target."""
        if self.actual is None or self.target is None:
            return None
        return self.actual <= self.target

    def as_dict(self) -> dict:
        return {
            "sop_step": self.label,
            "sop_actor": sop.actor(self.step),
            "actor": self.actor,
            "actor_label": sop.ACTOR_LABELS.get(self.actor, self.actor),
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "outcome": self.outcome,
            "target_seconds": self.target.total_seconds() if self.target else None,
            "actual_seconds": self.actual.total_seconds() if self.actual is not None else None,
            "wall_seconds": self.wall_time.total_seconds() if self.wall_time is not None else None,
            "office_time": self.office_time is not None,
            "within_target": self.within_target,
            "notes": list(self.notes),
        }


class Clock(Protocol):
    def office_time(self, start: datetime, end: datetime) -> timedelta: ...


def summarise(events: list[TimelineEvent], calendar: Clock | None = None) -> list[TimelineRow]:
    """One row per visit: a "started" opens a row for its step, the next "finished" of that step closes it.

    With an office calendar, each finished row also carries its office time, which the SOP target judges.
    """
    rows: list[dict] = []
    open_rows: dict[int, dict] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.phase == "started":
            row = {"step": event.step, "actor": event.actor, "started": event.at, "finished": None, "outcome": "", "notes": []}
            rows.append(row)
            open_rows[event.step] = row
        elif event.phase != "finished":  # a note (an SLA reminder) on the running step
            if event.step in open_rows:
                open_rows[event.step]["notes"].append(event.outcome)
        elif event.step in open_rows:
            row = open_rows.pop(event.step)
            row["finished"], row["outcome"] = event.at, event.outcome
            row["actor"] = event.actor or row["actor"]
        else:  # a step that finished without a recorded start is a point in time
            rows.append({"step": event.step, "actor": event.actor, "started": event.at, "finished": event.at,
                         "outcome": event.outcome, "notes": []})
    return [
        TimelineRow(**{**row, "notes": tuple(row["notes"]),
                       "office_time": calendar.office_time(row["started"], row["finished"])
                       if calendar and row["finished"] else None})
        for row in rows
    ]
