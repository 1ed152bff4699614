"""Property tests: office-time arithmetic, NIK encoding and mobile-number normalisation."""

import calendar as gregorian
import string
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from akta.domain.calendar import load_calendar
from akta.domain.nik import PROVINCE_CODES, NikError, Sex, nik_problems, parse_nik
from akta.domain.errors import InvalidInput
from akta.domain.phone import normalise_mobile

PROPERTY = settings(deadline=None, max_examples=200)
CAL = load_calendar()

# --- office-time arithmetic ---------------------------------------------------------

# Aware instants around the listed holiday years, in WIB, UTC and other offsets, to the microsecond.
ZONES = st.sampled_from([
    ZoneInfo("Asia/Jakarta"), timezone.utc, timezone(timedelta(hours=7)), ZoneInfo("Asia/Jayapura"),
    timezone(timedelta(hours=-5, minutes=-30)),
])
INSTANTS = st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2028, 1, 31), timezones=ZONES)
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


@PROPERTY
@given(INSTANTS, INSTANTS)
def test_office_time_property_is_never_negative_nor_more_than_wall_clock(a, b):
    spent = CAL.office_time(a, b)
    assert timedelta(0) <= spent <= max(b - a, timedelta(0))


@PROPERTY
@given(INSTANTS, INSTANTS, INSTANTS)
def test_office_time_property_is_additive_over_splits(x, y, z):
    a, b, c = sorted((x, y, z))
    assert CAL.office_time(a, c) == CAL.office_time(a, b) + CAL.office_time(b, c)


@PROPERTY
@given(INSTANTS, DURATIONS)
def test_office_time_property_deadline_is_the_earliest_instant_with_that_office_time(a, d):
    deadline = CAL.add_office_time(a, d)
    assert deadline >= a
    assert CAL.office_time(a, deadline) == d
    if d:
        assert CAL.office_time(a, deadline - timedelta(microseconds=1)) < d


@PROPERTY
@given(INSTANTS)
def test_office_time_property_is_open_means_the_next_microsecond_counts(t):
    step = timedelta(microseconds=1)
    assert CAL.office_time(t, t + step) == (step if CAL.is_open(t) else timedelta(0))


# --- NIK ---------------------------------------------------------------------------------

BIRTH_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
SEXES = st.sampled_from([Sex.MALE, Sex.FEMALE])


@st.composite
def valid_niks(draw):
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency, district = draw(st.integers(1, 99)), draw(st.integers(1, 99))
    born, sex, sequence = draw(BIRTH_DATES), draw(SEXES), draw(st.integers(1, 9999))
    day = born.day + (40 if sex is Sex.FEMALE else 0)
    nik = f"{province}{regency:02d}{district:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{sequence:04d}"
    return nik, born, sex


def refused(value) -> bool:
    try:
        parse_nik(value)
    except NikError:
        return True
    return False


def other(sex: Sex) -> Sex:
    return Sex.FEMALE if sex is Sex.MALE else Sex.MALE


@PROPERTY
@given(valid_niks())
def test_nik_property_valid_nik_decodes_to_its_birth_date_and_sex(case):
    nik, born, sex = case
    info = parse_nik(nik)
    assert (info.birth_date_day, info.birth_month, info.birth_year_2d) == (born.day, born.month, born.year % 100)
    assert info.sex is sex
    assert (info.province, info.regency, info.district) == (nik[:2], nik[2:4], nik[4:6])
    assert info.sequence == int(nik[12:])
    assert nik_problems(nik, sex=sex, birth_date=born) == []
    assert nik_problems(nik, sex=sex, birth_date=None) == []


@PROPERTY
@given(valid_niks(), st.integers(0, 15), st.characters(exclude_characters=string.digits, exclude_categories=("Cs",)))
def test_nik_property_a_non_digit_anywhere_is_refused(case, position, char):
    nik, born, sex = case
    corrupted = nik[:position] + char + nik[position + 1:]
    assert refused(corrupted)
    assert nik_problems(corrupted, sex=sex, birth_date=born) == ["nik_format"]


@PROPERTY
@given(valid_niks(), st.integers(1, 15).flatmap(lambda n: st.tuples(st.just(n), st.text(string.digits, min_size=n, max_size=n))))
def test_nik_property_wrong_length_is_refused(case, extra):
    nik, born, sex = case
    cut, digits = extra
    for wrong in (nik[:-cut], nik + digits):
        assert refused(wrong)
        assert nik_problems(wrong, sex=sex, birth_date=born) == ["nik_format"]


