"""Helpers every reader shares: decoding, whitespace, times and thread depth."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone

from dateutil import parser as date_parser

from analyzer.records import Comment

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# "5 years ago", "yesterday", "vor 3 Stunden": dateutil would silently anchor these to today.
_RELATIVE_TIME = re.compile(r"\b(ago|yesterday|today|just now|vor \d+|il y a)\b", re.IGNORECASE)


#: UTF-16 byte-order marks (little-, big-endian): such a file is text even though it holds NUL bytes.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_bytes(data: bytes, declared: str | None = None, fallback: str = "cp1252") -> str:
    """Decode leniently: the declared encoding (or UTF-8), else the fallback, never an exception.

    Scraped pages often declare one encoding and contain another; a page is better read with
    a few wrong characters than not read at all. A UTF-16 byte-order mark (Windows Notepad's
    "Unicode") outranks any declaration: those two bytes are never UTF-8 and hardly ever begin a real text.
    """
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in filter(None, (declared, "utf-8")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(fallback, errors="replace")


def clean_text(text: str | None) -> str:
    """Collapse runs of spaces, trim each line, keep paragraph breaks (at most one blank line)."""
    if not text:
        return ""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def to_iso8601(value: str | int | float | None) -> str | None:
    """A time as ISO-8601, or None when it cannot be read.

    Numbers are Unix epoch seconds (UTC). Strings go through dateutil; relative times such as
    "3 hours ago" cannot be anchored without the scrape time and give None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{9,11}(\.\d+)?", value)):
        return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat()
    text = clean_text(str(value))
    if _RELATIVE_TIME.search(text):
        return None
    text = re.sub(r"\b(at|um|à|a las)\b", " ", text, flags=re.IGNORECASE)
    try:
        return date_parser.parse(text, fuzzy=True).isoformat()
    except (ValueError, OverflowError):
        return None


def fill_depths(comments: Iterable[Comment]) -> None:
    """Set ``depth`` from ``parent_id`` links where the source gave no depth.

    A comment whose parent is not in the list (deleted upstream, or in another file) is treated
    as top level and keeps its dangling ``parent_id``, so the link is not lost.
    """
    comments = list(comments)
    by_id = {c.id: c for c in comments}

    def depth_of(comment: Comment, seen: set[str]) -> int:
        if comment.depth is not None:
            return comment.depth
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is None or parent.id in seen:
            return 0
        return depth_of(parent, seen | {comment.id}) + 1

    for comment in comments:
        if comment.depth is None:
            comment.depth = depth_of(comment, set())
