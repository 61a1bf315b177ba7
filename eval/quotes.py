"""What leaving quoted lines out of a comment's scores changes: ``python -m eval.quotes``.

    python -m eval.quotes [--model DIR] [--out DIR]

``score`` reads a comment's own words (``analyzer.targets.own_words``): lines that quote someone else
("> …") stay in the table but are not scored. This scores every comment that quotes in the real threaded
dumps of ../shared both ways, whole (as before) and by its own words, with its article's title as stance
target and context, and counts what moved: toxic flags at the model's threshold turned off and on, and
stance labels. On the hand-labelled NK-talks check threads, the comments that quote are scored both
ways against their labels, with the paired 95% bootstrap interval of own words − whole.

Writes ``report.md`` and ``metrics.json`` (counts and scores only: no text of the sources).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.config import EVAL_REPORTS_DIR
from analyzer.evaluation.metrics import bootstrap_ci, macro_f1
from analyzer.finetune.examples import Example
from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES, Model, load_model
from analyzer.splitting import split
from analyzer.targets import own_words
from eval.bench_speed import invoked_command, write_report_folder
from eval.gate import SHARED
from eval.stance_sets import NK_LABELS
from training import corpora

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = PROJECT_ROOT / EVAL_REPORTS_DIR / "quotes"
#: Real dumps in ../shared whose commenters quote: Reddit, Hacker News, a WordPress export, Slashdot.
DUMPS = (
    "data/nk_talks_reddit_comments_unlabeled/comments.csv",
    "formats/csv_jsonl/geoscope_reddit_comments.json",
    "formats/reddit_json/praw_3hahrw_funny_thread.json",
    "formats/hn_json/hnapi_10846540.json",
    "formats/wxr/cc-archive_labs_wordpress.xml",
    "formats/html_other/dragnet_294_slashdot_politics.html",
)
#: A comment under an untitled article is read against this (the dumps above all have titles).
UNTITLED = "the article"


def compare(model: Model, texts: Sequence[str], titles: Sequence[str | None]) -> dict[str, Any]:
    """Each quoting text scored whole and by its own words: what moved."""
    targets = [title or UNTITLED for title in titles]
    whole = model.predict(list(texts), targets, contexts=list(titles))
    own = model.predict([own_words(t)[0] for t in texts], targets, contexts=list(titles))
    threshold = model.toxicity_threshold
    before = np.array([p.toxicity["toxicity"] for p in whole])
    after = np.array([p.toxicity["toxicity"] for p in own])
    return {
        "quoting": len(texts),
        "toxic_flags_off": int(np.sum((before >= threshold) & (after < threshold))),
        "toxic_flags_on": int(np.sum((before < threshold) & (after >= threshold))),
        "mean_toxicity_whole": float(before.mean()) if len(texts) else None,
        "mean_toxicity_own_words": float(after.mean()) if len(texts) else None,
        "stance_labels_changed": sum(a.stance_label != b.stance_label for a, b in zip(whole, own)),
    }


def dump_rows(path: Path) -> tuple[int, list[str], list[str | None]]:
    """(comments in the dump, texts of those that quote, their articles' titles)."""
    articles = [a for outcome in split([path]) for a in outcome.result.articles]
    quoting = [(c.text, a.title) for a in articles for c in a.comments if c.text and own_words(c.text)[1]]
    return sum(len(a.comments) for a in articles), [t for t, _ in quoting], [title for _, title in quoting]


def labelled_check(model: Model, examples: Sequence[Example]) -> dict[str, Any]:
    """Macro-F1 of the quoting check comments scored whole and by their own words, and the paired difference."""
    quoting = [e for e in examples if own_words(e.text)[1]]
    if not quoting:
        return {"rows": 0}
    gold = np.array([STANCE_LABELS[e.stance] for e in quoting])
    contexts = [e.context for e in quoting]
    whole = np.array([p.stance_label for p in model.predict([e.text for e in quoting], corpora.NK_TARGET,
                                                            contexts=contexts)])
    own = np.array([p.stance_label for p in model.predict([own_words(e.text)[0] for e in quoting],
                                                          corpora.NK_TARGET, contexts=contexts)])
    difference = bootstrap_ci(lambda g, o, w: macro_f1(g, o) - macro_f1(g, w), gold, own, whole)
    return {
        "rows": len(quoting),
        "labels": {label: int(np.sum(gold == label)) for label in STANCE_LABELS},
        "macro_f1_whole": macro_f1(gold, whole),
        "macro_f1_own_words": macro_f1(gold, own),
        "own_minus_whole": [difference.estimate, difference.low, difference.high],
    }


def render_markdown(results: dict[str, Any], command: str) -> str:
    lines = [
        "# Quoted lines left out of what is scored",
        "",
        f"Reproduce: `{command}`. Model {results['model']}; toxic flag at its threshold {results['threshold']:.4f}. "
        "Every comment that quotes (a line starting \"> \"), scored whole and by its own words, each with its "
        "article's title as target and context.",
        "",
        "| dump (../shared) | comments | quoting | toxic flags off | toxic flags on | mean toxicity whole → own words "
        "| stance labels changed |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name, row in results["dumps"].items():
        means = (f"{row['mean_toxicity_whole']:.3f} → {row['mean_toxicity_own_words']:.3f}"
                 if row["quoting"] else "–")
        lines.append(f"| {name} | {row['comments']:,} | {row['quoting']} | {row['toxic_flags_off']} | "
                     f"{row['toxic_flags_on']} | {means} | {row['stance_labels_changed']} |")
    check = results["nk_check"]
    lines += ["", "## Stance against hand labels: the NK-talks check threads", ""]
    if check["rows"]:
        estimate, low, high = check["own_minus_whole"]
        lines.append(f"{check['rows']} check comments quote ({', '.join(f'{k} {v}' for k, v in check['labels'].items())}). "
                     f"Macro-F1 whole {check['macro_f1_whole']:.3f}, own words {check['macro_f1_own_words']:.3f}; "
                     f"own words − whole {estimate:+.3f} [{low:+.3f}, {high:+.3f}] (paired 95% bootstrap over rows; "
                     "an interval holding 0 is within the rows' noise).")
    else:
        lines.append("No labelled check comment quotes (labels or data absent).")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.quotes", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint folder (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        print(f"needs ../shared (looked in {SHARED})", file=sys.stderr)
        return 1
    model = load_model(args.model)
    dumps = {}
    for relative in DUMPS:
        comments, texts, titles = dump_rows(SHARED / relative)
        dumps[relative] = {"comments": comments, **compare(model, texts, titles)}
        print(f"{relative}: {dumps[relative]['quoting']} of {comments} quote", file=sys.stderr)
    check = corpora.nk_talks(SHARED / "data", NK_LABELS, TOXICITY_ATTRIBUTES)[1]
    results = {"model": f"{model.name} {model.version}", "threshold": model.toxicity_threshold, "dumps": dumps,
               "nk_check": labelled_check(model, check)}
    report = write_report_folder(args.out, results, render_markdown(results, invoked_command("eval.quotes", argv)))
    print(f"wrote {report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
