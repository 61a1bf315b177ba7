"""eval.relatedness: the permutation of the stance head's relatedness inputs, on a tiny model."""

from __future__ import annotations

import torch

from analyzer.evaluation import LabeledSet
from analyzer.model import build_tiny_model
from eval.relatedness import measure_set

TEXTS = ["the deal is a win for peace", "they will never give up their weapons", "what time is the game tonight",
         "sanctions must stay until they disarm", "a summit is better than a war", "nice weather today"] * 4


def _rows() -> LabeledSet:
    labels = ["favor", "against", "none", "against", "favor", "none"] * 4
    return LabeledSet("stance", texts=TEXTS, labels=labels, targets=["nuclear talks"] * len(TEXTS))


def _tiny(relatedness_weight: float):
    model = build_tiny_model(seed=7)
    width = model.net.encoder.config.hidden_size + 1
    with torch.no_grad():
        first = model.net.stance_head[1].weight
        first[:, -width:] = relatedness_weight * torch.randn(first.shape[0], width, generator=torch.Generator().manual_seed(0))
    return model


def test_a_head_that_ignores_relatedness_flips_nothing():
    result = measure_set(_tiny(0.0), _rows(), batch_size=8, resamples=20)
    assert result["shuffled"]["flipped"] == 0 and result["constant"]["flipped"] == 0
    assert result["constant"]["difference"]["macro_f1"]["estimate"] == 0


def test_a_head_that_leans_on_relatedness_changes_its_decisions():
    result = measure_set(_tiny(50.0), _rows(), batch_size=8, resamples=20)
    assert result["shuffled"]["flipped"] > 0 or result["constant"]["flipped"] > 0
    assert result["rows"] == len(TEXTS) and result["gold_none_share"] == 1 / 3
