"""Train the plain-text reader's line model on the Dragnet training pages.

Each Dragnet gold file is a page's hand-corrected text with one separator line between the body
and the comments (``!@#$%^&*()  COMMENTS``, a few mistyped). Removing that line gives the
unlabeled scrape the reader sees; its position is the comment start to learn (None when nothing
follows it). The archive is read in place, never unpacked into the project.

Fitting lives here, not in the installed package: ``analyzer.readers._linemodel`` holds the features,
the numpy inference and the JSON format; ``fit_line_model`` fits the boosted trees with scikit-learn
and copies them into that format.

    python -m training.train_linemodel [--archive PATH] [--output analyzer/data/linemodel.json]
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import time
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.readers._common import decode_bytes
from analyzer.readers._linemodel import LineModel, Trees, best_start, line_features

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARCHIVE = PROJECT_ROOT.parent / "shared" / "data" / "dragnet_comments_train" / "dragnet_train.tar.gz"
DEFAULT_OUTPUT = PROJECT_ROOT / "analyzer" / "data" / "linemodel.json"

#: The gold separator: the typed keyboard row "!@#$%^&*()", then COMMENTS. Annotators mistyped both
#: halves ("!@ $%^&*   COMMENTS", "COMMNENTS", "CORRECTED", no word at all), so match the row loosely
#: and require the "@", "%" and "^" no ordinary line ("***", "###") combines.
SEPARATOR = re.compile(r"^\s*(?=[^@]*@)(?=[^%]*%)(?=[^^]*\^)[!@#$%^&*()\s]+[A-Z]*\s*$")


@dataclass
class DragnetPage:
    """One training page: its raw HTML and its gold text cut into body and comments."""

    page_id: str
    html: bytes
    lines: list[str]  # gold text without the separator line: what the plain-text reader gets
    start: int | None  # index in ``lines`` of the first comment line; None: no comments

    @property
    def gold_body(self) -> str:
        return "\n".join(self.lines if self.start is None else self.lines[: self.start])

    @property
    def gold_comments(self) -> str:
        return "" if self.start is None else "\n".join(self.lines[self.start :])


def split_gold(text: str) -> tuple[list[str], int | None]:
    """Remove the separator line; return the remaining lines and the first non-empty line after it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if SEPARATOR.match(line):
            rest = lines[:index] + lines[index + 1 :]
            after = [i for i in range(index, len(rest)) if rest[i].strip()]
            return rest, (after[0] if after else None)
    return lines, None


def load_dragnet(archive: str | Path = DEFAULT_ARCHIVE, limit: int | None = None) -> list[DragnetPage]:
    """The Dragnet training pages in id order (gold and HTML paired), the first ``limit`` of them."""
    gold: dict[str, bytes] = {}
    html: dict[str, bytes] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            path = Path(member.name)
            stream = tar.extractfile(member)
            if stream is None:
                continue
            if path.parent.name == "gold" and path.suffix == ".txt":
                gold[path.stem] = stream.read()
            elif path.parent.name == "html" and path.suffix == ".html":
                html[path.stem] = stream.read()
    pages = []
    for page_id in sorted(gold.keys() & html.keys())[:limit]:
        # A few gold files are UTF-16 with a byte-order mark (their separator included): decode_bytes reads them.
        lines, start = split_gold(decode_bytes(gold[page_id]))
        pages.append(DragnetPage(page_id, html[page_id], lines, start))
    return pages


