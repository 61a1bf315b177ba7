"""The score stage: every comment of the input gets toxicity (with attributes) and stance scores.

One row per comment (columns: ``records.SCORE_ID_COLUMNS``, then one per toxicity attribute of the
model, then ``records.STANCE_COLUMNS``), written as CSV, JSONL or Parquet, with two sidecars beside
the table: the articles without their comments (zero-comment articles included, with found versus
declared counts) and the run's metadata (model, threshold, target method, inputs).

Scale. Comments are scored ``ScoreOptions.chunk_size`` at a time and each scored chunk is appended
to a part file (``<stem>.part.jsonl`` beside the output), so memory stays flat however large the
input is (a split JSONL is streamed line by line; dump files are read one file at a time). At the
end the part file becomes the requested tables, each written to a temporary file and moved into
place with ``os.replace``, so a table on disk is always complete. ``resume=True`` keeps the comments
already in the part file (keyed by article id and comment id) and scores only the rest.

Bad rows never stop a run. Control characters and undecodable bytes are removed; a comment that is
then empty, or that was mostly such characters, keeps its row (so status counts stay complete) with
blank scores, and a Reject with the reason goes to the rejects file. A comment longer than
``max_scored_chars`` is scored on its beginning; the model windows whatever it gets (toxicity is the
maximum over windows, stance the mean of window logits).
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer._files import temporary_path, write_text_atomically
from analyzer.config import ReadOptions, ScoreOptions
from analyzer.readers import ReaderError, detect_format
from analyzer.records import (
    SCORE_ID_COLUMNS,
    STANCE_COLUMNS,
    Article,
    Comment,
    Reject,
    scores_sidecars,
)
from analyzer.splitting import input_files, split_file
from analyzer.targets import TARGET_SOURCES, TargetPolicy

if TYPE_CHECKING:
    from analyzer.model import Model

TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
_SPLIT_FORMAT = "articles-jsonl"
# C0/C1 control characters (tab and newline are text) and what decoders put for bytes they could not read.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\ufffe\uffff]")


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
    shortened: int = 0
    target_sources: Counter = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.scored_now / self.seconds if self.seconds else 0.0
        lines = [
            f"{self.rows} comment row(s) from {self.articles} article(s) → {', '.join(map(str, self.outputs))}",
            f"scored {self.scored_now} now ({rate:.1f} comments/s), {self.resumed} kept from the part file",
        ]
        if self.unscored:
            lines.append(f"{self.unscored} comment(s) left unscored (empty or not text): reasons in the rejects file")
        if self.shortened:
            lines.append(f"{self.shortened} comment(s) longer than the scoring limit were scored on their beginning")
        sources = ", ".join(f"{s} {self.target_sources[s]}" for s in TARGET_SOURCES if self.target_sources[s])
        if sources:
            lines.append(f"stance targets: {sources}")
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
    paths: Sequence[str | Path], fmt: str | None, options: ReadOptions, errors: list[str]
) -> Iterator[Article | Reject]:
    """Articles and reader rejects of every input in order; unreadable files go to ``errors``."""
    for path in input_files(paths):
        try:
            streamed = path.is_file() and (fmt or detect_format(path)) == _SPLIT_FORMAT
        except (ReaderError, OSError):
            streamed = False  # split_file below reports the problem with the file's name
        if streamed:
            yield from _stream_split_jsonl(path)
            continue
        outcome = split_file(path, fmt, options)
        if outcome.error is not None:
            errors.append(str(outcome.error))
        yield from outcome.result.articles
        yield from outcome.result.rejects


def prepare_text(text: str | None, options: ScoreOptions) -> tuple[str, str | None, bool]:
    """(text for the table, reason it cannot be scored or None, whether it was shortened for the model)."""
    raw = text or ""
    cleaned = _JUNK.sub("", raw)
    junk = len(raw) - len(cleaned)
    if junk and junk > options.max_junk_share * len(raw):
        return cleaned, f"not text: {junk} of {len(raw)} characters are control characters or undecodable bytes", False
    if not cleaned.strip():
        return cleaned, "empty text: nothing to score", False
    return cleaned, None, len(cleaned) > options.max_scored_chars


# --- the part file ------------------------------------------------------------------------------


def part_path_for(output: str | Path) -> Path:
    path = Path(output)
    return path.with_name(path.name.split(".")[0] + ".part.jsonl")


def _read_part(path: Path, header: dict[str, Any]) -> set[tuple[str, str]] | None:
    """Keys already scored, or None when the file holds nothing (killed before its first write).

    Drops a torn last line left by an interruption mid-write.
    """
    done: set[tuple[str, str]] = set()
    with path.open("rb") as stream:
        first = stream.readline()
        if not first.endswith(b"\n"):
            return None
        try:
            found = json.loads(first).get("header")
        except (ValueError, AttributeError):
            found = None
        if found != header:
            raise ScoreError(
                f"{path}: made by another model, backend or target setting ({found}); delete it or run without --resume"
            )
        good_until = len(first)
        for line in stream:
            try:
                row = json.loads(line)
            except ValueError:
                break
            if not line.endswith(b"\n"):
                break
            done.add((row["article_id"], row["comment_id"]))
            good_until += len(line)
    with path.open("r+b") as stream:
        stream.truncate(good_until)
    return done


def _open_part(path: Path, header: dict[str, Any], resume: bool) -> tuple[Any, set[tuple[str, str]]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _read_part(path, header) if resume and path.is_file() else None
    if done is not None:
        return path.open("a", encoding="utf-8"), done
    stream = path.open("w", encoding="utf-8")
    stream.write(json.dumps({"header": header}) + "\n")
    return stream, set()


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class _Pending:
    """A comment waiting for its chunk; ``model_text`` is None when it cannot be scored."""

    row: dict[str, Any]
    model_text: str | None
    target: str | None


def score_columns(attributes: Sequence[str]) -> list[str]:
    """The table's columns for a model with these toxicity attributes."""
    return [*SCORE_ID_COLUMNS, *attributes, *STANCE_COLUMNS]


