"""Reading labeled files into rows ready to score.

``load_labeled`` reads CSV / JSONL / Parquet, finds the text, label, target and group columns (given,
or guessed from the usual names), turns labels into 0/1 (toxicity) or favor/against/none (stance),
applies the row filters (``--where``, the fixed validation split) and keeps a list of rows it dropped
and why; ``subsample`` takes a fixed-seed sample of the result.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer._hashing import file_sha256
from analyzer.config import EvalOptions
from analyzer._labels import STANCE_ALIASES, STANCE_LABELS, TOXIC_WORDS
from analyzer.targets import own_words

TASKS = ("toxicity", "stance")

# Guessed in this order when a column option is not given (first match wins, case-sensitive).
# VAST train has both "post" (the comment) and "text" (its tokenised form), so "post" comes first.
TEXT_COLUMNS = ("comment_text", "post", "Tweet", "text", "comment", "body", "content")
LABEL_COLUMNS = {
    "toxicity": ("label", "toxic", "toxicity", "crowd_toxicity_level"),
    "stance": ("stance", "Stance", "label"),
}
# VAST: dev has "Target"; train's corrected topic is "new_topic" (what training uses), then "topic_str".
TARGET_COLUMNS = ("target", "Target", "new_topic", "topic_str", "topic")
GROUP_COLUMNS = ("article_id", "article", "group")

#: ``--label-map vast``: VAST's integer labels (0 con, 1 pro, 2 neutral).
NAMED_LABEL_MAPS = {"vast": {"0": "against", "1": "favor", "2": "none"}}


class EvalError(Exception):
    """A labeled file cannot be evaluated; the message names the file and the place."""


def parse_label_map(spec: str | None) -> dict[str, str] | None:
    """``"vast"`` or ``"0=against,1=favor,2=none"`` → {raw: label}."""
    if not spec:
        return None
    if spec in NAMED_LABEL_MAPS:
        return NAMED_LABEL_MAPS[spec]
    pairs = [item.split("=", 1) for item in spec.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"--label-map {spec!r}: expected a name ({', '.join(NAMED_LABEL_MAPS)}) or RAW=LABEL,...")
    return {_normalise_raw(raw): label.strip() for raw, label in pairs}


def _normalise_raw(value: str) -> str:
    """'1.0' and '1' are the same label (pandas and spreadsheets write integers both ways)."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        return value.lower()
    return str(int(number)) if number.is_integer() else value


def _mapped(raw: str, options: EvalOptions) -> str:
    """A raw label cell, normalised and passed through ``options.label_map``."""
    value = _normalise_raw(raw)
    return _normalise_raw(options.label_map.get(value, value)) if options.label_map else value


def parse_label(raw: str, task: str, options: EvalOptions) -> int | str:
    """One raw cell → 0/1 (toxicity) or favor/against/none (stance); ValueError says why not."""
    value = _mapped(raw, options)
    if not value:
        raise ValueError("empty label")
    if task == "stance":
        if value not in STANCE_ALIASES:
            spellings = ", ".join(sorted(set(STANCE_ALIASES) - set(STANCE_LABELS)))
            raise ValueError(f"stance label {raw!r} is not one of {'/'.join(STANCE_LABELS)} or their usual "
                             f"spellings ({spellings}; see --label-map)")
        return STANCE_ALIASES[value]
    if options.positive_threshold is not None:
        return int(parse_grade(raw, options) >= options.positive_threshold)
    if value not in TOXIC_WORDS:
        raise ValueError(f"toxicity label {raw!r} is not 0/1 (graded labels need --positive-threshold)")
    return TOXIC_WORDS[value]


def parse_grade(raw: str, options: EvalOptions) -> float:
    """A graded toxicity label (e.g. C3's mean crowd level) as a number; ValueError when it is not one."""
    try:
        return float(_mapped(raw, options))
    except ValueError:
        raise ValueError(f"toxicity label {raw!r} is not a number") from None


