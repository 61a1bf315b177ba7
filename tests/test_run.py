"""`run` (split → score → report) and `score` through the command line: a tiny random model, and
the shipped model on the bundled sample (marked slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import analyzer
import analyzer.model
from analyzer.cli import main
from analyzer.config import FloatRecheck
from analyzer.model import build_tiny_model
from analyzer.records import scores_sidecars

# An invented Disqus export: one thread with a reply chain, a spam and a deleted post, one empty post.
DISQUS_DUMP = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="t1">
    <id>bike-lanes</id>
    <link>https://news.example.org/2026/bike-lanes</link>
    <title>Opinion: Council votes on new bike lanes for Main Street | Example Gazette</title>
    <createdAt>2026-03-02T09:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
  </thread>
  <thread dsq:id="t2">
    <id>pool</id>
    <link>https://news.example.org/2026/pool</link>
    <title>City pool reopens after two years of repairs</title>
    <createdAt>2026-03-03T09:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="p1">
    <message><![CDATA[<p>Finally, a safe way for kids to ride to school.</p>]]></message>
    <createdAt>2026-03-02T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Ana</name></author><thread dsq:id="t1"/>
  </post>
  <post dsq:id="p2">
    <message><![CDATA[<p>Shops on Main Street will lose every parking space. Terrible plan.</p>]]></message>
    <createdAt>2026-03-02T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Ben</name></author><thread dsq:id="t1"/><parent dsq:id="p1"/>
  </post>
  <post dsq:id="p3">
    <message><![CDATA[<p>Cheap sunglasses, click here</p>]]></message>
    <createdAt>2026-03-02T12:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>true</isSpam>
    <author><name>Bot</name></author><thread dsq:id="t1"/>
  </post>
  <post dsq:id="p4">
    <message><![CDATA[<p>You are all idiots.</p>]]></message>
    <createdAt>2026-03-02T13:00:00Z</createdAt><isDeleted>true</isDeleted><isSpam>false</isSpam>
    <author><name>Cy</name></author><thread dsq:id="t1"/><parent dsq:id="p2"/>
  </post>
  <post dsq:id="p5">
    <message><![CDATA[]]></message>
    <createdAt>2026-03-03T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Dee</name></author><thread dsq:id="t2"/>
  </post>
  <post dsq:id="p6">
    <message><![CDATA[<p>My children missed it so much. Great news.</p>]]></message>
    <createdAt>2026-03-03T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
    <author><name>Eve</name></author><thread dsq:id="t2"/>
  </post>
</disqus>
"""


@pytest.fixture
def tiny_model(monkeypatch):
    """The CLI loads this instead of the shipped model; records the load arguments."""
    model, calls = build_tiny_model(seed=5), []

    def fake_load(path=None, *, device=None, threads=None, backend="torch", float_recheck=None, max_tokens=None):
        calls.append({"path": path, "device": device, "threads": threads, "backend": backend,
                      "float_recheck": float_recheck, "max_tokens": max_tokens})
        return model.read_at_most(max_tokens)

    monkeypatch.setattr(analyzer.model, "load_model", fake_load)
    return calls


@pytest.fixture
def disqus_dump(tmp_path: Path) -> Path:
    path = tmp_path / "export.xml"
    path.write_text(DISQUS_DUMP, encoding="utf-8")
    return path


