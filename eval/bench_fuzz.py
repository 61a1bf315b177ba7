"""Hostile input for the split stage: seeded mutations of the project's own fixtures, read and checked.

    python -m eval.bench_fuzz --cases N [--seed S]   →  reports/benchmarks/fuzz.md and fuzz.json

The seeds are every file under ``tests/fixtures`` (WXR, Disqus, Reddit, HN, YouTube, tables, HTML and
whatever folder is added there) and two small invented plain-text dumps below. Each case is one
mutation of one seed — truncation, byte flips, a stray prefix, re-encoding (UTF-16 with and without
a byte-order mark, cp1252), a stray cp1252 byte in a UTF-8 file, NUL bytes, a wrong type or a deep
value in one comment, a malformed JSON line, an over-long CSV row, a huge field, deep nesting
around the document or before an HTML comment list, the file gzipped (whole, cut short or with flipped
bytes) or alone in a zip archive — read with ``analyzer.splitting.split_file``
and checked for:

* **no traceback**: ``split_file`` returns, and a file it cannot read is a ReaderError that names
  the file and is not an "internal error" (what the last line of defence turns a bug into);
* **strict output**: every article serialises as strict JSON (no NaN) that encodes as UTF-8 (no
  lone surrogate);
* **nothing lost in silence**, where the mutation keeps the count knowable (a wrong type in ONE
  comment, one bad line, a re-encoding, gzip, zip): comments out + comments rejected = comments in, where
  "in" is what the clean seed gives and "rejected" counts the rejects beyond the seed's own, repair
  notes ("… repaired: …", stray leading bytes skipped) aside.

``tests/test_fuzz.py`` runs this harness on a few hundred cases in CI; this script runs as many as
asked and reports cases run, tracebacks, broken invariants and refusals by reason.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from random import Random
from typing import Any

from analyzer._files import write_text_atomically
from analyzer.config import ReadOptions
from analyzer.records import Reject
from analyzer.splitting import FileOutcome, split_file

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
OUT_DIR = PROJECT_ROOT / "reports" / "benchmarks"

#: Read options for fixtures whose columns are not guessed, as their own tests name them.
SEED_OPTIONS = {
    "custom_columns.jsonl": ReadOptions(text_column="msg", article_column="story", id_column="key",
                                        parent_column="reply_of", author_column="who", time_column="when"),
}

#: Invented plain-text dumps: a headed page with bulleted comments, and a flattened one (line model).
PLAIN_TEXT_SEEDS = {
    "headed.txt": """Harbour wall repairs start on Monday

The council will close the north quay for three weeks while the old harbour wall is rebuilt.
Fishing boats will moor at the south pier until the work is done.

3 thoughts on “Harbour wall repairs start on Monday”

• Agnes Moller
March 3, 2021 at 9:02 am
About time, the wall has been crumbling for years and nobody cared until the storm.
Reply
• Tomas Reyes says:
March 3, 2021 at 10:15 am
Three weeks sounds optimistic to me, the last repair on the slipway took a whole summer.
Reply
• Will the fish market stay open during the works, or does it move to the south pier as well?
""",
    "flattened.txt": """Cyclists ask for a safer crossing at the station roundabout

Riders have asked the city for a protected crossing at the busy station roundabout.
A petition with eight hundred names was handed to the transport office on Friday.
The office said it would study traffic counts before making any decision this year.
Drivers' groups warned that narrowing the lanes could slow buses at peak hours.

Marta Lindqvist says:
April 12, 2021 at 9:14 am
I cross there every morning with my daughter and it is frightening when the buses swing round.

