"""Masked-LM adaptation of the encoder (training.adapt) on a tiny random encoder, and how the recipe uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from transformers import DataCollatorForLanguageModeling

from analyzer.model import base_encoder_weights, build_tiny_model, load_tokenizer
from eval.bench_adapt import full_vocabulary_loss
from training import corpora
from training.adapt import (
    ADAPTED_ENCODER_FILE, AdaptArguments, _masked_lm, adapt_encoder, adapted_encoder_file, masked_lm_loss,
)
from analyzer.finetune.arguments import TrainingArguments
from training.recipe import UNLABELED_LICENSES, load_recipe, model_card
from analyzer.finetune.trainer import fresh_model_from_base
from conftest import ON_A_GPU, PROJECT_ROOT, SHARED

SHARED_DATA = SHARED / "data"
NK_LABELS = PROJECT_ROOT / "training" / "labels" / "nk_talks_stance.csv"

TEXTS = [
    "The council voted to close the library on Sundays, and nobody asked the readers.",
    "Another summit, another photo op; the missiles are still there.",
    "Talks are better than threats, even slow ones.",
    "Who pays for the new stadium? Not the owners, as usual.",
    "Sanctions relief before verification would be a gift.",
    "The mayor's plan makes sense if the buses actually run on time.",
    "I read the whole article and it never says who signed the deal.",
    "Good reporting. More of this, less of the shouting.",
]


def tiny_encoder() -> tuple[dict[str, torch.Tensor], dict]:
    model = build_tiny_model(seed=3)
    weights = {k.removeprefix("encoder."): v.clone() for k, v in model.net.state_dict().items() if k.startswith("encoder.")}
    return weights, model.config.encoder_config


def fast(**changes) -> AdaptArguments:
    return AdaptArguments(**{"epochs": 1, "batch_size": 4, "max_length": 32, "device": "cpu", **changes})


@pytest.mark.parametrize("device", ["cpu", ON_A_GPU])
def test_masked_lm_loss_falls_and_only_the_encoder_layers_move(device: str):
    weights, config = tiny_encoder()
    # the tied decoder is the tiny model's frozen random word embeddings: the loss falls, slowly
    adapted, losses = adapt_encoder(TEXTS, weights, config, fast(epochs=30, learning_rate=3e-2, head_learning_rate=3e-2,
                                                                 head_only_share=0.0, device=device), log=lambda line: None)
    assert len(losses) == 30 * 2
    assert sum(losses[-6:]) / 6 < sum(losses[:6]) / 6 - 0.7
    assert sorted(adapted) == sorted(weights)
    assert all(torch.equal(adapted[k], weights[k]) for k in weights if k.startswith("embeddings."))
    assert not torch.equal(adapted["encoder.layer.0.attention.self.query.weight"], weights["encoder.layer.0.attention.self.query.weight"])


def test_predicting_words_only_at_masked_positions_gives_the_full_loss_and_gradients():
    weights, config = tiny_encoder()
    tokenizer = load_tokenizer()
    torch.manual_seed(0)
    batch = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.3)(
        [{"input_ids": ids} for ids in tokenizer(TEXTS, truncation=True, max_length=32)["input_ids"]]
    )
    assert (batch["labels"] == -100).float().mean() > 0.5  # most positions carry no label
    gradients = []
    for loss_function in (masked_lm_loss, full_vocabulary_loss):  # BertForMaskedLM's own loss
        torch.manual_seed(1)  # the same fresh masked-LM head for both
        net = _masked_lm(weights, config).eval()
        ids = batch["input_ids"]
        loss = loss_function(net, ids, (ids != tokenizer.pad_token_id).long(), batch["labels"])
        loss.backward()
        gradients.append((loss.item(), net.bert.encoder.layer[0].attention.self.query.weight.grad.clone()))
    (masked_only, masked_grad), (full, full_grad) = gradients
    assert masked_only == pytest.approx(full, rel=1e-5)
    assert torch.allclose(masked_grad, full_grad, rtol=1e-4, atol=1e-7)


def test_the_encoder_waits_while_the_fresh_head_trains():
    weights, config = tiny_encoder()
    adapted, _ = adapt_encoder(TEXTS, weights, config, fast(head_only_share=1.0), log=lambda line: None)
    assert all(torch.equal(adapted[k], weights[k]) for k in weights)


def test_the_same_arguments_give_the_same_encoder():
    weights, config = tiny_encoder()
    first, _ = adapt_encoder(TEXTS, weights, config, fast(head_only_share=0.0), log=lambda line: None)
    second, _ = adapt_encoder(TEXTS, weights, config, fast(head_only_share=0.0), log=lambda line: None)
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_a_saved_adaptation_is_reused_only_for_the_same_arguments_and_texts(tmp_path: Path, monkeypatch):
    weights, config = tiny_encoder()
    runs = []
    monkeypatch.setattr("training.adapt.adapt_encoder", lambda texts, *a, **k: (runs.append(len(texts)) or weights, []))

    path = adapted_encoder_file(tmp_path, fast(), TEXTS, weights, config, log=lambda line: None)
    assert path == tmp_path / ADAPTED_ENCODER_FILE and path.is_file() and runs == [len(TEXTS)]
    assert adapted_encoder_file(tmp_path, fast(), TEXTS, weights, config, log=lambda line: None) == path
    assert len(runs) == 1  # a resumed run does not adapt again
    adapted_encoder_file(tmp_path, fast(seed=99), TEXTS, weights, config, log=lambda line: None)
    adapted_encoder_file(tmp_path, fast(seed=99), TEXTS[:-1], weights, config, log=lambda line: None)
    assert runs == [len(TEXTS), len(TEXTS), len(TEXTS) - 1]


def test_a_fresh_model_starts_from_the_adapted_encoder(tmp_path: Path):
    base = base_encoder_weights()
    changed = {k: (v + 1.0 if k.startswith("encoder.layer.0.") else v) for k, v in base.items() if v.is_floating_point()}
    save_file(changed, str(tmp_path / ADAPTED_ENCODER_FILE))
    model = fresh_model_from_base(64, encoder_weights=str(tmp_path / ADAPTED_ENCODER_FILE))
    state = model.net.state_dict()
    assert torch.equal(state["encoder.encoder.layer.0.output.dense.bias"], changed["encoder.layer.0.output.dense.bias"])
    assert torch.equal(state["encoder.encoder.layer.5.output.dense.bias"], base["encoder.layer.5.output.dense.bias"])


def test_adapted_weights_need_a_fresh_start():
    with pytest.raises(ValueError, match="init_from"):
        TrainingArguments(output_dir=Path("x"), init_from="analyzer/models/default", encoder_weights="a.safetensors")


def test_the_card_says_the_encoder_was_adapted_and_on_what():
    counts = {"c3": 9606, "adapt": {"epochs": 3, "sources": ["c3", "nk_posts"], "texts": 17245}}
    card = model_card("r.toml", counts, {}, {}, 0.5, 4, "default 9")
    assert "lower 2 encoder layers the adapted encoder's" in card
    assert "for 3 epoch(s) on 17245 unlabeled texts of c3, nk_posts" in card
    assert "- **nk_posts** (unlabeled, masked-LM adaptation only): NK Reddit posts" in card
    assert "adapted" not in model_card("r.toml", {"c3": 9606}, {}, {}, 0.5, 4, "default 9")
    assert set(UNLABELED_LICENSES) == set(corpora.UNLABELED_SOURCES)  # every source the card can name


def test_an_unknown_unlabeled_source_is_named(tmp_path: Path):
    with pytest.raises(ValueError, match="civil_comments"):
        corpora.unlabeled_texts(tmp_path, NK_LABELS, ["c3", "civil_comments"])


@pytest.mark.parametrize(("assignment", "message"), [
    ('adapt.sources=["c3", "tweets"]', "tweets"),
    ("adapt.epochs=-1", "epochs"),
    ("adapt.epoch=3", "epoch"),
])
def test_the_recipe_refuses_a_bad_adapt_section_before_reading_data(assignment: str, message: str):
    with pytest.raises(ValueError, match=message):
        load_recipe(Path(__file__).resolve().parents[1] / "training" / "recipes" / "default.toml", [assignment])


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data")
def test_no_evaluated_text_is_among_the_unlabeled_texts():
    texts = corpora.unlabeled_texts(SHARED_DATA, NK_LABELS, AdaptArguments().sources)
    unique = set(texts)
    assert len(unique) == len(texts) > 15_000
    _, c3_validation = corpora.c3(SHARED_DATA, ("toxicity",))
    _, vast_dev = corpora.vast(SHARED_DATA, ("toxicity",))
    _, nk_check = corpora.nk_talks(SHARED_DATA, NK_LABELS, ("toxicity",))
    for name, rows in (("C3 validation", c3_validation), ("VAST dev", vast_dev), ("NK check", nk_check)):
        assert rows, name
        assert not unique & {e.text for e in rows}, name
