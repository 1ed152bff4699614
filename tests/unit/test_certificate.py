"""The birth certificate: rendering, SOP step 6 (TTE by the head of office) and
SOP step 7 (the signed certificate is checked before release)."""

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from akta.domain.errors import InvalidInput
from akta.certificate.layout import (
    CertificateData,
    read_embedded_record,
    render_pdf,
)
from sandbox.pki import CA_COMMON_NAME, create_local_pki
from akta.certificate.signing import (
    Pkcs12Signer,
    SignatureCheck,
    check_signature,
)
from tests.pdf_reading import page_text, qr_payload

HEAD_NAME = "Drs. H. Muhammad Ridwan, M.Si"
ALL_FALSE = SignatureCheck(False, False, False, None)


@pytest.fixture(scope="session")
def pki():
    return create_local_pki(HEAD_NAME)


@pytest.fixture(scope="session")
def other_pki():
    return create_local_pki("Penandatangan Lain")


@pytest.fixture
def data():
    return CertificateData(
        registration_number="1571-LU-28112026-0001",
        child_name="Siti Nurhaliza Putri",
        child_sex="P",
        birth_place="Jambi",
        birth_date=date(2026, 11, 5),
        birth_order=1,
        mother_name="Rahmawati",
        father_name="Ahmad Fauzi",
        issued_on=date(2026, 11, 28),
        issued_place="Jambi",
        office_name="Dinas Kependudukan dan Pencatatan Sipil Kota Jambi",
        head_name=HEAD_NAME,
        head_nip="197001011990031001",
        verification_url="https://akta.jambikota.go.id/verifikasi/1571-LU-28112026-0001",
        remark=(
            "Anak dari pasangan yang perkawinannya belum tercatat sesuai peraturan "
            "perundang-undangan berdasarkan SPTJM kebenaran sebagai pasangan suami istri."
        ),
    )


@pytest.fixture(scope="session")
def signer(pki):
    return Pkcs12Signer(pki.signer_p12, pki.passphrase)


@pytest.fixture
def signed_pdf(data, signer):
    return signer.sign(render_pdf(data))


# --- the certificate document -------------------------------------------------


def test_certificate_is_a_pdf_carrying_the_canonical_registry_record(data):
    pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF")
    assert read_embedded_record(pdf) == data.as_record()


def test_canonical_record_is_json_safe_with_iso_dates(data):
    record = data.as_record()
    assert record["birth_date"] == "2026-11-05"
    assert record["issued_on"] == "2026-11-28"
    assert record["birth_order"] == 1
    assert record["remark"] == data.remark


def test_certificate_states_the_birth_facts_in_bahasa_indonesia(data):
    text = page_text(render_pdf(data))
    for expected in (
        "REPUBLIK INDONESIA",
        "PENCATATAN SIPIL",
        "KUTIPAN AKTA KELAHIRAN",
        "Nomor: 1571-LU-28112026-0001",
        "bahwa di Jambi pada tanggal 5 November 2026 telah lahir",
        "SITI NURHALIZA PUTRI",
        "anak ke-1, PEREMPUAN dari ayah AHMAD FAUZI dan ibu RAHMAWATI",
        "SPTJM kebenaran sebagai pasangan suami istri",
        "Dikeluarkan di Jambi, pada tanggal 28 November 2026",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil Kota Jambi",
        HEAD_NAME,
        "NIP. 197001011990031001",
        "Pindai untuk verifikasi keaslian",
    ):
        assert expected in text


def test_certificate_without_remark_or_nip_omits_them(data):
    text = page_text(render_pdf(replace(data, remark=None, head_nip="", child_sex="L")))
    assert "Catatan" not in text
    assert "NIP." not in text
    assert "LAKI-LAKI" in text


@pytest.mark.parametrize("field, value", [("child_sex", "X"), ("birth_order", 0)])
def test_certificate_data_rejects_impossible_facts(data, field, value):
    with pytest.raises(ValueError):
        replace(data, **{field: value})


def test_overlong_remark_is_refused_rather_than_split_over_pages(data):
    with pytest.raises(ValueError):
        render_pdf(replace(data, remark="Catatan panjang sekali. " * 60))


def test_qr_code_encodes_the_verification_url(data):
    assert qr_payload(render_pdf(data)) == data.verification_url


def test_read_embedded_record_rejects_pdf_without_record():
    plain = FPDF()
    plain.add_page()
    with pytest.raises(InvalidInput, match="no_embedded_record"):
        read_embedded_record(bytes(plain.output()))
    with pytest.raises(InvalidInput, match="no_embedded_record"):
        read_embedded_record(b"not a pdf")


