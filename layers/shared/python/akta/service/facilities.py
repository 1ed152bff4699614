"""Partner facilities (hospitals, clinics, midwives) and their API keys.

A key is shown once, stored only as a hash, and revocable; the authorizer turns a key into the
facility id that the API then trusts (never a facility id from the request body).
"""

from __future__ import annotations

from akta.domain.errors import FieldError, InvalidInput, NotFound
from akta.domain.identifiers import FACILITY_ID
from akta.service.common import now
from akta.service.ports import Adapters

KINDS = ("hospital", "clinic", "midwife")


def register(adapters: Adapters, facility_id: str, name: str, kind: str, contact: str) -> dict:
    if not FACILITY_ID.fullmatch(facility_id):
        raise InvalidInput([FieldError("facility_id", "facility_id_format", "facility id: lowercase letters, digits and hyphens, 2-63 characters")])
    if kind not in KINDS:
        raise InvalidInput([FieldError("kind", "kind_unknown", f"kind must be one of {', '.join(KINDS)}")])
    facility = {"facility_id": facility_id, "name": name, "kind": kind, "contact": contact, "active": True,
                "registered_at": now().isoformat()}
    adapters.records.put_facility(facility)
    return facility


def issue_key(adapters: Adapters, facility_id: str) -> tuple[str, str]:
    if not adapters.records.facility(facility_id):
        raise NotFound("facility_not_found", facility_id)
    return adapters.tasks.create_api_key(facility_id, now())


def revoke_key(adapters: Adapters, key_id: str) -> bool:
    return adapters.tasks.revoke_api_key(key_id, now())


def listing(adapters: Adapters) -> list[dict]:
    keys = adapters.tasks.api_keys()
    return [
        {**facility, "keys": [{"key_id": k["key_id"], "status": k["status"], "created_at": k["created_at"]}
                              for k in keys if k["facility_id"] == facility["facility_id"]]}
        for facility in sorted(adapters.records.facilities(), key=lambda f: f["facility_id"])
    ]


def authorize(adapters: Adapters, key: str) -> str | None:
    """The facility a key belongs to, if the key is open and the facility active."""
    item = adapters.tasks.api_key(key) if key else None
    if not item:
        return None
    facility = adapters.records.facility(item["facility_id"])
    return facility["facility_id"] if facility and facility.get("active") else None
