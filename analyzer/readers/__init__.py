"""One reader per dump format behind one registry.

A reader module registers itself with :func:`register`, giving a ``sniff`` function that looks at
the first bytes of a file and says how sure it is that the file is in its format (0.0 to 1.0), and
a ``read`` function that turns the whole file into Articles (and Rejects for what it could not use).
``read_file`` picks the most confident reader unless a format is forced.

Detection goes by structure (:func:`detect`). A byte-order mark is looked past, and UTF-16 without one
is decoded first; a few stray bytes before markup, JSON or a CSV header are skipped when a reader is
sure of what follows them (the reader then sees the file without them, and one reject names their
position). Control bytes inside the content (a NUL in a CSV header) are not stray bytes: the readers
remove them, with a note, and the sniffers look past them. The head grows until
the first record is whole (a JSON line, a quoted multi-line CSV row). The plain-text reader, which
takes any text, is never chosen for text that has markup, JSON or table structure: such a file that
no reader is sure of is refused ("looks like JSON: name it with --format"), since a wrong guess
turns a file into nonsense comments with no error at all.

Compressed files (gzip, bzip2, xz, zstandard) are read as the file they hold, zip archives as a folder of files
(``analyzer.readers._compressed``); tar archives and office documents are refused with what to do instead.

Readers raise :class:`ReaderError` for input they cannot read at all; the error names the file and
the place (line, byte offset or JSON path) so the user can find it.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from analyzer._files import path_text
from analyzer.config import ReadOptions
from analyzer.readers._common import UTF16_BOMS, csv_head, without_mojibake
from analyzer.readers._compressed import (Compression, UnreadableContainer, container_of, decompress, inner_name,
                                          saved_page, warc_captures, zip_members)
from analyzer.readers._saved_time import anchor_times
from analyzer.records import COMMENTS_BY_SCRIPT, Article, Reject

#: How many bytes of a file the sniffers see at first.
SNIFF_BYTES = 65536
#: How far the head may grow to hold a whole first record (one JSON line can hold a whole thread).
MAX_SNIFF_BYTES = 64 * 1024 * 1024
#: A reader this sure of where a file starts decides; below it, stray bytes may hide the real start.
CONFIDENT = 0.4
#: The reader for text with no structure; it must never win over structure it cannot read.
_PROSE_FORMAT = "plaintext"
_TABLE_FORMAT = "tabular"
_CSV_DELIMITERS = (b",", b";", b"\t", b"|")
#: A word and the space after it: the words of a header row, not junk ("kM\x99" glued to a header is junk).
_WORD = re.compile(rb"[A-Za-z]{2,}[ \t]")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_PROBE_BYTES = 256
#: How many stray bytes before the content are looked past (junk from a bad copy, a ``)]}'`` guard).
_MAX_STRAY_BYTES = 16
# Blanks are those of XML, JSON and CSV: "\v" or "\f" before a brace is junk, not whitespace.
_MARKUP_START = re.compile(rb"\A[ \t\r\n]*<[A-Za-z!?]")
_HTML_START = re.compile(rb"\A[ \t\r\n]*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
#: JSON, not prose that opens with a bracket ("[Update] …"): an object key, or an array of values.
_JSON_START = re.compile(rb'\A[ \t\r\n]*(?:\{[ \t\r\n]*["}]|\[[ \t\r\n]*(?:[\[{"\]\d-]|true|false|null))')
_JSON_LINES = re.compile(rb"\A[ \t\r\n]*\{[^\n]*\}[ \t\r]*\n[ \t\r\n]*\{")
#: A database dump: SQL statements after the dump tool's comments (mysqldump, pg_dump, sqlite3 .dump).
_SQL_NAME = rb"[`\"\[]?[\w.$]+[`\"\]]?"
_SQL_START = re.compile(
    # one unambiguous way through the comments (no nested repeats to backtrack through on hostile input)
    rb"\A(?:\s|--[^\n]*\n|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/;?)*(?:"
    rb"CREATE\s+(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _SQL_NAME + rb"\s*\("
    rb"|INSERT\s+INTO\s+" + _SQL_NAME + rb"\s*(?:\(|VALUES\b)"
    rb"|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?" + _SQL_NAME + rb"\s*;"
    rb"|CREATE\s+(?:DATABASE|SCHEMA)\s+[^\n;]*;|LOCK\s+TABLES\s+" + _SQL_NAME + rb"\s+WRITE"
    rb"|SET\s+[\w@.]+\s*=[^\n;]*;|PRAGMA\s+\w+[^\n;]*;|BEGIN\s+TRANSACTION\s*;)",
    re.IGNORECASE | re.DOTALL,
)
_SQL_DUMP = "an SQL dump"
#: Where content may begin after stray bytes: markup, a JSON value, or a CSV header's first cell
#: right after a byte that cannot be part of it (a reader must then be sure of what follows).
#: Zero-width, so that every such place is found ("[{" holds two).
_CONTENT_START = re.compile(
    rb'(?=<[A-Za-z!?]|\{[ \t\r\n]*["}]|\[[ \t\r\n]*[\[{"\]\d\-tfn])|(?<=[^A-Za-z_])(?=[A-Za-z_"])')
#: The control characters the readers remove from text (decode_text): NUL and the other C0 controls but
#: tab and line breaks.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]+")


class ReaderError(Exception):
    """A file that cannot be read: names the file and where in it the problem is."""

    def __init__(self, path: str | Path, location: str, message: str) -> None:
        self.path = path_text(path)
        self.location = location
        self.message = message
        super().__init__(f"{self.path}: {location}: {message}")


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: What the reader could not do with the file as a whole (said once in its summary line).
    notes: list[str] = field(default_factory=list)


#: A sniffer sees the head of a file without its byte-order mark (UTF-16 re-encoded as UTF-8), or the
#: head after stray bytes, without control bytes after its first byte; it says how sure it is (0 to 1)
#: that the content starts there in its format.
Sniffer = Callable[[bytes, Path], float]
ReadFunction = Callable[[Path, ReadOptions], ReadResult]


@dataclass(frozen=True)
class Reader:
    name: str
    sniff: Sniffer
    read: ReadFunction
    description: str


_REGISTRY: dict[str, Reader] = {}

# Imported on first use so that registering is a side effect of importing the module only once.
_READER_MODULES = (
    "analyzer.readers.plaintext",
    "analyzer.readers.html",
    "analyzer.readers.wxr",
    "analyzer.readers.comment_feed",
    "analyzer.readers.movabletype",
    "analyzer.readers.disqus",
    "analyzer.readers.reddit",
    "analyzer.readers.youtube",
    "analyzer.readers.hackernews",
    "analyzer.readers.tabular",
    "analyzer.readers.articles_jsonl",
    "analyzer.readers.generic_json",
)


def register(name: str, sniff: Sniffer, description: str) -> Callable[[ReadFunction], ReadFunction]:
    """Decorator for a reader's ``read`` function."""

    def decorate(read: ReadFunction) -> ReadFunction:
        _REGISTRY[name] = Reader(name=name, sniff=sniff, read=read, description=description)
        return read

    return decorate


