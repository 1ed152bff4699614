"""The sandbox's local signing identity: a private CA and the head of office's certificate.

Production signs with a certificate from a real CA (e.g. BSrE); this stands in for it so the whole SOP,
including the release check, runs offline. It is not in the Lambda layer: no deployed code makes a CA.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

CA_COMMON_NAME = "Disdukcapil Kota Jambi Sandbox CA"
from akta.adapters.kms_signer import ORGANIZATION


@dataclass(frozen=True)
class LocalPki:
    ca_cert_pem: bytes
    signer_p12: bytes
    passphrase: bytes
    ca_key: rsa.RSAPrivateKey

    def certify(self, csr_pem: bytes, *, valid_days: int = 3650) -> bytes:
        """What the office's CA does with the CSR of a KMS signing key: a signing certificate (PEM).

        The CSR's own signature is checked first: it proves the requester holds the private key.
        """
        csr = x509.load_pem_x509_csr(csr_pem)
        if not csr.is_signature_valid:
            raise ValueError("the CSR's signature does not match its public key")
        ca_cert = x509.load_pem_x509_certificate(self.ca_cert_pem)
        return _signing_certificate(csr.subject, csr.public_key(), ca_cert.subject, self.ca_key,
                                    x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()),
                                    valid_days).public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(*, digital_signature=False, non_repudiation=False, cert_sign=False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def create_local_pki(head_name: str, *, valid_days: int = 3650) -> LocalPki:
    # Backdate a little so a signature made right away is not "before validity" on a skewed clock.
    not_before = datetime.now(timezone.utc) - timedelta(minutes=5)
    not_after = not_before + timedelta(days=valid_days)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(CA_COMMON_NAME)
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer_cert = _signing_certificate(_name(head_name), signer_key.public_key(), ca_name, ca_key, ca_ski, valid_days)

    passphrase = secrets.token_urlsafe(24).encode("ascii")
    signer_p12 = pkcs12.serialize_key_and_certificates(
        name=b"TTE Kepala Dinas",
        key=signer_key,
        cert=signer_cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
    )
    return LocalPki(
        ca_cert_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        signer_p12=signer_p12,
        passphrase=passphrase,
        ca_key=ca_key,
    )


def _signing_certificate(subject, public_key, ca_name, ca_key, ca_ski, valid_days: int) -> x509.Certificate:
    not_before = datetime.now(timezone.utc) - timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, non_repudiation=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
