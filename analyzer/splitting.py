"""The split stage: dump files in, Articles out, with a per-file account of what was found."""

from __future__ import annotations

from collections import Counter
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


#: What a browser saves beside a page ("Save page as… complete": ``Page_files/``) and no dump is: images,
#: fonts, stylesheets, scripts, media. A folder's files of these kinds are not read (named alone, one is).
PAGE_ASSET_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".bmp", ".tif", ".tiff",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".css", ".js", ".mjs", ".map",
    ".mp4", ".webm", ".mov", ".mp3", ".m4a", ".wav", ".ogg",
})


def expand_input(path: Path) -> tuple[list[Path], list[Path]]:
    """The files to read for one input path, and the page assets of a folder left unread.

    A path that is not a folder is read as given. A folder gives every file inside it (recursively,
    sorted by path; hidden files and folders such as ``.git`` skipped), or itself when it has none,
    so that reading it reports the problem by name. A link to nothing, a pipe or a socket in it is
    listed too: reading it reports it by name, where skipping it would lose it without a word."""
    if not path.is_dir():
        return [path], []
    inside = sorted(
        found for found in path.rglob("*")
        if not found.is_dir() and not any(part.startswith(".") for part in found.relative_to(path).parts)
    )
    assets = [found for found in inside if found.suffix.lower() in PAGE_ASSET_SUFFIXES]
    files = [found for found in inside if found.suffix.lower() not in PAGE_ASSET_SUFFIXES]
    return files or ([] if assets else [path]), assets


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to read, in order (see ``expand_input``)."""
    return [found for raw in paths for found in expand_input(Path(raw))[0]]


def assets_note(folder: Path, assets: list[Path]) -> FileOutcome:
    """The page assets a folder held, counted by kind on its summary line (not read: no comment dump)."""
    kinds = Counter(asset.suffix.lower() for asset in assets)
    listed = ", ".join(f"{suffix} {n}" for suffix, n in sorted(kinds.items()))
    return FileOutcome(path=folder, result=ReadResult(notes=[f"{len(assets)} page asset(s) not read ({listed})"]))


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
    for raw in paths:
        files, assets = expand_input(Path(raw))
        for path in files:
            outcome = split_file(path, fmt, options)
            for article in outcome.result.articles:
                ids.claim(article)
            yield outcome
        if assets:
            yield assets_note(Path(raw), assets)


def articles_of(outcomes: Iterable[FileOutcome]) -> Iterator[Article]:
    for outcome in outcomes:
        yield from outcome.result.articles


def rejects_of(outcomes: Iterable[FileOutcome]) -> list[Reject]:
    return [r for o in outcomes for r in o.result.rejects]