def _load_readers() -> None:
    for module in _READER_MODULES:
        importlib.import_module(module)


def readers() -> dict[str, Reader]:
    """All registered readers by name."""
    _load_readers()
    return dict(_REGISTRY)


@dataclass(frozen=True)
class Detection:
    """The reader for a file, and the stray bytes before its content that the reader must not see."""

    format: str
    #: Bytes to skip: a byte-order mark and the stray bytes after it (0: read the file as it is).
    skip: int = 0
    #: Where the stray bytes begin (after a byte-order mark).
    stray_from: int = 0


def looks_like(head: bytes) -> str | None:
    """The structure the head of a file has ("XML", "HTML", "JSON", "JSON lines", "a CSV table", "an SQL dump"),
    None for prose."""
    if _SQL_START.match(head):
        return _SQL_DUMP
    if _MARKUP_START.match(head):
        return "HTML" if _HTML_START.match(head) else "XML"
    if _JSON_START.match(head):
        return "JSON lines" if _JSON_LINES.match(head) else "JSON"
    table = csv_head(head)
    if table is None:
        return None
    # Prose can pass for a table's first lines ("Comment, body and soul"): every record must fit;
    # or the record after the header never ends (a quoted field left open: a broken table).
    fitting = len(table.records) >= 2 and table.consistent == len(table.records)
    return "a CSV table" if fitting or (table.cut and not table.records) else None


