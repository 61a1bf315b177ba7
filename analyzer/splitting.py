"""The split stage: dump files in, Articles out, with a per-file account of what was found."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from analyzer._files import path_text
from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, read_file
from analyzer.records import COMMENTS_BY_SCRIPT, Article, Reject, status_counts


@dataclass
class FileOutcome:
    """What one input file gave: its articles and rejects, or the error that stopped it."""

    path: Path
    result: ReadResult = field(default_factory=ReadResult)
    error: ReaderError | None = None

    def summary(self) -> str:
        """One line for stderr: articles, comments by status, declared-versus-found, missing, rejects."""
        if self.error is not None:
            return f"{self.error}"
        articles = self.result.articles
        comments = [c for a in articles for c in a.comments]
        parts = [f"{path_text(self.path)}: {len(articles)} article(s), {len(comments)} comment(s)"]
        parts += [f"{status} {n}" for status, n in status_counts(comments).items() if n]
        declared = [a for a in articles if a.declared_comment_count is not None]
        if declared:
            found = sum(len(a.comments) for a in declared)
            parts.append(f"declared {sum(a.declared_comment_count or 0 for a in declared)}, found {found}")
        missing = sum(a.missing_comment_count or 0 for a in articles)
        if missing:
            parts.append(f"missing {missing} (not in the file)")
        scripted = sorted({a.extra[COMMENTS_BY_SCRIPT] for a in articles if COMMENTS_BY_SCRIPT in a.extra})
        if scripted:
            parts.append(f"comments loaded by a script ({', '.join(scripted)}) are not in the saved page: "
                         "export them from that system")
        parts += self.result.notes
        if self.result.rejects:
            parts.append(f"rejected {len(self.result.rejects)}")
        return "; ".join(parts)


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read, in order: each path that is not a folder as given, then for a folder every
    file inside it (recursively, sorted by path; hidden files and folders such as ``.git`` skipped).
    A folder with no files stays in the list, so that reading it reports the problem by name."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            files.append(path)
            continue
        inside = sorted(
            found for found in path.rglob("*")
            if found.is_file() and not any(part.startswith(".") for part in found.relative_to(path).parts)
        )
        files.extend(inside or [path])
    return files


def _named_as_text(result: ReadResult) -> ReadResult:
    """The result with its file names, and the article ids readers derive from them, as text every
    output takes (see ``path_text``)."""
    for article in result.articles:
        article.source_file, article.id = path_text(article.source_file), path_text(article.id)
    for reject in result.rejects:
        reject.source_file = path_text(reject.source_file)
    return result


def split_file(path: str | Path, fmt: str | None = None, options: ReadOptions | None = None) -> FileOutcome:
    """Read one file; a ReaderError is kept in the outcome instead of stopping the run.

    Readers reject bad items themselves and raise ReaderError for a file they cannot read at all.
    Anything else they let escape is a bug, but one file's bug must not abort the run (the other
    files unread, nothing written): it becomes this file's error, named "internal error".
    """
    path = Path(path)
    try:
        return FileOutcome(path=path, result=_named_as_text(read_file(path, fmt, options)))
    except ReaderError as error:
        return FileOutcome(path=path, error=error)
    except OSError as error:
        return FileOutcome(path=path, error=ReaderError(path, "file", error.strerror or str(error)))
    except Exception as error:  # noqa: BLE001 - the last line of defence, see above
        return FileOutcome(path=path, error=ReaderError(path, "file", f"internal error: {type(error).__name__}: {error}"))


class ArticleIds:
    """The article ids given out in one run, so that no two articles share one.

    Every later stage keys a comment by its article's id and its own (scores, resuming, the
    report's shares), yet two files can name their articles alike: two tables both called
    ``comments.csv`` take the file name as the id, two exports number their threads from 1. A
    repeated id gets ``~2``, ``~3`` … in file order, and the id the source gave is kept in the
    article's ``extra["source_id"]``.
    """

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, article: Article) -> Article:
        if article.id in self._used:
            article.extra.setdefault("source_id", article.id)
            article.id = next(f"{article.id}~{n}" for n in count(2) if f"{article.id}~{n}" not in self._used)
        self._used.add(article.id)
        return article


def split(paths: Iterable[str | Path], fmt: str | None = None, options: ReadOptions | None = None) -> Iterator[FileOutcome]:
    """Split each file (folders: every file inside) in turn; one bad file never stops the others.
    Article ids are unique across the files (:class:`ArticleIds`)."""
    ids = ArticleIds()
    for path in input_files(paths):
        outcome = split_file(path, fmt, options)
        for article in outcome.result.articles:
            ids.claim(article)
        yield outcome


def articles_of(outcomes: Iterable[FileOutcome]) -> Iterator[Article]:
    for outcome in outcomes:
        yield from outcome.result.articles


def rejects_of(outcomes: Iterable[FileOutcome]) -> list[Reject]:
    return [r for o in outcomes for r in o.result.rejects]
