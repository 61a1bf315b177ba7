"""Helpers the readers of untrusted files share: safe XML and JSON parsing, decoding line by line,
typed fields and per-item rejects, root-tag sniffing, HTML to text.

XML exports come from the outside world, so parsing never fetches anything, never expands
entities and refuses documents that declare them (the "billion laughs" family of attacks), in
the spirit of defusedxml's ``forbid_entities``. Broken files are recovered where lxml can, and
every repair is reported so the user knows what part of the file was guessed.

JSON and text get the same treatment: what cannot be read as it is (bytes that are not UTF-8, NUL
characters, lone surrogates, NaN, numbers out of range) is repaired and reported as ``repairs``
(location, message); nesting deeper than Python's stack is refused with a reason. One item (a
comment, a post, a row) with a field of the wrong type raises :class:`ItemError` in the typed
accessors below; the reader turns it into a Reject with :func:`item_reject` and goes on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from analyzer.readers import ReaderError
from analyzer.readers._common import WESTERN, clean_text, legacy_encoding
from analyzer.records import Reject

# What may precede the root element: BOM, XML declaration, comments, processing instructions, DOCTYPE.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.DOTALL)
_TAG_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "dd", "dt", "section", "article",
})
_INVISIBLE_TAGS = ("script", "style", "template")
# The declared encoding; control bytes inside its name are read past (and removed with the others).
_XML_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:\x00-\x1f-]+)""")
_UTF8_NAMES = {b"utf-8", b"utf8"}
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def root_tag(head: bytes) -> str | None:
    """The name of the first element in an XML/HTML head (prefix included), or None if there is none."""
    prolog = _PROLOG.match(head)
    rest = head[prolog.end() if prolog else 0 :]
    match = _TAG_NAME.match(rest)
    return match.group(1).decode("ascii", "replace") if match else None


@dataclass
class ParsedXml:
    root: etree._Element
    #: What was repaired, as (location, message): lxml's recoveries, then the bytes and control
    #: characters fixed before parsing (_utf8_xml); empty for a well-formed file.
    repairs: list[tuple[str, str]] = field(default_factory=list)


def _location(line: int | None, column: int | None) -> str:
    return f"line {line or '?'}, column {column or '?'}"


def split_tag(element: etree._Element) -> tuple[str | None, str]:
    """An element's namespace URI and local name, read from its tag: lxml's QName refuses the
    prefixed names ("wp:post_id") that recovery leaves where a namespace declaration was lost."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _utf8_xml(data: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """UTF-8 XML with its bytes that are not UTF-8, and its control characters, repaired as in a text file
    (:func:`decode_text`), with the repairs: libxml2 stops at the first such byte and recovers
    nothing after it. XML in another encoding, declared or by its byte-order mark, goes to lxml as it is."""
    declared = _XML_ENCODING.match(data)
    if wide_encoding(data) or (declared and _CONTROL_BYTES.sub(b"", declared.group(1)).lower() not in _UTF8_NAMES):
        return data, []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _CONTROL_BYTES.search(data):
            return data, []
    decoded = decode_text(data)
    return decoded.text.encode("utf-8"), decoded.repairs


def parse_xml(path: Path, data: bytes) -> ParsedXml:
    """Parse untrusted XML: no network, no entity expansion, entity declarations refused.

    A malformed file is parsed again in lxml's recovery mode; what was repaired comes back in
    ``repairs``. When nothing usable is left, ReaderError names the first error's line and column.
    """
    options = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
    data, decoding = _utf8_xml(data)
    repairs: list[tuple[str, str]] = []
    try:
        root = etree.fromstring(data, etree.XMLParser(**options))
    except etree.XMLSyntaxError as strict_error:
        line, column = strict_error.position
        recovering = etree.XMLParser(recover=True, **options)
        root = etree.fromstring(data, recovering)
        if root is None:
            raise ReaderError(path, _location(line, column), f"not well-formed XML: {strict_error.msg}") from None
        repairs = [(_location(e.line, e.column), e.message) for e in recovering.error_log]
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ReaderError(path, "DOCTYPE", "entity declarations are refused (they can expand without bound)")
    # lxml's repairs first: a reader that recovered nothing names the first of them
    return ParsedXml(root=root, repairs=repairs + decoding)


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs and line breaks kept."""
    if not markup or not markup.strip():
        return ""
    try:
        container = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(markup)
    for invisible in list(container.iter(*_INVISIBLE_TAGS)):
        invisible.drop_tree()
    return element_text(container)