@PROPERTY
@given(valid_niks(), st.integers(0, 99).map(lambda n: f"{n:02d}").filter(lambda p: p not in PROVINCE_CODES))
def test_nik_property_province_not_in_the_list_is_refused(case, province):
    nik, born, sex = case
    wrong = province + nik[2:]
    assert refused(wrong)
    assert nik_problems(wrong, sex=sex, birth_date=born) == ["nik_region"]


@PROPERTY
@given(valid_niks(), st.sampled_from([2, 4]))
def test_nik_property_regency_or_district_00_is_refused(case, position):
    nik, born, sex = case
    wrong = nik[:position] + "00" + nik[position + 2:]
    assert refused(wrong)
    assert nik_problems(wrong, sex=sex, birth_date=born) == ["nik_region"]


@PROPERTY
@given(valid_niks())
def test_nik_property_sequence_0000_is_refused(case):
    nik, born, sex = case
    wrong = nik[:12] + "0000"
    assert refused(wrong)
    assert nik_problems(wrong, sex=sex, birth_date=born) == ["nik_sequence"]


def impossible_day_month(yy: int, dd: int, mm: int) -> bool:
    day = dd - 40 if dd > 40 else dd
    if not 1 <= mm <= 12 or day < 1:
        return True
    # parse_nik allows 29 February whenever YY could be a leap year (the century is unknown).
    longest = 29 if mm == 2 and yy % 4 == 0 else gregorian.monthrange(2001, mm)[1]
    return day > longest


@PROPERTY
@given(valid_niks(), st.integers(0, 99), st.integers(0, 99))
def test_nik_property_impossible_day_or_month_is_refused(case, dd, mm):
    nik, born, sex = case
    yy = int(nik[10:12])
    assume(impossible_day_month(yy, dd, mm))
    wrong = nik[:6] + f"{dd:02d}{mm:02d}" + nik[10:]
    assert refused(wrong)
    assert nik_problems(wrong, sex=sex, birth_date=born) == ["nik_date"]


@PROPERTY
@given(valid_niks())
def test_nik_property_the_other_sex_is_a_problem(case):
    nik, born, sex = case
    assert nik_problems(nik, sex=other(sex), birth_date=born) == ["nik_sex_mismatch"]


@PROPERTY
@given(valid_niks(), BIRTH_DATES)
def test_nik_property_another_birth_date_is_a_problem(case, another):
    nik, born, sex = case
    # Only day, month and the 2-digit year are in a NIK: 1990 and 2090 cannot be told apart.
    assume((another.day, another.month, another.year % 100) != (born.day, born.month, born.year % 100))
    assert nik_problems(nik, sex=sex, birth_date=another) == ["nik_birth_date_mismatch"]


# --- mobile numbers -----------------------------------------------------------------------

NSNS = st.integers(8, 11).flatmap(lambda n: st.text(string.digits, min_size=n, max_size=n)).map(lambda d: "8" + d)


@st.composite
def with_separators(draw, text: str) -> str:
    """``text`` with spaces and dashes inserted anywhere (also before, after and inside "+62")."""
    out = []
    for ch in text:
        out.append(draw(st.text(" -", max_size=2)))
        out.append(ch)
    out.append(draw(st.text(" -", max_size=2)))
    return "".join(out)


@PROPERTY
@given(NSNS, st.sampled_from(["0", "62", "+62"]), st.data())
def test_phone_property_every_written_form_normalises_to_e164(nsn, prefix, data):
    expected = "+62" + nsn
    assert normalise_mobile(prefix + nsn) == expected
    assert normalise_mobile(data.draw(with_separators(prefix + nsn))) == expected


@PROPERTY
@given(NSNS, st.sampled_from(["", "0", "62", "+62"]), st.data())
def test_phone_property_normalisation_is_idempotent(nsn, prefix, data):
    once = normalise_mobile(data.draw(with_separators(prefix + nsn)))
    assert normalise_mobile(once) == once


@PROPERTY
@given(NSNS, st.sampled_from(["0", "62", "+62"]), st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo")), st.data())
def test_phone_property_any_letter_is_refused(nsn, prefix, letter, data):
    number = prefix + nsn
    position = data.draw(st.integers(0, len(number)))
    with pytest.raises(InvalidInput, match="phone_format"):
        normalise_mobile(number[:position] + letter + number[position:])
