"""Speed and memory of one masked-LM adaptation step: ``python -m eval.bench_adapt [--steps N]``.

Writes ``reports/benchmarks/adapt.json`` and ``adapt.md``. ``training.adapt`` predicts words only at
the masked positions (``masked_lm_loss``); the reference is ``BertForMaskedLM``'s own loss, which
projects every position onto the 30,522-word vocabulary. Each loss runs in its own interpreter (so
that peak RSS belongs to one), on the pinned base encoder, with the same invented comments, the same
masks and the adaptation's defaults (batch size, window length, optimizer); the steps train the whole
encoder, as every step after the head's warm-up does. One untimed step comes first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import BertForMaskedLM, DataCollatorForLanguageModeling

from analyzer.model import base_encoder_config, base_encoder_weights, load_tokenizer
from eval.bench_speed import (
    OUT_DIR, THREADS, comment_word_counts, cpu_seconds, invent_comment, invoked_command, log_to_stderr, peak_rss_mib,
    write_results,
)
from training.adapt import AdaptArguments, masked_lm_loss, trainable_masked_lm, training_step

def full_vocabulary_loss(
    net: BertForMaskedLM, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """The reference: ``BertForMaskedLM`` projects every position onto the vocabulary."""
    return net(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss


#: Each measured loss by its name in the report, in the order they run.
LOSSES = {
    "masked positions (training.adapt)": masked_lm_loss,
    "every position (BertForMaskedLM)": full_vocabulary_loss,
}


def measure(loss_name: str, steps: int, args: AdaptArguments, threads: int) -> dict[str, Any]:
    """Time ``steps`` adaptation steps with one loss in this process; the child side of :func:`run_child`."""
    torch.set_num_threads(threads)
    tokenizer = load_tokenizer()
    rng = np.random.default_rng(0)
    texts = [invent_comment(int(words), rng) for words in comment_word_counts(args.batch_size * (steps + 1), rng)]
    encoded = tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]
    torch.manual_seed(args.seed)
    net, optimizer = trainable_masked_lm(base_encoder_weights(), base_encoder_config(), args, "cpu")
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=args.mask_probability)
    seconds, cpu, losses, shapes = [], [], [], []
    for step in range(steps + 1):
        torch.manual_seed(step)  # the same masks for either loss
        batch = collator([{"input_ids": ids} for ids in encoded[step * args.batch_size : (step + 1) * args.batch_size]])
        started, cpu_started = time.perf_counter(), cpu_seconds()
        losses.append(training_step(net, batch, optimizer, tokenizer.pad_token_id, LOSSES[loss_name]))
        if step:  # the first step is the warm-up
            seconds.append(time.perf_counter() - started)
            cpu.append(cpu_seconds() - cpu_started)
            shapes.append(list(batch["input_ids"].shape))
    return {
        "loss": loss_name,
        "steps": steps,
        "batch_shapes": shapes,
        "seconds_per_step": round(float(np.mean(seconds)), 2),
        "cpu_seconds_per_step": round(float(np.mean(cpu)), 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "first_loss": losses[0],
    }


def run_child(loss_name: str, steps: int, args: AdaptArguments, threads: int) -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter (idle OpenMP threads sleep, as in ``eval.bench_speed``)."""
    command = [sys.executable, "-m", "eval.bench_adapt", "--child", loss_name, "--steps", str(steps),
               "--batch-size", str(args.batch_size), "--max-length", str(args.max_length), "--threads", str(threads)]
    environment = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        raise RuntimeError(f"bench_adapt child {loss_name!r} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark(steps: int, args: AdaptArguments, threads: int, log) -> dict[str, Any]:
    runs = []
    for loss_name in LOSSES:
        log(f"{loss_name}: {steps} step(s) of {args.batch_size} texts …")
        runs.append(run_child(loss_name, steps, args, threads))
    masked, full = runs
    return {
        "threads": threads,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "mask_probability": args.mask_probability,
        "runs": runs,
        "speed_ratio": round(full["seconds_per_step"] / masked["seconds_per_step"], 2),
        "cpu_ratio": round(full["cpu_seconds_per_step"] / masked["cpu_seconds_per_step"], 2),
        "first_loss_difference": abs(masked["first_loss"] - full["first_loss"]),
    }


def render_markdown(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Masked-LM adaptation: one training step",
        "",
        f"Reproduce: `{command}` (one run on a shared machine: compare the ratios, not the seconds).",
        "",
        f"The pinned base encoder with a fresh masked-LM head, embeddings frozen, {results['threads']} torch "
        f"thread(s), batches of {results['batch_size']} invented comments cut at {results['max_length']} tokens, "
        f"{results['mask_probability']:.0%} of tokens masked; one untimed warm-up step per loss.",
        "",
        "| words predicted at | steps | batch shape | s/step | CPU s/step | peak RSS (MiB) | loss at the first step |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for run in results["runs"]:
        shapes = sorted({"×".join(map(str, shape)) for shape in run["batch_shapes"]})
        lines.append(f"| {run['loss']} | {run['steps']} | {', '.join(shapes)} | {run['seconds_per_step']} | "
                     f"{run['cpu_seconds_per_step']} | {run['peak_rss_mib']} | {run['first_loss']:.5f} |")
    lines += [
        "",
        f"Every position / masked positions: **{results['speed_ratio']}×** the wall time per step, "
        f"{results['cpu_ratio']}× the CPU time. At the first step (same weights, same masks) the two losses differ "
        f"by {results['first_loss_difference']:.1e}.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = AdaptArguments()
    parser = argparse.ArgumentParser(prog="python -m eval.bench_adapt", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3, help="timed steps per loss (default 3)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--max-length", type=int, default=defaults.max_length)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--child", choices=tuple(LOSSES), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    parsed = parse_args(argv)
    args = AdaptArguments(batch_size=parsed.batch_size, max_length=parsed.max_length)
    if parsed.child:
        print(json.dumps(measure(parsed.child, parsed.steps, args, parsed.threads)))
        return 0

    results = benchmark(parsed.steps, args, parsed.threads, log_to_stderr)
    markdown = render_markdown(results, invoked_command("eval.bench_adapt", argv))
    write_results(parsed.out_dir, "adapt", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
