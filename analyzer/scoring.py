"""The score stage: every comment of the input gets toxicity (with attributes) and stance scores.

One row per comment (columns: ``records.SCORE_ID_COLUMNS``, then one per toxicity attribute of the
model, then ``records.STANCE_COLUMNS``), written as CSV, JSONL or Parquet, with two sidecars beside
the table: the articles without their comments (zero-comment articles included, with found versus
declared counts) and the run's metadata (model, threshold, target method, inputs).

Scale. Comments are scored ``ScoreOptions.chunk_size`` at a time and each scored chunk is appended
to a part file (``analyzer._tables``), so memory stays flat however large the input is (a split
JSONL is streamed line by line; dump files are read one file at a time). At the end the part file
becomes the requested tables, each written atomically. ``resume=True`` keeps the comments already in
the part file (keyed by article id and comment id) and scores only the rest.

Engines. Reading, targets, context and chunking happen here whatever ``ScoreOptions.engine`` says; an
engine only turns chunks into rows: ``LocalEngine`` in this process, the Ray engine (``analyzer._ray``)
on a pool of actors. Both call ``score_chunk`` on the same chunks, so their tables are the same.

Bad rows never stop a run. Control characters and undecodable bytes are removed; a comment that is
then empty, or that was mostly such characters, keeps its row (so status counts stay complete) with
blank scores, and a Reject with the reason goes to the rejects file; so does a deleted comment whose
text is only the notice of its removal ("[deleted]", "This comment was removed by a moderator"), no
reader's words. A comment longer than ``max_scored_chars`` is scored on its beginning; the model windows
whatever it gets (toxicity is the maximum over windows, stance the mean of window logits).

Quotes. The model reads a comment's own words (``targets.own_words``): lines that quote someone else
("> …", as replies quote what they answer) stay in the table's ``text`` but are left out of what is
scored, and ``quoted_lines`` counts them. A parent is read as context by its own words too.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TextIO

from analyzer._files import path_text, temporary_path, write_text_atomically
from analyzer._tables import TABLE_SUFFIXES, PartFileMismatch, append_rows, open_part, write_table
from analyzer._language import Language, foreign_language
from analyzer.config import LanguageCheck, ReadOptions, ScoreOptions
from analyzer.readers import ReaderError, detect_format
from analyzer.records import (
    SCORE_ID_COLUMNS,
    STANCE_COLUMNS,
    Article,
    Comment,
    Reject,
    is_removal_notice,
    part_path_for,
    ray_parts_path_for,
    refuse_outputs_over_inputs,
    scores_sidecars,
)
from analyzer.splitting import ArticleIds, assets_note, expand_input, input_files, split_file
from analyzer.targets import CONTEXT_KINDS, TARGET_SOURCES, TargetPolicy, comment_context, own_words

if TYPE_CHECKING:
    from analyzer.model import Model

#: ``split``'s output, streamed an article at a time instead of loaded whole.
SPLIT_FORMAT = "articles-jsonl"
# C0/C1 control characters (tab and newline are text) and what decoders put for bytes they could not read.
# Lone surrogates ("\ud800") are not text either: the tokenizer cannot encode them.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufffe\uffff]")


class ScoreError(Exception):
    """The run cannot go on as asked (a part file from another model, an unknown table type)."""


# --- results ------------------------------------------------------------------------------------


@dataclass
class ScoreSummary:
    """What a score run did; ``lines()`` is what the CLI prints."""

    outputs: list[Path]
    articles: int = 0
    rows: int = 0
    scored_now: int = 0
    resumed: int = 0
    unscored: int = 0
    #: Comments left unscored because they are in a language the model does not read, by language.
    other_languages: Counter = field(default_factory=Counter)
    shortened: int = 0
    #: Comments that quote others: their quoted lines were not scored.
    quoting: int = 0
    target_sources: Counter = field(default_factory=Counter)
    #: Rows per context kind (``targets.CONTEXT_KINDS``) the stance was read with.
    contexts: Counter = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: What ``split`` says of each dump file read (articles, comments by status, declared against found,
    #: the reader's notes) and of the page assets a folder held; nothing for split JSONL.
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.scored_now / self.seconds if self.seconds else 0.0
        lines = [
            *self.files,
            f"{self.rows} comment row(s) from {self.articles} article(s) → {', '.join(map(str, self.outputs))}",
            f"scored {self.scored_now} now ({rate:.1f} comments/s), {self.resumed} kept from an interrupted run",
        ]
        if self.unscored:
            lines.append(f"{self.unscored} comment(s) left unscored (empty or not text): reasons in the rejects file")
        if self.other_languages:
            found = ", ".join(f"{code} {n}" for code, n in self.other_languages.most_common())
            lines.append(f"{sum(self.other_languages.values())} comment(s) in a language the model does not read left "
                         f"unscored ({found}): --languages any scores them anyway")
        if self.shortened:
            lines.append(f"{self.shortened} comment(s) longer than the scoring limit were scored on their beginning")
        if self.quoting:
            lines.append(f"{self.quoting} comment(s) quote others: their own words were scored, the quoted lines "
                         "('> …') were not (column quoted_lines)")
        sources = ", ".join(f"{s} {self.target_sources[s]}" for s in TARGET_SOURCES if self.target_sources[s])
        if sources:
            lines.append(f"stance targets: {sources}")
        if self.target_sources["none"]:
            # A comment table without titles gets toxicity only, which is easy to miss in a long run.
            lines.append(f"{self.target_sources['none']} comment(s) had no stance target, so no stance: give one "
                         "with --target, --targets FILE, --title-column or --target-column")
        read = ", ".join(f"{k} {self.contexts[k]}" for k in CONTEXT_KINDS if self.contexts[k])
        if read:
            lines.append(f"stance context: {read}")
        return lines + self.errors


# --- reading ------------------------------------------------------------------------------------


def _stream_split_jsonl(path: Path) -> Iterator[Article | Reject]:
    """A split JSONL one article at a time (the registered reader loads the whole file)."""
    with path.open(encoding="utf-8", errors="replace") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Article.from_dict(json.loads(line))
            except (ValueError, TypeError, AttributeError) as error:
                yield Reject(str(path), f"line {number}", f"not an article record: {error}", line[:500])


def iter_input(
    paths: Sequence[str | Path], fmt: str | None, options: ReadOptions, errors: list[str], files: list[str]
) -> Iterator[Article | Reject]:
    """Articles and reader rejects of every input in order, article ids unique across them
    (:class:`analyzer.splitting.ArticleIds`); unreadable files go to ``errors``, and what ``split``
    would print of each dump file read (and of a folder's page assets) to ``files``."""
    ids = ArticleIds()
    for raw in paths:
        found, assets = expand_input(Path(raw))
        yield from _iter_files(found, fmt, options, ids, errors, files)
        if assets:
            files.append(assets_note(Path(raw), assets).summary())


def _iter_files(
    paths: list[Path], fmt: str | None, options: ReadOptions, ids: ArticleIds, errors: list[str], files: list[str]
) -> Iterator[Article | Reject]:
    for path in paths:
        try:
            streamed = path.is_file() and (fmt or detect_format(path)) == SPLIT_FORMAT
        except (ReaderError, OSError):
            streamed = False  # split_file below reports the problem with the file's name
        if streamed:
            yield from (ids.claim(item) if isinstance(item, Article) else item for item in _stream_split_jsonl(path))
            continue
        outcome = split_file(path, fmt, options)
        if outcome.error is not None:
            errors.append(str(outcome.error))
        else:
            files.append(outcome.summary())
        yield from map(ids.claim, outcome.result.articles)
        yield from outcome.result.rejects


class PreparedText(NamedTuple):
    #: The comment for the table: whole, control characters and undecodable bytes removed.
    text: str
    #: Why it cannot be scored, or None.
    problem: str | None = None
    #: What the model reads: its own words (``targets.own_words``), cut at ``max_scored_chars``.
    model_text: str = ""
    #: Lines quoting others, left out of ``model_text``.
    quoted_lines: int = 0
    #: Whether ``model_text`` was cut.
    shortened: bool = False


def prepare_text(text: str | None, options: ScoreOptions) -> PreparedText:
    """The comment cleaned for the table and for the model, or the reason it cannot be scored."""
    raw = text or ""
    cleaned = _JUNK.sub("", raw)
    junk = len(raw) - len(cleaned)
    if junk and junk > options.max_junk_share * len(raw):
        return PreparedText(cleaned, f"not text: {junk} of {len(raw)} characters are control characters or "
                                     "undecodable bytes")
    if not cleaned.strip():
        return PreparedText(cleaned, "empty text: nothing to score")
    own, quoted_lines = own_words(cleaned)
    limit = options.max_scored_chars
    return PreparedText(cleaned, None, own[:limit], quoted_lines, len(own) > limit)


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Pending:
    """A comment waiting for its chunk; ``model_text`` is None when it cannot be scored."""

    row: dict[str, Any]
    model_text: str | None
    target: str | None
    context: str | None


def score_columns(attributes: Sequence[str]) -> list[str]:
    """The table's columns for a model with these toxicity attributes."""
    return [*SCORE_ID_COLUMNS, *attributes, *STANCE_COLUMNS]


def _id_columns(
    article: Article, comment: Comment, text: PreparedText, target: str | None, context: str
) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "comment_id": comment.id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": comment.author,
        "time": comment.time,
        "text": text.text,
        "quoted_lines": text.quoted_lines,
        "target": target,
        "context": context,
        "status": comment.status,
        "kind": comment.kind,
    }


