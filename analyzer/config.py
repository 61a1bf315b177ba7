"""Defaults in one place: every option the CLI and the public API share has its home here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How readers interpret tabular input (CSV / JSONL / JSON arrays / Parquet) and text encodings.

    Each ``*_column`` names the field holding that part of a comment; ``None`` means "guess from
    the usual names" (see ``analyzer.readers.tabular``).
    """

    text_column: str | None = None
    article_column: str | None = None
    id_column: str | None = None
    parent_column: str | None = None
    author_column: str | None = None
    time_column: str | None = None
    title_column: str | None = None
    target_column: str | None = None
    #: Used when a file's bytes are not valid in the encoding it declares (or UTF-8).
    fallback_encoding: str = "cp1252"


#: Where ``python -m analyzer run`` and the README's first command write their output.
DEFAULT_REPORTS_DIR = "reports"