def read_table(path: Path) -> pd.DataFrame:
    """A CSV / JSONL / JSON / Parquet file as a frame of strings ('' for missing cells)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".json":
            frame = pd.read_json(path, dtype=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:  # pandas' parser errors are ValueErrors
        raise EvalError(f"{path}: cannot read as a table ({error})") from error
    # Integral floats (a JSON 1.0 or a NaN-widened int column) must read like their CSV form "1".
    return frame.astype(object).where(frame.notna(), "").map(
        lambda cell: str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell)
    )


def _column(frame: pd.DataFrame, path: Path, given: str | None, candidates: Sequence[str], what: str) -> str | None:
    if given:
        if given not in frame.columns:
            raise EvalError(f"{path}: no {what} column {given!r} (columns: {', '.join(map(str, frame.columns))})")
        return given
    return next((name for name in candidates if name in frame.columns), None)


@dataclass(frozen=True)
class SourceFile:
    path: str
    sha256: str
    rows: int
    columns: dict[str, str | None]


@dataclass
class LabeledSet:
    """Rows ready to score: parallel lists, plus where they came from and what was left out."""

    task: str
    texts: list[str] = field(default_factory=list)
    labels: list[Any] = field(default_factory=list)
    targets: list[str] | None = None
    groups: list[str] | None = None
    sources: list[SourceFile] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: Graded toxicity labels as read (``labels`` holds them cut at ``positive_threshold``), for ``--cutoffs``.
    grades: list[float] | None = None
    #: Stance: what each row answers (a title, a parent's opening), with ``--context-column``.
    contexts: list[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)


def display_path(path: str | Path) -> str:
    """Relative to the working directory when close by ("../shared/..."), else absolute."""
    relative = os.path.relpath(path)
    return str(Path(path).resolve()) if relative.startswith(os.path.join("..", "..")) else relative


def _keep_rows(
    frame: pd.DataFrame, path: Path, group: str | None, where: Sequence[tuple[str, str]], keep_validation: bool | None
) -> pd.Series:
    """The row filter: ``where`` conditions and the fixed validation split."""
    keep = pd.Series(True, index=frame.index)
    for column, value in where:
        if column not in frame.columns:
            raise EvalError(f"{path}: --where column {column!r} is not in the file")
        keep &= frame[column].map(_normalise_raw) == _normalise_raw(value)
    if keep_validation is not None:
        if group is None:
            raise EvalError(f"{path}: --split validation needs a group column (--group-column)")
        from analyzer.splits import is_validation

        keep &= frame[group].map(is_validation) == keep_validation
    return keep


def load_labeled(
    paths: Sequence[str | Path],
    task: str,
    options: EvalOptions,
    *,
    keep_validation: bool | None = None,
    apply_where: bool = True,
) -> LabeledSet:
    """Read labeled rows from one or more files (each file's columns are resolved on their own).

    ``keep_validation``: None keeps every group, True only validation groups, False only the others.
    ``apply_where``: False ignores ``options.where`` (baseline-training files have other columns).
    Rows with an empty text, an unusable label or (stance) no target are dropped and listed.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    graded = task == "toxicity" and options.positive_threshold is not None
    data = LabeledSet(task, targets=[] if task == "stance" else None, groups=[], grades=[] if graded else None,
                      contexts=[] if task == "stance" and options.context_column else None)
    for path in map(Path, paths):
        frame = read_table(path)
        columns = {
            "text": _column(frame, path, options.text_column, TEXT_COLUMNS, "text"),
            "label": _column(frame, path, options.label_column, LABEL_COLUMNS[task], "label"),
            "target": _column(frame, path, options.target_column, TARGET_COLUMNS, "target"),
            "group": _column(frame, path, options.group_column, GROUP_COLUMNS, "group"),
        }
        if data.contexts is not None:
            columns["context"] = _column(frame, path, options.context_column, (), "context")
        for role in ("text", "label"):
            if columns[role] is None:
                raise EvalError(f"{path}: cannot guess the {role} column; name it with --{role}-column")
        if task == "stance" and columns["target"] is None and not options.target:
            raise EvalError(f"{path}: stance needs a target column (--target-column) or one --target phrase")
        keep = _keep_rows(frame, path, columns["group"], options.where if apply_where else (), keep_validation)
        data.sources.append(SourceFile(display_path(path), file_sha256(path), int(keep.sum()), columns))
        _append_rows(data, frame[keep], path, columns, options)
    if data.groups is not None and not any(data.groups):
        data.groups = None
    if not len(data):
        raise EvalError(f"{', '.join(map(str, paths))}: no usable labeled rows")
    return data


def _append_rows(data: LabeledSet, frame: pd.DataFrame, path: Path, columns: dict, options: EvalOptions) -> None:
    # Data row numbers count from 1 after a CSV header / from the first JSONL line.
    for row_number, row in zip(frame.index + 1, frame.to_dict("records")):
        # what ``score`` reads of a comment: its own words (a row copied from a scores table keeps its quotes)
        text = own_words(row[columns["text"]].strip())[0]
        target = (row[columns["target"]].strip() if columns["target"] else "") or (options.target or "")
        try:
            if not text:
                raise ValueError("empty text")
            if data.targets is not None and not target:
                raise ValueError("empty target")
            label = parse_label(row[columns["label"]], data.task, options)
        except ValueError as error:
            data.dropped.append(f"{path}: row {row_number}: {error}")
            continue
        data.texts.append(text)
        data.labels.append(label)
        data.groups.append(row[columns["group"]] if columns["group"] else "")
        if data.targets is not None:
            data.targets.append(target)
        if data.grades is not None:
            data.grades.append(parse_grade(row[columns["label"]], options))
        if data.contexts is not None:
            data.contexts.append(row[columns["context"]].strip())


def subsample(data: LabeledSet, size: int | None, seed: int) -> LabeledSet:
    """A fixed-seed random subset of ``size`` rows in their original order (all rows when smaller)."""
    if size is None or size >= len(data):
        return data
    chosen = np.sort(np.random.default_rng(seed).choice(len(data), size=size, replace=False))

    def pick(values: list | None) -> list | None:
        return None if values is None else [values[i] for i in chosen]

    return LabeledSet(
        data.task, pick(data.texts), pick(data.labels), pick(data.targets), pick(data.groups), data.sources, data.dropped,
        pick(data.grades), pick(data.contexts),
    )

