"""Stance on the held-out rows of every stance source, per dataset, with intervals: ``python -m eval.stance_sets``.

    python -m eval.stance_sets [--model DIR] [--compare DIR|shipped ...] [--backend auto|torch|...]

Writes ``reports/eval/stance-sets/report.md`` and ``metrics.json``. Each set is scored by the model
(default: the shipped one) and by each ``--compare`` checkpoint, on the same rows, as ``analyzer eval``
scores a file (``analyzer.evaluation.evaluate_rows``): macro-F1 and F_avg (mean F1 of favor and against)
with 95% bootstrap intervals, and the paired interval of model − checkpoint, so a difference inside the
rows' noise reads as such. Rows are drawn singly: several sets have too few groups to resample (three
politicians, one merger, eight topics), so the intervals say nothing about other targets.

The sets are the validation rows training never drew (``training.stance_sources``,
``training.corpora``); test splits are never read. The NK-talks check threads are scored twice:
with their post titles as context (as a dump is scored) and bare: what the context buys.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from analyzer.config import EvalOptions, ScoreOptions
from analyzer.evaluation import EvalResult, LabeledSet, evaluate_rows, json_safe, subsample
from analyzer.evaluation.report import format_interval
from analyzer.finetune.examples import Example
from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES, Model, load_model
from eval.bench_speed import invoked_command, log_to_stderr, write_report_folder
from eval.gate import SHARED
from training import corpora, stance_sources
from training.recipe import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / "reports" / "eval" / "stance-sets"
NK_LABELS = PROJECT_ROOT / "training" / "labels" / "nk_talks_stance.csv"
#: Larger sets are cut to a fixed-seed sample of this many rows (CPU time); intervals say what that costs.
MAX_ROWS = 1500
SEED = 13


def _nk_check(data: Path) -> list[Example]:
    return corpora.nk_talks(data, NK_LABELS, TOXICITY_ATTRIBUTES)[1]


#: set name → (what it is, its rows, whether the contexts are read).
SETS: dict[str, tuple[str, Callable[[Path], list[Example]], bool]] = {
    "vast-zero-shot": ("VAST dev, topics unseen in training (`seen? == 0`)",
                       lambda data: corpora.vast(data, TOXICITY_ATTRIBUTES)[1], False),
    "nk-check": ("NK-talks check threads (labels v2), post title as context", _nk_check, True),
    "nk-check-bare": ("the same comments without their titles", _nk_check, False),
    "pstance-val": ("P-Stance validation tweets (favor / against only)",
                    lambda data: stance_sources.pstance(data, TOXICITY_ATTRIBUTES)[1], False),
    "ukp-val": ("UKP sentences, the authors' validation rows (on-topic none)",
                lambda data: stance_sources.ukp(data, TOXICITY_ATTRIBUTES)[1], False),
    "wtwt-heldout-merger": (f"WT-WT tweets on {stance_sources.WTWT_TARGETS[stance_sources.VALIDATION_MERGER]}, "
                            "a merger training never saw", lambda data: stance_sources.wtwt(data, TOXICITY_ATTRIBUTES)[1],
                            False),
    "perspectrum-dev": ("Perspectrum dev claims (favor / against only)",
                        lambda data: stance_sources.perspectrum(data, TOXICITY_ATTRIBUTES)[1], False),
}


def labeled_set(examples: Sequence[Example], with_context: bool) -> LabeledSet:
    return LabeledSet(
        "stance",
        texts=[e.text for e in examples],
        labels=[STANCE_LABELS[e.stance] for e in examples],
        targets=[e.target or "" for e in examples],
        groups=[e.group for e in examples],
        contexts=[e.context or "" for e in examples] if with_context else None,
    )


def measure(model: Model, others: Sequence[Model], data: Path, options: EvalOptions, log) -> dict[str, EvalResult]:
    results = {}
    for name, (_, rows, with_context) in SETS.items():
        examples = rows(data)
        if not examples:
            log(f"{name}: no rows (labels or data absent), skipped")
            continue
        evaluated = subsample(labeled_set(examples, with_context), MAX_ROWS, SEED)
        log(f"{name}: {len(evaluated)} rows")
        results[name] = evaluate_rows(model, evaluated, options, name=name, compare_with=others)
    return results


def render_markdown(results: dict[str, EvalResult], command: str) -> str:
    first = next(iter(results.values()))
    names = [f"{first.model['name']} {first.model['version']}"] + [b.name for b in first.baselines]
    lines = [
        "# Stance per dataset",
        "",
        f"Reproduce: `{command}`. Rows: each set's held-out rows (at most {MAX_ROWS}, fixed-seed sample); "
        "95% bootstrap intervals over rows (the sets have too few targets to resample them). F_avg = mean F1 of "
        "favor and against. The last column is the paired interval of the first model minus the other: "
        "an interval that holds 0 is a difference within the rows' noise.",
        "",
        "| set | rows | " + " | ".join(f"{n}: macro-F1 / F_avg" for n in names)
        + "".join(f" | {names[0]} − {n}, macro-F1" for n in names[1:]) + " |",
        "|---|---" + "|---" * (len(names) + len(names) - 1) + "|",
    ]
    for name, result in results.items():
        cells = [f"{name} ({SETS[name][0]})", f"{len(result.data):,}"]
        model_cell = (f"{format_interval(result.intervals['macro_f1'])} / "
                      f"{format_interval(result.intervals['f_avg'])}")
        cells.append(model_cell)
        for baseline in result.baselines:
            cells.append(f"{format_interval(baseline.headline)} / {baseline.metrics['f_avg']:.3f}")
        cells += [format_interval(b.model_minus_baseline) for b in result.baselines]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Predicted share of \"none\" against the labels' share:", "",
              "| set | labels | " + " | ".join(names) + " |", "|---|---" + "|---" * len(names) + "|"]
    for name, result in results.items():
        gold = sum(label == "none" for label in result.data.labels) / len(result.data)
        shares = [sum(o == "none" for o in result.outputs) / len(result.data)]
        shares += [sum(o == "none" for o in b.outputs) / len(result.data) for b in result.baselines]
        lines.append(f"| {name} | {gold:.0%} | " + " | ".join(f"{s:.0%}" for s in shares) + " |")
    return "\n".join(lines) + "\n"


def to_json(results: dict[str, EvalResult]) -> dict[str, Any]:
    return json_safe({
        name: {
            "description": SETS[name][0],
            "rows": len(result.data),
            "model": result.model,
            "metrics": result.metrics,
            "intervals": {k: asdict(v) for k, v in result.intervals.items()},
            "compared": {b.name: {"metrics": b.metrics, "headline": asdict(b.headline),
                                  "model_minus_checkpoint": asdict(b.model_minus_baseline)} for b in result.baselines},
        }
        for name, result in results.items()
    })


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.stance_sets", description=__doc__.splitlines()[0])
    parser.add_argument("--model", metavar="DIR", help="the checkpoint measured (default: the shipped model)")
    parser.add_argument("--compare", nargs="*", default=[], metavar="DIR",
                        help="checkpoints scored on the same rows ('shipped': the shipped model)")
    parser.add_argument("--backend", default=ScoreOptions.backend, help="as `analyzer score --backend`")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data = SHARED / "data"
    if not data.is_dir():
        print(f"error: {data} is absent: the stance sets live in ../shared", file=sys.stderr)
        return 1
    model = load_model(args.model, backend=args.backend)
    others = [load_model(None if folder == "shipped" else folder, backend=args.backend) for folder in args.compare]
    options = EvalOptions(bootstrap_resamples=args.bootstrap, seed=SEED, bootstrap_unit="row")
    results = measure(model, others, data, options, log_to_stderr)
    markdown = render_markdown(results, invoked_command("eval.stance_sets", argv))
    write_report_folder(args.out, to_json(results), markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
