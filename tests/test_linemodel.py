"""The line model: fitted (training.train_linemodel) on a tiny invented corpus, it finds where comments
begin; JSON round trip; the installed package reads it without scikit-learn."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from analyzer.readers._linemodel import FEATURE_NAMES, LineModel, best_start, line_features, load_default
from training.train_linemodel import fit_line_model

BODY = [
    "The county board met on Monday to discuss the new bus routes for the eastern districts.",
    "Officials said ridership had grown steadily since the spring, especially among students.",
    "A spokesperson for the transit office declined to give a date for the first new service.",
    "Residents who attended the meeting asked for later evening buses on weekdays.",
    "The board is expected to vote on the proposal at its next session in two weeks.",
    "Funding for the extra routes would come from a state grant awarded last year.",
    "Drivers' representatives said they supported the plan but wanted more staff hired first.",
    "The previous schedule had not been changed since the depot was rebuilt.",
]
NAMES = ["Ada Quill", "Bram Otter", "Cleo Marsh", "Dev Anand", "Elke Stone", "Finn Hale", "Gus Pratt"]
REMARKS = [
    "About time, the 14 never comes on Sundays.",
    "Who is paying for this? Not the people who ride it.",
    "Great news for my kids, thanks for reporting it.",
    "I will believe it when I see the bus.",
    "The east side has waited ten years for this.",
]


def _page(rng: random.Random, with_comments: bool) -> tuple[list[str], int | None]:
    lines = ["Board weighs new bus routes", ""] + rng.sample(BODY, k=rng.randint(4, len(BODY)))
    if not with_comments:
        return lines, None
    lines.append("")
    start = len(lines)
    for _ in range(rng.randint(2, 4)):
        lines += [f"{rng.choice(NAMES)} says:", f"May {rng.randint(1, 28)}, 2021 at {rng.randint(1, 12)}:0{rng.randint(0, 9)} pm",
                  rng.choice(REMARKS), "Reply"]
    return lines, start


def _corpus(seed: int, size: int) -> tuple[list[list[str]], list[int | None]]:
    rng = random.Random(seed)
    pages = [_page(rng, with_comments=index % 2 == 0) for index in range(size)]
    return [p[0] for p in pages], [p[1] for p in pages]


@pytest.fixture(scope="module")
def fitted() -> LineModel:
    docs, starts = _corpus(seed=1, size=24)
    return fit_line_model(docs, starts, max_iter=30)


def test_fit_on_a_tiny_corpus_finds_the_start_on_unseen_pages(fitted: LineModel) -> None:
    docs, starts = _corpus(seed=2, size=10)
    predicted = [fitted.comment_start(doc) for doc in docs]
    assert sum(p == s for p, s in zip(predicted, starts)) >= 9
    assert all(p is None for p, s in zip(predicted, starts) if s is None)


def test_extra_margin_asks_for_more_evidence(fitted: LineModel) -> None:
    docs, starts = _corpus(seed=2, size=10)
    found = [doc for doc, start in zip(docs, starts) if start is not None and fitted.comment_start(doc) == start]
    assert found
    region, opening, _ = fitted.line_scores(found[0])
    best_total = float(np.max(np.cumsum(region[::-1])[::-1] + opening))
    assert fitted.comment_start(found[0], extra_margin=best_total - fitted.margin + 1.0) is None


def test_load_dragnet_reads_utf16_gold_with_its_separator(tmp_path: Path) -> None:
    """Some gold files are UTF-16 with a byte-order mark: read as bytes, their separator is lost."""
    import io
    import tarfile

    from training.train_linemodel import load_dragnet

    gold = "Board weighs new bus routes\n\n" + BODY[0] + "\n!@#$%^&*()  COMMENTS\nAda Quill\n" + REMARKS[0] + "\n"
    archive = tmp_path / "pages.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("train/gold/7.txt", gold.encode("utf-16")), ("train/html/7.html", b"<html></html>")):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    (page,) = load_dragnet(archive)
    assert page.gold_comments.split("\n")[:2] == ["Ada Quill", REMARKS[0]]
    assert page.gold_body.startswith("Board weighs new bus routes")


def test_save_load_round_trip_gives_identical_predictions(fitted: LineModel, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    fitted.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))  # plain JSON: no pickle anywhere
    assert data["features"] == list(FEATURE_NAMES)
    loaded = LineModel.load(path)
    docs, _ = _corpus(seed=3, size=8)
    for doc in docs:
        assert loaded.comment_start(doc) == fitted.comment_start(doc)
        np.testing.assert_allclose(loaded.line_scores(doc)[0], fitted.line_scores(doc)[0])


def test_load_refuses_a_file_that_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a line model"):
        LineModel.load(path)


def test_shipped_model_is_json_and_loads() -> None:
    model = load_default()
    assert model is load_default()  # cached
    assert model.comment_start([]) is None
    assert model.comment_start(["", "   "]) is None


def test_best_start_picks_the_best_suffix_or_none() -> None:
    assert best_start(np.array([-3.0, -1.0, 2.0, 2.5]), margin=1.0) == 2
    assert best_start(np.array([-3.0, -1.0, 0.5]), margin=1.0) is None
    assert best_start(np.array([-3.0, 1.0, 1.0]), margin=0.0, opening=np.array([0.0, 0.0, 2.0])) == 2


def test_the_installed_reader_has_no_fitting_code() -> None:
    source = Path(__file__).resolve().parents[1] / "analyzer" / "readers" / "_linemodel.py"
    text = source.read_text(encoding="utf-8")
    assert "sklearn" not in text and not hasattr(LineModel, "fit")


def test_features_are_per_non_empty_line() -> None:
    features, kept = line_features(["Title", "", "Body text here.", "  ", "Ann says:"])
    assert kept == [0, 2, 4]
    assert features.shape == (3, len(FEATURE_NAMES))
    assert np.isfinite(features).all()
