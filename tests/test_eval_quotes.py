"""``eval.quotes``: what leaving quoted lines out of the scores changes, on invented comments."""

from __future__ import annotations

import pytest

from analyzer.finetune.examples import Example
from analyzer.model import build_tiny_model
from eval.quotes import compare, labelled_check, render_markdown
from training import corpora


def test_compare_scores_quoting_comments_both_ways_and_counts_what_moved():
    model = build_tiny_model(seed=3)
    texts = ["> You are all idiots.\n\nI disagree with the tone.", "> The deal is off.\n\nGood riddance."]
    titles = ["Ferry talks collapse", None]
    moved = compare(model, texts, titles)
    targets = ["Ferry talks collapse", "the article"]
    whole = model.predict(texts, targets, contexts=titles)
    own = model.predict(["I disagree with the tone.", "Good riddance."], targets, contexts=titles)
    assert moved["quoting"] == 2
    assert moved["mean_toxicity_whole"] == pytest.approx(sum(p.toxicity["toxicity"] for p in whole) / 2)
    assert moved["mean_toxicity_own_words"] == pytest.approx(sum(p.toxicity["toxicity"] for p in own) / 2)
    assert moved["mean_toxicity_whole"] != pytest.approx(moved["mean_toxicity_own_words"])
    assert moved["stance_labels_changed"] == sum(a.stance_label != b.stance_label for a, b in zip(whole, own))
    # a threshold between the two scores of one comment turns its flag on or off
    model.config.toxicity_threshold = (whole[0].toxicity["toxicity"] + own[0].toxicity["toxicity"]) / 2
    flipped = compare(model, texts[:1], titles[:1])
    assert flipped["toxic_flags_off"] + flipped["toxic_flags_on"] == 1


def test_labelled_check_compares_only_the_quoting_rows_and_the_report_says_so():
    model = build_tiny_model(seed=3)
    examples = [Example(text, corpora.NK_TARGET, (0.0,) * 7, stance, f"r{i}", "nk_talks", context="Summit ends early")
                for i, (text, stance) in enumerate([("> They walked out.\n\nGood, no deal beats a bad deal.", 1),
                                                     ("> Talks resume.\n\nFinally some progress.", 0),
                                                     ("No quote here at all.", 2)])]
    check = labelled_check(model, examples)
    assert check["rows"] == 2 and check["labels"] == {"favor": 1, "against": 1, "none": 0}
    low, high = check["own_minus_whole"][1:]
    assert low <= check["own_minus_whole"][0] <= high
    results = {"model": "tiny 0", "threshold": 0.5, "nk_check": check,
               "dumps": {"invented.csv": {"comments": 3, **compare(model, ["> a b\n\nc d"], ["Title"])}}}
    report = render_markdown(results, "python -m eval.quotes")
    assert "| invented.csv | 3 | 1 |" in report and "2 check comments quote" in report
    assert "No labelled check comment" in render_markdown({**results, "nk_check": {"rows": 0}}, "x")
