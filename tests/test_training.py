"""Training on invented fixtures with the tiny model: loss goes down, outputs load, bad data is named."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from analyzer.cli import main
from analyzer.evaluation.metrics import at_threshold, best_f1_threshold
from analyzer.finetune import finetune
from analyzer.finetune.arguments import TrainingArguments
from analyzer.finetune.data import Columns, DataError, load_examples, read_table
from analyzer.finetune.examples import IGNORE_STANCE, Example, no_toxicity, toxicity_vector
from analyzer.calibration import decision_threshold, fit_platt
from analyzer.finetune.trainer import stance_metrics, toxicity_metrics, train
from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES, build_tiny_model, load_model
from analyzer.splits import is_validation
from conftest import ON_A_GPU

RUDE = ["idiot", "moron", "clown", "fool", "loser"]
CALM = ["policy", "budget", "schedule", "meeting", "report"]


def invented_rows(n: int, seed: int = 0) -> list[dict]:
    """Toxic rows insult someone, clean rows talk about the news; articles a1…a9 group them."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        toxic = i % 2 == 0
        word = rng.choice(RUDE if toxic else CALM)
        text = f"you are a {word}" if toxic else f"the {word} was discussed today"
        rows.append({"text": f"{text} {i}", "label": int(toxic), "article": f"a{i % 9}",
                     "stance": STANCE_LABELS[i % 3], "topic": "the ceasefire"})
    return rows


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tiny")
    build_tiny_model(seed=3).save(directory)
    return directory


@pytest.fixture
def toxicity_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    pd.DataFrame(invented_rows(72)).to_csv(path, index=False)
    return path


def quiet_args(tmp_path: Path, tiny_dir: Path, **overrides) -> TrainingArguments:
    values = dict(output_dir=tmp_path / "out", task="toxicity", init_from=str(tiny_dir), max_length=32,
                  batch_size=8, learning_rate=3e-3, head_learning_rate=3e-3, warmup_ratio=0.0,
                  show_progress_bar=False, eval_every=10, checkpoint_every=10)
    values.update(overrides)
    return TrainingArguments(**values)


@pytest.mark.parametrize("device", ["cpu", ON_A_GPU])
def test_loss_goes_down_on_a_learnable_fixture(tmp_path: Path, tiny_dir: Path, device: str) -> None:
    # On a GPU this once crashed: the network was moved there inside inference mode (while caching the
    # frozen layers), and inference tensors can never require grad again.
    model = load_model(tiny_dir, device="cpu")
    examples = [
        Example(r["text"], None, toxicity_vector(model.attributes, toxicity=r["label"]), IGNORE_STANCE, r["article"], "t")
        for r in invented_rows(64)
    ]
    args = quiet_args(tmp_path, tiny_dir, max_steps=40, trainable_layers=2, early_stopping_patience=100, device=device)
    result = train(args, examples, examples[:16], model=model, log=lambda _: None)
    assert len(result.losses) == 40
    assert np.mean(result.losses[-8:]) < 0.7 * np.mean(result.losses[:8])
    assert result.validation["toxicity_roc_auc"] > 0.8
    # The trained model lives where it was trained and predicts there.
    assert result.model.device == device and next(result.model.net.parameters()).device.type == device
    assert result.model.predict("you are a moron").toxicity["toxicity"] > result.model.predict("the budget").toxicity["toxicity"]


def test_a_fine_tune_that_only_gets_worse_returns_the_starting_weights(tmp_path: Path, tiny_dir: Path) -> None:
    model = load_model(tiny_dir)
    rows = invented_rows(64)
    good = [Example(r["text"], None, toxicity_vector(model.attributes, toxicity=r["label"]), IGNORE_STANCE,
                    r["article"], "t") for r in rows]
    flipped = [Example(e.text, None, toxicity_vector(model.attributes, toxicity=1 - r["label"]), IGNORE_STANCE,
                       e.group, "t") for e, r in zip(good, rows)]
    start = tmp_path / "start"
    trained = train(quiet_args(tmp_path, tiny_dir, max_steps=40, trainable_layers=2, early_stopping_patience=100),
                    good, good[:16], model=model, log=lambda _: None)
    trained.model.save(start)
    texts = [e.text for e in good[:6]]
    before = load_model(start).predict(texts)
    lines: list[str] = []
    # Labels opposite to validation's: every step moves away from the starting model's score.
    worse = train(quiet_args(tmp_path, start, max_steps=20, trainable_layers=2, early_stopping_patience=100),
                  flipped, good[:16], model=load_model(start), log=lines.append)
    assert worse.history[0]["step"] == 0 and max(h["score"] for h in worse.history[1:]) < worse.history[0]["score"]
    assert any("keeping its weights" in line for line in lines)
    after = worse.model.predict(texts)
    assert [p.toxicity["toxicity"] for p in after] == pytest.approx([p.toxicity["toxicity"] for p in before], abs=0.02)


