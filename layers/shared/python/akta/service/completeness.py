"""SOP step 3: the completeness check, automatic and instant, with every reason at once."""

from __future__ import annotations

from akta.domain.documents import document_problems, required_documents
from akta.domain.errors import InvalidInput
from akta.domain.duplicates import child_key
from akta.domain.models import is_late_registration, jakarta_today, parse_application
from akta.service.common import SYSTEM, now, record
from akta.service.ports import Adapters, Records


def check(adapters: Adapters, application_id: str) -> dict:
    records, archive = adapters.records, adapters.archive
    at = now()
    record(records, application_id, 3, "started", SYSTEM, at=at)
    current = records.get(application_id)
    try:
        application = parse_application(current["data"], today=jakarta_today(at))
        problems = []
    except InvalidInput as invalid:
        application, problems = None, list(invalid.errors)
    uploaded = archive.uploaded(application_id)
    problems += document_problems(application, uploaded)
    complete = not problems
    if complete:
        # Only what passed is copied into the archive; the quarantine copy expires on its own.
        for kind in required_documents(application):
            archive.archive_document(application_id, kind)
        flags = _flags(records, application_id, application, current, at)
        records.update(application_id, reasons=[], **flags)
        for flag in ("late_registration", "possible_duplicates"):
            if flags[flag]:
                record(records, application_id, 3, "note", SYSTEM, flag)
    else:
        records.update(application_id, reasons=[p.as_dict() for p in problems])
    record(records, application_id, 3, "finished", SYSTEM, "complete" if complete else "incomplete")
    return {"complete": complete, "reason_codes": sorted({p.code for p in problems})}


def _flags(records: Records, application_id: str, application, current: dict, at) -> dict:
    """What the operator must see before registering: a late registration, a possible duplicate."""
    key = child_key(application)
    return {
        "late_registration": is_late_registration(application.child.birth_date, jakarta_today(at)),
        "possible_duplicates": records.same_child(application_id, key, current.get("child_key")),
        "child_key": key,
    }
