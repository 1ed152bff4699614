from datetime import date

import pytest

from akta.domain.documents import (
    ACCEPTED_CONTENT_TYPES,
    DOCUMENT_KINDS,
    MAX_DOCUMENT_BYTES,
    MIN_DOCUMENT_BYTES,
    REQUIREMENTS,
    UploadedDocument,
    document_problems,
    required_documents,
    sniff_content_type,
)
from akta.domain.models import ApplicationData, BirthProof, MarriageProof, parse_application

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
GIF = b"GIF89a\x01\x00\x01\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


def application(birth_proof="surat_keterangan_lahir", marriage_proof="buku_nikah") -> ApplicationData:
    return parse_application({
        "facility_id": "rsud-raden-mattaher",
        "child": {
            "name": "Budi Santoso", "sex": "L", "birth_date": "2024-05-01", "birth_time": "10:30",
            "birth_place": "Kota Jambi", "birth_order": 1, "weight_grams": 3200, "length_cm": 49.5,
        },
        "mother": {"name": "Siti Aminah", "nik": "1571024505950001", "birth_date": "1995-05-05"},
        "father": {"name": "Ahmad Fauzi", "nik": "1571020303900002", "birth_date": "1990-03-03"},
        "kk_number": "1571020101200003",
        "birth_proof": birth_proof,
        "marriage_proof": marriage_proof,
        "contact": {"whatsapp": "081234567890"},
        # An SPTJM is signed before two witnesses.
        "witnesses": [
            {"name": "Hendra Gunawan", "nik": "1571031208850004"},
            {"name": "Rahmawati", "nik": "1571035511880005"},
        ] if "sptjm" in (birth_proof + marriage_proof) else [],
    }, today=date(2024, 5, 10))


def pdf(kind: str, size: int = 120_000, declared: str | None = "application/pdf") -> UploadedDocument:
    return UploadedDocument(kind=kind, size=size, head=PDF, declared_content_type=declared)


def all_uploaded(app: ApplicationData) -> dict[str, UploadedDocument]:
    return {kind: pdf(kind) for kind in required_documents(app)}


def only_error(app, uploaded):
    errors = document_problems(app, uploaded)
    assert len(errors) == 1, errors
    return errors[0]


# --- which documents are required --------------------------------------------------

def test_requirement_rule_default_application_needs_five_documents_in_table_order():
    assert required_documents(application()) == [
        "surat_keterangan_lahir", "kartu_keluarga", "buku_nikah", "ktp_ibu", "ktp_ayah",
    ]


@pytest.mark.parametrize("birth_proof", list(BirthProof))
@pytest.mark.parametrize("marriage_proof", list(MarriageProof))
def test_requirement_rule_birth_and_marriage_evidence_follow_the_chosen_proof(birth_proof, marriage_proof):
    required = required_documents(application(birth_proof, marriage_proof))
    assert required == [birth_proof.value, "kartu_keluarga", marriage_proof.value, "ktp_ibu", "ktp_ayah"]


def test_requirement_table_covers_every_proof_option_with_a_known_document_kind():
    for requirement in REQUIREMENTS:
        if requirement.selector is None:
            assert requirement.choices in DOCUMENT_KINDS
        else:
            options = {"birth_proof": BirthProof, "marriage_proof": MarriageProof}[requirement.selector]
            assert set(requirement.choices) == set(options)
            assert all(kind in DOCUMENT_KINDS for kind in requirement.choices.values())


def test_document_kinds_have_indonesian_labels():
    assert DOCUMENT_KINDS["kartu_keluarga"].label == "Kartu Keluarga (KK)"
    assert DOCUMENT_KINDS["sptjm_pasangan"].label == "SPTJM kebenaran sebagai pasangan suami istri"
    assert all(kind == d.kind and d.label for kind, d in DOCUMENT_KINDS.items())


# --- content sniffing ---------------------------------------------------------------

