"""Evaluate a checkpoint on a labeled file: metrics with bootstrap intervals, baselines, a per-group breakdown.

``evaluate`` reads the rows (``analyzer.evaluation.loading``), scores them with the model, computes
``analyzer.evaluation.metrics`` with 95% bootstrap intervals on the headline numbers, the same numbers
for the baselines and for other checkpoints to compare with (each with the interval of the paired
difference model − system) and a per-group (article / target) breakdown. The ``EvalResult`` it returns
goes to ``analyzer.evaluation.report.write_report``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.config import EvalOptions
from analyzer.evaluation import baselines as baseline_systems
from analyzer.evaluation.loading import LabeledSet, SourceFile, display_path, load_labeled, subsample
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
from analyzer.evaluation.report import format_interval, json_safe

# --- scoring and metrics -------------------------------------------------------------------------


def predicted_outputs(
    model, task: str, texts: Sequence[str], targets: Sequence[str] | None, batch_size: int = 32,
    show_progress_bar: bool = False, contexts: Sequence[str] | None = None,
) -> np.ndarray | list[str]:
    """Calibrated toxicity probabilities (toxicity) or predicted stance labels (stance), row order.

    ``contexts`` (one per row) reach the stance of checkpoints that read context."""
    if task == "toxicity":
        predictions = model.predict(list(texts), None, batch_size=batch_size, show_progress_bar=show_progress_bar)
        return np.array([p.toxicity["toxicity"] for p in predictions])
    predictions = model.predict(
        list(texts), list(targets or []), contexts=list(contexts) if contexts is not None else None,
        batch_size=batch_size, show_progress_bar=show_progress_bar,
    )
    return [p.stance_label for p in predictions]


def model_scores(model, data: LabeledSet, batch_size: int = 32, show_progress_bar: bool = False) -> np.ndarray | list[str]:
    return predicted_outputs(model, data.task, data.texts, data.targets, batch_size, show_progress_bar, data.contexts)


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


def checkpoint_system(
    model, task: str, batch_size: int, taken: set[str], show_progress_bar: bool = False,
    contexts: Sequence[str] | None = None,
):
    """Another checkpoint (say, the shipped model next to a fine-tune of it) as a system scored on the
    same rows, toxicity at its own threshold; its name gets " #2", " #3" … when a name in ``taken``
    (the evaluated model's, another system's) has it."""
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
        lambda texts, targets: predicted_outputs(model, task, texts, targets, batch_size, show_progress_bar, contexts),
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

    @property
    def headline_metric(self) -> str:
        """The name of the task's one headline number (``HEADLINE``)."""
        return HEADLINE[self.task]

    @property
    def bootstrap_resampled(self) -> str:
        """What one bootstrap draw picked: "group" or "row" (see ``_resampling_unit``)."""
        return _resampling_unit(self.data, self.options)

    def summary_lines(self) -> list[str]:
        """A few lines for the terminal: rows, the headline numbers, each baseline's."""
        lines = [f"{self.name}: {len(self.data):,} rows scored, {len(self.data.dropped):,} dropped"]
        lines += [f"  {name}: {format_interval(ci)}" for name, ci in self.intervals.items()]
        lines += [f"  baseline {b.name}: {self.headline_metric} {format_interval(b.headline)}" for b in self.baselines]
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
                "bootstrap_resampled": self.bootstrap_resampled,
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


def describe_model(model) -> dict[str, Any]:
    """The report's model line; the backend too, since the int8 ONNX network scores a little differently
    from the float torch one (``eval/bench_speed.py`` measures how much)."""
    return {
        "name": model.name,
        "version": model.version,
        "path": display_path(model.path) if getattr(model, "path", None) else "built in memory",
        "toxicity_threshold": model.toxicity_threshold,
        "backend": getattr(model, "backend", "torch"),
        # --max-tokens: each row read to its first this-many tokens (None: whole)
        "max_tokens": getattr(model, "max_tokens", None),
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
    train = None
    if with_baselines and baseline_train_paths:
        # The baseline never trains on the evaluated groups: with --split validation it gets the rest.
        train = load_labeled(
            baseline_train_paths, task, options, keep_validation=False if keep_validation else None, apply_where=False
        )
    systems = build_baselines(task, train, data) if with_baselines else []
    result = evaluate_rows(
        model, data, options, name=name or default_name(task, data_paths), systems=systems, compare_with=compare_with,
        command=command, show_progress_bar=show_progress_bar,
    )
    result.baseline_train = train.sources if train else []
    result.baseline_train_dropped = train.dropped if train else []
    return result


def evaluate_rows(
    model,
    data: LabeledSet,
    options: EvalOptions = EvalOptions(),
    *,
    name: str,
    systems: Sequence[Any] = (),
    compare_with: Sequence[Any] = (),
    command: str | None = None,
    show_progress_bar: bool = False,
) -> EvalResult:
    """``evaluate`` on rows already loaded (say, a corpus read by its own loader): the model's numbers,
    each of ``systems`` (baselines) and ``compare_with`` (other checkpoints) with its paired difference."""
    outputs = model_scores(model, data, options.batch_size, show_progress_bar)
    threshold = model.toxicity_threshold
    systems = list(systems)
    for other in compare_with:
        # A compared checkpoint named like the evaluated one (a variant that kept its recipe's name) gets " #2".
        taken = {f"{model.name} {model.version}"} | {s.name for s in systems}
        systems.append(checkpoint_system(other, data.task, options.batch_size, taken, show_progress_bar, data.contexts))
    return EvalResult(
        task=data.task,
        name=name,
        model=describe_model(model),
        data=data,
        outputs=outputs,
        threshold=threshold,
        metrics=task_metrics(data, outputs, threshold, options),
        intervals=intervals(data, outputs, threshold, options),
        groups=group_breakdown(data, outputs, threshold),
        baselines=[run_baseline(system, data, outputs, options) for system in systems],
        options=options,
        cutoffs=cutoff_breakdown(data, outputs, options),
        within_groups=within_groups(data, outputs, options),
        command=command,
    )


def default_name(task: str, data_paths: Sequence[str | Path]) -> str:
    return f"{Path(data_paths[0]).stem}-{task}"
