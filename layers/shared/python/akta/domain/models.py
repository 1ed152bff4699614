"""The birth-registration application and its validation rules."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from akta.domain.dates import WIB, jakarta_today
from akta.domain.documents import BirthProof, MarriageProof
from akta.domain.errors import FieldError, InvalidInput, field_error, from_pydantic
from akta.domain.identifiers import FACILITY_ID
from akta.domain.nik import NikError, Sex, in_jurisdiction, kk_problems, nik_problems, parse_nik
from akta.domain.phone import normalise_mobile

__all__ = [
    "ApplicationData", "ApplicationInput", "BirthProof", "Child", "Contact", "MarriageProof", "Parent", "Sex", "Witness",
    "is_late_registration", "jakarta_today", "parse_application",
]

LATE_REGISTRATION_DAYS = 60
# Permendagri 9/2016: an SPTJM replacing the birth letter or the proof of marriage is witnessed by two people.
SPTJM_WITNESSES = 2

JAKARTA = WIB


# Phone keyboards type curly quotes; SIAK and the certificate use the straight ones.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'})


def _person_name(value: str) -> str:
    # NFC first: a decomposed "é" is "e" + a combining mark, which is not a letter.
    value = " ".join(unicodedata.normalize("NFC", value).translate(_QUOTES).split())
    # Latin letters only (accents included): SIAK records names in Latin script, and the certificate's
    # font must be able to print every letter of the name it certifies.
    if (not any(c.isalpha() for c in value) or not all(c.isalpha() or c in " '.-" for c in value)
            or not all(ord(c) < 256 for c in value)):
        raise PydanticCustomError("name_chars", "name_chars")
    return value


def _printable_text(value: str) -> str:
    """Free text printed on the certificate (the place of birth): Latin-1 printable characters only."""
    value = " ".join(unicodedata.normalize("NFC", value).translate(_QUOTES).split())
    if not all(ord(c) < 256 and c.isprintable() for c in value):
        raise PydanticCustomError("text_chars", "text_chars")
    return value


PersonName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_person_name)]
PrintableText = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_printable_text)]



class _Model(BaseModel):
    # Nested models too: unknown keys are refused and text is stripped everywhere.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Child(_Model):
    name: PersonName
    sex: Sex
    birth_date: date
    birth_time: time
    birth_place: PrintableText
    birth_order: int = Field(ge=1, le=15)
    weight_grams: int = Field(ge=300, le=7000)
    length_cm: float = Field(ge=20, le=65, allow_inf_nan=False)


class Parent(_Model):
    name: PersonName
    # NIK rules need the parent's sex and birth date: parse_application checks them.
    nik: str = Field(min_length=1)
    birth_date: date


class Witness(_Model):
    """A witness to an SPTJM. Only name and NIK are captured, so the NIK's structure is all that is checked."""

    name: PersonName
    # NIK structure is checked by parse_application, like the parents'.
    nik: str = Field(min_length=1)


class Contact(_Model):
    whatsapp: str
    email: str | None = None

    @field_validator("whatsapp")
    @classmethod
    def _whatsapp(cls, value: str) -> str:
        try:
            return normalise_mobile(value)
        except InvalidInput:
            raise PydanticCustomError("phone_format", "phone_format") from None

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise PydanticCustomError("string_type", "string_type")
        value = value.strip().lower()
        if not value:
            return None
        # email-validator (what pydantic's EmailStr uses), without a DNS lookup: one address of plain ASCII
        # (SES takes no SMTPUTF8 local part), so "budi,ani@gmail.com" or "budi@gmail" never reaches SES.
        from email_validator import EmailNotValidError, validate_email

        try:
            checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            raise PydanticCustomError("email_format", "email_format") from None
        if len(checked.normalized) > 254:
            raise PydanticCustomError("email_format", "email_format")
        return checked.normalized


class ApplicationInput(_Model):
    """What a hospital sends: the application without the facility (that comes from its credentials)."""

    child: Child
    mother: Parent
    father: Parent
    # KK rules (format, region, jurisdiction) are checked by parse_application.
    kk_number: str = Field(min_length=1)
    birth_proof: BirthProof = BirthProof.SURAT_KETERANGAN_LAHIR
    marriage_proof: MarriageProof
    contact: Contact
    # Required (exactly two) only when an SPTJM is used; refused otherwise. Checked by parse_application.
    witnesses: list[Witness] = Field(default=[], max_length=SPTJM_WITNESSES)


class ApplicationData(ApplicationInput):
    facility_id: str = Field(min_length=1, max_length=64)

    @field_validator("facility_id")
    @classmethod
    def _facility_id(cls, value: str) -> str:
        if not FACILITY_ID.fullmatch(value):
            raise PydanticCustomError("facility_id_format", "facility_id_format")
        return value