def fit_line_model(docs: list[list[str]], starts: list[int | None], *, max_iter: int = 200, seed: int = 0) -> LineModel:
    """Learn from pages (as lines) and the index of each one's first comment line (None: none).

    The decision's bias, opening weight and margin are tuned on out-of-fold scores (two
    folds by page) so that they suit unseen pages, not the pages the trees have memorised.
    """
    features, region_labels, opening_labels, groups = _training_rows(docs, starts)
    region = _fit_trees(features, region_labels, max_iter, seed)
    opening = _fit_trees(features, opening_labels, max_iter // 2, seed) if opening_labels.any() else None
    if len(docs) < 2 or len(set(region_labels.tolist())) < 2:
        return LineModel(region, opening, bias=0.0, opening_weight=0.0, margin=0.0)
    region_oof, opening_oof = np.zeros(len(groups)), np.zeros(len(groups))
    for fold in range(2):
        test = groups % 2 == fold
        train = ~test
        if len(set(region_labels[train].tolist())) < 2:
            region_oof[test] = region.decision(features[test])
        else:
            region_oof[test] = _fit_trees(features[train], region_labels[train], max_iter, seed).decision(features[test])
        if opening is not None and opening_labels[train].any():
            opening_oof[test] = _fit_trees(features[train], opening_labels[train], max_iter // 2, seed).decision(features[test])
    bias, weight, margin = _tune_decision(region_oof, opening_oof, groups, docs, starts)
    return LineModel(region, opening, bias=bias, opening_weight=weight if opening is not None else 0.0, margin=margin)


def trees_from_sklearn(model: Any) -> Trees:
    """Copy a fitted binary HistGradientBoostingClassifier's trees (numeric features only)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "feature": np.where(leaf, -1, nodes["feature_idx"]).astype(int).tolist(),
                "threshold": nodes["num_threshold"].astype(float).tolist(),
                "left": nodes["left"].astype(int).tolist(),
                "right": nodes["right"].astype(int).tolist(),
                "value": nodes["value"].astype(float).tolist(),
            }
        )
    return Trees(float(np.ravel(model._baseline_prediction)[0]), trees)


def _training_rows(
    docs: list[list[str]], starts: list[int | None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every page's line features, region labels (at or after the start), opening labels (the start line)."""
    blocks, region, opening, groups = [], [], [], []
    for number, (lines, start) in enumerate(zip(docs, starts)):
        features, kept = line_features(lines)
        first = None if start is None else bisect_left(kept, start)  # a start on a blank line: the next line
        blocks.append(features)
        region.append(np.array([first is not None and k >= first for k in range(len(kept))], dtype=int))
        opening.append(np.array([k == first for k in range(len(kept))], dtype=int))
        groups.append(np.full(len(kept), number))
    return np.vstack(blocks), np.concatenate(region), np.concatenate(opening), np.concatenate(groups)


def _fit_trees(features: np.ndarray, labels: np.ndarray, max_iter: int, seed: int) -> Trees:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=40, l2_regularization=1.0,
        early_stopping=False, random_state=seed,
    )
    # One thread: on a shared, busy machine OpenMP's spinning threads make the fit 20x slower.
    with threadpool_limits(limits=1):
        model.fit(features, labels)
    return trees_from_sklearn(model)


def _tune_decision(
    region: np.ndarray, opening: np.ndarray, groups: np.ndarray, docs: list[list[str]], starts: list[int | None]
) -> tuple[float, float, float]:
    """The bias, opening weight and margin that get the most pages' starts, and has-comments calls, right."""
    bounds = np.searchsorted(groups, np.arange(len(docs) + 1))  # rows are grouped by page, in order
    pages = []
    for number, (lines, start) in enumerate(zip(docs, starts)):
        kept = [i for i, line in enumerate(lines) if line.strip()]
        rows = slice(bounds[number], bounds[number + 1])
        pages.append((region[rows], opening[rows], None if start is None else bisect_left(kept, start)))
    best_key, best = (-1, 0.0), (0.0, 0.0, 0.0)
    for bias in np.arange(-2.0, 2.01, 0.25):
        for weight in (0.0, 0.5, 1.0, 2.0):
            for margin in (0.0, 1.0, 2.0, 4.0, 8.0):
                found = [best_start(r - bias, margin, weight * o) for r, o, _ in pages]
                # exact starts, plus the yes/no call on its own: a near-miss start still finds the comments
                right = sum(f == start for f, (_, _, start) in zip(found, pages)) + sum(
                    (f is None) == (start is None) for f, (_, _, start) in zip(found, pages)
                )
                key = (right, -abs(bias) - weight / 10 - margin / 100)
                if key > best_key:
                    best_key, best = key, (float(bias), weight, margin)
    return best


def train(pages: list[DragnetPage]) -> LineModel:
    return fit_line_model([page.lines for page in pages], [page.start for page in pages])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE, help="dragnet_train.tar.gz")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON model goes")
    args = parser.parse_args(argv)
    if not args.archive.is_file():
        print(f"{args.archive}: no such file (the Dragnet archive lives in ../shared)", file=sys.stderr)
        return 1
    began = time.perf_counter()
    pages = load_dragnet(args.archive)
    model = train(pages)
    model.save(args.output)
    with_comments = sum(p.start is not None for p in pages)
    print(
        f"trained on {len(pages)} pages ({with_comments} with comments) in {time.perf_counter() - began:.0f}s; "
        f"bias {model.bias:+.2f}, margin {model.margin:.1f} → {args.output}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
