"""Evaluation metrics for the two tasks, plus bootstrap confidence intervals.

Toxicity is a binary score task (ROC-AUC, average precision, precision / recall / F1 at a threshold,
the F1-best threshold, expected calibration error and the reliability bins behind it). Stance is a
three-class task (favor / against / none): macro-F1 over the three classes, ``F_avg`` (the SemEval-2016
convention: the mean F1 of *favor* and *against* only, since "none" is the easy majority), per-class
precision / recall / F1 and the confusion matrix.

Rows that come in groups (comments under articles) also get the ROC-AUC of the pairs inside one
group and two measures of how much the labels follow the group.

scikit-learn computes whatever it has; only ECE, the reliability bins, the grouped measures and the
bootstrap live here.
Every function takes plain sequences or numpy arrays and returns plain Python numbers (one per-row
array: ``others_in_group_mean``), so results go straight into JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
)

from analyzer._labels import STANCE_LABELS


ArrayLike = Sequence[float] | np.ndarray


# --- toxicity (binary score) --------------------------------------------------------------------


def _binary(y_true: ArrayLike) -> np.ndarray:
    y = np.asarray(y_true)
    if not np.isin(y, (0, 1)).all():
        raise ValueError("binary labels must be 0/1 (or booleans)")
    return y.astype(int)


def _has_both_classes(y: np.ndarray) -> bool:
    return 0 < int(y.sum()) < len(y)


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """ROC-AUC; NaN when only one class is present (the AUC is undefined, not 0.5)."""
    y = _binary(y_true)
    return float(roc_auc_score(y, scores)) if _has_both_classes(y) else math.nan


def average_precision(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Average precision (area under the step precision-recall curve); NaN without positives."""
    y = _binary(y_true)
    return float(average_precision_score(y, scores)) if y.sum() > 0 else math.nan


@dataclass(frozen=True)
class ThresholdMetrics:
    """Precision / recall / F1 of ``score >= threshold`` as the positive prediction."""

    threshold: float
    precision: float
    recall: float
    f1: float
    predicted_positive: int


def at_threshold(y_true: ArrayLike, scores: ArrayLike, threshold: float) -> ThresholdMetrics:
    y = _binary(y_true)
    predicted = (np.asarray(scores) >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, predicted, average="binary", zero_division=0
    )
    return ThresholdMetrics(float(threshold), float(precision), float(recall), float(f1), int(predicted.sum()))


def best_f1_threshold(y_true: ArrayLike, scores: ArrayLike) -> ThresholdMetrics:
    """The threshold with the highest F1 on these labels (an optimistic, in-sample number)."""
    y = _binary(y_true)
    if y.sum() == 0:
        return at_threshold(y, scores, math.inf)
    precision, recall, thresholds = precision_recall_curve(y, scores)
    # The last precision/recall pair has no threshold (it is the "predict nothing" end point).
    denominator = precision[:-1] + recall[:-1]
    f1 = np.divide(2 * precision[:-1] * recall[:-1], denominator, out=np.zeros_like(denominator), where=denominator > 0)
    return at_threshold(y, scores, float(thresholds[int(np.argmax(f1))]))


@dataclass(frozen=True)
class ReliabilityBin:
    """One equal-width probability bin of a reliability diagram."""

    lower: float
    upper: float
    count: int
    mean_probability: float  # NaN when the bin is empty
    positive_rate: float  # NaN when the bin is empty