def _context(
    model: Model, article: Article, comment: Comment, texts_by_id: dict[str, str], target: str | None
) -> tuple[str | None, str]:
    """The context the comment is scored with and its kind ("none" when the model reads none, or no target)."""
    if not model.reads_context or not target:
        return None, "none"
    return comment_context(article.title, texts_by_id.get(comment.parent_id) if comment.parent_id else None)


def _blank_scores(row: dict[str, Any], attributes: Sequence[str]) -> dict[str, Any]:
    return {**row, **dict.fromkeys(attributes), **dict.fromkeys(STANCE_COLUMNS)}


def score_chunk(model: Model, chunk: list[Pending], batch_size: int) -> list[dict[str, Any]]:
    """Rows of the chunk in its order: scored ones with their scores, unscorable ones blank.

    Every engine scores through this, one whole chunk per call: the model sorts a chunk's windows by
    length into batches, so the same chunks give the same batches and the same scores everywhere.
    """
    scorable = [p for p in chunk if p.model_text is not None]
    predictions = model.predict(
        [p.model_text for p in scorable], [p.target for p in scorable], contexts=[p.context for p in scorable],
        batch_size=batch_size,
    )
    scores = {id(p): prediction for p, prediction in zip(scorable, predictions)}
    rows = []
    for pending in chunk:
        prediction = scores.get(id(pending))
        if prediction is None:
            rows.append(_blank_scores(pending.row, model.attributes))
            continue
        stance = prediction.stance or {}
        rows.append(
            {
                **pending.row,
                **prediction.toxicity,
                "stance": prediction.stance_label,
                "stance_favor": stance.get("favor"),
                "stance_against": stance.get("against"),
                "stance_none": stance.get("none"),
            }
        )
    return rows