_DATE = TypeAdapter(date)


def _raw(payload: Any, path: str) -> Any:
    node = payload
    for key in path.split("."):
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, (list, tuple)) and key.isdecimal() and key.isascii():
            node = node[int(key)] if int(key) < len(node) else None
        else:
            return None
    return node


def _cross_field_problems(payload: Any, unsound: set[str], today: date) -> list[FieldError]:
    """Rules spanning several fields, each checked only on fields that passed structural validation."""

    def text(path: str) -> str | None:
        value = None if path in unsound else _raw(payload, path)
        return value.strip() if isinstance(value, str) else None

    def day(path: str) -> date | None:
        value = None if path in unsound else _raw(payload, path)
        try:
            return None if value is None else _DATE.validate_python(value)
        except ValidationError:
            return None

    errors: list[FieldError] = []
    child_born = day("child.birth_date")
    if child_born and child_born > today:
        errors.append(field_error("child.birth_date", "birth_date_future"))

    for role, sex in (("mother", Sex.FEMALE), ("father", Sex.MALE)):
        born = day(f"{role}.birth_date")
        nik = text(f"{role}.nik")
        if nik is not None:
            errors += [field_error(f"{role}.nik", code) for code in nik_problems(nik, sex=sex, birth_date=born)]
        if born and child_born and born >= child_born:
            errors.append(field_error(f"{role}.birth_date", "parent_birth_date_order"))

    kk = text("kk_number")
    if kk is not None:
        codes = kk_problems(kk) or ([] if in_jurisdiction(kk) else ["outside_jurisdiction"])
        errors += [field_error("kk_number", code) for code in codes]

    errors += _witness_problems(payload, unsound, text)
    return errors


def _uses_sptjm(payload: Any, unsound: set[str]) -> bool | None:
    """True if an SPTJM replaces the birth letter or the proof of marriage; None if that is unknown."""
    birth = None if "birth_proof" in unsound else (_raw(payload, "birth_proof") or BirthProof.SURAT_KETERANGAN_LAHIR)
    marriage = None if "marriage_proof" in unsound else _raw(payload, "marriage_proof")
    if birth == BirthProof.SPTJM_KELAHIRAN or marriage == MarriageProof.SPTJM_PASANGAN:
        return True
    return None if birth is None or marriage is None else False


def _witness_problems(payload: Any, unsound: set[str], text: Callable[[str], str | None]) -> list[FieldError]:
    """SPTJM witnesses: exactly two when an SPTJM is used, none otherwise; each NIK sound and distinct."""
    if not isinstance(payload, dict) or "witnesses" in unsound:
        return []  # the structural error says it all
    witnesses = payload.get("witnesses", [])
    if not isinstance(witnesses, (list, tuple)):
        return []

    needed = _uses_sptjm(payload, unsound)
    if needed is False:
        # No basis to keep a witness's personal data: refuse it, and check nothing more about it.
        return [field_error("witnesses", "witnesses_not_needed")] if witnesses else []

    errors: list[FieldError] = []
    if needed and len(witnesses) != SPTJM_WITNESSES:
        errors.append(field_error("witnesses", "witnesses_required"))
    parents = {nik for nik in (text("mother.nik"), text("father.nik")) if nik}
    seen: set[str] = set()
    for i in range(len(witnesses)):
        field = f"witnesses.{i}.nik"
        nik = text(field)
        if nik is None:
            continue
        try:
            parse_nik(nik)  # a witness's sex and birth date are not captured: structure only
        except NikError as exc:
            errors.append(field_error(field, exc.code))
            continue
        if nik in parents:
            errors.append(field_error(field, "witness_is_parent"))
        elif nik in seen:
            errors.append(field_error(field, "witness_duplicate"))
        seen.add(nik)
    return errors


def parse_application(payload: dict, *, today: date) -> ApplicationData:
    """Validate an application; raise InvalidInput listing ALL problems at once.

    ``today`` is the Asia/Jakarta date (see jakarta_today), passed in by the caller.
    """
    try:
        app = ApplicationData.model_validate(payload)
        errors: list[FieldError] = []
    except ValidationError as exc:
        app = None
        errors = from_pydantic(exc)
    errors += _cross_field_problems(payload, {e.field for e in errors}, today)
    if errors:
        raise InvalidInput(errors)
    return app


def is_late_registration(birth_date: date, today: date) -> bool:
    """True from day 61 after the birth onward (day 60 is still on time).

    Perpres 96/2018 (Persyaratan dan Tata Cara Pendaftaran Penduduk dan
    Pencatatan Sipil): pelaporan kelahiran paling lambat 60 hari sejak kelahiran.
    """
    return (today - birth_date).days > LATE_REGISTRATION_DAYS
