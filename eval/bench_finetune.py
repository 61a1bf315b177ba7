"""How long ``python -m analyzer train`` takes on a user-sized labeled set: ``python -m eval.bench_finetune``.

Writes ``reports/benchmarks/finetune.json`` and ``finetune.md``. The job measured is the one a newsroom
runs: a few hundred comments labeled toxic / not toxic, fine-tuned from the shipped model with the
CLI's defaults, on this machine's CPU. Three scenarios, rows drawn with a fixed seed from ``../shared/data``
(nothing of them is written into the project; the CSVs live in a temporary folder):

* **c3** — an outlet the shipped model was trained on (Globe and Mail comments, positive = crowd
  toxicity level >= 2): train rows from C3 training articles, validation and test rows from its
  validation articles (``analyzer.splits.is_validation``), no article in both;
* **olid** — an outlet it has barely seen (OLID tweets, positive = offensive; the recipe drew 200 of
  its 13,240 rows): train, validation and test rows drawn apart at random.
* **civil_comments** — another outlet's news comments, all picked as likely toxic (Civil Comments
  toxic spans, positive = most annotators did not call it "not toxic"; the borderline task of
  ``eval.heldout``): rows the recipe did not draw (since 0.9.0 none are drawn), train, validation and
  test drawn apart at random.

Reported per scenario: wall and CPU time of the whole ``train`` command (loading, caching, training,
calibration, saving), its optimizer steps and the step it kept, peak RSS, and the test ROC-AUC of the
shipped model and of the fine-tuned one on the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.cli import main as analyzer_main
from analyzer.evaluation.metrics import roc_auc
from analyzer.model import TOXICITY_ATTRIBUTES, Model, load_model
from analyzer.splits import is_validation
from eval.bench_speed import OUT_DIR, cpu_seconds, invoked_command, log_to_stderr, peak_rss_mib, write_results
from eval.gate import SHARED
from eval.heldout import RECIPE, not_drawn
from training.recipe import PROJECT_ROOT, load_recipe

SEED = 0
C3_FILE = "data/c3_constructive_comments/C3_anonymized.csv"
OLID_FILE = "data/olid_offenseval2019_train/olid-training-v1.0.tsv"
CIVIL_COMMENTS_FILE = "data/civil_comments_toxic_spans/comments.csv"
TOXICITY = TOXICITY_ATTRIBUTES.index("toxicity")
#: A split of one scenario: (train rows, validation rows, test rows), columns text / label.
Sets = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def c3_sets(path: Path, rows: int, validation_rows: int, test_rows: int) -> Sets:
    """Train rows from C3 training articles; validation and test rows from its validation articles."""
    frame = pd.read_csv(path, usecols=["article_id", "comment_text", "crowd_toxicity_level"]).dropna()
    frame = pd.DataFrame({
        "article": frame["article_id"].astype(str),
        "text": frame["comment_text"],
        "label": (frame["crowd_toxicity_level"] >= 2).astype(int),
    })
    held_out = frame["article"].map(is_validation)
    train = frame[~held_out].sample(rows, random_state=SEED)
    rest = frame[held_out].sample(frac=1.0, random_state=SEED)
    return train, rest.iloc[:validation_rows], rest.iloc[validation_rows : validation_rows + test_rows]


def olid_sets(path: Path, rows: int, validation_rows: int, test_rows: int) -> Sets:
    """Disjoint random train / validation / test rows of OLID (label 1 = offensive)."""
    frame = pd.read_csv(path, sep="\t", usecols=["tweet", "subtask_a"])
    frame = pd.DataFrame({"text": frame["tweet"], "label": (frame["subtask_a"] == "OFF").astype(int)})
    frame = frame.sample(frac=1.0, random_state=SEED)
    cut = rows + validation_rows
    return frame.iloc[:rows], frame.iloc[rows:cut], frame.iloc[cut : cut + test_rows]


def civil_comments_sets(
    path: Path, rows: int, validation_rows: int, test_rows: int, recipe: Path = PROJECT_ROOT / RECIPE
) -> Sets:
    """Disjoint random rows of the Civil Comments toxic-spans set that ``recipe`` (the shipped one) did not draw
    (label 1 = toxic share >= 0.5, as in ``eval.heldout``)."""
    spec = load_recipe(recipe)["data"]
    name = "civil_comments_spans"
    rest = not_drawn({"seed": spec.get("seed", 0), name: spec[name]}, path.parents[1])[name]
    frame = pd.DataFrame([{"text": e.text, "label": int(e.toxicity[TOXICITY] >= 0.5)} for e in rest])
    frame = frame.sample(frac=1.0, random_state=SEED)
    cut = rows + validation_rows
    return frame.iloc[:rows], frame.iloc[rows:cut], frame.iloc[cut : cut + test_rows]


SCENARIOS: dict[str, tuple[str, Callable[..., Sets], str]] = {
    "c3": (C3_FILE, c3_sets, "Globe and Mail comments (C3), an outlet the shipped model was trained on"),
    "olid": (OLID_FILE, olid_sets, "tweets (OLID), an outlet the shipped model has barely seen"),
    "civil_comments": (CIVIL_COMMENTS_FILE, civil_comments_sets,
                       "another outlet's news comments picked as likely toxic (Civil Comments toxic spans)"),
}


def held_out_auc(model: Model, test: pd.DataFrame) -> float:
    scores = [p.toxicity["toxicity"] for p in model.predict(test["text"].tolist(), batch_size=32)]
    return roc_auc(test["label"].to_numpy(), scores)


def run_scenario(name: str, sets: Sets, threads: int, log) -> dict[str, Any]:
    train_rows, validation, test = sets
    with tempfile.TemporaryDirectory() as folder:
        train_csv, validation_csv, out = Path(folder) / "train.csv", Path(folder) / "validation.csv", Path(folder) / "ft"
        train_rows.to_csv(train_csv, index=False)
        validation.to_csv(validation_csv, index=False)
        log(f"{name}: shipped model on {len(test)} test rows …")
        # Both models on the float network, as the committed report was measured; int8's cost: eval/bench_speed.py.
        before = held_out_auc(load_model(threads=threads, backend="torch"), test)
        command = ["train", "--task", "toxicity", "--data", str(train_csv), "--validation", str(validation_csv),
                   "--out", str(out)]  # torch threads: set by load_model(threads=…) above
        log("python -m analyzer " + " ".join(command))
        started_wall, started_cpu = time.perf_counter(), cpu_seconds()
        if analyzer_main(command) != 0:
            raise SystemExit("the train command failed; see its message above")
        wall, cpu = time.perf_counter() - started_wall, cpu_seconds() - started_cpu
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        fine_tuned = load_model(out, threads=threads, backend="torch")
        after = held_out_auc(fine_tuned, test)
    return {
        "scenario": name, "description": SCENARIOS[name][2],
        "rows": {part: len(frame) for part, frame in zip(("train", "validation", "test"), sets)},
        "positives": {part: int(frame["label"].sum()) for part, frame in zip(("train", "validation", "test"), sets)},
        "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
        "steps": metrics["validation"].get("steps"),
        "kept_step": max(metrics["history"], key=lambda entry: entry["score"])["step"],
        "epochs": metrics["arguments"]["epochs"], "trainable_layers": metrics["arguments"]["trainable_layers"],
        "max_length": fine_tuned.max_length,
        "test_roc_auc_shipped": round(before, 4), "test_roc_auc_fine_tuned": round(after, 4),
    }


def render_markdown(results: dict[str, Any], command: str) -> str:
    first = results["scenarios"][0]
    lines = [
        "# Fine-tuning time on a user-sized labeled set",
        "",
        f"Reproduce: `{command}` (one run on a shared machine: read the minutes as an order of magnitude).",
        "",
        f"Command: `python -m analyzer train --task toxicity --data TRAIN --validation VALIDATION` with its "
        f"defaults (from the shipped model, {first['epochs']:g} epochs, top {first['trainable_layers']} layers "
        f"trained, {first['max_length']}-token windows), {results['threads']} torch threads. Test rows are "
        f"used by neither training nor model selection. Peak RSS of the whole run: "
        f"{results['peak_rss_mib']:.0f} MiB.",
        "",
        "| scenario | rows train / validation / test (toxic) | wall | CPU | steps (kept) | test ROC-AUC shipped → fine-tuned |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results["scenarios"]:
        counts = " / ".join(f"{r['rows'][p]} ({r['positives'][p]})" for p in ("train", "validation", "test"))
        lines.append(f"| {r['description']} | {counts} | {r['wall_seconds'] / 60:.1f} min | "
                     f"{r['cpu_seconds'] / 60:.1f} min | {r['steps']} ({r['kept_step']}) | "
                     f"{r['test_roc_auc_shipped']:.3f} → {r['test_roc_auc_fine_tuned']:.3f} |")
    lines += [
        "",
        "Wall time covers the whole command: loading, caching the frozen layers, training, calibrating, saving.",
        "\"kept\" is the step whose validation score won; 0 means no step beat the starting model, so its",
        "weights came back unchanged (only the calibration was refitted).",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_finetune", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300, help="labeled comments to train on (default 300)")
    parser.add_argument("--validation-rows", type=int, default=300, help="labeled comments to select the step on")
    parser.add_argument("--test-rows", type=int, default=1000, help="labeled comments to measure on")
    parser.add_argument("--scenarios", nargs="+", choices=tuple(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder with data/ (default: beside the project)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    missing = [str(args.shared / SCENARIOS[name][0]) for name in args.scenarios
               if not (args.shared / SCENARIOS[name][0]).is_file()]
    if missing:
        print(f"{', '.join(missing)}: not found; this benchmark reads its labeled rows from --shared", file=sys.stderr)
        return 2

    scenarios = []
    for name in args.scenarios:
        path, make_sets, _ = SCENARIOS[name]
        sets = make_sets(args.shared / path, args.rows, args.validation_rows, args.test_rows)
        scenarios.append(run_scenario(name, sets, args.threads, log_to_stderr))
    results = {"threads": args.threads, "peak_rss_mib": round(peak_rss_mib(), 1), "scenarios": scenarios}
    markdown = render_markdown(results, invoked_command("eval.bench_finetune", argv))
    write_results(args.out_dir, "finetune", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
