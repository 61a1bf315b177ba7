"""Python literals written where JSON was meant, read as the JSON they stand for.

A scraper that writes ``print(comment)`` or ``f.write(str(rows))`` instead of ``json.dumps`` leaves Python's
notation: single-quoted strings, ``None`` / ``True`` / ``False``, tuples. No JSON opens an object with ``{'``, so a
file that does (or a list of such objects, ``[{'``) is read with ``ast.literal_eval``, which evaluates literals
only, never code: one literal per line (a line that is none is passed on as it is, for the JSON reader to reject
by its number), or the whole file as one. The JSON written from them is read as any JSON file is.
"""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path
from typing import Any

from analyzer.readers._common import WESTERN
from analyzer.readers._structured import decode_text

#: A file that opens an object with a single-quoted key, alone or as the first item of a list.
_OPENING = re.compile(r"\A\s*(?:\[\s*)?\{\s*'")
#: Nesting a literal may have: CPython's parser and ``literal_eval`` recurse on it, and hostile depth would
#: exhaust the stack. Comments nest a few levels.
_MAX_DEPTH = 100
#: How many of a file's first lines may show it holds a literal per line.
_PROBE_LINES = 20
#: A larger file is not evaluated as one literal: its syntax tree takes many times its size in memory.
_MAX_WHOLE_CHARS = 64 * 1024**2


def is_python_literal(head: bytes) -> bool:
    """Whether the file opens as a Python dict literal would (``{'`` or ``[{'``), as no JSON does."""
    # "{'" is ASCII: the head is decoded as the file will be, but with no encoding guessed for a look at it
    return _OPENING.match(decode_text(head[:4096], WESTERN).text) is not None


def write_as_json(path: Path, target: Path) -> bool:
    """Writes the file's literals to ``target`` as JSON: line for line where one of its first lines is a dict
    literal (so that line numbers stay the file's; a damaged first line does not decide), else the whole file as
    one; False where neither reads."""
    text = decode_text(path.read_bytes()).text
    lines = text.split("\n")
    if any(isinstance(_literal(line), dict) for line in [line for line in lines if line.strip()][:_PROBE_LINES]):
        converted = [json.dumps(_jsonable(found)) if (found := _literal(line)) is not None else line for line in lines]
        target.write_text("\n".join(converted), encoding="utf-8")
        return True
    if len(text) <= _MAX_WHOLE_CHARS and (value := _literal(text)) is not None:
        target.write_text(json.dumps(_jsonable(value)), encoding="utf-8")
        return True
    return False


def _literal(text: str) -> Any:
    """The dict or list a text holds as a Python literal; None for anything else (or too deep to evaluate)."""
    if not text.strip() or _depth(text) > _MAX_DEPTH:
        return None
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (dict, list, tuple)) else None


def _depth(text: str) -> int:
    """How deep brackets nest, counting those inside strings too (an overestimate: such a text is refused)."""
    depth = deepest = 0
    for char in text:
        if char in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]})":
            depth -= 1
    return deepest


def _jsonable(value: Any) -> Any:
    """A literal's value as JSON holds it: tuples and sets as lists, keys as strings, bytes as text, NaN and
    infinities as null, anything else (a complex number, ``...``) as its text."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
