"""The fine-tuning benchmark's data: train rows from training articles, validation rows from held-out ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eval.bench_finetune import user_sized_sets
from training.splits import is_validation


def test_user_sized_sets_split_by_article_and_label_level_two_and_up(tmp_path: Path) -> None:
    rows = [{"article_id": 1000 + i % 40, "comment_text": f"comment {i}", "crowd_toxicity_level": 1 + i % 4}
            for i in range(400)]
    rows.append({"article_id": 1001, "comment_text": None, "crowd_toxicity_level": 3})  # no text: not drawn
    path = tmp_path / "c3.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    train, validation = user_sized_sets(path, 50, 30)
    assert len(train) == 50 and len(validation) == 30
    assert not train["article"].map(is_validation).any() and validation["article"].map(is_validation).all()
    levels = {f"comment {i}": 1 + i % 4 for i in range(400)}
    for frame in (train, validation):
        assert (frame["label"] == frame["text"].map(lambda t: int(levels[t] >= 2))).all()
