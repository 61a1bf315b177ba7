"""The hand-labelled stance file for the NK-talks target: shape, label set, splits, ids in the source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

LABELS_DIR = Path(__file__).resolve().parents[1] / "training" / "labels"
LABELS_CSV = LABELS_DIR / "nk_talks_stance.csv"
SOURCE_CSV = Path("data") / "nk_talks_reddit_comments_unlabeled" / "comments.csv"


def _sampler():
    """The labelling script, loaded by path (training/labels is not a package)."""
    spec = importlib.util.spec_from_file_location("sample_for_labelling", LABELS_DIR / "sample_for_labelling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS_CSV, dtype=str, keep_default_na=False)


def test_columns_are_ids_and_labels_only(labels: pd.DataFrame) -> None:
    assert list(labels.columns) == ["comment_id", "stance", "split"]


def test_only_allowed_stances_and_every_class_present(labels: pd.DataFrame) -> None:
    assert set(labels["stance"]) == {"favor", "against", "none"}


def test_no_duplicate_ids(labels: pd.DataFrame) -> None:
    assert labels["comment_id"].is_unique
    assert labels["comment_id"].str.fullmatch(r"nk-[0-9a-f]{16}").all()


def test_both_splits_present(labels: pd.DataFrame) -> None:
    assert set(labels["split"]) == {"train", "check"}
    assert len(labels) >= 300


def test_comment_id_is_stable_hash_of_body() -> None:
    sampler = _sampler()
    assert sampler.comment_id("Talks resume next week.") == sampler.comment_id("Talks resume next week.")
    assert sampler.comment_id("Talks resume next week.") != sampler.comment_id("Talks resume next week!")


@pytest.mark.shared
def test_every_id_exists_in_shared_comments_and_threads_do_not_straddle_splits(
    labels: pd.DataFrame, shared: Path
) -> None:
    sampler = _sampler()
    comments = sampler.load_comments(shared / SOURCE_CSV)
    missing = set(labels["comment_id"]) - set(comments["comment_id"])
    assert not missing, f"{len(missing)} labelled ids not in {SOURCE_CSV}"
    joined = labels.merge(comments[["comment_id", "post_title"]], on="comment_id")
    assert (joined.groupby("post_title")["split"].nunique() == 1).all()
