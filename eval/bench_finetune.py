"""How long ``python -m analyzer train`` takes on a user-sized labeled set: ``python -m eval.bench_finetune``.

Writes ``reports/benchmarks/finetune.json`` and ``finetune.md``. The job measured is the one a newsroom
runs: a few hundred comments labeled toxic / not toxic, fine-tuned from the shipped model with the
CLI's defaults, on this machine's CPU. The labeled rows are drawn (fixed seed) from C3 in
``../shared/data``: ``--rows`` comments from training articles to train on, ``--validation-rows``
from validation articles (``training.splits.is_validation``) to validate on, positive = crowd
toxicity level >= 2. Nothing of them is written into the project; the CSVs live in a temporary folder.

Reported: wall and CPU time of the whole ``train`` command (loading, caching, training, calibration,
saving), its optimizer steps, peak RSS, and the validation ROC-AUC of the shipped model and of the
fine-tuned one on the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.cli import main as analyzer_main
from analyzer.model import Model, load_model
from eval.bench_speed import OUT_DIR, _cpu_seconds, _write_atomically, peak_rss_mib
from eval.gate import C3, SHARED, GateContext
from eval.metrics import roc_auc
from training.splits import is_validation

SEED = 0


def user_sized_sets(c3_csv: Path, rows: int, validation_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train rows from C3 training articles, validation rows from its validation articles, labels 0/1."""
    frame = pd.read_csv(c3_csv, usecols=["article_id", "comment_text", "crowd_toxicity_level"])
    frame = frame.dropna()
    frame = pd.DataFrame({
        "article": frame["article_id"].astype(str),
        "text": frame["comment_text"],
        "label": (frame["crowd_toxicity_level"] >= 2).astype(int),
    })
    held_out = frame["article"].map(is_validation)
    return (frame[~held_out].sample(rows, random_state=SEED),
            frame[held_out].sample(validation_rows, random_state=SEED))


def validation_auc(model: Model, validation: pd.DataFrame) -> float:
    scores = [p.toxicity["toxicity"] for p in model.predict(validation["text"].tolist(), batch_size=32)]
    return roc_auc(validation["label"].to_numpy(), scores)


def benchmark(c3_csv: Path, rows: int, validation_rows: int, threads: int, log) -> dict[str, Any]:
    train_rows, validation = user_sized_sets(c3_csv, rows, validation_rows)
    with tempfile.TemporaryDirectory() as folder:
        train_csv, validation_csv, out = Path(folder) / "train.csv", Path(folder) / "validation.csv", Path(folder) / "ft"
        train_rows.to_csv(train_csv, index=False)
        validation.to_csv(validation_csv, index=False)
        log(f"shipped model on {len(validation)} validation rows …")
        before = validation_auc(load_model(threads=threads), validation)
        command = ["train", "--task", "toxicity", "--data", str(train_csv), "--validation", str(validation_csv),
                   "--out", str(out)]  # torch threads: set by load_model(threads=…) above
        log("python -m analyzer " + " ".join(command))
        started_wall, started_cpu = time.perf_counter(), _cpu_seconds()
        if analyzer_main(command) != 0:
            raise SystemExit("the train command failed; see its message above")
        wall, cpu = time.perf_counter() - started_wall, _cpu_seconds() - started_cpu
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        fine_tuned = load_model(out, threads=threads)
        after = validation_auc(fine_tuned, validation)
    return {
        "train_rows": rows, "train_positives": int(train_rows["label"].sum()),
        "validation_rows": validation_rows, "validation_positives": int(validation["label"].sum()),
        "threads": threads, "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
        "steps": metrics["validation"].get("steps"), "epochs": metrics["arguments"]["epochs"],
        "best_step": max(metrics["history"], key=lambda entry: entry["score"])["step"],
        "trainable_layers": metrics["arguments"]["trainable_layers"],
        "max_length": fine_tuned.max_length,
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "roc_auc_shipped": round(before, 4), "roc_auc_fine_tuned": round(after, 4),
    }


def render_markdown(result: dict[str, Any], command: str) -> str:
    return "\n".join([
        "# Fine-tuning time on a user-sized labeled set",
        "",
        f"Reproduce: `{command}` (one run on a shared machine: read the minutes as an order of magnitude).",
        "",
        f"Data: {result['train_rows']} C3 comments from training articles ({result['train_positives']} toxic, "
        f"crowd level >= 2) to train on, {result['validation_rows']} from validation articles "
        f"({result['validation_positives']} toxic) to validate on. Command: `python -m analyzer train --task "
        f"toxicity` with its defaults (from the shipped model, {result['epochs']:g} epochs, top "
        f"{result['trainable_layers']} layers trained, {result['max_length']}-token windows), "
        f"{result['threads']} threads.",
        "",
        "| what | value |",
        "| --- | ---: |",
        f"| wall time of `train` (load, cache, train, calibrate, save) | {result['wall_seconds'] / 60:.1f} min |",
        f"| CPU time | {result['cpu_seconds'] / 60:.1f} min |",
        f"| optimizer steps (best validation score at step {result['best_step']}; 0 = the starting weights kept) "
        f"| {result['steps']} |",
        f"| peak RSS | {result['peak_rss_mib']:.0f} MiB |",
        f"| validation ROC-AUC, shipped model | {result['roc_auc_shipped']:.3f} |",
        f"| validation ROC-AUC, fine-tuned | {result['roc_auc_fine_tuned']:.3f} |",
        "",
        "The shipped model was itself trained on every C3 training article, so a fine-tune on these rows has",
        "little left to learn: this measures time, and that a fine-tune never returns a model scoring below",
        "its start on the user's validation rows (the start is scored at step 0 and kept unless beaten).",
        "",
    ])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_finetune", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300, help="labeled comments to train on (default 300)")
    parser.add_argument("--validation-rows", type=int, default=300, help="labeled comments to validate on")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared folder with data/ (default: beside the project)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    c3_csv = C3.files[0].resolve(GateContext(shared=args.shared))
    if not c3_csv.is_file():
        print(f"{c3_csv}: not found; this benchmark reads C3 from the shared folder (--shared)", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = benchmark(c3_csv, args.rows, args.validation_rows, args.threads, log)
    command = "python -m eval.bench_finetune" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(args.out_dir / "finetune.json", json.dumps(result, indent=2) + "\n")
    _write_atomically(args.out_dir / "finetune.md", render_markdown(result, command))
    log(render_markdown(result, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
