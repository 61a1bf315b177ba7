"""Movable Type / TypePad exports: the plain-text import/export format many newspaper blogs left behind.

An entry is a block of ``KEY: value`` lines (``AUTHOR``, ``TITLE``, ``BASENAME``, ``STATUS``, ``DATE`` …),
then sections each opened by a keyword line (``BODY:``, ``EXTENDED BODY:``, ``EXCERPT:``, ``COMMENT:``,
``PING:`` …) and closed by a line of five dashes; a line of eight dashes ends the entry. A comment
section opens with its own ``AUTHOR`` / ``EMAIL`` / ``URL`` / ``IP`` / ``DATE`` lines, then its text; a
ping (a TrackBack) with ``TITLE`` / ``URL`` / ``IP`` / ``BLOG NAME`` / ``DATE``, then its excerpt. Dates
are ``MM/DD/YYYY hh:mm:ss AM``. Comments are not threaded in this format. Every entry is an article,
with or without comments (a post readers saw); e-mail and IP addresses are not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, to_iso8601
from analyzer.readers._structured import decode_text, markup_text, repair_rejects
from analyzer.records import Article, Comment, Reject

FORMAT = "movabletype"
_ENTRY_END = "--------"
_SECTION_END = "-----"
_KEY_LINE = re.compile(r"^(?P<key>[A-Z][A-Z ]*[A-Z]):(?: (?P<value>.*))?$")
#: The opening lines of an export: its first entry's keys, then the dashes that end them.
_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:AUTHOR|TITLE|BASENAME|STATUS|DATE|ALLOW COMMENTS|CONVERT BREAKS|"
                   rb"ALLOW PINGS|PRIMARY CATEGORY|CATEGORY|TAGS|NO ENTRY|UNIQUE URL): [^\n]*\r?\n){2,}-----\r?\n")
_BODY_SECTIONS = ("BODY", "EXTENDED BODY")
#: The key lines a comment or ping section opens with; a text line that merely looks like one stays text.
_RESPONSE_KEYS = {"COMMENT": {"AUTHOR", "EMAIL", "URL", "IP", "DATE"}, "PING": {"TITLE", "URL", "IP", "BLOG NAME", "DATE"}}
_PRIVATE_KEYS = ("EMAIL", "IP")


def _sniff(head: bytes, path: Path) -> float:
    return 0.9 if _HEAD.match(head) else 0.0


@dataclass
class _Section:
    """One ``KEY:`` section of an entry: its own key lines (comments and pings have them) and its text."""

    name: str
    line: int
    keys: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


def _sections(lines: list[str], first: int) -> tuple[dict[str, str], list[_Section]]:
    """An entry's key lines and its sections; ``first`` is the file line number of ``lines[0]``."""
    keys: dict[str, str] = {}
    index = 0
    while index < len(lines) and lines[index] != _SECTION_END:
        if match := _KEY_LINE.match(lines[index]):
            keys.setdefault(match.group("key"), (match.group("value") or "").strip())
        index += 1
    sections: list[_Section] = []
    current: _Section | None = None
    for offset, line in enumerate(lines[index + 1:], start=index + 1):
        if current is None:
            match = _KEY_LINE.match(line)
            if match and not match.group("value"):
                current = _Section(match.group("key"), first + offset)
            continue
        if line == _SECTION_END:
            sections.append(current)
            current = None
        elif (not current.text and (match := _KEY_LINE.match(line))
              and match.group("key") in _RESPONSE_KEYS.get(current.name, ())):
            current.keys[match.group("key")] = (match.group("value") or "").strip()
        else:
            current.text.append(line)
    if current is not None:  # the file ends inside a section: keep what it holds
        sections.append(current)
    return keys, sections


def _response(section: _Section, article_id: str, number: int) -> Comment:
    """A comment, or a ping as the TrackBack it is (its blog the author, its excerpt the text)."""
    ping = section.name == "PING"
    return Comment(
        id=f"{article_id}-{'p' if ping else 'c'}{number}",
        text=markup_text("\n".join(section.text)),
        position=number,
        depth=0,  # the format has no threads
        author=(section.keys.get("BLOG NAME") if ping else section.keys.get("AUTHOR")) or None,
        time=to_iso8601(section.keys.get("DATE") or ""),
        kind="trackback" if ping else "comment",
        extra={key.lower(): value for key, value in section.keys.items()
               if value and key not in _PRIVATE_KEYS and key not in ("AUTHOR", "BLOG NAME", "DATE")},
    )


def _article(path: Path, lines: list[str], first: int, number: int, result: ReadResult) -> Article:
    keys, sections = _sections(lines, first)
    article_id = keys.get("BASENAME") or f"{path.stem}:{number}"
    body = "\n\n".join(markup_text("\n".join(s.text)) for s in sections if s.name in _BODY_SECTIONS)
    article = Article(id=article_id, source_file=str(path), format=FORMAT, title=clean_text(keys.get("TITLE")) or None,
                      date=to_iso8601(keys.get("DATE") or ""), body=clean_text(body),
                      extra={k.lower(): v for k, v in keys.items() if k in ("STATUS", "PRIMARY CATEGORY") and v})
    for section in sections:
        if section.name not in _RESPONSE_KEYS:
            continue
        comment = _response(section, article_id, len(article.comments))
        if comment.text:
            article.comments.append(comment)
        else:
            result.rejects.append(Reject(str(path), f"line {section.line}", f"{section.name.lower()} without text",
                                         "\n".join(f"{k}: {v}" for k, v in section.keys.items())))
    return article


@register(FORMAT, _sniff, "Movable Type / TypePad export (plain-text entries, their comments and pings)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    result = ReadResult(rejects=repair_rejects(path, decoded.repairs, "text repaired"))
    lines = [line.rstrip("\r") for line in decoded.text.lstrip("\ufeff").split("\n")]
    start = 0
    for index, line in enumerate([*lines, _ENTRY_END]):
        if line.strip() != _ENTRY_END:
            continue
        entry = lines[start:index]
        if any(text.strip() for text in entry):
            result.articles.append(_article(path, entry, start + 1, len(result.articles) + 1, result))
        start = index + 1
    if not result.articles:
        raise ReaderError(path, "line 1", "no Movable Type entry in the file")
    return result
