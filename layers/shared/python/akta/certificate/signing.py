"""PAdES signing (SOP step 6, TTE of the head of office) and its check (SOP step 7)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Protocol

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

SIGNATURE_FIELD = "TTE_Kadis"


class Signer(Protocol):
    """The seam every signer fits: an unsigned certificate PDF in, the PAdES-signed PDF out.

    - `PadesSigner(cms_signer)` wraps any pyHanko `Signer`: the sandbox's PKCS#12 (`Pkcs12Signer`), the KMS key
      (`akta.adapters.kms_signer.KmsCmsSigner`), or a remote service that signs a digest. A provider speaking the
      Cloud Signature Consortium API plugs in as pyHanko's `pyhanko.sign.signers.csc_signer.CSCSigner`.
    - A remote TTE service that signs the whole PDF itself (the national TTE provider's API takes the document)
      implements `sign` directly. The release check (SOP 7) validates whichever signed it.
    """

    def sign(self, pdf: bytes) -> bytes: ...


class PadesSigner:
    """PAdES B-B with the head of office's key, in the certificate's one signature field."""

    def __init__(self, cms_signer: signers.Signer, *, reason: str = "Tanda Tangan Elektronik Kepala Dinas",
                 location: str = "Jambi"):
        self._signer = cms_signer
        self._meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
        )

    def sign(self, pdf: bytes) -> bytes:
        # pyHanko records the signing time as /M in the signature dictionary and as a signed attribute.
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.sign_pdf(writer, self._meta, signer=self._signer).getvalue()


class Pkcs12Signer(PadesSigner):
    """Signs with a key held in a PKCS#12 bundle (the sandbox's stand-in for the TTE service)."""

    def __init__(self, p12: bytes, passphrase: bytes, **kwargs):
        # Load once: a wrong passphrase should fail at wiring time, not per certificate.
        super().__init__(signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=passphrase), **kwargs)


@dataclass(frozen=True)
class SignatureCheck:
    intact: bool               # digest and signature value verify
    trusted: bool              # chains to one of the given trust roots
    covers_whole_file: bool    # nothing appended after the signed revision
    signer_common_name: str | None

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.covers_whole_file


_INVALID = SignatureCheck(False, False, False, None)


def check_signature(pdf: bytes, trust_roots_pem: list[bytes]) -> SignatureCheck:
    """Check the single signature of a certificate PDF.

    Never raises for bad input: an unreadable PDF, a missing signature or more
    than one signature all yield an all-False result.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = reader.embedded_regular_signatures
        if len(sigs) != 1:
            return _INVALID
        # Fully offline: the sandbox CA publishes no CRL/OCSP, and release must not hang on the network.
        context = ValidationContext(
            trust_roots=[c for pem in trust_roots_pem for c in load_certs_from_pemder_data(pem)],
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        status = validate_pdf_signature(sigs[0], context)
    except Exception:
        return _INVALID
    try:
        common_name = status.signing_cert.subject.native.get("common_name")
    except Exception:
        common_name = None
    return SignatureCheck(
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_common_name=common_name,
    )
