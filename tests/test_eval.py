"""``eval``: reading labeled files, the report files, the CLI, on a tiny random model and invented rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from analyzer.cli import main
from analyzer.config import EvalOptions
from analyzer.evaluation import EvalError, evaluate, load_labeled, parse_label_map, subsample, write_report
from analyzer.evaluation.metrics import within_group_roc_auc
from analyzer.model import STANCE_LABELS, build_tiny_model
from analyzer.splits import is_validation

WORDS = "council budget road idiot thanks stupid agree bridge vote moron fine plan".split()
TOXIC = {"idiot", "stupid", "moron"}


@pytest.fixture(scope="module")
def tiny_model():
    return build_tiny_model(seed=1)


def _invented_comments(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=7)) for _ in range(n)]


@pytest.fixture
def toxicity_csv(tmp_path):
    texts = _invented_comments(90)
    # Graded like C3's crowd level (1-4): a rude word makes it 2.5, else 1.0.
    levels = [2.5 if TOXIC & set(t.split()) else 1.0 for t in texts]
    path = tmp_path / "tox.csv"
    pd.DataFrame({"comment_text": texts, "crowd_toxicity_level": levels, "article_id": [i % 9 for i in range(90)]}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture
def stance_jsonl(tmp_path):
    texts = _invented_comments(60, seed=2)
    rng = np.random.default_rng(3)
    rows = [
        {"Tweet": t, "Target": ["bike lanes", "the budget"][i % 2], "Stance": int(rng.integers(0, 3)), "seen?": i % 3 and 1}
        for i, t in enumerate(texts)
    ]
    path = tmp_path / "stance.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


# --- reading labeled rows ---------------------------------------------------------------------


def test_graded_labels_become_binary_at_the_positive_threshold(toxicity_csv):
    data = load_labeled([toxicity_csv], "toxicity", EvalOptions(positive_threshold=2.0))
    frame = pd.read_csv(toxicity_csv)
    assert data.labels == [int(level >= 2.0) for level in frame["crowd_toxicity_level"]]
    assert data.sources[0].columns == {
        "text": "comment_text", "label": "crowd_toxicity_level", "target": None, "group": "article_id"
    }


def test_graded_labels_without_a_threshold_are_dropped_with_file_and_row(tmp_path):
    path = tmp_path / "mixed.csv"
    pd.DataFrame({"text": ["fine", "you idiot", "meh"], "label": ["0", "1", "2.5"]}).to_csv(path, index=False)
    data = load_labeled([path], "toxicity", EvalOptions())
    assert data.labels == [0, 1]
    assert data.dropped == [f"{path}: row 3: toxicity label '2.5' is not 0/1 (graded labels need --positive-threshold)"]
    with pytest.raises(EvalError, match="no usable labeled rows"):
        load_labeled([path], "toxicity", EvalOptions(where=(("label", "2.5"),)))


def test_labelled_rows_are_read_by_their_own_words_as_score_reads_them(tmp_path):
    # a row copied from a scores table keeps the lines it quotes; the model is measured on what score gives it
    path = tmp_path / "site.csv"
    pd.DataFrame({"text": ["Ann wrote:\n> You idiots.\n\nPlease keep it civil.", "> only a quote"],
                  "label": ["0", "1"]}).to_csv(path, index=False)
    assert load_labeled([path], "toxicity", EvalOptions()).texts == ["Please keep it civil.", "> only a quote"]


def test_vast_label_map_where_filter_and_jsonl(stance_jsonl):
    options = EvalOptions(label_map=parse_label_map("vast"), where=(("seen?", "0"),))
    data = load_labeled([stance_jsonl], "stance", options)
    raw = pd.read_json(stance_jsonl, lines=True)
    kept = raw[raw["seen?"] == 0]
    assert len(data) == len(kept) == 20
    assert data.labels == [{0: "against", 1: "favor", 2: "none"}[v] for v in kept["Stance"]]
    assert data.targets == list(kept["Target"])


def test_label_map_spec_and_bad_labels_are_reported_per_row(tmp_path):
    assert parse_label_map("pro=favor, con=against,neutral=none") == {"pro": "favor", "con": "against", "neutral": "none"}
    with pytest.raises(ValueError, match="RAW=LABEL"):
        parse_label_map("pro:favor")
    path = tmp_path / "s.csv"
    pd.DataFrame(
        {"text": ["we need this", "", "no way", "whatever"], "stance": ["favor", "none", "maybe", "none"]}
    ).to_csv(path, index=False)
    data = load_labeled([path], "stance", EvalOptions(target="the plan"))
    assert data.texts == ["we need this", "whatever"]
    assert data.targets == ["the plan", "the plan"]
    assert data.dropped == [f"{path}: row 2: empty text", f"{path}: row 3: stance label 'maybe' is not one of "
                            "favor/against/none or their usual spellings (con, favour, neutral, pro; see --label-map)"]


def test_eval_reads_the_label_words_train_reads(tmp_path):
    # a file labelled for `train` (pro / con / neutral, yes / no) is evaluated whole, not half dropped
    from analyzer.finetune.data import _stance_label, _toxicity_label

    path = tmp_path / "labels.csv"
    words = ["Pro", "con", "NEUTRAL", "favour", "AGAINST"]
    pd.DataFrame({"text": [f"comment {n}" for n in range(5)], "stance": words}).to_csv(path, index=False)
    data = load_labeled([path], "stance", EvalOptions(target="the plan"))
    assert data.labels == ["favor", "against", "none", "favor", "against"] and data.dropped == []
    assert [STANCE_LABELS[_stance_label(w, path, "stance", 1)] for w in words] == data.labels
    path.write_text("text,label\nfine,no\nawful,Yes\nmeh,clean\nugh,toxic\n")
    toxic = load_labeled([path], "toxicity", EvalOptions())
    assert toxic.labels == [0, 1, 0, 1] == [int(_toxicity_label(w, path, "label", 1)) for w in ("no", "Yes", "clean", "toxic")]


def test_stance_without_any_target_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"text": ["a"], "stance": ["favor"]}).to_csv(path, index=False)
    with pytest.raises(EvalError, match="--target"):
        load_labeled([path], "stance", EvalOptions())


def test_named_columns_must_exist(toxicity_csv):
    with pytest.raises(EvalError, match="no label column 'toxic'.*comment_text"):
        load_labeled([toxicity_csv], "toxicity", EvalOptions(label_column="toxic"))


def test_validation_split_keeps_whole_validation_articles(toxicity_csv):
    options = EvalOptions(positive_threshold=2.0)
    validation = load_labeled([toxicity_csv], "toxicity", options, keep_validation=True)
    rest = load_labeled([toxicity_csv], "toxicity", options, keep_validation=False)
    assert validation.groups and all(is_validation(g) for g in validation.groups)
    assert not any(is_validation(g) for g in rest.groups)
    assert len(validation) + len(rest) == 90


def test_subsample_is_fixed_by_the_seed_and_keeps_row_order(toxicity_csv):
    data = load_labeled([toxicity_csv], "toxicity", EvalOptions(positive_threshold=2.0))
    first, again = subsample(data, 30, seed=4), subsample(data, 30, seed=4)
    assert first.texts == again.texts and len(first) == 30
    positions = [data.texts.index(t) for t in first.texts]
    assert positions == sorted(positions)
    assert subsample(data, 30, seed=5).texts != first.texts


# --- the report --------------------------------------------------------------------------------


def test_toxicity_report_files_and_numbers(tiny_model, toxicity_csv, tmp_path):
    options = EvalOptions(positive_threshold=2.0, bootstrap_resamples=50)
    result = evaluate(tiny_model, "toxicity", [toxicity_csv], options, name="tox", with_baselines=True,
                      baseline_train_paths=[toxicity_csv])
    report = write_report(result, tmp_path / "out")
    out = report.parent
    assert {p.name for p in out.iterdir()} == {"report.md", "metrics.json", "groups.csv", "reliability.png", "roc_pr.png"}
    for png in ("reliability.png", "roc_pr.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["rows"] == 90 and metrics["model"]["name"] == "tiny" and metrics["model"]["backend"] == "torch"
    ci = metrics["intervals"]["roc_auc"]
    assert ci["low"] <= ci["estimate"] <= ci["high"]
    assert ci["estimate"] == pytest.approx(metrics["metrics"]["roc_auc"])
    # The rude-word rule is exactly what the labels encode, so the TF-IDF baseline ranks perfectly
    # and the random tiny model does not: the difference interval must sit below zero.
    assert metrics["baselines"]["tfidf-lr"]["metrics"]["roc_auc"] == pytest.approx(1.0)
    assert metrics["baselines"]["tfidf-lr"]["model_minus_baseline"]["high"] < 0
    assert set(metrics["baselines"]) == {"profanity-check", "tfidf-lr"}
    assert len(metrics["groups"]) == 9 and sum(g["n"] for g in metrics["groups"]) == 90
    assert metrics["bootstrap_resampled"] == "group"
    within = metrics["within_groups"]
    assert within["roc_auc"]["estimate"] == pytest.approx(
        within_group_roc_auc(result.data.labels, result.outputs, result.data.groups))
    assert within["pairs"] > 0 and -1 < within["label_share_between_groups"] < 1
    text = report.read_text()
    assert f"Pairs inside one article ({within['pairs']:,} pairs" in text
    assert "50 resamples of the 9 groups, each drawn whole" in text
    assert "ROC-AUC" in text and "![reliability](reliability.png)" in text and "## Per article" in text


def test_cutoffs_report_roc_auc_at_other_grades_of_the_label(tiny_model, tmp_path):
    texts = _invented_comments(120, seed=6)
    # Three grades of rudeness, plus a borderline 1.6 on every third polite comment.
    levels = [3.5 if "moron" in t.split() else 2.0 if TOXIC & set(t.split()) else 1.6 if i % 3 == 0 else 1.0
              for i, t in enumerate(texts)]
    path = tmp_path / "graded.csv"
    pd.DataFrame({"comment_text": texts, "crowd_toxicity_level": levels}).to_csv(path, index=False)
    options = EvalOptions(positive_threshold=2.0, cutoffs=(4.0, 1.5, 2.0, 3.0), bootstrap_resamples=30)
    result = evaluate(tiny_model, "toxicity", [path], options, name="graded")
    grades = np.array(levels)
    assert [row["cutoff"] for row in result.cutoffs] == [1.5, 2.0, 3.0, 4.0]
    assert [row["positives"] for row in result.cutoffs] == [int((grades >= c).sum()) for c in (1.5, 2.0, 3.0, 4.0)]
    for row in result.cutoffs[:3]:
        assert row["roc_auc"].estimate == pytest.approx(roc_auc_score(grades >= row["cutoff"], result.outputs))
    # At the headline's own cut-off it is the headline; above every grade there is nothing to rank.
    assert result.cutoffs[1]["roc_auc"].estimate == pytest.approx(result.metrics["roc_auc"])
    assert result.cutoffs[3]["positives"] == 0 and np.isnan(result.cutoffs[3]["roc_auc"].estimate)
    out = write_report(result, tmp_path / "out").parent
    by_cutoff = json.loads((out / "metrics.json").read_text())["roc_auc_by_cutoff"]
    assert [row["cutoff"] for row in by_cutoff] == [1.5, 2.0, 3.0, 4.0] and by_cutoff[3]["roc_auc"]["estimate"] is None
    assert f"| 3.00 | {int((grades >= 3).sum())} |" in (out / "report.md").read_text()


def test_labels_that_follow_their_article_show_in_the_within_article_numbers(tiny_model, tmp_path):
    texts = _invented_comments(120, seed=8)
    articles = [i % 6 for i in range(120)]
    fair = [2.5 if TOXIC & set(t.split()) else 1.0 for t in texts]
    # The raters of articles 0-2 graded every comment a level up, whatever the text said.
    strict = [level + (1.0 if a < 3 else 0.0) for level, a in zip(fair, articles)]

    def within(levels: list[float], name: str, groups: list[int] | None = articles) -> dict:
        path = tmp_path / f"{name}.csv"
        columns = {"comment_text": texts, "crowd_toxicity_level": levels} | ({"article_id": groups} if groups else {})
        pd.DataFrame(columns).to_csv(path, index=False)
        options = EvalOptions(positive_threshold=2.0, bootstrap_resamples=30)
        return evaluate(tiny_model, "toxicity", [path], options).within_groups

    fair_numbers, strict_numbers = within(fair, "fair"), within(strict, "strict")
    assert abs(fair_numbers["label_share_between_groups"]) < 0.1 < 0.3 < strict_numbers["label_share_between_groups"]
    assert fair_numbers["group_mates_label_roc_auc"] < 0.6 < 0.7 < strict_numbers["group_mates_label_roc_auc"]
    labels = np.array(fair) >= 2
    assert fair_numbers["pairs"] == sum(int(labels[a::6].sum()) * int((~labels[a::6]).sum()) for a in range(6))
    # Rows without groups get none of it.
    assert within(fair, "ungrouped", groups=None) == {}


def test_cutoffs_need_graded_labels():
    with pytest.raises(ValueError, match="--positive-threshold"):
        EvalOptions(cutoffs=(2.0,))


def test_stance_report_has_confusion_matrix_and_per_target_breakdown(tiny_model, stance_jsonl, tmp_path):
    options = EvalOptions(label_map=parse_label_map("vast"), bootstrap_resamples=50)
    result = evaluate(tiny_model, "stance", [stance_jsonl], options, name="st", with_baselines=True)
    out = write_report(result, tmp_path / "st").parent
    assert (out / "confusion.png").is_file() and (out / "stance_f1.png").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert np.sum(metrics["metrics"]["confusion"]) == 60
    assert [g["group"] for g in metrics["groups"]] == ["bike lanes", "the budget"]
    # No baseline-training file: only the (oracle) majority class, whose macro-F1 is that of one class.
    assert set(metrics["baselines"]) == {"majority"}
    assert "Per target" in (out / "report.md").read_text()
    # No group column: the bootstrap can only draw rows.
    assert metrics["bootstrap_resampled"] == "row"


def test_compared_checkpoints_get_their_numbers_and_the_paired_difference(tiny_model, toxicity_csv, stance_jsonl, tmp_path):
    other = build_tiny_model(seed=2)
    options = EvalOptions(positive_threshold=2.0, bootstrap_resamples=40)
    result = evaluate(tiny_model, "toxicity", [toxicity_csv], options, compare_with=[tiny_model, other])
    itself, second = result.baselines
    # Systems named like the evaluated model, or like each other, stay apart; the model against itself
    # differs by exactly nothing.
    assert (itself.name, second.name) == (f"tiny {tiny_model.version} #2", f"tiny {tiny_model.version} #3")
    assert (itself.model_minus_baseline.low, itself.model_minus_baseline.high) == (0.0, 0.0)
    labels = np.array(result.data.labels)
    other_scores = np.array([p.toxicity["toxicity"] for p in other.predict(result.data.texts)])
    assert second.metrics["roc_auc"] == pytest.approx(roc_auc_score(labels, other_scores))
    assert second.model_minus_baseline.estimate == pytest.approx(result.metrics["roc_auc"] - second.metrics["roc_auc"])
    assert "at its own threshold" in second.description
    text = write_report(result, tmp_path / "tox").read_text()
    assert f"| tiny {tiny_model.version} #3 | " in text

    stance_options = EvalOptions(label_map=parse_label_map("vast"), bootstrap_resamples=40)
    stance = evaluate(tiny_model, "stance", [stance_jsonl], stance_options, compare_with=[other])
    (compared,) = stance.baselines
    predicted = [p.stance_label for p in other.predict(stance.data.texts, stance.data.targets)]
    assert compared.outputs == predicted
    assert compared.model_minus_baseline.estimate == pytest.approx(stance.metrics["macro_f1"] - compared.metrics["macro_f1"])


def test_cli_eval_compares_with_a_checkpoint_folder_and_names_a_missing_one(tiny_model, toxicity_csv, tmp_path):
    other_dir = tmp_path / "other"
    build_tiny_model(seed=2).save(other_dir)
    common = ["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--positive-threshold", "2", "--bootstrap", "20"]
    model_dir = tmp_path / "tiny"
    tiny_model.save(model_dir)
    assert main([*common, "--model", str(model_dir), "--compare", str(other_dir), "-o", str(tmp_path / "o")]) == 0
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    (entry,) = metrics["baselines"].values()
    assert str(other_dir.name) in entry["description"] and entry["model_minus_baseline"]["estimate"] is not None
    assert main([*common, "--model", str(model_dir), "--compare", str(tmp_path / "nothing")]) == 1


def test_cli_eval_writes_the_report_and_returns_zero(tiny_model, toxicity_csv, tmp_path):
    model_dir = tmp_path / "tiny"
    tiny_model.save(model_dir)
    out = tmp_path / "cli"
    code = main([
        "eval", "--task", "toxicity", "--data", str(toxicity_csv), "--model", str(model_dir),
        "--positive-threshold", "2", "--split", "validation", "--bootstrap", "20", "-o", str(out),
    ])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["options"]["split"] == "validation"
    assert all(is_validation(g["group"]) for g in metrics["groups"])


def test_cli_eval_bootstrap_unit_row_overrides_the_groups(tiny_model, toxicity_csv, tmp_path):
    model_dir = tmp_path / "tiny"
    tiny_model.save(model_dir)
    code = main(["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--model", str(model_dir),
                 "--positive-threshold", "2", "--bootstrap", "20", "--bootstrap-unit", "row", "-o", str(tmp_path / "o")])
    assert code == 0
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert metrics["options"]["bootstrap_unit"] == "row" and metrics["bootstrap_resampled"] == "row"
    assert "20 resamples of the rows" in (tmp_path / "o" / "report.md").read_text()


def test_cli_eval_max_tokens_reads_each_row_to_its_cut_and_the_report_says_so(tiny_model, toxicity_csv, tmp_path):
    model_dir = tmp_path / "tiny"
    tiny_model.save(model_dir)
    for name, extra in (("whole", []), ("cut", ["--max-tokens", "24"])):
        assert main(["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--model", str(model_dir),
                     "--positive-threshold", "2", "--bootstrap", "20", "-o", str(tmp_path / name), *extra]) == 0
    whole, cut = (json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("whole", "cut"))
    assert whole["model"]["max_tokens"] is None and cut["model"]["max_tokens"] == 24
    assert "each row read to its first 24 tokens" in (tmp_path / "cut" / "report.md").read_text()
    assert "read to its first" not in (tmp_path / "whole" / "report.md").read_text()


def test_cli_eval_bad_input_and_usage_exit_codes(tmp_path, toxicity_csv):
    assert main(["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--where", "nocolon"]) == 2
    assert main(["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--cutoffs", "2.5"]) == 2
    # A folder without a checkpoint is bad input, named on stderr.
    assert main(["eval", "--task", "toxicity", "--data", str(toxicity_csv), "--model", str(tmp_path)]) == 1


class HeadlineReader:
    """A stand-in checkpoint whose stance is the headline's: only a context that arrives can be right."""

    name, version, path, backend, toxicity_threshold = "headline-reader", "0", None, "torch", 0.5

    def predict(self, texts, targets=None, *, contexts=None, batch_size=32, show_progress_bar=False):
        from analyzer.model import Prediction

        contexts = contexts or [None] * len(texts)
        labels = ["favor" if c and "agree" in c else "against" if c else "none" for c in contexts]
        return [Prediction({"toxicity": 0.0}, {s: float(s == label) for s in ("favor", "against", "none")})
                for label in labels]


def test_a_context_column_reaches_the_model(tmp_path):
    rows = pd.DataFrame({
        "text": [f"they will never give that up {i}" for i in range(40)],
        "target": "the nuclear talks",
        "stance": ["against", "favor"] * 20,
        "headline": ["Summit ends without a deal", "Leaders agree to meet again"] * 20,
    })
    path = tmp_path / "stance.csv"
    rows.to_csv(path, index=False)
    read = evaluate(HeadlineReader(), "stance", [path], EvalOptions(context_column="headline", bootstrap_resamples=20))
    assert read.data.contexts == list(rows["headline"])
    assert read.metrics["macro_f1"] == pytest.approx(2 / 3)  # favor and against perfect, none absent (F1 0)
    bare = evaluate(HeadlineReader(), "stance", [path], EvalOptions(bootstrap_resamples=20))
    assert bare.data.contexts is None and set(bare.outputs) == {"none"}
    with pytest.raises(EvalError, match="no context column 'title'"):
        evaluate(HeadlineReader(), "stance", [path], EvalOptions(context_column="title"))
