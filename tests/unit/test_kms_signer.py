"""SOP 6 with the production signer: the head of office's key lives in AWS KMS (moto here). The office's CA
certifies it from a CSR the key signs itself; the signed certificate passes the same release check (SOP 7)."""

from __future__ import annotations

import re
from datetime import date

import boto3
import pytest
from asn1crypto import csr as asn1_csr
from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from moto import mock_aws

from akta.adapters.kms_signer import KmsCmsSigner, certificate_request, check_chain, subject_name
from akta.domain.errors import InvalidInput
from akta.certificate.layout import CertificateData, render_pdf
from sandbox.pki import create_local_pki
from akta.certificate.signing import PadesSigner, SignatureCheck, check_signature
from tests.pdf_reading import page_text

HEAD_NAME = "Drs. H. Muhammad Ridwan, M.Si"
DATA = CertificateData(
    registration_number="1571-LU-28112026-0002", child_name="Muhammad Rizki Pratama", child_sex="L",
    birth_place="Jambi", birth_date=date(2026, 11, 3), birth_order=2, mother_name="Dewi Lestari",
    father_name="Andi Saputra", issued_on=date(2026, 11, 28), issued_place="Jambi",
    office_name="Dinas Kependudukan dan Pencatatan Sipil Kota Jambi", head_name=HEAD_NAME,
    head_nip="197001011990031001", verification_url="https://akta.example/verify/abc", remark=None,
)


@pytest.fixture(scope="module")
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name="ap-southeast-3")


@pytest.fixture(scope="module")
def pki():
    return create_local_pki(HEAD_NAME)


@pytest.fixture(scope="module", params=["RSA_3072", "ECC_NIST_P256"])
def signed(request, kms, pki):
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec=request.param)["KeyMetadata"]["KeyId"]
    csr = certificate_request(kms, key_id, subject_name(HEAD_NAME).public_bytes())
    chain = pki.certify(csr) + pki.ca_cert_pem
    return key_id, chain, PadesSigner(KmsCmsSigner(kms, key_id, chain)).sign(render_pdf(DATA))


def test_the_csr_is_signed_by_the_kms_key_and_names_the_head_of_office(kms):
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_3072")["KeyMetadata"]["KeyId"]
    csr = x509.load_pem_x509_csr(certificate_request(kms, key_id, subject_name(HEAD_NAME).public_bytes()))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == HEAD_NAME
    public = kms.get_public_key(KeyId=key_id)["PublicKey"]
    assert csr.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public


def test_sop6_7_a_kms_signed_certificate_is_intact_whole_file_by_the_head_chaining_to_the_ca(signed, pki):
    _, _, pdf = signed
    assert check_signature(pdf, [pki.ca_cert_pem]) == SignatureCheck(
        intact=True, trusted=True, covers_whole_file=True, signer_common_name=HEAD_NAME)
    text = page_text(pdf)
    assert DATA.registration_number in text and DATA.child_name.upper() in text


def test_sop7_one_changed_byte_fails_the_kms_signature(signed, pki):
    _, _, pdf = signed
    at = pdf.index(DATA.child_name.encode())
    tampered = bytearray(pdf)
    tampered[at] ^= 0x01
    assert not check_signature(bytes(tampered), [pki.ca_cert_pem]).valid


def test_a_chain_for_another_key_or_out_of_order_is_refused_before_it_is_installed(kms, pki, signed):
    key_id, chain, _ = signed
    assert len(check_chain(kms, key_id, chain)) == 2
    other = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    certificates = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", chain, re.S)
    for pem_chain, key, code in ((chain, other, "chain_other_key"), (certificates[1] + certificates[0], key_id, "chain_other_key"),
                                 (certificates[0] * 2, key_id, "chain_order"), (b"", key_id, "chain_empty")):
        # another key's chain; the CA first; the signer's certificate followed by itself, not its issuer; nothing
        with pytest.raises(InvalidInput) as refused:
            check_chain(kms, key, pem_chain)
        assert [e.code for e in refused.value.errors] == [code]


def test_a_csr_whose_signature_does_not_match_its_key_is_not_certified(kms, pki):
    key_id = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    pem = certificate_request(kms, key_id, subject_name(HEAD_NAME).public_bytes())
    request = asn1_csr.CertificationRequest.load(asn1_pem.unarmor(pem)[2])
    broken = bytearray(request["signature"].native)
    broken[10] ^= 0xFF
    forged = asn1_csr.CertificationRequest({**{k: request[k] for k in ("certification_request_info", "signature_algorithm")},
                                            "signature": bytes(broken)})
    with pytest.raises(ValueError, match="signature"):
        pki.certify(asn1_pem.armor("CERTIFICATE REQUEST", forged.dump()))
