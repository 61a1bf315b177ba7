"""The score stage's files: the part file that scored chunks are appended to, and the tables made from it.

The part file (``records.part_path_for``) starts with a header line naming the model, backend and
target setting, then holds one JSON row per scored comment. Interrupted runs leave it behind, and
``--resume`` keeps its rows when the header matches. At the end it becomes each requested table
(CSV, JSONL or Parquet), a chunk at a time, written to a temporary file and moved into place, so a
table on disk is always complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from analyzer._files import temporary_path
from analyzer.records import INTEGER_ID_COLUMNS, SCORE_ID_COLUMNS

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
#: The CSV tables' free-text columns, which whoever wrote a comment (or its page) chose.
SPREADSHEET_TEXT_COLUMNS = ("author", "text", "quoted_lines", "target", "context", "title")
#: What a spreadsheet takes for the start of a formula (OWASP's list): "=HYPERLINK(…)" or "=cmd|…" in a hostile
#: comment would run where a newsroom opens the CSV; "- I disagree" shows as an error.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: Any) -> Any:
    """The frame for a CSV: a free-text cell starting as a formula starts is led by "'", which spreadsheets
    show as text and do not show (JSONL and Parquet keep every text as written)."""
    return _map_free_text(frame, lambda text: "'" + text if text.startswith(_FORMULA_STARTS) else text)


def from_spreadsheet(frame: Any) -> Any:
    """A CSV table's free text as written again (``spreadsheet_safe`` undone)."""
    return _map_free_text(frame, lambda text: text[1:] if text[:1] == "'" and text[1:].startswith(_FORMULA_STARTS)
                          else text)


def _map_free_text(frame: Any, change: Callable[[str], str]) -> Any:
    """A copy of the frame with ``change`` applied to every text in its free-text columns."""
    frame = frame.copy()
    for column in (c for c in SPREADSHEET_TEXT_COLUMNS if c in frame.columns):
        frame[column] = frame[column].map(lambda value: change(value) if isinstance(value, str) else value)
    return frame


class PartFileMismatch(ValueError):
    """The part file was written by another model, backend or target setting."""


# --- the part file ------------------------------------------------------------------------------


def _read_part(path: Path, header: dict[str, Any]) -> set[tuple[str, str]] | None:
    """Keys already scored, or None when the file holds nothing (killed before its first write).

    Drops a torn last line left by an interruption mid-write.
    """
    done: set[tuple[str, str]] = set()
    with path.open("rb") as stream:
        first = stream.readline()
        if not first.endswith(b"\n"):
            return None
        try:
            found = json.loads(first).get("header")
        except (ValueError, AttributeError):
            found = None
        if found != header:
            raise PartFileMismatch(
                f"{path}: made by another model, backend or target setting ({found}); delete it or run without --resume"
            )
        good_until = len(first)
        for line in stream:
            try:
                row = json.loads(line)
            except ValueError:
                break
            if not line.endswith(b"\n"):
                break
            done.add((row["article_id"], row["comment_id"]))
            good_until += len(line)
    with path.open("r+b") as stream:
        stream.truncate(good_until)
    return done


def open_part(path: Path, header: dict[str, Any], resume: bool) -> tuple[TextIO, set[tuple[str, str]]]:
    """The part file open for appending, and the (article id, comment id) keys it already holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _read_part(path, header) if resume and path.is_file() else None
    if done is not None:
        return path.open("a", encoding="utf-8"), done
    stream = path.open("w", encoding="utf-8")
    stream.write(json.dumps({"header": header}) + "\n")
    return stream, set()


def append_rows(stream: TextIO, rows: list[dict[str, Any]]) -> None:
    stream.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    stream.flush()


def _part_chunks(part_path: Path, chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    with part_path.open(encoding="utf-8") as stream:
        next(stream)  # the header
        for line in stream:
            chunk.append(json.loads(line))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    yield chunk


# --- tables -------------------------------------------------------------------------------------


def write_table(part_path: Path, path: Path, columns: Sequence[str], chunk_size: int = 5000) -> None:
    """Turn the part file into one table (by the path's suffix), a chunk at a time, atomically."""
    writers = {".csv": _write_csv, ".jsonl": _write_jsonl, ".parquet": _write_parquet}
    tmp = temporary_path(path)
    writers[path.suffix.lower()](_part_chunks(part_path, chunk_size), tmp, columns)
    os.replace(tmp, path)


def _write_jsonl(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for chunk in chunks:
            stream.write("".join(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n" for r in chunk))


def arrow_schema(columns: Sequence[str]) -> Any:
    """The Arrow types of score columns: text, ``INTEGER_ID_COLUMNS`` integers, every score a float64 (exact
    for the model's float32 outputs, so a round trip through Parquet changes no score)."""
    import pyarrow as pa

    text_columns = (set(SCORE_ID_COLUMNS) - set(INTEGER_ID_COLUMNS)) | {"stance"}
    return pa.schema(
        [(c, pa.string() if c in text_columns else pa.int32() if c in INTEGER_ID_COLUMNS else pa.float64())
         for c in columns]
    )


def _arrow_chunks(chunks: Iterator[list[dict[str, Any]]], columns: Sequence[str]) -> Iterator[Any]:
    import pyarrow as pa

    schema = arrow_schema(columns)
    for chunk in chunks:
        yield pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in chunk], schema=schema)


def _write_parquet(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    import pyarrow.parquet as pq

    writer = None
    for table in _arrow_chunks(chunks, columns):
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def _write_csv(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    import pandas as pd
    import pyarrow as pa

    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(columns) + "\n")
        for table in _arrow_chunks(chunks, columns):
            # Int32Dtype keeps depth an integer column with blanks, not floats ("1.0").
            frame = table.to_pandas(types_mapper={pa.int32(): pd.Int32Dtype()}.get)
            spreadsheet_safe(frame).to_csv(stream, header=False, index=False)