#: What only markup looks like: a bare formatting tag (``<p>``, ``<br/>``), a tag with a quoted attribute, a
#: closing tag, or a character entity. "I <3 this", "a < b" and "<a lot of people>" are none of these.
_MARKUP = re.compile(
    r"<(?:p|br|em|strong|b|i|u|s|q|blockquote|div|span|ul|ol|li|code|pre|cite|del|ins|strike|sub|sup|hr)\s*/?>"
    r"|<[a-z][a-z0-9]*(?:\s+[a-z-]+=(?:\"[^\"<>]*\"|'[^'<>]*'))+\s*/?>"
    r"|</(?:p|a|em|strong|b|i|u|s|q|blockquote|div|span|ul|ol|li|code|pre|cite|del|ins|strike|sub|sup)>"
    r"|&(?:#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp|hellip|mdash|ndash|rsquo|lsquo|rdquo|ldquo);",
    re.IGNORECASE,
)


def markup_text(text: str) -> str:
    """A text field as plain text: converted like ``html_to_text`` when it holds HTML markup (platforms store
    comments as they render them: WordPress's ``comment_content``, ``content.rendered``, Mastodon's
    ``content``), cleaned as written otherwise."""
    return html_to_text(text) if _MARKUP.search(text) else clean_text(text)


def element_text(element: etree._Element) -> str:
    """Text of an element with paragraph and line breaks kept (``text_content`` glues paragraphs), and each
    line of a ``<blockquote>`` marked "> " as mail and Markdown mark a quote (nested: "> > ").

    Changes the element in place: pass a copy when the tree is used afterwards.
    """
    for quote in _outermost_quotes(element):
        _write_as_quote_lines(quote)
    for node in element.iter(etree.Element):
        if node is element:
            continue
        if node.tag == "br":  # the newline a source often writes after it is no second break
            node.tail = "\n" + (node.tail or "").lstrip(" \t\r\n")
        elif node.tag in BLOCK_TAGS:
            node.text = "\n\n" + (node.text or "")
            node.tail = "\n\n" + (node.tail or "")
    return clean_text(element.text_content())


def _is_quote(node: etree._Element) -> bool:
    """A ``<blockquote>``, or Discourse's ``<aside class="quote">`` (who is quoted, then a blockquote)."""
    return node.tag == "blockquote" or (node.tag == "aside" and "quote" in (node.get("class") or "").split())


def _outermost_quotes(element: etree._Element) -> list[etree._Element]:
    """The quotes under ``element`` that no other quote under it holds."""
    return [
        quote for quote in element.iter("blockquote", "aside")
        if quote is not element and _is_quote(quote) and not any(map(_is_quote, _ancestors_below(quote, element)))
    ]


def _ancestors_below(node: etree._Element, top: etree._Element) -> Iterator[etree._Element]:
    for ancestor in node.iterancestors():
        if ancestor is top:
            return
        yield ancestor


def _write_as_quote_lines(quote: etree._Element) -> None:
    """Replace a quote by a block of its text with every line marked "> " (the marks tell readers and the
    scorer, ``analyzer.targets.own_words``, whose words these are)."""
    if quote.tag != "blockquote":  # the blockquote inside an aside is the same quote, not a nested one
        for inner in _outermost_quotes(quote):
            if inner.tag == "blockquote":
                inner.tag = "div"
    lines = element_text(quote).split("\n")
    block = quote.makeelement("div", {})
    block.text = "\n".join(f"> {line}" if line.strip() else "" for line in lines)
    block.tail = quote.tail
    quote.getparent().replace(quote, block)


# --- decoding -------------------------------------------------------------------------------------

