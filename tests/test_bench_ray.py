"""The scale benchmarks' input and checks, on invented comments (the benchmarks read ../shared)."""

from __future__ import annotations

import pandas as pd

from analyzer.records import read_articles
from eval.bench_ray import SCORE_COLUMNS, compare_tables
from eval.news_comments import write_news_dump


def test_a_news_dump_keeps_articles_together_and_repeats_under_new_ids(tmp_path):
    comments = [("a", "one two"), ("a", "three"), ("b", "four five six")]
    stats = write_news_dump(tmp_path / "dump.jsonl", 7, comments)

    articles = list(read_articles(tmp_path / "dump.jsonl"))
    assert [(a.id, len(a.comments)) for a in articles] == [
        ("a-r0", 2), ("b-r0", 1), ("a-r1", 2), ("b-r1", 1), ("a-r2", 1)
    ]
    ids = [c.id for a in articles for c in a.comments]
    assert len(set(ids)) == 7 and articles[2].comments[0].text == "one two"
    assert stats["comments"] == 7 and stats["distinct_comments"] == 3


def test_compare_tables_sees_order_and_score_differences(tmp_path):
    table = pd.DataFrame({"comment_id": ["1", "2"], "stance": ["none", "favor"],
                          **{c: [0.25, 0.5] for c in SCORE_COLUMNS}})
    table.to_csv(tmp_path / "local.csv", index=False)
    table.assign(toxicity=[0.25, 0.5001]).to_csv(tmp_path / "moved.csv", index=False)
    table.iloc[::-1].to_csv(tmp_path / "reordered.csv", index=False)

    moved = compare_tables(tmp_path / "local.csv", tmp_path / "moved.csv")
    assert moved["same_rows_and_order"] and abs(moved["max_abs_score_difference"] - 1e-4) < 1e-9
    assert not compare_tables(tmp_path / "local.csv", tmp_path / "reordered.csv")["same_rows_and_order"]
