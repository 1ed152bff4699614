"""Dates and times as people in the office write them: "29 November 2026", "29 November 2026, 08.15 WIB".

Every instant is shown in Asia/Jakarta (WIB); Indonesian writes the time with a period, not a colon.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni",
          "Juli", "Agustus", "September", "Oktober", "November", "Desember")


def _wib() -> tzinfo:
    try:
        return ZoneInfo("Asia/Jakarta")
    except ZoneInfoNotFoundError:  # minimal runtime images may ship without tzdata
        return timezone(timedelta(hours=7), "WIB")  # WIB has been a fixed UTC+7 since 1964


WIB = _wib()


def _in_wib(t: datetime, name: str) -> datetime:
    # A naive time could be UTC (Lambda) or WIB (a person), and would be read as the host's: refuse, never guess.
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return t.astimezone(WIB)


def date_id(value: date | str) -> str:
    """date(2026, 11, 5) or "2026-11-05" -> "5 November 2026"."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def time_id(value: time | str) -> str:
    """A wall-clock time of day (a birth's "08:15") -> "08.15"."""
    t = time.fromisoformat(value) if isinstance(value, str) else value
    return f"{t.hour:02d}.{t.minute:02d}"


def datetime_id(value: datetime | str) -> str:
    """An instant -> "29 November 2026, 08.15 WIB" (converted to WIB). A naive time is refused: it could be
    UTC (Lambda) or WIB (a person)."""
    local = _in_wib(datetime.fromisoformat(value) if isinstance(value, str) else value, "an instant to show")
    return f"{date_id(local.date())}, {time_id(local.time())} WIB"


def jakarta_today(now: datetime | None = None) -> date:
    """The calendar date in Asia/Jakarta (WIB) at ``now`` (default: the current time)."""
    return _in_wib(datetime.now(UTC) if now is None else now, "now").date()
