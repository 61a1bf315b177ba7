"""The recipe's data amounts and what its model card says about them (no training here)."""

from __future__ import annotations

import pytest

from training.recipe import _amount, model_card


@pytest.mark.parametrize(("spec", "expected"), [
    ("all", (None, False)),
    (200, (200, False)),
    ({"n": 3000, "balanced": True}, (3000, True)),
    ({"n": "all", "repeat": 2}, (None, False)),
    ({"repeat": 2}, (None, False)),
])
def test_amount_reads_every_spelling(spec, expected):
    assert _amount(spec) == expected


def test_card_names_unique_rows_and_how_often_they_are_shown():
    card = model_card("r.toml", {"nk_talks": 1385, "nk_talks_repeat": 2, "vast": 4000}, {}, {}, 0.5, 3, "default 9")
    assert "**nk_talks** (1385 examples, each shown 2× per epoch)" in card
    assert "**vast** (4000 examples):" in card
