"""The recipe's data amounts, its command-line overrides and what its model card says (no training here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from training.recipe import _amount, invocation, load_recipe, main, model_card


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
    card = model_card(source, {"vast": 4000}, {}, {}, 0.5, 6, "default 9")
    assert ("measured by `python -m training.recipe training/recipes/default.toml --set training.epochs=6 "
            "--set 'data.olid={ n = 400 }'`") in card
    assert "all six encoder layers and the two MLP heads were trained here" in card
