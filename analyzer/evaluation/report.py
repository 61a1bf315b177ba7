"""Writing an evaluation's report: ``metrics.json``, ``report.md``, ``groups.csv`` and the charts.

``write_report`` takes the ``EvalResult`` of ``analyzer.evaluation.evaluate.evaluate``; the Markdown is
built section by section (setup, the task's metrics, baselines, groups). Also here: how numbers and
intervals are written, shared with the terminal summary and the JSON (``json_safe``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analyzer.evaluation.metrics import Interval

if TYPE_CHECKING:
    from analyzer.evaluation.evaluate import EvalResult


def json_safe(value):
    """NaN is not JSON: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


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


def format_interval(interval: Interval) -> str:
    """"0.812 [0.790, 0.833]": the estimate and its interval, as the report and the terminal show them."""
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
    if result.bootstrap_resampled == "row":
        return "of the rows"
    return f"of the {len(set(result.data.groups)):,} groups, each drawn whole with its rows"


def _markdown_setup(result: EvalResult) -> list[str]:
    m = result.model
    confidence = round(result.options.confidence * 100)
    lines = [
        f"Task **{result.task}**, model **{m['name']} {m['version']}** (`{m['path']}`), "
        + (f"each row read to its first {m['max_tokens']} tokens (`--max-tokens`), " if m.get("max_tokens") else "")
        + f"{len(result.data):,} rows scored, {len(result.data.dropped):,} dropped. "
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
        f"| ROC-AUC | {format_interval(ci['roc_auc'])} |",
        f"| average precision | {format_interval(ci['average_precision'])} |",
        f"| F1 at the model threshold | {format_interval(ci['f1_at_model_threshold'])} |",
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
            *(f"| {_fmt(row['cutoff'], 2)} | {row['positives']:,} | {format_interval(row['roc_auc'])} |"
              for row in result.cutoffs),
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
        f"| macro-F1 (favor, against, none) | {format_interval(ci['macro_f1'])} |",
        f"| F_avg (mean F1 of favor and against, SemEval-2016) | {format_interval(ci['f_avg'])} |",
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
    headline = result.headline_metric
    lines = ["## Baselines", ""]
    if result.task == "toxicity":
        lines += [
            "| system | ROC-AUC [95% CI] | AP | F1 at its threshold | ECE | model − system, AUC [95% CI] |",
            "|---|---|---|---|---|---|",
            f"| **model** | {format_interval(result.intervals[headline])} | {_fmt(result.metrics['average_precision'])} | "
            f"{_fmt(result.metrics['at_model_threshold']['f1'])} | {_fmt(result.metrics['ece'])} | |",
        ]
        for b in result.baselines:
            lines.append(
                f"| {b.name} | {format_interval(b.headline)} | {_fmt(b.metrics['average_precision'])} | "
                f"{_fmt(b.metrics['at_model_threshold']['f1'])} | {_fmt(b.metrics['ece'])} | "
                f"{format_interval(b.model_minus_baseline)} |"
            )
    else:
        lines += [
            "| system | macro-F1 [95% CI] | F_avg | accuracy | model − system, macro-F1 [95% CI] |",
            "|---|---|---|---|---|",
            f"| **model** | {format_interval(result.intervals[headline])} | {_fmt(result.metrics['f_avg'])} | "
            f"{_fmt(result.metrics['accuracy'])} | |",
        ]
        for b in result.baselines:
            lines.append(
                f"| {b.name} | {format_interval(b.headline)} | {_fmt(b.metrics['f_avg'])} | {_fmt(b.metrics['accuracy'])} | "
                f"{format_interval(b.model_minus_baseline)} |"
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
        f"article): ROC-AUC {format_interval(within['roc_auc'])}. The pooled ROC-AUC also compares rows across articles.",
        "",
        f"How much the labels follow the article: {_fmt(within['label_share_between_groups'])} of the {label}'s "
        "variance lies between articles (ICC(1)); the mean label of the *other* rows under the same article, "
        f"used as the only score, ranks the rows with ROC-AUC {_fmt(within['group_mates_label_roc_auc'])}. "
        "A score of one comment's text can only use what its article's labels share as far as the text shows it.",
        "",
    ]
