"""The fixed validation split every part of the project shares (training, eval, reports).

A group (an article id, a target phrase) is in validation when the SHA-1 of its key, read as an
integer, is divisible by 5: about a fifth of the groups, stable across machines and runs, and whole
groups at a time so no article or topic leaks from training into validation.
"""

from __future__ import annotations

import hashlib


def stable_bucket(key: object, buckets: int) -> int:
    """The bucket (0 … buckets − 1) of ``key``: SHA-1 of its text as an integer, modulo ``buckets``.

    Unlike ``hash()``, the same on every machine and run, so splits and per-row choices are reproducible.
    """
    return int(hashlib.sha1(str(key).encode("utf-8")).hexdigest(), 16) % buckets


def is_validation(group_key: str) -> bool:
    """True when the group ``group_key`` (e.g. an article id as text) belongs to validation."""
    return stable_bucket(group_key, 5) == 0