def count_scorable(chunk: list[Pending]) -> int:
    return sum(p.model_text is not None for p in chunk)


# --- engines ------------------------------------------------------------------------------------


class Scored(NamedTuple):
    """A chunk's rows in input order, as an engine hands them back."""

    rows: list[dict[str, Any]]
    #: Comments of the chunk the model scored in this run.
    scored_now: int
    #: Rows kept from an interrupted run instead (a Ray run's finished parts).
    resumed: int = 0


class Engine(Protocol):
    """Turns the chunks ``score`` streams to it into rows, handed back in chunk order."""

    #: The backend the scores come from; the part file's header and the metadata name it.
    backend: str

    def describe(self) -> dict[str, Any]:
        """What the metadata says about where the comments were scored."""
        ...

    def score(self, chunks: Iterable[list[Pending]], header: dict[str, Any]) -> Iterator[Scored]:
        ...


@dataclass
class LocalEngine:
    """Every chunk scored in this process, one after the other."""

    model: Model
    batch_size: int

    @property
    def backend(self) -> str:
        return self.model.backend

    def describe(self) -> dict[str, Any]:
        return {"name": "local"}

    def score(self, chunks: Iterable[list[Pending]], header: dict[str, Any]) -> Iterator[Scored]:
        for chunk in chunks:
            yield Scored(score_chunk(self.model, chunk, self.batch_size), count_scorable(chunk))


@contextmanager
def _engine(model: Model, options: ScoreOptions, output: Path, resume: bool, progress: bool) -> Iterator[Engine]:
    """The engine ``options.engine`` names. A Ray engine holds its cluster while the run lasts and
    removes its parts only when the run went through."""
    if options.engine == "ray":
        from analyzer._ray import ray_engine

        with ray_engine(model, options, ray_parts_path_for(output), resume=resume, progress=progress) as engine:
            yield engine
    else:
        yield LocalEngine(model, options.batch_size)


