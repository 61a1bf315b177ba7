"""Toxicity on the rows the shipped recipe did not train on: ``python -m eval.heldout``.

The recipe draws some rows from each extra toxicity source (Civil Comments toxic spans, OLID, Davidson,
CAT, ToxiGen, Impermium, Jigsaw; ``training.recipe.toxicity_draws``) and leaves the rest unused. Those rest
rows are other outlets and platforms than C3's Globe and Mail, so they say how the model carries over: per
source, ROC-AUC of each attribute the source labels (positive: the source's target >= 0.5, e.g. a majority
of its annotators), and for ``toxicity`` the macro-F1 of flagging at the model's own threshold (what a user
of the default settings gets; OffensEval's measure) beside the best macro-F1 any threshold reaches on these
rows (an in-sample ceiling). Rows whose text was also drawn for training or for validation are left out. Intervals: 95% percentile bootstrap over rows. ToxiGen's unused statements are
about the same 16 groups as its trained ones, so they measure new wordings more than new targets.

Writes ``reports/eval/heldout-sources/`` (``report.md``, ``metrics.json``), as ``analyzer eval`` does; reads ``../shared/data`` (nothing is copied).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from analyzer.config import EVAL_REPORTS_DIR
from analyzer.evaluation.baselines import ToxicityBaseline, profanity_check_baseline
from analyzer.evaluation.metrics import bootstrap_ci, roc_auc
from analyzer.finetune.examples import Example
from analyzer.model import TOXICITY_ATTRIBUTES, Model, load_model
from eval.bench_speed import invoked_command, write_report_folder
from training import corpora
from training.recipe import PROJECT_ROOT, toxicity_draws

RECIPE = Path("training/recipes/default.toml")
SCORED_ATTRIBUTES = ("toxicity", "insult", "identity_attack", "obscene", "threat")
#: Unused rows scored per source (a fixed-seed sample; CPU time).
ROWS_PER_SOURCE = 1500
SEED = 0
#: What each source's positives are, in words, for the report.
POSITIVES = {
    "civil_comments_spans": "most annotators did not mark it \"not toxic\" (all rows were picked as likely toxic)",
    "olid": "offensive (OFF); identity attack: targeted at a group (GRP)",
    "davidson": "most coders said hate or offensive; identity attack: most said hate",
    "cat_wikipedia": "toxic by majority, judged in context",
    "toxigen": "hateful statement about a group (implicit, slur-free); identity attack: the same",
    "impermium": "insults a participant of the conversation (its one label, about `insult`)",
    "jigsaw": "toxic; the other attributes by their own labels (Wikipedia talk, a class-balanced subset)",
}


def not_drawn(spec: dict[str, Any], data: Path) -> dict[str, list[Example]]:
    """Per extra toxicity source that the recipe's ``[data]`` ``spec`` names: every example whose text
    the recipe did not draw for training (``data``: the folder of the public corpora)."""
    # C3 is left out here: its validation articles are measured by `analyzer eval` (reports/eval/c3-*).
    unused = {}
    for name, (examples, drawn, validation) in toxicity_draws(spec, data).items():
        trained_texts = {e.text for e in (*drawn, *validation)}
        unused[name] = [e for e in examples if e.text not in trained_texts]
    return unused


def unused_rows(recipe_path: Path, rows_per_source: int, seed: int) -> dict[str, list[Example]]:
    """Per extra toxicity source: a fixed-seed sample of the rows the recipe did not draw for training."""
    spec = tomllib.loads(recipe_path.read_text(encoding="utf-8"))["data"]
    data = (PROJECT_ROOT / spec["shared"]).resolve()
    return {name: corpora.sample(rest, rows_per_source, seed) for name, rest in not_drawn(spec, data).items()}


def _auc_entry(targets: np.ndarray, scores: np.ndarray, resamples: int, seed: int) -> dict[str, Any] | None:
    """ROC-AUC of ``scores`` on the rows whose target is known (positive: target >= 0.5); None if none is."""
    labelled = ~np.isnan(targets)
    if not labelled.any():
        return None
    labels = (targets[labelled] >= 0.5).astype(int)
    return {
        "rows": int(labelled.sum()),
        "positives": int(labels.sum()),
        "roc_auc": asdict(bootstrap_ci(roc_auc, labels, scores[labelled], n_resamples=resamples, seed=seed)),
    }


def macro_f1_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Macro-F1 over both classes of flagging ``scores >= threshold``."""
    return float(f1_score(labels, scores >= threshold, average="macro", zero_division=0))


