"""Field-level validation errors, with messages in Bahasa Indonesia.

Every message names the field by its Indonesian label and states the rule.
No message ever contains the submitted value: applications carry NIKs and
other personal data, and messages end up in logs, e-mails and chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing pydantic costs a function that never validates ~40 ms of cold start
    import pydantic

FIELD_LABELS: dict[str, str] = {
    "": "Data permohonan",
    "documents": "Daftar dokumen",
    "application_id": "Nomor permohonan",
    "idempotency-key": "Header Idempotency-Key",
    "status": "Filter status",
    "limit": "Jumlah per halaman",
    "next": "Penanda halaman berikutnya",
    "facility_id": "Kode fasilitas kesehatan",
    "child": "Data anak",
    "child.name": "Nama anak",
    "child.sex": "Jenis kelamin anak",
    "child.birth_date": "Tanggal lahir anak",
    "child.birth_time": "Jam lahir anak",
    "child.birth_place": "Tempat lahir anak",
    "child.birth_order": "Urutan kelahiran (anak ke-)",
    "child.weight_grams": "Berat lahir anak (gram)",
    "child.length_cm": "Panjang lahir anak (cm)",
    "mother": "Data ibu",
    "mother.name": "Nama ibu",
    "mother.nik": "NIK ibu",
    "mother.birth_date": "Tanggal lahir ibu",
    "father": "Data ayah",
    "father.name": "Nama ayah",
    "father.nik": "NIK ayah",
    "father.birth_date": "Tanggal lahir ayah",
    "kk_number": "Nomor Kartu Keluarga (KK)",
    "birth_proof": "Bukti kelahiran",
    "marriage_proof": "Bukti perkawinan",
    "contact": "Kontak",
    "contact.whatsapp": "Nomor WhatsApp",
    "contact.email": "Alamat email",
    "witnesses": "Saksi",
}

# Labels of list items, keyed by the path with the list index written as "N";
# "{n}" in the label is the item's position counted from 1 ("witnesses.0.nik" -> "NIK saksi ke-1").
ITEM_LABELS: dict[str, str] = {
    "witnesses.N": "Data saksi ke-{n}",
    "witnesses.N.name": "Nama saksi ke-{n}",
    "witnesses.N.nik": "NIK saksi ke-{n}",
}

# code -> message template. Placeholders are the label and rule parameters
# (limits, allowed choices) only; never the submitted value.
MESSAGES: dict[str, str] = {
    # structural
    "required": "{label} wajib diisi.",
    "unknown_field": "Kolom ini tidak dikenal dan tidak boleh dikirim.",
    "invalid_type": "{label} memiliki tipe data yang salah.",
    "string_type": "{label} harus berupa teks.",
    "too_short": "{label} minimal {min_length} karakter.",
    "too_long": "{label} maksimal {max_length} karakter.",
    "invalid_number": "{label} harus berupa angka.",
    "invalid_integer": "{label} harus berupa bilangan bulat.",
    "too_small": "{label} minimal {limit}.",
    "too_large": "{label} maksimal {limit}.",
    "invalid_list": "{label} harus berupa daftar.",
    "too_many_items": "{label} tidak boleh lebih dari {max_items}.",
    "invalid_date": "{label} harus tanggal yang valid dengan format TTTT-BB-HH.",
    "invalid_time": "{label} harus jam yang valid dengan format JJ:MM.",
    "invalid_choice": "{label} harus salah satu dari: {expected}.",
    "invalid": "{label} tidak valid.",
    "listing_next": "{label} tidak berasal dari daftar ini; mulai lagi dari halaman pertama.",
    # field rules
    "name_chars": "{label} hanya boleh berisi huruf Latin, spasi, tanda petik ('), titik (.), dan tanda hubung (-), serta minimal satu huruf.",
    "text_chars": "{label} hanya boleh berisi huruf Latin, angka, spasi, dan tanda baca umum.",
    "facility_id_format": "{label} hanya boleh berisi huruf kecil, angka, dan tanda hubung (-), 2-63 karakter, diawali huruf atau angka.",
    "phone_format": "{label} harus nomor ponsel Indonesia yang valid, misalnya 0812xxxxxxxx atau +62812xxxxxxxx.",
    "email_format": "{label} harus alamat email yang valid, misalnya nama@domain.com.",
    # NIK and KK
    "nik_format": "{label} harus terdiri dari tepat 16 digit angka.",
    "nik_region": "{label} tidak valid: 6 digit pertama harus kode wilayah (provinsi, kabupaten/kota, kecamatan) yang terdaftar.",
    "nik_date": "{label} tidak valid: digit ke-7 sampai ke-12 harus tanggal lahir yang valid (HHBBTT; untuk perempuan tanggal ditambah 40).",
    "nik_sequence": "{label} tidak valid: 4 digit terakhir (nomor urut) tidak boleh 0000.",
    "nik_sex_mismatch": "{label} tidak sesuai dengan jenis kelamin: pada NIK perempuan tanggal lahir ditambah 40 (digit ke-7 dan ke-8 bernilai 41-71), pada NIK laki-laki tidak.",
    "nik_birth_date_mismatch": "{label} tidak sesuai dengan tanggal lahir yang diisi: digit ke-7 sampai ke-12 NIK harus sama dengan tanggal lahir (HHBBTT).",
    "kk_format": "{label} harus terdiri dari tepat 16 digit angka.",
    "kk_region": "{label} tidak valid: 6 digit pertama harus kode wilayah (provinsi, kabupaten/kota, kecamatan) yang terdaftar.",
    "outside_jurisdiction": "{label} bukan Kartu Keluarga Kota Jambi. Disdukcapil Kota Jambi hanya mencatat kelahiran anak yang Kartu Keluarganya terdaftar di Kota Jambi (nomor KK diawali 1571); silakan ajukan ke Disdukcapil sesuai domisili KK.",
    # cross-field
    "birth_date_future": "{label} tidak boleh setelah hari ini.",
    "parent_birth_date_order": "{label} harus sebelum tanggal lahir anak.",
    # witnesses to an SPTJM (Permendagri 9/2016)
    "witnesses_required": (
        "{label} wajib diisi tepat 2 orang, masing-masing dengan nama dan NIK, karena permohonan ini "
        "menggunakan SPTJM kebenaran data kelahiran sebagai pengganti surat keterangan kelahiran atau "
        "SPTJM kebenaran sebagai pasangan suami istri sebagai pengganti bukti perkawinan."
    ),
    "witnesses_not_needed": (
        "{label} hanya diisi apabila menggunakan SPTJM kebenaran data kelahiran atau SPTJM kebenaran "
        "sebagai pasangan suami istri. Permohonan ini tidak menggunakan SPTJM, jadi data saksi tidak "
        "boleh dikirim; silakan kosongkan."
    ),
    "witness_is_parent": "{label} tidak boleh sama dengan NIK ibu atau NIK ayah: saksi harus orang lain, bukan orang tua anak.",
    "witness_duplicate": "{label} tidak boleh sama dengan NIK saksi lainnya: kedua saksi harus orang yang berbeda.",
    # documents (label = the document's label)
    "document_missing": "Dokumen {label} wajib diunggah.",
    "document_empty": "Berkas {label} kosong.",
    "document_too_large": "Berkas {label} melebihi batas ukuran {max_mb} MB.",
    "document_type": "Berkas {label} harus berformat PDF, JPEG, atau PNG, dan sesuai dengan jenis berkas yang dinyatakan.",
}


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


class ServiceError(Exception):
    """What the service signals on purpose, with a machine code and ids only (never personal data).

    Each surface maps the kinds below once: the API to its JSON error answer, the pages to their HTML answer,
    a Lambda task to its error type (which the ASL's Retry and Catch read). Anything else is a bug.
    """

    code = "service_error"

    def __init__(self, code: str | None = None, *ids: str, errors: list[FieldError] | tuple = ()):
        self.code = code or type(self).code
        self.ids = ids
        self.errors = list(errors)
        # Codes, ids and field paths only: str(exc) is what ends up in tracebacks and logs.
        parts = [self.code, *map(str, ids)]
        if self.errors:
            parts.append("; ".join(f"{e.field}: {e.code}" for e in self.errors))
        super().__init__(": ".join(parts))


class NotFound(ServiceError):
    """No such application, link, person or certificate (or not one the caller may see)."""

    code = "not_found"


class Conflict(ServiceError):
    """The thing exists but its state does not allow this (already submitted, already revoked, ...)."""

    code = "conflict"


class Refused(ServiceError):
    """A credential, link, code or form token that does not (or no longer) allow the action."""

    code = "refused"


class InvalidInput(ServiceError):
    """The input has one or more field errors (all of them, not just the first)."""

    code = "invalid_input"

    def __init__(self, errors: list[FieldError] | tuple = (), code: str | None = None, *ids: str):
        super().__init__(code, *ids, errors=errors)


class TransientError(ServiceError):
    """An AWS call that kept failing with throttling or a server error: the state machine's Retry tries again."""

    code = "aws_unavailable"


_INDEX = re.compile(r"[0-9]+")


def known_label(field: str) -> str | None:
    """The field's Indonesian label, list items ("witnesses.1.nik") included; None if it has none."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    parts = field.split(".")
    indices = [int(part) for part in parts if _INDEX.fullmatch(part)]
    if len(indices) != 1:
        return None
    template = ITEM_LABELS.get(".".join("N" if _INDEX.fullmatch(part) else part for part in parts))
    return None if template is None else template.format(n=indices[0] + 1)


def label_for(field: str) -> str:
    return known_label(field) or f"Kolom {field}"


def field_error(field: str, code: str, *, label: str | None = None, **params) -> FieldError:
    """Build a FieldError from the message table; ``label`` overrides the field's label."""
    template = MESSAGES.get(code, MESSAGES["invalid"])
    message = template.format(label=label or label_for(field), **params)
    return FieldError(field, code, message)


# pydantic error type -> our code. Anything unlisted becomes "invalid".
_PYDANTIC_CODES: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_type": "string_type",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "list_type": "invalid_list",
    "too_long": "too_many_items",  # a list with more items than allowed
    "model_type": "invalid_type",
    "model_attributes_type": "invalid_type",
    "dict_type": "invalid_type",
    "int_type": "invalid_integer",
    "int_parsing": "invalid_integer",
    "int_from_float": "invalid_integer",
    "float_type": "invalid_number",
    "float_parsing": "invalid_number",
    "finite_number": "invalid_number",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "less_than_equal": "too_large",
    "less_than": "too_large",
    "date_type": "invalid_date",
    "date_parsing": "invalid_date",
    "date_from_datetime_parsing": "invalid_date",
    "date_from_datetime_inexact": "invalid_date",
    "date_future": "invalid_date",
    "date_past": "invalid_date",
    "time_type": "invalid_time",
    "time_parsing": "invalid_time",
    "enum": "invalid_choice",
}


