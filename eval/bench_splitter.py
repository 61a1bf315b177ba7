"""Body/comment separation on the Dragnet training pages, scored as content-extraction benchmarks do.

Two tasks, one bag-of-words scorer (lower-cased word tokens, counts clipped to the gold's):

* **plaintext** — the gold text with its separator line removed goes through the plain-text
  reader; the predicted comments are the lines from the reader's comment start to the article's
  end, the predicted body everything before. The line model is cross-validated: each page is
  read by a model fitted on the other folds, never on itself.
* **html** — the raw page through ``analyzer.readers.html.read_html`` with the same fold's line
  model (title + body; comments as author + text), and trafilatura's
  ``extract(output_format="xml", include_comments=True)`` as the reference (its ``<main>`` and
  ``<comments>`` elements), measured in the same run.

Comment and body precision/recall/F1 are reported micro-averaged (token counts pooled over all
pages) and macro-averaged (mean of per-page F1; comments over the pages whose gold has comments,
body over all pages). "Has comments" accuracy compares "the prediction has any comment token"
with "the gold has comments".

    python -m eval.bench_splitter [--limit N] [--folds 5] [--tasks plaintext html] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import trafilatura
from dateutil.parser import UnknownTimezoneWarning
from lxml import etree

from analyzer.readers._linemodel import LineModel
from analyzer.readers.plaintext import split_text
from training.train_linemodel import DEFAULT_ARCHIVE, DragnetPage, fit_line_model, load_dragnet

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = PROJECT_ROOT / "reports" / "benchmarks" / "splitter"
#: What trafilatura's authors report on this split (comment F1, body F1, has-comments accuracy).
TRAFILATURA_REPORTED = {"comment_f1": 0.822, "body_f1": 0.816, "has_comments_accuracy": 0.797}

_WORD = re.compile(r"\w+", re.UNICODE)


def bag_of_words(text: str) -> Counter[str]:
    return Counter(token.lower() for token in _WORD.findall(text or ""))


@dataclass
class Overlap:
    """Token counts for one page and one part: predicted, gold, and their clipped intersection."""

    predicted: int
    gold: int
    common: int

    @classmethod
    def of(cls, predicted: str, gold: str) -> Overlap:
        p, g = bag_of_words(predicted), bag_of_words(gold)
        return cls(sum(p.values()), sum(g.values()), sum((p & g).values()))

    def prf(self) -> tuple[float, float, float]:
        return prf(self.common, self.predicted, self.gold)


def prf(common: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall, F1; an empty prediction of an empty gold counts as perfect."""
    if predicted == 0 and gold == 0:
        return 1.0, 1.0, 1.0
    precision = common / predicted if predicted else 0.0
    recall = common / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class PageResult:
    page_id: str
    body: Overlap
    comments: Overlap


def summarise(results: list[PageResult]) -> dict[str, float | int | list[str]]:
    """Micro and macro P/R/F1 for comments and body, and has-comments accuracy."""
    summary: dict[str, float | int | list[str]] = {"pages": len(results)}
    for part in ("comments", "body"):
        overlaps = [getattr(r, part) for r in results]
        p, r, f = prf(sum(o.common for o in overlaps), sum(o.predicted for o in overlaps), sum(o.gold for o in overlaps))
        summary.update({f"{part}_precision": p, f"{part}_recall": r, f"{part}_f1": f})
        scored = [o for o in overlaps if o.gold > 0] if part == "comments" else overlaps
        summary[f"{part}_f1_macro"] = float(np.mean([o.prf()[2] for o in scored])) if scored else 0.0
    has_gold = [r.comments.gold > 0 for r in results]
    has_predicted = [r.comments.predicted > 0 for r in results]
    summary["has_comments_accuracy"] = float(np.mean([g == p for g, p in zip(has_gold, has_predicted)]))
    summary["pages_with_comments"] = int(sum(has_gold))
    summary["missed_comments"] = [r.page_id for r, g, p in zip(results, has_gold, has_predicted) if g and not p]
    summary["invented_comments"] = [r.page_id for r, g, p in zip(results, has_gold, has_predicted) if p and not g]
    return summary


