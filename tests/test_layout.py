"""The house rules: one installed package, imports that run one way, one scoring default.

``training/`` and ``eval/`` are checkout-only (recipes, corpus loaders, benchmarks, the gate); they
import ``analyzer``, never the reverse, and a wheel carries ``analyzer`` alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analyzer.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT_ROOT / "analyzer"
CHECKOUT_ONLY = ("eval", "training")


def imported_top_levels(source: Path) -> set[str]:
    """Top-level package names a module imports, wherever in the file (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_scanner_sees_lazy_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from eval.gate import main\n    import training.recipe\n")
    assert imported_top_levels(module) >= {"eval", "training"}


def test_no_module_of_the_package_imports_checkout_only_code():
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(imported_top_levels(path) & set(CHECKOUT_ONLY))
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_a_wheel_holds_one_top_level_package(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(PROJECT_ROOT), "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_levels = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_levels == {"analyzer"}
    # the shipped model, its card, the card template and the line model are package data
    for data in ("analyzer/models/default/model.safetensors", "analyzer/models/default/README.md",
                 "analyzer/data/linemodel.json", "analyzer/finetune/model_card.md"):
        assert data in names


COMMENTS = [
    "They'll never give up their nukes, this summit is theatre.",
    "Talking is better than threatening each other with fire and fury.",
    "What a waste of jet fuel.",
    "I hope the working-level talks in Stockholm get somewhere this time.",
    "The US got nothing and Kim got a photo op.",
]


@pytest.mark.slow  # the shipped model, exported once to int8
def test_the_python_api_and_the_cli_give_the_same_scores_by_default(tmp_path):
    from analyzer import load_model

    target = "US-North Korea nuclear talks"
    table = tmp_path / "comments.csv"
    pd.DataFrame({"comment_id": [f"c{i}" for i in range(len(COMMENTS))], "text": COMMENTS}).to_csv(table, index=False)
    out = tmp_path / "scores.csv"
    assert main(["score", str(table), "-o", str(out), "--target", target, "--no-progress"]) == 0
    cli = pd.read_csv(out).set_index("text").loc[COMMENTS]

    model = load_model()
    assert model.backend == "onnx-int8"  # on a CPU machine "auto" is int8, in the API as in the CLI
    api = model.predict(COMMENTS, target)
    for column in model.attributes:
        assert abs(cli[column].to_numpy() - [p.toxicity[column] for p in api]).max() <= 1e-5, column
    for stance in model.config.stance_labels:
        assert abs(cli[f"stance_{stance}"].to_numpy() - [p.stance[stance] for p in api]).max() <= 1e-5, stance
    assert list(cli["stance"]) == [p.stance_label for p in api]


def test_the_readme_lists_exactly_the_columns_score_writes():
    import json
    import re

    from analyzer.records import SCORE_ID_COLUMNS, STANCE_COLUMNS

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    schema = readme[readme.index("`score` / `run`, one row per comment"):readme.index("Beside the table")]
    listed = [name for row in schema.splitlines() if row.startswith("| `")
              for name in re.findall(r"`([a-z_]+)`", row.split(" | ")[0])]
    attributes = json.loads((PACKAGE / "models" / "default" / "config.json").read_text(encoding="utf-8"))["attributes"]
    assert sorted(listed) == sorted([*SCORE_ID_COLUMNS, *attributes, *STANCE_COLUMNS])
