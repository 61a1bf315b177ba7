"""The fine-tuning benchmark's data: train rows never share an article (C3) or a row (OLID) with the rest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyzer.splits import is_validation
from eval.bench_finetune import c3_sets, civil_comments_sets, olid_sets
from training.recipe import load_recipe, toxicity_draws


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


def test_civil_comments_sets_leave_out_the_rows_the_recipe_trained_on(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "civil_comments_toxic_spans"
    folder.mkdir(parents=True)
    ids = range(900)
    pd.DataFrame({"comment_id": ids, "comment_text": [f"comment {i}" for i in ids]}).to_csv(folder / "comments.csv", index=False)
    # three annotators each; comment i is called "not toxic" by i % 4 of them (capped at 3)
    annotations = [{"comment_id": i, "not toxic": int(k < min(i % 4, 3))} for i in ids for k in range(3)]
    pd.DataFrame(annotations).to_csv(folder / "annotations.csv", index=False)
    recipe = tmp_path / "recipe.toml"  # a recipe that drew 500 of them, as 0.8.0's did (0.9.0's draws none)
    recipe.write_text("[data]\nseed = 13\ncivil_comments_spans = 500\n", encoding="utf-8")
    train, validation, test = civil_comments_sets(folder / "comments.csv", 100, 100, 1000, recipe)
    assert (len(train), len(validation)) == (100, 100) and len(test) == 900 - 500 - 200
    parts = [set(part["text"]) for part in (train, validation, test)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    spec = load_recipe(recipe)["data"]
    _, drawn, _ = toxicity_draws({"seed": spec["seed"], "civil_comments_spans": spec["civil_comments_spans"]},
                              tmp_path / "data")["civil_comments_spans"]
    assert len(drawn) == 500 and not {e.text for e in drawn} & set().union(*parts)
    for part in (train, validation, test):
        assert (part["label"] == part["text"].map(lambda t: int(int(t.split()[1]) % 4 <= 1))).all()
