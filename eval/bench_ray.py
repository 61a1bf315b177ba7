"""Scoring on Ray against scoring in one process: ``python -m eval.bench_ray [--quick]``.

Writes ``reports/benchmarks/ray.json`` and ``ray.md``. Each configuration runs in a fresh interpreter,
so that a process's peak RSS belongs to one configuration, on the same machine in one run:

* ``local``: ``score`` in one process, the model on every core;
* ``ray-1``: one Ray actor holding every core; ``ray-2``: two actors of one core each; on a local Ray
  cluster of every core, started (and timed) before the run, as ``--ray-address`` would join one.

All run the shipped model in its CPU default (ONNX Runtime int8) on real news comments
(``eval.news_comments``) toward one fixed target. Throughput is the rows of one whole ``score`` call
per second: reading, scoring and writing the CSV, and for Ray also cutting the input parts, starting
the actor pool (each actor rebuilds the model) and assembling the result parts. A 16-comment run first
measures what every run pays whatever its size (for Ray: the actor pool's start). The tables of the
Ray runs are compared with the local one: the engine promises the same rows, order and scores.

Memory: the driver's peak RSS (getrusage) and each actor's (VmHWM, polled from /proc: an actor is a
process of its own), for chosen configurations at two input sizes; with the shipped model, or with
``--memory-model tiny`` (the tiny test model, in int8 too) when the shipped model's hour-long runs do not
fit: its weights are small, so what the pipeline itself holds shows all the more.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.config import ScoreOptions
from eval.bench_speed import invoked_command, log_to_stderr, peak_rss_mib, write_results
from eval.news_comments import load_news_comments, write_news_dump

OUT_DIR = Path("reports/benchmarks")
#: configuration → Ray actors (0: the local engine).
CONFIGS = {"local": 0, "ray-1": 1, "ray-2": 2}
#: Every comment's stance target: the comments have no titles to derive one from.
TARGET = "the government"
WARM_UP_COMMENTS = 16
#: The score columns compared between engines.
SCORE_COLUMNS = ("toxicity", "severe_toxicity", "insult", "inflammatory", "identity_attack",
                 "stance_favor", "stance_against", "stance_none")


# --- one configuration, in a child process ------------------------------------------------------


class ActorPeaks:
    """Peak RSS (VmHWM) of this machine's scoring actors, polled every ``every`` seconds from /proc.

    VmHWM is the process's own high-water mark, so a poll only has to come before the actor exits.
    """

    def __init__(self, marker: str = "_PartScorer", every: float = 0.5):
        self.marker, self.every = marker, every
        self.peaks: dict[int, float] = {}
        self._ignored: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ActorPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()

    def reset(self) -> None:
        """Forget the actors seen so far (an earlier run's pool, on its way out)."""
        self._ignored |= set(self.peaks)
        self.peaks.clear()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._poll()

    def _poll(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in self._ignored:
                continue
            try:
                if self.marker not in (entry / "cmdline").read_text(errors="replace"):
                    continue
                status = (entry / "status").read_text()
            except OSError:  # the process ended meanwhile
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    pid = int(entry.name)
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), int(line.split()[1]) / 1024)


def load(model: str, model_dir: Path | None, cores: int) -> Any:
    """The shipped model (or ``model_dir``) or the tiny one, in the CPU default backend."""
    from analyzer.model import build_tiny_model, load_model

    if model == "tiny":
        return build_tiny_model().use_backend("auto", cores)
    return load_model(model_dir, device="cpu", threads=cores)