Jonas Becker says:
April 12, 2021 at 11:40 am
A crossing is fine but the lights must not hold up the buses, half the town depends on them.
""",
}

#: Keys whose values hold other comments: a wrong type there removes comments from the input itself.
_CONTAINER_KEYS = {"replies", "comments", "children", "kids", "things", "items"}
#: Keys of a comment object's text, by which the harness finds comments in any JSON shape.
_TEXT_KEYS = {"body", "text", "content", "textOriginal", "textDisplay", "message", "msg", "comment", "full_text"}
#: Keys that mark a story or post rather than a comment (``forwarded_from``: a channel post Telegram copies into its
#: discussion group, which is the article of the messages answering it).
_STORY_KEYS = {"selftext", "num_comments", "descendants", "comments_count", "forwarded_from"}
#: A number with more digits than Python's int() converts, written where the placeholder stands.
_HUGE_INT_PLACEHOLDER = "__huge_int__"
_HUGE_INT = "9" * 5000
#: Rejects that note a repair rather than refuse content: "XML repaired: …", stray leading bytes skipped.
_REPAIR_NOTE = re.compile(r"^\w+ repaired: |stray byte\(s\) .* skipped$")


def _deep_list(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


#: What "a wrong type" means: containers where text belongs, NaN and out-of-range numbers, booleans,
#: lone surrogates, NUL, an empty id, nesting deep enough to hurt a recursive writer.
WRONG_VALUES: tuple[Any, ...] = (
    ["a", 1], {"x": {"y": 1}}, math.nan, math.inf, -math.inf, 10**30, -(10**30), _HUGE_INT_PLACEHOLDER,
    True, False, 0, "", "\ud800", "a\udc00b", "a\u0000b", _deep_list(200),
)


# --- seeds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    #: The fixture folder (wxr, reddit, …; "plain_text" for the invented dumps): the reader it tests.
    group: str
    data: bytes
    fmt: str | None  # the format the clean seed is read as (None: it is refused as a whole)
    options: ReadOptions
    #: Comments the clean seed gives, and its own rejects other than repair notes.
    comments: int
    item_rejects: int

    @property
    def kind(self) -> str:
        """json, jsonl, xml, html, csv, text or binary (a Safari web archive; a WARC, whose records say their
        lengths): which mutations apply."""
        named = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xml": "xml", ".html": "html",
                 ".csv": "csv", ".warc": "binary"}.get(Path(self.name).suffix)
        if named is not None:
            return named
        try:
            self.data.decode("utf-8")
        except UnicodeDecodeError:
            return "binary"
        return "text"


def item_rejects(rejects: list[Reject]) -> int:
    """Rejects that refuse something, as opposed to notes on what was repaired."""
    return sum(1 for r in rejects if not _REPAIR_NOTE.search(r.reason))


def comment_count(outcome: FileOutcome) -> int:
    return sum(len(a.comments) for a in outcome.result.articles)


def load_seeds(workdir: Path) -> list[Seed]:
    """Every fixture file and the invented plain-text dumps, each with what its clean read gives."""
    sources = [(p.name, p.parent.name, p.read_bytes()) for p in sorted(FIXTURES.rglob("*")) if p.is_file()]
    sources += [(name, "plain_text", text.encode("utf-8")) for name, text in PLAIN_TEXT_SEEDS.items()]
    seeds = []
    for name, group, data in sources:
        options = SEED_OPTIONS.get(name, ReadOptions())
        path = workdir / "seed" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        outcome = split_file(path, None, options)
        fmt = outcome.result.articles[0].format if outcome.result.articles else None
        seeds.append(Seed(name, group, data, fmt, options, comment_count(outcome), item_rejects(outcome.result.rejects)))
    return seeds


# --- cases -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    seed: Seed
    mutation: str
    index: int
    data: bytes
    fmt: str | None  # the reader named (as --format), or None to detect
    #: Comments in the mutated input when the mutation keeps the count knowable, else None.
    expected: int | None

    @property
    def label(self) -> str:
        return f"case {self.index}: {self.mutation} of {self.seed.name} ({'--format ' + self.fmt if self.fmt else 'detected'})"


@dataclass(frozen=True)
class Mutated:
    data: bytes
    knowable: bool
    detect: bool = False  # read with format detection rather than the seed's format


Mutation = Callable[[Seed, Random], "Mutated | None"]


def _text(seed: Seed) -> str | None:
    try:
        return seed.data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _declare(text: str, encoding: str) -> str:
    """The XML declaration and HTML meta charset rewritten to the encoding the bytes will be in."""
    return re.sub(r"""((?:encoding|charset)\s*=\s*["']?)utf-8""", rf"\g<1>{encoding}", text, count=2, flags=re.IGNORECASE)


def truncate(seed: Seed, rng: Random) -> Mutated:
    return Mutated(seed.data[: rng.randrange(len(seed.data))], knowable=False, detect=rng.random() < 0.5)


def flip_bytes(seed: Seed, rng: Random) -> Mutated:
    data = bytearray(seed.data)
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return Mutated(bytes(data), knowable=False, detect=rng.random() < 0.5)


def stray_prefix(seed: Seed, rng: Random) -> Mutated:
    prefix = rng.choice((b"\x00", b"x", b"\xff", b"\xef\xbb", b"\xe9", b"\x1a", b"%", b"\n\n  \t"))
    return Mutated(prefix + seed.data, knowable=False, detect=rng.random() < 0.5)


def utf16(seed: Seed, rng: Random) -> Mutated | None:
    """Windows Notepad's "Unicode": UTF-16 with a byte-order mark, declarations rewritten to match."""
    text = _text(seed)
    return None if text is None else Mutated(_declare(text, "UTF-16").encode("utf-16"), knowable=True, detect=True)


def utf16_without_bom(seed: Seed, rng: Random) -> Mutated | None:
    """UTF-16 LE without a byte-order mark: JSON says how to tell (RFC 4627, the NULs of the first characters)."""
    text = _text(seed)
    if text is None or seed.kind not in ("json", "jsonl"):
        return None
    return Mutated(text.encode("utf-16-le"), knowable=True)


def cp1252(seed: Seed, rng: Random) -> Mutated | None:
    """The whole file in cp1252, declarations rewritten to match (seeds with characters cp1252 lacks are skipped)."""
    text = _text(seed)
    try:
        return None if text is None else Mutated(_declare(text, "windows-1252").encode("cp1252"), knowable=True, detect=True)
    except UnicodeEncodeError:
        return None


# A space between two prose words (both lower case), where one more word changes no structure.
_PROSE_SPACE = re.compile(rb"(?<=[a-z]) (?=[a-z]{3})")


def stray_cp1252_byte(seed: Seed, rng: Random) -> Mutated | None:
    """One cp1252 "é" (0xE9, never UTF-8 on its own) as a word of its own in a line of prose."""
    if seed.kind == "binary":  # no prose to put it in: its bytes are not text
        return None
    spots = [m.start() for m in _PROSE_SPACE.finditer(seed.data) if _in_prose(seed.data, m.start())]
    if not spots:
        return None
    spot = rng.choice(spots)
    return Mutated(seed.data[:spot] + b" \xe9" + seed.data[spot:], knowable=True, detect=True)


def _in_prose(data: bytes, position: int) -> bool:
    """Inside a line of at least eight words and not inside a tag."""
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    line = data[start : end if end >= 0 else len(data)]
    before = data[start:position]
    return len(line.split()) >= 8 and before.rfind(b"<") <= before.rfind(b">")


def nul_bytes(seed: Seed, rng: Random) -> Mutated | None:
    """A few NULs between ASCII characters of a text: removed and reported, the count stays."""
    spots = [i for i in range(1, len(seed.data)) if seed.data[i - 1] < 0x80 and seed.data[i] < 0x80]
    if not spots or seed.data.startswith((b"\xff\xfe", b"\xfe\xff")) or seed.kind == "binary":
        return None
    data = seed.data
    for spot in sorted(rng.sample(spots, min(3, len(spots))), reverse=True):
        data = data[:spot] + b"\x00" + data[spot:]
    return Mutated(data, knowable=True)


def _is_story(obj: dict[str, Any]) -> bool:
    """A story or post, not a comment: by its keys, or (an X API v1.1 tweet) by answering no tweet, which makes it
    the post its conversation's replies answer."""
    return bool(_STORY_KEYS & obj.keys()) or ("in_reply_to_status_id_str" in obj
                                              and obj["in_reply_to_status_id_str"] is None)


def _comment_objects(document: Any, is_root: bool = True) -> Iterator[dict[str, Any]]:
    """The dicts of a JSON document that are comments, in any of the shapes the readers take."""
    if isinstance(document, dict):
        if not is_root and _TEXT_KEYS & document.keys() and not _is_story(document):
            yield document
        for value in document.values():
            yield from _comment_objects(value, False)
    elif isinstance(document, list):
        for value in document:
            yield from _comment_objects(value, False)


def _json_documents(seed: Seed) -> list[Any] | None:
    """The seed's JSON: one document, or one per line for JSON lines; None when it does not parse."""
    text = _text(seed)
    try:
        if seed.kind == "jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()] if text else None
        return [json.loads(text)] if text else None
    except ValueError:
        return None


def _dump_json(seed: Seed, documents: list[Any]) -> bytes:
    # ensure_ascii writes lone surrogates and NUL as \u escapes, allow_nan writes bare NaN / Infinity
    lines = [json.dumps(d, ensure_ascii=True, allow_nan=True) for d in documents]
    text = "\n".join(lines) + "\n" if seed.kind == "jsonl" else lines[0]
    return text.replace(f'"{_HUGE_INT_PLACEHOLDER}"', _HUGE_INT).encode("utf-8")


def _one_comment_field(seed: Seed, rng: Random, value: Callable[[Random], Any], keys: set[str] | None = None
                       ) -> Mutated | None:
    """One scalar field (of ``keys``, or any) of one comment set to ``value``; the comment is rejected or
    cleaned, the count kept."""
    documents = _json_documents(seed)
    if documents is None:
        roots = []
    elif seed.kind == "jsonl":
        roots = [d for d in documents if isinstance(d, dict) and not _is_story(d)]
    else:
        roots = list(_comment_objects(documents[0]))
    targets = [(obj, key) for obj in roots for key, v in obj.items()
               if key not in _CONTAINER_KEYS and not isinstance(v, (dict, list)) and (keys is None or key in keys)]
    if not targets:
        return None
    obj, key = rng.choice(targets)
    obj[key] = value(rng)
    return Mutated(_dump_json(seed, documents), knowable=True)


def wrong_type(seed: Seed, rng: Random) -> Mutated | None:
    return _one_comment_field(seed, rng, lambda r: r.choice(WRONG_VALUES))


def huge_field(seed: Seed, rng: Random) -> Mutated | None:
    """A 2 MB comment text: in one JSON comment, one CSV cell, or one plain-text comment line.

    Text only: a 2 MB time takes dateutil's fuzzy parser 14 s (to_iso8601 should refuse such strings)."""
    huge = "all work and no play " * 100_000
    if seed.kind in ("json", "jsonl"):
        return _one_comment_field(seed, rng, lambda r: huge, _TEXT_KEYS)
    if seed.kind == "csv":
        records = list(csv.reader(io.StringIO(seed.data.decode("utf-8"), newline="")))
        row = rng.randrange(1, len(records))
        column = max(range(len(records[row])), key=lambda c: len(records[row][c]))
        records[row][column] += huge
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(records)
        return Mutated(out.getvalue().encode("utf-8"), knowable=True)
    if seed.kind == "text":
        # a comment's line, in the second half of the dump: a huge title or count header is another test
        lines = seed.data.decode("utf-8").split("\n")
        prose = [i for i, line in enumerate(lines) if i >= len(lines) // 2 and len(line.split()) >= 8
                 and not line.startswith("•")]
        if not prose:  # a dump of short lines only: nothing here reads as a comment's prose
            return None
        lines[rng.choice(prose)] += " " + huge
        return Mutated("\n".join(lines).encode("utf-8"), knowable=True)
    return None


def deep_value(seed: Seed, rng: Random) -> Mutated | None:
    """A list nested 900 deep in one comment: still JSON Python reads, deeper than a writer should follow."""
    return _one_comment_field(seed, rng, lambda r: _deep_list(900))


def bad_json_line(seed: Seed, rng: Random) -> Mutated | None:
    """One line of a JSON-lines file replaced by something that is not JSON (or nested 100,000 deep)."""
    if seed.kind != "jsonl" or seed.comments == 0:
        return None
    lines = seed.data.decode("utf-8").split("\n")
    keys: dict[int, set[Any]] = {}
    for i, line in enumerate(lines):
        try:
            document = json.loads(line)
        except ValueError:  # a blank line, or one the seed itself has broken (ycd_bad_line.jsonl)
            continue
        if not (isinstance(document, dict) and _is_story(document)):  # a post's line breaks no comment count
            keys[i] = set(document)
    # a line whose keys other lines have too: losing it leaves every column the reader was told to use
    spare = [i for i in keys if keys[i] <= set().union(*(k for j, k in keys.items() if j != i))]
    if not spare:
        return None
    lines[rng.choice(spare)] = rng.choice(('{"cid": "broken', "[" * 100_000, "NaN", '{"a": 1} trailing'))
    return Mutated("\n".join(lines).encode("utf-8"), knowable=True)


def long_csv_row(seed: Seed, rng: Random) -> Mutated | None:
    """One data row of a CSV with two more fields than its header."""
    if seed.kind != "csv":
        return None
    lines = seed.data.decode("utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    whole = [i for i in range(1, len(lines)) if lines[i] and len(next(csv.reader([lines[i]]))) == len(header)]
    if not whole:
        return None
    lines[rng.choice(whole)] += ",one field too many,and another"
    return Mutated("\n".join(lines).encode("utf-8"), knowable=True)


def deep_document(seed: Seed, rng: Random) -> Mutated | None:
    """100,000 levels of nesting: around a JSON document, or just inside an XML root."""
    if seed.kind == "json":
        return Mutated(b"[" * 100_000 + seed.data + b"]" * 100_000, knowable=False)
    if seed.kind == "xml":
        root_end = re.search(rb"<(?!\?|!)[^>]*>", seed.data)
        if root_end is None:
            return None
        at = root_end.end()
        return Mutated(seed.data[:at] + b"<x>" * 100_000 + b"</x>" * 100_000 + seed.data[at:], knowable=False)
    return None


def deep_html(seed: Seed, rng: Random) -> Mutated | None:
    """10,000 nested <div>s between the page's start and its comment list: every comment still read."""
    body = re.search(rb"<body[^>]*>", seed.data)
    if seed.kind != "html" or body is None:
        return None
    at = body.end()
    return Mutated(seed.data[:at] + b"<div>" * 10_000 + b"</div>" * 10_000 + seed.data[at:], knowable=True)


def wrong_root(seed: Seed, rng: Random) -> Mutated | None:
    """A JSON file that is valid JSON of the wrong shape entirely."""
    if seed.kind not in ("json", "jsonl"):
        return None
    return Mutated(rng.choice((b"42", b'"text"', b"[]", b"{}", b"null", b"[1, 2]", b'{"comments": 5}', b'[[], {}]')),
                   knowable=False)


def gzipped(seed: Seed, rng: Random) -> Mutated:
    """The seed as a ``.gz`` download: read as the file it holds, every comment kept."""
    return Mutated(gzip.compress(seed.data, mtime=0), knowable=True, detect=True)


def gzip_damaged(seed: Seed, rng: Random) -> Mutated:
    """A gzip download cut short or with flipped bytes: what came before the damage, a reject or a refusal."""
    packed = gzip.compress(seed.data, mtime=0)
    damaged = flip_bytes(Seed(seed.name, seed.group, packed, seed.fmt, seed.options, 0, 0), rng).data
    return Mutated(rng.choice((packed[: rng.randrange(len(packed))], damaged)), knowable=False, detect=True)


def zipped(seed: Seed, rng: Random) -> Mutated:
    """The seed alone in a zip archive, under its own name: read like a folder, every comment kept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(seed.name, date_time=(2020, 1, 1, 0, 0, 0)), seed.data)
    return Mutated(buffer.getvalue(), knowable=True, detect=True)


MUTATIONS: dict[str, Mutation] = {
    "truncate": truncate,
    "flip_bytes": flip_bytes,
    "stray_prefix": stray_prefix,
    "utf16": utf16,
    "utf16_without_bom": utf16_without_bom,
    "cp1252": cp1252,
    "stray_cp1252_byte": stray_cp1252_byte,
    "nul_bytes": nul_bytes,
    "wrong_type": wrong_type,
    "huge_field": huge_field,
    "deep_value": deep_value,
    "bad_json_line": bad_json_line,
    "long_csv_row": long_csv_row,
    "deep_document": deep_document,
    "deep_html": deep_html,
    "wrong_root": wrong_root,
    "gzipped": gzipped,
    "gzip_damaged": gzip_damaged,
    "zipped": zipped,
}


def cases(seeds: list[Seed], count: int, seed: int, mutations: list[str] | None = None) -> Iterator[Case]:
    """``count`` cases, the mutations taken in turn, each on a seed it applies to (same seed, same cases)."""
    rng = Random(seed)
    names = mutations or list(MUTATIONS)
    made = attempts = 0
    while made < count and attempts < count * 20:
        name = names[attempts % len(names)]
        attempts += 1
        source = rng.choice(seeds)
        mutated = MUTATIONS[name](source, rng)
        if mutated is None or not mutated.data:
            continue
        # the check counts comments: a seed without any (a dump of Reddit submissions) rejects posts instead
        knowable = mutated.knowable and source.fmt is not None and source.comments > 0
        yield Case(source, name, made, mutated.data, None if mutated.detect else source.fmt,
                   source.comments if knowable else None)
        made += 1


# --- checking --------------------------------------------------------------------------------------


@dataclass
class Verdict:
    case: Case
    problems: list[str] = field(default_factory=list)
    refusal: str | None = None
    traceback: bool = False
    seconds: float = 0.0


def _strict_json_problem(outcome: FileOutcome) -> str | None:
    for article in outcome.result.articles:
        try:
            json.dumps(article.to_dict(), allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError) as error:  # NaN / lone surrogate / nesting
            return f"article {article.id!r} is not writable as strict UTF-8 JSON: {type(error).__name__}: {error}"
    for reject in outcome.result.rejects:
        try:
            json.dumps(reject.to_dict(), allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError) as error:
            return f"a reject at {reject.location!r} is not writable: {type(error).__name__}: {error}"
    return None


def check(case: Case, path: Path) -> Verdict:
    """Read one case and say what, if anything, it broke."""
    verdict = Verdict(case)
    began = time.perf_counter()
    try:
        outcome = split_file(path, case.fmt, case.seed.options)
    except Exception as error:  # noqa: BLE001 - this is what the harness looks for
        verdict.traceback = True
        verdict.problems.append(f"traceback: {type(error).__name__}: {error}")
        return verdict
    finally:
        verdict.seconds = time.perf_counter() - began
    if outcome.error is not None:
        verdict.refusal = outcome.error.message
        if path.name not in str(outcome.error):
            verdict.problems.append(f"refusal does not name the file: {outcome.error}")
        if outcome.error.message.startswith("internal error"):
            verdict.traceback = True
            verdict.problems.append(f"traceback (caught by split_file): {outcome.error}")
    problem = _strict_json_problem(outcome)
    if problem:
        verdict.problems.append(problem)
    if case.expected is not None:
        out = comment_count(outcome)
        rejected = item_rejects(outcome.result.rejects) - case.seed.item_rejects
        if outcome.error is not None or out + rejected != case.expected:
            verdict.problems.append(f"comments in {case.expected}, out {out}, rejected {rejected}"
                                    + (f", refused: {outcome.error}" if outcome.error else ""))
    return verdict


def run_cases(seeds: list[Seed], workdir: Path, count: int, seed: int,
              mutations: list[str] | None = None) -> list[Verdict]:
    verdicts = []
    for case in cases(seeds, count, seed, mutations):
        path = workdir / "cases" / f"{case.index}-{case.seed.name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
        verdicts.append(check(case, path))
        path.unlink()
    return verdicts


# --- the report ------------------------------------------------------------------------------------


def _reason_family(message: str) -> str:
    """A refusal's reason without its particulars (numbers, quoted names), to count them by kind."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "…", message))[:100]


def _tally(verdicts: list[Verdict], key: Callable[[Case], str]) -> dict[str, dict[str, int]]:
    """Cases, count checks, refusals, tracebacks and broken invariants per mutation (or per seed folder)."""
    tallies: dict[str, Counter[str]] = {}
    for verdict in verdicts:
        counts = tallies.setdefault(key(verdict.case), Counter())
        counts["cases"] += 1
        counts["tracebacks"] += verdict.traceback
        counts["broken invariants"] += bool(verdict.problems) and not verdict.traceback
        counts["refused"] += verdict.refusal is not None
        counts["count checked"] += verdict.case.expected is not None
    return {name: dict(counts) for name, counts in sorted(tallies.items())}


def summarise(verdicts: list[Verdict], seeds: list[Seed], seconds: float, command: str) -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "seeds": len(seeds),
        "cases": len(verdicts),
        "seconds": round(seconds, 1),
        "slowest_case_seconds": round(max((v.seconds for v in verdicts), default=0.0), 2),
        "tracebacks": sum(v.traceback for v in verdicts),
        "broken_invariants": sum(bool(v.problems) and not v.traceback for v in verdicts),
        "by_mutation": _tally(verdicts, lambda case: case.mutation),
        "by_fixture_folder": _tally(verdicts, lambda case: case.seed.group),
        "refusals_by_reason": dict(Counter(_reason_family(v.refusal) for v in verdicts if v.refusal).most_common()),
        "failures": [f"{v.case.label}: {'; '.join(v.problems)}" for v in verdicts if v.problems][:50],
    }


def markdown(report: dict[str, Any]) -> str:
    columns = ("cases", "count checked", "refused", "tracebacks", "broken invariants")
    lines = [
        "# Fuzzing the split stage (hostile input)",
        "",
        f"- date: {report['date']}",
        f"- command: `{report['command']}`",
        (f"- {report['cases']} cases over {report['seeds']} seed files in {report['seconds']} s "
         f"(slowest case {report['slowest_case_seconds']} s)"),
        f"- **tracebacks: {report['tracebacks']}**, broken invariants: {report['broken_invariants']}",
        "",
    ]
    for table, title in (("by_mutation", "mutation"), ("by_fixture_folder", "fixture folder (reader)")):
        lines += [f"| {title} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(str(counts.get(c, 0)) for c in columns) + " |"
                  for name, counts in report[table].items()]
        lines.append("")
    lines += ["## Refusals by reason", "", "| reason | cases |", "|---|---|"]
    lines += [f"| {reason.replace('|', '/')} | {n} |" for reason, n in report["refusals_by_reason"].items()]
    if report["failures"]:
        lines += ["", "## Failures (first 50)", ""] + [f"- {failure}" for failure in report["failures"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="how many mutated files to read")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (same seed, same cases)")
    parser.add_argument("--mutations", nargs="+", choices=sorted(MUTATIONS), help="only these mutations")
    parser.add_argument("--output", type=Path, default=OUT_DIR / "fuzz", help="report path without suffix")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        seeds = load_seeds(Path(workdir))
        verdicts = run_cases(seeds, Path(workdir), args.cases, args.seed, args.mutations)
    report = summarise(verdicts, seeds, time.perf_counter() - began, " ".join(["python -m eval.bench_fuzz", *argv]))
    write_text_atomically(args.output.with_suffix(".json"), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_text_atomically(args.output.with_suffix(".md"), markdown(report))
    print(markdown(report))
    return 1 if report["tracebacks"] or report["broken_invariants"] else 0


if __name__ == "__main__":
    sys.exit(main())
