"""Office working time: the SOP's mutu-baku targets count office hours in WIB, not wall-clock time."""

import time as clock
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from akta.domain import dates
from akta.domain import calendar as office_calendar
from akta.domain.calendar import OfficeCalendar, calendar_data, calendar_from_dict, jakarta, load_calendar

WIB = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc
MINUTE = timedelta(minutes=1)


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.fixture(scope="module")
def cal() -> OfficeCalendar:
    return load_calendar()


# --- the motivating case -----------------------------------------------------

def test_office_time_rule_file_sent_friday_22_00_is_not_late_at_22_05(cal):
    sent = wib(2026, 1, 9, 22, 0)  # a Friday night
    assert sent.weekday() == 4
    assert cal.office_time(sent, wib(2026, 1, 9, 22, 5)) == timedelta(0)


def test_office_time_rule_file_sent_friday_night_has_4_office_minutes_by_monday_08_04(cal):
    assert cal.office_time(wib(2026, 1, 9, 22, 0), wib(2026, 1, 12, 8, 4)) == 4 * MINUTE


# --- breaks, weekends, holidays ------------------------------------------------

def test_office_time_rule_lunch_break_12_to_13_does_not_count(cal):
    monday = (2026, 1, 12)
    assert cal.office_time(wib(*monday, 11, 58), wib(*monday, 13, 2)) == 4 * MINUTE
    assert not cal.is_open(wib(*monday, 12, 30))


def test_office_time_rule_friday_prayer_break_11_30_to_13_30_does_not_count(cal):
    friday = (2026, 1, 9)
    assert cal.office_time(wib(*friday, 11, 28), wib(*friday, 13, 32)) == 4 * MINUTE
    assert not cal.is_open(wib(*friday, 11, 45))
    assert not cal.is_open(wib(*friday, 13, 15))
    assert cal.is_open(wib(*friday, 13, 30))


def test_office_time_rule_friday_closes_16_30_other_weekdays_16_00(cal):
    assert cal.is_open(wib(2026, 1, 9, 16, 15))       # Friday
    assert not cal.is_open(wib(2026, 1, 12, 16, 15))  # Monday
    assert not cal.is_open(wib(2026, 1, 9, 16, 30))   # closing instant is already closed


def test_office_time_rule_weekend_does_not_count(cal):
    assert cal.office_time(wib(2026, 1, 9, 16, 29), wib(2026, 1, 12, 8, 1)) == 2 * MINUTE
    assert not cal.is_open(wib(2026, 1, 10, 10, 0))  # Saturday
    assert not cal.is_open(wib(2026, 1, 11, 10, 0))  # Sunday


def test_office_time_rule_independence_day_17_august_does_not_count(cal):
    # 17 August 2026 is a Monday: Friday 16:29 to Tuesday 08:01 is two office minutes.
    assert cal.office_time(wib(2026, 8, 14, 16, 29), wib(2026, 8, 18, 8, 1)) == 2 * MINUTE
    assert not cal.is_open(wib(2026, 8, 17, 10, 0))


def test_office_time_rule_cuti_bersama_counts_as_closed_lebaran_2026_week(cal):
    # 18 Mar cuti Nyepi, 19 Nyepi, 20 cuti, 21-22 Idul Fitri, 23-24 cuti: closed Wednesday to Tuesday.
    assert cal.office_time(wib(2026, 3, 17, 15, 59), wib(2026, 3, 25, 8, 1)) == 2 * MINUTE
    for day in range(18, 25):
        assert not cal.is_open(wib(2026, 3, day, 9, 0))


def test_office_time_rule_a_full_ordinary_week_is_34_5_office_hours(cal):
    # 2030 has no listed holidays: 4 x 7 h (Mon-Thu) + 6.5 h (Fri).
    start = wib(2030, 1, 7)
    assert start.weekday() == 0
    assert cal.office_time(start, start + timedelta(days=7)) == timedelta(hours=34, minutes=30)


def test_office_time_rule_is_exact_to_the_microsecond(cal):
    a = wib(2026, 1, 12, 8, 0, 0, 1)
    assert cal.office_time(a, a + timedelta(microseconds=2)) == timedelta(microseconds=2)
    assert cal.office_time(wib(2026, 1, 12, 7, 59, 59, 999_999), wib(2026, 1, 12, 8, 0, 0, 1)) == timedelta(microseconds=1)


def test_office_time_rule_reversed_or_empty_span_is_zero(cal):
    a = wib(2026, 1, 12, 9, 0)
    assert cal.office_time(a, a) == timedelta(0)
    assert cal.office_time(a + MINUTE, a) == timedelta(0)