# --- the plain-text task -----------------------------------------------------------------------


def plaintext_parts(lines: list[str], page_id: str, model: LineModel) -> tuple[str, str]:
    """(body, comments) as the plain-text reader cuts the page: comment regions vs the rest."""
    articles, _ = split_text("\n".join(lines), page_id, line_model=model)
    starts = [a.extra["first_line"] for a in articles] + [len(lines) + 1]
    comment_lines: set[int] = set()
    for article, end in zip(articles, starts[1:]):
        begin = article.extra.get("comments_from_line")
        if begin is not None:
            comment_lines.update(range(begin, end))
    body = "\n".join(line for n, line in enumerate(lines, 1) if n not in comment_lines)
    comments = "\n".join(line for n, line in enumerate(lines, 1) if n in comment_lines)
    return body, comments


# --- the HTML task ----------------------------------------------------------------------------


def trafilatura_parts(html: bytes) -> tuple[str, str]:
    """trafilatura's (title + main text, comment text), split by its XML output's elements."""
    xml = trafilatura.extract(html, output_format="xml", include_comments=True)
    if not xml:
        return "", ""
    root = etree.fromstring(xml.encode("utf-8"))
    return "\n".join(filter(None, [root.get("title") or "", _text_of(root.find("main"))])), _text_of(root.find("comments"))


def _text_of(element: etree._Element | None) -> str:
    return "\n".join(element.itertext()) if element is not None else ""


def reader_html_parts(html: bytes, page_id: str, model: LineModel) -> tuple[str, str]:
    from analyzer.readers.html import read_html

    article = read_html(html, page_id, line_model=model)
    comments = "\n".join(f"{c.author or ''}\n{c.text}" for c in article.comments)
    return "\n".join(filter(None, [article.title or "", article.body])), comments


def _score_html_page(job: tuple[DragnetPage, LineModel | None]) -> tuple[PageResult, PageResult | None]:
    page, model = job
    gold_body, gold_comments = page.gold_body, page.gold_comments
    reference = trafilatura_parts(page.html)
    traf = PageResult(page.page_id, Overlap.of(reference[0], gold_body), Overlap.of(reference[1], gold_comments))
    if model is None:
        return traf, None
    ours = reader_html_parts(page.html, page.page_id, model)
    return traf, PageResult(page.page_id, Overlap.of(ours[0], gold_body), Overlap.of(ours[1], gold_comments))


def html_reader_available() -> bool:
    try:
        from analyzer.readers.html import read_html  # noqa: F401
    except ImportError:
        return False
    return True


# --- cross-validation --------------------------------------------------------------------------


def fold_of(pages: list[DragnetPage], folds: int, seed: int = 0) -> np.ndarray:
    """A fixed random fold per page (pages are in id order, so the permutation is reproducible)."""
    return np.random.default_rng(seed).permutation(len(pages)) % folds