#: Bytes that are not UTF-8, as ``surrogateescape`` decoding leaves them.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
#: A character beyond ASCII that was valid UTF-8: the file is UTF-8, not a single-byte encoding.
_UTF8_BEYOND_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
#: Characters no parser of ours takes as text: C0 controls but tab, LF and CR; the non-characters U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]+")
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
              (b"\xfe\xff", "utf-16"))
#: UTF-16 without a byte-order mark: this share of NULs on one side of the first bytes, and no more
#: than its complement on the other.
_WIDE_SAMPLE, _WIDE_NUL_SHARE = 512, 0.6
#: Lines named in one repair message; the rest are counted.
_LINES_NAMED = 10


@dataclass(frozen=True)
class DecodedText:
    text: str
    #: What was repaired, as (location, message) like ``ParsedXml.repairs``; empty for a clean file.
    repairs: list[tuple[str, str]] = field(default_factory=list)


def lines_location(lines: list[int]) -> str:
    """``line 3`` or ``lines 3, 7, 12 and 40 more``."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    named = ", ".join(map(str, lines[:_LINES_NAMED]))
    more = len(lines) - _LINES_NAMED
    return f"lines {named}" + (f" and {more} more" if more > 0 else "")


def _line_numbers(text: str, positions: list[int]) -> list[int]:
    """The 1-based numbers of the lines holding these (ascending) positions, each once, in one pass."""
    lines: list[int] = []
    line, counted_to = 1, 0
    for position in positions:
        line += text.count("\n", counted_to, position)
        counted_to = position
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _lines_of(text: str, pattern: re.Pattern[str]) -> list[int]:
    return _line_numbers(text, [match.start() for match in pattern.finditer(text)])


def wide_encoding(data: bytes) -> str | None:
    """UTF-32 or UTF-16 by byte-order mark, or UTF-16 without one when NULs fill every other byte of
    the start, as they do in ASCII text (a stray NUL or three in a UTF-8 file are no such pattern)."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return encoding
    even, odd = data[:_WIDE_SAMPLE:2], data[1:_WIDE_SAMPLE:2]
    if len(odd) < 2:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= _WIDE_NUL_SHARE and even_nul <= 1 - _WIDE_NUL_SHARE:
        return "utf-16-le"
    if even_nul >= _WIDE_NUL_SHARE and odd_nul <= 1 - _WIDE_NUL_SHARE:
        return "utf-16-be"
    return None


