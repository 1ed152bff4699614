"""One child, one certificate: a second application for the same mother, birth date and child
(name, birth order) is a possible duplicate. Twins share mother and date but not birth order."""

from __future__ import annotations

import hashlib
import unicodedata

from akta.domain.models import ApplicationData


def child_key(application: ApplicationData) -> str:
    """A digest of what identifies the child, so the lookup key holds no NIK or name."""
    name = " ".join(unicodedata.normalize("NFKD", application.child.name).casefold().split())
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    parts = (application.mother.nik, application.child.birth_date.isoformat(), name, str(application.child.birth_order))
    return hashlib.sha256("akta-kelahiran/one-child\x1f".encode() + "\x1f".join(parts).encode()).hexdigest()
