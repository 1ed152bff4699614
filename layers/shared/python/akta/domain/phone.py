"""Indonesian mobile numbers (used for WhatsApp notifications)."""

from __future__ import annotations

import re

from akta.domain.errors import InvalidInput

_SEPARATORS = re.compile(r"[ \-.()]")
# Mobile national significant number: 8 then 8..11 digits (9..12 digits in all).
_MOBILE_NSN = re.compile(r"8[0-9]{8,11}")


def normalise_mobile(value: str) -> str:
    """Return the number in E.164 form, "+628...".

    Accepts "0812-3456-7890", "+62 812 3456 7890", "62812...", "812..."; spaces,
    dashes, dots and parentheses are ignored. Raises InvalidInput(code="phone_format")
    (never echoing the value) for anything else.
    """
    if not isinstance(value, str):
        raise InvalidInput(code="phone_format")
    digits = _SEPARATORS.sub("", value.strip())
    for prefix in ("+62", "62", "0"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    if not _MOBILE_NSN.fullmatch(digits):
        raise InvalidInput(code="phone_format")
    return "+62" + digits
