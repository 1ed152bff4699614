"""What the public verification page (the QR code's target) may say about a certificate."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """First letter of each word, the rest hidden: enough to recognise, not enough to learn a name."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())
