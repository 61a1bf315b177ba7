"""PNG charts of an evaluation: reliability diagram, ROC and precision-recall curves (toxicity);
confusion matrix and per-class F1 against the baselines (stance). matplotlib with the Agg backend,
so it runs headless in CI.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.ticker import ScalarFormatter  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

MODEL_COLOR = "#1f4e79"
BASELINE_COLORS = ("#c0504d", "#9bbb59", "#8064a2", "#f79646")
DPI = 130


def write_charts(result, out: Path) -> list[str]:
    """Draw every chart of ``result`` into ``out``; returns the file names in report order."""
    if result.task == "toxicity":
        drawn = [_reliability(result, out / "reliability.png"), _roc_pr(result, out / "roc_pr.png")]
    else:
        drawn = [_confusion(result, out / "confusion.png")]
        if result.baselines:
            drawn.append(_stance_f1(result, out / "stance_f1.png"))
    return [path.name for path in drawn]


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _reliability(result, path: Path) -> Path:
    bins = [b for b in result.metrics["reliability"] if b["count"]]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(6, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 1], "hspace": 0.08}
    )
    top.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    x = [b["mean_probability"] for b in bins]
    y = [b["positive_rate"] for b in bins]
    top.plot(x, y, "o-", color=MODEL_COLOR, label=f"model (ECE {result.metrics['ece']:.3f})")
    top.set(ylim=(-0.02, 1.02), ylabel="observed share toxic",
            title=f"Reliability: {result.name} ({len(result.data):,} rows)")
    top.legend(loc="upper left", fontsize=8)
    top.grid(alpha=0.3)
    width = 1 / result.options.calibration_bins
    bottom.bar([b["lower"] for b in bins], [b["count"] for b in bins], width=width * 0.9, align="edge",
               color=MODEL_COLOR, alpha=0.7)
    bottom.axvline(result.threshold, color="black", lw=1, ls=":", label=f"model threshold {result.threshold:.2f}")
    bottom.set(yscale="log", xlim=(0, 1), ylim=(0.7, 2 * max(b["count"] for b in bins)),
               xlabel="predicted toxicity probability", ylabel="rows (log)")
    bottom.yaxis.set_major_formatter(ScalarFormatter())
    bottom.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


def _roc_pr(result, path: Path) -> Path:
    y = np.asarray(result.data.labels)
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(11, 4.8))
    systems = [("model", result.outputs, result.threshold, MODEL_COLOR, result.metrics)]
    systems += [
        (b.name, b.outputs, 0.5, color, b.metrics) for b, color in zip(result.baselines, BASELINE_COLORS)
    ]
    for name, scores, threshold, color, metrics in systems:
        lw = 2.2 if name == "model" else 1.4
        fpr, tpr, _ = roc_curve(y, scores)
        roc_ax.plot(fpr, tpr, color=color, lw=lw, label=f"{name} (AUC {metrics['roc_auc']:.3f})")
        precision, recall, _ = precision_recall_curve(y, scores)
        pr_ax.plot(recall, precision, color=color, lw=lw, drawstyle="steps-post",
                   label=f"{name} (AP {metrics['average_precision']:.3f})")
        point = metrics["at_model_threshold"]
        if name == "model":
            pr_ax.plot(point["recall"], point["precision"], "o", color=color, ms=7,
                       label=f"model at threshold {threshold:.2f}")
    roc_ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC", xlim=(0, 1), ylim=(0, 1.01))
    prevalence = y.mean()
    pr_ax.axhline(prevalence, ls="--", color="grey", lw=1, label=f"share toxic ({prevalence:.1%})")
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", xlim=(0, 1), ylim=(0, 1.01))
    for ax in (roc_ax, pr_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right" if ax is roc_ax else "best")
    fig.suptitle(f"{result.name}: {len(y):,} rows, {int(y.sum()):,} toxic", fontsize=11)
    return _save(fig, path)


def _confusion(result, path: Path) -> Path:
    labels = result.metrics["labels"]
    counts = np.asarray(result.metrics["confusion"])
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{counts[i, j]:,}\n{rates[i, j]:.0%}", ha="center", va="center", fontsize=10,
                    color="white" if rates[i, j] > 0.55 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="predicted", ylabel="true",
           title=f"{result.name}\nmacro-F1 {result.metrics['macro_f1']:.3f}, F_avg {result.metrics['f_avg']:.3f}")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    return _save(fig, path)


def _stance_f1(result, path: Path) -> Path:
    """Per-class F1 and macro-F1, model beside each baseline."""
    labels = list(result.metrics["labels"])
    columns = labels + ["macro-F1"]
    systems = [("model", result.metrics, MODEL_COLOR)]
    systems += [(b.name, b.metrics, color) for b, color in zip(result.baselines, BASELINE_COLORS)]
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for k, (name, metrics, color) in enumerate(systems):
        values = [metrics["per_class"][label]["f1"] for label in labels] + [metrics["macro_f1"]]
        positions = np.arange(len(columns)) + (k - (len(systems) - 1) / 2) * width
        bars = ax.bar(positions, values, width=width * 0.95, color=color, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    ax.set_xticks(range(len(columns)), columns)
    ax.set(ylim=(0, 1.15), ylabel="F1", title=f"{result.name}: F1 per class, model vs baselines")
    ax.legend(fontsize=8, loc="upper left", ncols=len(systems))
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)
