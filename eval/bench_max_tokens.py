"""What ``--max-tokens N`` buys and costs: ``python -m eval.bench_max_tokens``.

``score``, ``run`` and ``eval`` read every comment whole by default: a comment longer than one window of
256 tokens (target and context included) gets overlapping windows to its end, toxicity the maximum over
them. ``--max-tokens N`` (``Model.read_at_most``) reads each comment's first N tokens only. Time follows
the tokens read, so this is the one switch that speeds up long news-site comments without a new model;
what goes unread can hold the insult or the position.

Writes ``reports/benchmarks/max-tokens.json`` and ``max-tokens.md``, all from one run on one machine:

* speed end to end (``eval.bench_speed``'s pipeline, each in its own process, interleaved rounds, median
  run) of the default reading and of N = 192 and 128, on the two real inputs of ``eval.bench_speed``: Reddit
  comments under posts on the NK summits (short) and a news site's own comment export (long);
* quality of the same model read whole and cut at each N: on the full C3 validation, VAST zero-shot and NK
  check sets with a paired bootstrap interval of the change and how many rows moved, and on every model
  check of the gate as the gate measures it.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench_speed import (
    BATCH_SIZE,
    DEFAULT_PIPELINE,
    NEWS_SITE_COMMENTS,
    NEWS_SITE_TARGET,
    OUT_DIR,
    THREADS,
    TOKEN_CUTS,
    Settings,
    full_sets,
    gate_values,
    invoked_command,
    log_to_stderr,
    news_site_input,
    rows_moved,
    timed_rounds,
    write_real_dump,
    write_results,
)

#: The cuts measured, longest first; "whole" is the default reading.
CUTS = TOKEN_CUTS
WHOLE = "whole"
PIPELINES = (DEFAULT_PIPELINE, *(f"{DEFAULT_PIPELINE}-max{n}" for n in CUTS))
REAL_COMMENTS = 300


def speed(settings: Settings, log) -> dict[str, Any]:
    """End-to-end rates of ``PIPELINES`` on the real Reddit comments and on the news site's export."""
    from eval.gate import SHARED

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        real = Path(scratch) / "real.jsonl"
        results["real_input"] = write_real_dump(real, REAL_COMMENTS)
        if results["real_input"]:
            results["speed_real"] = timed_rounds(PIPELINES, real, settings, log)
    results["news_site_input"] = news_site_input()
    if results["news_site_input"]:
        results["speed_news_site"] = timed_rounds(PIPELINES, SHARED / NEWS_SITE_COMMENTS, settings, log,
                                                  target=NEWS_SITE_TARGET)
    return results


def quality(threads: int, model_dir: Path | None) -> dict[str, Any]:
    """The shipped model read whole and cut at each of ``CUTS``: full sets with paired intervals, and the gate."""
    import torch

    from analyzer.config import EvalOptions
    from analyzer.evaluation import model_scores
    from analyzer.evaluation.evaluate import difference_interval
    from analyzer.model import load_model
    from eval.gate import SHARED

    if not SHARED.is_dir():
        return {"skipped": f"{SHARED} is absent (validation data)"}
    torch.set_num_threads(threads)
    whole = load_model(model_dir, device="cpu", threads=threads)
    # shallow copies share the network and its int8 graph; read_at_most sets only the copy's own field
    models = {WHOLE: whole, **{str(n): copy.copy(whole).read_at_most(n) for n in CUTS}}
    sets: dict[str, Any] = {}
    for check, rows_name, rows, metric in full_sets():
        if isinstance(rows, str):
            sets[check.name] = {"description": check.description, "skipped": rows}
            continue
        outputs = {name: model_scores(model, rows) for name, model in models.items()}
        cuts = {}
        for n in map(str, CUTS):
            change = difference_interval(rows, outputs[n], outputs[WHOLE], EvalOptions())
            cuts[n] = {"value": round(metric(rows.labels, outputs[n]), 4),
                       "change": round(change.estimate, 4), "change_interval": [round(change.low, 4), round(change.high, 4)],
                       "rows_moved": rows_moved(outputs[WHOLE], outputs[n], rows.task)}
        sets[check.name] = {"description": f"{check.description} ({rows_name})", "rows": len(rows), "task": rows.task,
                            WHOLE: round(metric(rows.labels, outputs[WHOLE]), 4), "cuts": cuts}
    return {"full_sets": sets, "gate_checks": gate_values(models)}


