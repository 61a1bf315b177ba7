"""The two seed documents through `python -m analyzer split`, alone and concatenated into one file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

FIRST_TITLE = "N. Korea-U.S. working-level talks break down as differences remain unresolved"
SECOND_TITLE = "North Korea to US: We are not interested in talks aimed at appeasing us"


def _split(inputs: list[Path], tmp_path: Path) -> list[dict]:
    output = tmp_path / "articles.jsonl"
    completed = subprocess.run(
        [sys.executable, "-m", "analyzer", "split", *map(str, inputs), "-o", str(output)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def _seeds(shared: Path) -> tuple[Path, Path]:
    first, second = sorted((shared / "seeds").glob("*.txt"))
    return first, second


def _check_first(article: dict) -> None:
    assert article["title"] == FIRST_TITLE
    assert article["body"].endswith("Lee Jiwon Arirang news")
    assert article["declared_comment_count"] == 8
    assert len(article["comments"]) == 2
    assert all(c["text"] and "•" not in c["text"] for c in article["comments"])
    assert FIRST_TITLE not in article["body"]


def _check_second(article: dict) -> None:
    assert article["title"] == SECOND_TITLE
    assert article["date"] == "2019-11-14"
    assert article["comments"] == []
    assert article["body"] and SECOND_TITLE not in article["body"]


@pytest.mark.shared
def test_first_seed(shared: Path, tmp_path: Path) -> None:
    (article,) = _split([_seeds(shared)[0]], tmp_path)
    _check_first(article)


@pytest.mark.shared
def test_second_seed(shared: Path, tmp_path: Path) -> None:
    (article,) = _split([_seeds(shared)[1]], tmp_path)
    _check_second(article)


@pytest.mark.shared
def test_seeds_concatenated_in_one_file(shared: Path, tmp_path: Path) -> None:
    first, second = _seeds(shared)
    both = tmp_path / "both.txt"
    both.write_bytes(first.read_bytes() + second.read_bytes())
    articles = _split([both], tmp_path)
    assert len(articles) == 2
    _check_first(articles[0])
    _check_second(articles[1])
