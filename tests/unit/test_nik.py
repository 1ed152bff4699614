from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akta.domain.nik import (
    KOTA_JAMBI,
    PROVINCE_CODES,
    NikError,
    Sex,
    in_jurisdiction,
    is_kk_number,
    kk_problems,
    mask,
    nik_problems,
    parse_nik,
)


def make_nik(sex: Sex, born: date, region: str = "157102", sequence: int = 1) -> str:
    day = born.day + (40 if sex is Sex.FEMALE else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{sequence:04d}"


def parse_code(value) -> str:
    with pytest.raises(NikError) as exc:
        parse_nik(value)
    return exc.value.code


# --- structure -------------------------------------------------------------

def test_nik_rule_parts_are_region_birth_date_and_sequence():
    info = parse_nik("1571020303900123")
    assert (info.province, info.regency, info.district) == ("15", "71", "02")
    assert (info.birth_date_day, info.birth_month, info.birth_year_2d) == (3, 3, 90)
    assert info.sex is Sex.MALE
    assert info.sequence == 123


def test_nik_rule_women_day_plus_40_is_decoded_as_female_with_real_day():
    info = parse_nik("1571024505950001")
    assert info.sex is Sex.FEMALE
    assert info.birth_date_day == 5


@pytest.mark.parametrize("value", [
    "157102030390012",      # 15 digits
    "15710203039001234",    # 17 digits
    "1571 02030390 0123",   # spaces inside
    "15710203039O0123",     # letter O instead of zero
    "١٥٧١٠٢٠٣٠٣٩٠٠١٢٣",     # Arabic-Indic digits: isdigit() is true, but not a NIK
    "",
    1571020303900123,       # not a string
    None,
])
def test_nik_rule_must_be_exactly_16_ascii_digits(value):
    assert parse_code(value) == "nik_format"


@pytest.mark.parametrize("province", ["00", "10", "20", "22", "30", "37", "50", "54", "60", "66", "70", "77", "80", "83", "90", "97", "99"])
def test_nik_rule_province_must_be_a_real_province_code(province):
    assert parse_code(f"{province}71020303900001") == "nik_region"


def test_nik_rule_all_38_provinces_are_accepted():
    assert len(PROVINCE_CODES) == 38
    for province in PROVINCE_CODES:
        assert parse_nik(f"{province}01010303900001").province == province


@pytest.mark.parametrize("value", ["1500020303900001", "1571000303900001"])
def test_nik_rule_regency_and_district_cannot_be_00(value):
    assert parse_code(value) == "nik_region"


@pytest.mark.parametrize("ddmmyy", [
    "001090",  # day 0
    "321090",  # day 32
    "401090",  # day 40: neither a man's day (1-31) nor a woman's (41-71)
    "721090",  # woman's day 32
    "031390",  # month 13
    "030090",  # month 0
    "310490",  # 31 April
    "300290",  # 30 February
    "290291",  # 29 February in a year that is never a leap year
])
def test_nik_rule_date_part_must_be_a_real_date(ddmmyy):
    assert parse_code(f"157102{ddmmyy}0001") == "nik_date"


def test_nik_rule_29_february_is_accepted_when_the_year_can_be_leap():
    assert parse_nik("1571022902000001").birth_date_day == 29
    assert parse_nik("1571026902960001").sex is Sex.FEMALE


def test_nik_rule_sequence_starts_at_0001():
    assert parse_code("1571020303900000") == "nik_sequence"
    assert parse_nik("1571020303909999").sequence == 9999


# --- agreement with the stated person --------------------------------------

def test_nik_rule_consistent_nik_has_no_problems():
    born = date(1995, 5, 5)
    assert nik_problems(make_nik(Sex.FEMALE, born), sex=Sex.FEMALE, birth_date=born) == []
    assert nik_problems(make_nik(Sex.MALE, born), sex=Sex.MALE, birth_date=born) == []


def test_nik_rule_women_day_plus_40_must_match_stated_sex():
    born = date(1995, 5, 5)
    assert nik_problems(make_nik(Sex.MALE, born), sex=Sex.FEMALE, birth_date=born) == ["nik_sex_mismatch"]
    assert nik_problems(make_nik(Sex.FEMALE, born), sex=Sex.MALE, birth_date=born) == ["nik_sex_mismatch"]


@pytest.mark.parametrize("stated", [date(1995, 5, 6), date(1995, 6, 5), date(1996, 5, 5)])
def test_nik_rule_ddmmyy_must_match_stated_birth_date(stated):
    nik = make_nik(Sex.FEMALE, date(1995, 5, 5))
    assert nik_problems(nik, sex=Sex.FEMALE, birth_date=stated) == ["nik_birth_date_mismatch"]


def test_nik_rule_two_digit_year_is_compared_with_year_mod_100():
    nik = make_nik(Sex.MALE, date(2001, 1, 2))
    assert nik_problems(nik, sex=Sex.MALE, birth_date=date(2001, 1, 2)) == []
    assert nik_problems(nik, sex=Sex.MALE, birth_date=date(1901, 1, 2)) == []


def test_nik_rule_sex_and_birth_date_mismatch_are_both_reported():
    nik = make_nik(Sex.MALE, date(1990, 3, 3))
    assert nik_problems(nik, sex=Sex.FEMALE, birth_date=date(1991, 3, 3)) == [
        "nik_sex_mismatch", "nik_birth_date_mismatch",
    ]


def test_nik_rule_structural_problem_is_reported_alone():
    assert nik_problems("1571020303900000", sex=Sex.FEMALE, birth_date=date(1990, 3, 3)) == ["nik_sequence"]


def test_nik_rule_unknown_birth_date_skips_only_the_date_comparison():
    nik = make_nik(Sex.MALE, date(1990, 3, 3))
    assert nik_problems(nik, sex=Sex.FEMALE, birth_date=None) == ["nik_sex_mismatch"]


@given(
    sex=st.sampled_from(Sex),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    regency=st.integers(1, 99),
    district=st.integers(1, 99),
    sequence=st.integers(1, 9999),
)
def test_nik_rule_any_well_formed_nik_agrees_with_its_own_sex_and_date(sex, born, province, regency, district, sequence):
    nik = make_nik(sex, born, f"{province}{regency:02d}{district:02d}", sequence)
    assert nik_problems(nik, sex=sex, birth_date=born) == []
    other = Sex.MALE if sex is Sex.FEMALE else Sex.FEMALE
    assert nik_problems(nik, sex=other, birth_date=born) == ["nik_sex_mismatch"]


# --- KK and jurisdiction ----------------------------------------------------

def test_kk_rule_valid_kk_number():
    assert kk_problems("1571020101200003") == []
    assert is_kk_number("1571020101200003")


@pytest.mark.parametrize("value", ["157102010120000", "15710201012000031", "1571-0201-0120-0003", "", None, 1571020101200003])
def test_kk_rule_must_be_exactly_16_digits(value):
    assert kk_problems(value) == ["kk_format"]
    assert not is_kk_number(value)


@pytest.mark.parametrize("value", ["9971020101200003", "1500020101200003", "1571000101200003"])
def test_kk_rule_must_start_with_a_real_region_code(value):
    assert kk_problems(value) == ["kk_region"]


def test_jurisdiction_rule_only_kk_from_kota_jambi_1571():
    assert KOTA_JAMBI == ("15", "71")
    assert in_jurisdiction("1571020101200003")
    assert not in_jurisdiction("1572020101200003")  # Kota Sungai Penuh, same province
    assert not in_jurisdiction("1505020101200003")  # Kabupaten Muaro Jambi
    assert not in_jurisdiction("3171020101200003")  # a "71" city elsewhere


# --- masking for logs --------------------------------------------------------

def test_mask_keeps_only_the_4_digit_region_of_a_nik():
    assert mask("1571024505950001") == "1571************"


@pytest.mark.parametrize("value", ["1571", "157102", "15710245059500"])
def test_mask_hides_short_values_entirely(value):
    assert mask(value) == "*" * len(value)


def test_mask_of_nothing_is_empty():
    assert mask("") == ""
    assert mask(None) == ""


@given(st.text(max_size=40))
def test_mask_never_reveals_more_than_4_characters(value):
    masked = mask(value)
    assert len(masked) == len(value)
    assert sum(1 for a, b in zip(value, masked) if a == b and a != "*") <= 4
