"""File helpers: atomic writes (a reader, or a run that resumes, sees a whole file or none, never half
of one), and paths as text that any UTF-8 output takes."""

from __future__ import annotations

import os
from pathlib import Path


def temporary_path(path: Path) -> Path:
    """A hidden sibling of ``path`` to write first and ``os.replace`` into place (same folder, same disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_text_atomically(path: Path, text: str) -> None:
    tmp = temporary_path(path)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def path_text(path: str | Path) -> str:
    """The path as text for outputs: bytes of a file name that are not UTF-8 (which Python keeps as lone
    surrogates, and no UTF-8 writer takes) are written as ``\\xNN``."""
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name byte gives (text from elsewhere): its escape
        return os.fspath(path).encode("utf-8", "backslashreplace").decode("utf-8")
