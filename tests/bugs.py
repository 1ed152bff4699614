"""Bugs the tests put into a function's code through the router (`Fault("bug", target=..., replacement=...)`):
each replaces one attribute inside the function's own execution environment, for one invocation."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pydantic

from akta.service import directory, intake, staff

_status = intake.status  # the real one, kept before the bug replaces it
MALFORMED_NIK = "1571020505950001x"


def missing_key(adapters, link_id, viewer):
    return {}["no such key"]


def status_not_a_status(*args, **kwargs):
    return {**_status(*args, **kwargs), "status": ["not", "a", "status"]}


class _Person(pydantic.BaseModel):
    nik: int


def validation_error_quoting_a_nik(*args):
    return _Person(nik=MALFORMED_NIK)


SLOW_SECONDS = 1.5  # longer than starting an environment (with its authorizer's) takes here


def slow_status(*args, **kwargs):
    """The status answer after a wait (a slow dependency): overlapping invocations are certain to overlap."""
    time.sleep(SLOW_SECONDS)
    return _status(*args, **kwargs)


def hangs(*args, **kwargs):
    """A call that does not come back within any function's timeout."""
    time.sleep(60)


PIN_COMPARISONS = Path(tempfile.gettempdir()) / "akta-sandbox-pin-comparisons"
_pin_hash = directory._hash


def counted_pin_hash(pin, salt):
    """The PIN's hash, each computation counted in PIN_COMPARISONS (one byte each, across environments)."""
    with PIN_COMPARISONS.open("ab") as counted:
        counted.write(b".")
    return _pin_hash(pin, salt)


_submit = intake.submit
_decide = staff.decide


def slow_submit(*args, **kwargs):
    """Submitting after a wait: a second request with the same key arrives while the first is in flight."""
    time.sleep(SLOW_SECONDS)
    return _submit(*args, **kwargs)


def exits(*args, **kwargs):
    """The process ends in the middle of an invocation (a crash in native code, the OOM killer)."""
    os._exit(3)


def answers_seven_megabytes(*args, **kwargs):
    return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}


def slow_decide(*args, **kwargs):
    """A staff decision after a wait: a second decision on the same link arrives while the first is in flight."""
    time.sleep(SLOW_SECONDS)
    return _decide(*args, **kwargs)


_resubmit = intake.resubmit


def slow_resubmit(*args, **kwargs):
    time.sleep(SLOW_SECONDS)
    return _resubmit(*args, **kwargs)


def notifies_then_hangs(*args, **kwargs):
    """The applicant is notified, then the function never returns: what it sent was sent all the same."""
    from akta.service.delivery import notify

    notify(*args, **kwargs)
    time.sleep(60)
