"""Supporting documents: which are required (a data table) and whether an upload is acceptable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from akta.domain.errors import FieldError, field_error

if TYPE_CHECKING:
    from akta.domain.models import ApplicationData


class MarriageProof(StrEnum):
    BUKU_NIKAH = "buku_nikah"
    AKTA_PERKAWINAN = "kutipan_akta_perkawinan"
    SPTJM_PASANGAN = "sptjm_pasangan"


class BirthProof(StrEnum):
    SURAT_KETERANGAN_LAHIR = "surat_keterangan_lahir"
    SPTJM_KELAHIRAN = "sptjm_kelahiran"


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    label: str  # Indonesian, shown to citizens and hospital operators


DOCUMENT_KINDS: dict[str, DocumentKind] = {
    d.kind: d
    for d in (
        DocumentKind("surat_keterangan_lahir", "Surat keterangan kelahiran dari rumah sakit/bidan/dokter"),
        DocumentKind("sptjm_kelahiran", "SPTJM kebenaran data kelahiran"),
        DocumentKind("kartu_keluarga", "Kartu Keluarga (KK)"),
        DocumentKind("buku_nikah", "Buku nikah"),
        DocumentKind("kutipan_akta_perkawinan", "Kutipan akta perkawinan"),
        DocumentKind("sptjm_pasangan", "SPTJM kebenaran sebagai pasangan suami istri"),
        DocumentKind("ktp_ibu", "KTP-el ibu"),
        DocumentKind("ktp_ayah", "KTP-el ayah"),
    )
}


class Requirement(NamedTuple):
    name: str
    selector: str | None  # ApplicationData field that picks the document; None = always this one
    choices: Mapping[str, str] | str  # selector value -> document kind, or the one kind


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("bukti_kelahiran", "birth_proof", {
        BirthProof.SURAT_KETERANGAN_LAHIR: "surat_keterangan_lahir",
        BirthProof.SPTJM_KELAHIRAN: "sptjm_kelahiran",
    }),
    Requirement("kartu_keluarga", None, "kartu_keluarga"),
    Requirement("bukti_perkawinan", "marriage_proof", {
        MarriageProof.BUKU_NIKAH: "buku_nikah",
        MarriageProof.AKTA_PERKAWINAN: "kutipan_akta_perkawinan",
        MarriageProof.SPTJM_PASANGAN: "sptjm_pasangan",
    }),
    Requirement("ktp_ibu", None, "ktp_ibu"),
    Requirement("ktp_ayah", None, "ktp_ayah"),
)


def required_documents(app: ApplicationData) -> list[str]:
    """Document kinds this application needs, in table order."""
    return [
        r.choices if r.selector is None else r.choices[getattr(app, r.selector)]
        for r in REQUIREMENTS
    ]


ACCEPTED_CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MIN_DOCUMENT_BYTES = 1  # an empty file is refused

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    """Content type from the file's first bytes; None if not PDF, JPEG or PNG."""
    return next((ctype for magic, ctype in _MAGIC if head.startswith(magic)), None)


@dataclass(frozen=True)
class UploadedDocument:
    kind: str
    size: int
    head: bytes  # the first bytes of the file, enough for sniff_content_type
    declared_content_type: str | None


def _declared(content_type: str | None) -> str | None:
    # "image/PNG; name=x" -> "image/png"
    return content_type.split(";")[0].strip().lower() if content_type else None


def _upload_problem(doc: UploadedDocument) -> str | None:
    if doc.size < MIN_DOCUMENT_BYTES:
        return "document_empty"
    if doc.size > MAX_DOCUMENT_BYTES:
        return "document_too_large"
    # The bytes decide: a declared type is only a claim, but it must not contradict them.
    sniffed = sniff_content_type(doc.head)
    declared = _declared(doc.declared_content_type)
    if sniffed not in ACCEPTED_CONTENT_TYPES or (declared is not None and declared != sniffed):
        return "document_type"
    return None


def document_problems(app: ApplicationData | None, uploaded: dict[str, UploadedDocument]) -> list[FieldError]:
    """Missing required documents and unacceptable uploads, as FieldErrors on "documents.<kind>".

    With ``app=None`` (application data invalid) nothing can be known missing, but every
    uploaded document of a known kind is still checked. Uploads that are not required are ignored.
    """
    kinds = required_documents(app) if app is not None else [k for k in DOCUMENT_KINDS if k in uploaded]
    errors = []
    for kind in kinds:
        doc = uploaded.get(kind)
        code = "document_missing" if doc is None else _upload_problem(doc)
        if code:
            errors.append(field_error(
                f"documents.{kind}", code,
                label=DOCUMENT_KINDS[kind].label, max_mb=MAX_DOCUMENT_BYTES // (1024 * 1024),
            ))
    return errors
