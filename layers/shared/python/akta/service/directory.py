"""The staff directory: who holds each role (operator, verifier, head of office, Drive-Thru, supervisor).

Each link goes to a named, active person. The head of office also has a personal signing PIN, stored as a
salted PBKDF2 hash, with a limited number of attempts before it locks: a second factor against a forwarded
or stolen link.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from akta.domain.errors import FieldError, InvalidInput, NotFound, Refused
from akta.adapters.identity import GROUPS
from akta.service.common import now
from akta.service.ports import Adapters

ROLES = GROUPS  # the user pool's groups
PIN_ATTEMPTS = 5
PIN_LOCKOUT = timedelta(minutes=30)
_PIN = re.compile(r"^\d{6,8}$")
_STAFF_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{1,62}$")
_ITERATIONS = 200_000


class NoStaff(NotFound):
    """Nobody active holds this role (or no such person): the task cannot be assigned."""

    code = "no_staff"


def add(adapters: Adapters, staff_id: str, role: str, name: str, email: str, nip: str = "") -> dict:
    if not _STAFF_ID.match(staff_id):
        raise InvalidInput([FieldError("staff_id", "staff_id_format", "staff id: lowercase letters, digits, dots and hyphens, 2-63 characters")])
    if role not in ROLES:
        raise InvalidInput([FieldError("role", "role_unknown", f"role must be one of {', '.join(ROLES)}")])
    person = {"staff_id": staff_id, "role": role, "name": name, "email": email, "nip": nip, "active": True,
              "pin_failures": 0, "pin_last_attempt": 0}
    adapters.records.put_staff(person)
    return person


def set_active(adapters: Adapters, staff_id: str, active: bool) -> bool:
    return adapters.records.set_staff_fields(staff_id, active=active)


def listing(adapters: Adapters, role: str | None = None) -> list[dict]:
    people = sorted(adapters.records.staff(), key=lambda p: (p["role"], p["staff_id"]))
    return [public(p) for p in people if role is None or p["role"] == role]


def public(person: dict) -> dict:
    """A staff record without its PIN hash."""
    return {k: person[k] for k in ("staff_id", "role", "name", "email", "nip", "active") if k in person}


def assignee(adapters: Adapters, role: str, exclude: str | None = None) -> dict:
    """The active person who gets a role's next task (the first by id; a reassignment names another)."""
    for person in listing(adapters, role):
        if person["active"] and person["staff_id"] != exclude:
            return person
    raise NoStaff(None, role)


def person(adapters: Adapters, staff_id: str) -> dict:
    found = adapters.records.staff_member(staff_id)
    if not found:
        raise NoStaff(None, staff_id)
    return public(found)


def set_pin(adapters: Adapters, staff_id: str, pin: str) -> None:
    if not _PIN.match(pin):
        raise InvalidInput([FieldError("pin", "pin_format", "a PIN is 6 to 8 digits")])
    salt = secrets.token_bytes(16)
    if not adapters.records.set_staff_fields(staff_id, pin_salt=salt.hex(), pin_hash=_hash(pin, salt).hex(),
                                             pin_failures=0, pin_last_attempt=0):
        raise NoStaff(None, staff_id)


class PinRefused(Refused):
    def __init__(self, code: str, attempts_left: int = 0):
        super().__init__(code)
        self.attempts_left = attempts_left


def check_pin(adapters: Adapters, staff_id: str, pin: str, at: datetime | None = None) -> None:
    """Raise PinRefused("wrong" | "locked" | "not_set"); a right PIN resets the count of failures.

    The attempt is reserved (counted) before the slow hash is computed, in one conditional write: parallel
    guesses cannot each be compared while the count is still low.
    """
    at = at or now()
    records = adapters.records
    found = records.staff_member(staff_id) or {}
    if not found.get("pin_hash"):
        raise PinRefused("not_set")
    attempt = records.reserve_pin_attempt(staff_id, at=int(at.timestamp()), limit=PIN_ATTEMPTS,
                                          lockout_s=int(PIN_LOCKOUT.total_seconds()))
    if attempt is None:
        raise PinRefused("locked")
    if hmac.compare_digest(_hash(pin or "", bytes.fromhex(found["pin_salt"])), bytes.fromhex(found["pin_hash"])):
        records.set_staff_fields(staff_id, pin_failures=0)
        return
    if attempt >= PIN_ATTEMPTS:
        raise PinRefused("locked")
    raise PinRefused("wrong", PIN_ATTEMPTS - attempt)


def pin_error(refused: PinRefused, *, name: str, ask: str) -> FieldError:
    """The page's message for a refused PIN: `name` is what the page calls the PIN, `ask` whom to turn to."""
    minutes = int(PIN_LOCKOUT.total_seconds() // 60)
    messages = {
        "wrong": f"{name} salah. Sisa percobaan: {refused.attempts_left}.",
        "locked": f"{name} terkunci karena terlalu banyak percobaan salah. Coba lagi setelah {minutes} menit atau {ask}.",
        "not_set": f"{name} belum diatur. {ask[0].upper()}{ask[1:]}.",
    }
    return FieldError("pin", f"pin_{refused.code}", messages[refused.code])


def _hash(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, _ITERATIONS)