# --- the stage ----------------------------------------------------------------------------------


def _pending_comments(
    items: Iterable[Article | Reject], model: Model, targets: TargetPolicy, options: ScoreOptions,
    done: set[tuple[str, str]], summary: ScoreSummary, articles_out: TextIO,
) -> Iterator[Pending]:
    """The comments still to score, each with its cleaned text, target and context, in input order.

    Counts, rejects and every article's record (to ``articles_out``) are kept on the way; comments in
    ``done`` (the part file of a resumed run) are counted and skipped.
    """
    for item in items:
        if isinstance(item, Reject):
            summary.rejects.append(item)
            continue
        summary.articles += 1
        article_target = targets.for_article(item)
        articles_out.write(json.dumps(_article_record(item, article_target), ensure_ascii=False) + "\n")
        # a reply answers what its parent said, not what the parent quoted
        texts_by_id = {c.id: own_words(c.text or "")[0] for c in item.comments}
        for comment in item.comments:
            summary.rows += 1
            target, source = targets.resolve(comment, article_target)
            summary.target_sources[source] += 1
            context, context_kind = _context(model, item, comment, texts_by_id, target)
            summary.contexts[context_kind] += 1
            text = prepare_text(comment.text, options)
            problem = text.problem or _removal_notice(comment, text)
            if problem:
                summary.unscored += 1
            elif options.language_check and (language := _foreign(model, text.model_text, options.language_check)):
                problem = _foreign_language_reason(language, options.language_check)
                summary.other_languages[language.code] += 1
            if problem:
                location = f"article {item.id}, comment {comment.id}"
                summary.rejects.append(Reject(item.source_file, location, problem, (comment.text or "")[:500]))
            if (item.id, comment.id) in done:
                summary.resumed += 1
                continue
            summary.shortened += text.shortened
            summary.quoting += text.quoted_lines > 0
            row = _id_columns(item, comment, text, target, context_kind)
            yield Pending(row, None if problem else text.model_text, target, context)


def _foreign(model: Model, text: str, check: LanguageCheck) -> Language | None:
    """``foreign_language`` of the text as the model reads it: written in fullwidth, small-capital or look-alike
    letters, or spelled out, an English insult had looked Japanese, Amharic, Serbian or Ligurian to the language
    check, and so went unscored."""
    return foreign_language(model.read_as(text), check)


def _removal_notice(comment: Comment, text: PreparedText) -> str | None:
    """Why a deleted comment is not scored when all its text is the notice of its removal ("[deleted]"): scored,
    such notices had counted as readers taking no position and posting nothing toxic."""
    if comment.status == "deleted" and is_removal_notice(text.model_text):
        return "deleted: its text is only the notice of its removal, no words of the commenter's to score"
    return None


def _foreign_language_reason(language: Language, check: LanguageCheck) -> str:
    own = ", ".join(check.languages)
    return (f"written in another language: most likely {language.code} (probability {language.probability:.3f}), "
            f"{own} at most {check.max_own_probability}; the model reads {own}, so its scores would be noise: "
            "--languages any scores it anyway")