def _threshold_entry(targets: np.ndarray, scores: np.ndarray, threshold: float, resamples: int,
                     seed: int) -> dict[str, Any] | None:
    """Macro-F1 at ``threshold`` with its interval, and the best macro-F1 over the scores' percentiles."""
    labelled = ~np.isnan(targets)
    labels = (targets[labelled] >= 0.5).astype(int)
    if labels.min(initial=1) == labels.max(initial=0):  # one class (or no rows): macro-F1 says nothing
        return None
    scores = scores[labelled]
    candidates = np.unique(np.percentile(scores, np.linspace(1, 99, 99)))
    best = max(candidates, key=lambda t: macro_f1_at(labels, scores, t))
    return {
        "threshold": threshold,
        "macro_f1": asdict(bootstrap_ci(lambda y, s: macro_f1_at(y, s, threshold), labels, scores,
                                        n_resamples=resamples, seed=seed)),
        "flagged": int((scores >= threshold).sum()),
        "best_threshold": float(best),
        "best_macro_f1": macro_f1_at(labels, scores, best),
    }


def _paired_auc_entry(targets: np.ndarray, scores: np.ndarray, other: np.ndarray, resamples: int,
                      seed: int) -> dict[str, Any] | None:
    """ROC-AUC of ``scores`` minus that of ``other`` on the same rows, with a paired bootstrap interval (both
    models' scores resampled with the same row indices); None when the labelled rows hold one class."""
    labelled = ~np.isnan(targets)
    labels = (targets[labelled] >= 0.5).astype(int)
    if labels.min(initial=1) == labels.max(initial=0):
        return None
    difference = lambda y, a, b: roc_auc(y, a) - roc_auc(y, b)  # noqa: E731
    return asdict(bootstrap_ci(difference, labels, scores[labelled], other[labelled], n_resamples=resamples, seed=seed))


def score_source(
    model: Model, examples: list[Example], batch_size: int, resamples: int, seed: int,
    baseline: ToxicityBaseline | None = None, compared: Model | None = None,
) -> dict[str, Any]:
    """The model's AUC of each of ``SCORED_ATTRIBUTES`` on one source (and ``baseline``'s toxicity AUC); with
    ``compared``, the paired difference of each AUC against that model on the same rows (``paired``)."""
    texts = [e.text for e in examples]
    predictions = model.predict(texts, batch_size=batch_size)
    others = compared.predict(texts, batch_size=batch_size) if compared is not None else None
    target = {a: np.array([e.toxicity[TOXICITY_ATTRIBUTES.index(a)] for e in examples]) for a in SCORED_ATTRIBUTES}
    result: dict[str, Any] = {"rows": len(examples)}
    for attribute in SCORED_ATTRIBUTES:
        if attribute not in model.attributes:  # an older checkpoint
            result[attribute] = None
            continue
        scores = np.array([p.toxicity[attribute] for p in predictions])
        result[attribute] = _auc_entry(target[attribute], scores, resamples, seed)
        if attribute == "toxicity" and result[attribute] is not None:
            result["toxicity_flagging"] = _threshold_entry(
                target[attribute], scores, model.toxicity_threshold, resamples, seed)
        if others is not None and attribute in compared.attributes and result[attribute] is not None:
            other = np.array([p.toxicity[attribute] for p in others])
            result.setdefault("paired", {})[attribute] = _paired_auc_entry(target[attribute], scores, other,
                                                                          resamples, seed)
    if baseline is not None:
        result["baseline_toxicity"] = _auc_entry(target["toxicity"], baseline.score(texts), resamples, seed)
    return result


def _auc_cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "–"
    ci = entry["roc_auc"]
    if np.isnan(ci["estimate"]):
        return f"n/a ({entry['positives']:,} of {entry['rows']:,} positive)"
    return (f"{ci['estimate']:.3f} [{ci['low']:.3f}, {ci['high']:.3f}] "
            f"({entry['positives']:,} of {entry['rows']:,} positive)")


def _flagging_cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "–"
    ci = entry["macro_f1"]
    return (f"{ci['estimate']:.3f} [{ci['low']:.3f}, {ci['high']:.3f}] at {entry['threshold']:.3f} "
            f"({entry['flagged']:,} flagged); best {entry['best_macro_f1']:.3f} at {entry['best_threshold']:.3f}")


def _difference_cell(interval: dict[str, Any] | None) -> str:
    if interval is None or np.isnan(interval["estimate"]):
        return "–"
    noise = " (within noise)" if interval["low"] <= 0 <= interval["high"] else ""
    return f"{interval['estimate']:+.3f} [{interval['low']:+.3f}, {interval['high']:+.3f}]{noise}"


