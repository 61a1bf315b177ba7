"""training.carry: the base encoder in float16 (embedding rows optionally int8) with only the word-embedding rows a
run reads, and a run over it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from analyzer import model as model_module
from analyzer.finetune.examples import Example, toxicity_vector
from training import carry
from training.recipe import save_data

TEXTS = ["They will never give up their nukes.", "What a great deal for both sides!"]


def _pack(folder: Path, int8_embeddings: bool = False) -> Path:
    examples = [Example(text, "the talks", toxicity_vector(model_module.TOXICITY_ATTRIBUTES), 1, f"g{i}", "nk_talks",
                        context="Summit in Hanoi") for i, text in enumerate(TEXTS)]
    save_data(folder / "data.jsonl.gz", examples, [], [], {"nk_talks": 2})
    (folder / "more.txt").write_text("a cheerful zebra\n", encoding="utf-8")
    carry.pack(folder, [folder / "data.jsonl.gz"], [folder / "more.txt"], int8_embeddings=int8_embeddings)
    return folder


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> Path:
    return _pack(tmp_path_factory.mktemp("carry"))


@pytest.fixture(scope="module")
def packed_int8(tmp_path_factory) -> Path:
    return _pack(tmp_path_factory.mktemp("carry-int8"), int8_embeddings=True)


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


def test_int8_embedding_rows_take_a_byte_each_and_come_back_within_half_a_step(packed: Path, packed_int8: Path):
    manifest = json.loads((packed_int8 / carry.MANIFEST).read_text())
    assert manifest["embeddings"] == "int8" and manifest["rows_kept"] == json.loads((packed / carry.MANIFEST).read_text())["rows_kept"]
    stored = load_file(str(packed_int8 / carry.WEIGHTS))
    assert stored[carry.WORD_EMBEDDINGS].dtype == torch.int8
    real = model_module.base_encoder_weights()[carry.WORD_EMBEDDINGS]
    carried = carry.carried_base_weights(packed_int8)
    rows = stored["word_embedding_rows"]
    step = real[rows].abs().amax(dim=1, keepdim=True) / 127
    assert ((carried[carry.WORD_EMBEDDINGS][rows] - real[rows]).abs() <= step / 2 + 1e-7).all()
    layer = "encoder.layer.0.attention.self.query.weight"  # the other tensors stay float16
    assert torch.equal(carried[layer], carry.carried_base_weights(packed)[layer])


def test_a_damaged_carry_is_refused(packed: Path, tmp_path: Path):
    for name in (carry.WEIGHTS, carry.MANIFEST):
        (tmp_path / name).write_bytes((packed / name).read_bytes())
    with (tmp_path / carry.WEIGHTS).open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\0\0\0\1")
    with pytest.raises(model_module.ModelError, match="sha256"):
        carry.carried_base_weights(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("carried_folder", "bound"), [("packed", 5e-3), ("packed_int8", 1e-2)])
def test_the_shipped_model_over_the_carried_base_scores_like_over_the_real_one(carried_folder: str, bound: float,
                                                                                request, monkeypatch):
    def probabilities() -> list[float]:
        predictions = model_module.load_model(backend="torch").predict(TEXTS, "the talks", contexts="Summit in Hanoi")
        return [value for p in predictions for value in (*p.toxicity.values(), *p.stance.values())]

    real = probabilities()
    monkeypatch.setattr(model_module, "base_encoder_weights", model_module.base_encoder_weights)  # restored after
    monkeypatch.setattr(sys, "path", list(sys.path))
    carry.install(request.getfixturevalue(carried_folder))
    assert model_module.base_encoder_weights() is not None
    carried = probabilities()
    assert max(abs(a - b) for a, b in zip(real, carried)) < bound
    assert real != carried  # the carried tensors were used
