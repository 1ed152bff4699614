"""NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers.

A NIK is 16 digits: province (2) + regency/city (2) + district (2) + birth
date DDMMYY (women: DD + 40) + a 4-digit sequence starting at 0001.
A KK number starts with the same 6-digit region code.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from akta.domain.errors import InvalidInput

# Province codes per Permendagri 72/2019 (kode dan data wilayah administrasi
# pemerintahan), updated by Kepmendagri 100.1.1-6117/2022 for the new Papua
# provinces (91-96; older NIKs from Papua and Papua Barat also use 91 and 94).
PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19",  # Sumatra
    "21",                                                  # Kepulauan Riau
    "31", "32", "33", "34", "35", "36",                    # Java
    "51", "52", "53",                                      # Bali, Nusa Tenggara
    "61", "62", "63", "64", "65",                          # Kalimantan
    "71", "72", "73", "74", "75", "76",                    # Sulawesi
    "81", "82",                                            # Maluku
    "91", "92", "93", "94", "95", "96",                    # Papua
})

KOTA_JAMBI = ("15", "71")  # province 15 Jambi, city 71 Kota Jambi

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: str.isdigit() accepts other scripts


class Sex(StrEnum):
    MALE = "L"    # laki-laki
    FEMALE = "P"  # perempuan


@dataclass(frozen=True)
class NikInfo:
    province: str
    regency: str
    district: str
    birth_date_day: int  # real day of month (the +40 for women already removed)
    birth_month: int
    birth_year_2d: int
    sex: Sex
    sequence: int


class NikError(InvalidInput):
    """Raised by parse_nik; ``code`` is one of nik_format, nik_region, nik_date, nik_sequence."""

    def __init__(self, code: str):
        super().__init__(code=code)


def _valid_region(digits: str) -> bool:
    return digits[:2] in PROVINCE_CODES and digits[2:4] != "00" and digits[4:6] != "00"


def parse_nik(value: str) -> NikInfo:
    if not isinstance(value, str) or not _SIXTEEN_DIGITS.fullmatch(value):
        raise NikError("nik_format")
    if not _valid_region(value):
        raise NikError("nik_region")
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = Sex.FEMALE if day > 40 else Sex.MALE
    if sex is Sex.FEMALE:
        day -= 40
    # The century is unknown here, so 29 Feb is allowed whenever YY could be a leap year.
    if not 1 <= month <= 12:
        raise NikError("nik_date")
    max_day = 29 if month == 2 and year % 4 == 0 else calendar.monthrange(2001, month)[1]
    if not 1 <= day <= max_day:
        raise NikError("nik_date")
    sequence = int(value[12:])
    if sequence == 0:
        raise NikError("nik_sequence")
    return NikInfo(value[:2], value[2:4], value[4:6], day, month, year, sex, sequence)


def nik_problems(value: str, *, sex: Sex, birth_date: date | None) -> list[str]:
    """Codes of everything wrong with ``value`` as the NIK of a person of this sex and birth date.

    The NIK holds only a 2-digit year, so it is compared with ``birth_date.year % 100``.
    ``birth_date=None`` (unknown) skips the birth-date comparison.
    """
    try:
        info = parse_nik(value)
    except NikError as exc:
        return [exc.code]
    problems = []
    if info.sex != sex:
        problems.append("nik_sex_mismatch")
    if birth_date is not None and (info.birth_date_day, info.birth_month, info.birth_year_2d) != (
        birth_date.day, birth_date.month, birth_date.year % 100
    ):
        problems.append("nik_birth_date_mismatch")
    return problems


def kk_problems(value: str) -> list[str]:
    """Codes of everything wrong with a KK number: kk_format, kk_region."""
    if not isinstance(value, str) or not _SIXTEEN_DIGITS.fullmatch(value):
        return ["kk_format"]
    if not _valid_region(value):
        return ["kk_region"]
    return []


def is_kk_number(value) -> bool:
    return not kk_problems(value)


def in_jurisdiction(kk_number: str) -> bool:
    """True when the KK is issued in Kota Jambi (first 4 digits 1571)."""
    return isinstance(kk_number, str) and kk_number[:4] == "".join(KOTA_JAMBI)


def mask(value: str) -> str:
    """Mask a NIK/KK for logs: "1571************".

    Only a full-length number keeps its 4-digit region prefix; anything shorter
    is masked entirely, since 4 characters of a short value reveal too much.
    """
    if not value:
        return ""
    text = str(value)
    keep = 4 if len(text) >= 16 else 0
    return text[:keep] + "*" * (len(text) - keep)
