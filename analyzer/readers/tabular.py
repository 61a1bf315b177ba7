"""Comments as table rows: CSV/TSV, JSON lines, a JSON array (or an object holding one), Parquet.

Which column is what comes from ``ReadOptions`` (``--text-column`` …); a column left unnamed is
guessed from the usual names below, first match wins (case-insensitive). The id column must hold
unique values to be used; otherwise rows are numbered. Rows are grouped into articles by the
article column (first row's title column gives the title); without one the file is one article.

Thread links come from the parent column; without one, a ``comment_counter`` column such as the
Globe and Mail's ``source2_<article>_3_1`` (reply 1 to top-level comment 3) gives them when the
shorter counter exists in the same article. A row without text becomes a Reject naming its row
(data rows count from 1, the header not counted), JSON line or JSON path.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, decode_bytes, fill_depths, to_iso8601
from analyzer.readers.reddit import DELETED_BODIES
from analyzer.records import Article, Comment, Reject

FORMAT = "tabular"

# Usual column names, most specific first.
TEXT_COLUMNS = ("text", "body", "comment_text", "comment_body", "content", "comment", "message")
ARTICLE_COLUMNS = ("article_id", "article", "article_url", "submission_id", "link_id", "thread_id", "thread",
                   "post_id", "video_id", "submission_title", "article_title")
ID_COLUMNS = ("comment_id", "id", "cid", "comment_counter")
PARENT_COLUMNS = ("parent_id", "parent", "parent_comment_id", "in_reply_to", "reply_to")
AUTHOR_COLUMNS = ("author", "user", "username", "user_name", "author_name", "by")
TIME_COLUMNS = ("time", "timestamp", "created_utc", "created_at", "date", "post_time", "published_at", "datetime")
TITLE_COLUMNS = ("title", "article_title", "submission_title", "headline")
#: Columns whose values encode nesting as ``<parent counter>_<n>``.
COUNTER_COLUMNS = ("comment_counter",)

_NO_PARENT = {"", "0", "none", "null", "nan"}
_HEADER_CELL = re.compile(r"^[A-Za-z_][\w .-]{0,60}$")


# --- sniffing ------------------------------------------------------------------------------------


def _csv_header(head: bytes) -> tuple[list[str], int] | None:
    """Header cells and how many of the next lines have as many fields, if the head looks like a table."""
    text = decode_bytes(head[:8192])
    lines = text.splitlines()[:6]
    if len(lines) < 2:
        return None
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t|")
    except csv.Error:
        return None
    rows = list(csv.reader(lines, dialect))
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2 or not all(_HEADER_CELL.match(cell) for cell in header):
        return None
    return header, sum(len(row) == len(header) for row in rows[1:])


def _json_keys(head: bytes) -> set[str]:
    return {k.lower() for k in re.findall(r'"([A-Za-z_]\w*)"\s*:', decode_bytes(head[:8192]))}


def _sniff(head: bytes, path: Path) -> float:
    if head.startswith(b"PAR1"):
        return 0.9
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"[", b"{")):
        if set(TEXT_COLUMNS) & _json_keys(stripped):
            return 0.5
        # Unusual column names: the user names them with --text-column; the extension says "rows".
        return 0.3 if path.suffix.lower() in (".jsonl", ".ndjson") else 0.0
    if stripped.startswith(b"<"):
        return 0.0
    table = _csv_header(head)
    if table is None:
        return 0.0
    header, consistent_lines = table
    if consistent_lines == 0:
        return 0.0
    if set(TEXT_COLUMNS) & {cell.lower() for cell in header}:
        return 0.7
    return 0.5 if path.suffix.lower() in (".csv", ".tsv") else 0.0


# --- loading rows ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A cell as a JSON-friendly Python value; missing cells (NaN, NaT, None) become None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _frame_rows(frame: pd.DataFrame) -> list[tuple[str, dict[str, Any]]]:
    records = frame.to_dict("records")
    return [(f"row {number}", {str(k): _plain(v) for k, v in record.items()})
            for number, record in enumerate(records, start=1)]


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    separator = "\t" if path.suffix.lower() == ".tsv" else None
    if separator is None:
        try:
            separator = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        line = re.search(r"line (\d+)", str(error))
        raise ReaderError(path, f"line {line.group(1)}" if line else "file", f"not a readable CSV: {error}") from None
    return _frame_rows(frame)


def _json_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    first_line, _, rest = text.strip().partition("\n")
    first = _object_or_none(first_line)
    # One object per line, unless the only line is an object wrapping the rows ({"comments": [...]}).
    if first is not None and (rest.strip() or _records_in(first)[0] is None):
        return _jsonl_rows(path, text)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReaderError(path, f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}") from None
    records, json_path = _records_in(document)
    if records is None:
        raise ReaderError(path, "$", "expected a JSON array of row objects (or an object holding one)")
    return [(f"{json_path}[{index}]", record) for index, record in enumerate(records)]


def _object_or_none(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _records_in(document: Any) -> tuple[list[Any] | None, str]:
    if isinstance(document, list):
        return document, "$"
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return value, f"$.{key}"
    return None, "$"


def _jsonl_rows(path: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((f"line {number}", json.loads(line)))
        except json.JSONDecodeError as error:
            raise ReaderError(path, f"line {number}, column {error.colno}", f"not valid JSON: {error.msg}") from None
    return rows


def _load_rows(path: Path, options: ReadOptions) -> list[tuple[str, Any]]:
    data = path.read_bytes()
    if data.startswith(b"PAR1") or path.suffix.lower() == ".parquet":
        try:
            return _frame_rows(pd.read_parquet(io.BytesIO(data)))
        except (OSError, ValueError) as error:
            raise ReaderError(path, "file", f"not a readable Parquet file: {error}") from None
    text = decode_bytes(data, fallback=options.fallback_encoding)
    if text.lstrip().startswith(("[", "{")):
        return _json_rows(path, text)
    return _csv_rows(path, text)


# --- columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    text: str
    article: str | None
    id: str | None
    parent: str | None
    counter: str | None
    author: str | None
    time: str | None
    title: str | None

    def used(self) -> set[str]:
        return {c for c in (self.text, self.article, self.id, self.parent, self.author, self.time, self.title) if c}


def _pick(path: Path, available: Sequence[str], chosen: str | None, guesses: Sequence[str], what: str) -> str | None:
    if chosen is not None:
        if chosen not in available:
            raise ReaderError(path, "header", f"no {what} column {chosen!r}; columns are {', '.join(available)}")
        return chosen
    by_lower = {name.lower(): name for name in available}
    return next((by_lower[g] for g in guesses if g in by_lower), None)


def _unique_id_column(rows: list[tuple[str, dict[str, Any]]], available: Sequence[str], chosen: str | None,
                      path: Path) -> str | None:
    """The id column: the one named, else the first usual name whose values are all set and distinct."""
    if chosen is not None:
        return _pick(path, available, chosen, (), "id")
    by_lower = {name.lower(): name for name in available}
    for guess in ID_COLUMNS:
        column = by_lower.get(guess)
        values = [row.get(column) for _, row in rows] if column else []
        if column and None not in values and "" not in values and len(set(map(str, values))) == len(values):
            return column
    return None


def _columns(path: Path, rows: list[tuple[str, dict[str, Any]]], options: ReadOptions) -> _Columns:
    available = list(dict.fromkeys(key for _, row in rows for key in row))
    text = _pick(path, available, options.text_column, TEXT_COLUMNS, "text")
    if text is None:
        raise ReaderError(path, "header", f"no comment text column (tried {', '.join(TEXT_COLUMNS)}); "
                                          f"name it with --text-column; columns are {', '.join(available)}")
    parent = _pick(path, available, options.parent_column, PARENT_COLUMNS, "parent")
    return _Columns(
        text=text,
        article=_pick(path, available, options.article_column, ARTICLE_COLUMNS, "article"),
        id=_unique_id_column(rows, available, options.id_column, path),
        parent=parent,
        counter=None if parent else _pick(path, available, None, COUNTER_COLUMNS, "counter"),
        author=_pick(path, available, options.author_column, AUTHOR_COLUMNS, "author"),
        time=_pick(path, available, options.time_column, TIME_COLUMNS, "time"),
        title=_pick(path, available, options.title_column, TITLE_COLUMNS, "title"),
    )


# --- rows to records ----------------------------------------------------------------------------


def _cell(row: dict[str, Any], column: str | None) -> str | None:
    value = row.get(column) if column else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _parent(value: str | None) -> str | None:
    """Parent id, or None for a top-level comment; Reddit fullnames are reduced to the bare id."""
    if value is None or value.lower() in _NO_PARENT or value.startswith("t3_"):
        return None
    return value[3:] if value.startswith("t1_") else value


def _comment(row: dict[str, Any], columns: _Columns, position: int, text: str) -> Comment:
    time_value = row.get(columns.time) if columns.time else None
    return Comment(
        id=_cell(row, columns.id) or str(position + 1),
        text=clean_text(text),
        position=position,
        parent_id=_parent(_cell(row, columns.parent)),
        author=_cell(row, columns.author),
        time=to_iso8601(time_value if isinstance(time_value, (int, float)) else _cell(row, columns.time)),
        status="deleted" if text.strip() in DELETED_BODIES else "published",
        extra={k: v for k, v in row.items() if k not in columns.used() and v not in (None, "")},
    )


def _link_by_counter(comments: list[Comment], counters: dict[int, str]) -> None:
    """Parent links from hierarchical counters: ``x_3_1`` answers ``x_3`` when that row is in the article."""
    id_by_counter = {counters[c.position]: c.id for c in comments if c.position in counters}
    for comment in comments:
        counter = counters.get(comment.position, "")
        parent = id_by_counter.get(counter.rsplit("_", 1)[0]) if "_" in counter else None
        if parent is not None and parent != comment.id:
            comment.parent_id = parent


@register("tabular", _sniff, "comment tables: CSV/TSV, JSON lines, JSON array, Parquet (columns guessed or named)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    rows = _load_rows(path, options)
    not_objects = [where for where, row in rows if not isinstance(row, dict)]
    if not_objects:
        raise ReaderError(path, not_objects[0], "expected an object (one comment per row)")
    result = ReadResult()
    if not rows:
        return result
    columns = _columns(path, rows, options)
    articles: dict[str, Article] = {}
    counters: dict[int, str] = {}
    for position, (where, row) in enumerate(rows):
        text = _cell(row, columns.text)
        if text is None:
            result.rejects.append(Reject(str(path), where, f"no text in column {columns.text!r}",
                                         raw=json.dumps(row, ensure_ascii=False, default=str)))
            continue
        key = _cell(row, columns.article) or path.stem
        article = articles.setdefault(key, Article(id=key, source_file=str(path), format=FORMAT,
                                                   title=_cell(row, columns.title)))
        article.comments.append(_comment(row, columns, position, text))
        counter = _cell(row, columns.counter)
        if counter is not None:
            counters[position] = counter
    for article in articles.values():
        if columns.counter:
            _link_by_counter(article.comments, counters)
        if columns.parent or columns.counter:
            fill_depths(article.comments)
    result.articles = list(articles.values())
    return result