def measure(config: str, dump: Path, warm_up: Path, table: Path, cores: int, model: str,
            model_dir: Path | None) -> dict[str, Any]:
    """Score ``warm_up`` then ``dump`` (into ``table``) with one configuration; the child side of :func:`run_child`."""
    from analyzer.scoring import score
    from analyzer.targets import TargetPolicy

    workers = CONFIGS[config]
    started = time.perf_counter()
    scorer = load(model, model_dir, cores)
    load_seconds = time.perf_counter() - started
    cluster_seconds = None
    if workers:
        import ray

        started = time.perf_counter()
        ray.init(num_cpus=cores, include_dashboard=False, logging_level="WARNING")
        cluster_seconds = round(time.perf_counter() - started, 2)
    options = ScoreOptions(engine="ray" if workers else "local", concurrency=workers or None,
                           worker_cpus=max(1, cores // max(workers, 1)))
    policy = TargetPolicy(fixed=TARGET)
    with tempfile.TemporaryDirectory() as scratch, ActorPeaks() as actors:
        started = time.perf_counter()
        score([warm_up], Path(scratch) / "warm-up.csv", model=scorer, targets=policy, options=options)
        fixed_seconds = time.perf_counter() - started
        actors.reset()
        started = time.perf_counter()
        summary = score([dump], table, model=scorer, targets=policy, options=options)
        seconds = time.perf_counter() - started
    if workers:
        ray.shutdown()
    return {
        "config": config,
        "model": model,
        "actors": workers,
        "threads_per_model": options.worker_cpus if workers else cores,
        "comments": summary.rows,
        "seconds": round(seconds, 1),
        "comments_per_s": round(summary.rows / seconds, 1),
        "fixed_cost_seconds": round(fixed_seconds, 1),
        "cluster_start_seconds": cluster_seconds,
        "model_load_seconds": round(load_seconds, 1),
        "driver_peak_rss_mib": round(peak_rss_mib(), 1),
        "actor_peak_rss_mib": sorted(round(peak, 1) for peak in actors.peaks.values()),
    }


def run_child(config: str, dump: Path, warm_up: Path, table: Path, settings: Settings,
              model: str = "shipped") -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter; idle OpenMP threads sleep (see ``bench_speed.run_child``)."""
    command = [sys.executable, "-m", "eval.bench_ray", "--child", config, "--dump", str(dump),
               "--warm-up", str(warm_up), "--table", str(table), "--cores", str(settings.cores),
               "--memory-model", model]
    if settings.model_dir:
        command += ["--model", str(settings.model_dir)]
    environment = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        return {"config": config, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Settings:
    speed_comments: int
    rss_sizes: tuple[int, ...]
    rss_configs: tuple[str, ...]
    memory_model: str
    cores: int
    model_dir: Path | None = None


def compare_tables(local: Path, other: Path) -> dict[str, Any]:
    """Whether ``other`` has the local table's rows in its order, and its largest score difference."""
    import numpy as np
    import pandas as pd

    a, b = pd.read_csv(local), pd.read_csv(other)
    same_rows = list(a["comment_id"]) == list(b["comment_id"]) and a["stance"].equals(b["stance"])
    difference = np.nanmax(np.abs(a[list(SCORE_COLUMNS)].to_numpy() - b[list(SCORE_COLUMNS)].to_numpy()))
    return {"same_rows_and_order": same_rows, "max_abs_score_difference": float(difference)}


def benchmark(settings: Settings, log) -> dict[str, Any]:
    comments = load_news_comments()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                    "cores": settings.cores},
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "target": TARGET,
    }
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        warm_up, dump = folder / "warm-up.jsonl", folder / "speed.jsonl"
        write_news_dump(warm_up, WARM_UP_COMMENTS, comments)
        results["input"] = write_news_dump(dump, settings.speed_comments, comments)
        results["speed"], tables = [], {}
        for config in CONFIGS:
            log(f"speed: {config} on {settings.speed_comments} comments …")
            tables[config] = folder / f"{config}.csv"
            results["speed"].append(run_child(config, dump, warm_up, tables[config], settings))
            log(f"  {results['speed'][-1]}")
        results["same_as_local"] = {
            config: compare_tables(tables["local"], tables[config]) for config in CONFIGS
            if config != "local" and tables[config].is_file() and tables["local"].is_file()
        }
        results["memory"] = []
        for size in settings.rss_sizes:
            big = folder / f"rss{size}.jsonl"
            write_news_dump(big, size, comments)
            for config in settings.rss_configs:
                log(f"memory: {config} on {size} comments, {settings.memory_model} model …")
                results["memory"].append(
                    run_child(config, big, warm_up, folder / "rss.csv", settings, settings.memory_model)
                )
                log(f"  {results['memory'][-1]}")
            big.unlink()
    rates = {r["config"]: r.get("comments_per_s") for r in results["speed"]}
    results["ratios"] = {
        f"{a} / {b}": round(rates[a] / rates[b], 2)
        for a, b in (("ray-1", "local"), ("ray-2", "local"), ("ray-2", "ray-1")) if rates.get(a) and rates.get(b)
    }
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


# --- report -------------------------------------------------------------------------------------


def _actors(r: dict[str, Any]) -> str:
    return ", ".join(f"{peak:.0f}" for peak in r["actor_peak_rss_mib"]) or "–"


