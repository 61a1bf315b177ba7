"""What ``python -m analyzer eval`` runs: labeled rows → metrics with intervals, baselines, a report.

One job per module, in the order an evaluation runs:

- ``loading``: read labeled CSV / JSONL / Parquet files into a ``LabeledSet`` (columns, labels, filters);
- ``evaluate``: score the rows, compute the metrics with bootstrap intervals, the baselines and the
  per-group breakdown into an ``EvalResult``;
- ``report``: write ``metrics.json``, ``report.md``, ``groups.csv`` and the charts (``charts``);
- ``metrics``: the metric functions themselves (also used by training); ``baselines``: the systems
  the model is compared with.
"""

from analyzer.evaluation.evaluate import EvalResult, default_name, evaluate, evaluate_rows, model_scores
from analyzer.evaluation.loading import (
    NAMED_LABEL_MAPS,
    EvalError,
    LabeledSet,
    load_labeled,
    parse_label_map,
    subsample,
)
from analyzer.evaluation.report import json_safe, write_report

__all__ = [
    "NAMED_LABEL_MAPS",
    "EvalError",
    "EvalResult",
    "LabeledSet",
    "default_name",
    "evaluate",
    "evaluate_rows",
    "json_safe",
    "load_labeled",
    "model_scores",
    "parse_label_map",
    "subsample",
    "write_report",
]
