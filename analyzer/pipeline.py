"""The run stage: split → score → report in one go, into one output folder.

``out_dir/articles.jsonl`` (the split), ``out_dir/scores.*`` (the scored tables and their sidecars),
``out_dir/rejects.jsonl`` (only when something was rejected; a stale one is removed) and the report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer._files import temporary_path
from analyzer._tables import TABLE_SUFFIXES
from analyzer.config import ReadOptions, ScoreOptions
from analyzer.records import Reject, refuse_outputs_over_inputs, write_rejects
from analyzer.scoring import SPLIT_FORMAT, ScoreError, ScoreSummary, score
from analyzer.splitting import input_files, split
from analyzer.targets import TargetPolicy

if TYPE_CHECKING:
    from analyzer.model import Model

ARTICLES_FILE, SCORES_STEM, REJECTS_FILE = "articles.jsonl", "scores", "rejects.jsonl"


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


def _split_into(inputs: Sequence[str | Path], articles_path: Path, fmt: str | None, read_options: ReadOptions | None,
                ) -> tuple[list[str], list[Reject], list[str]]:
    """Split every input into one articles JSONL (written atomically): (summary lines, rejects, errors)."""
    split_lines: list[str] = []
    rejects: list[Reject] = []
    errors: list[str] = []
    articles_tmp = temporary_path(articles_path)
    with articles_tmp.open("w", encoding="utf-8") as stream:
        for outcome in split(inputs, fmt, read_options):
            split_lines.append(outcome.summary())
            if outcome.error is not None:
                errors.append(str(outcome.error))
            stream.writelines(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in outcome.result.articles)
            rejects.extend(outcome.result.rejects)
    os.replace(articles_tmp, articles_path)
    return split_lines, rejects, errors


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
    articles_path = out_dir / ARTICLES_FILE
    tables = [out_dir / f"{SCORES_STEM}{suffix}" for suffix in table_formats]
    try:
        refuse_outputs_over_inputs(input_files(inputs), [articles_path, *tables, out_dir / REJECTS_FILE])
    except ValueError as error:
        raise ScoreError(str(error)) from error
    out_dir.mkdir(parents=True, exist_ok=True)
    split_lines, rejects, errors = _split_into(inputs, articles_path, fmt, read_options)

    summary = score(
        [articles_path], tables, model=model, fmt=SPLIT_FORMAT, targets=targets, options=options,
        resume=resume, progress=progress,
    )
    summary.errors[:0] = errors
    summary.rejects[:0] = rejects
    rejects_path = write_rejects(summary.rejects, out_dir / REJECTS_FILE)

    if report is None:
        from analyzer.report import build_report as report
    report_files = list(report(tables[0], out_dir))
    return RunSummary(articles_path, tables, rejects_path, report_files, split_lines, summary)
