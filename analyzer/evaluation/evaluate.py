"""Evaluate a checkpoint on a labeled file: metrics with bootstrap intervals, baselines, a report.

``python -m analyzer eval --task toxicity|stance --data FILE...`` lands here. The steps:

1. ``load_labeled`` reads CSV / JSONL / Parquet, finds the text, label, target and group columns
   (given, or guessed from the usual names), turns labels into 0/1 (toxicity) or favor/against/none
   (stance), applies the row filters (``--where``, the fixed validation split, a fixed-seed sample)
   and keeps a list of rows it dropped and why.
2. ``evaluate`` scores the rows with the model, computes ``analyzer.evaluation.metrics`` with 95% bootstrap
   intervals on the headline numbers, the same numbers for the baselines and for other checkpoints to
   compare with (each with the interval of the paired difference model − system) and a per-group
   (article / target) breakdown.
3. ``write_report`` writes ``metrics.json``, ``report.md``, ``groups.csv`` and the charts.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer._hashing import file_sha256
from analyzer.config import EvalOptions
from analyzer.evaluation import baselines as baseline_systems
from analyzer.evaluation.metrics import (
    STANCE_LABELS,
    Interval,
    at_threshold,
    average_precision,
    between_group_share,
    bootstrap_ci,
    f_avg,
    macro_f1,
    others_in_group_mean,
    roc_auc,
    stance_metrics,
    toxicity_metrics,
    within_group_pairs,
    within_group_roc_auc,
)

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
#: Toxicity labels accepted as they are (after ``--label-map``); graded labels need ``positive_threshold``.
BINARY_WORDS = {"0": 0, "1": 1, "false": 0, "true": 1}


class EvalError(Exception):
    """A labeled file cannot be evaluated; the message names the file and the place."""


# --- reading labeled rows ------------------------------------------------------------------------


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
        if value not in STANCE_LABELS:
            raise ValueError(f"stance label {raw!r} is not one of {'/'.join(STANCE_LABELS)} (see --label-map)")
        return value
    if options.positive_threshold is not None:
        return int(parse_grade(raw, options) >= options.positive_threshold)
    if value not in BINARY_WORDS:
        raise ValueError(f"toxicity label {raw!r} is not 0/1 (graded labels need --positive-threshold)")
    return BINARY_WORDS[value]


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
    data = LabeledSet(task, targets=[] if task == "stance" else None, groups=[], grades=[] if graded else None)
    for path in map(Path, paths):
        frame = read_table(path)
        columns = {
            "text": _column(frame, path, options.text_column, TEXT_COLUMNS, "text"),
            "label": _column(frame, path, options.label_column, LABEL_COLUMNS[task], "label"),
            "target": _column(frame, path, options.target_column, TARGET_COLUMNS, "target"),
            "group": _column(frame, path, options.group_column, GROUP_COLUMNS, "group"),
        }
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
        text = row[columns["text"]].strip()
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


def subsample(data: LabeledSet, size: int | None, seed: int) -> LabeledSet:
    """A fixed-seed random subset of ``size`` rows in their original order (all rows when smaller)."""
    if size is None or size >= len(data):
        return data
    chosen = np.sort(np.random.default_rng(seed).choice(len(data), size=size, replace=False))

    def pick(values: list | None) -> list | None:
        return None if values is None else [values[i] for i in chosen]

    return LabeledSet(
        data.task, pick(data.texts), pick(data.labels), pick(data.targets), pick(data.groups), data.sources, data.dropped,
        pick(data.grades),
    )


# --- scoring and metrics -------------------------------------------------------------------------


def predicted_outputs(
    model, task: str, texts: Sequence[str], targets: Sequence[str] | None, batch_size: int = 32,
    show_progress_bar: bool = False,
) -> np.ndarray | list[str]:
    """Calibrated toxicity probabilities (toxicity) or predicted stance labels (stance), row order."""
    if task == "toxicity":
        predictions = model.predict(list(texts), None, batch_size=batch_size, show_progress_bar=show_progress_bar)
        return np.array([p.toxicity["toxicity"] for p in predictions])
    predictions = model.predict(list(texts), list(targets or []), batch_size=batch_size, show_progress_bar=show_progress_bar)
    return [p.stance_label for p in predictions]


def model_scores(model, data: LabeledSet, batch_size: int = 32, show_progress_bar: bool = False) -> np.ndarray | list[str]:
    return predicted_outputs(model, data.task, data.texts, data.targets, batch_size, show_progress_bar)


def task_metrics(data: LabeledSet, outputs, threshold: float, options: EvalOptions) -> dict:
    if data.task == "toxicity":
        return toxicity_metrics(data.labels, outputs, threshold, options.calibration_bins)
    return stance_metrics(data.labels, outputs)


def headline_functions(task: str, threshold: float) -> dict[str, Callable[..., float]]:
    """The numbers that get bootstrap intervals: (labels, outputs) → float."""
    if task == "toxicity":
        return {
            "roc_auc": roc_auc,
            "average_precision": average_precision,
            "f1_at_model_threshold": lambda y, s: at_threshold(y, s, threshold).f1,
        }
    return {"macro_f1": macro_f1, "f_avg": f_avg}


#: The one number the gate, the baselines table and the difference intervals use.
HEADLINE = {"toxicity": "roc_auc", "stance": "macro_f1"}


def _resampling_unit(data: LabeledSet, options: EvalOptions) -> str:
    """What one bootstrap draw picks: "group" (a whole article with all its rows) when the rows have
    groups and ``options.bootstrap_unit`` asks for them, else "row"."""
    return "group" if options.bootstrap_unit == "group" and data.groups is not None else "row"


def _bootstrap(data: LabeledSet, options: EvalOptions, metric: Callable[..., float], *columns) -> Interval:
    return bootstrap_ci(
        metric, *columns, n_resamples=options.bootstrap_resamples, seed=options.seed,
        confidence=options.confidence, clusters=data.groups if _resampling_unit(data, options) == "group" else None,
    )


def intervals(data: LabeledSet, outputs, threshold: float, options: EvalOptions) -> dict[str, Interval]:
    return {
        name: _bootstrap(data, options, fn, data.labels, outputs)
        for name, fn in headline_functions(data.task, threshold).items()
    }


def cutoff_breakdown(data: LabeledSet, outputs, options: EvalOptions) -> list[dict]:
    """ROC-AUC with its interval when the positives are the rows graded >= each of ``options.cutoffs``."""
    if not options.cutoffs or data.grades is None:
        return []
    grades = np.asarray(data.grades)
    rows = []
    for cutoff in sorted(options.cutoffs):
        labels = (grades >= cutoff).astype(int)
        rows.append({"cutoff": cutoff, "positives": int(labels.sum()),
                     "roc_auc": _bootstrap(data, options, roc_auc, labels, outputs)})
    return rows


def difference_interval(data: LabeledSet, model_outputs, other_outputs, options: EvalOptions) -> Interval:
    """Paired bootstrap of headline(model) − headline(other): both scored on the same resampled rows."""
    fn = headline_functions(data.task, 0.5)[HEADLINE[data.task]]
    return _bootstrap(data, options, lambda y, a, b: fn(y, a) - fn(y, b), data.labels, model_outputs, other_outputs)


#: More distinct targets than this and the per-target breakdown is left out.
MAX_TARGET_GROUPS = 50


def group_breakdown(data: LabeledSet, outputs, threshold: float) -> list[dict]:
    """Per group (article for toxicity, target for stance unless a group column says otherwise).

    A per-target breakdown is only made for a handful of targets: over hundreds of one-off topics
    (VAST's zero-shot rows) each group holds two or three rows and says nothing.
    """
    keys = data.groups if data.groups is not None else data.targets
    if keys is None or (data.groups is None and len(set(keys)) > MAX_TARGET_GROUPS):
        return []
    frame = pd.DataFrame({"group": keys, "label": data.labels, "output": list(outputs)})
    rows = []
    for key, part in frame.groupby("group", sort=False):
        row: dict[str, Any] = {"group": key, "n": len(part)}
        if data.task == "toxicity":
            y, s = part["label"].to_numpy(), part["output"].to_numpy(dtype=float)
            row |= {
                "positives": int(y.sum()),
                "mean_score": float(s.mean()),
                "roc_auc": roc_auc(y, s),
                "f1_at_model_threshold": at_threshold(y, s, threshold).f1 if y.sum() else math.nan,
            }
        else:
            y, p = part["label"].tolist(), part["output"].tolist()
            row |= {label: y.count(label) for label in STANCE_LABELS}
            row |= {"accuracy": float(np.mean(np.array(y) == np.array(p))), "macro_f1": macro_f1(y, p)}
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["n"], str(r["group"])))


def within_groups(data: LabeledSet, outputs, options: EvalOptions) -> dict[str, Any]:
    """Toxicity rows with groups: the ROC-AUC of the pairs inside one group, and how much the labels
    (graded ones when read) follow the group. Empty for stance or rows without groups.

    The second part is about the labels, not the model: when a row's group mates' labels alone rank
    the rows well, part of the pooled ROC-AUC is ranking groups, which a score of the text alone can
    only do as far as the text shows what its group shares.
    """
    if data.task != "toxicity" or data.groups is None:
        return {}
    graded = data.grades if data.grades is not None else data.labels
    return {
        "roc_auc": _bootstrap(data, options, within_group_roc_auc, data.labels, outputs, data.groups),
        "pairs": within_group_pairs(data.labels, data.groups),
        "label_share_between_groups": between_group_share(graded, data.groups),
        # No interval: in a resample a group drawn twice would count a row's own copy among its mates.
        "group_mates_label_roc_auc": roc_auc(data.labels, others_in_group_mean(graded, data.groups)),
    }


# --- baselines -------------------------------------------------------------------------------------


@dataclass
class BaselineResult:
    name: str
    description: str
    metrics: dict
    outputs: Any
    headline: Interval
    model_minus_baseline: Interval


def build_baselines(task: str, train: LabeledSet | None, evaluated: LabeledSet) -> list:
    if task == "toxicity":
        systems = [baseline_systems.profanity_check_baseline()]
        if train is not None:
            systems.append(baseline_systems.tfidf_toxicity_baseline(train.texts, train.labels))
        return systems
    if train is None:
        return [baseline_systems.majority_stance_baseline(evaluated.labels, "evaluated rows themselves (an oracle)")]
    return [
        baseline_systems.majority_stance_baseline(train.labels, "baseline-training rows"),
        baseline_systems.tfidf_stance_baseline(train.texts, train.targets, train.labels),
    ]


def checkpoint_system(model, task: str, batch_size: int, taken: set[str], show_progress_bar: bool = False):
    """Another checkpoint (say, the shipped model next to a fine-tune of it) as a system scored on the
    same rows, toxicity at its own threshold; its name gets " #2", " #3" … when another system has it."""
    name, k = f"{model.name} {model.version}", 2
    while name in taken:
        name, k = f"{model.name} {model.version} #{k}", k + 1
    description = f"the checkpoint in `{display_path(model.path)}`" if model.path else "a checkpoint in memory"
    if task == "toxicity":
        return baseline_systems.ToxicityBaseline(
            name, f"{description}, at its own threshold {model.toxicity_threshold:.3f}",
            lambda texts: predicted_outputs(model, task, texts, None, batch_size, show_progress_bar),
            threshold=model.toxicity_threshold,
        )
    return baseline_systems.StanceBaseline(
        name, description,
        lambda texts, targets: predicted_outputs(model, task, texts, targets, batch_size, show_progress_bar),
    )


def run_baseline(system, data: LabeledSet, model_outputs, options: EvalOptions) -> BaselineResult:
    if data.task == "toxicity":
        outputs = system.score(data.texts)
        threshold = system.threshold
    else:
        outputs = system.predict(data.texts, data.targets)
        threshold = 0.5
    metrics = task_metrics(data, outputs, threshold, options)
    headline_name = HEADLINE[data.task]
    headline = _bootstrap(data, options, headline_functions(data.task, threshold)[headline_name], data.labels, outputs)
    return BaselineResult(
        system.name, system.description, metrics, outputs, headline,
        difference_interval(data, model_outputs, outputs, options),
    )


# --- the whole evaluation --------------------------------------------------------------------------


@dataclass
class EvalResult:
    task: str
    name: str
    model: dict[str, Any]
    data: LabeledSet
    outputs: Any
    threshold: float
    metrics: dict
    intervals: dict[str, Interval]
    groups: list[dict]
    baselines: list[BaselineResult]
    options: EvalOptions
    #: ``cutoff_breakdown``: ROC-AUC at other positive cut-offs of graded labels.
    cutoffs: list[dict] = field(default_factory=list)
    #: ``within_groups``: ranking inside groups and how much the labels follow them.
    within_groups: dict[str, Any] = field(default_factory=dict)
    baseline_train: list[SourceFile] = field(default_factory=list)
    #: Baseline-training rows left out (empty text, unusable label), with file and row.
    baseline_train_dropped: list[str] = field(default_factory=list)
    command: str | None = None

    def summary_lines(self) -> list[str]:
        """A few lines for the terminal: rows, the headline numbers, each baseline's."""
        lines = [f"{self.name}: {len(self.data):,} rows scored, {len(self.data.dropped):,} dropped"]
        lines += [f"  {name}: {_interval(ci)}" for name, ci in self.intervals.items()]
        headline = HEADLINE[self.task]
        lines += [f"  baseline {b.name}: {headline} {_interval(b.headline)}" for b in self.baselines]
        return lines

    def to_json(self) -> dict:
        """The metrics JSON: everything numeric the report shows, nothing per row."""
        options = asdict(self.options)
        options["where"] = [list(pair) for pair in self.options.where]
        return json_safe(
            {
                "task": self.task,
                "name": self.name,
                "command": self.command,
                "model": self.model,
                "data": [asdict(s) for s in self.data.sources],
                "rows": len(self.data),
                "dropped_rows": len(self.data.dropped),
                "options": options,
                "metrics": self.metrics,
                "intervals": {k: asdict(v) for k, v in self.intervals.items()},
                "bootstrap_resampled": _resampling_unit(self.data, self.options),
                "roc_auc_by_cutoff": [{**row, "roc_auc": asdict(row["roc_auc"])} for row in self.cutoffs],
                "baselines": {
                    b.name: {
                        "description": b.description,
                        "metrics": b.metrics,
                        "headline": asdict(b.headline),
                        "model_minus_baseline": asdict(b.model_minus_baseline),
                    }
                    for b in self.baselines
                },
                "baseline_train": [asdict(s) for s in self.baseline_train],
                "baseline_train_dropped_rows": len(self.baseline_train_dropped),
                "groups": self.groups,
                "within_groups": {k: asdict(v) if isinstance(v, Interval) else v for k, v in self.within_groups.items()},
            }
        )


def json_safe(value):
    """NaN is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def describe_model(model) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "path": display_path(model.path) if getattr(model, "path", None) else "built in memory",
        "toxicity_threshold": model.toxicity_threshold,
    }


def evaluate(
    model,
    task: str,
    data_paths: Sequence[str | Path],
    options: EvalOptions = EvalOptions(),
    *,
    name: str | None = None,
    with_baselines: bool = False,
    baseline_train_paths: Sequence[str | Path] = (),
    compare_with: Sequence[Any] = (),
    command: str | None = None,
    show_progress_bar: bool = False,
) -> EvalResult:
    """Score labeled rows with ``model`` and compute every number of the report; ``compare_with``:
    other checkpoints, reported like the baselines (with the paired model − checkpoint interval)."""
    keep_validation = True if options.split == "validation" else None
    data = subsample(load_labeled(data_paths, task, options, keep_validation=keep_validation), options.sample, options.seed)
    outputs = model_scores(model, data, options.batch_size, show_progress_bar)
    threshold = model.toxicity_threshold
    train = None
    if with_baselines and baseline_train_paths:
        # The baseline never trains on the evaluated groups: with --split validation it gets the rest.
        train = load_labeled(
            baseline_train_paths, task, options, keep_validation=False if keep_validation else None, apply_where=False
        )
    systems = build_baselines(task, train, data) if with_baselines else []
    for other in compare_with:
        systems.append(checkpoint_system(other, task, options.batch_size, {s.name for s in systems}, show_progress_bar))
    results = [run_baseline(system, data, outputs, options) for system in systems]
    return EvalResult(
        task=task,
        name=name or default_name(task, data_paths),
        model=describe_model(model),
        data=data,
        outputs=outputs,
        threshold=threshold,
        metrics=task_metrics(data, outputs, threshold, options),
        intervals=intervals(data, outputs, threshold, options),
        groups=group_breakdown(data, outputs, threshold),
        baselines=results,
        options=options,
        cutoffs=cutoff_breakdown(data, outputs, options),
        within_groups=within_groups(data, outputs, options),
        baseline_train=train.sources if train else [],
        baseline_train_dropped=train.dropped if train else [],
        command=command,
    )


def default_name(task: str, data_paths: Sequence[str | Path]) -> str:
    return f"{Path(data_paths[0]).stem}-{task}"


# --- writing the report ------------------------------------------------------------------------------


def write_report(result: EvalResult, out_dir: str | Path) -> Path:
    """metrics.json, report.md, groups.csv and the PNG charts into ``out_dir``; returns report.md."""
    from analyzer.evaluation import charts

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    if result.groups:
        pd.DataFrame(result.groups).to_csv(out / "groups.csv", index=False)
    figures = charts.write_charts(result, out)
    report = out / "report.md"
    report.write_text(render_markdown(result, figures), encoding="utf-8")
    return report


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _interval(interval: Interval) -> str:
    return f"{_fmt(interval.estimate)} [{_fmt(interval.low)}, {_fmt(interval.high)}]"


def render_markdown(result: EvalResult, figures: Sequence[str]) -> str:
    lines = [f"# Evaluation: {result.name}", ""]
    lines += _markdown_setup(result)
    lines += _markdown_toxicity(result) if result.task == "toxicity" else _markdown_stance(result)
    lines += _markdown_baselines(result)
    lines += _markdown_groups(result)
    lines += ["## Charts", ""] + [f"![{Path(f).stem}]({f})" for f in figures] + [""]
    return "\n".join(lines)


def _resampled(result: EvalResult) -> str:
    if _resampling_unit(result.data, result.options) == "row":
        return "of the rows"
    return f"of the {len(set(result.data.groups)):,} groups, each drawn whole with its rows"


def _markdown_setup(result: EvalResult) -> list[str]:
    m = result.model
    confidence = round(result.options.confidence * 100)
    lines = [
        f"Task **{result.task}**, model **{m['name']} {m['version']}** (`{m['path']}`), "
        f"{len(result.data):,} rows scored, {len(result.data.dropped):,} dropped. "
        f"Intervals are {confidence}% percentile bootstrap intervals "
        f"({result.options.bootstrap_resamples} resamples {_resampled(result)}, seed {result.options.seed}).",
        "",
        "| data file | sha256 (first 16) | rows kept | text / label / target / group column |",
        "|---|---|---|---|",
    ]
    for s in result.data.sources:
        cols = " / ".join(str(s.columns[k] or "–") for k in ("text", "label", "target", "group"))
        lines.append(f"| `{s.path}` | `{s.sha256[:16]}` | {s.rows:,} | {cols} |")
    filters = []
    if result.options.split != "all":
        filters.append(f"split = {result.options.split} (groups where `analyzer.splits.is_validation`)")
    filters += [f"`{c}` = {v}" for c, v in result.options.where]
    if result.options.sample:
        filters.append(f"random sample of {result.options.sample} rows (seed {result.options.seed})")
    if result.options.positive_threshold is not None:
        filters.append(f"positive = label ≥ {result.options.positive_threshold}")
    if result.options.label_map:
        filters.append("label map " + ", ".join(f"{k}→{v}" for k, v in result.options.label_map.items()))
    if result.options.target:
        filters.append(f"target for every row: “{result.options.target}”")
    if filters:
        lines += ["", "Rows and labels: " + "; ".join(filters) + "."]
    if result.data.dropped:
        shown = result.data.dropped[:5]
        lines += ["", f"Dropped rows ({len(result.data.dropped)}; first {len(shown)}):", ""] + [f"- {d}" for d in shown]
    if result.command:
        lines += ["", f"Reproduce: `{result.command}`"]
    return lines + [""]


def _markdown_toxicity(result: EvalResult) -> list[str]:
    m, ci = result.metrics, result.intervals
    lines = [
        "## Toxicity",
        "",
        f"{m['n']:,} rows, {m['positives']:,} positive ({m['positives'] / m['n']:.1%}).",
        "",
        "| metric | value [95% CI] |",
        "|---|---|",
        f"| ROC-AUC | {_interval(ci['roc_auc'])} |",
        f"| average precision | {_interval(ci['average_precision'])} |",
        f"| F1 at the model threshold | {_interval(ci['f1_at_model_threshold'])} |",
        f"| expected calibration error ({result.options.calibration_bins} bins) | {_fmt(m['ece'])} |",
        "",
        "| threshold | value | precision | recall | F1 | flagged |",
        "|---|---|---|---|---|---|",
    ]
    for label, key in (("model (calibrated)", "at_model_threshold"), ("best F1 on these rows*", "at_best_threshold")):
        t = m[key]
        lines.append(
            f"| {label} | {_fmt(t['threshold'])} | {_fmt(t['precision'])} | {_fmt(t['recall'])} | "
            f"{_fmt(t['f1'])} | {t['predicted_positive']:,} |"
        )
    lines += ["", "\\* chosen on the evaluated labels themselves: an optimistic upper bound, not a result.", ""]
    if result.cutoffs:
        lines += [
            f"ROC-AUC with the positives at other cut-offs of the graded label (headline: ≥ {_fmt(result.options.positive_threshold, 2)}):",
            "",
            "| positive = label ≥ | positives | ROC-AUC [95% CI] |",
            "|---|---|---|",
            *(f"| {_fmt(row['cutoff'], 2)} | {row['positives']:,} | {_interval(row['roc_auc'])} |" for row in result.cutoffs),
            "",
        ]
    return lines


def _markdown_stance(result: EvalResult) -> list[str]:
    m, ci = result.metrics, result.intervals
    lines = [
        "## Stance",
        "",
        "| metric | value [95% CI] |",
        "|---|---|",
        f"| macro-F1 (favor, against, none) | {_interval(ci['macro_f1'])} |",
        f"| F_avg (mean F1 of favor and against, SemEval-2016) | {_interval(ci['f_avg'])} |",
        f"| accuracy | {_fmt(m['accuracy'])} |",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label, c in m["per_class"].items():
        lines.append(f"| {label} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {_fmt(c['f1'])} | {c['support']:,} |")
    labels = m["labels"]
    lines += ["", "Confusion matrix (rows: true, columns: predicted):", "", "| true \\ predicted | " + " | ".join(labels) + " |"]
    lines.append("|---" * (len(labels) + 1) + "|")
    for label, row in zip(labels, m["confusion"]):
        lines.append(f"| {label} | " + " | ".join(f"{v:,}" for v in row) + " |")
    return lines + [""]


def _markdown_baselines(result: EvalResult) -> list[str]:
    if not result.baselines:
        return []
    headline = HEADLINE[result.task]
    lines = ["## Baselines", ""]
    if result.task == "toxicity":
        lines += [
            "| system | ROC-AUC [95% CI] | AP | F1 at its threshold | ECE | model − system, AUC [95% CI] |",
            "|---|---|---|---|---|---|",
            f"| **model** | {_interval(result.intervals[headline])} | {_fmt(result.metrics['average_precision'])} | "
            f"{_fmt(result.metrics['at_model_threshold']['f1'])} | {_fmt(result.metrics['ece'])} | |",
        ]
        for b in result.baselines:
            lines.append(
                f"| {b.name} | {_interval(b.headline)} | {_fmt(b.metrics['average_precision'])} | "
                f"{_fmt(b.metrics['at_model_threshold']['f1'])} | {_fmt(b.metrics['ece'])} | {_interval(b.model_minus_baseline)} |"
            )
    else:
        lines += [
            "| system | macro-F1 [95% CI] | F_avg | accuracy | model − system, macro-F1 [95% CI] |",
            "|---|---|---|---|---|",
            f"| **model** | {_interval(result.intervals[headline])} | {_fmt(result.metrics['f_avg'])} | "
            f"{_fmt(result.metrics['accuracy'])} | |",
        ]
        for b in result.baselines:
            lines.append(
                f"| {b.name} | {_interval(b.headline)} | {_fmt(b.metrics['f_avg'])} | {_fmt(b.metrics['accuracy'])} | "
                f"{_interval(b.model_minus_baseline)} |"
            )
    lines += [""] + [f"- **{b.name}**: {b.description}." for b in result.baselines]
    if result.baseline_train:
        trained_on = ", ".join(f"`{s.path}` ({s.rows:,} rows)" for s in result.baseline_train)
        dropped = len(result.baseline_train_dropped)
        lines.append(f"- Baseline training data: {trained_on}; {dropped:,} of those rows dropped (no text or label).")
    return lines + [""]


#: Groups listed in the Markdown report (all of them are in groups.csv and metrics.json).
REPORT_GROUPS = 15


def _markdown_groups(result: EvalResult) -> list[str]:
    if not result.groups:
        return []
    kind = "article" if result.data.groups is not None else "target"
    shown = result.groups[:REPORT_GROUPS]
    lines = [f"## Per {kind}", "", f"{len(result.groups):,} {kind}s; the {len(shown)} largest (all in `groups.csv`):", ""]
    if result.task == "toxicity":
        aucs = [g["roc_auc"] for g in result.groups if not math.isnan(g["roc_auc"])]
        if aucs:
            q1, median, q3 = np.percentile(aucs, [25, 50, 75])
            lines += [
                f"ROC-AUC within one {kind} (the {len(aucs)} with both classes): median {median:.3f}, "
                f"quartiles {q1:.3f}–{q3:.3f}.",
                "",
            ]
        lines += _markdown_within_groups(result)
        lines += [f"| {kind} | rows | positive | mean score | ROC-AUC | F1 at model threshold |", "|---|---|---|---|---|---|"]
        for g in shown:
            lines.append(
                f"| {g['group']} | {g['n']} | {g['positives']} | {_fmt(g['mean_score'])} | {_fmt(g['roc_auc'])} | "
                f"{_fmt(g['f1_at_model_threshold'])} |"
            )
    else:
        lines += [f"| {kind} | rows | favor / against / none | accuracy | macro-F1 |", "|---|---|---|---|---|"]
        for g in shown:
            lines.append(
                f"| {g['group']} | {g['n']} | {g['favor']} / {g['against']} / {g['none']} | "
                f"{_fmt(g['accuracy'])} | {_fmt(g['macro_f1'])} |"
            )
    return lines + [""]


def _markdown_within_groups(result: EvalResult) -> list[str]:
    within = result.within_groups
    if not within:
        return []
    label = "graded label" if result.data.grades is not None else "label"
    return [
        f"Pairs inside one article ({within['pairs']:,} pairs of a positive and a negative row under the same "
        f"article): ROC-AUC {_interval(within['roc_auc'])}. The pooled ROC-AUC also compares rows across articles.",
        "",
        f"How much the labels follow the article: {_fmt(within['label_share_between_groups'])} of the {label}'s "
        "variance lies between articles (ICC(1)); the mean label of the *other* rows under the same article, "
        f"used as the only score, ranks the rows with ROC-AUC {_fmt(within['group_mates_label_roc_auc'])}. "
        "A score of one comment's text can only use what its article's labels share as far as the text shows it.",
        "",
    ]