def test_cli_train_writes_a_checkpoint_that_loads_and_predicts_the_same(
    tmp_path: Path, tiny_dir: Path, toxicity_csv: Path
) -> None:
    out = tmp_path / "ckpt"
    code = main(["train", "--task", "toxicity", "--data", str(toxicity_csv), "--out", str(out),
                 "--init-from", str(tiny_dir), "--group-column", "article", "--max-steps", "6",
                 "--batch-size", "8", "--name", "newsroom"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["arguments"]["max_steps"] == 6 and "history" in metrics
    assert "toxicity_roc_auc" in metrics["validation"] and "toxicity_f1_at_threshold" in metrics["validation"]
    model = load_model(out)
    assert model.name == "newsroom"
    assert model.max_length == load_model(tiny_dir).max_length == 48  # no --max-length: the start's windows
    texts = ["you are a clown", "the budget was discussed"]
    assert model.predict(texts) == load_model(out).predict(texts)
    assert 0.0 < model.toxicity_threshold < 1.0  # chosen on validation, not left at a default


def test_stance_training_with_a_target_column(tmp_path: Path, tiny_dir: Path) -> None:
    path = tmp_path / "stance.jsonl"
    pd.DataFrame(invented_rows(45)).to_json(path, orient="records", lines=True)
    args = quiet_args(tmp_path, tiny_dir, task="stance", max_steps=3)
    metrics = finetune(args, [path], Columns(label="stance", target="topic", group="article"), log=lambda _: None)
    assert {"stance_macro_f1", "stance_f_avg", "stance_n", "stance_favor_f1", "stance_none_recall"} <= set(metrics)
    prediction = load_model(args.output_dir).predict("we should keep talking", "the ceasefire")
    assert set(prediction.stance) == set(STANCE_LABELS)


def test_resume_continues_from_the_saved_step(tmp_path: Path, tiny_dir: Path, toxicity_csv: Path) -> None:
    columns = Columns(group="article")
    first = quiet_args(tmp_path, tiny_dir, max_steps=4, checkpoint_every=2)
    finetune(first, [toxicity_csv], columns, log=lambda _: None)
    assert (first.output_dir / "resume" / "state.pt").is_file()
    lines: list[str] = []
    second = quiet_args(tmp_path, tiny_dir, max_steps=6, checkpoint_every=2, resume=True)
    metrics = finetune(second, [toxicity_csv], columns, log=lines.append)
    assert any("resumed at step 4" in line for line in lines)
    assert metrics["steps"] == 6


@pytest.mark.parametrize(
    ("rows", "columns", "message"),
    [
        ([{"body": "hi", "label": 1}], Columns(), r"no column 'text'; the columns are \['body', 'label'\]"),
        ([{"text": "hi", "label": "maybe"}], Columns(), r"row 1, column 'label': unknown toxicity label 'maybe'"),
        ([{"text": "hi", "label": 1.5}], Columns(), "unknown toxicity label"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, rows, columns, message) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(DataError, match=message) as error:
        load_examples(path, "toxicity", columns, ("toxicity",))
    assert "bad.csv" in str(error.value)


def test_training_rows_are_read_by_their_own_words(tmp_path: Path) -> None:
    path = tmp_path / "site.csv"
    pd.DataFrame([{"text": "> You idiots.\nPlease keep it civil.", "label": 0}]).to_csv(path, index=False)
    [example] = load_examples(path, "toxicity", Columns(), ("toxicity",))
    assert example.text == "Please keep it civil."


def test_unknown_stance_label_and_missing_target_are_named(tmp_path: Path) -> None:
    path = tmp_path / "stance.csv"
    pd.DataFrame([{"text": "a", "label": "favor", "topic": "x"}, {"text": "b", "label": "sideways", "topic": "x"}]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 2, column 'label': unknown stance label 'sideways'"):
        load_examples(path, "stance", Columns(target="topic"), ("toxicity",))
    with pytest.raises(DataError, match="needs a target"):
        load_examples(path, "stance", Columns(), ("toxicity",))


def test_empty_file_and_too_few_examples_per_class(tmp_path: Path, tiny_dir: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        read_table(empty)
    one_sided = tmp_path / "one_sided.csv"
    pd.DataFrame([{"text": f"calm words {i}", "label": 0, "article": "a1"} for i in range(20)]).to_csv(one_sided, index=False)
    with pytest.raises(DataError, match=r"one_sided.csv: too few training examples per class \{'toxic': 0\}"):
        finetune(quiet_args(tmp_path, tiny_dir, max_steps=1), [one_sided], Columns(group="article"), log=lambda _: None)
    code = main(["train", "--task", "toxicity", "--data", str(one_sided), "--out", str(tmp_path / "x"),
                 "--init-from", str(tiny_dir)])
    assert code == 1


def test_parquet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pd.DataFrame(invented_rows(6)).to_parquet(path)
    examples = load_examples(path, "toxicity", Columns(group="article"), ("toxicity", "insult"))
    assert [e.toxicity[0] for e in examples] == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert all(np.isnan(e.toxicity[1]) for e in examples)  # insult is not taught by this file


def test_validation_split_is_stable_and_about_a_fifth() -> None:
    keys = [str(1000 + i) for i in range(2000)]
    held_out = [k for k in keys if is_validation(k)]
    assert 0.17 < len(held_out) / len(keys) < 0.23
    assert held_out == [k for k in keys if is_validation(k)]
    assert is_validation(5) == is_validation("5")


def test_platt_scaling_and_threshold_follow_the_data() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=400)
    positive = rng.random(400) < 1 / (1 + np.exp(-(2 * logits - 1)))
    params = fit_platt(logits, positive)
    assert 1.2 < params["scale"] < 3.0 and -1.6 < params["bias"] < -0.4
    probabilities = 1 / (1 + np.exp(-(params["scale"] * logits + params["bias"])))
    threshold, f1 = decision_threshold(probabilities, positive)
    assert threshold == pytest.approx(best_f1_threshold(positive, probabilities).f1 / 2)
    assert f1 == pytest.approx(at_threshold(positive, probabilities, threshold).f1)


def test_training_metrics_are_the_evaluation_metrics_under_flat_names() -> None:
    # gold: favor favor against none none none (the last example teaches toxicity only);
    # argmax: favor none none none none favor, so "against" is never predicted.
    labels = np.array([0, 0, 1, 2, 2, 2, IGNORE_STANCE])
    logits = np.eye(3)[[0, 2, 2, 2, 2, 0, 1]]
    metrics = stance_metrics(logits, labels, STANCE_LABELS)
    none_f1 = 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)
    assert metrics == pytest.approx({
        "stance_macro_f1": (0.5 + 0.0 + none_f1) / 3, "stance_f_avg": 0.25, "stance_n": 6,
        "stance_favor_f1": 0.5, "stance_favor_recall": 0.5,
        "stance_against_f1": 0.0, "stance_against_recall": 0.0,
        "stance_none_f1": none_f1, "stance_none_recall": 2 / 3,
    })
    assert stance_metrics(logits[-1:], labels[-1:], STANCE_LABELS) == {}
    targets = np.array([[1.0, np.nan], [0.0, 1.0], [1.0, np.nan], [0.0, 1.0]])
    scores = np.array([[2.0, 0.0], [1.0, 0.0], [0.5, 0.0], [-1.0, 0.0]])
    # "insult" has no negative example: no ROC-AUC, so no keys for it.
    assert toxicity_metrics(scores, targets, ("toxicity", "insult")) == {
        "toxicity_roc_auc": 0.75, "toxicity_n": 4, "toxicity_positives": 2,
    }


def test_half_the_best_f1_is_the_f1_optimal_threshold_of_calibrated_probabilities() -> None:
    # Calibrated by construction (the label is drawn with the stated probability), 10% positive.
    rng = np.random.default_rng(1)
    probabilities = 1 / (1 + np.exp(-rng.normal(-3.0, 1.5, size=50_000)))
    positive = rng.random(probabilities.size) < probabilities
    best = best_f1_threshold(positive, probabilities)
    threshold, f1 = decision_threshold(probabilities, positive)
    assert 0.1 < threshold < 0.4
    assert f1 > best.f1 - 0.01


def test_random_targets_pair_toxicity_texts_and_can_label_them_none() -> None:
    from training.corpora import with_random_targets

    texts = [Example(f"text {i}", None, toxicity_vector(("toxicity",), toxicity=1.0), IGNORE_STANCE, f"g{i}", "t")
             for i in range(400)]
    topics = ["bike lanes", "school meals", "night buses"]
    kept = with_random_targets(texts, topics, rate=0.5, seed=1)
    labelled = with_random_targets(texts, topics, rate=0.5, seed=1, stance=STANCE_LABELS.index("none"))
    paired = [e for e in labelled if e.target is not None]
    assert 150 < len(paired) < 250 and {e.target for e in paired} <= set(topics)
    assert {e.stance for e in paired} == {STANCE_LABELS.index("none")}
    assert {e.stance for e in labelled if e.target is None} == {IGNORE_STANCE}  # unpaired: still no stance
    assert [e.target for e in kept] == [e.target for e in labelled]  # same seed, same pairs
    assert {e.stance for e in kept} == {IGNORE_STANCE}


def test_a_model_trained_with_context_learns_what_only_the_context_says(tmp_path: Path, tiny_dir: Path) -> None:
    # The same reply under two kinds of headline: only the context tells favor from against.
    headlines = {"favor": "Leaders sign a peace deal", "against": "Talks collapse in acrimony"}
    examples = [
        Example(f"see the news {i}", "the talks", no_toxicity(TOXICITY_ATTRIBUTES), STANCE_LABELS.index(stance), f"g{i}",
                "invented", context=headlines[stance])
        for i in range(80) for stance in headlines
    ]
    args = quiet_args(tmp_path, tiny_dir, task="stance", context_tokens=16, epochs=12, max_length=48)
    result = train(args, examples[:120], examples[120:], log=lambda line: None)
    assert result.model.config.context_tokens == 16
    held_out = examples[120:]
    predicted = result.model.predict([e.text for e in held_out], "the talks", contexts=[e.context for e in held_out])
    accuracy = np.mean([p.stance_label == STANCE_LABELS[e.stance] for p, e in zip(predicted, held_out)])
    assert accuracy >= 0.9
    bare = result.model.predict([e.text for e in held_out], "the talks")  # no context: no way to tell
    assert np.mean([p.stance_label == STANCE_LABELS[e.stance] for p, e in zip(bare, held_out)]) < 0.8


def test_new_attributes_get_outputs_and_the_old_ones_keep_their_scores(tiny_dir: Path) -> None:
    from dataclasses import replace

    from analyzer.finetune.trainer import with_attributes

    tiny = load_model(tiny_dir, backend="torch")
    fewer = with_attributes(tiny, TOXICITY_ATTRIBUTES)  # the same attributes: the same model
    assert fewer is tiny
    # a checkpoint made before the last two attributes existed
    older = replace(tiny.config, attributes=TOXICITY_ATTRIBUTES[:-2])
    head = tiny.net.toxicity_head[-1]
    from analyzer.model import Model, build_net

    net = build_net(older)
    state = {k: v for k, v in tiny.net.state_dict().items() if not k.startswith("toxicity_head.4.")}
    net.load_state_dict(state, strict=False)
    net.toxicity_head[-1].weight.data.copy_(head.weight.data[:-2])
    net.toxicity_head[-1].bias.data.copy_(head.bias.data[:-2])
    old_model = Model(net, older)
    widened = with_attributes(old_model, TOXICITY_ATTRIBUTES, seed=1)
    texts = ["you are a clown", "the budget was discussed today"]
    before, after = old_model.predict(texts, "the ceasefire"), widened.predict(texts, "the ceasefire")
    for b, a in zip(before, after):
        assert list(a.toxicity) == list(TOXICITY_ATTRIBUTES)
        assert all(abs(a.toxicity[name] - value) < 1e-6 for name, value in b.toxicity.items())
        assert a.stance == pytest.approx(b.stance)
    with pytest.raises(ValueError, match="obscene"):
        with_attributes(widened, [name for name in TOXICITY_ATTRIBUTES if name != "obscene"])


def test_calibration_fits_only_the_named_sources_rows_and_measures_all(tiny_dir: Path) -> None:
    from analyzer.finetune.trainer import calibrate

    rng = np.random.default_rng(0)
    rows, logits = [], []
    for i in range(400):  # "news": 10% toxic; "balanced": half toxic, a class-balanced set
        source = "news" if i < 200 else "balanced"
        toxic = rng.random() < (0.1 if source == "news" else 0.5)
        rows.append(Example(f"text {i}", None, toxicity_vector(TOXICITY_ATTRIBUTES, toxicity=float(toxic)),
                            IGNORE_STANCE, f"g{i}", source))
        logits.append(rng.normal(1.0 if toxic else -1.0))
    tox = np.zeros((len(rows), len(TOXICITY_ATTRIBUTES)))
    tox[:, 0] = logits
    stance = np.zeros((len(rows), len(STANCE_LABELS)))

    def fitted(sources):
        model = load_model(tiny_dir, backend="torch")
        metrics = calibrate(model, rows, tox, stance, sources)
        probabilities = model.calibrate_toxicity(torch.tensor(tox))[:, 0].numpy()
        return model, metrics, probabilities

    news, news_metrics, news_p = fitted(["news"])
    pooled, pooled_metrics, pooled_p = fitted(None)
    assert news.config.calibration["sources"] == ["news"] and news.config.calibration["rows"] == 200
    assert pooled.config.calibration["sources"] is None and pooled.config.calibration["rows"] == 400
    assert news_metrics["toxicity_n"] == pooled_metrics["toxicity_n"] == 400  # measured on every row
    # fitted on the news rows, the mean probability there matches their rate; pooled, it is pulled up
    news_rate = np.mean([r.toxicity[0] for r in rows[:200]])
    assert abs(news_p[:200].mean() - news_rate) < 0.02 < pooled_p[:200].mean() - news_rate
