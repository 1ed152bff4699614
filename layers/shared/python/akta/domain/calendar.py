"""Office working time of Disdukcapil Kota Jambi, in which the SOP's mutu-baku targets are counted.

A file sent at 22:00 on a Friday is not late at 22:05: only time inside the office's open hours
counts, judged in Asia/Jakarta (WIB). Hours and holidays are data, in office_calendar.json.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources

from akta.domain.dates import WIB

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOLIDAY_KINDS = frozenset({"libur_nasional", "cuti_bersama"})


def jakarta() -> tzinfo:
    """Asia/Jakarta; a fixed UTC+7 where the runtime has no tz database."""
    return WIB


def _require_aware(value: datetime, name: str) -> None:
    # A naive time could be UTC (Lambda) or WIB (a person): refuse rather than guess.
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True)
class OfficeCalendar:
    hours: dict[int, tuple[tuple[time, time], ...]]  # weekday (0=Mon) -> sorted, non-overlapping local intervals
    holidays: frozenset[date]  # closed all day
    tz: tzinfo

    def __post_init__(self):
        for weekday, intervals in self.hours.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0..6, got {weekday!r}")
            previous_end = None
            for start, end in intervals:
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("opening hours are local wall-clock times, without tzinfo")
                if not start < end:
                    raise ValueError(f"opening interval {start}-{end} is empty or reversed")
                if previous_end is not None and start < previous_end:
                    raise ValueError(f"opening intervals on weekday {weekday} overlap or are unsorted")
                previous_end = end

    def _open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals as UTC instants (UTC so that subtraction is exact whatever the zone)."""
        if day in self.holidays:
            return []
        return [
            (datetime.combine(day, start, self.tz).astimezone(timezone.utc),
             datetime.combine(day, end, self.tz).astimezone(timezone.utc))
            for start, end in self.hours.get(day.weekday(), ())
        ]

    def is_open(self, at: datetime) -> bool:
        _require_aware(at, "at")
        local = at.astimezone(self.tz)
        if local.date() in self.holidays:
            return False
        moment = local.time()  # naive local wall-clock time
        # Half-open like office_time: open at 08:00:00, closed at 12:00:00.
        return any(start <= moment < end for start, end in self.hours.get(local.weekday(), ()))

    def office_time(self, start: datetime, end: datetime) -> timedelta:
        """Office time inside [start, end); zero when end <= start. One step per calendar day."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        lo, hi = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        if hi <= lo:
            return timedelta(0)
        total = timedelta(0)
        day, last = lo.astimezone(self.tz).date(), hi.astimezone(self.tz).date()
        while day <= last:
            for opens, closes in self._open_intervals(day):
                a, b = max(opens, lo), min(closes, hi)
                if b > a:
                    total += b - a
            day += timedelta(days=1)
        return total

    def add_office_time(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: the earliest instant t with office_time(start, t) == duration (in WIB).

        A zero duration is ``start`` itself, even when the office is closed then.
        """
        _require_aware(start, "start")
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if not duration:
            return start
        if not any(self.hours.values()):
            raise ValueError("the calendar has no opening hours, so no deadline is ever reached")
        lo = start.astimezone(timezone.utc)
        remaining = duration
        day = lo.astimezone(self.tz).date()
        while True:  # ends: every week has open hours and only finitely many holidays are listed
            for opens, closes in self._open_intervals(day):
                a = max(opens, lo)
                if closes <= a:
                    continue
                available = closes - a
                if remaining <= available:
                    return (a + remaining).astimezone(self.tz)
                remaining -= available
            day += timedelta(days=1)


def _parse_time(value: str) -> time:
    parsed = time.fromisoformat(value)
    if parsed.tzinfo is not None:
        raise ValueError(f"opening time {value!r} must be local, without an offset")
    return parsed


def calendar_from_dict(data: Mapping) -> OfficeCalendar:
    """Build a calendar from the office_calendar.json structure; refuses unknown days, bad kinds, duplicates."""
    tz_name = data.get("timezone", "Asia/Jakarta")
    if tz_name != "Asia/Jakarta":
        raise ValueError(f"only Asia/Jakarta is supported, got {tz_name!r}")
    raw_hours = data["hours"]
    unknown = set(raw_hours) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday names: {sorted(unknown)}")
    hours = {
        index: tuple((_parse_time(a), _parse_time(b)) for a, b in raw_hours.get(name, []))
        for index, name in enumerate(WEEKDAYS)
    }
    holidays: set[date] = set()
    for year, block in data.get("holidays", {}).items():
        if year.startswith("_"):
            continue  # "_source" and similar notes
        for entry in block["dates"]:
            day = date.fromisoformat(entry["date"])
            if str(day.year) != year:
                raise ValueError(f"holiday {entry['date']} is listed under year {year}")
            if entry.get("kind") not in HOLIDAY_KINDS:
                raise ValueError(f"holiday {entry['date']} has unknown kind {entry.get('kind')!r}")
            if not entry.get("name"):
                raise ValueError(f"holiday {entry['date']} has no name")
            if day in holidays:
                raise ValueError(f"holiday {entry['date']} is listed twice")
            holidays.add(day)
    return OfficeCalendar(hours=hours, holidays=frozenset(holidays), tz=jakarta())


def calendar_data() -> dict:
    """The raw office_calendar.json (shipped beside this module, so it travels inside the Lambda layer)."""
    return json.loads(resources.files("akta.domain").joinpath("office_calendar.json").read_text(encoding="utf-8"))


@cache
def load_calendar() -> OfficeCalendar:
    return calendar_from_dict(calendar_data())
