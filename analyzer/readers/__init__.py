"""One reader per dump format behind one registry.

A reader module registers itself with :func:`register`, giving a ``sniff`` function that looks at
the first bytes of a file and says how sure it is that the file is in its format (0.0 to 1.0), and
a ``read`` function that turns the whole file into Articles (and Rejects for what it could not use).
``read_file`` picks the most confident reader unless a format is forced.

Readers raise :class:`ReaderError` for input they cannot read at all; the error names the file and
the place (line, byte offset or JSON path) so the user can find it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.config import ReadOptions
from analyzer.records import Article, Reject

#: How many bytes of a file the sniffers see.
SNIFF_BYTES = 65536


class ReaderError(Exception):
    """A file that cannot be read: names the file and where in it the problem is."""

    def __init__(self, path: str | Path, location: str, message: str) -> None:
        self.path = str(path)
        self.location = location
        self.message = message
        super().__init__(f"{self.path}: {location}: {message}")


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


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
    "analyzer.readers.disqus",
    "analyzer.readers.reddit",
    "analyzer.readers.youtube",
    "analyzer.readers.hackernews",
    "analyzer.readers.tabular",
    "analyzer.readers.articles_jsonl",
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


def detect_format(path: str | Path) -> str:
    """The name of the reader most confident about this file's content."""
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise ReaderError(path, "byte 0", "file is empty")
    scored = sorted(((r.sniff(head, path), r.name) for r in readers().values()), reverse=True)
    confidence, name = scored[0]
    if confidence <= 0:
        raise ReaderError(path, "byte 0", "format not recognised; name it with --format")
    return name


def read_file(path: str | Path, fmt: str | None = None, options: ReadOptions | None = None) -> ReadResult:
    """Read one dump file into Articles and Rejects, detecting the format unless ``fmt`` is given."""
    path = Path(path)
    if path.is_dir():
        # input_files() expands folders and keeps only the empty ones, so via split() this means "empty"
        has_files = any(found.is_file() for found in path.rglob("*"))
        reason = "a folder, not a file: pass it to split() to read every file in it" if has_files else "no files to read in this folder"
        raise ReaderError(path, "folder", reason)
    if not path.is_file():
        raise ReaderError(path, "file", "no such file")
    name = fmt or detect_format(path)
    available = readers()
    if name not in available:
        raise ReaderError(path, "file", f"unknown format {name!r}; known: {', '.join(sorted(available))}")
    return available[name].read(path, options or ReadOptions())


__all__ = ["ReadResult", "Reader", "ReaderError", "detect_format", "read_file", "readers", "register"]
