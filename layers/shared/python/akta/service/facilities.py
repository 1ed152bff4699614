"""Partner facilities (hospitals, clinics, midwives) and their API keys.

A key is shown once, stored only as a hash, and revocable; the authorizer turns a key into the
facility id that the API then trusts (never a facility id from the request body).
"""

from __future__ import annotations

from akta.adapters.records import Records
from akta.adapters.tasks import TaskStore
from akta.domain.errors import FieldError, InvalidInput, NotFound
from akta.domain.identifiers import FACILITY_ID
from akta.service.common import now

KINDS = ("hospital", "clinic", "midwife")


def register(facility_id: str, name: str, kind: str, contact: str) -> dict:
    if not FACILITY_ID.fullmatch(facility_id):
        raise InvalidInput([FieldError("facility_id", "facility_id_format", "facility id: lowercase letters, digits and hyphens, 2-63 characters")])
    if kind not in KINDS:
        raise InvalidInput([FieldError("kind", "kind_unknown", f"kind must be one of {', '.join(KINDS)}")])
    facility = {"facility_id": facility_id, "name": name, "kind": kind, "contact": contact, "active": True,
                "registered_at": now().isoformat()}
    Records().put_facility(facility)
    return facility


def issue_key(facility_id: str) -> tuple[str, str]:
    if not Records().facility(facility_id):
        raise NotFound("facility_not_found", facility_id)
    return TaskStore().create_api_key(facility_id, now())


def revoke_key(key_id: str) -> bool:
    return TaskStore().revoke_api_key(key_id, now())


def listing() -> list[dict]:
    keys = TaskStore().api_keys()
    return [
        {**facility, "keys": [{"key_id": k["key_id"], "status": k["status"], "created_at": k["created_at"]}
                              for k in keys if k["facility_id"] == facility["facility_id"]]}
        for facility in sorted(Records().facilities(), key=lambda f: f["facility_id"])
    ]


def authorize(key: str) -> str | None:
    """The facility a key belongs to, if the key is open and the facility active."""
    item = TaskStore().api_key(key) if key else None
    if not item:
        return None
    facility = Records().facility(item["facility_id"])
    return facility["facility_id"] if facility and facility.get("active") else None
