"""Reads back the JSONL that ``split`` writes, so every later stage can take a split file as input."""

from __future__ import annotations

import json
from pathlib import Path

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.records import Article

_REQUIRED_KEYS = {"id", "source_file", "format", "comments"}


def _sniff(head: bytes, path: Path) -> float:
    # detection hands over the whole first line, however long (one line holds a whole thread);
    # parsing megabytes of some other JSON is spared by looking for a key of ours first
    first_line = head.split(b"\n", 1)[0]
    if b'"source_file"' not in first_line:
        return 0.0
    try:
        record = json.loads(first_line)
    except (ValueError, RecursionError):
        return 0.0
    return 1.0 if isinstance(record, dict) and _REQUIRED_KEYS <= record.keys() else 0.0


@register("articles-jsonl", _sniff, "the JSONL written by `split` (one article with its comments per line)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    result = ReadResult()
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                result.articles.append(Article.from_dict(json.loads(line)))
            except (ValueError, TypeError) as error:
                raise ReaderError(path, f"line {number}", f"not an article record: {error}") from error
    return result
