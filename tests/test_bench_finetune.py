"""The fine-tuning benchmark's data: train rows never share an article (C3) or a row (OLID) with the rest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eval.bench_finetune import c3_sets, olid_sets
from training.splits import is_validation


def test_c3_sets_split_by_article_and_label_level_two_and_up(tmp_path: Path) -> None:
    rows = [{"article_id": 1000 + i % 40, "comment_text": f"comment {i}", "crowd_toxicity_level": 1 + i % 4}
            for i in range(400)]
    rows.append({"article_id": 1001, "comment_text": None, "crowd_toxicity_level": 3})  # no text: not drawn
    path = tmp_path / "c3.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    train, validation, test = c3_sets(path, 50, 20, 10)
    assert (len(train), len(validation), len(test)) == (50, 20, 10)
    assert not train["article"].map(is_validation).any()
    assert validation["article"].map(is_validation).all() and test["article"].map(is_validation).all()
    assert not set(validation["text"]) & set(test["text"])
    levels = {f"comment {i}": 1 + i % 4 for i in range(400)}
    for frame in (train, validation, test):
        assert (frame["label"] == frame["text"].map(lambda t: int(levels[t] >= 2))).all()


def test_olid_sets_are_disjoint_and_offensive_is_positive(tmp_path: Path) -> None:
    rows = [{"id": i, "tweet": f"tweet {i}", "subtask_a": "OFF" if i % 3 == 0 else "NOT",
             "subtask_b": "NULL", "subtask_c": "NULL"} for i in range(100)]
    path = tmp_path / "olid.tsv"
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)
    parts = olid_sets(path, 30, 20, 40)
    assert [len(p) for p in parts] == [30, 20, 40]
    texts = [set(p["text"]) for p in parts]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    for part in parts:
        assert (part["label"] == part["text"].map(lambda t: int(int(t.split()[1]) % 3 == 0))).all()
