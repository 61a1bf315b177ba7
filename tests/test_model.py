"""The model API on a tiny random network: shapes of input and output, windows, targets, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from analyzer.model import (
    STANCE_LABELS,
    WINDOW_OVERLAP,
    ModelError,
    Prediction,
    build_tiny_model,
    collate_windows,
    encode_windows,
    load_model,
    load_tokenizer,
    target_token_mask,
)

COMMENTS = [
    "The negotiators should keep talking; a freeze beats nothing.",
    "What a pathetic excuse for diplomacy, you clowns.",
    "   ",
    "",
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny():
    return build_tiny_model(seed=1)


def test_one_text_in_one_prediction_out(tiny) -> None:
    prediction = tiny.predict(COMMENTS[0])
    assert isinstance(prediction, Prediction)
    assert list(prediction.toxicity) == list(tiny.attributes)
    assert all(0.0 <= p <= 1.0 for p in prediction.toxicity.values())
    assert prediction.stance is None and prediction.stance_label is None


def test_list_in_list_out_in_order_and_blank_texts_scored(tiny) -> None:
    batch = tiny.predict(COMMENTS, batch_size=2)
    assert isinstance(batch, list) and len(batch) == len(COMMENTS)
    for text, prediction in zip(COMMENTS, batch):
        alone = tiny.predict(text)
        assert prediction.toxicity == pytest.approx(alone.toxicity, abs=1e-5)
    assert tiny.predict([]) == []


def test_one_target_is_broadcast_and_per_text_targets_apply(tiny) -> None:
    target = "US-North Korea nuclear talks"
    broadcast = tiny.predict(COMMENTS[:2], target)
    explicit = tiny.predict(COMMENTS[:2], [target, target])
    for a, b in zip(broadcast, explicit):
        assert a.stance == pytest.approx(b.stance, abs=1e-5)
        assert set(a.stance) == set(STANCE_LABELS)
        assert sum(a.stance.values()) == pytest.approx(1.0, abs=1e-5)
        assert a.stance_label in STANCE_LABELS
    mixed = tiny.predict(COMMENTS[:2], [target, None])
    assert mixed[0].stance is not None and mixed[1].stance is None
    with pytest.raises(ValueError, match="targets"):
        tiny.predict(COMMENTS[:2], [target])


def test_long_text_is_cut_into_overlapping_windows_with_target_in_each() -> None:
    tokenizer = load_tokenizer()
    long_text = " ".join(f"word{i}" for i in range(300))
    windows = encode_windows(tokenizer, [long_text, "short one"], ["sanctions", None], max_length=48)
    first = [w for w in windows if w.text_index == 0]
    assert len(first) > 2 and [w.text_index for w in windows][-1] == 1
    target_ids = tokenizer("sanctions", add_special_tokens=False)["input_ids"]
    for window in first:
        assert len(window.input_ids) <= 48
        assert window.input_ids[1 : 1 + len(target_ids)] == target_ids
        assert sum(window.comment_mask) == len(window.input_ids) - len(target_ids) - 3
    pieces = [[i for i, m in zip(w.input_ids, w.comment_mask) if m] for w in first]
    overlap = int(len(pieces[0]) * WINDOW_OVERLAP)
    assert overlap > 0 and pieces[0][-overlap:] == pieces[1][:overlap]
    covered = set()
    comment_ids = tokenizer(long_text, add_special_tokens=False)["input_ids"]
    for piece in pieces:
        start = next(s for s in range(len(comment_ids)) if comment_ids[s : s + len(piece)] == piece)
        covered.update(range(start, start + len(piece)))
    assert covered == set(range(len(comment_ids)))  # every token lands in some window


def test_a_model_told_to_read_at_most_n_tokens_reads_the_first_window_of_n_only(tiny) -> None:
    tokenizer = load_tokenizer()
    long_text = " ".join(f"word{i}" for i in range(300))
    whole = encode_windows(tokenizer, [long_text, "short one"], ["sanctions", None], max_length=40)
    cut = encode_windows(tokenizer, [long_text, "short one"], ["sanctions", None], max_length=40, whole=False)
    assert [w.text_index for w in cut] == [0, 1] and cut[0] == whole[0] and cut[1] == whole[-1]

    calm = "The delegation met again on Tuesday to discuss the schedule. " * 30
    texts = [calm + "You are all worthless idiots.", "You are all worthless idiots."]
    before, _ = tiny.logits(texts, [None, None])
    first_window = tokenizer.decode(encode_windows(tokenizer, texts[:1], [None], 32)[0].input_ids[1:-1])
    try:
        after, _ = tiny.read_at_most(32).logits(texts, [None, None])
        alone, _ = tiny.logits([first_window], [None])
    finally:
        tiny.read_at_most(None)
    assert torch.allclose(after[0], alone[0], atol=1e-4) and not torch.allclose(after[0], before[0], atol=1e-4)
    assert torch.allclose(after[1], before[1], atol=1e-5)  # a short comment reads the same
    with pytest.raises(ModelError, match="max_tokens must be from"):
        tiny.read_at_most(tiny.max_length + 1)


def test_target_token_mask_covers_exactly_the_target_phrase() -> None:
    tokenizer = load_tokenizer()
    windows = encode_windows(tokenizer, ["I back the deal.", "No target here.", ""], ["nuclear talks", None, "x"], 48)
    batch = collate_windows(windows)
    mask = target_token_mask(batch["attention_mask"], batch["comment_mask"])
    target_ids = tokenizer("nuclear talks", add_special_tokens=False)["input_ids"]
    chosen = [i for i, m in zip(batch["input_ids"][0].tolist(), mask[0].tolist()) if m]
    assert chosen == target_ids
    assert mask[1].sum() == 0  # no target: the stance head sees no target tokens
    assert mask[2].sum() == 0  # an empty comment has no comment tokens to anchor on


def test_checkpoints_without_stance_features_read_the_old_head(tiny, tmp_path: Path) -> None:
    tiny.save(tmp_path / "new")
    assert json.loads((tmp_path / "new" / "config.json").read_text())["stance_features"] == "cls+mean+relatedness"
    config = json.loads((tmp_path / "new" / "config.json").read_text())
    del config["stance_features"]
    (tmp_path / "new" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="do not fit"):  # the head's width tells the two apart
        load_model(tmp_path / "new", device="cpu")


def test_long_text_toxicity_is_max_over_windows(tiny) -> None:
    calm = "The delegation met again on Tuesday to discuss the schedule. " * 30
    texts = [calm, "You are all worthless idiots."]
    logits, _ = tiny.logits(texts, [None, None])
    windows = encode_windows(tiny.tokenizer, texts[:1], [None], tiny.max_length)
    assert len(windows) > 1
    per_window, _ = tiny.logits([tiny.tokenizer.decode([i for i, m in zip(w.input_ids, w.comment_mask) if m]) for w in windows], [None] * len(windows))
    assert torch.allclose(logits[0], per_window.max(dim=0).values, atol=1e-4)


def test_save_then_load_predicts_identically(tiny, tmp_path: Path) -> None:
    before = tiny.predict(COMMENTS, "the summit")
    tiny.save(tmp_path / "ckpt")
    after_save = tiny.predict(COMMENTS, "the summit")
    loaded = load_model(tmp_path / "ckpt", device="cpu", backend="torch")  # the saved network itself
    again = loaded.predict(COMMENTS, "the summit")
    assert [p.toxicity for p in again] == [p.toxicity for p in after_save]
    assert [p.stance for p in again] == [p.stance for p in after_save]
    assert before[0].toxicity == pytest.approx(after_save[0].toxicity, abs=1e-2)  # only fp16 rounding
    config = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert config["attributes"] == list(tiny.attributes) and config["stance_labels"] == list(STANCE_LABELS)
    assert (tmp_path / "ckpt" / "README.md").read_text().startswith("# tiny")
    assert not list((tmp_path / "ckpt").glob("*.bin")) and not list((tmp_path / "ckpt").glob("*.pt"))


def test_calibration_and_threshold_come_from_the_config(tiny) -> None:
    raw = tiny.predict(COMMENTS[1]).toxicity["toxicity"]
    tiny.config.toxicity_calibration["toxicity"] = {"scale": 0.0, "bias": 2.0}
    try:
        calibrated = tiny.predict(COMMENTS[1]).toxicity["toxicity"]
        assert calibrated == pytest.approx(torch.sigmoid(torch.tensor(2.0)).item())
        assert calibrated != pytest.approx(raw)
        assert tiny.is_toxic(tiny.predict(COMMENTS[1])) == (calibrated >= tiny.toxicity_threshold)
    finally:
        del tiny.config.toxicity_calibration["toxicity"]


def test_missing_or_damaged_checkpoint_names_the_folder(tmp_path: Path, tiny) -> None:
    with pytest.raises(ModelError, match=str(tmp_path)):
        load_model(tmp_path)
    tiny.save(tmp_path / "ckpt")
    (tmp_path / "ckpt" / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelError, match="model.safetensors"):
        load_model(tmp_path / "ckpt")


@pytest.mark.slow
def test_shipped_model_loads_and_ranks_an_insult_above_a_news_remark() -> None:
    model = load_model(device="cpu")
    assert model.name == "default" and model.config.base_encoder["sha256"]
    insult, remark = model.predict(["You are a pathetic idiot, shut up.", "The talks resume in Stockholm on Friday."],
                                   "US-North Korea nuclear talks")
    assert insult.toxicity["toxicity"] > remark.toxicity["toxicity"]
    assert 0.0 < model.toxicity_threshold < 1.0
    assert (model.path / "README.md").read_text().count("license") >= 1


def test_context_follows_the_comment_capped_and_only_with_a_target() -> None:
    tokenizer = load_tokenizer()
    title = "Kim and Trump meet again at the border " * 4
    windows = encode_windows(tokenizer, ["Never again.", "Never again.", "Never again."], ["the talks", None, "the talks"],
                             48, contexts=[title, title, None], context_tokens=64)
    with_context, no_target, no_context = windows
    sep = tokenizer.sep_token_id
    comment_ids = tokenizer("Never again.", add_special_tokens=False)["input_ids"]
    assert [i for i, m in zip(with_context.input_ids, with_context.comment_mask) if m] == comment_ids
    after_comment = with_context.input_ids[with_context.input_ids.index(sep, 1) + len(comment_ids) + 2:-1]
    assert after_comment == tokenizer(title, add_special_tokens=False)["input_ids"][: int(48 * 0.25)]
    assert len(with_context.input_ids) <= 48 and with_context.input_ids[-1] == sep
    assert with_context.token_type_ids[-len(after_comment) - 1:] == [0] * (len(after_comment) + 1)
    assert no_target.input_ids == tokenizer("Never again.")["input_ids"]  # context is for stance only
    assert no_context.input_ids == encode_windows(tokenizer, ["Never again."], ["the talks"], 48)[0].input_ids


def test_only_a_checkpoint_that_reads_context_changes_its_stance_with_it() -> None:
    comments, target = ["They will never give that up.", "About time."], "the nuclear talks"
    contexts = ["Summit ends without a deal", "Leaders agree to meet again"]
    reader = build_tiny_model(seed=5, context_tokens=32)
    bare, read = reader.predict(comments, target), reader.predict(comments, target, contexts=contexts)
    assert reader.reads_context and all(a.stance != b.stance for a, b in zip(bare, read))
    ignorer = build_tiny_model(seed=5)
    assert not ignorer.reads_context
    assert ignorer.predict(comments, target, contexts=contexts) == ignorer.predict(comments, target)
    with pytest.raises(ValueError, match="contexts"):
        reader.predict(comments, target, contexts=["only one of two"])