def test_run_splits_scores_and_reports(tiny_model, disqus_dump, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(disqus_dump), "-o", str(out), "--no-progress", "--threads", "1"])

    assert code == 0, capsys.readouterr().err
    assert tiny_model == [{"path": None, "device": None, "threads": 1, "backend": "auto", "float_recheck": FloatRecheck(),
                           "max_tokens": None}]
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert sum(len(a["comments"]) for a in articles) == 6
    tables = [pd.read_csv(out / "scores.csv"), pd.read_json(out / "scores.jsonl", lines=True),
              pd.read_parquet(out / "scores.parquet")]
    for table in tables:
        assert sorted(table["comment_id"]) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    scores = tables[0].set_index("comment_id")
    assert scores.loc["p3", "status"] == "spam" and scores.loc["p4", "status"] == "deleted"
    assert scores.loc["p4", "depth"] == 2 and scores.loc["p2", "parent_id"] == "p1"
    assert scores.loc["p1", "target"] == "Council votes on new bike lanes"  # title cut before "for"
    assert pd.isna(scores.loc["p5", "toxicity"]) and scores.loc["p6", "toxicity"] >= 0
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert any("p5" in r["location"] and r["reason"].startswith("empty text") for r in rejects)
    articles_sidecar, meta_path = scores_sidecars(out / "scores.csv")
    assert articles_sidecar.exists() and json.loads(meta_path.read_text())["model"]["name"] == "tiny"
    assert (out / "report.pdf").stat().st_size > 0
    assert len(list((out / "articles").glob("*.png"))) == 2
    report_line = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("report:"))
    # one summary line, not a path per article PNG (a dump of hundreds of articles made it kilobytes long)
    assert report_line == f"report: {out / 'report.pdf'} (2 article page(s)); PNGs and article_shares.csv in {out}"


def test_run_takes_a_report_function_and_a_fixed_target(disqus_dump, tmp_path):
    from analyzer.pipeline import run
    from analyzer.targets import TargetPolicy

    seen = []
    result = run([disqus_dump], tmp_path / "o", model=build_tiny_model(), targets=TargetPolicy(fixed="cycling"),
                 table_formats=[".parquet"], report=lambda scores, out: seen.append((scores, out)) or [])
    assert seen == [(tmp_path / "o" / "scores.parquet", tmp_path / "o")]
    assert set(pd.read_parquet(result.tables[0])["target"]) == {"cycling"}