@pytest.mark.parametrize("head,expected", [
    (PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png"),
    (GIF, None), (EXE, None), (b"", None), (b"%PD", None), (b"\x89PNG\r\n", None),
])
def test_sniff_rule_type_comes_from_magic_bytes(head, expected):
    assert sniff_content_type(head) == expected


# --- upload problems ------------------------------------------------------------------

def test_upload_rule_complete_valid_upload_has_no_problems():
    app = application()
    uploaded = all_uploaded(app)
    uploaded["ktp_ibu"] = UploadedDocument("ktp_ibu", 80_000, JPEG, "image/jpeg")
    uploaded["ktp_ayah"] = UploadedDocument("ktp_ayah", 80_000, PNG, None)
    assert document_problems(app, uploaded) == []


def test_upload_rule_every_required_document_must_be_uploaded():
    app = application(marriage_proof="sptjm_pasangan")
    uploaded = all_uploaded(app)
    del uploaded["sptjm_pasangan"], uploaded["ktp_ayah"]
    errors = document_problems(app, uploaded)
    assert [(e.field, e.code) for e in errors] == [
        ("documents.sptjm_pasangan", "document_missing"),
        ("documents.ktp_ayah", "document_missing"),
    ]
    assert "SPTJM kebenaran sebagai pasangan suami istri" in errors[0].message
    assert "KTP-el ayah" in errors[1].message


def test_upload_rule_empty_file_is_refused():
    app = application()
    uploaded = all_uploaded(app) | {"kartu_keluarga": pdf("kartu_keluarga", size=0)}
    error = only_error(app, uploaded)
    assert (error.field, error.code) == ("documents.kartu_keluarga", "document_empty")
    assert "Kartu Keluarga (KK)" in error.message
    assert MIN_DOCUMENT_BYTES == 1


def test_upload_rule_file_larger_than_5_mb_is_refused():
    app = application()
    too_big = MAX_DOCUMENT_BYTES + 1
    error = only_error(app, all_uploaded(app) | {"ktp_ibu": pdf("ktp_ibu", size=too_big)})
    assert (error.field, error.code) == ("documents.ktp_ibu", "document_too_large")
    assert "5 MB" in error.message and str(too_big) not in error.message


def test_upload_rule_exactly_5_mb_is_accepted():
    app = application()
    assert document_problems(app, all_uploaded(app) | {"ktp_ibu": pdf("ktp_ibu", size=MAX_DOCUMENT_BYTES)}) == []


@pytest.mark.parametrize("head,declared", [
    (GIF, "image/gif"),
    (EXE, "application/pdf"),   # lying about an executable
    (b"PK\x03\x04", None),      # a zip / docx
])
def test_upload_rule_only_pdf_jpeg_png_by_content(head, declared):
    app = application()
    doc = UploadedDocument("surat_keterangan_lahir", 2048, head, declared)
    error = only_error(app, all_uploaded(app) | {"surat_keterangan_lahir": doc})
    assert (error.field, error.code) == ("documents.surat_keterangan_lahir", "document_type")
    assert "Surat keterangan kelahiran" in error.message
    if declared:
        assert declared not in error.message


def test_upload_rule_declared_type_must_match_the_content():
    app = application()
    doc = UploadedDocument("buku_nikah", 2048, PNG, "application/pdf")
    error = only_error(app, all_uploaded(app) | {"buku_nikah": doc})
    assert (error.field, error.code) == ("documents.buku_nikah", "document_type")
    assert "application/pdf" not in error.message


@pytest.mark.parametrize("declared", ["IMAGE/PNG", "image/png; name=ktp.png", " image/png "])
def test_upload_rule_declared_type_is_compared_case_and_parameter_insensitively(declared):
    app = application()
    doc = UploadedDocument("ktp_ibu", 2048, PNG, declared)
    assert document_problems(app, all_uploaded(app) | {"ktp_ibu": doc}) == []


def test_upload_rule_accepted_types_are_pdf_jpeg_png():
    assert ACCEPTED_CONTENT_TYPES == ("application/pdf", "image/jpeg", "image/png")


def test_upload_rule_documents_that_are_not_required_are_ignored():
    app = application(marriage_proof="kutipan_akta_perkawinan")
    uploaded = all_uploaded(app) | {
        "buku_nikah": UploadedDocument("buku_nikah", 0, GIF, "image/gif"),
        "paspor": UploadedDocument("paspor", 10, EXE, None),
    }
    assert document_problems(app, uploaded) == []


def test_upload_rule_without_valid_data_uploads_are_still_checked_but_none_is_missing():
    uploaded = {
        "kartu_keluarga": pdf("kartu_keluarga"),
        "ktp_ibu": UploadedDocument("ktp_ibu", 2048, GIF, "image/gif"),
        "ktp_ayah": pdf("ktp_ayah", size=0),
        "unknown_kind": UploadedDocument("unknown_kind", 0, EXE, None),
    }
    errors = document_problems(None, uploaded)
    assert [(e.field, e.code) for e in errors] == [
        ("documents.ktp_ibu", "document_type"),
        ("documents.ktp_ayah", "document_empty"),
    ]
    assert document_problems(None, {}) == []