def classic_mac_lines(text: str) -> str:
    """The text with its line breaks as "\n" where it breaks lines with "\r" alone (classic Mac OS; Excel for
    Mac's "CSV (Macintosh)" still writes it): read as it is, such a file is one line, a table as prose."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def decode_text(data: bytes, fallback: str | None = None) -> DecodedText:
    """Decode a text file for the line- and record-based readers, repairing per byte, never raising; a file
    breaking its lines with "\r" alone has them broken with "\n" (:func:`classic_mac_lines`).

    UTF-16 and UTF-32 are recognised by their byte-order mark, UTF-16 also without one
    (:func:`wide_encoding`). Otherwise the file is UTF-8 — unless it is mostly not: nothing in it beyond
    ASCII is UTF-8, or its bytes that are not UTF-8 outnumber its characters that are twice over (the
    double bytes of Chinese or Japanese text make a few UTF-8 characters by chance). That file is read as a
    whole in ``fallback``, by default in the encoding its bytes suggest (``legacy_encoding``: cp1252 unless
    they read as another script, which is then noted). In a UTF-8 file only the bytes that are not UTF-8
    are read in ``fallback`` (by default cp1252: a Windows "é" pasted into a UTF-8 scrape), so one stray
    byte no longer turns every "•" of the file into "â€¢"; their lines are reported.
    Control characters are removed and reported (:func:`without_controls`).
    """
    wide = wide_encoding(data)
    if wide is not None:
        return without_controls(classic_mac_lines(data.decode(wide, errors="replace")))
    text = classic_mac_lines(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape"))
    if not _ESCAPED_BYTES.search(text):
        return without_controls(text)
    bad_bytes = sum(len(run) for run in _ESCAPED_BYTES.findall(text))
    if bad_bytes > _MOSTLY_NOT_UTF8 * len(_UTF8_BEYOND_ASCII.findall(text)):
        return _decoded_whole(data, fallback)
    lines = _lines_of(text, _ESCAPED_BYTES)
    stray = fallback or WESTERN
    text = _ESCAPED_BYTES.sub(
        lambda run: run.group().encode("utf-8", "surrogateescape").decode(stray, errors="replace"), text)
    cleaned = without_controls(text)
    repair = (lines_location(lines), f"{bad_bytes} byte(s) not valid UTF-8 read as {stray}")
    return DecodedText(cleaned.text, [repair, *cleaned.repairs])


#: A file whose bytes that are not UTF-8 outnumber its UTF-8 characters beyond ASCII this many times is not UTF-8.
_MOSTLY_NOT_UTF8 = 2


def _decoded_whole(data: bytes, fallback: str | None) -> DecodedText:
    """A file that is not UTF-8, read in ``fallback`` or in the encoding its bytes suggest, which is noted where it
    is not the usual cp1252."""
    encoding = fallback or legacy_encoding(data)
    decoded = without_controls(classic_mac_lines(data.decode(encoding, errors="replace")))
    if encoding == (fallback or WESTERN):
        return decoded
    guess = ("file", f"not UTF-8: read as {encoding}, the encoding its bytes suggest (name another with --encoding)")
    return DecodedText(decoded.text, [guess, *decoded.repairs])


def without_controls(text: str) -> DecodedText:
    """The text without the characters XML and HTML parsers refuse (NUL and the other C0 controls but
    tab and line breaks; U+FFFE, U+FFFF), which are no text anyway: removed, with their lines."""
    if not _CONTROLS.search(text):
        return DecodedText(text)
    lines = _lines_of(text, _CONTROLS)
    return DecodedText(_CONTROLS.sub("", text), [(lines_location(lines), "control characters (NUL …) removed")])


# --- JSON ------------------------------------------------------------------------------------------

# A \uXXXX escape of a high surrogate without its low half, a low one without its high half, or NUL:
# Python's json reads them into strings that cannot be written as UTF-8 (or end C strings early).
# Literal first, so that the search skips ahead fast; whether the backslash is itself escaped is
# checked per match (_is_escape).
_LONE_ESCAPE = re.compile(
    r"\\u(?:[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u)[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|0000)"
)


class BadJson(ValueError):
    """Text that is not JSON Python can hold, with where (line and column when known) and why."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass(frozen=True)
class ParsedJson:
    document: Any
    repairs: list[tuple[str, str]] = field(default_factory=list)


class _OutOfRange:
    """json.loads hooks: NaN, Infinity and numbers Python cannot hold become null, and are counted.

    Strict JSON has no NaN, and a NaN or infinite time or count would only fail later, far from here.
    """

    def __init__(self) -> None:
        self.count = 0

    def null(self) -> None:
        self.count += 1

    def on_constant(self, name: str) -> None:
        self.null()

    def on_float(self, literal: str) -> float | None:
        value = float(literal)
        if math.isfinite(value):
            return value
        self.null()
        return None

    def on_int(self, literal: str) -> int | None:
        try:
            return int(literal)
        except ValueError:  # more digits than int() converts (4300 by default)
            self.null()
            return None


def _is_escape(text: str, backslash: int) -> bool:
    """Whether the backslash at this position starts an escape: an even run of backslashes before it."""
    before = backslash
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return (backslash - before) % 2 == 0


def _without_lone_escapes(text: str) -> tuple[str, list[int]]:
    """The JSON text with lone surrogate escapes as U+FFFD and NUL escapes removed, and where they were."""
    found: list[int] = []

    def replace(match: re.Match[str]) -> str:
        if not _is_escape(text, match.start()):
            return match.group()
        found.append(match.start())
        return "" if match.group().endswith("0000") else "\\ufffd"

    return _LONE_ESCAPE.sub(replace, text), found


