"""The disguises of eval/bench_disguise.py: each hides the same words, and the model's reading undoes it."""

from __future__ import annotations

import pytest

from analyzer._letters import known_words, plain_letters
from analyzer.model import load_tokenizer
from eval.bench_disguise import DISGUISES, disguised

TEXT = "These politicians are complete idiots and their stupid plan will never work for anybody here."


@pytest.mark.parametrize("name", list(DISGUISES))
def test_a_disguise_hides_the_same_words_and_the_models_reading_undoes_it(name: str) -> None:
    hidden = disguised(TEXT, DISGUISES[name], seed=5)
    assert hidden != TEXT
    # the same seed hides the same words in every disguise: the texts differ in the same places
    kept = {word for word in TEXT.split() if word in disguised(TEXT, DISGUISES["styled letters"], seed=5).split()}
    assert kept and all(word in hidden for word in kept)
    assert plain_letters(hidden, known_words(load_tokenizer())).lower() == TEXT.lower()