def reliability_bins(y_true: ArrayLike, probabilities: ArrayLike, n_bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1]; a probability of exactly 1.0 falls into the last bin."""
    y = _binary(y_true)
    p = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    index = np.minimum((p * n_bins).astype(int), n_bins - 1)
    bins = []
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        bins.append(
            ReliabilityBin(
                lower=b / n_bins,
                upper=(b + 1) / n_bins,
                count=count,
                mean_probability=float(p[members].mean()) if count else math.nan,
                positive_rate=float(y[members].mean()) if count else math.nan,
            )
        )
    return bins


def expected_calibration_error(y_true: ArrayLike, probabilities: ArrayLike, n_bins: int = 10) -> float:
    """ECE = Σ_bins (n_bin / n) · |positive rate − mean predicted probability| (equal-width bins)."""
    bins = reliability_bins(y_true, probabilities, n_bins)
    total = sum(b.count for b in bins)
    return float(
        sum(b.count / total * abs(b.positive_rate - b.mean_probability) for b in bins if b.count)
    )


def toxicity_metrics(y_true: ArrayLike, scores: ArrayLike, threshold: float, n_bins: int = 10) -> dict:
    """Every toxicity number of a report, as a JSON-ready dict."""
    y = _binary(y_true)
    return {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "roc_auc": roc_auc(y, scores),
        "average_precision": average_precision(y, scores),
        "at_model_threshold": asdict(at_threshold(y, scores, threshold)),
        "at_best_threshold": asdict(best_f1_threshold(y, scores)),
        "ece": expected_calibration_error(y, scores, n_bins),
        "reliability": [asdict(b) for b in reliability_bins(y, scores, n_bins)],
    }


# --- rows in groups (comments under articles) ----------------------------------------------------


def within_group_roc_auc(y_true: ArrayLike, scores: ArrayLike, groups: ArrayLike | Sequence[str]) -> float:
    """ROC-AUC over the (positive, negative) pairs that share a group, ties counting half.

    It asks how well comments are ranked under their own article, whatever the article's general
    level: each group weighs by its number of such pairs (a stratified Mann-Whitney statistic). NaN
    when no group holds both classes.
    """
    frame = pd.DataFrame({"group": np.asarray(groups), "y": _binary(y_true), "score": np.asarray(scores, dtype=float)})
    frame["rank"] = frame.groupby("group")["score"].rank()
    positives = frame.groupby("group")["y"].sum()
    pairs = within_group_pairs(frame["y"], frame["group"])
    if pairs == 0:
        return math.nan
    # Mann-Whitney U of a group: the positives' rank sum minus the ranks they would have among themselves.
    rank_sums = frame[frame["y"] == 1].groupby("group")["rank"].sum()
    wins = rank_sums.sum() - float((positives * (positives + 1) / 2).sum())
    return float(wins / pairs)


def within_group_pairs(y_true: ArrayLike, groups: ArrayLike | Sequence[str]) -> int:
    """How many (positive, negative) pairs share a group."""
    frame = pd.DataFrame({"group": np.asarray(groups), "y": _binary(y_true)})
    per_group = frame.groupby("group")["y"].agg(["sum", "size"])
    return int((per_group["sum"] * (per_group["size"] - per_group["sum"])).sum())


def between_group_share(values: ArrayLike, groups: ArrayLike | Sequence[str]) -> float:
    """ICC(1): the share of the variance of ``values`` that lies between groups (one-way ANOVA
    estimator for groups of unequal size). 0: the group says nothing of a row's value (sampling can
    take the estimate below 0); 1: rows vary only between groups. NaN with fewer than two groups, a
    group per row, or no spread at all."""
    frame = pd.DataFrame({"group": np.asarray(groups), "value": np.asarray(values, dtype=float)})
    sizes = frame.groupby("group")["value"].size()
    means = frame.groupby("group")["value"].mean()
    n, k = len(frame), len(sizes)
    if k < 2 or n <= k:
        return math.nan
    between = float((sizes * (means - frame["value"].mean()) ** 2).sum() / (k - 1))
    within = float(((frame["value"] - frame["group"].map(means)) ** 2).sum() / (n - k))
    typical_size = (n - float((sizes**2).sum()) / n) / (k - 1)
    denominator = between + (typical_size - 1) * within
    return (between - within) / denominator if denominator > 0 else math.nan


def others_in_group_mean(values: ArrayLike, groups: ArrayLike | Sequence[str]) -> np.ndarray:
    """Per row, the mean value of the other rows of its group (the overall mean for a row alone in
    its group): what the row's neighbours say, without the row itself."""
    frame = pd.DataFrame({"group": np.asarray(groups), "value": np.asarray(values, dtype=float)})
    total = frame.groupby("group")["value"].transform("sum")
    size = frame.groupby("group")["value"].transform("size")
    others = (total - frame["value"]) / (size - 1).where(size > 1)
    return others.fillna(frame["value"].mean()).to_numpy()


# --- stance (three classes) ---------------------------------------------------------------------


def _per_class(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), zero_division=0
    )
    return {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = STANCE_LABELS) -> float:
    """Unweighted mean F1 over ``labels`` (a class absent from both truth and predictions scores 0)."""
    return float(np.mean([c["f1"] for c in _per_class(y_true, y_pred, labels).values()]))


def f_avg(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """SemEval-2016 Task 6 ``F_avg``: the mean of the favor and against F1 ("none" is left out)."""
    per_class = _per_class(y_true, y_pred, ("favor", "against"))
    return float((per_class["favor"]["f1"] + per_class["against"]["f1"]) / 2)


def stance_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] = STANCE_LABELS) -> dict:
    """Every stance number of a report; the confusion matrix has true labels as rows."""
    per_class = _per_class(y_true, y_pred, labels)
    return {
        "n": len(y_true),
        "macro_f1": float(np.mean([c["f1"] for c in per_class.values()])),
        "f_avg": f_avg(y_true, y_pred),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else math.nan,
        "per_class": per_class,
        "labels": list(labels),
        "confusion": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist(),
    }


# --- bootstrap ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval around a point estimate."""

    estimate: float
    low: float
    high: float
    confidence: float
    resamples: int


def bootstrap_ci(
    metric: Callable[..., float],
    *columns: ArrayLike | Sequence[str],
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    clusters: ArrayLike | Sequence[str] | None = None,
) -> Interval:
    """Percentile bootstrap: ``metric(*columns)`` recomputed on resampled rows.

    All columns are resampled with the same row indices. With ``clusters`` (one id per row, e.g. the
    article), whole clusters are drawn with replacement and bring all their rows: comments under one
    article are alike, so resampling them one by one would make the interval too narrow. Resamples
    where the metric is undefined (NaN, e.g. an AUC drawn without positives) are left out of the
    percentiles. Deterministic for a given ``seed``.
    """
    arrays = [np.asarray(column) for column in columns]
    estimate = float(metric(*arrays))
    rng = np.random.default_rng(seed)
    resamples = _resampled_indices(len(arrays[0]), clusters, n_resamples, rng)
    values = np.array([metric(*(a[idx] for a in arrays)) for idx in resamples])
    values = values[~np.isnan(values)]
    if not len(values):
        return Interval(estimate, math.nan, math.nan, confidence, n_resamples)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high), confidence, n_resamples)


def _resampled_indices(n: int, clusters: ArrayLike | Sequence[str] | None, n_resamples: int, rng: np.random.Generator):
    """Row indices of each bootstrap resample: ``n`` rows, or as many clusters as there are, drawn with replacement."""
    if clusters is None:
        yield from rng.integers(0, n, size=(n_resamples, n))
        return
    _, cluster_of_row = np.unique(np.asarray(clusters), return_inverse=True)
    rows_of_cluster = [np.flatnonzero(cluster_of_row == c) for c in range(cluster_of_row.max() + 1)]
    for drawn in rng.integers(0, len(rows_of_cluster), size=(n_resamples, len(rows_of_cluster))):
        yield np.concatenate([rows_of_cluster[c] for c in drawn])