def test_office_time_rule_cost_grows_with_days_not_minutes(cal):
    started = clock.perf_counter()
    span = cal.office_time(wib(2000, 1, 1), wib(2050, 1, 1))
    assert clock.perf_counter() - started < 2.0
    assert timedelta(days=2000) < span < timedelta(days=50 * 365)


# --- time zones ----------------------------------------------------------------

def test_timezone_rule_utc_input_is_judged_in_wib(cal):
    # 01:00 UTC is 08:00 WIB: opening time on a Monday.
    assert cal.is_open(datetime(2026, 1, 12, 1, 0, tzinfo=UTC))
    assert not cal.is_open(datetime(2026, 1, 12, 0, 59, tzinfo=UTC))
    assert cal.office_time(datetime(2026, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 1, 12, 1, 30, tzinfo=UTC)) == 30 * MINUTE


def test_timezone_rule_utc_evening_before_is_next_wib_day(cal):
    # Sunday 17:30 UTC is Monday 00:30 WIB; Monday 01:00 UTC opens the office.
    assert cal.office_time(datetime(2026, 1, 11, 17, 30, tzinfo=UTC), datetime(2026, 1, 12, 1, 10, tzinfo=UTC)) == 10 * MINUTE


def test_timezone_rule_naive_datetimes_are_refused(cal):
    naive, aware = datetime(2026, 1, 12, 9, 0), wib(2026, 1, 12, 9, 0)
    with pytest.raises(ValueError):
        cal.is_open(naive)
    with pytest.raises(ValueError):
        cal.office_time(naive, aware)
    with pytest.raises(ValueError):
        cal.office_time(aware, naive)
    with pytest.raises(ValueError):
        cal.add_office_time(naive, MINUTE)


def test_timezone_rule_fixed_utc_plus_7_when_no_tz_database(monkeypatch, cal):
    def missing(key):
        raise ZoneInfoNotFoundError(key)

    monkeypatch.setattr(dates, "ZoneInfo", missing)
    fallback = dates._wib()
    assert fallback.utcoffset(None) == timedelta(hours=7)
    monkeypatch.setattr(office_calendar, "WIB", fallback)
    assert jakarta() is fallback
    fixed = calendar_from_dict(calendar_data())
    a, b = datetime(2026, 8, 14, 9, 0, tzinfo=UTC), datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
    assert fixed.office_time(a, b) == cal.office_time(a, b)
    assert fixed.add_office_time(a, 10 * MINUTE) == cal.add_office_time(a, 10 * MINUTE)


# --- deadlines -------------------------------------------------------------------

def test_deadline_rule_across_a_weekend_lands_on_monday_morning(cal):
    assert cal.add_office_time(wib(2026, 1, 9, 16, 28), 5 * MINUTE) == wib(2026, 1, 12, 8, 3)


def test_deadline_rule_submitted_on_saturday_runs_from_monday_08_00(cal):
    assert cal.add_office_time(wib(2026, 1, 10, 22, 0), 5 * MINUTE) == wib(2026, 1, 12, 8, 5)


def test_deadline_rule_across_a_holiday_lands_on_the_next_working_morning(cal):
    assert cal.add_office_time(wib(2026, 8, 14, 16, 29), 5 * MINUTE) == wib(2026, 8, 18, 8, 4)
    assert cal.add_office_time(wib(2026, 3, 17, 15, 58), 5 * MINUTE) == wib(2026, 3, 25, 8, 3)


def test_deadline_rule_skips_the_lunch_break(cal):
    assert cal.add_office_time(wib(2026, 1, 12, 11, 58), 5 * MINUTE) == wib(2026, 1, 12, 13, 3)


def test_deadline_rule_exactly_at_closing_is_the_closing_instant(cal):
    # The earliest instant with 5 office minutes is 12:00 itself, not 13:00.
    assert cal.add_office_time(wib(2026, 1, 12, 11, 55), 5 * MINUTE) == wib(2026, 1, 12, 12, 0)


def test_deadline_rule_zero_duration_is_the_start_even_when_closed(cal):
    saturday = wib(2026, 1, 10, 22, 0)
    assert cal.add_office_time(saturday, timedelta(0)) == saturday


def test_deadline_rule_negative_duration_is_refused(cal):
    with pytest.raises(ValueError):
        cal.add_office_time(wib(2026, 1, 12, 9, 0), -MINUTE)


