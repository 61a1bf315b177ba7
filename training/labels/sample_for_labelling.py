"""Reproducible draw of NK-talks Reddit comments for hand-labelling stance.

The shared comments.csv has no id column, so a comment's id is derived from its own text
(``nk-`` + the first 16 hex digits of SHA-1 of the UTF-8 body): stable under row reordering and
unique in the file (all 2,294 bodies differ). Splits are assigned per thread (post title) so the
check threads are unseen in training.

Usage:
    python training/labels/sample_for_labelling.py --start 0 --count 40   # print a batch to label
    python training/labels/sample_for_labelling.py --write STANCES.txt    # write nk_talks_stance.csv

STANCES.txt holds one label per line (favor/against/none, or f/a/n) in draw order; blank lines
and ``#`` comments are ignored. The output holds ids and labels only, never comment text.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

COMMENTS_CSV = Path(__file__).resolve().parents[3] / "shared/data/nk_talks_reddit_comments_unlabeled/comments.csv"
LABELS_CSV = Path(__file__).resolve().parent / "nk_talks_stance.csv"
SAMPLE_SEED = 20260123
SPLIT_SEED = 7
TRAIN_FRACTION = 0.6
STANCES = {"f": "favor", "a": "against", "n": "none"}


def comment_id(text: str) -> str:
    """The id of one comment, computed from its body (the source file has no id column)."""
    return "nk-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def load_comments(path: Path = COMMENTS_CSV) -> pd.DataFrame:
    comments = pd.read_csv(path, dtype=str, keep_default_na=False)
    comments["comment_id"] = comments["text"].map(comment_id)
    return comments


def draw_order(comments: pd.DataFrame) -> pd.DataFrame:
    """All comments in one fixed random order; labelling goes through it from the top."""
    order = np.random.default_rng(SAMPLE_SEED).permutation(len(comments))
    return comments.iloc[order].reset_index(drop=True)


def thread_splits(comments: pd.DataFrame) -> dict[str, str]:
    """train/check per post title, drawn once over every thread in the file."""
    titles = sorted(comments["post_title"].unique())
    shuffled = np.random.default_rng(SPLIT_SEED).permutation(len(titles))
    n_train = round(TRAIN_FRACTION * len(titles))
    return {titles[i]: ("train" if rank < n_train else "check") for rank, i in enumerate(shuffled)}


def print_batch(drawn: pd.DataFrame, start: int, count: int) -> None:
    for pos in range(start, min(start + count, len(drawn))):
        row = drawn.iloc[pos]
        print(f"[{pos}] {row.comment_id}  POST: {row.post_title[:140]}")
        print("    " + row.text.replace("\n", "\n    "))
        print()


def read_stances(path: Path) -> list[str]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [STANCES.get(line, line) for line in lines if line]


def write_labels(drawn: pd.DataFrame, stances: list[str], out: Path = LABELS_CSV) -> pd.DataFrame:
    bad = sorted({s for s in stances if s not in STANCES.values()})
    if bad:
        raise ValueError(f"{out}: unknown stance labels {bad}")
    labelled = drawn.iloc[: len(stances)].copy()
    labelled["stance"] = stances
    labelled["split"] = labelled["post_title"].map(thread_splits(drawn))
    labelled[["comment_id", "stance", "split"]].to_csv(out, index=False)
    return labelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--write", type=Path, help="stance list in draw order → write the labels CSV")
    args = parser.parse_args()
    drawn = draw_order(load_comments())
    if args.write:
        labelled = write_labels(drawn, read_stances(args.write))
        print(pd.crosstab(labelled["stance"], labelled["split"], margins=True))
    else:
        print_batch(drawn, args.start, args.count)


if __name__ == "__main__":
    main()
