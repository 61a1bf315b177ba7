"""How long the report stage takes for 100 small articles: ``python -m eval.bench_report``.

Writes ``reports/benchmarks/report.json`` and ``report.md``. The input is an invented scores table
(``write_scores``, also what ``tests/test_report.py`` draws its reports from): 100 articles of 5 to 24
comments each, with times, authors, threads, five attributes and stance probabilities, plus the two
sidecars ``score`` writes. Measured, in one process on this machine: ``analyzer.report.data.load``
(reading the table and the per-article bootstrap intervals) on its own, then the whole
``build_report`` (load, the summary, 100 dashboards drawn as PNG and as PDF pages — in worker
processes where the machine has the cores — the joined PDF and ``article_shares.csv``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from pypdf import PdfReader

from analyzer.records import SCORE_ID_COLUMNS, STANCE_COLUMNS, scores_sidecars
from analyzer.report import build as report_build
from analyzer.report import build_report
from analyzer.report.data import load
from analyzer.report.estimates import RESAMPLES, estimate_article
from eval.bench_speed import OUT_DIR, invoked_command, log_to_stderr, write_results

ARTICLES = 100
ATTRIBUTES = ("severe_toxicity", "insult", "obscene", "threat", "identity_attack")
PHRASES = (
    "I think the council got this one right",
    "This is nonsense and you know it",
    "Has anyone read the actual report?",
    "What a ridiculous idea, typical of these people",
    "Thanks for covering this, more please",
)


# --- invented scores -----------------------------------------------------------------------------


def _comment_rows(article_id: str, count: int, *, times: bool, authors: bool, threads: bool, seed: int):
    rows = []
    for n in range(count):
        toxicity = ((n * 37 + seed * 11) % 100) / 100
        stance = ("favor", "against", "none")[(n + seed) % 3]
        row = {
            "article_id": article_id,
            "comment_id": f"{article_id}-c{n}",
            "parent_id": f"{article_id}-c{n - 1}" if threads and n % 3 else None,
            "depth": (n % 3 if threads else None),
            "author": f"reader{n % 4}" if authors else None,
            "time": f"2024-03-0{1 + n % 3}T{8 + n % 12:02d}:15:00+00:00" if times else None,
            "text": f"{PHRASES[n % len(PHRASES)]} (#{n})",
            "target": "the new bike lanes",
            "status": "published",
            "kind": "comment",
            "toxicity": toxicity,
            **{a: toxicity * (0.3 + 0.1 * i) for i, a in enumerate(ATTRIBUTES)},
            "stance": stance,
            "stance_favor": 0.7 if stance == "favor" else 0.15,
            "stance_against": 0.7 if stance == "against" else 0.15,
            "stance_none": 0.7 if stance == "none" else 0.15,
        }
        rows.append(row)
    return rows


def write_scores(
    folder: Path,
    articles: list[dict],
    *,
    suffix: str = ".csv",
    sidecars: bool = True,
) -> Path:
    """Write ``scores<suffix>`` and (optionally) its sidecars for ``articles``, in the shape ``score`` writes.

    Each article dict: ``id``, ``title``, ``comments`` (count) and optional ``declared``,
    ``times``/``authors``/``threads`` (default True), ``source`` (the dump file; default dump.xml). Scores are invented but fixed: the same
    articles always give the same table.
    """
    rows, records = [], []
    for seed, spec in enumerate(articles):
        rows += _comment_rows(spec["id"], spec["comments"], times=spec.get("times", True),
                              authors=spec.get("authors", True), threads=spec.get("threads", True), seed=seed)
        records.append({
            "id": spec["id"], "title": spec.get("title"), "url": f"https://news.example/{seed}",
            "date": "2024-03-01", "source_file": spec.get("source", "dump.xml"), "format": "wxr",
            "declared_comment_count": spec.get("declared"), "missing_comment_count": None,
            "found_comment_count": spec["comments"], "target": "the new bike lanes", "target_source": "option",
        })
    columns = [*SCORE_ID_COLUMNS, "toxicity", *ATTRIBUTES, *STANCE_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    path = folder / f"scores{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        table.to_parquet(path, index=False)
    if sidecars:
        articles_path, meta_path = scores_sidecars(path)
        articles_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        meta_path.write_text(json.dumps({
            "model": {"name": "test-model", "version": "0.0.1", "toxicity_threshold": 0.6,
                      "attributes": ["toxicity", *ATTRIBUTES]},
            "target_method": "--target 'the new bike lanes'",
            "created_at": "2024-03-04T10:00:00+00:00", "inputs": ["dump.xml"],
        }), encoding="utf-8")
    return path


def small_articles(count: int = ARTICLES) -> list[dict]:
    """``count`` articles of 5 to 24 comments."""
    return [{"id": f"a{n:03}", "title": f"Article number {n}", "comments": 5 + n % 20} for n in range(count)]


# --- measuring -----------------------------------------------------------------------------------


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def benchmark(articles: int, log) -> dict[str, Any]:
    specs = small_articles(articles)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        folder = Path(scratch)
        scores = write_scores(folder, specs)
        log(f"load (table + bootstrap intervals) for {articles} articles …")
        started = time.perf_counter()
        loaded = load(scores)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for article in loaded.articles:
            estimate_article(article.comments, loaded.run.threshold)
        estimate_seconds = time.perf_counter() - started
        log(f"build_report for {articles} articles …")
        cpu_self, cpu_children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        paths = build_report(scores, folder / "out")
        wall = time.perf_counter() - started
        cpu = _cpu(resource.RUSAGE_SELF) - cpu_self + _cpu(resource.RUSAGE_CHILDREN) - cpu_children
        pages = len(PdfReader(paths[0]).pages)
        pngs = len(list((folder / "out" / "articles").glob("*.png")))
        pdf_mib = paths[0].stat().st_size / 2**20
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_usable_cpus()} usable CPU(s), load average {os.getloadavg()[0]:.1f} "
                   "at the end",
        "articles": articles,
        "comments": sum(s["comments"] for s in specs),
        "bootstrap_resamples": RESAMPLES,
        "workers": report_build._worker_count(articles),
        "load_seconds": round(load_seconds, 3),
        "estimate_seconds": round(estimate_seconds, 3),
        "build_report_wall_seconds": round(wall, 2),
        "build_report_cpu_seconds": round(cpu, 2),
        "seconds_per_article": round(wall / articles, 3),
        "pdf_pages": pages,
        "article_pngs": pngs,
        "pdf_mib": round(pdf_mib, 2),
    }


def render_markdown(results: dict[str, Any], command: str) -> str:
    r = results
    lines = [
        f"# Report stage: {r['articles']} small articles",
        "",
        f"Reproduce: `{command}` (one run on a shared machine: read the seconds as an order of magnitude).",
        "",
        f"- date: {r['date']}; machine: {r['machine']}",
        (f"- input: invented scores table, {r['articles']} articles, {r['comments']} comments (5 to 24 per "
         "article), five attributes, stance probabilities, with sidecars"),
        f"- build_report drew the pages in {r['workers']} process(es)",
        "",
        "| step | wall | CPU |",
        "| --- | ---: | ---: |",
        f"| load: read the table and sidecars, per-article shares and intervals | {r['load_seconds']:.2f} s | |",
        (f"| of which the shares: {r['bootstrap_resamples']}-resample bootstrap intervals for stance and toxicity "
         f"| {r['estimate_seconds']:.2f} s | |"),
        (f"| build_report: load, summary, {r['article_pngs']} article PNGs + {r['pdf_pages']}-page PDF "
         f"({r['pdf_mib']:.1f} MiB), article_shares.csv | {r['build_report_wall_seconds']:.1f} s "
         f"| {r['build_report_cpu_seconds']:.1f} s |"),
        "",
        f"Per article: {r['seconds_per_article']:.2f} s wall. CPU includes the worker processes.",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_report", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=ARTICLES, help=f"articles to draw (default {ARTICLES})")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = benchmark(args.articles, log_to_stderr)
    markdown = render_markdown(results, invoked_command("eval.bench_report", argv))
    write_results(args.out_dir, "report", results, markdown)
    log_to_stderr(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