def _translate(error: dict, field: str) -> FieldError:
    kind = error["type"]
    # Our own validators raise PydanticCustomError with a type that is already one of our codes.
    # pydantic's own types come first: its "too_long" (a list) is not our "too_long" (text).
    code = _PYDANTIC_CODES.get(kind) or (kind if kind in MESSAGES else "invalid")
    ctx = error.get("ctx") or {}
    # Only rule parameters from ctx are used; "input", "msg" and ctx["error"] may echo the value.
    if code == "too_short" and ctx.get("min_length") == 1:
        return field_error(field, "required")
    params: dict = {}
    if code == "too_short":
        params["min_length"] = ctx.get("min_length")
    elif code == "too_long":
        params["max_length"] = ctx.get("max_length")
    elif code == "too_many_items":
        params["max_items"] = ctx.get("max_length")
    elif code in ("too_small", "too_large"):
        params["limit"] = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "")
    elif code == "invalid_choice":
        # pydantic phrases the allowed values as "'L' or 'P'".
        params["expected"] = str(ctx.get("expected", "")).replace(" or ", " atau ")
    return field_error(field, code, **params)


def from_pydantic(exc: pydantic.ValidationError, prefix: str = "") -> list[FieldError]:
    """Translate every pydantic error to a FieldError; the input value is dropped."""
    return from_error_dicts(exc.errors(include_url=False, include_input=False), prefix)


def from_error_dicts(errors, prefix: str = "", *, skip: int = 0) -> list[FieldError]:
    """The same for pydantic-shaped error dicts (Powertools' RequestValidationError); `skip` drops leading
    location parts such as "body". Only "loc" and "type" are read, never "input" or "msg"."""
    result = []
    for error in errors:
        path = ".".join(str(part) for part in tuple(error["loc"])[skip:])
        field = ".".join(p for p in (prefix, path) if p)
        result.append(_translate(error, field))
    return result