#: json's message for a control character inside a string, which ``strict=False`` reads as text.
_RAW_CONTROL = "Invalid control character"
#: How many lines, and characters, one JSON line's raw line breaks may have split it into.
_MAX_SPLIT_LINES, _MAX_SPLIT_CHARS = 100, 1024**2


def parse_json(text: str, first_line: int = 1) -> ParsedJson:
    """json.loads for untrusted text, with every repair reported; BadJson when it is not JSON.

    Lone surrogate escapes become U+FFFD, NUL escapes are removed, NaN / Infinity / numbers out of
    range become null. Nesting deeper than Python's stack (``[[[[…`` 100,000 deep) is refused.
    ``first_line`` numbers the lines of a JSON line within its file.
    """
    repairs: list[tuple[str, str]] = []
    cleaned, found = _without_lone_escapes(text)
    if found:
        lines = [first_line - 1 + n for n in _line_numbers(text, found)]
        text = cleaned
        repairs.append((lines_location(lines), "lone surrogate escapes replaced by U+FFFD, NUL escapes removed"))
    out_of_range = _OutOfRange()
    hooks = {"parse_constant": out_of_range.on_constant, "parse_float": out_of_range.on_float,
             "parse_int": out_of_range.on_int}
    try:
        try:
            document = json.loads(text, **hooks)
        except json.JSONDecodeError as error:
            if not error.msg.startswith(_RAW_CONTROL):
                raise
            # a naive writer's raw line break or tab inside a string: JSON wants it escaped, and nothing else
            # can be meant by it
            document = json.loads(text, strict=False, **hooks)
            repairs.append((f"line {first_line - 1 + error.lineno}", "line breaks or tabs written raw inside "
                                                                       "strings read as part of them"))
    except json.JSONDecodeError as error:
        raise BadJson(f"line {first_line - 1 + error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}") from None
    except RecursionError:
        raise BadJson(f"line {first_line}", "JSON nested too deeply to read (over about a thousand levels)") from None
    if out_of_range.count:
        where = f"line {first_line}" if "\n" not in text.strip() else "file"
        repairs.append((where, f"{out_of_range.count} NaN, Infinity or out-of-range number(s) read as null"))
    return ParsedJson(document, repairs)


def read_json(path: Path, fallback: str | None = None) -> ParsedJson:
    """The whole file as JSON with what was repaired; ReaderError names the line and column of a syntax error."""
    decoded = decode_text(path.read_bytes(), fallback)
    try:
        parsed = parse_json(decoded.text)
    except BadJson as error:
        raise ReaderError(path, error.location, error.message) from None
    return ParsedJson(parsed.document, decoded.repairs + parsed.repairs)


def load_json(path: Path) -> Any:
    """The whole file as JSON (repairs not reported); a syntax error names its line and column."""
    return read_json(path).document


def repair_rejects(path: Path, repairs: list[tuple[str, str]], what: str) -> list[Reject]:
    """Repairs as reject lines, so that what was guessed is in the rejects file beside what was refused."""
    return [Reject(str(path), where, f"{what}: {message}") for where, message in repairs]


