"""Comments as table rows: CSV/TSV, JSON lines, a JSON array (or an object holding one), Parquet, spreadsheets
(.xlsx, .xls, .ods).

Which column is what comes from ``ReadOptions`` (``--text-column`` …); a column left unnamed is
guessed from the usual names below, first match wins (in any case and spacing: ``Comment ID``,
``commentId``; a title column must hold a value somewhere). A guessed id column is used when no two
comments of one article share an id (a row repeating another whole is a comment saved twice: kept
once, the repeats counted in one reject); a row it leaves empty is named by its place. Without an
id column rows are numbered; when a parent column names parents, rows are named by their place
instead and the replies left unlinked (a note in the file's summary), since numbers would link them
wrongly. Rows are grouped into articles by the article column (first row's title column gives the
title); without one the file is one article.

Thread links come from the parent column; without one, a ``comment_counter`` column such as the
Globe and Mail's ``source2_<article>_3_1`` (reply 1 to top-level comment 3) gives them when the
shorter counter exists in the same article. A row without text becomes a Reject naming its row
(data rows count from 1, the header not counted), JSON line or JSON path; so does a row with a
field of the wrong type, a JSON line that does not parse and a CSV row with more fields than the
header (named by its line) — the other rows are read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import (
    FLAG_STATUSES,
    KIND_WORDS,
    STATUS_WORDS,
    WESTERN,
    SeenIds,
    as_utc,
    clean_text,
    CsvHead,
    csv_head,
    decode_bytes,
    MAX_PREAMBLE_LINES,
    fill_depths,
    flag_name,
    flag_status,
    is_header_row,
    line_records,
    parent_id,
    preamble_lines,
    thread_tops,
    to_iso8601,
    with_subject,
)
from analyzer.readers._saved_time import keep_shown_time
from analyzer.readers._structured import (
    BadJson,
    decode_text,
    json_lines,
    excerpt,
    lines_location,
    extra_value,
    item_reject,
    markup_text,
    parse_json,
    repair_rejects,
    text_field,
    whole_count,
)
from analyzer.readers._compressed import UnreadableContainer
from analyzer.readers._workbook import BadWorkbook, Sheets, is_spreadsheet_ml, sheets_reader, spreadsheet_ml_sheets
from analyzer.readers.reddit import DELETED_BODIES
from analyzer.records import Article, Comment, Reject

FORMAT = "tabular"

# Usual column names, most specific first.
# WordPress's own comment table (``wp_comments``, as phpMyAdmin or a plugin exports it) names its columns
# comment_content, comment_post_ID, comment_parent (0: top level), comment_author, comment_date_gmt,
# comment_approved and comment_type.
# text_original / text_display: YouTube's Data API fields as a flattened export writes them.
# The last of each list: the names newsrooms' own exports give them in German, French, Spanish, Italian, Dutch.
TEXT_COLUMNS = ("text", "body", "comment_text", "comment_body", "comment_content", "text_original", "text_display",
                "content", "comment", "message", "kommentar", "commentaire", "comentario", "commento", "reactie",
                "texte", "texto", "testo")
# ids first; without one, comments under one title are one article's
ARTICLE_COLUMNS = ("article_id", "article", "story", "article_url", "submission_id", "link_id", "thread_id",
                   "thread", "story_id", "post_id", "comment_post_id", "video_id", "submission_title", "article_title",
                   "post_title", "link_title", "story_title", "thread_title", "page_title", "video_title")
#: Where no column names the article, the page a scraper found the comments on groups them ("url" and "title" on
#: every row of a table of several pages' comments), if its values say so (``_page_column``).
PAGE_URL_COLUMNS = ("url", "link", "page_url", "post_url", "story_url", "thread_url", "video_url", "source_url")
PAGE_TITLE_COLUMNS = ("title", "headline")
ID_COLUMNS = ("comment_id", "id", "cid", "object_id", "comment_counter")
# reply_to_cid, replies_to_id: Apify's YouTube and TikTok comment scrapers'; is_reply_to: YouTube Data Tools'
PARENT_COLUMNS = ("parent_id", "parent", "parent_comment_id", "comment_parent", "in_reply_to", "reply_to",
                  "reply_to_cid", "replies_to_id", "is_reply_to")
# comment tools' exports name the commenter "Name", "Display Name", "Commenter" (YouTube: authorDisplayName;
# Apify's Facebook and Instagram comment scrapers: profileName, ownerUsername)
AUTHOR_COLUMNS = ("author", "user", "username", "user_name", "author_name", "comment_author", "author_display_name",
                  "user_display_name", "display_name", "commenter", "commenter_name", "screen_name", "profile_name",
                  "owner_username", "by", "name",
                  "autor", "auteur", "autore", "verfasser", "benutzer", "nutzer", "utilisateur", "usuario", "utente",
                  "gebruiker")
# published_timestamp: Coral's download of a commenter's comments; create_date: the New York Times community API's;
# create_time_iso: Apify's TikTok scraper; published_time_text: its YouTube scraper's only time, "5 years ago"
TIME_COLUMNS = ("time", "timestamp", "created_utc", "created_at", "date", "post_time", "published_at", "datetime",
                "comment_date_gmt", "comment_date", "comm_date", "published_timestamp", "created_time", "posted_at",
                "create_date", "create_time_iso", "posted", "posted_on", "date_posted", "datum", "zeit", "zeitstempel",
                "fecha", "horodatage", "published_time_text")
#: Columns whose names say their times are UTC even when the values carry no offset.
_UTC_SUFFIXES = ("_gmt", "_utc")
#: The time columns, and each named as UTC ("Date (UTC)", ``post_time_gmt``).
_TIME_GUESSES = TIME_COLUMNS + tuple(f"{name}{suffix}" for name in TIME_COLUMNS for suffix in _UTC_SUFFIXES
                                     if not name.endswith(_UTC_SUFFIXES))
#: A column name and the bracketed qualifier at its end, if any.
_QUALIFIED = re.compile(r"(.*?)\s*(?:[(\[]([^()\[\]]*)[)\]])?", re.DOTALL)
#: Moderation status columns: words any of them may hold, and the 1 / 0 of approval flags.
STATUS_COLUMNS = ("status", "comment_approved", "approved", "state", "comment_status")
_APPROVAL_COLUMNS = ("comment_approved", "approved")
_APPROVAL_FLAGS = {"1": "published", "true": "published", "0": "pending", "false": "pending"}
#: Entry kind columns (WordPress's comment_type).
KIND_COLUMNS = ("comment_type", "kind", "type")
#: A comment's own subject line (Drupal's comment table, forum exports); a "title" may be its article's.
SUBJECT_COLUMNS = ("subject", "comment_subject", "comment_title")
TITLE_COLUMNS = ("title", "article_title", "submission_title", "story_title", "post_title", "link_title",
                 "thread_title", "page_title", "video_title", "headline")
#: A post's row in a table of posts and comments (Hacker News' public dataset): its link and comment count.
URL_COLUMNS = ("url", "link", "permalink")
#: On a comment's row, the address of the page it is under (Hacker News search results: story_url).
# facebook_url, video_web_url: the post and video Apify's Facebook and TikTok comment scrapers were given
ARTICLE_URL_COLUMNS = ("article_url", "story_url", "post_url", "page_url", "thread_url", "video_url", "facebook_url",
                       "video_web_url")
COUNT_COLUMNS = ("descendants", "num_comments", "comment_count", "comments_count")
_TRUE = {"true", "1", "yes"}
#: Columns that describe, on a comment's row, the post it answers.
_POST_COLUMNS = {"post_date", "post_text", "post_score"}
#: TikTok names a commenter by a number (``uid``) and a handle (``uniqueId``), the columns Apify's TikTok comment
#: scraper keeps: beside ``uid``, "unique_id" is the handle, where in another table it could be the comment's id.
_TIKTOK_USER = {"uid", "unique_id"}
#: Columns whose values encode nesting as ``<parent counter>_<n>``.
COUNTER_COLUMNS = ("comment_counter",)
#: Columns that encode nesting so where their values say it (``1_2_1`` answers ``1_2``): RedditExtractoR's and
#: vosonSML's Reddit tables (``structure``; RedditExtractoR 3's ``comment_id``). A value of another shape is an id.
_NESTED_NUMBER_COLUMNS = ("structure", "comment_id")
_NESTED_NUMBER = re.compile(r"\d+(?:_\d+)*")

#: An author given as an object ({"name": …}; Mastodon's "account", Lemmy's "creator"), or a text ({"rendered": …}):
#: a table row would be rejected for it, or read without it.
_AUTHOR_OBJECT = re.compile(rb'"(?:author|user|from|account|creator|text|body|content|comment|message)"\s*:\s*\{',
                            re.IGNORECASE)
_TABLE_SUFFIXES = (".csv", ".tsv")
#: The top-level keys by which a JSON document describes the page its rows are under (a scraper's one page per
#: file: {"title": …, "url": …, "comments": [...]}, {"article": {…}, "comments": [...]}), which rows would lose.
_PAGE_KEYS = ("title", "headline", "url", "page_url", "article_url", "article", "page", "post", "story")
#: How far into a file Excel 2003's XML names its Workbook (after the XML declaration and processing instructions).
_SPREADSHEET_ML_HEAD = 4096


def _usual_name(column: str) -> str:
    """A column name as the lists above spell it: ``Comment ID``, ``commentId`` and ``comment-id`` are all
    ``comment_id``. A bracketed qualifier at its end says how, not what: ``Date (UTC)`` is ``date_utc``,
    ``Name (click to view profile)`` is ``name``."""
    name, qualifier = _QUALIFIED.fullmatch(column.strip()).groups()  # type: ignore[union-attr]
    zone = "_utc" if (qualifier or "").strip().lower() in ("utc", "gmt", "z") else ""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name if name.strip() else column.strip())
    return re.sub(r"[^0-9a-z]+", "_", words.lower()).strip("_") + zone


# --- sniffing ------------------------------------------------------------------------------------


def _json_keys(head: bytes) -> set[str]:
    return {k.lower() for k in re.findall(r'"([A-Za-z_]\w*)"\s*:', decode_bytes(head[:8192]))}


def _sniff(head: bytes, path: Path) -> float:
    if head.startswith(b"PAR1"):
        return 0.9
    if sheets_reader(path):  # looked for in the file: the sniffed head lost the magic's control bytes
        return 0.9
    if is_spreadsheet_ml(head[:_SPREADSHEET_ML_HEAD]):  # Excel 2003's XML: a workbook, not an XML dump
        return 0.9
    stripped = head.lstrip(b" \t\r\n")
    if stripped.startswith((b"[", b"{")):
        if _AUTHOR_OBJECT.search(stripped):  # a platform's API objects (Disqus): the JSON reader's, not rows
            return 0.0
        if _describes_its_page(stripped):  # the page the rows are under, described beside them: the JSON reader's
            return 0.0
        if set(TEXT_COLUMNS) & _json_keys(stripped):
            return 0.5
        # Unusual column names: the user names them with --text-column; the extension says "rows".
        return 0.3 if path.suffix.lower() in (".jsonl", ".ndjson") else 0.0
    if stripped.startswith(b"<"):
        return 0.0
    if path.suffix.lower() in _TABLE_SUFFIXES and _one_text_column(stripped):
        return 0.7
    table = csv_head(head)
    if table is not None and _names_a_text_column(table.header) and (table.consistent or _unquoted_rows(table)):
        return 0.7
    if preamble_lines(stripped, _names_a_text_column):  # a title block above the header
        return 0.7
    if table is None or table.consistent == 0:
        return 0.0
    return 0.5 if path.suffix.lower() in _TABLE_SUFFIXES else 0.0


#: A naive writer's table (it quotes nothing, so a comment's commas add fields) is taken for one only this wide,
#: with an id, name or date before the text no longer than this: a line of prose splits at its commas too.
_UNQUOTED_MIN_COLUMNS, _SHORT_CELL = 3, 64


def _unquoted_rows(table: CsvHead) -> bool:
    """Whether the head's records are the rows of a writer that quotes nothing: two or more, each at least as
    wide as a header of three or more columns, with short cells before the text column (which prose's lines,
    split at their commas, do not have)."""
    at = _text_index(table.header, None)
    return bool(at) and len(table.header) >= _UNQUOTED_MIN_COLUMNS and len(table.records) >= 2 and all(
        len(record) >= len(table.header) and all(len(cell) <= _SHORT_CELL for cell in record[:at])
        for record in table.records)


def _describes_its_page(head: bytes) -> bool:
    """Whether a JSON document says, beside its rows (a list of objects), what page they are under: one of its
    top-level keys names the page. Not a JSON line (one row with its page's title), which does not parse whole."""
    try:
        document = json.loads(decode_bytes(head))
    except (ValueError, RecursionError):
        return False
    values = document.values() if isinstance(document, dict) else []
    rows = any(isinstance(value, list) and value and all(isinstance(v, dict) for v in value) for value in values)
    return rows and any(_usual_name(key) in _PAGE_KEYS and isinstance(value, (str, dict))
                        for key, value in document.items())


def _names_a_text_column(header: list[str], chosen: str | None = None) -> bool:
    return bool({*TEXT_COLUMNS, chosen} & {_usual_name(cell) for cell in header} or chosen in header)


def _one_text_column(head: bytes) -> bool:
    """Whether the head is a table of one column, named as comment text columns are, with rows under it
    (a table export of the text alone; as prose it would read as a page titled "text")."""
    header, _, rest = head.partition(b"\n")
    return _usual_name(decode_bytes(header).strip().strip('"')) in TEXT_COLUMNS and bool(rest.strip())


# --- loading rows ---------------------------------------------------------------------------------

#: How much of a CSV text is searched for a title block above its header.
_PREAMBLE_SEARCH_CHARS = 8192
#: csv's default cap on a field (128 KiB) would refuse a long comment that pandas read; none is needed
#: when the whole file is in memory already.
_CSV_FIELD_LIMIT = 2**31 - 1
#: A file is JSON lines when this many of its first lines are whole objects, one per line.
_JSONL_SAMPLE_LINES, _JSONL_MIN_OBJECT_LINES = 20, 2
_JSONL_SUFFIXES = (".jsonl", ".ndjson")

Row = tuple[str, Any]


@dataclass
class _Loaded:
    """Rows as (location, value) where the value should be an object, and what was refused on the way."""

    rows: list[Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: The title block above a CSV table's header (``_common.preamble_lines``), as written.
    preamble: str = ""
    #: What the file's summary line should say of what was not read as rows (a workbook's sheet of notes).
    notes: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A cell as a JSON-friendly Python value; missing cells (NaN, NaT, None) become None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays (Parquet list columns)
        return _plain(value.tolist())
    return value


def _frame_rows(frame: pd.DataFrame) -> list[Row]:
    records = frame.to_dict("records")
    return [(f"row {number}", {str(k): _plain(v) for k, v in record.items()})
            for number, record in enumerate(records, start=1)]


class _RecordLines:
    """The lines csv reads, kept until the record they make is done: its raw text and first line."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self._current: list[str] = []
        self.next_line = 1

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._current.append(line)
        return line

    def take(self) -> tuple[int, str]:
        """The first line number and raw text of the record just read."""
        first, raw = self.next_line, "".join(self._current)
        self.next_line += len(self._current)
        self._current = []
        return first, raw


def _column_names(header: list[str]) -> list[str]:
    """Header cells as column names the way pandas names them: ``Unnamed: 3`` for an empty cell, and
    ``name.1``, ``name.2`` for repeats, so that no column overwrites another."""
    names: list[str] = []
    for index, cell in enumerate(header):
        name = cell or f"Unnamed: {index}"
        repeats = sum(1 for earlier in header[:index] if (earlier or "") == cell)
        names.append(f"{name}.{repeats}" if repeats else name)
    return names


def _is_unterminated(raw: str, separator: str) -> bool:
    """Whether a record ends inside a quoted field (only strict csv says so, at the end of the data)."""
    error = _strict_error(raw, separator)
    return error is not None and "end of data" in error


def _strict_error(raw: str, separator: str) -> str | None:
    """What strict csv finds wrong with a record's text (a quote closed before other text, none closed)."""
    try:
        for _ in csv.reader(io.StringIO(raw, newline=""), delimiter=separator, strict=True):
            pass
    except csv.Error as error:
        return str(error)
    return None


def _is_damaged(record: list[str], raw: str, separator: str, width: int) -> bool:
    """Whether a record of several lines is damaged: more values than the header names, or a quoted field that
    strict csv refuses (closed before other text, or never closed), which a well-made quoted field of several
    lines never is."""
    several_lines = raw.rstrip("\r\n").count("\n") > 0
    return several_lines and (_overflows(record, width) or _strict_error(raw, separator) is not None)


def _csv_rows(path: Path, text: str, text_column: str | None) -> _Loaded:
    """Rows by header name. A row with more fields than the header is rejected by its line; so is a
    quoted field never closed (the file cut short, or a stray quote), which swallows the rest of the file.
    A title block above the header is kept aside (``_Loaded.preamble``), not read as the header."""
    loaded, header, data_rows, text_at, unquoted = _Loaded(), None, 0, None, []
    head = text[:_PREAMBLE_SEARCH_CHARS].encode("utf-8", "surrogateescape")
    first = csv_head(head)
    if first is None or not _names_a_text_column(first.header, text_column):
        if skipped := preamble_lines(head, lambda header: _names_a_text_column(header, text_column)):
            block = text.split("\n", skipped)
            loaded.preamble = clean_text("\n".join(block[:skipped]))
            text = "\n" * skipped + block[skipped]  # blank lines keep the rows' line numbers
    separator = "\t" if path.suffix.lower() == ".tsv" else None
    if separator is None:
        try:
            separator = csv.Sniffer().sniff(text.lstrip("\r\n").split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ","
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    lines = _RecordLines(text)
    last_row: tuple[int, str] | None = None  # where the last record began and its text, when it is a row kept
    # Not strict: a stray quote inside an unquoted field is text, as pandas read it; nothing else raises
    # once the field size limit is lifted and NULs are gone (decode_text).
    for record in csv.reader(lines, delimiter=separator):
        first, raw = lines.take()
        if not record:
            continue
        last_row = None
        if header is None:
            header = _column_names(record)
            # where the writer quotes a field holding the separator, excess values are no commas of a text
            text_at = None if _quotes_separators(text, separator) else _text_index(header, text_column)
            continue
        data_rows += 1
        if _is_damaged(record, raw, separator, len(header)) and (
                repaired := _stray_quote_rows(path, first, raw, separator, header, data_rows)) is not None:
            data_rows += len(repaired.rows) - 1
            loaded.rows += repaired.rows
            loaded.rejects += repaired.rejects
            continue
        if _overflows(record, len(header)):
            if spliced := _unquoted_text(record, raw, separator, header, text_at):
                loaded.rows.append((f"row {data_rows}", dict(zip(header, spliced))))
                unquoted.append(first)
                continue
            reason = f"{len(record)} fields where the header has {len(header)}"
            loaded.rejects.append(Reject(str(path), f"line {first}", reason, excerpt(raw)))
            continue
        loaded.rows.append((f"row {data_rows}", dict(zip(header, record))))
        last_row = first, raw
    if unquoted:
        reason = (f"CSV repaired: rows that quote nothing hold {_SEPARATOR_NAMES.get(separator, repr(separator))} "
                  "in their comment text, read as text")
        loaded.rejects.insert(0, Reject(str(path), lines_location(unquoted), reason))  # repairs first, as decoding's
    if last_row is not None and _is_unterminated(last_row[1], separator):
        first, raw = last_row
        loaded.rows.pop()
        reason = ("a quoted field opened here is never closed (a file cut short, or a stray quote): "
                  "the rest of the file is one row")
        loaded.rejects.append(Reject(str(path), f"line {first}", reason, excerpt(raw)))
    return loaded


_SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}


def _text_index(header: list[str], chosen: str | None) -> int | None:
    """Where the comment text column is in the header: the one named, else the first of the usual names."""
    if chosen is not None:
        return header.index(chosen) if chosen in header else None
    usual = [_usual_name(name) for name in header]
    return next((usual.index(guess) for guess in TEXT_COLUMNS if guess in usual), None)


def _quotes_separators(text: str, separator: str) -> bool:
    """Whether the text holds a quoted field with the separator in it: its writer quotes what needs it."""
    s = re.escape(separator)
    quoted = re.finditer(rf'(?:^|{s})[ \t]*"((?:[^"]|"")*)"[ \t]*(?={s}|\r?$)', text, re.MULTILINE)
    return any(separator in field.group(1) for field in quoted)


def _unquoted_text(record: list[str], raw: str, separator: str, header: list[str],
                   text_at: int | None) -> list[str] | None:
    """A row with more values than the header names, from a writer that quotes nothing (it joins the cells with
    the separator, so the separators in excess are the comment's own, "I agree, mostly"): the text cell takes
    them. None where the table has no text column or its writer quotes (``text_at`` is None then), or the row
    opens a field with a quote (a broken row)."""
    if text_at is None or re.search(rf"(?:^|{re.escape(separator)})[ \t]*\"", raw):
        return None
    extra = len(record) - len(header)
    return [*record[:text_at], separator.join(record[text_at : text_at + extra + 1]), *record[text_at + extra + 1 :]]


def _overflows(record: list[str], width: int) -> bool:
    """Whether a record holds more values than the header names (empty cells past it are no values)."""
    return len(record) > width and any(cell.strip() for cell in record[width:])


def _stray_quote_rows(path: Path, first: int, raw: str, separator: str, header: list[str],
                      number: int) -> _Loaded | None:
    """The rows of a damaged record of several lines that a stray quote made (a comment opening with '"' that a
    naive writer left unquoted runs on to the next quote in the file), each line read alone, named from row
    ``number`` on, and a note of the repair; None where a line does not then split into the header's columns,
    which the lines of one comment would not."""
    lines = [line for line in raw.splitlines() if line.strip()]
    records = line_records(lines, separator, len(header))
    if records is None:
        return None
    repaired = _Loaded([(f"row {number + index}", dict(zip(header, record))) for index, record in enumerate(records)])
    reason = (f"CSV repaired: a quote opened on line {first} joined {len(lines)} lines into one record; "
              "each line read as its own row")
    repaired.rejects.append(Reject(str(path), f"line {first}", reason, excerpt(raw)))
    return repaired


def _is_json_lines(path: Path, text: str) -> bool:
    """Whether the text is JSON lines: more than one line, and named so or several of its first lines
    each one whole object. Not by parsing, so that one malformed line (the first one too) does not
    make the file a JSON document that fails as a whole. One line is read as a document: a row, or
    an object wrapping the rows."""
    sample = list(islice((line.strip() for line in text.split("\n") if line.strip()), _JSONL_SAMPLE_LINES))
    if len(sample) < 2:
        return False
    objects = sum(line.startswith("{") and line.endswith("}") for line in sample)
    return path.suffix.lower() in _JSONL_SUFFIXES or objects >= _JSONL_MIN_OBJECT_LINES


def _json_rows(path: Path, text: str) -> _Loaded:
    """Rows of one JSON document: an array of objects, an object holding one, or a single object."""
    try:
        parsed = parse_json(text)
    except BadJson as error:
        raise ReaderError(path, error.location, error.message) from None
    records, json_path = _records_in(parsed.document)
    rejects = repair_rejects(path, parsed.repairs, "JSON repaired")
    if records is None and isinstance(parsed.document, dict):  # a single JSON line holding one row
        return _Loaded([("line 1", parsed.document)], rejects)
    if records is None:
        raise ReaderError(path, "$", "expected a JSON array of row objects (or an object holding one)")
    return _Loaded([(f"{json_path}[{index}]", record) for index, record in enumerate(records)], rejects)


def _records_in(document: Any) -> tuple[list[Any] | None, str]:
    if isinstance(document, list):
        return document, "$"
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value, f"$.{key}"
    return None, "$"


def _jsonl_rows(path: Path, text: str) -> _Loaded:
    """One row per line; a line that is not JSON is rejected by its number, the others are read."""
    lines = json_lines(path, text)
    return _Loaded([(f"line {number}", document) for number, document in lines.documents], lines.rejects)


def _workbook_rows(path: Path, text_column: str | None,
                   sheets: Callable[[Path], Sheets]) -> _Loaded:
    """The rows of every sheet holding a comment table, each named by its sheet and Excel's row number; a sheet
    holding none (a sheet of notes, a chart's data) is a note. ReaderError where no sheet holds one."""
    loaded, preambles, without, read = _Loaded(), [], [], 0
    try:
        for read, (sheet, cells) in enumerate(sheets(path), start=1):
            found = _sheet_rows(sheet, cells, text_column, loaded)
            if found is None:
                without.append(sheet)
            elif found:
                preambles.append(found)
    except BadWorkbook as error:
        raise ReaderError(path, "file", f"not a readable spreadsheet: {error}") from None
    except UnreadableContainer as error:
        raise ReaderError(path, error.location, error.message) from None
    if not read:  # a damaged OpenDocument file's content may hold no table
        raise ReaderError(path, "file", "a spreadsheet without a sheet")
    if not loaded.rows and without:
        raise ReaderError(path, f"sheet {without[0]!r}", f"no table header naming a comment text column in its first "
                          f"{MAX_PREAMBLE_LINES + 1} rows (tried {', '.join(TEXT_COLUMNS)}); name it with --text-column")
    loaded.preamble = "\n".join(preambles)
    loaded.notes += [f"sheet {sheet!r} holds no comment table: not read" for sheet in without]
    return loaded


def _sheet_rows(sheet: str, rows: Iterator[tuple[Any, ...]], text_column: str | None, loaded: _Loaded) -> str | None:
    """Adds the sheet's rows under its header (the first row naming a comment text column, among its first
    few) to ``loaded``, and gives the title block above the header ("" where none is); None where the sheet
    holds no table, "" too where it is empty."""
    header: list[str] | None = None
    above: list[str] = []
    for number, values in enumerate(rows, start=1):
        cells = ["" if value is None else str(value).strip() for value in values]
        if header is not None:
            if any(cells):  # an empty row between comments is no comment
                padded = (*values, *(None,) * (len(header) - len(values)))  # a row may end at its last value
                loaded.rows.append((f"sheet {sheet!r} row {number}",
                                    {name: _plain(value) for name, value in zip(header, padded)}))
        elif is_header_row(cells) and _names_a_text_column(cells, text_column):
            header = _column_names(cells)
        elif number > MAX_PREAMBLE_LINES:
            return None
        elif any(cells):
            above.append(" ".join(cell for cell in cells if cell))
    if header is None:
        return None if above else ""
    return clean_text("\n".join(above))


def _load_rows(path: Path, options: ReadOptions) -> _Loaded:
    if sheets := sheets_reader(path):  # a workbook is not read whole here: openpyxl streams it
        return _workbook_rows(path, options.text_column, sheets)
    with path.open("rb") as stream:
        head = stream.read(_SPREADSHEET_ML_HEAD * 2)
    # decoded: UTF-16 XML is looked at as the sniffers saw it, in UTF-8 (an ASCII marker: no encoding guessed)
    if is_spreadsheet_ml(decode_text(head, WESTERN).text.encode("utf-8")):
        return _workbook_rows(path, options.text_column, spreadsheet_ml_sheets)
    data = path.read_bytes()
    if data.startswith(b"PAR1") or path.suffix.lower() == ".parquet":
        try:
            return _Loaded(_frame_rows(pd.read_parquet(io.BytesIO(data))))
        except (OSError, ValueError) as error:
            raise ReaderError(path, "file", f"not a readable Parquet file: {error}") from None
    decoded = decode_text(data, options.fallback_encoding)
    text = decoded.text
    if _is_json_lines(path, text):
        loaded = _jsonl_rows(path, text)
    elif text.lstrip().startswith(("[", "{")):
        loaded = _json_rows(path, text)
    else:
        loaded = _csv_rows(path, text, options.text_column)
    loaded.rejects[:0] = repair_rejects(path, decoded.repairs, "text repaired")
    return loaded


# --- columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    text: str
    article: str | None
    id: str | None
    parent: str | None
    #: Why the parent column cannot be followed (no id column): rows are then named by their place,
    #: which no parent id can match, rather than numbered, which parent ids would match wrongly.
    unlinked: str | None
    counter: str | None
    author: str | None
    time: str | None
    title: str | None
    #: A moderation status column and an entry kind column, used only when every value in them is read.
    status: str | None = None
    kind: str | None = None
    #: Flag columns (``dead``, ``isDeleted``): a true value gives the status ``_common.flag_status`` says.
    flags: list[str] = field(default_factory=list)
    article_url: str | None = None
    #: A comment's own subject line, which opens its text (and stays in ``extra`` as written).
    subject: str | None = None

    def used(self) -> set[str]:
        return {c for c in (self.text, self.article, self.id, self.parent, self.author, self.time, self.title,
                            self.status, self.kind, self.article_url) if c}


def _pick(path: Path, available: Sequence[str], chosen: str | None, guesses: Sequence[str], what: str,
          rows: list[tuple[str, dict[str, Any]]] | None = None) -> str | None:
    """The column named, else the first usual name present (with ``rows``: the first holding a value)."""
    if chosen is not None:
        if chosen not in available:
            raise ReaderError(path, "header", f"no {what} column {chosen!r}; columns are {', '.join(available)}")
        return chosen
    by_usual = {_usual_name(name): name for name in available}
    present = (by_usual[g] for g in guesses if g in by_usual)
    return next((column for column in present if rows is None or _any_value(rows, column)), None)


def _page_column(rows: list[tuple[str, dict[str, Any]]], available: Sequence[str], text: str) -> str | None:
    """The column naming the page each comment is under, where no article column is: filled on every row with
    text, and shared by different comments. A page address shared by two comments is theirs (a comment's own
    permalink never is); a title, only where the comments have half as many titles as texts or fewer, since a
    comment's own subject line may repeat ("Agreed")."""
    by_usual = {_usual_name(name): name for name in available}
    for usual in (*PAGE_URL_COLUMNS, *PAGE_TITLE_COLUMNS):
        column = by_usual.get(usual)
        if column is None or column == text:
            continue
        pairs = set()
        for _, row in rows:
            try:
                value, comment = _cell(row, column), _cell(row, text)
            except ValueError:
                continue
            if comment is not None:
                pairs.add((value, comment))
        values = [value for value, _ in pairs]
        if not values or None in values:
            continue
        if usual in PAGE_URL_COLUMNS:
            if all(value.startswith(("https://", "http://")) for value in values) and len(set(values)) < len(values):
                return column
        elif len(set(values)) * 2 <= len(values):
            return column
    return None


def _headline(key: str, columns: _Columns) -> str | None:
    """The article's title where its column names it by its headline ("Story", "Article": "Ferry fares to rise"),
    as no id is written: words with spaces, not an address."""
    if columns.article is None or columns.title is not None or key.startswith(("https://", "http://")):
        return None
    return key if " " in key.strip() else None


def _article_of(path: Path, row: dict[str, Any], article_column: str | None) -> str:
    return _cell(row, article_column) or path.stem


def _id_clash(path: Path, rows: list[tuple[str, dict[str, Any]]], column: str, article_column: str | None,
              text_column: str) -> str | None:
    """Where ``column`` gives one id to two comments of an article (None when it never does). Rows
    that are rejected anyway do not count; a row repeating another whole (same article, id and text)
    is no clash: it is a comment saved twice, kept once."""
    first: dict[tuple[str, str], tuple[str, str | None]] = {}
    for where, row in rows:
        try:
            value, text = _cell(row, column), _cell(row, text_column)
            article = _article_of(path, row, article_column)
        except ValueError:  # a list or object in a cell: the row is rejected when read
            continue
        if value is None or text is None:  # no id: the row's place stands in; no text: rejected
            continue
        earlier = first.setdefault((article, value), (where, text))
        if earlier[1] != text:
            return (f"column {column!r} gives id {value!r} to two comments of article {article!r} "
                    f"({earlier[0]} and {where})")
    return None


def _id_column(path: Path, rows: list[tuple[str, dict[str, Any]]], available: Sequence[str], chosen: str | None,
               article_column: str | None, text_column: str) -> tuple[str | None, list[str]]:
    """The id column and, when there is none, why each usual name was passed over.

    Ids need to be unique within their article only (many exports number each thread from 1).
    A column named by the user that gives one id to two comments is an error: guessing which of
    them a reply answers would link threads wrongly.
    """
    if chosen is not None:
        column = _pick(path, available, chosen, (), "id")
        clash = _id_clash(path, rows, chosen, article_column, text_column)
        if clash is not None:
            raise ReaderError(path, "header", f"{clash}: ids must be unique within an article")
        return column, []
    by_usual = {_usual_name(name): name for name in available}
    passed_over = []
    for column in (by_usual[guess] for guess in ID_COLUMNS if guess in by_usual):
        clash = _id_clash(path, rows, column, article_column, text_column)
        if clash is None and _any_value(rows, column):
            return column, []
        passed_over.append(clash or f"column {column!r} is empty")
    return None, passed_over


def _any_value(rows: list[tuple[str, dict[str, Any]]], column: str,
               read: Callable[[str | None], str | None] = lambda cell: cell) -> bool:
    """Whether any row has a value in the column, as ``read`` takes the cell (a list or object is none)."""
    for _, row in rows:
        try:
            if read(_cell(row, column)) is not None:
                return True
        except ValueError:
            continue
    return False


def _status_words(column: str) -> dict[str, str]:
    return {**STATUS_WORDS, **_APPROVAL_FLAGS} if _usual_name(column) in _APPROVAL_COLUMNS else STATUS_WORDS


def _word_column(rows: list[tuple[str, dict[str, Any]]], available: Sequence[str], guesses: Sequence[str],
                 words_of: Callable[[str], dict[str, str]]) -> str | None:
    """The first usual column whose every value is one of its words: a "status" or "type" column that holds
    anything else means something else, and guessing would mislabel comments."""
    by_usual = {_usual_name(name): name for name in available}
    for column in (by_usual[guess] for guess in guesses if guess in by_usual):
        words = words_of(column)
        values = {str(row.get(column) if row.get(column) is not None else "").strip().lower() for _, row in rows}
        if values - {""} and values <= set(words) | {""}:
            return column
    return None


def _author_guesses(available: Sequence[str]) -> Sequence[str]:
    """The usual author columns, "user" first where each row also describes the post the comment is under
    (RedditExtractoR's and vosonSML's Reddit tables: ``post_date``, ``post_text``): there "author" is the post's;
    TikTok's handle last where its user columns are there."""
    usual = {_usual_name(name) for name in available}
    if usual & _POST_COLUMNS:
        return ("user", *AUTHOR_COLUMNS)
    if _TIKTOK_USER <= usual:
        return (*AUTHOR_COLUMNS, "unique_id")
    return AUTHOR_COLUMNS


def _counter_column(rows: list[tuple[str, dict[str, Any]]], available: Sequence[str]) -> str | None:
    """The column whose values say where each comment hangs (``<parent counter>_<n>``), if one does."""
    by_usual = {_usual_name(name): name for name in available}
    if (named := next((by_usual[g] for g in COUNTER_COLUMNS if g in by_usual), None)) is not None:
        return named
    for column in (by_usual[guess] for guess in _NESTED_NUMBER_COLUMNS if guess in by_usual):
        values = {str(row.get(column) if row.get(column) is not None else "").strip() for _, row in rows} - {""}
        if any("_" in value for value in values) and all(_NESTED_NUMBER.fullmatch(value) for value in values):
            return column
    return None


def _columns(path: Path, rows: list[tuple[str, dict[str, Any]]], options: ReadOptions) -> _Columns:
    available = list(dict.fromkeys(key for _, row in rows for key in row))
    text = _pick(path, available, options.text_column, TEXT_COLUMNS, "text")
    if text is None:
        raise ReaderError(path, "header", f"no comment text column (tried {', '.join(TEXT_COLUMNS)}); "
                                          f"name it with --text-column; columns are {', '.join(available)}")
    article = (_pick(path, available, options.article_column, ARTICLE_COLUMNS, "article")
               or _page_column(rows, available, text))
    parent = _pick(path, available, options.parent_column, PARENT_COLUMNS, "parent")
    id_column, passed_over = _id_column(path, rows, available, options.id_column, article, text)
    unlinked = None
    if parent is not None and id_column is None and _any_value(rows, parent, parent_id):
        why = "; ".join(passed_over) or f"none of {', '.join(ID_COLUMNS)} is a column"
        unlinked = (f"replies not linked to their parents: column {parent!r} names them by comment id, but no column "
                    f"gives ids unique within an article ({why}); name one with --id-column")
    return _Columns(
        text=text,
        article=article,
        id=id_column,
        parent=parent,
        unlinked=unlinked,
        counter=None if parent else _counter_column(rows, available),
        author=_pick(path, available, options.author_column, _author_guesses(available), "author"),
        time=_pick(path, available, options.time_column, _TIME_GUESSES, "time"),
        # Hacker News search results carry an empty "title" on every comment and the story's in "story_title"
        title=_pick(path, available, options.title_column, TITLE_COLUMNS, "title", rows),
        article_url=_pick(path, available, None, ARTICLE_URL_COLUMNS, "article url", rows),
        subject=_pick(path, available, None, SUBJECT_COLUMNS, "subject", rows),
        status=_word_column(rows, available, STATUS_COLUMNS, _status_words),
        kind=_word_column(rows, available, KIND_COLUMNS, lambda _: KIND_WORDS),
        flags=[name for name in available if flag_name(name) in FLAG_STATUSES],
    )


# --- rows to records ----------------------------------------------------------------------------


def _cell(row: dict[str, Any], column: str | None) -> str | None:
    """A cell as stripped text (None when empty); a list or object where text belongs raises ItemError."""
    text = text_field(row, column) if column else None
    return (text or "").strip() or None


def _time(row: dict[str, Any], column: str | None) -> str | None:
    """The row's time as ISO-8601; a time without an offset in a column named as UTC (``comment_date_gmt``)
    is given one."""
    value = row.get(column) if column else None
    if not isinstance(value, (int, float)):
        value = _cell(row, column)
    time = to_iso8601(value)
    return as_utc(time) if column and _usual_name(column).endswith(_UTC_SUFFIXES) else time


def _flagged(row: dict[str, Any], columns: _Columns) -> str | None:
    """The status the row's true flag cells give (``dead``: deleted), if any (``_common.flag_status``)."""
    return flag_status(column for column in columns.flags if str(row.get(column)).strip().lower() in _TRUE)


def _status(row: dict[str, Any], columns: _Columns, text: str) -> str:
    if text.strip() in DELETED_BODIES:
        return "deleted"
    if (status := _flagged(row, columns)) is not None:
        return status
    if columns.status is None:
        return "published"
    return _status_words(columns.status).get((_cell(row, columns.status) or "").lower(), "published")


def _comment(row: dict[str, Any], columns: _Columns, position: int, where: str, text: str) -> Comment:
    comment = Comment(
        # numbered in file order without an id column; named by its place, which no id can be, when
        # the id column leaves it empty or when parent ids cannot be followed (``unlinked``)
        id=_cell(row, columns.id) or (where if columns.id or columns.unlinked else str(position + 1)),
        text=with_subject(markup_text(text), markup_text(_cell(row, columns.subject) or "")),
        position=position,
        parent_id=parent_id(_cell(row, columns.parent)),
        author=_cell(row, columns.author),
        time=_time(row, columns.time),
        status=_status(row, columns, text),
        kind=KIND_WORDS[(_cell(row, columns.kind) or "").lower()] if columns.kind else "comment",
        extra={k: extra_value(v) for k, v in row.items() if k not in columns.used() and v not in (None, "")},
    )
    keep_shown_time(comment, _cell(row, columns.time))
    return comment


def _count_on_every_row(comments: list[Comment]) -> int | None:
    """The comment count a scraper writes on each of a page's rows (Apify's YouTube scraper: commentsCount), where
    every row of the article has the same one; a count that differs between rows is each row's own (a
    commenter's), and one row alone cannot tell."""
    for name in dict.fromkeys(name for comment in comments for name in comment.extra
                              if _usual_name(name) in COUNT_COLUMNS):
        counts = {whole_count(comment.extra.get(name)) for comment in comments}
        if len(comments) > 1 and len(counts) == 1 and (count := counts.pop()) is not None:
            return count
    return None


def _link_by_counter(comments: list[Comment], counters: dict[int, str]) -> None:
    """Parent links from hierarchical counters: ``x_3_1`` answers ``x_3`` when that row is in the article."""
    id_by_counter = {counters[c.position]: c.id for c in comments if c.position in counters}
    for comment in comments:
        counter = counters.get(comment.position, "")
        parent = id_by_counter.get(counter.rsplit("_", 1)[0]) if "_" in counter else None
        if parent is not None and parent != comment.id:
            comment.parent_id = parent


def _thread_roots(comments: list[Comment]) -> dict[str, str | None]:
    """Each comment's thread root: the id its thread's top comment answers outside the table (None when
    that comment answers nothing, or its thread is a loop)."""
    by_id = {c.id: c for c in comments}
    tops = thread_tops({c.id: c.parent_id for c in comments})
    return {key: by_id[top].parent_id if top is not None else None for key, top in tops.items()}


def _post_article(path: Path, key: str, row: dict[str, Any] | None, columns: _Columns) -> Article:
    """The article a thread answers, from the post's own row when the table has it."""
    if row is None:
        return Article(id=key, source_file=str(path), format=FORMAT)
    by_usual = {_usual_name(name): name for name in row}
    url = next((_cell(row, by_usual[n]) for n in URL_COLUMNS if n in by_usual and _cell(row, by_usual[n])), None)
    count = next((whole_count(row[by_usual[n]]) for n in COUNT_COLUMNS if n in by_usual), None)
    return Article(id=key, source_file=str(path), format=FORMAT, title=_cell(row, columns.title), url=url,
                   date=_time(row, columns.time), declared_comment_count=count)


def _by_post(path: Path, article: Article, posts: dict[str, tuple[str, dict[str, Any]]],
             columns: _Columns) -> list[Article]:
    """A table without an article column regrouped by the posts its threads answer (Hacker News' public
    dataset: stories and comments in one table, a comment's parent a comment or the story).

    Every post row becomes an article then, and is taken out of ``posts``. Only when the posts' own rows
    are there (rows with a title and no text), or when every thread answers something outside the table
    and the threads share what they answer (two comments to one, on average): in one page's comments a
    reply to a deleted comment answers something missing too, and must not become an article of its own.
    """
    roots = _thread_roots(article.comments)
    answered = set(roots.values())
    # without the posts' rows, threads must share what they answer: a sample of replies from anywhere,
    # each answering a different missing comment, is no table of posts
    shared = len(answered) * 2 <= len(roots)
    if not (posts.keys() & answered) and (None in answered or not shared):
        return [article]
    threads: dict[str, Article] = {}
    answering_nothing = []
    for comment in article.comments:
        root = roots[comment.id]
        if root is None:
            answering_nothing.append(comment)
            continue
        if root not in threads:
            threads[root] = _post_article(path, root, posts.pop(root, ("", None))[1], columns)
        threads[root].comments.append(comment)
    # posts nobody answered are articles too, as a post without comments is in the other readers
    threads.update({key: _post_article(path, key, row, columns) for key, (_, row) in posts.items()})
    posts.clear()
    article.comments = answering_nothing
    return ([article] if answering_nothing else []) + list(threads.values())


def _objects(path: Path, loaded: _Loaded) -> list[tuple[str, dict[str, Any]]]:
    """The rows that are objects; any other value is rejected by its place, and a file with rows
    but not one object is no table at all."""
    rows = [(where, row) for where, row in loaded.rows if isinstance(row, dict)]
    others = [(where, row) for where, row in loaded.rows if not isinstance(row, dict)]
    if others and not rows:
        raise ReaderError(path, others[0][0], "expected an object (one comment per row)")
    loaded.rejects += [Reject(str(path), where, "expected an object (one comment per row)", excerpt(row))
                       for where, row in others]
    return rows


@register("tabular", _sniff, "comment tables: CSV/TSV, JSON lines, JSON array, Parquet, spreadsheets: .xlsx, "
                             ".xls, .ods (columns guessed or named)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    return _read_loaded(path, _load_rows(path, options), options)


def read_cells(path: Path, header: list[str], rows: list[tuple[str, list[str]]], options: ReadOptions) -> ReadResult:
    """A table found in another container (an HTML page that is one table: ``html``'s table exports), as a table
    file is read: its header's cells and its rows' cells, each row with where it is."""
    names = _column_names(header)
    return _read_loaded(path, _Loaded([(where, dict(zip(names, cells))) for where, cells in rows]), options)


def names_a_comment_table(header: list[str], text_column: str | None) -> bool:
    """Whether these cells are a table's header naming a comment text column (or the one named)."""
    return is_header_row(header) and _names_a_text_column(header, text_column)


def _read_loaded(path: Path, loaded: _Loaded, options: ReadOptions) -> ReadResult:
    rows = _objects(path, loaded)
    result = ReadResult(rejects=loaded.rejects)
    result.notes += loaded.notes
    if loaded.preamble:
        lines = loaded.preamble.count("\n") + 1
        result.notes.append(f"{lines} line(s) above the table's header read as its title block, not as rows "
                            "(kept in each article's extra.preamble)")
    if not rows:
        return result
    columns = _columns(path, rows, options)
    if columns.unlinked:
        result.notes.append(columns.unlinked)
    articles: dict[str, Article] = {}
    counters: dict[int, str] = {}
    posts: dict[str, tuple[str, dict[str, Any]]] = {}  # rows with a title and no text: maybe posts threads answer
    seen = SeenIds()
    for position, (where, row) in enumerate(rows):
        try:
            text = _cell(row, columns.text)
            if text is None and columns.article is None and _cell(row, columns.title) and _cell(row, columns.id):
                posts[_cell(row, columns.id) or ""] = (where, row)
                continue
            if text is None and _flagged(row, columns) is None:
                result.rejects.append(Reject(str(path), where, f"no text in column {columns.text!r}", excerpt(row)))
                continue
            key = _article_of(path, row, columns.article)
            title, counter = _cell(row, columns.title), _cell(row, columns.counter)
            page = _cell(row, columns.article_url)
            # a removed comment whose text is gone stays in its thread, as the other readers keep it
            comment = _comment(row, columns, position, where, text or "")
        except ValueError as error:  # a field of the wrong type: this row only
            result.rejects.append(item_reject(path, where, "row", error, row))
            continue
        if columns.id and seen.is_repeat(f"{key}/{comment.id}", where):  # the same comment saved twice
            continue
        # an article named by its page's address (an "Article URL" column) has that page as its url
        url = key if key.startswith(("https://", "http://")) else page
        article = articles.setdefault(key, Article(id=key, source_file=str(path), format=FORMAT,
                                                   title=title or _headline(key, columns), url=url))
        article.comments.append(comment)
        if title is not None and title != article.title and columns.title:
            comment.extra[columns.title] = title  # not its article's title (its own subject?): kept, not lost
        if counter is not None:
            counters[position] = counter
    found = list(articles.values())
    if columns.article is None and columns.id and columns.parent and not columns.unlinked and found:
        found = _by_post(path, found[0], posts, columns)
    for article in found:
        if article.declared_comment_count is None:
            article.declared_comment_count = _count_on_every_row(article.comments)
        if columns.counter:
            _link_by_counter(article.comments, counters)
        if columns.parent or columns.counter:
            fill_depths(article.comments)
        if loaded.preamble:
            article.extra["preamble"] = loaded.preamble
    result.articles = found
    result.rejects += [Reject(str(path), where, f"no text in column {columns.text!r}", excerpt(row))
                       for where, row in posts.values()]
    result.rejects += seen.rejects(str(path))
    return result
