"""Reader-comment stance and toxicity analyzer: split dumps, score comments, report.

The public API is what ``__all__`` lists. Names that need torch or matplotlib are imported on
first use, so that ``split`` and the record types load fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, detect_format, read_file
from analyzer.records import Article, Comment, Reject, read_articles, write_articles
from analyzer.splitting import split

__version__ = "0.1.0"

# name → module that defines it; loaded lazily by __getattr__ below.
_LAZY = {
    "load_model": "analyzer.model",
    "Model": "analyzer.model",
    "Prediction": "analyzer.model",
    "build_tiny_model": "analyzer.model",
    "build_report": "analyzer.report",
    "score": "analyzer.scoring",
    "run": "analyzer.pipeline",
    "TargetPolicy": "analyzer.targets",
}

__all__ = [
    "Article",
    "Comment",
    "ReadOptions",
    "ReaderError",
    "Reject",
    "detect_format",
    "read_articles",
    "read_file",
    "split",
    "write_articles",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