def test_deadline_rule_is_given_in_wib(cal):
    deadline = cal.add_office_time(datetime(2026, 1, 9, 15, 0, tzinfo=UTC), 5 * MINUTE)
    assert deadline.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("start", [
    wib(2026, 1, 9, 22, 0), wib(2026, 1, 12, 11, 59, 30), wib(2026, 3, 17, 15, 0),
    datetime(2025, 12, 24, 9, 0, tzinfo=UTC), wib(2027, 12, 24, 16, 0),
])
@pytest.mark.parametrize("duration", [
    timedelta(microseconds=1), 3 * MINUTE, timedelta(hours=7), timedelta(days=3, seconds=7),
])
def test_deadline_rule_is_the_inverse_of_office_time(cal, start, duration):
    deadline = cal.add_office_time(start, duration)
    assert cal.office_time(start, deadline) == duration
    assert cal.office_time(start, deadline - timedelta(microseconds=1)) < duration


def test_deadline_rule_needs_some_opening_hours():
    closed = OfficeCalendar(hours={}, holidays=frozenset(), tz=jakarta())
    with pytest.raises(ValueError):
        closed.add_office_time(wib(2026, 1, 12, 9, 0), MINUTE)


# --- the data ----------------------------------------------------------------------

def test_calendar_data_rule_json_loads_and_is_cached():
    assert load_calendar() is load_calendar()
    assert load_calendar().tz.utcoffset(datetime(2026, 1, 1)) == timedelta(hours=7)


def test_calendar_data_rule_hours_are_the_pemkot_jambi_service_hours(cal):
    weekday = ((time(8), time(12)), (time(13), time(16)))
    assert [cal.hours[d] for d in range(4)] == [weekday] * 4
    assert cal.hours[4] == ((time(8), time(11, 30)), (time(13, 30), time(16, 30)))
    assert cal.hours[5] == () and cal.hours[6] == ()
    assert "confirm" in calendar_data()["_source"]


def test_calendar_data_rule_every_holiday_parses_once_with_name_and_kind():
    data = calendar_data()
    seen = set()
    for year, block in data["holidays"].items():
        assert block["_source"].strip()
        for entry in block["dates"]:
            day = date.fromisoformat(entry["date"])
            assert str(day.year) == year
            assert entry["name"].strip()
            assert entry["kind"] in {"libur_nasional", "cuti_bersama"}
            assert day not in seen, f"duplicate {day}"
            seen.add(day)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_calendar_data_rule_each_year_has_the_fixed_date_national_holidays(cal, year):
    for month, day in [(1, 1), (5, 1), (6, 1), (8, 17), (12, 25)]:
        assert date(year, month, day) in cal.holidays


@pytest.mark.parametrize("year, national, joint", [(2025, 17, 11), (2026, 17, 8)])
def test_calendar_data_rule_skb_years_have_the_skb_counts(year, national, joint):
    # 2025: 17 + 10 by SKB 1017/2024, plus cuti bersama 18 August by the amending SKB 933/2025.
    dates = calendar_data()["holidays"][str(year)]["dates"]
    assert sum(e["kind"] == "libur_nasional" for e in dates) == national
    assert sum(e["kind"] == "cuti_bersama" for e in dates) == joint


def test_calendar_data_rule_incomplete_years_say_so():
    for year, block in calendar_data()["holidays"].items():
        if not block.get("complete", False):
            assert "UNVERIFIED" in block["_source"]


# --- refusing bad data ---------------------------------------------------------------

def _data_with(dates):
    data = calendar_data()
    data["holidays"] = {"2026": {"_source": "test", "dates": dates}}
    return data


@pytest.mark.parametrize("dates", [
    [{"date": "2026-08-17", "name": "a", "kind": "libur_nasional"}, {"date": "2026-08-17", "name": "b", "kind": "cuti_bersama"}],
    [{"date": "2025-08-17", "name": "wrong year", "kind": "libur_nasional"}],
    [{"date": "2026-08-17", "name": "x", "kind": "libur_daerah"}],
    [{"date": "2026-08-17", "name": "", "kind": "libur_nasional"}],
    [{"date": "2026-02-30", "name": "no such day", "kind": "libur_nasional"}],
])
def test_calendar_data_rule_bad_holiday_entries_are_refused(dates):
    with pytest.raises(ValueError):
        calendar_from_dict(_data_with(dates))


@pytest.mark.parametrize("hours", [
    {0: ((time(13), time(16)), (time(8), time(12)))},   # unsorted
    {0: ((time(8), time(12)), (time(11), time(16)))},   # overlapping
    {0: ((time(12), time(8)),)},                          # reversed
    {7: ((time(8), time(12)),)},                          # no such weekday
])
def test_calendar_data_rule_bad_opening_hours_are_refused(hours):
    with pytest.raises(ValueError):
        OfficeCalendar(hours=hours, holidays=frozenset(), tz=jakarta())