def _paired_table(results: dict[str, Any]) -> list[str]:
    """ROC-AUC of the model minus that of ``--compare``'s model, per source and attribute, on the same rows."""
    lines = ["", f"Paired against **{results['compared']}**: ROC-AUC of this model minus that one's on the same rows, "
             "with a 95% paired bootstrap interval of the difference (\"within noise\" when it holds 0).", "",
             "| source | " + " | ".join(f"{a} ROC-AUC difference" for a in SCORED_ATTRIBUTES) + " |",
             "|---|" + "---|" * len(SCORED_ATTRIBUTES)]
    for name, entry in results["sources"].items():
        paired = entry.get("paired", {})
        lines.append(f"| {name} | " + " | ".join(_difference_cell(paired.get(a)) for a in SCORED_ATTRIBUTES) + " |")
    return lines


def render_markdown(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Toxicity on the rows the recipe did not train on",
        "",
        f"Model **{results['model']}**; recipe `{results['recipe']}`; up to {results['rows_per_source']:,} unused rows "
        f"per source (seed {results['seed']}), rows whose text was drawn for training left out. ROC-AUC with 95% "
        f"bootstrap intervals ({results['resamples']} resamples of rows).",
        "",
        f"Reproduce: `{command}`",
        "",
        "| source | positive when | " + " | ".join(f"{a} ROC-AUC" for a in SCORED_ATTRIBUTES)
        + f" | {results['baseline']} toxicity ROC-AUC | toxicity macro-F1 at the model's threshold |",
        "|---|---|" + "---|" * (len(SCORED_ATTRIBUTES) + 2),
    ]
    for name, entry in results["sources"].items():
        cells = " | ".join(_auc_cell(entry.get(a)) for a in SCORED_ATTRIBUTES)
        lines.append(f"| {name} | {POSITIVES[name]} | {cells} | {_auc_cell(entry.get('baseline_toxicity'))} "
                     f"| {_flagging_cell(entry.get('toxicity_flagging'))} |")
    if results.get("compared"):
        lines += _paired_table(results)
    lines += ["", f"{results['baseline']}: {results['baseline_description']}; its published training data include "
              "the Davidson tweets and Wikipedia comments, so on those two sources it may have seen the rows.",
              "", "Macro-F1: the mean F1 of the two classes when a comment is flagged at calibrated toxicity >= the "
              "threshold; \"best\" is the highest over the scores' percentiles on the same rows (chosen in sample, "
              "so optimistic). The model's threshold was fitted on C3 (Globe and Mail comments, 9% toxic); a "
              "source with another base rate or definition needs its own (`python -m analyzer calibrate`)."]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.heldout", description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", type=Path, default=RECIPE, help="the recipe whose draw is left out")
    parser.add_argument("--model", metavar="DIR", help="a checkpoint folder (default: the shipped model)")
    parser.add_argument("--compare", metavar="DIR",
                        help="a second checkpoint ('shipped': the shipped model): paired AUC differences on the same rows")
    parser.add_argument("--rows", type=int, default=ROWS_PER_SOURCE, help="unused rows scored per source")
    parser.add_argument("--seed", type=int, default=SEED, help="row sampling and bootstrap seed")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, default=Path(EVAL_REPORTS_DIR) / "heldout-sources",
                        metavar="DIR", help="report folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        unused = unused_rows(args.recipe, args.rows, args.seed)
    except FileNotFoundError as error:
        print(f"{error.filename}: not found; this evaluation reads the recipe's sources from ../shared/data",
              file=sys.stderr)
        return 2
    # The committed report was measured on the float network; what int8 costs against it: eval/bench_speed.py.
    model = load_model(args.model, threads=args.threads, backend="torch")
    compared = load_model(None if args.compare == "shipped" else args.compare, threads=args.threads,
                          backend="torch") if args.compare else None
    baseline = profanity_check_baseline()
    results = {
        "model": f"{model.name} {model.version}",
        "compared": f"{compared.name} {compared.version} ({args.compare})" if compared else None,
        "baseline": baseline.name,
        "baseline_description": baseline.description,
        "recipe": str(args.recipe),
        "rows_per_source": args.rows,
        "seed": args.seed,
        "resamples": args.bootstrap,
        "sources": {name: score_source(model, rows, args.batch_size, args.bootstrap, args.seed, baseline, compared)
                    for name, rows in unused.items()},
    }
    markdown = render_markdown(results, invoked_command("eval.heldout", argv))
    write_report_folder(args.output, results, markdown)
    print(markdown, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
