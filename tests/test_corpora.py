"""The training corpora readers on files of the public corpora's shapes (written here, invented text)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analyzer.model import STANCE_LABELS, TOXICITY_ATTRIBUTES
from training import corpora
from training.corpora import vast


@pytest.fixture
def vast_folder(tmp_path: Path) -> Path:
    """VAST's column layout: 40 labelled rows on the post's own topic, 10 synthetic neutral ones
    (type 4), where ``new_topic`` is still the post's topic but the label is about ``topic_str``."""
    rows = []
    for i in range(50):
        synthetic = i >= 40
        rows.append({
            "post": f"Post {i} says the city should build more bike lanes downtown.",
            "new_topic": "bike lanes in cities",
            "topic_str": "garden gnome" if synthetic else "bike lane city",
            "label": 2 if synthetic else i % 2,
            "type_idx": 4 if synthetic else 1 + i % 3,
            "new_id": 1000 + i,
            "arc_id": i // 5,
        })
    folder = tmp_path / "vast_stance_train_dev"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "vast_train.csv", index=False)
    pd.DataFrame({
        "Tweet": ["Dogs should be allowed in parks.", "Taxes are too high."],
        "Target": ["dog park", "tax"],
        "Stance": [1, 0],
        "seen?": [0, 1],
    }).to_csv(folder / "vast_dev.csv", index=False)
    return tmp_path


def test_vast_synthetic_neutral_rows_are_paired_with_the_topic_their_label_is_about(vast_folder):
    train, _ = vast(vast_folder, TOXICITY_ATTRIBUTES)
    synthetic = train[40:]
    assert {e.target for e in synthetic} == {"garden gnome"}
    assert {STANCE_LABELS[e.stance] for e in synthetic} == {"none"}


def test_vast_labelled_rows_get_both_target_forms_fixed_per_row(vast_folder):
    train, _ = vast(vast_folder, TOXICITY_ATTRIBUTES)
    targets = [e.target for e in train[:40]]
    assert set(targets) == {"bike lanes in cities", "bike lane city"}
    assert 10 <= targets.count("bike lane city") <= 30
    assert targets == [e.target for e in vast(vast_folder, TOXICITY_ATTRIBUTES)[0][:40]]


def test_vast_dev_keeps_only_zero_shot_rows(vast_folder):
    _, dev = vast(vast_folder, TOXICITY_ATTRIBUTES)
    assert [(e.text, e.target, STANCE_LABELS[e.stance]) for e in dev] == [
        ("Dogs should be allowed in parks.", "dog park", "favor")
    ]


def test_impermium_cells_are_unescaped_and_escaped_utf8_bytes_joined():
    # The file's shape: a quoted, Python-escaped string; UTF-8 bytes escaped one by one beside code points.
    cell = '"caf\\xc3\\xa9 \\u2019s fine\\nsecond\\xa0line \\\'quoted\\\'"'
    assert corpora._unescape_impermium(cell) == "café ’s fine second line 'quoted'"
    assert corpora._unescape_impermium('"plain \\xe9t\\xe9"') == "plain été"
