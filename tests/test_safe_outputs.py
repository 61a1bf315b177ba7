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


def test_a_comment_written_as_a_formula_is_text_in_the_csv_and_as_written_elsewhere(tmp_path):
    # a hostile comment "=HYPERLINK(…)" or "=cmd|…" would run where a newsroom opens the CSV in a spreadsheet,
    # and "- I disagree" shows there as an error: led by "'", they are text; JSONL keeps them as written
    import json

    import pandas as pd

    from analyzer.records import Article, Comment
    from analyzer.report.build import build_report
    from analyzer.report.data import read_table

    texts = ['=HYPERLINK("http://x.example","click")', "- I disagree.", "+1", "@ann agreed", "'quoted'", "Fine."]
    article = Article(id="-100/7", source_file="invented.txt", format="plaintext", title="=SUM(A1)",
                      comments=[Comment(id=f"c{i}", text=t, position=i, author="=ann" if i == 0 else None)
                                for i, t in enumerate(texts)])
    dump = tmp_path / "in.jsonl"
    dump.write_text(json.dumps(article.to_dict()) + "\n", encoding="utf-8")
    model = build_tiny_model(seed=3)
    for suffix in (".csv", ".jsonl"):
        score([dump], tmp_path / f"scores{suffix}", model=model)
    table = pd.read_csv(tmp_path / "scores.csv", dtype=str, keep_default_na=False)
    assert list(table["text"]) == ["'" + text for text in texts[:4]] + texts[4:]
    assert table["author"][0] == "'=ann" and set(table["article_id"]) == {"-100/7"}  # ids stay as they are
    rows = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert [row["text"] for row in rows] == texts
    # the report reads the CSV's texts back as written, and its own CSV leads the title so
    assert list(read_table(tmp_path / "scores.csv")["text"]) == texts
    build_report(tmp_path / "scores.csv", tmp_path / "report")
    shares = pd.read_csv(tmp_path / "report" / "article_shares.csv", dtype=str, keep_default_na=False)
    assert list(shares["title"]) == ["'=SUM(A1)"]