def _first_record_cut(content: bytes) -> bool:
    """Whether the head ends inside its first record: a JSON line, or the first CSV row after the header."""
    if _MARKUP_START.match(content) or _JSON_START.match(content):
        return content.lstrip().startswith(b"{") and b"\n" not in content.lstrip()
    table = csv_head(content)
    return table is not None and table.cut and not table.records


def _content(head: bytes) -> tuple[bytes, list[int]]:
    """The head as sniffers see it (UTF-16 and UTF-32 as UTF-8, no UTF-8 byte-order mark), and the offsets
    in the head where its content may begin instead, after stray bytes."""
    # imported here: _structured imports ReaderError from this module
    from analyzer.readers._structured import decode_text, wide_encoding

    # Wide text by its byte-order mark, or without one by the NULs of its ASCII characters (RFC 4627's
    # way). A mark is believed when NUL bytes follow (the high halves of ASCII characters, which markup,
    # JSON, tables and most prose begin with); "\xff\xfe" before "<?xml" is stray bytes.
    if wide_encoding(head) and b"\x00" in head[2:_UTF16_PROBE_BYTES]:
        # readers decode it themselves; sniffers look for ASCII markers. No stray bytes are looked
        # for: offsets in the re-encoded head are not offsets in the file.
        return decode_text(head).text.encode("utf-8"), []
    start = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    window = head[: start + _MAX_STRAY_BYTES + 64]  # room for what the patterns look at after a start
    starts = [m.start() for m in _CONTENT_START.finditer(window, start + 1)
              if m.start() <= start + _MAX_STRAY_BYTES and not _a_line_before_json_lines(head, m.start())]
    return head[start:], starts


def _a_line_before_json_lines(head: bytes, offset: int) -> bool:
    """Whether the bytes before this offset end a line before JSON lines: then they are a line of them,
    broken ("NaN", half an object), which the reader rejects by its number, not stray bytes."""
    return head[offset - 1 : offset] in (b"\n", b"\r") and _JSON_LINES.match(head[offset:]) is not None


def _sniffed(content: bytes) -> bytes:
    """Content as the structured readers' sniffers see it: without the control characters after its first
    byte, which the readers remove (with a note). A NUL inside a CSV header is then no end of stray
    bytes that would cut the header; control bytes before the content still are stray bytes."""
    if not _CONTROL_BYTES.search(content, 1):
        return content
    return content[:1] + _CONTROL_BYTES.sub(b"", content[1:])


def _is_blank(content: bytes) -> bool:
    """Nothing to read: only blanks and NUL bytes, maybe after a UTF-16 byte-order mark."""
    for bom in UTF16_BOMS:
        content = content.removeprefix(bom)
    return not content.strip(b" \t\r\n\x00")


def _read_head(stream: BinaryIO) -> bytes:
    """The first SNIFF_BYTES, grown (doubling) until the first record is whole or MAX_SNIFF_BYTES is read."""
    head = stream.read(SNIFF_BYTES)
    while len(head) < MAX_SNIFF_BYTES:
        content, starts = _content(head)
        if not any(_first_record_cut(_sniffed(text)) for text in (content, *(head[offset:] for offset in starts))):
            break
        more = stream.read(len(head))
        if not more:
            break
        head += more
    return head


def _classic_mac_lines(head: bytes) -> bytes:
    """The head as readers decode it (``_structured.classic_mac_lines``): "\r" alone breaking its lines becomes
    "\n". Not in wide text, where a 0x0D byte may be half a character."""
    from analyzer.readers._structured import wide_encoding  # as in _content

    if b"\r" in head and b"\n" not in head and wide_encoding(head) is None:
        return head.replace(b"\r", b"\n")
    return head


def _best(head: bytes, path: Path, fmt: str | None) -> tuple[float, str]:
    """The most confident reader for this head, and its confidence: the reader ``fmt`` when it is given,
    else any but the plain-text reader, which takes any text."""
    candidates = [readers()[fmt]] if fmt else [r for r in readers().values() if r.name != _PROSE_FORMAT]
    return max(((r.sniff(head, path), r.name) for r in candidates), default=(0.0, ""))