@dataclass
class JsonLines:
    """A JSON-lines text, line by line: the documents by line number, and in line order the lines that
    are not JSON and what was repaired; ``first_refusal`` is the first line that is not JSON."""

    documents: list[tuple[int, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    first_refusal: Reject | None = None


def json_lines(path: Path, text: str) -> JsonLines:
    """Parse each non-blank line on its own: one bad line is a reject, the others are read."""
    lines = JsonLines()
    # split("\n"), not splitlines(): U+2028 and other line separators may stand unescaped inside JSON strings
    rows = text.split("\n")
    index = 0
    while index < len(rows):
        number, line = index + 1, rows[index]
        index += 1
        if not line.strip():
            continue
        try:
            parsed = parse_json(line, first_line=number)
        except BadJson as error:
            joined = _rejoined(rows, number - 1) if error.message.endswith(_UNTERMINATED_MESSAGE) else None
            if joined is None:
                refusal = Reject(str(path), error.location, error.message, excerpt(line))
                lines.rejects.append(refusal)
                lines.first_refusal = lines.first_refusal or refusal
                continue
            parsed, taken = joined
            index += taken
        lines.documents.append((number, parsed.document))
        lines.rejects += repair_rejects(path, parsed.repairs, "JSON repaired")
    return lines


#: How BadJson words a string the text ends inside (``parse_json``).
_UNTERMINATED_MESSAGE = "not valid JSON: Unterminated string starting at"


def _rejoined(rows: list[str], start: int) -> tuple[ParsedJson, int] | None:
    """The JSON line that a raw line break inside a string split at ``rows[start]``, and how many lines after it
    were its rest; None where no run of the following lines completes it. A line that opens as a JSON line does
    ("{", "[") is no rest of another (a file of lines cut short is not joined line after line), and the run stops
    at ``_MAX_SPLIT_LINES`` lines or ``_MAX_SPLIT_CHARS`` characters."""
    candidate = rows[start]
    for taken in range(1, _MAX_SPLIT_LINES + 1):
        if start + taken >= len(rows) or rows[start + taken].lstrip().startswith(("{", "[")):
            return None
        candidate = candidate.removesuffix("\r") + "\n" + rows[start + taken]
        if len(candidate) > _MAX_SPLIT_CHARS:
            return None
        try:
            return parse_json(candidate, first_line=start + 1), taken
        except BadJson as error:
            if not error.message.endswith(_UNTERMINATED_MESSAGE):
                return None
    return None




# --- typed fields of one untrusted item -------------------------------------------------------------


class ItemError(ValueError):
    """One item (comment, post, row) that cannot become a record: the reader rejects it and goes on.

    A ValueError, so that a reader's per-item ``except ValueError`` also holds what a shared converter
    refuses in that one item.
    """


#: How deep a value copied into ``extra`` may nest: far beyond any real field, far below Python's stack.
EXTRA_DEPTH = 32
#: How much of a rejected item the rejects file shows.
EXCERPT_CHARS = 500


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", bool: "a boolean", str: "text", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


def text_field(item: Mapping[str, Any], key: str) -> str | None:
    """A field holding text or an id: a string, or a number written as one; None when absent or null.

    Anything else (a list for an id, an object for a text) raises ItemError naming the field.
    """
    value = item.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ItemError(f"{key!r} is {_json_type(value)}, expected text")


#: Above this no count is believed (and JSON's doubles stop holding whole numbers exactly).
_MAX_COUNT = 2**53


def whole_count(value: Any) -> int | None:
    """A count (declared comments, hidden replies) as a source writes it: 3, 3.0 (a table column with empty
    cells is read as floats) or "3" (old Reddit dumps, CSV cells); None for anything else — a count of the
    wrong type says nothing, and the item is still worth reading."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    return value if isinstance(value, int) and 0 <= value <= _MAX_COUNT else None


def count_field(item: Mapping[str, Any], key: str) -> int | None:
    """``whole_count`` of the item's ``key``."""
    return whole_count(item.get(key))


def extra_value(value: Any) -> Any:
    """A value copied into ``extra`` as it came, unless strict JSON cannot hold it or a recursive
    writer cannot follow it: non-finite numbers, and containers holding one or nested deeper than
    EXTRA_DEPTH, become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, (list, dict)):
        return value
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return None
        if isinstance(node, (list, dict)):
            if depth > EXTRA_DEPTH:
                return None
            pending += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return value


def excerpt(raw: Any) -> str:
    """The start of a rejected item, as JSON where it is not text already, for the rejects file."""
    if isinstance(raw, str):
        return raw[:EXCERPT_CHARS]
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)[:EXCERPT_CHARS]
    except (ValueError, RecursionError):
        return f"({_json_type(raw)} nested too deeply to show)"


def item_reject(path: Path, where: str, what: str, error: ValueError, raw: Any) -> Reject:
    """The Reject for one item that raised ItemError (or another ValueError) while it was read."""
    reason = str(error) if isinstance(error, ItemError) else f"{type(error).__name__}: {error}"
    return Reject(str(path), where, f"{what} not read: {reason}", excerpt(raw))
