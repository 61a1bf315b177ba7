"""The fixed validation split every part of the project shares (training, eval, reports).

A group (an article id, a target phrase) is in validation when the SHA-1 of its key, read as an
integer, is divisible by 5: about a fifth of the groups, stable across machines and runs, and whole
groups at a time so no article or topic leaks from training into validation.
"""

from __future__ import annotations

import hashlib


def is_validation(group_key: str) -> bool:
    """True when the group ``group_key`` (e.g. an article id as text) belongs to validation."""
    return int(hashlib.sha1(str(group_key).encode("utf-8")).hexdigest(), 16) % 5 == 0