def fold_models(pages: list[DragnetPage], folds: np.ndarray, log: Callable[[str], None]) -> dict[int, LineModel]:
    models = {}
    for fold in sorted(set(folds.tolist())):
        train = [p for p, f in zip(pages, folds) if f != fold]
        began = time.perf_counter()
        models[fold] = fit_line_model([p.lines for p in train], [p.start for p in train])
        log(f"fold {fold}: line model fitted on {len(train)} pages in {time.perf_counter() - began:.0f}s")
    return models


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    pages = load_dragnet(args.archive, limit=args.limit)
    folds = fold_of(pages, args.folds)
    models = fold_models(pages, folds, log)
    report: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python -m eval.bench_splitter", *args.argv]),
        "data": f"Dragnet training split ({len(pages)} pages, {sum(p.start is not None for p in pages)} with comments)",
        "cross_validation": f"{args.folds}-fold by page (seed 0); every page scored by a model not trained on it",
        "averaging": "micro: token counts pooled over pages; *_f1_macro: mean per-page F1 "
        "(comments: pages with gold comments; body: all pages)",
        "trafilatura_reported": TRAFILATURA_REPORTED,
        "tasks": {},
    }
    if "plaintext" in args.tasks:
        began = time.perf_counter()
        results = []
        for page, fold in zip(pages, folds):
            body, comments = plaintext_parts(page.lines, page.page_id, models[int(fold)])
            results.append(PageResult(page.page_id, Overlap.of(body, page.gold_body), Overlap.of(comments, page.gold_comments)))
        report["tasks"]["plaintext"] = {"plaintext reader (line model, CV)": summarise(results)}
        log(f"plaintext task: {len(results)} pages in {time.perf_counter() - began:.0f}s")
    if "html" in args.tasks:
        began = time.perf_counter()
        ours_ready = html_reader_available()
        jobs = [(page, models[int(fold)] if ours_ready else None) for page, fold in zip(pages, folds)]
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            scored = list(pool.map(_score_html_page, jobs, chunksize=8))
        html = {"trafilatura extract(include_comments=True)": summarise([t for t, _ in scored])}
        if ours_ready:
            html["analyzer html reader (line model, CV)"] = summarise([o for _, o in scored if o is not None])
        else:
            html["note"] = "analyzer.readers.html.read_html not available: HTML reader not measured"
        report["tasks"]["html"] = html
        log(f"html task: {len(pages)} pages in {time.perf_counter() - began:.0f}s")
    return report


# --- the report --------------------------------------------------------------------------------

_COLUMNS = (
    ("comments_precision", "comment P"),
    ("comments_recall", "comment R"),
    ("comments_f1", "comment F1"),
    ("comments_f1_macro", "comment F1 (macro)"),
    ("body_f1", "body F1"),
    ("body_f1_macro", "body F1 (macro)"),
    ("has_comments_accuracy", "has-comments acc."),
)


def markdown(report: dict) -> str:
    lines = [
        "# Body/comment splitter benchmark (Dragnet training split)",
        "",
        f"- date: {report['date']}",
        f"- command: `{report['command']}`",
        f"- data: {report['data']}",
        f"- cross-validation: {report['cross_validation']}",
        f"- averaging: {report['averaging']}",
        f"- trafilatura's reported numbers on this split: comment F1 {TRAFILATURA_REPORTED['comment_f1']}, "
        f"body F1 {TRAFILATURA_REPORTED['body_f1']}, has-comments accuracy {TRAFILATURA_REPORTED['has_comments_accuracy']}",
        "",
    ]
    for task, methods in report["tasks"].items():
        lines += [f"## {task} task", "", "| method | " + " | ".join(title for _, title in _COLUMNS) + " |"]
        lines.append("|---" * (len(_COLUMNS) + 1) + "|")
        for method, summary in methods.items():
            if isinstance(summary, str):
                continue
            lines.append(f"| {method} | " + " | ".join(f"{summary[key]:.3f}" for key, _ in _COLUMNS) + " |")
        notes = [summary for summary in methods.values() if isinstance(summary, str)]
        lines += [""] + [f"Note: {note}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE, help="dragnet_train.tar.gz")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for the line model")
    parser.add_argument("--tasks", nargs="+", choices=("plaintext", "html"), default=["plaintext", "html"])
    parser.add_argument("--workers", type=int, default=2, help="processes for the HTML task")
    parser.add_argument("--output", type=Path, default=DEFAULT_REPORT, help="report path without suffix")
    args = parser.parse_args(argv)
    args.argv = argv
    if not args.archive.is_file():
        print(f"{args.archive}: no such file (the Dragnet archive lives in ../shared)", file=sys.stderr)
        return 1
    # page dates like "5:06 pm EDT" make dateutil warn once per page; the times are not scored here
    warnings.simplefilter("ignore", UnknownTimezoneWarning)
    report = run(args, lambda message: print(message, file=sys.stderr))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.output.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
