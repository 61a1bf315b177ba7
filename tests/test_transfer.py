"""``eval.transfer``: the leave-one-source-out logic on injected features (no encoder, no real data)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.finetune.examples import IGNORE_STANCE, Example, toxicity_vector
from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES
from eval import transfer
from eval.transfer import (
    SourceData,
    binary_toxicity,
    draw,
    pair_features,
    render_markdown,
    split_by_hash,
    stance_measure,
    toxicity_measure,
    training_set,
    transfer_tables,
)

FAVOR, AGAINST, NONE = (STANCE_LABELS.index(label) for label in ("favor", "against", "none"))


def _marked(marker: float, pool: int, measure: int = 10) -> SourceData:
    """A source whose every feature equals ``marker``: its rows are recognisable wherever they end up."""
    labels = lambda n: np.arange(n) % 2  # noqa: E731
    return SourceData(np.full((pool, 3), marker), labels(pool), np.full((measure, 3), marker), labels(measure))


def _learnable(rng: np.random.Generator, rule: bool, pool: int = 300, measure: int = 300) -> SourceData:
    """Labels follow feature 0 (``rule``) or are coin flips; features 1-19 are noise."""
    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(n, 20))
        y = (x[:, 0] > 0).astype(int) if rule else rng.integers(0, 2, n)
        return x, y

    (px, py), (mx, my) = part(pool), part(measure)
    return SourceData(px, py, mx, my)


def _toxic(text: str, value: float) -> Example:
    return Example(text, None, toxicity_vector(TOXICITY_ATTRIBUTES, toxicity=value), IGNORE_STANCE, text, "invented")


def test_training_set_stacks_only_the_named_sources_each_with_the_same_total_weight():
    data = {"a": _marked(1.0, 100), "b": _marked(2.0, 10), "c": _marked(3.0, 40)}
    x, y, weights = training_set(data, ["a", "b"])
    assert set(np.unique(x)) == {1.0, 2.0} and len(x) == len(y) == len(weights) == 110
    assert weights[:100].sum() == pytest.approx(weights[100:].sum())  # 10 rows weigh as much as 100
    assert weights.mean() == pytest.approx(1.0)


def test_a_held_out_source_never_enters_its_own_training_set(monkeypatch):
    data = {"a": _marked(1.0, 20), "b": _marked(2.0, 30), "c": _marked(3.0, 25)}
    seen: list[set[float]] = []
    real_fit = transfer.fit_probe

    def spying_fit(x, y, weights):
        seen.append(set(np.unique(x)))
        return real_fit(x, y, weights)

    monkeypatch.setattr(transfer, "fit_probe", spying_fit)
    transfer_tables(data, toxicity_measure, resamples=0, seed=0, log=lambda _: None)
    # One probe per source alone, one on everything, one per held-out source on the others.
    assert seen[:3] == [{1.0}, {2.0}, {3.0}] and seen[3] == {1.0, 2.0, 3.0}
    assert seen[4:] == [{2.0, 3.0}, {1.0, 3.0}, {1.0, 2.0}]


def test_a_shared_rule_transfers_to_the_held_out_source_and_noise_does_not():
    rng = np.random.default_rng(0)
    data = {"a": _learnable(rng, True), "b": _learnable(rng, True), "c": _learnable(rng, True),
            "noise": _learnable(rng, False)}
    tables = transfer_tables(data, toxicity_measure, resamples=60, seed=0, log=lambda _: None)
    held_out = {name: entry["held_out"]["roc_auc"] for name, entry in tables["per_source"].items()}
    assert held_out["a"].estimate > 0.9 and held_out["a"].low > 0.85
    assert held_out["noise"].low < 0.5 < held_out["noise"].high
    # Noise teaches nothing, not even about itself; a rule source carries to another, not to noise.
    noise_alone = tables["per_source"]["noise"]["in_source"]["roc_auc"]
    assert noise_alone.low < 0.5 < noise_alone.high
    assert tables["matrix"]["a"]["b"]["roc_auc"].estimate > 0.9
    assert abs(tables["matrix"]["a"]["noise"]["roc_auc"].estimate - 0.5) < 0.1
    assert tables["matrix"]["b"]["b"] is tables["per_source"]["b"]["in_source"]
    means = tables["means"]["roc_auc"]
    assert means["held_out"] == pytest.approx(np.mean([i.estimate for i in held_out.values()]))


class _Fixed:
    """A stand-in probe that predicts given labels."""

    def __init__(self, predicted):
        self.predicted = np.asarray(predicted)

    def predict(self, x):
        return self.predicted


def test_stance_measure_reports_macro_f1_only_where_the_rows_hold_none():
    with_none = np.array([FAVOR, AGAINST, NONE, NONE])
    result = stance_measure(_Fixed(with_none), np.zeros((4, 1)), with_none, resamples=0, seed=0)
    assert result["f_avg"].estimate == 1.0 and result["macro_f1"].estimate == 1.0
    without = np.array([FAVOR, AGAINST, FAVOR, AGAINST])
    result = stance_measure(_Fixed([FAVOR, AGAINST, NONE, NONE]), np.zeros((4, 1)), without, resamples=0, seed=0)
    assert "macro_f1" not in result
    assert result["f_avg"].estimate == pytest.approx(2 / 3)  # favor and against: precision 1, recall 1/2
    assert math.isnan(result["f_avg"].low)  # no resamples: a point estimate


def test_pair_features_are_target_text_product_and_distance():
    u, v = np.array([[1.0, -2.0]]), np.array([[3.0, 1.0]])
    assert pair_features(u, v).tolist() == [[1.0, -2.0, 3.0, 1.0, 3.0, -2.0, 2.0, 3.0]]


def test_split_by_hash_keeps_a_repeated_text_or_a_group_on_one_side():
    examples = [Example(f"text {i % 50}", None, toxicity_vector(TOXICITY_ATTRIBUTES, toxicity=float(i % 2)),
                        IGNORE_STANCE, f"group {i % 7}", "invented") for i in range(400)]
    for key in (lambda e: e.text, lambda e: e.group):
        pool, measuring = split_by_hash(examples, key, share=0.4)
        assert len(pool) + len(measuring) == 400 and measuring and pool
        assert not {key(e) for e in pool} & {key(e) for e in measuring}


def test_binary_toxicity_uses_the_source_cut_off_and_labelled_attribute():
    examples = [_toxic("a", 0.4), _toxic("b", 0.5), _toxic("c", 0.8), _toxic("d", 1.0)]
    assert [e.toxicity[0] for e in binary_toxicity(examples)] == [0.0, 1.0, 1.0, 1.0]
    assert [e.toxicity[0] for e in binary_toxicity(examples, positive_at=1.0)] == [0.0, 0.0, 0.0, 1.0]
    insults = [Example("e", None, toxicity_vector(TOXICITY_ATTRIBUTES, insult=1.0), IGNORE_STANCE, "e", "x")]
    assert binary_toxicity(insults, attribute="insult")[0].toxicity[0] == 1.0  # toxicity itself is NaN there


def test_draw_balances_toxicity_and_keeps_the_stance_mix_of_the_measuring_rows():
    toxic = [_toxic(f"t{i}", float(i < 100)) for i in range(1000)]
    pool, measuring = draw("toxicity", (toxic, toxic), 100, 80, seed=0)
    assert sum(e.toxicity[0] for e in pool) == 50 and sum(e.toxicity[0] for e in measuring) == 40
    stance = [Example(f"s{i}", "topic", toxicity_vector(TOXICITY_ATTRIBUTES), NONE if i < 900 else FAVOR, "g", "x")
              for i in range(1000)]
    pool, measuring = draw("stance", (stance, stance), 100, 500, seed=0)
    assert sum(e.stance == FAVOR for e in pool) == 50  # balanced pool
    assert sum(e.stance == NONE for e in measuring) > 400  # the source's own mix (90% none)


def test_report_says_what_is_measured_and_quotes_the_command():
    rng = np.random.default_rng(1)
    data = {"c3": _learnable(rng, True), "olid": _learnable(rng, True)}
    tables = transfer_tables(data, toxicity_measure, resamples=20, seed=0, log=lambda _: None)
    sources = {name: {"pool_rows": 300, "measure_rows": 300, "pool_labels": {"negative": 150, "positive": 150},
                      "measure_labels": {"negative": 150, "positive": 150}} for name in data}
    results = {"settings": {"pool_rows": 300, "measure_rows": 300, "seed": 0, "resamples": 20, "threads": 1,
                            "max_tokens": 128, "probe_c": 1.0},
               "runtime": {"total_s": 1.0, "embedding_s": 0.5, "texts_embedded": 0},
               "tasks": {"toxicity": {"sources": sources, "tables": tables}}}
    text = render_markdown(results, "python -m eval.transfer --task toxicity")
    assert "frozen-base-encoder probe" in text and "needs a GPU" in text
    assert "Reproduce: `python -m eval.transfer --task toxicity`" in text
    assert "| **mean over sources** |" in text and transfer.POSITIVES["olid"] in text
    assert "## Stance" not in text


def test_every_toxicity_source_gives_disjoint_rows_with_both_labels(shared):
    for name, read in transfer.TOXICITY_SOURCES.items():
        pool, measuring = read(shared / "data")
        assert not {e.text for e in pool} & {e.text for e in measuring}, name
        for rows in (pool, measuring):
            labels = {e.toxicity[0] for e in rows}
            assert labels == {0.0, 1.0}, name  # NaN or one class would be a label read from the wrong column
