"""The one record model every stage speaks: Article, Comment and Reject, with JSONL in and out.

Readers produce Articles holding Comments; scoring, reports and evaluation read them back from
the JSONL written by ``split``. Anything a reader could not turn into a Comment becomes a Reject
with its reason, so that every comment read ends up somewhere the user can see.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from analyzer._files import temporary_path, write_text_atomically

#: What the source says about a comment. Readers map their own vocabulary onto these.
STATUSES = ("published", "pending", "spam", "deleted")
#: What a platform or a moderator leaves where a removed comment was ("[deleted]", "This comment was removed by a
#: moderator…", "Entfernt. Bitte bleiben Sie beim Thema."): no words of the commenter's, and so nothing to score.
REMOVAL_NOTICE = re.compile(
    r"^\W*(?:\[(?:deleted|removed)\]\W*$|(?:this )?comment (?:has been |was )?(?:deleted|removed)|entfernt\b"
    r"|gelöscht\b|der kommentar\b.*\b(?:entfernt|gelöscht)|kommentar (?:wurde )?(?:entfernt|gelöscht))",
    re.IGNORECASE,
)
#: A notice is a line or two: a longer text that opens with "Comment removed…" says more than that.
_MAX_NOTICE_CHARS = 300


def is_removal_notice(text: str) -> bool:
    """Whether a comment's text is only the notice of its removal (``REMOVAL_NOTICE``)."""
    return len(text) <= _MAX_NOTICE_CHARS and REMOVAL_NOTICE.match(text) is not None
#: What kind of entry a comment is: ordinary comments, or WordPress ping/trackbacks.
KINDS = ("comment", "pingback", "trackback")


@dataclass
class Comment:
    """One reader comment.

    ``position`` is the comment's 0-based order of appearance in its source file, so that
    output can always be traced back to (and sorted like) the input. ``depth`` is 0 for a
    top-level comment and grows by one per reply level; it is ``None`` when the source has
    no thread structure at all. ``time`` is ISO-8601 when the source gives a parseable time.
    """

    id: str
    text: str
    position: int
    parent_id: str | None = None
    depth: int | None = None
    author: str | None = None
    time: str | None = None
    status: str = "published"
    kind: str = "comment"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown comment status {self.status!r}; expected one of {STATUSES}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown comment kind {self.kind!r}; expected one of {KINDS}")


#: ``Article.extra`` key: the script-loaded comment system (Disqus …) of a saved page whose comments
#: are therefore not in it.
COMMENTS_BY_SCRIPT = "comments_loaded_by"


@dataclass
class Article:
    """One page (news article, blog post, thread) with its body and its comments.

    ``declared_comment_count`` is what the page itself claims ("8 thoughts on …", a
    ``num_comments`` field); ``missing_comment_count`` counts comments the source knows it
    left out (Reddit "load more" stubs). Both stay ``None`` when the source says nothing.
    """

    id: str
    source_file: str
    format: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    body: str = ""
    declared_comment_count: int | None = None
    missing_comment_count: int | None = None
    comments: list[Comment] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        comment_keys = {f.name for f in fields(Comment)}
        values["comments"] = [
            Comment(**{k: v for k, v in c.items() if k in comment_keys}) for c in data.get("comments", [])
        ]
        return cls(**values)


@dataclass
class Reject:
    """Something read from a file that could not become a Comment or Article, and why."""

    source_file: str
    location: str
    reason: str
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def status_counts(comments: Iterable[Comment]) -> dict[str, int]:
    """Comments per status, every status present (zeros included) in STATUSES order."""
    counts = dict.fromkeys(STATUSES, 0)
    for comment in comments:
        counts[comment.status] += 1
    return counts


def _write_lines(rows: Iterable[dict[str, Any]], stream: TextIO) -> int:
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], destination: str | Path) -> int:
    """Write dicts as JSON lines to a path, or to stdout when destination is "-". Returns the row count.

    A path is written atomically: a temporary sibling first, moved into place only when every row is
    written, so a killed run never leaves a half file where a good earlier output was.
    """
    if str(destination) == "-":
        count = _write_lines(rows, sys.stdout)
        sys.stdout.flush()
        return count
    path = Path(destination)
    tmp = temporary_path(path)
    try:
        with tmp.open("w", encoding="utf-8") as stream:
            count = _write_lines(rows, stream)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def write_articles(articles: Iterable[Article], destination: str | Path) -> int:
    return write_jsonl((a.to_dict() for a in articles), destination)


