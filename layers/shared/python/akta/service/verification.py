"""Public verification of a certificate by the id in its QR code: valid, revoked or unknown."""

from __future__ import annotations

import hashlib

from akta.adapters.records import Records

PUBLIC_FIELDS = ("certificate_id", "registration_number", "issued_on", "child_name_masked")


def lookup(certificate_id: str) -> dict:
    certificate = Records().certificate(certificate_id) if certificate_id else None
    if not certificate:
        return {"state": "unknown", "certificate_id": certificate_id}
    return {"state": certificate["status"], **{field: certificate[field] for field in PUBLIC_FIELDS}}


def identical(certificate_id: str, pdf: bytes) -> bool | None:
    """Whether an uploaded PDF is byte for byte the archived one; None for an unknown certificate."""
    certificate = Records().certificate(certificate_id) if certificate_id else None
    if not certificate:
        return None
    return hashlib.sha256(pdf).hexdigest() == certificate["sha256"]