def _id_columns(article: Article, comment: Comment, text: str, target: str | None) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "comment_id": comment.id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": comment.author,
        "time": comment.time,
        "text": text,
        "target": target,
        "status": comment.status,
        "kind": comment.kind,
    }


def _blank_scores(row: dict[str, Any], attributes: Sequence[str]) -> dict[str, Any]:
    return {**row, **dict.fromkeys(attributes), **dict.fromkeys(STANCE_COLUMNS)}


def _score_chunk(model: Model, chunk: list[_Pending], batch_size: int) -> list[dict[str, Any]]:
    """Rows of the chunk in its order: scored ones with their scores, unscorable ones blank."""
    scorable = [p for p in chunk if p.model_text is not None]
    predictions = model.predict([p.model_text for p in scorable], [p.target for p in scorable], batch_size=batch_size)
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


def _write_rows(stream: Any, rows: list[dict[str, Any]]) -> None:
    stream.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    stream.flush()


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
    """
    from tqdm.auto import tqdm

    output_paths = [Path(p) for p in ([outputs] if isinstance(outputs, (str, Path)) else outputs)]
    for path in output_paths:
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise ScoreError(f"{path}: unknown table type; use one of {', '.join(TABLE_SUFFIXES)}")
    options = options or ScoreOptions()
    targets = targets or TargetPolicy(max_words=options.target_max_words)
    summary = ScoreSummary(outputs=output_paths)
    attributes = list(model.attributes)
    header = {
        "model": model.name, "version": model.version, "backend": model.backend, "attributes": attributes,
        "targets": targets.describe(),
    }
    part_path = part_path_for(output_paths[0])
    articles_path, meta_path = scores_sidecars(output_paths[0])
    started = time.perf_counter()

    part, done = _open_part(part_path, header, resume)
    articles_tmp = temporary_path(articles_path)
    bar = tqdm(desc="scoring", unit="comment", disable=not progress, dynamic_ncols=True)
    pending: list[_Pending] = []

    def flush() -> None:
        if pending:
            _write_rows(part, _score_chunk(model, pending, options.batch_size))
            summary.scored_now += sum(p.model_text is not None for p in pending)
            bar.update(len(pending))
            pending.clear()

    with part, articles_tmp.open("w", encoding="utf-8") as articles_out:
        for item in iter_input(inputs, fmt, read_options or ReadOptions(), summary.errors):
            if isinstance(item, Reject):
                summary.rejects.append(item)
                continue
            summary.articles += 1
            article_target = targets.for_article(item)
            articles_out.write(json.dumps(_article_record(item, article_target), ensure_ascii=False) + "\n")
            for comment in item.comments:
                summary.rows += 1
                target, source = targets.resolve(comment, article_target)
                summary.target_sources[source] += 1
                text, problem, shortened = prepare_text(comment.text, options)
                if problem:
                    location = f"article {item.id}, comment {comment.id}"
                    summary.rejects.append(Reject(item.source_file, location, problem, (comment.text or "")[:500]))
                    summary.unscored += 1
                if (item.id, comment.id) in done:
                    summary.resumed += 1
                    continue
                summary.shortened += shortened
                row = _id_columns(item, comment, text, target)
                pending.append(_Pending(row, None if problem else text[: options.max_scored_chars], target))
                if len(pending) >= options.chunk_size:
                    flush()
        flush()
    bar.close()

    columns = score_columns(attributes)
    for path in output_paths:
        write_table(part_path, path, columns, options.chunk_size)
    os.replace(articles_tmp, articles_path)
    summary.seconds = time.perf_counter() - started
    write_text_atomically(meta_path, json.dumps(_meta(model, targets, inputs, summary, options), indent=2) + "\n")
    part_path.unlink()
    return summary


def _article_record(article: Article, target: tuple[str | None, str]) -> dict[str, Any]:
    record = article.to_dict()
    record.pop("comments")
    record["found_comment_count"] = len(article.comments)
    record["target"], record["target_source"] = target
    return record


def _meta(
    model: Model, targets: TargetPolicy, inputs: Sequence[str | Path], summary: ScoreSummary, options: ScoreOptions
) -> dict[str, Any]:
    return {
        "model": {
            "name": model.name,
            "version": model.version,
            "backend": model.backend,
            "path": str(getattr(model, "path", None) or ""),
            "toxicity_threshold": model.toxicity_threshold,
            "attributes": list(model.attributes),
            "max_length": model.max_length,
        },
        "target_method": targets.describe(),
        "target_sources": {s: summary.target_sources[s] for s in TARGET_SOURCES},
        "long_comments": (
            f"scored on the first {options.max_scored_chars} characters, windowed by the model: "
            "toxicity = max over windows, stance = mean of window logits"
        ),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": [str(p) for p in inputs],
        "counts": {
            "articles": summary.articles,
            "comments": summary.rows,
            "unscored": summary.unscored,
            "shortened": summary.shortened,
            "rejects": len(summary.rejects),
        },
    }


# --- tables -------------------------------------------------------------------------------------


def _part_chunks(part_path: Path, chunk_size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    with part_path.open(encoding="utf-8") as stream:
        next(stream)  # the header
        for line in stream:
            chunk.append(json.loads(line))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
    yield chunk


def write_table(part_path: Path, path: Path, columns: Sequence[str], chunk_size: int = 5000) -> None:
    """Turn the part file into one table (by the path's suffix), a chunk at a time, atomically."""
    writers = {".csv": _write_csv, ".jsonl": _write_jsonl, ".parquet": _write_parquet}
    tmp = temporary_path(path)
    writers[path.suffix.lower()](_part_chunks(part_path, chunk_size), tmp, columns)
    os.replace(tmp, path)


def _write_jsonl(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for chunk in chunks:
            stream.write("".join(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n" for r in chunk))


def _arrow_chunks(chunks: Iterator[list[dict[str, Any]]], columns: Sequence[str]) -> Iterator[Any]:
    import pyarrow as pa

    text_columns = (set(SCORE_ID_COLUMNS) - {"depth"}) | {"stance"}
    schema = pa.schema(
        [(c, pa.string() if c in text_columns else pa.int32() if c == "depth" else pa.float64()) for c in columns]
    )
    for chunk in chunks:
        yield pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in chunk], schema=schema)


def _write_parquet(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    import pyarrow.parquet as pq

    writer = None
    for table in _arrow_chunks(chunks, columns):
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def _write_csv(chunks: Iterator[list[dict[str, Any]]], path: Path, columns: Sequence[str]) -> None:
    import pandas as pd
    import pyarrow as pa

    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(columns) + "\n")
        for table in _arrow_chunks(chunks, columns):
            # Int32Dtype keeps depth an integer column with blanks, not floats ("1.0").
            frame = table.to_pandas(types_mapper={pa.int32(): pd.Int32Dtype()}.get)
            frame.to_csv(stream, header=False, index=False)


# --- run: split → score → report ----------------------------------------------------------------


@dataclass
class RunSummary:
    articles_path: Path
    tables: list[Path]
    rejects_path: Path | None
    report_files: list[Path]
    split_lines: list[str]
    score: ScoreSummary

    @property
    def had_bad_input(self) -> bool:
        return bool(self.score.errors)


def run(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    model: Model,
    fmt: str | None = None,
    read_options: ReadOptions | None = None,
    targets: TargetPolicy | None = None,
    options: ScoreOptions | None = None,
    resume: bool = False,
    progress: bool = False,
    table_formats: Sequence[str] = TABLE_SUFFIXES,
    report: Callable[[Path, Path], list[Path]] | None = None,
) -> RunSummary:
    """Split ``inputs`` into ``out_dir/articles.jsonl``, score it into ``out_dir/scores.*``, write
    ``out_dir/rejects.jsonl`` when anything was rejected, and build the report in ``out_dir``.

    ``report`` defaults to ``analyzer.report.build_report``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    articles_path = out_dir / "articles.jsonl"
    split_lines: list[str] = []
    rejects: list[Reject] = []
    errors: list[str] = []
    articles_tmp = temporary_path(articles_path)
    with articles_tmp.open("w", encoding="utf-8") as stream:
        for path in input_files(inputs):
            outcome = split_file(path, fmt, read_options)
            split_lines.append(outcome.summary())
            if outcome.error is not None:
                errors.append(str(outcome.error))
            stream.writelines(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in outcome.result.articles)
            rejects.extend(outcome.result.rejects)
    os.replace(articles_tmp, articles_path)

    tables = [out_dir / f"scores{suffix}" for suffix in table_formats]
    summary = score(
        [articles_path], tables, model=model, fmt=_SPLIT_FORMAT, targets=targets, options=options,
        resume=resume, progress=progress,
    )
    summary.errors[:0] = errors
    summary.rejects[:0] = rejects

    rejects_path = out_dir / "rejects.jsonl"
    if summary.rejects:
        lines = (json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in summary.rejects)
        write_text_atomically(rejects_path, "".join(lines))
    elif rejects_path.exists():
        rejects_path.unlink()  # a stale file from an earlier run would mislead

    if report is None:
        from analyzer.report import build_report as report
    report_files = list(report(tables[0], out_dir))
    rejects_written = rejects_path if summary.rejects else None
    return RunSummary(articles_path, tables, rejects_written, report_files, split_lines, summary)