def render_markdown(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Reading each comment's first N tokens (`--max-tokens N`)",
        "",
        f"Reproduce: `{command}` (one run on one machine; compare ratios within it, not rates across runs).",
        "",
        f"Machine: {results['machine']}; {results['created_at']}; load average {results['load_average_at_start']} "
        f"at start, {results['load_average_at_end']} at the end.",
        "",
        "By default every comment is read whole: one window of up to 256 tokens (target and context included), "
        "and overlapping windows to its end when it is longer. `--max-tokens N` reads the first N tokens only "
        "(the context then gets at most a quarter of them). Time follows the tokens read.",
        "",
    ]
    for key, input_key, heading in (("speed_real", "real_input", "Reddit comments under posts on the NK summits"),
                                    ("speed_news_site", "news_site_input", "A news site's own comment export")):
        if key not in results:
            continue
        source = results[input_key]
        lines += [f"## Speed: {heading}", "",
                  f"`{source['source']}`: {source['comments']} comments, median {source['median_words']:g} words, "
                  f"mean {source['mean_words']}, p90 {source['p90_words']:g}, max {source['max_words']:g}. "
                  f"End to end (read → score → write CSV), median of {results['repeats']} interleaved rounds.",
                  "", "| pipeline | model | comments/s (range) | comments per CPU-second | × default (wall) |",
                  "| --- | --- | ---: | ---: | ---: |"]
        default = next((r for r in results[key] if r.get("pipeline") == DEFAULT_PIPELINE), {})
        for run in results[key]:
            if "error" in run:
                lines.append(f"| {run['pipeline']} | failed: {run['error']} | | | |")
                continue
            low, high = run["comments_per_s_range"]
            ratio = run["comments_per_s"] / default["comments_per_s"] if default.get("comments_per_s") else float("nan")
            lines.append(f"| {run['pipeline']} | {run['model']} | {run['comments_per_s']} ({low}–{high}) | "
                         f"{run['comments_per_cpu_s']} | {ratio:.2f}× |")
        lines.append("")
    lines += _quality_lines(results.get("quality", {}))
    lines += _summary_lines(results)
    return "\n".join(lines) + "\n"


def _summary_lines(results: dict[str, Any]) -> list[str]:
    """Per cut: its speed-up on the news site's export and its largest drop over every quality check."""
    measured = results.get("quality", {})
    site = {run["pipeline"]: run.get("comments_per_s") for run in results.get("speed_news_site", [])}
    lines = ["## In short", ""]
    for n in CUTS:
        drops = [(found["cuts"][str(n)]["change"], name) for name, found in measured.get("full_sets", {}).items()
                 if "cuts" in found]
        drops += [(check["values"][str(n)] - check["values"][WHOLE], name)
                  for name, check in measured.get("gate_checks", {}).items() if "values" in check]
        speed_up = (site.get(f"{DEFAULT_PIPELINE}-max{n}") or math.nan) / (site.get(DEFAULT_PIPELINE) or math.nan)
        worst = f"{min(drops)[0]:+.4f} ({min(drops)[1]})" if drops else "not measured"
        lines.append(f"- N = {n}: {speed_up:.2f}× the default's rate on the news site's export; the largest change "
                     f"over the quality checks above: {worst}.")
    return lines + [""]


def _quality_lines(measured: dict[str, Any]) -> list[str]:
    if "skipped" in measured or not measured:
        return ["## Quality", "", f"Not measured: {measured.get('skipped', 'not run')}.", ""]
    lines = ["## Quality: full sets", "",
             "The shipped model (default backend) read whole and cut at N tokens, on the same rows. Change: N − whole, "
             "with a paired 95% bootstrap interval (an interval holding 0 is within the rows' noise). Moved: the mean "
             "|change| of the toxicity scores, or the share of stance labels that changed.", "",
             "| set | rows | whole | " + " | ".join(f"N = {n}: value, change [95%], moved" for n in CUTS) + " |",
             "| --- | ---: | ---: | " + " | ".join("---" for _ in CUTS) + " |"]
    for name, found in measured["full_sets"].items():
        if "skipped" in found:
            lines.append(f"| {name} | skipped: {found['skipped']} | | " + " | ".join("" for _ in CUTS) + " |")
            continue
        moved = "{:.2%}" if found["task"] == "stance" else "{:.4f}"  # a share of labels, or a mean |change|
        cells = [f"{c['value']:.4f}, {c['change']:+.4f} [{c['change_interval'][0]:+.4f}, {c['change_interval'][1]:+.4f}], "
                 + moved.format(c["rows_moved"]) for c in (found["cuts"][str(n)] for n in CUTS)]
        lines.append(f"| {found['description']} | {found['rows']:,} | {found[WHOLE]:.4f} | " + " | ".join(cells) + " |")
    lines += ["", "## Quality: the gate's checks", "",
              "Each model check of `eval.gate` on its own sample, as the gate measures it.", "",
              "| check | whole | " + " | ".join(f"N = {n} (change)" for n in CUTS) + " |",
              "| --- | ---: | " + " | ".join("---:" for _ in CUTS) + " |"]
    for name, check in measured["gate_checks"].items():
        if "values" not in check:
            lines.append(f"| {name} | skipped: {check['skipped']} | " + " | ".join("" for _ in CUTS) + " |")
            continue
        values = check["values"]
        lines.append(f"| {name} | {values[WHOLE]:.4f} | " + " | ".join(
            f"{values[str(n)]:.4f} ({values[str(n)] - values[WHOLE]:+.4f})" for n in CUTS) + " |")
    return lines + [""]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_max_tokens", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds of the speed runs")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--model", type=Path, help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--skip-quality", action="store_true", help="time only")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import platform

    args = parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads; see eval.bench_speed.run_child
    settings = Settings(speed_comments=REAL_COMMENTS, rss_sizes=(), threads=args.threads, batch_size=BATCH_SIZE,
                        model_dir=args.model, repeats=args.repeats)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {args.threads} threads, batch size {BATCH_SIZE}, "
                   f"Python {platform.python_version()}",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "repeats": args.repeats,
        **speed(settings, log_to_stderr),
    }
    if not args.skip_quality:
        log_to_stderr("quality: whole vs cut on the full sets and the gate's checks …")
        results["quality"] = quality(args.threads, args.model)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    markdown = render_markdown(results, invoked_command("eval.bench_max_tokens", argv))
    write_results(args.out_dir, "max-tokens", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
