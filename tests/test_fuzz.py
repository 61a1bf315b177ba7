"""Hostile input: seeded mutations of the fixtures never crash a reader or lose a comment in silence.

The harness is ``eval/bench_fuzz.py`` (``python -m eval.bench_fuzz --cases N`` runs it longer and
writes a report). Here it reads a fixed set of cases per fixture folder, so that a failure names the
reader it belongs to, and the CLI reads a batch of mutated files beside a good one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from random import Random

import pytest

from analyzer.cli import main
from analyzer.config import ReadOptions
from analyzer.readers import Detection, ReaderError, detect, detect_format, read_file
from analyzer.readers._common import to_iso8601
from analyzer.splitting import split_file
from eval.bench_fuzz import (
    FIXTURES,
    MUTATIONS,
    PLAIN_TEXT_SEEDS,
    SEED_OPTIONS,
    Seed,
    cases,
    load_seeds,
    run_cases,
)

#: Cases per fixture folder: every mutation that applies, several times over (about 20 s in all on 2 cores;
#: `python -m eval.bench_fuzz --cases N` runs as many as wanted).
CASES_PER_GROUP = 100
GROUPS = sorted({p.parent.name for p in FIXTURES.rglob("*") if p.is_file()} | {"plain_text"})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def seeds(workdir: Path) -> list[Seed]:
    return load_seeds(workdir)


def _comments(path: Path, fmt: str | None = None) -> int:
    return sum(len(a.comments) for a in read_file(path, fmt).articles)


# --- the harness over every reader -----------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_mutated_fixtures_never_crash_and_lose_nothing_in_silence(group: str, seeds: list[Seed], workdir: Path) -> None:
    mine = [s for s in seeds if s.group == group]
    verdicts = run_cases(mine, workdir / group, CASES_PER_GROUP, seed=23)
    assert len(verdicts) == CASES_PER_GROUP
    failures = [f"{v.case.label}: {'; '.join(v.problems)}" for v in verdicts if v.problems]
    assert failures == []


def test_every_mutation_applies_to_some_fixture(seeds: list[Seed]) -> None:
    # each mutation tried on every seed (a random draw of seeds missed the few CSVs as fixtures were added)
    applies = {name for name, mutate in MUTATIONS.items()
               if any((mutated := mutate(seed, Random(0))) is not None and mutated.data for seed in seeds)}
    assert applies == set(MUTATIONS)


def _mutated_files(seeds: list[Seed], folder: Path) -> Iterator[Path]:
    folder.mkdir()
    for case in cases(seeds, 40, seed=5):
        path = folder / f"{case.index}-{case.seed.name}"
        path.write_bytes(case.data)
        yield path


def test_the_cli_reads_the_good_file_behind_forty_bad_ones(seeds: list[Seed], workdir: Path) -> None:
    bad = list(_mutated_files(seeds, workdir / "batch"))
    good = FIXTURES / "reddit" / "thread.json"
    output = workdir / "batch-out.jsonl"
    code = main(["split", *map(str, bad), str(good), "-o", str(output)])
    records = [json.loads(line, parse_constant=pytest.fail) for line in output.read_text(encoding="utf-8").splitlines()]
    assert any(r["source_file"] == str(good) and len(r["comments"]) == 5 for r in records)
    outcomes = [split_file(path) for path in bad]
    assert code == (1 if any(o.error or o.result.rejects for o in outcomes) else 0)  # 1 when anything was rejected
    rejects = workdir / "batch-out.rejects.jsonl"
    for line in rejects.read_text(encoding="utf-8").splitlines() if rejects.exists() else []:
        json.loads(line, parse_constant=pytest.fail)


# --- the failure classes of issue 23, one by one ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["reddit", "hackernews", "tabular"])
def test_json_nested_100000_deep_is_refused_by_name(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    outcome = split_file(path, fmt)
    assert outcome.error is not None and outcome.error.path == str(path)
    assert "nested too deeply" in outcome.error.message


def test_one_json_line_nested_100000_deep_is_rejected_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "first"}\n' + "[" * 100_000 + "\n" + '{"text": "third"}\n')
    result = read_file(path)
    assert [c.text for a in result.articles for c in a.comments] == ["first", "third"]
    assert [(r.location, "nested too deeply" in r.reason) for r in result.rejects] == [("line 2", True)]


def test_split_file_turns_what_a_reader_lets_escape_into_an_error_naming_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def a_reader_with_a_bug(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr("analyzer.splitting.read_file", a_reader_with_a_bug)
    path = tmp_path / "thread.json"
    path.write_text("{}")
    outcome = split_file(path)
    assert isinstance(outcome.error, ReaderError) and outcome.error.path == str(path)
    assert outcome.error.message == "internal error: KeyError: 'a bug'"


def test_html_nested_10000_deep_before_the_comments_keeps_every_comment(tmp_path: Path) -> None:
    page = (FIXTURES / "html" / "wordpress_nested.html").read_text(encoding="utf-8")
    body = page.index(">", page.index("<body")) + 1
    path = tmp_path / "deep.html"
    path.write_text(page[:body] + "<div>" * 10_000 + "</div>" * 10_000 + page[body:], encoding="utf-8")
    result = read_file(path)
    assert sum(len(a.comments) for a in result.articles) == 5
    [note] = result.rejects
    assert note.reason.startswith("HTML repaired: 9") and "nested more than 200 deep" in note.reason


@pytest.mark.parametrize(
    ("relative", "declaration"),
    [("reddit/thread.json", None), ("hn/hnapi_story.json", None), ("tabular/forum_export.json", None),
     ("disqus/town_forum.xml", 'encoding="utf-8"'), ("wxr/harbour_blog.xml", 'encoding="UTF-8"')],
)
def test_utf16_json_and_xml_with_a_byte_order_mark_are_detected_and_read(relative: str, declaration: str | None,
                                                                          tmp_path: Path) -> None:
    original = FIXTURES / relative
    text = original.read_text(encoding="utf-8")
    if declaration is not None:
        assert declaration in text
        text = text.replace(declaration, 'encoding="UTF-16"')
    path = tmp_path / original.name
    path.write_bytes(text.encode("utf-16"))
    assert detect_format(path) == detect_format(original)
    assert _comments(path) == _comments(original)


@pytest.mark.parametrize("relative", ["reddit/thread.json", "hn/firebase_items.json", "tabular/custom_columns.jsonl"])
def test_utf16_json_without_a_byte_order_mark_is_read_by_its_reader(relative: str, tmp_path: Path) -> None:
    """RFC 4627's way: the NULs of the first characters say UTF-16 LE (here with --format; detection below)."""
    original = FIXTURES / relative
    path = tmp_path / original.name
    path.write_bytes(original.read_text(encoding="utf-8").encode("utf-16-le"))
    options = SEED_OPTIONS.get(original.name, ReadOptions())
    fmt = read_file(original, options=options).articles[0].format
    expected = sum(len(a.comments) for a in read_file(original, fmt, options).articles)
    assert sum(len(a.comments) for a in read_file(path, fmt, options).articles) == expected > 0