def _cuts_a_row(name: str, stray: bytes) -> bool:
    """Whether a table found after these stray bytes would start inside its header row: the bytes end with a
    delimiter ("author," before "text,date") or hold a word on that line ("Name – " before "full,text"), so they
    are the row's first cells, not junk before it."""
    line = stray.rsplit(b"\n", 1)[-1]
    return name == _TABLE_FORMAT and (line.endswith(_CSV_DELIMITERS) or _WORD.search(line) is not None)


def detect(path: str | Path, fmt: str | None = None) -> Detection:
    """The reader whose structure this file has, and the stray leading bytes it must skip.

    Raises ReaderError for an empty file, and for a file no reader is sure of; when that file has
    markup, JSON or table structure the error says which, since reading it as prose would be wrong.
    With ``fmt`` (a registered reader) the reader is given: only stray bytes before its content are looked for.
    """
    path = Path(path)
    with path.open("rb") as stream:
        head = _classic_mac_lines(_read_head(stream))
    content, starts = _content(head)
    if _is_blank(content):
        raise ReaderError(path, "byte 0", "file is empty")
    confidence, name = _best(_sniffed(content), path, fmt)
    if confidence >= CONFIDENT:
        return Detection(name)
    # No reader is sure of the start: maybe one is after a few stray bytes (the surest, then the first).
    after_stray = [(*found, offset) for offset in starts
                   if not _cuts_a_row((found := _best(_sniffed(head[offset:]), path, fmt))[1], head[:offset])]
    stray_confidence, stray_name, offset = max(after_stray, key=lambda found: (found[0], -found[2]), default=(0.0, "", 0))
    if stray_confidence >= CONFIDENT:
        return Detection(stray_name, skip=offset, stray_from=len(head) - len(content))  # from after a byte-order mark
    if fmt is not None:
        return Detection(fmt)
    structure = next(filter(None, (looks_like(_sniffed(text)) for text in (content, *(head[o:] for o in starts)))), None)
    if structure is None:  # only now may the plain-text reader have it, as it is: NUL bytes say binary, not prose
        prose = readers()[_PROSE_FORMAT]
        confidence, name = max((confidence, name), (prose.sniff(content, path), prose.name))
    if structure == _SQL_DUMP:
        raise ReaderError(path, "byte 0", "an SQL dump, not a comment export: no reader reads SQL statements; load it "
                          "into its database and export the comments table as CSV (WordPress: wp_comments, or a WXR "
                          "file from Tools → Export), and read that")
    if confidence <= 0:
        hint = f" (looks like {structure}: name it with --format)" if structure else "; name it with --format"
        raise ReaderError(path, "byte 0", f"format not recognised{hint}")
    return Detection(name)


def detect_format(path: str | Path) -> str:
    """The name of the reader whose structure this file has (see :func:`detect`)."""
    return detect(path).format


def _read_after_stray_bytes(reader: Reader, path: Path, detection: Detection, options: ReadOptions) -> ReadResult:
    """Read a copy of the file that starts at its content, then name the real file everywhere.

    Readers take a path, so the copy (same file name: some readers name the article after it) is
    how they are told to skip the stray bytes; their locations are relative to the content.
    """
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder, path.open("rb") as source:
        prefix = source.read(detection.skip)
        copy = Path(folder) / path.name
        with copy.open("wb") as target:
            shutil.copyfileobj(source, target)
        result = _named_after(path, copy, lambda: reader.read(copy, options))
    stray = prefix[detection.stray_from:]
    result.rejects.insert(0, Reject(str(path), f"byte {detection.stray_from}",
                                    f"{len(stray)} stray byte(s) before the {reader.name} content skipped", raw=repr(stray)))
    return result


def _named_after(shown: str | Path, copy: Path, read: Callable[[], ReadResult]) -> ReadResult:
    """``read()`` of a temporary copy, with the name the user knows (``shown``) in its records and errors."""
    try:
        result = read()
    except ReaderError as error:
        raise ReaderError(shown, error.location, error.message) from None
    for record in (*result.articles, *result.rejects):
        if record.source_file == str(copy):
            record.source_file = str(shown)
    return result


