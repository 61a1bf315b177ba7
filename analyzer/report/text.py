"""Make untrusted strings (titles, comments, ids) safe to draw and to use as file names.

Titles come from scraped pages: they may hold HTML, entities, control characters, very long
unbroken strings, emoji, or CJK text that is twice as wide per character as Latin text.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
import unicodedata

from analyzer.readers._common import clean_text
from analyzer.report.style import displayable

_TAGS = re.compile(r"</?[A-Za-z!][^<>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"


def plain(text: object) -> str:
    """Visible text only: tags dropped, entities decoded, control and bidi marks removed, spaces collapsed."""
    if text is None or (isinstance(text, float) and text != text):  # None or NaN from pandas
        return ""
    value = html.unescape(_TAGS.sub(" ", str(text)))
    return displayable(clean_text(_CONTROL.sub("", value)))


def _display_width(text: str) -> int:
    """Columns the text takes: wide (CJK, fullwidth) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: object, width: int, max_lines: int) -> str:
    """``text`` as at most ``max_lines`` lines of about ``width`` Latin columns, ending in … when cut.

    Long unbroken words (URLs) are split; wide characters shrink the width so that CJK lines
    take as much room as Latin ones.
    """
    flat = " ".join(plain(text).split())
    if not flat:
        return ""
    scaled = max(4, int(width * len(flat) / max(1, _display_width(flat))))
    lines = textwrap.wrap(flat, scaled, break_long_words=True, break_on_hyphens=True)
    if len(lines) <= max_lines:
        return "\n".join(lines)
    kept = lines[:max_lines]
    kept[-1] = kept[-1][: max(1, scaled - 1)].rstrip() + ELLIPSIS
    return "\n".join(kept)


def shorten(text: object, width: int) -> str:
    """One line of at most about ``width`` columns."""
    return wrap(text, width, 1)


def safe_filename(article_id: str, max_length: int = 80) -> str:
    """A portable file name for an article id; a short hash keeps altered ids from colliding."""
    cleaned = _UNSAFE_FILENAME.sub("_", article_id).strip("._")[:max_length]
    if cleaned == article_id and cleaned:
        return cleaned
    digest = hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else digest
