"""training.carry: the base encoder in float16 with only the word-embedding rows a run reads, and a run over it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from analyzer import model as model_module
from analyzer.finetune.examples import Example, toxicity_vector
from training import carry
from training.recipe import save_data

TEXTS = ["They will never give up their nukes.", "What a great deal for both sides!"]


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("carry")
    examples = [Example(text, "the talks", toxicity_vector(model_module.TOXICITY_ATTRIBUTES), 1, f"g{i}", "nk_talks",
                        context="Summit in Hanoi") for i, text in enumerate(TEXTS)]
    save_data(folder / "data.jsonl.gz", examples, [], [], {"nk_talks": 2})
    (folder / "more.txt").write_text("a cheerful zebra\n", encoding="utf-8")
    carry.pack(folder, [folder / "data.jsonl.gz"], [folder / "more.txt"])
    return folder


def test_only_the_rows_the_texts_use_travel_rounded_to_float16(packed: Path):
    manifest = json.loads((packed / carry.MANIFEST).read_text())
    assert manifest["base_sha256"] == model_module.BASE_ENCODER_SHA256 and manifest["rows_kept"] < 60
    carried = carry.carried_base_weights(packed)
    real = model_module.base_encoder_weights()
    assert set(carried) == set(real)
    tokenizer = model_module.load_tokenizer()
    used = set(tokenizer(" ".join([*TEXTS, "the talks", "Summit in Hanoi", "a cheerful zebra"]))["input_ids"])
    name = carry.WORD_EMBEDDINGS
    for row in used:
        assert torch.equal(carried[name][row], real[name][row].half().float())
    unused = tokenizer.convert_tokens_to_ids("volcano")
    assert unused not in used and not carried[name][unused].any()
    layer = "encoder.layer.0.attention.self.query.weight"
    assert (carried[layer] - real[layer]).abs().max() <= real[layer].abs().max() * 2**-10
    assert (packed / carry.PACKAGE / "model" / "vocab.txt").is_file()
    assert not list((packed / carry.PACKAGE).rglob("*.safetensors"))


def test_a_damaged_carry_is_refused(packed: Path, tmp_path: Path):
    for name in (carry.WEIGHTS, carry.MANIFEST):
        (tmp_path / name).write_bytes((packed / name).read_bytes())
    with (tmp_path / carry.WEIGHTS).open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\0\0\0\1")
    with pytest.raises(model_module.ModelError, match="sha256"):
        carry.carried_base_weights(tmp_path)


@pytest.mark.slow
def test_the_shipped_model_over_the_carried_base_scores_like_over_the_real_one(packed: Path, monkeypatch):
    def probabilities() -> list[float]:
        predictions = model_module.load_model(backend="torch").predict(TEXTS, "the talks", contexts="Summit in Hanoi")
        return [value for p in predictions for value in (*p.toxicity.values(), *p.stance.values())]

    real = probabilities()
    monkeypatch.setattr(model_module, "base_encoder_weights", model_module.base_encoder_weights)  # restored after
    monkeypatch.setattr(sys, "path", list(sys.path))
    carry.install(packed)
    assert model_module.base_encoder_weights() is not None
    carried = probabilities()
    assert max(abs(a - b) for a, b in zip(real, carried)) < 5e-3
    assert real != carried  # the carried tensors were used
