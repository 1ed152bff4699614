"""SOP step 3's other branch: an incomplete file goes back to the hospital until it is resubmitted.

Kept apart from the completeness check so that the function returning files does not import the
application models (pydantic), which it never uses.
"""

from __future__ import annotations

from akta.service.common import Status, now, record
from akta.service.ports import Adapters


def return_to_hospital(adapters: Adapters, application_id: str, task_token: str) -> None:
    """Hand the file back: the token is stored first, then the status the hospital polls changes.

    On the timeline the file is back at SOP steps 1-2 (applicant and hospital) until it is resubmitted.
    """
    records = adapters.records
    at = now()
    records.put_waiting(application_id, "return", task_token, at)
    records.update(application_id, status=Status.RETURNED, returned_at=at.isoformat())
    record(records, application_id, 2, "started", "hospital", "returned", at=at)