@pytest.mark.parametrize(("relative", "encoding"), [("reddit/thread.json", "utf-16-le"),
                                                    ("youtube/api_threads.json", "utf-16-be"),
                                                    ("youtube/ycd_lecture.jsonl", "utf-16-le")])
def test_utf16_json_without_a_byte_order_mark_is_detected(relative: str, encoding: str, tmp_path: Path) -> None:
    original = FIXTURES / relative
    path = tmp_path / original.name
    path.write_bytes(original.read_text(encoding="utf-8").encode(encoding))
    assert detect(path) == Detection(detect_format(original))
    assert _comments(path) == _comments(original)


def test_the_invented_plain_text_seeds_read_as_plain_text(seeds: list[Seed]) -> None:
    plain = {s.name: (s.fmt, s.comments) for s in seeds if s.group == "plain_text"}
    assert plain == {name: ("plaintext", 3 if name == "headed.txt" else 2) for name in PLAIN_TEXT_SEEDS}


def test_a_time_longer_than_any_time_is_not_parsed() -> None:
    """dateutil's fuzzy parser took 14 s over a 2 MB time field."""
    assert to_iso8601("March 3, 2021 at 9:02 am") == "2021-03-03T09:02:00"
    assert to_iso8601("March 3, 2021 at 9:02 am " * 5) is None
    assert to_iso8601(["2021-03-03"]) is None and to_iso8601({"at": 1}) is None  # no "['2021…']" fuzzy-parsed