def _read_python_literals(path: Path, fmt: str | None, options: ReadOptions | None) -> ReadResult | None:
    """A file of Python literals (``print(comment)``, ``str(rows)``) read as the JSON it stands for, with a note;
    None for any other file, and for one whose literals do not read (then it is read as it is)."""
    from analyzer.readers._python_literals import is_python_literal, write_as_json  # imports _structured

    with path.open("rb") as stream:
        if not is_python_literal(stream.read(_PYTHON_LITERAL_HEAD)):
            return None
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder:
        converted = Path(folder) / path.name  # the same name: readers name articles after it
        if not write_as_json(path, converted):
            return None
        result = _named_after(path, converted, lambda: read_file(converted, fmt, options))
    note = "JSON repaired: Python literals (single quotes, None, True, False) read as the JSON they stand for"
    result.rejects.insert(0, Reject(str(path), "file", note))
    return result


#: How much of a file is looked at for the opening of a Python literal.
_PYTHON_LITERAL_HEAD = 4096


def _read_compressed(path: Path, compression: Compression, fmt: str | None, options: ReadOptions | None) -> ReadResult:
    """Read the file a gzip / bzip2 / xz / zstandard file holds, as if it had been unpacked beside it."""
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder:
        inner = Path(folder) / inner_name(path, compression)
        try:
            damage = decompress(path, compression, inner)
        except UnreadableContainer as error:
            raise ReaderError(path, error.location, error.message) from None
        result = _named_after(path, inner, lambda: read_file(inner, fmt, options))
    result.rejects.extend(damage)
    return result


def _read_zip(path: Path, fmt: str | None, options: ReadOptions | None) -> ReadResult:
    """Every file of a zip archive, read as if it had been unpacked into a folder, each named
    ``ARCHIVE/MEMBER`` in its records; a member that cannot be read is a reject, not the archive's end."""
    result = ReadResult()
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder:
        try:
            members, result.rejects = zip_members(path, Path(folder))
        except UnreadableContainer as error:
            raise ReaderError(path, error.location, error.message) from None
        if not members and not result.rejects:
            raise ReaderError(path, "file", "a zip archive with no files to read")
        members = _web_archive_collection(members, result)
        for name, unpacked in members:
            shown = f"{path}/{name}"
            try:
                if container_of(unpacked).zip:
                    raise ReaderError(shown, "file", "a zip archive inside the archive: unpack it and read its files")
                member = _named_after(shown, unpacked, lambda unpacked=unpacked: read_file(unpacked, fmt, options))
            except ReaderError as error:
                result.rejects.append(Reject(shown, error.location, error.message))
                continue
            result.articles += member.articles
            result.rejects += member.rejects
            result.notes += [f"{name}: {note}" for note in member.notes]
    return result


def _read_saved_page(path: Path, fmt: str | None, options: ReadOptions | None) -> ReadResult:
    """A page saved as one file: its own HTML read as the saved page it is, named as the file (its url the
    address it was saved from, where the page names none). A comment system's frame (Disqus draws its thread
    in one, and the browser saves what the frame showed) gives the page its comments when the page itself has
    none; a frame's comments beside the page's own are an article of their own. Frames without comments (ads,
    players) are not read further."""
    try:
        saved = saved_page(path)
    except UnreadableContainer as error:
        raise ReaderError(path, error.location, error.message) from None
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder:
        page = Path(folder) / f"{path.stem}.html"
        page.write_bytes(saved.parts[0])
        result = _named_after(path, page, lambda: read_file(page, fmt, options))
        frames = []
        for number, html in enumerate(saved.parts[1:], start=1):
            frame = Path(folder) / f"{path.stem}-frame-{number}.html"
            frame.write_bytes(html)
            try:
                frames.append((number, _named_after(path, frame, lambda frame=frame: read_file(frame, "html", options))))
            except ReaderError:
                continue  # an empty or script-only frame: nothing of a comment in it
    _join_frames(result, frames)
    for article in result.articles:
        article.url = article.url or saved.location
    anchor_times(result.articles, saved.saved_at)
    return result


