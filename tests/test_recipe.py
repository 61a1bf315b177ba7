"""The recipe's data amounts, its command-line overrides and what its model card says (no training here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from analyzer.model import CARD_FILE, TOXICITY_ATTRIBUTES, ModelConfig
from training.recipe import (
    PROJECT_ROOT, _amount, gate_rows, invocation, limits_note, load_recipe, main, model_card, rewrite_card,
)


def config(version: str = "9") -> ModelConfig:
    return ModelConfig(name="default", version=version, attributes=TOXICITY_ATTRIBUTES,
                       encoder_config={"num_hidden_layers": 6})


@pytest.mark.parametrize(("spec", "expected"), [
    ("all", (None, False)),
    (200, (200, False)),
    ({"n": 3000, "balanced": True}, (3000, True)),
    ({"n": "all", "repeat": 2}, (None, False)),
    ({"repeat": 2}, (None, False)),
])
def test_amount_reads_every_spelling(spec, expected):
    assert _amount(spec) == expected


def test_a_source_can_draw_with_a_seed_of_its_own_and_one_seeds_draws_are_nested():
    from training import corpora
    from training.recipe import _draw_seed

    assert _draw_seed({"n": 5000, "seed": 99}, 13) == 99
    assert _draw_seed({"n": 5000}, 13) == _draw_seed(5000, 13) == _draw_seed("all", 13) == 13
    rows = [str(i) for i in range(13466)]
    small, large = corpora.sample(rows, 3000, 13), corpora.sample(rows, 5000, 13)
    assert large[:3000] == small  # why a continuing stage needs its own seed to see new rows
    assert len(set(corpora.sample(rows, 5000, 99)) - set(large)) > 2500


def test_the_limits_give_the_threat_count_of_the_runs_own_draw():
    assert "(3,500 rows, 52 threats)" in limits_note({"jigsaw": 3500, "jigsaw_threats": 52})
    assert "(900 rows, 7 threats)" in limits_note({"jigsaw": 900, "jigsaw_threats": 7})
    assert "threat" not in limits_note({"c3": 100})  # a recipe without Jigsaw teaches no `threat`


def test_card_names_unique_rows_and_how_often_they_are_shown():
    card = model_card(config(), {}, {"nk_talks": 1385, "nk_talks_repeat": 2, "vast": 4000}, 3, "r.toml")
    assert "**nk_talks** (1385 examples, each shown 2× per epoch)" in card
    assert "**vast** (4000 examples):" in card
    assert "nk_talks_repeat" not in card


RECIPE = """
[model]
name = "default"
out_dir = "runs/default"
ship_to = "analyzer/models/default"

[data]
olid = { n = 200, balanced = true }