# --- YouTube: every failure is per line, thread or comment --------------------------------------------


def test_split_exits_1_when_anything_was_rejected(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    assert main(["split", str(FIXTURES / "youtube/ycd_bad_line.jsonl"), "-o", str(output)]) == 1
    [record] = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(record["comments"]) == 2  # the good lines are still written
    assert main(["split", str(FIXTURES / "youtube/ycd_lecture.jsonl"), "-o", str(output)]) == 0


def test_a_youtube_file_with_no_line_of_json_is_refused_by_its_first(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "\n{broken\n")
    with pytest.raises(ReaderError) as raised:
        read_file(path, "youtube")
    assert (raised.value.location, raised.value.message) == (
        "line 1", "JSON nested too deeply to read (over about a thousand levels)")


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("cid", ["a", 1], "comment not read: 'cid' is a list, expected text"),
    ("cid", "", "comment not read: youtube-comment-downloader comment without a 'cid'"),
    ("text", {"x": 1}, "comment not read: 'text' is an object, expected text"),
])
def test_a_youtube_downloader_comment_of_the_wrong_type_is_rejected_alone(field: str, value: object, reason: str,
                                                                           tmp_path: Path) -> None:
    lines = (FIXTURES / "youtube/ycd_lecture.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    records[3][field] = value
    path = tmp_path / "lecture.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    result = read_file(path)
    assert [c.id for c in result.articles[0].comments] == ["UgzAAA111", "UgzAAA111.9Xreply01", "UgzAAA111.9Xreply02"]
    assert [(r.location, r.reason) for r in result.rejects] == [("line 4", reason)]


def test_youtube_nan_and_deep_values_leave_strictly_writable_output(tmp_path: Path) -> None:
    lines = (FIXTURES / "youtube/ycd_lecture.jsonl").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"votes": "12"', '"votes": NaN').replace('"UCaaa"', "[" * 900 + "]" * 900)
    path = tmp_path / "lecture.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_file(path)
    first = result.articles[0].comments[0]
    assert "votes" not in first.extra and first.extra["channel"] is None  # NaN read as null; too deep to copy
    json.dumps(result.articles[0].to_dict(), allow_nan=False)
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 1", "JSON repaired: 1 NaN, Infinity or out-of-range number(s) read as null")]


def test_a_youtube_api_thread_or_reply_of_the_wrong_shape_is_rejected_alone(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "youtube/api_threads.json").read_text(encoding="utf-8"))
    page["items"][0]["replies"]["comments"][0]["snippet"]["textOriginal"] = ["a", 1]
    page["items"][1]["snippet"]["topLevelComment"]["snippet"]["moderationStatus"] = {"x": 1}
    page["items"].append(42)
    path = tmp_path / "threads.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    result = read_file(path)
    assert [c.id for a in result.articles for c in a.comments] == ["UgT1"]
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("$.items[0].replies.comments[0]", "comment not read: 'textOriginal' is a list, expected text"),
        ("$.items[1].snippet.topLevelComment", "comment not read: 'moderationStatus' is an object, expected text"),
        ("$.items[2]", "thread not read: expected a youtube#commentThread with snippet.topLevelComment"),
    ]
