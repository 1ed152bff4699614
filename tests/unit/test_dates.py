"""Dates and times on pages, emails and the certificate are written as people in the office write them."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from akta.domain.dates import date_id, datetime_id, time_id


def test_dates_use_indonesian_month_names():
    assert date_id(date(2026, 1, 1)) == "1 Januari 2026"
    assert date_id(date(2026, 8, 17)) == "17 Agustus 2026"
    assert date_id("2026-12-31") == "31 Desember 2026"


def test_a_time_of_day_is_written_with_a_period():
    assert time_id("08:15") == "08.15"
    assert time_id(time(23, 5, 59)) == "23.05"


def test_an_instant_is_shown_in_wib_whatever_zone_it_was_stored_in():
    assert datetime_id(datetime(2026, 11, 29, 1, 15, tzinfo=UTC)) == "29 November 2026, 08.15 WIB"
    # 17:30 UTC on the 31st is already the 1st of January in Jambi.
    assert datetime_id("2026-12-31T17:30:00+00:00") == "1 Januari 2027, 00.30 WIB"
    assert datetime_id(datetime(2026, 11, 29, 8, 15, tzinfo=timezone(timedelta(hours=7)))) == "29 November 2026, 08.15 WIB"


def test_a_naive_instant_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="timezone-aware"):
        datetime_id(datetime(2026, 11, 29, 8, 15))
