"""Outputs never overwrite inputs, are written whole or not at all, and bad paths get an error, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.config import ScoreOptions
from analyzer.model import build_tiny_model
from analyzer.pipeline import run
from analyzer.records import write_jsonl
from analyzer.scoring import ScoreError, prepare_text, score

TABLE = "comment_id,text\nc1,The talks should go on.\nc2,Nothing will come of it.\n"


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "comments.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def test_split_refuses_to_write_over_its_input(table, capsys):
    assert main(["split", str(table), "-o", str(table)]) == 1
    assert "would overwrite an input" in capsys.readouterr().err
    assert table.read_text(encoding="utf-8") == TABLE


def test_split_names_an_unwritable_output_instead_of_a_traceback(table, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["split", str(table), "-o", str(blocker / "out.jsonl")]) == 1
    assert "error:" in capsys.readouterr().err


def test_score_and_run_refuse_outputs_that_are_inputs(table, tmp_path):
    model = build_tiny_model()
    with pytest.raises(ScoreError, match="overwrite an input"):
        score([table], table, model=model)
    split_output = tmp_path / "out" / "articles.jsonl"
    split_output.parent.mkdir()
    assert main(["split", str(table), "-o", str(split_output)]) == 0
    before = split_output.read_bytes()
    with pytest.raises(ScoreError, match="articles.jsonl"):
        run([split_output], split_output.parent, model=model, report=lambda scores, out: [])
    assert split_output.read_bytes() == before
    assert main(["score", str(table), "-o", str(table), "--no-progress"]) == 1
    assert table.read_text(encoding="utf-8") == TABLE


def test_a_write_that_fails_midway_leaves_the_earlier_file_whole(tmp_path):
    path = tmp_path / "out.jsonl"
    write_jsonl([{"n": 1}, {"n": 2}], path)

    def rows_then_failure():
        yield {"n": 3}
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_jsonl(rows_then_failure(), path)
    assert path.read_text(encoding="utf-8") == '{"n": 1}\n{"n": 2}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left behind


def test_lone_surrogates_are_removed_before_the_tokenizer_sees_them():
    prepared = prepare_text("Talks resume \ud800 next week.", ScoreOptions())
    assert prepared.problem is None and "\ud800" not in prepared.text and "\ud800" not in prepared.model_text
    build_tiny_model().predict(prepared.model_text, "the talks")  # the tokenizer takes what is left