def _take_thread(page: Article, thread: Article, origin: str, where: object) -> None:
    """A comment frame's thread as the comments of the page it was drawn for; ``extra[origin]`` says where from.
    The page's "loaded by a script" mark goes: what the script drew was saved, and here it is."""
    page.comments = thread.comments
    page.declared_comment_count = page.declared_comment_count or thread.declared_comment_count
    page.extra.pop(COMMENTS_BY_SCRIPT, None)
    page.extra[origin] = where


def _join_frames(result: ReadResult, frames: list[tuple[int, ReadResult]]) -> None:
    """The comments of a saved page's frames, into the page's article when it has none, else beside it."""
    for number, frame in frames:
        threads = [article for article in frame.articles if article.comments]
        if not threads:
            continue
        result.rejects += frame.rejects
        main = result.articles[0] if len(result.articles) == 1 else None
        if main is not None and not main.comments and len(threads) == 1:
            _take_thread(main, threads[0], "comments_from_frame", number)
            continue
        for thread in threads:
            thread.id = f"{result.articles[0].id if result.articles else thread.id}#frame-{number}"
            result.articles.append(thread)


#: What a web archive's captures are read as: pages (the HTML reader's), and data a reader may recognise
#: (an API's JSON reply, a comment feed, a table); the rest (images, scripts, styles) is counted, not read.
_CAPTURED_PAGES = ("text/html", "application/xhtml+xml")
_CAPTURED_DATA = {"application/json": ".json", "text/json": ".json", "application/x-ndjson": ".jsonl",
                  "application/rss+xml": ".xml", "application/atom+xml": ".xml", "application/xml": ".xml",
                  "text/xml": ".xml", "text/csv": ".csv"}


def _read_warc(path: Path, options: ReadOptions | None) -> ReadResult:
    """A web archive: every page it captured read as a saved page (its id and, where it names none, its url the
    address it was captured from), and every API reply, feed or table a reader recognises as that dump (a
    reply no reader recognises is counted, not read: an archive holds analytics and config JSON too). The
    places of rejects are prefixed with the capture's address."""
    result = ReadResult()
    unread: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="analyzer-") as folder:
        captures = warc_captures(path)
        try:
            for number, capture in enumerate(captures, start=1):
                if capture.unread is not None:
                    unread[capture.unread] += 1
                    continue
                page = capture.media_type in _CAPTURED_PAGES
                suffix = ".html" if page else _CAPTURED_DATA.get(capture.media_type)
                if suffix is None:
                    unread[capture.media_type.split("/")[0] or "untyped"] += 1
                    continue
                inner = Path(folder) / f"capture-{number}{suffix}"
                inner.write_bytes(capture.data)
                try:
                    read = _named_after(path, inner, lambda inner=inner, page=page: read_file(
                        inner, "html" if page else None, options))
                except ReaderError as error:
                    if page:
                        result.rejects.append(Reject(str(path), capture.url, error.message))
                    else:
                        unread["data no reader recognises"] += 1
                    continue
                _name_captures(read, capture.url, page)
                anchor_times(read.articles, capture.captured_at)
                result.articles += read.articles
                result.rejects += read.rejects
        except UnreadableContainer as error:
            if not result.articles and not result.rejects:
                raise ReaderError(path, error.location, error.message) from None
            result.rejects.append(Reject(str(path), error.location, error.message))
    _join_embedded_threads(result.articles)
    if unread:
        result.notes.append("captures not read: " + ", ".join(f"{kind} {n}" for kind, n in unread.most_common()))
    return result


def _embedded_for(url: str) -> str | None:
    """The page a comment system's frame was drawn for: Disqus names it in its ``t_u`` parameter."""
    parts = urlsplit(url)
    if not parts.netloc.endswith("disqus.com"):
        return None
    return next(iter(parse_qs(parts.query).get("t_u", [])), None)


def _same_page(url: str) -> str:
    return urlsplit(url)._replace(fragment="").geturl().rstrip("/")