[training]
trainable_layers = 4
learning_rate = 1e-4
"""


@pytest.fixture
def recipe_file(tmp_path: Path) -> Path:
    path = tmp_path / "recipe.toml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


def test_set_changes_values_with_their_toml_types(recipe_file: Path):
    recipe = load_recipe(recipe_file, [
        "training.trainable_layers=6", "training.learning_rate=5e-5", "training.resume=true",
        "data.olid={ n = 400, balanced = true }", "data.vast=all", "model.version=0.7.0-six",
    ])
    assert recipe["training"] == {"trainable_layers": 6, "learning_rate": 5e-5, "resume": True}
    assert recipe["data"] == {"olid": {"n": 400, "balanced": True}, "vast": "all"}
    assert recipe["model"]["version"] == "0.7.0-six"  # not TOML: kept as the words given
    assert recipe["model"]["ship_to"] == "analyzer/models/default"  # no --out: ships as the recipe says


def test_out_writes_elsewhere_and_never_ships(recipe_file: Path, tmp_path: Path):
    recipe = load_recipe(recipe_file, out=tmp_path / "six")
    assert recipe["model"]["out_dir"] == str(tmp_path / "six")
    assert "ship_to" not in recipe["model"]


@pytest.mark.parametrize("assignment", ["trainable_layers=6", "training.trainable_layers", "nosuch.key=1", "training.=1"])
def test_a_malformed_assignment_is_refused_by_name(recipe_file: Path, assignment: str):
    with pytest.raises(ValueError, match=re.escape(repr(assignment))):
        load_recipe(recipe_file, [assignment])


def test_the_command_line_refuses_a_malformed_assignment_before_any_training(recipe_file: Path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([str(recipe_file), "--set", "epochs=6"])
    assert stopped.value.code == 2
    assert f"{recipe_file}: --set 'epochs=6': expected SECTION.KEY=VALUE" in capsys.readouterr().err


def test_the_card_names_the_overrides_it_was_trained_with_as_a_shell_would_take_them():
    source = invocation(Path("training/recipes/default.toml"), ["training.epochs=6", "data.olid={ n = 400 }"])
    card = model_card(config(), {}, {"vast": 4000}, 6, source)
    assert ("Measured by `python -m training.recipe training/recipes/default.toml --set training.epochs=6 "
            "--set 'data.olid={ n = 400 }'`") in card
    assert "all six encoder layers and the two MLP heads were trained here" in card


def test_a_section_the_recipe_does_not_have_is_refused_not_ignored(recipe_file: Path):
    recipe_file.write_text(RECIPE + "\n[adapt]\nepochs = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown section\(s\) \['adapt'\]"):
        load_recipe(recipe_file)


def test_rewrite_card_reads_the_shipped_folder_when_the_run_folder_is_absent(recipe_file: Path, tmp_path: Path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "config.json").write_text(config("9").to_json(), encoding="utf-8")
    validation = {"toxicity_roc_auc": 0.8123, "toxicity_n": 700, "toxicity_positives": 78,
                  "toxicity_f1_at_threshold": 0.375, "stance_macro_f1": 0.6877, "stance_n": 450}
    metrics = {"validation": validation, "data": {"vast": 4000, "validation_c3": 700},
               "arguments": {"trainable_layers": 4}}
    (shipped / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    recipe = load_recipe(recipe_file)
    recipe["model"].update(out_dir=str(tmp_path / "absent-run"), ship_to=str(shipped))
    recipe["data"]["nk_labels"] = "training/labels/nk_talks_stance.csv"
    rewrite_card(recipe, "r.toml")
    card = (shipped / CARD_FILE).read_text(encoding="utf-8")
    assert "# default 9" in card and "| 0.812 |" in card and "| 0.688 |" in card
    assert "the top 4 layer(s)" in card
    # the repository's full-set reports measured another version: named, not shown as this model's
    assert "Not shown, measured on another model: `c3-validation-toxicity`" in card
    assert not (tmp_path / "absent-run").exists()


@pytest.mark.shared
def test_the_gates_nk_row_is_left_out_when_its_data_changed_since_the_pin(tmp_path: Path):
    from eval.gate import NK, GateContext, fingerprint

    current = fingerprint(NK, GateContext())
    if current is None:
        pytest.skip("needs ../shared to fingerprint the NK-talks comments")
    labels = PROJECT_ROOT / "training" / "labels" / "nk_talks_stance.csv"
    floors = tmp_path / "floors.toml"
    entry = '[checks.nk_check_stance_macro_f1]\nmeasured = 0.6276\npinned = "2026-11-30"\nfingerprint = "{}"\n'
    floors.write_text(entry.format("0" * 64), encoding="utf-8")
    assert gate_rows(labels, floors) == []
    floors.write_text(entry.format(current), encoding="utf-8")
    ((label, value),) = gate_rows(labels, floors)
    assert value == "0.628" and "all 909 rows" in label and "(`python -m eval.gate`, pinned 2026-11-30)" in label


def test_saved_examples_come_back_as_they_were_drawn(tmp_path: Path):
    import math
    from dataclasses import replace

    from analyzer.finetune.examples import IGNORE_STANCE, Example, toxicity_vector
    from training.recipe import load_data, save_data

    toxic = Example("you clown", None, toxicity_vector(TOXICITY_ATTRIBUTES, insult=1.0), IGNORE_STANCE, "g1", "olid")
    stance = Example("they never will", "the talks", toxicity_vector(TOXICITY_ATTRIBUTES), 1, "g2", "nk_talks",
                     context="Summit ends early")
    path = tmp_path / "data.jsonl.gz"
    save_data(path, [toxic, stance], [stance], [], {"olid": 1})
    train, validation, check, counts = load_data(path)

    def same(a: Example, b: Example) -> bool:  # NaN (not taught) is not equal to itself
        return replace(a, toxicity=()) == replace(b, toxicity=()) and all(
            x == y or math.isnan(x) and math.isnan(y) for x, y in zip(a.toxicity, b.toxicity, strict=True))

    assert (len(train), len(validation), check, counts) == (2, 1, [], {"olid": 1})
    assert same(train[0], toxic) and same(train[1], stance) and same(validation[0], stance)
    assert train[0].toxicity[TOXICITY_ATTRIBUTES.index("insult")] == 1.0


def test_the_gates_outlet_rows_are_never_drawn_for_training_or_validation(tmp_path: Path, monkeypatch):
    from analyzer.finetune.examples import IGNORE_STANCE, Example, toxicity_vector
    from eval.gate import outlet_sample
    from training import recipe as recipe_module

    rows = [Example(f"comment {i}", None, toxicity_vector(TOXICITY_ATTRIBUTES, insult=float(i % 3 == 0)),
                    IGNORE_STANCE, f"impermium-{i}", "impermium") for i in range(1000)]
    monkeypatch.setitem(recipe_module.EXTRA_TOXICITY_SOURCES, "impermium", lambda data, attributes: rows)
    draws = recipe_module.toxicity_draws({"seed": 13, "impermium": "all", "impermium_validation": 100}, tmp_path)
    _, train, validation = draws["impermium"]
    gate = {e.group for e in outlet_sample(rows)}
    assert len(gate) == 400 and len(validation) == 100 and len(train) == 500
    assert not gate & {e.group for e in train} and not gate & {e.group for e in validation}
    assert not {e.group for e in train} & {e.group for e in validation}


def test_drawn_outlets_follow_the_chain_of_earlier_stages_and_say_none_when_it_breaks(tmp_path: Path, monkeypatch):
    from training import recipe as recipe_module

    def stage(name: str, data: dict, init_from: str) -> str:
        (tmp_path / name).mkdir()
        metrics = {"data": data, "arguments": {"init_from": init_from}}
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
        return name

    monkeypatch.setattr(recipe_module, "PROJECT_ROOT", tmp_path)
    first = stage("one", {"c3": 100, "davidson": 200, "vast": 50, "nk_check": 9}, "base")
    second = stage("two", {"c3": 100, "davidson": 0, "validation_jigsaw": 30}, first)
    # stage one drew Davidson; a later stage drawing none does not undo that; model selection counts as drawing
    assert recipe_module.drawn_outlets({"olid": 5, "cat_wikipedia": 0}, second) == ["c3", "davidson", "jigsaw", "olid"]
    assert recipe_module.drawn_outlets({"olid": 5}, "base") == ["olid"]
    assert recipe_module.drawn_outlets({"olid": 5}, "elsewhere") is None
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / "metrics.json").write_text(json.dumps({"validation": {}}), encoding="utf-8")
    assert recipe_module.drawn_outlets({"olid": 5}, "three") is None


def test_only_sources_the_run_drew_from_are_licensed_on_its_card():
    from training.recipe import LICENSES, drawn_licenses

    licensed = drawn_licenses({"c3": 6000, "davidson": 0, "civil_comments_spans": 0, "nk_talks_repeat": 4, "vast": 10})
    assert licensed == {"c3": LICENSES["c3"], "vast": LICENSES["vast"]}