def test_score_cli_reads_a_comment_table_with_per_row_targets(tiny_model, tmp_path, capsys):
    table = tmp_path / "comments.csv"
    table.write_text(
        "article_id,comment_id,text,target\n"
        "a1,1,Raise the minimum wage now.,minimum wage\n"
        "a1,2,It will cost jobs.,\n"
        "a2,3,Ferries should run all night.,night ferries\n",
        encoding="utf-8",
    )
    out = tmp_path / "scores.jsonl"
    code = main(["score", str(table), "-o", str(out), "--target", "city budget", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    rows = {r["comment_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert {k: r["target"] for k, r in rows.items()} == {"1": "minimum wage", "2": "city budget", "3": "night ferries"}


def test_score_cli_says_how_many_comments_got_no_stance_and_how_to_give_them_a_target(tiny_model, tmp_path, capsys):
    table = tmp_path / "comments.csv"
    table.write_text("article_id,comment_id,text\na1,1,Raise the minimum wage now.\na1,2,It will cost jobs.\n",
                     encoding="utf-8")
    assert main(["score", str(table), "-o", str(tmp_path / "bare.csv"), "--no-progress"]) == 0
    assert "2 comment(s) had no stance target, so no stance: give one with --target" in capsys.readouterr().err
    assert main(["score", str(table), "-o", str(tmp_path / "given.csv"), "--target", "wages", "--no-progress"]) == 0
    assert "no stance target" not in capsys.readouterr().err


def test_score_cli_resume_and_bad_targets_file(tiny_model, disqus_dump, tmp_path, capsys):
    bad_targets = tmp_path / "targets.json"
    bad_targets.write_text("[1, 2", encoding="utf-8")
    out = tmp_path / "s.csv"
    assert main(["score", str(disqus_dump), "-o", str(out), "--targets", str(bad_targets)]) == 1
    assert "targets.json: line 1" in capsys.readouterr().err

    assert main(["score", str(disqus_dump), "-o", str(out), "--resume", "--no-progress"]) == 0
    assert len(pd.read_csv(out)) == 6
    assert (tmp_path / "s.rejects.jsonl").exists()


def test_missing_input_gives_exit_code_1_and_still_writes_the_rest(tiny_model, disqus_dump, tmp_path, capsys,
                                                                    monkeypatch):
    import analyzer.report

    # drawn in the test above; build_report always returns the PDF first
    monkeypatch.setattr(analyzer.report, "build_report", lambda scores, out: [Path(out) / "report.pdf"])
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "nope.xml"), str(disqus_dump), "-o", str(out), "--no-progress"])
    assert code == 1
    assert "nope.xml" in capsys.readouterr().err
    assert len(pd.read_csv(out / "scores.csv")) == 6


def test_score_cli_takes_the_per_row_target_from_a_named_column(tiny_model, tmp_path, capsys):
    table = tmp_path / "comments.csv"
    table.write_text("id,text,topic\n1,Buses should be free.,free buses\n2,No way.,\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    assert main(["score", str(table), "-o", str(out), "--target-column", "topic", "--no-progress"]) == 0
    targets = pd.read_csv(out)["target"].tolist()
    assert targets[0] == "free buses"
    assert pd.isna(targets[1])  # no row target, no title, no --target: no stance for this one


@pytest.mark.slow
def test_run_on_the_bundled_sample_with_the_shipped_model(tmp_path, capsys):
    from analyzer.model import DEFAULT_MODEL_DIR

    sample = Path(analyzer.__file__).parent / "data" / "sample_dump.txt"
    if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file() or not sample.is_file():
        pytest.skip("the shipped model or the bundled sample is not in this checkout")
    assert main(["run", str(sample), "-o", str(tmp_path), "--no-progress"]) == 0, capsys.readouterr().err
    scores = pd.read_csv(tmp_path / "scores.csv")
    found = sum(len(json.loads(line)["comments"]) for line in (tmp_path / "articles.jsonl").read_text().splitlines())
    assert len(scores) == found > 0
    assert scores["toxicity"].between(0, 1).all() and scores["stance"].notna().all()
    assert (tmp_path / "report.pdf").stat().st_size > 0


def test_a_folder_input_reads_every_file_inside_and_an_empty_folder_is_an_error(tiny_model, disqus_dump, tmp_path,
                                                                                capsys):
    from analyzer.splitting import input_files

    folder = tmp_path / "dumps"
    (folder / "later").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "b.xml").write_bytes(disqus_dump.read_bytes())
    (folder / "later" / "a.xml").write_bytes(disqus_dump.read_bytes())
    (folder / ".git" / "config").write_text("[core]\n")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert input_files([folder, empty]) == [folder / "b.xml", folder / "later" / "a.xml", empty]

    code = main(["run", str(folder), str(empty), "-o", str(tmp_path / "out"), "--target", "bike lanes", "--no-progress"])
    assert code == 1  # the empty folder is bad input; the files in the other folder still go through
    assert f"{empty}: folder: no files to read in this folder" in capsys.readouterr().err
    scores = pd.read_csv(tmp_path / "out" / "scores.csv")
    one_file = sum(len(article.comments) for outcome in analyzer.split([disqus_dump]) for article in outcome.result.articles)
    assert len(scores) == 2 * one_file > 0


def test_a_broken_link_and_a_pipe_in_a_folder_are_errors_by_name_not_skipped(disqus_dump, tmp_path, capsys):
    import os

    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "b.xml").write_bytes(disqus_dump.read_bytes())
    (folder / "moved.json").symlink_to(tmp_path / "gone.json")
    os.mkfifo(folder / "feed.json")  # read, it would block the run for ever
    code = main(["split", str(folder), "-o", str(tmp_path / "articles.jsonl")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{folder / 'moved.json'}: file: a link to {tmp_path / 'gone.json'}, which does not exist" in err
    assert f"{folder / 'feed.json'}: file: not a regular file (a pipe, device or socket)" in err
    assert len((tmp_path / "articles.jsonl").read_text().splitlines()) > 0  # the readable file still went through


def test_a_file_name_that_is_not_utf8_is_written_escaped_and_the_run_goes_through(tiny_model, tmp_path):
    import os

    folder = tmp_path / "dumps"
    folder.mkdir()
    # a name saved by an old Latin-1 system: byte 0xE9 ("é") is no UTF-8, and Python keeps it as a surrogate
    odd = Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9.csv"))
    odd.write_text("text\nTalks resume.\nAbout time.\n")
    (folder / "plain.csv").write_text("text\nTalks stall.\n")
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--target", "the talks", "--no-progress"]) == 0
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(a["id"], Path(a["source_file"]).name) for a in articles] == [("caf\\xe9", "caf\\xe9.csv"), ("plain", "plain.csv")]
    assert len(pd.read_csv(out / "scores.csv")) == 3


def test_two_files_that_name_their_articles_alike_stay_two_articles(tiny_model, tmp_path):
    # both tables take their file name as the article id, and both number their comments from 1
    for folder, texts in (("monday", ["Talks resume.", "About time."]), ("tuesday", ["Talks stall.", "As ever.", "Sad."])):
        (tmp_path / folder).mkdir()
        pd.DataFrame({"text": texts, "author": "reader"}).to_csv(tmp_path / folder / "comments.csv", index=False)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "monday"), str(tmp_path / "tuesday"), "-o", str(out), "--target", "the talks",
                 "--no-progress"]) == 0
    scores = pd.read_csv(out / "scores.csv", dtype=str)
    assert list(zip(scores["article_id"], scores["comment_id"], scores["text"])) == [
        ("comments", "1", "Talks resume."), ("comments", "2", "About time."),
        ("comments~2", "1", "Talks stall."), ("comments~2", "2", "As ever."), ("comments~2", "3", "Sad.")]
    shares = pd.read_csv(out / "article_shares.csv", dtype={"article_id": str})
    assert dict(zip(shares["article_id"], shares["comments_scored"])) == {"comments": 2, "comments~2": 3}
    articles = [json.loads(line) for line in (out / "articles.jsonl").read_text().splitlines()]
    assert [(a["id"], a["extra"].get("source_id")) for a in articles] == [("comments", None), ("comments~2", "comments")]