def _join_embedded_threads(articles: list[Article]) -> None:
    """A captured comment frame's thread becomes the comments of the captured page it was drawn for, where that
    page has none of its own (its comments were loaded by the frame); otherwise it stays an article of its own."""
    pages = {_same_page(a.extra["captured_from"]): a for a in articles if a.extra.get("captured_from")}
    for frame in list(articles):
        target = _embedded_for(frame.extra.get("captured_from") or "")
        page = pages.get(_same_page(target)) if target else None
        if page is None or page is frame or page.comments or not frame.comments:
            continue
        _take_thread(page, frame, "comments_from_capture", frame.extra["captured_from"])
        articles.remove(frame)


def _name_captures(read: ReadResult, url: str, page: bool) -> None:
    """A capture's records named by the address it came from: a page's article by its url, every place."""
    for article in read.articles:
        if page:
            article.id = url or article.id
        article.url = article.url or url or None
        article.extra["captured_from"] = url
    for reject in read.rejects:
        reject.location = f"{url}: {reject.location}"


def _web_archive_collection(members: list[tuple[str, Path]], result: ReadResult) -> list[tuple[str, Path]]:
    """The members of a zip to read: of a WACZ (the web archive collection ArchiveWeb.page and Browsertrix write:
    ``datapackage.json`` beside ``archive/*.warc.gz``) its WARC files alone, since its page list and indexes
    only repeat what they hold; of any other zip, all."""
    names = {name for name, _ in members}
    warcs = [(name, unpacked) for name, unpacked in members
             if name.startswith("archive/") and name.endswith((".warc", ".warc.gz"))]
    if "datapackage.json" not in names or not warcs:
        return members
    result.notes.append(f"a web archive collection (WACZ): its {len(warcs)} WARC file(s) read, its page list, "
                        "indexes and metadata not (they describe what the WARC files hold)")
    return warcs


def read_file(path: str | Path, fmt: str | None = None, options: ReadOptions | None = None) -> ReadResult:
    """Read one dump file into Articles and Rejects, detecting the format unless ``fmt`` is given."""
    return _names_without_mojibake(_read_file(Path(path), fmt, options))


def _names_without_mojibake(result: ReadResult) -> ReadResult:
    """Titles and authors with their mojibake undone ("JosÃ© MartÃnez"), as ``clean_text`` undoes it in texts: a
    reader takes a name as it stands, and the database that garbled a dump's texts garbled its names too."""
    for article in result.articles:
        if article.title and not article.title.isascii():
            article.title = without_mojibake(article.title)
        for comment in article.comments:
            if comment.author and not comment.author.isascii():
                comment.author = without_mojibake(comment.author)
    return result


def _read_file(path: Path, fmt: str | None, options: ReadOptions | None) -> ReadResult:
    if path.is_dir():
        # input_files() expands folders and keeps only the empty ones, so via split() this means "empty"
        has_files = any(found.is_file() for found in path.rglob("*"))
        reason = "a folder, not a file: pass it to split() to read every file in it" if has_files else "no files to read in this folder"
        raise ReaderError(path, "folder", reason)
    if not path.is_file():
        # a pipe or a device may never end, and a socket cannot be read as a file: none is a dump
        reason = ("not a regular file (a pipe, device or socket): save the dump to a file" if path.exists()
                  else f"a link to {os.readlink(path)}, which does not exist" if path.is_symlink() else "no such file")
        raise ReaderError(path, "file", reason)
    available = readers()
    if fmt is not None and fmt not in available:
        raise ReaderError(path, "file", f"unknown format {fmt!r}; known: {', '.join(sorted(available))}")
    container = container_of(path)
    if container.compression is not None:
        return _read_compressed(path, container.compression, fmt, options)
    if container.zip:
        return _read_zip(path, fmt, options)
    if container.saved_page:
        return _read_saved_page(path, fmt, options)
    if container.warc:
        return _read_warc(path, options)
    if container.refusal is not None:
        raise ReaderError(path, "byte 0", container.refusal)
    if (literals := _read_python_literals(path, fmt, options)) is not None:
        return literals
    detection = detect(path, fmt)
    reader = available[detection.format]
    options = options or ReadOptions()
    if detection.skip:
        return _read_after_stray_bytes(reader, path, detection, options)
    return reader.read(path, options)


__all__ = ["Detection", "ReadResult", "Reader", "ReaderError", "detect", "detect_format", "looks_like", "read_file",
           "readers", "register"]