# --- local PKI ------------------------------------------------------------------


def test_local_pki_issues_head_of_office_a_signing_certificate(pki):
    key, cert, chain = pkcs12.load_key_and_certificates(pki.signer_p12, pki.passphrase)
    ca = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    assert key is not None
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == HEAD_NAME
    assert ca.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == CA_COMMON_NAME
    assert cert.issuer == ca.subject
    assert [c.subject for c in chain] == [ca.subject]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


# --- SOP step 6: the head of office signs electronically (TTE) ------------------


def test_sop6_tte_is_a_pades_signature_in_field_tte_kadis(signed_pdf, signer):
    (sig,) = PdfFileReader(io.BytesIO(signed_pdf), strict=False).embedded_regular_signatures
    assert sig.field_name == "TTE_Kadis"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/M" in sig.sig_object  # signing time
    assert sig.sig_object["/Reason"] == "Tanda Tangan Elektronik Kepala Dinas"
    assert sig.sig_object["/Location"] == "Jambi"


def test_sop6_signing_keeps_the_embedded_record(data, signed_pdf):
    assert read_embedded_record(signed_pdf) == data.as_record()


def test_sop6_wrong_passphrase_is_refused_when_wiring_the_signer(pki):
    with pytest.raises(ValueError):
        Pkcs12Signer(pki.signer_p12, b"salah")


# --- SOP step 7: the signed certificate is checked before release ---------------


def test_sop7_signed_certificate_passes_the_release_check(signed_pdf, pki):
    check = check_signature(signed_pdf, [pki.ca_cert_pem])
    assert check == SignatureCheck(
        intact=True, trusted=True, covers_whole_file=True, signer_common_name=HEAD_NAME
    )
    assert check.valid


def test_sop7_one_changed_byte_in_the_signed_range_fails(signed_pdf, pki):
    # Change the child's name inside the embedded record: the PDF still parses.
    at = signed_pdf.index(b"Siti Nurhaliza Putri")
    start1, len1, start2, len2 = map(
        int, re.search(rb"/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)", signed_pdf).groups()
    )
    assert start1 <= at < start1 + len1 or start2 <= at < start2 + len2
    tampered = bytearray(signed_pdf)
    tampered[at] = ord("Z")
    check = check_signature(bytes(tampered), [pki.ca_cert_pem])
    assert not check.intact
    assert not check.valid


def _append_incremental_update(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.root["/Lang"] = generic.pdf_string("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "append",
    [lambda pdf: pdf + b"\n% appended after signing\n", _append_incremental_update],
    ids=["raw-bytes", "incremental-update"],
)
def test_sop7_bytes_appended_after_signing_fail(signed_pdf, pki, append):
    modified = append(signed_pdf)
    assert len(modified) > len(signed_pdf)
    check = check_signature(modified, [pki.ca_cert_pem])
    assert check.intact  # the signed revision itself is untouched
    assert not check.covers_whole_file
    assert not check.valid


def test_sop7_signature_from_another_ca_is_not_trusted(signed_pdf, other_pki):
    check = check_signature(signed_pdf, [other_pki.ca_cert_pem])
    assert check.intact
    assert not check.trusted
    assert not check.valid


def test_sop7_no_trust_roots_means_not_trusted(signed_pdf):
    # An empty list must not fall back to the operating system's trust store.
    assert not check_signature(signed_pdf, []).trusted


def test_sop7_unsigned_certificate_fails(data, pki):
    assert check_signature(render_pdf(data), [pki.ca_cert_pem]) == ALL_FALSE


def test_sop7_twice_signed_certificate_fails(signed_pdf, pki):
    second = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(signed_pdf)),
        signers.PdfSignatureMetadata(field_name="TTE_Lain"),
        signer=signers.SimpleSigner.load_pkcs12_data(pki.signer_p12, [], pki.passphrase),
    ).getvalue()
    assert check_signature(second, [pki.ca_cert_pem]) == ALL_FALSE


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<", bytes(range(256)) * 10],
    ids=["empty", "text", "broken-pdf", "binary"],
)
def test_sop7_garbage_fails_without_raising(garbage, pki):
    assert check_signature(garbage, [pki.ca_cert_pem]) == ALL_FALSE


def test_sop7_truncated_signed_certificate_fails(signed_pdf, pki):
    assert not check_signature(signed_pdf[: len(signed_pdf) // 2], [pki.ca_cert_pem]).valid