def test_score_cli_max_tokens_reads_each_comment_to_its_cut_and_says_so(tiny_model, tmp_path, capsys):
    table = tmp_path / "comments.csv"
    long_comment = "The delegation met again on Tuesday to discuss the schedule. " * 20 + "You are all idiots."
    table.write_text(f"article_id,comment_id,text\na1,1,{long_comment}\na1,2,It will cost jobs.\n", encoding="utf-8")
    whole, cut = tmp_path / "whole.csv", tmp_path / "cut.csv"
    assert main(["score", str(table), "-o", str(whole), "--target", "wages", "--no-progress"]) == 0
    assert main(["score", str(table), "-o", str(cut), "--target", "wages", "--max-tokens", "32", "--no-progress"]) == 0
    assert tiny_model[-1]["max_tokens"] == 32
    read_whole, read_cut = pd.read_csv(whole), pd.read_csv(cut)
    # the long comment's end goes unread; the short one fits either way
    assert read_whole.loc[0, "toxicity"] != pytest.approx(read_cut.loc[0, "toxicity"], abs=1e-6)
    assert read_whole.loc[1, "toxicity"] == pytest.approx(read_cut.loc[1, "toxicity"], abs=1e-6)
    meta = json.loads((tmp_path / "cut.meta.json").read_text())
    assert meta["model"]["max_tokens"] == 32 and "the first 32 tokens" in meta["long_comments"]
    assert json.loads((tmp_path / "whole.meta.json").read_text())["model"]["max_tokens"] is None
    assert main(["score", str(table), "-o", str(tmp_path / "bad.csv"), "--max-tokens", "4096", "--no-progress"]) == 1
    assert "max_tokens must be from" in capsys.readouterr().err