def read_articles(path: str | Path) -> Iterator[Article]:
    """Read the JSONL written by ``split`` (one article per line)."""
    with Path(path).open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Article.from_dict(json.loads(line))
            except (json.JSONDecodeError, TypeError, ValueError) as error:
                raise ValueError(f"{path}: line {number}: not an article record ({error})") from error


# --- Scored comments -------------------------------------------------------------------------
# ``score`` writes one row per comment (CSV / JSONL / Parquet) with these leading columns, then one
# column per toxicity attribute of the model (``toxicity`` first), then the stance columns.
# Beside the table it writes two sidecars that ``report`` reads: the articles (records without
# their comments, so articles with zero comments still reach the report) and the run's metadata.

SCORE_ID_COLUMNS = (
    "article_id", "comment_id", "parent_id", "depth", "author", "time", "text", "quoted_lines", "target", "context",
    "status", "kind",
)
#: The id columns that hold whole numbers; the others are text.
INTEGER_ID_COLUMNS = ("depth", "quoted_lines")
STANCE_COLUMNS = ("stance", "stance_favor", "stance_against", "stance_none")


# --- Output file names -------------------------------------------------------------------------
# One owner for every name a run derives from its output: the stem is the whole file name less its
# last suffix, so ``run.v1.csv`` and ``run.v2.csv`` never share a sidecar, a part file or a rejects file.


def _output_stem(output: str | Path) -> Path:
    path = Path(output)
    return path.with_name(path.name[: -len(path.suffix)] if path.suffix else path.name)


def scores_sidecars(scores_path: str | Path) -> tuple[Path, Path]:
    """The articles JSONL and metadata JSON that sit beside a scores table.

    ``out/scores.csv`` → ``out/scores.articles.jsonl`` and ``out/scores.meta.json``.
    """
    stem = _output_stem(scores_path)
    return stem.with_name(f"{stem.name}.articles.jsonl"), stem.with_name(f"{stem.name}.meta.json")


def part_path_for(output: str | Path) -> Path:
    """Where ``score`` appends scored chunks before the tables are written: ``out.csv`` → ``out.part.jsonl``."""
    stem = _output_stem(output)
    return stem.with_name(f"{stem.name}.part.jsonl")


def ray_parts_path_for(output: str | Path) -> Path:
    """The folder of a Ray run's numbered input and result parts: ``out.csv`` → ``out.ray-parts/``."""
    stem = _output_stem(output)
    return stem.with_name(f"{stem.name}.ray-parts")


def rejects_path_for(output: str | Path) -> Path:
    """Rejects go beside the output (``out.jsonl`` → ``out.rejects.jsonl``); ``rejects.jsonl`` when it is stdout."""
    if str(output) == "-":
        return Path("rejects.jsonl")
    stem = _output_stem(output)
    return stem.with_name(f"{stem.name}.rejects.jsonl")


def refuse_outputs_over_inputs(inputs: Iterable[str | Path], outputs: Iterable[str | Path]) -> None:
    """Raise ValueError, before anything is written, when an output (or a file named from it) is an input."""
    read = {Path(p).resolve() for p in inputs if str(p) != "-"}
    clashes = sorted(str(p) for p in outputs if str(p) != "-" and Path(p).resolve() in read)
    if clashes:
        raise ValueError(f"{', '.join(clashes)}: an output would overwrite an input; choose another output name")


def write_rejects(rejects: Sequence[Reject], path: Path) -> Path | None:
    """Write the rejects file atomically, or remove a stale one when there is nothing to reject.

    Returns the path written, or None. A file left by an earlier run would blame this run's input.
    """
    if not rejects:
        path.unlink(missing_ok=True)
        return None
    write_text_atomically(path, "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rejects))
    return path
