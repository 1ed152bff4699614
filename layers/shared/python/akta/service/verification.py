"""Public verification of a certificate by the id in its QR code: valid, revoked or unknown."""

from __future__ import annotations

import hashlib

from akta.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from akta.service.common import now
from akta.service.ports import Adapters

PUBLIC_FIELDS = ("certificate_id", "registration_number", "issued_on", "child_name_masked")


def lookup(adapters: Adapters, certificate_id: str) -> dict:
    certificate = adapters.records.certificate(certificate_id) if certificate_id else None
    if not certificate:
        return {"state": "unknown", "certificate_id": certificate_id}
    return {"state": certificate["status"], **{field: certificate[field] for field in PUBLIC_FIELDS}}


def identical(adapters: Adapters, certificate_id: str, pdf: bytes) -> bool | None:
    """Whether an uploaded PDF is byte for byte the archived one; None for an unknown certificate."""
    certificate = adapters.records.certificate(certificate_id) if certificate_id else None
    if not certificate:
        return None
    return hashlib.sha256(pdf).hexdigest() == certificate["sha256"]


REVOCATION_REASONS = {
    "data_salah": "data pada akta salah",
    "pembatalan_pengadilan": "pembatalan oleh putusan pengadilan",
    "penggantian": "diganti dengan akta baru",
    "lainnya": "lainnya",
}


def revoke(adapters: Adapters, certificate_id: str, reason: str, note: str, by: str) -> dict:
    """Revoke a certificate: verification then says "revoked"; the archive keeps the document and the record."""
    if reason not in REVOCATION_REASONS:
        raise InvalidInput([FieldError("reason", "reason_unknown", f"reason must be one of {', '.join(REVOCATION_REASONS)}")])
    certificate = adapters.records.certificate(certificate_id)
    if not certificate:
        raise NotFound("certificate_not_found", certificate_id)
    revocation = {"certificate_id": certificate_id, "reason": reason, "note": note, "by": by, "at": now().isoformat()}
    if not adapters.records.revoke_certificate(certificate_id, revocation):
        raise Conflict("already_revoked", certificate_id)
    adapters.archive.put_revocation(certificate["application_id"], revocation)
    _end_the_pickup(adapters, certificate["application_id"])
    return revocation


def _end_the_pickup(adapters: Adapters, application_id: str) -> None:
    """A file waiting at the Drive-Thru with a revoked akta waits no more: its task ends at once with
    CertificateRevoked, which the state machine records (a new certificate is needed), instead of the pickup's
    30-day timeout. The counter refuses the code meanwhile (akta.service.delivery)."""
    from akta.adapters.executions import TaskGone
    from akta.domain.errors import Refused

    current = adapters.records.get(application_id)
    key = (current.get("open_tasks") or {}).get("CollectAtDriveThru")
    if current.get("status") != "DRIVE_THRU" or not key:
        return
    try:
        pickup = adapters.tasks.pickup_at(key, now())
        adapters.callbacks.fail(pickup["task_token"], "CertificateRevoked")
    except (Refused, TaskGone):  # handed over or ended meanwhile
        return
