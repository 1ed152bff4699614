"""The head of office's signing key in AWS KMS: a pyHanko signer, and the CSR the office's CA certifies.

The private key never leaves KMS. pyHanko hands over the DER of the CMS signed attributes and KMS signs
them with `MessageType=RAW` (KMS hashes them itself; moto implements RAW, not DIGEST). RSA keys sign
RSASSA-PKCS1-v1_5 with SHA-256, EC keys ECDSA with SHA-256.
"""

from __future__ import annotations

import math

from asn1crypto import algos, csr, keys, pem
from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from akta.domain.errors import FieldError, InvalidInput

# public key algorithm -> (KMS SigningAlgorithm, the CMS/X.509 signature algorithm)
ALGORITHMS = {
    "rsa": ("RSASSA_PKCS1_V1_5_SHA_256", "sha256_rsa"),
    "ec": ("ECDSA_SHA_256", "sha256_ecdsa"),
}


def _certificates(chain_pem: bytes) -> list[asn1_x509.Certificate]:
    try:
        return list(load_certs_from_pemder_data(chain_pem))
    except ValueError:  # empty or not PEM/DER at all
        return []


def _algorithms(public_key: keys.PublicKeyInfo) -> tuple[str, str]:
    try:
        return ALGORITHMS[public_key.algorithm]
    except KeyError:
        raise ValueError(f"unsupported signing key type {public_key.algorithm}; use an RSA or EC KMS key") from None


class KmsCmsSigner(signers.Signer):
    """A pyHanko signer whose signature value comes from `kms:Sign`; wrap it in `PadesSigner`."""

    def __init__(self, kms, key_id: str, chain_pem: bytes):
        chain = _certificates(chain_pem)
        if not chain:
            raise ValueError("the signer's certificate chain is empty; install it with `infra.admin signer install-certificate`")
        self._kms, self._key_id = kms, key_id
        self._kms_algorithm, mechanism = _algorithms(chain[0].public_key)
        # pyHanko reserves room for the signature before signing: an upper bound is enough.
        bits = chain[0].public_key.bit_size
        self._size = bits // 8 if chain[0].public_key.algorithm == "rsa" else 2 * math.ceil(bits / 8) + 9
        super().__init__(
            signing_cert=chain[0],
            cert_registry=SimpleCertificateStore.from_certs(chain),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}),
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != "sha256":
            raise ValueError(f"the KMS signer signs with SHA-256, not {digest_algorithm}")
        if dry_run:
            return bytes(self._size)
        return self._kms.sign(KeyId=self._key_id, Message=data, MessageType="RAW",
                              SigningAlgorithm=self._kms_algorithm)["Signature"]


def public_key(kms, key_id: str) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo.load(kms.get_public_key(KeyId=key_id)["PublicKey"])


ORGANIZATION = "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi"


def subject_name(head_name: str):
    """The signing certificate's subject: the head of office, in the office's organisation (a cryptography Name)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
        x509.NameAttribute(NameOID.COMMON_NAME, head_name),
    ])


def certificate_request(kms, key_id: str, subject_der: bytes) -> bytes:
    """A PKCS#10 CSR (PEM) for the KMS key, signed by the key itself, for the office's CA to certify."""
    info = csr.CertificationRequestInfo({
        "version": "v1",
        "subject": asn1_x509.Name.load(subject_der),
        "subject_pk_info": public_key(kms, key_id),
        "attributes": [],
    })
    kms_algorithm, mechanism = _algorithms(info["subject_pk_info"])
    signature = kms.sign(KeyId=key_id, Message=info.dump(), MessageType="RAW", SigningAlgorithm=kms_algorithm)["Signature"]
    request = csr.CertificationRequest({
        "certification_request_info": info,
        "signature_algorithm": {"algorithm": mechanism},
        "signature": signature,
    })
    return pem.armor("CERTIFICATE REQUEST", request.dump())


def check_chain(kms, key_id: str, chain_pem: bytes) -> list[asn1_x509.Certificate]:
    """Before installing a chain: its first certificate is for this KMS key and each is issued by the next."""
    chain = _certificates(chain_pem)
    if not chain:
        raise InvalidInput([FieldError("chain", "chain_empty", "no certificate in the file")])
    if chain[0].public_key.dump() != public_key(kms, key_id).dump():
        raise InvalidInput([FieldError("chain", "chain_other_key", "the first certificate is not for this KMS key")])
    for cert, issuer in zip(chain, chain[1:]):
        if cert.issuer != issuer.subject:
            raise InvalidInput([FieldError("chain", "chain_order",
                                           f"certificate {cert.subject.human_friendly!r} is not issued by the next one in the file")])
    return chain