def _chunks(pending: Iterable[Pending], size: int) -> Iterator[list[Pending]]:
    """``size`` comments at a time (the last chunk may be shorter): the unit every engine scores."""
    chunk: list[Pending] = []
    for item in pending:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score(
    inputs: Sequence[str | Path],
    outputs: str | Path | Sequence[str | Path],
    *,
    model: Model,
    fmt: str | None = None,
    read_options: ReadOptions | None = None,
    targets: TargetPolicy | None = None,
    options: ScoreOptions | None = None,
    resume: bool = False,
    progress: bool = False,
) -> ScoreSummary:
    """Score every comment of ``inputs`` into the table(s) ``outputs`` (.csv / .jsonl / .parquet).

    The first output names the sidecars and the part file. Returns counts, rejects (reader
    rejects included) and the errors of input files that could not be read at all.
    ``options.engine`` "ray" scores the same chunks on a Ray cluster (``analyzer._ray``).
    """
    from tqdm.auto import tqdm

    output_paths = [Path(p) for p in ([outputs] if isinstance(outputs, (str, Path)) else outputs)]
    for path in output_paths:
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise ScoreError(f"{path}: unknown table type; use one of {', '.join(TABLE_SUFFIXES)}")
    options = options or ScoreOptions()
    targets = targets or TargetPolicy(max_words=options.target_max_words)
    summary = ScoreSummary(outputs=output_paths)
    part_path = part_path_for(output_paths[0])
    articles_path, meta_path = scores_sidecars(output_paths[0])
    try:
        refuse_outputs_over_inputs(input_files(inputs), [*output_paths, part_path, articles_path, meta_path])
    except ValueError as error:
        raise ScoreError(str(error)) from error
    started = time.perf_counter()

    with _engine(model, options, output_paths[0], resume, progress) as engine:
        header = {
            "model": model.name, "version": model.version, "backend": engine.backend,
            "attributes": list(model.attributes), "targets": targets.describe(), "reads_context": model.reads_context,
            # a part file from before quotes were left out holds rows scored on whole texts
            "reads": "own words",
        }
        try:
            # A Ray run resumes from its finished parts; the part file it fills at the end starts afresh.
            part, done = open_part(part_path, header, resume and isinstance(engine, LocalEngine))
        except PartFileMismatch as error:
            raise ScoreError(str(error)) from error
        articles_tmp = temporary_path(articles_path)
        bar = tqdm(desc="scoring", unit="comment", disable=not progress, dynamic_ncols=True)
        with part, articles_tmp.open("w", encoding="utf-8") as articles_out:
            items = iter_input(inputs, fmt, read_options or ReadOptions(), summary.errors, summary.files)
            pending = _pending_comments(items, model, targets, options, done, summary, articles_out)
            for scored in engine.score(_chunks(pending, options.chunk_size), header):
                append_rows(part, scored.rows)
                summary.scored_now += scored.scored_now
                summary.resumed += scored.resumed
                bar.update(len(scored.rows))
        bar.close()

        columns = score_columns(model.attributes)
        for path in output_paths:
            write_table(part_path, path, columns, options.chunk_size)
        os.replace(articles_tmp, articles_path)
        summary.seconds = time.perf_counter() - started
        meta = _meta(model, engine, targets, inputs, summary, options)
        write_text_atomically(meta_path, json.dumps(meta, indent=2) + "\n")
        part_path.unlink()
    return summary


def _article_record(article: Article, target: tuple[str | None, str]) -> dict[str, Any]:
    record = article.to_dict()
    record.pop("comments")
    record["found_comment_count"] = len(article.comments)
    record["target"], record["target_source"] = target
    return record


def _meta(
    model: Model, engine: Engine, targets: TargetPolicy, inputs: Sequence[str | Path], summary: ScoreSummary,
    options: ScoreOptions,
) -> dict[str, Any]:
    return {
        "model": {
            "name": model.name,
            "version": model.version,
            "backend": engine.backend,
            # int8: the bands within which a comment was scored again in float (analyzer.config.FloatRecheck)
            "float_recheck": asdict(recheck) if (recheck := getattr(model, "float_recheck", None)) else None,
            "path": str(getattr(model, "path", None) or ""),
            "toxicity_threshold": model.toxicity_threshold,
            "attributes": list(model.attributes),
            "max_length": model.max_length,
            # the --max-tokens cut: each comment's first this-many tokens read (None: every comment whole)
            "max_tokens": getattr(model, "max_tokens", None),
            "reads_context": model.reads_context,
            "toxicity_calibration": model.toxicity_calibration,
            "calibration": model.calibration,
        },
        "engine": engine.describe(),
        "target_method": targets.describe(),
        "target_sources": {s: summary.target_sources[s] for s in TARGET_SOURCES},
        "contexts": {k: summary.contexts[k] for k in CONTEXT_KINDS},
        "language_check": asdict(options.language_check) if options.language_check else None,
        "long_comments": f"scored on the first {options.max_scored_chars} characters, " + (
            f"of which the model read the first {max_tokens} tokens (target and context included)"
            if (max_tokens := getattr(model, "max_tokens", None))
            else "windowed by the model: toxicity = max over windows, stance = mean of window logits"
        ),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [path_text(p) for p in inputs],
        "counts": {
            "articles": summary.articles,
            "comments": summary.rows,
            "unscored": summary.unscored,
            "other_languages": dict(summary.other_languages.most_common()),
            "shortened": summary.shortened,
            "quoting": summary.quoting,
            "rejects": len(summary.rejects),
        },
    }