def render_markdown(results: dict[str, Any], command: str) -> str:
    stats, cores = results["input"], results["machine"]["cores"]
    lines = [
        "# Scoring on Ray",
        "",
        f"Reproduce: `{command}` (one run; this machine is shared with other work and its load moves, so "
        "compare the ratios within this run, not absolute rates across runs).",
        "",
        f"Machine: {results['machine']['cpu']}, {cores} cores, Python {results['machine']['python']}; "
        f"{results['created_at']}; load average (1/5/15 min) {results['load_average_at_start']} at start, "
        f"{results['load_average_at_end']} at the end.",
        "",
        f"Input: {stats['comments']} real news comments ({stats['distinct_comments']} distinct: C3 and Civil "
        f"Comments from ../shared, repeated under new ids past 28,100), median {stats['median_words']:.0f} words, "
        f"mean {stats['mean_words']}, p90 {stats['p90_words']:.0f}, p99 {stats['p99_words']:.0f}; every comment "
        f"toward the target \"{results['target']}\". The shipped model in ONNX Runtime int8 (the CPU default), "
        "chunks of 2,000 comments; the Ray cluster is local, with all the cores.",
        "",
        "| configuration | actors × threads | comments/s | seconds | fixed cost per run (s) | cluster start (s) "
        "| driver peak RSS (MiB) | actor peak RSS (MiB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results["speed"]:
        if "error" in r:
            lines.append(f"| {r['config']} | failed: {r['error']} | | | | | | |")
            continue
        shape = f"{r['actors']} × {r['threads_per_model']}" if r["actors"] else f"in process × {r['threads_per_model']}"
        lines.append(f"| {r['config']} | {shape} | {r['comments_per_s']} | {r['seconds']} | {r['fixed_cost_seconds']} "
                     f"| {r['cluster_start_seconds'] or '–'} | {r['driver_peak_rss_mib']:.0f} | {_actors(r)} |")
    lines += ["", "Ratios of comments/s (same run): " +
              ", ".join(f"{name} {value}×" for name, value in results["ratios"].items()) + ".", ""]
    lines += ["Throughput counts the whole `score` call, the actor pool's start included; the cluster start is "
              "not in it (a long-lived cluster pays it once). The fixed cost is a 16-comment run's time: "
              "what any run pays whatever its size.", ""]
    for config, check in results["same_as_local"].items():
        lines.append(f"- {config} vs local: same rows in the same order: {check['same_rows_and_order']}; largest "
                     f"score difference {check['max_abs_score_difference']:.1e}.")
    lines += ["", "## Memory at scale", "",
              "| configuration | model | comments | seconds | driver peak RSS (MiB) | actor peak RSS (MiB) |",
              "| --- | --- | ---: | ---: | ---: | --- |"]
    for r in results["memory"]:
        if "error" in r:
            lines.append(f"| {r['config']} | failed: {r['error']} | | | | |")
        else:
            lines.append(f"| {r['config']} | {r['model']} | {r['comments']} | {r['seconds']} "
                         f"| {r['driver_peak_rss_mib']:.0f} | {_actors(r)} |")
    lines += ["", "The driver streams the input into parts of one chunk and the actors hold one part at a time, so "
              "no process should grow with the number of comments. Actor peaks are the processes' own "
              "high-water marks (VmHWM), polled every 0.5 s.", ""]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_ray", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 comments for speed, 500 vs 2,000 for memory")
    parser.add_argument("--comments", type=int, help="comments in the speed runs (default 20,000)")
    parser.add_argument("--rss-sizes", type=int, nargs="+", help="comment counts for the memory runs "
                        "(default 10,000 and 100,000)")
    parser.add_argument("--rss-configs", nargs="+", choices=tuple(CONFIGS), default=["ray-2"],
                        help="configurations measured at each memory size (default ray-2)")
    parser.add_argument("--memory-model", choices=("shipped", "tiny"), default="shipped",
                        help="the model of the memory runs (tiny: minutes instead of an hour at 100,000 comments)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="CPUs for the model / the cluster")
    parser.add_argument("--model", type=Path, help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--child", choices=tuple(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--table", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads; see run_child
    if args.child:
        print(json.dumps(measure(args.child, args.dump, args.warm_up, args.table, args.cores, args.memory_model,
                                 args.model)))
        return 0
    settings = Settings(
        speed_comments=args.comments or (400 if args.quick else 20_000),
        rss_sizes=tuple(args.rss_sizes or ((500, 2000) if args.quick else (10_000, 100_000))),
        rss_configs=tuple(args.rss_configs),
        memory_model=args.memory_model,
        cores=args.cores,
        model_dir=args.model,
    )
    try:
        results = benchmark(settings, log_to_stderr)
    except FileNotFoundError as error:
        log_to_stderr(f"skipped: the real news comments are not here ({error})")
        return 0
    markdown = render_markdown(results, invoked_command("eval.bench_ray", argv))
    write_results(args.out_dir, "ray", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
