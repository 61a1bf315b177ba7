"""Reddit dumps (Pushshift / Arctic Shift JSON lines, zstandard-compressed) on invented fixtures."""

from __future__ import annotations

import io
import json
import struct
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import zstandard

from analyzer.cli import main
from analyzer.readers import ReaderError, _compressed, detect_format, read_file
from analyzer.readers.reddit import _sniff
from analyzer.records import Article, Comment

REDDIT = Path(__file__).resolve().parent / "fixtures" / "reddit"
FIXTURES = REDDIT.parent
MIXED = REDDIT / "harbour_post.jsonl"  # an Arctic Shift download: the submission line, then its comments
COMMENTS = REDDIT / "rc_two_posts.ndjson"  # an RC_ slice: comments of two posts, no submission
SUBMISSIONS = REDDIT / "rs_submissions.ndjson"  # an RS_ slice: submissions only


def _comments(articles: list[Article]) -> dict[str, Comment]:
    return {c.id: c for a in articles for c in a.comments}


def _records(path: Path, fmt: str | None = None) -> list[dict]:
    """What a read gives, but the file name."""
    rows = []
    for article in read_file(path, fmt).articles:
        row = asdict(article)
        row.pop("source_file")
        rows.append(row)
    return rows


def _zstd(data: bytes, level: int = 3) -> bytes:
    return zstandard.ZstdCompressor(level=level).compress(data)


def _long_window_zstd(data: bytes) -> bytes:
    """As ``zstd --long=31`` writes the Pushshift dumps: a frame that asks for a 2 GiB window (streamed,
    so the size is not known up front and the window is not shrunk to fit it)."""
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31, enable_ldm=True)
    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(buffer, closefd=False) as writer:
        writer.write(data)
    return buffer.getvalue()


def _comment_lines(count: int, post: str = "b9long", prefix: str = "x") -> bytes:
    return "".join(
        json.dumps({"id": f"{prefix}{i}", "link_id": f"t3_{post}",
                    "parent_id": f"t1_{prefix}{i - 1}" if i % 3 else f"t3_{post}",
                    "author": f"reader{i % 17}", "body": f"Comment {i}: the ferry left {i * 37 % 90} minutes late.",
                    "created_utc": 1551340000 + i, "subreddit": "harbourtown", "score": i % 11}) + "\n"
        for i in range(count)).encode()


# --- detection ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MIXED, COMMENTS, SUBMISSIONS])
def test_dumps_are_detected_as_reddit(path: Path) -> None:
    assert detect_format(path) == "reddit"
    assert _sniff(path.read_bytes(), path) == 0.95


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("reddit/thread.json", "reddit"),
        ("reddit/listing_only.json", "reddit"),
        ("reddit/morechildren.json", "reddit"),
        ("tabular/custom_columns.jsonl", "tabular"),
        ("tabular/forum_export.json", "tabular"),
        ("tabular/paper_comments.csv", "tabular"),
        ("youtube/ycd_lecture.jsonl", "youtube"),
        ("hn/algolia_item.json", "hackernews"),
    ],
)
def test_the_other_fixtures_keep_their_readers(relative: str, expected: str) -> None:
    assert detect_format(FIXTURES / relative) == expected


def test_the_listing_fixtures_read_as_before_not_as_dumps() -> None:
    # listing_only.json holds a child thing that is a whole JSON object on its line: still one document
    result = read_file(REDDIT / "listing_only.json")
    assert not result.rejects
    [article] = result.articles
    assert (article.id, [(c.id, c.parent_id, c.depth) for c in article.comments]) == \
        ("z1", [("s1", None, 0), ("s2", "s1", 1)])
    [thread] = read_file(REDDIT / "thread.json").articles
    assert thread.url == "https://www.reddit.com/r/townnews/comments/x9post/city_council_approves_new_cycle_lanes/"
    assert thread.extra["link_url"] == "https://town.example/cycle-lanes" and thread.missing_comment_count is not None


def test_generic_comment_lines_that_are_not_reddit_shaped_stay_with_the_table_reader(tmp_path: Path) -> None:
    forum = tmp_path / "forum.jsonl"
    forum.write_text('{"id": "1", "link_id": "article-7", "parent_id": "", "body": "I agree with the piece."}\n'
                     '{"id": "2", "link_id": "article-7", "parent_id": "1", "body": "I do not."}\n', encoding="utf-8")
    stories = tmp_path / "stories.jsonl"  # titles with ids and counts, as other sites export them: no Reddit keys
    stories.write_text('{"id": 11, "title": "Tunnel vote", "num_comments": 2, "text": "Council votes today."}\n'
                       '{"id": 12, "title": "Tram plan", "num_comments": 0, "text": "A plan is out."}\n',
                       encoding="utf-8")
    for path in (forum, stories):
        assert _sniff(path.read_bytes(), path) == 0.0
        assert detect_format(path) == "tabular"
    assert [(c.id, c.parent_id) for c in read_file(forum).articles[0].comments] == [("1", None), ("2", "1")]


def test_a_dump_of_one_line_without_a_line_break_is_reddit(tmp_path: Path) -> None:
    one = tmp_path / "one_comment.jsonl"
    one.write_bytes(COMMENTS.read_bytes().split(b"\n")[0])
    assert detect_format(one) == "reddit"
    assert [(a.id, [c.id for c in a.comments]) for a in read_file(one).articles] == [("m5ferry", ["k2a001"])]


# --- a submission and its comments in one file ------------------------------------------------------------


def test_a_mixed_dump_gives_the_post_as_the_article_and_threads_its_comments() -> None:
    result = read_file(MIXED)
    [article] = result.articles
    assert (article.id, article.format) == ("q7harb", "reddit")
    assert article.title == "Harbour bridge to close for six weeks of repairs"
    # the thread's page, as a thread JSON's post gives it; a link post's link beside it
    assert article.url == "https://www.reddit.com/r/harbourtown/comments/q7harb/harbour_bridge_to_close_for_six_weeks/"
    assert article.extra["link_url"] == "https://harbourtown.example/news/bridge-closure"
    assert article.body == ""
    assert article.date == "2019-02-28T07:46:40+00:00"
    assert article.declared_comment_count == 7
    assert article.extra["subreddit"] == "harbourtown"
    got = [(c.id, c.parent_id, c.depth, c.status, c.position) for c in article.comments]
    assert got == [
        ("h1aaaa", None, 0, "published", 0),
        ("h1bbbb", "h1aaaa", 1, "published", 1),
        ("h1cccc", "h1bbbb", 2, "deleted", 2),  # "[deleted]"
        ("h1dddd", None, 0, "deleted", 3),  # "[removed]"
        ("h1eeee", "h1cccc", 3, "published", 4),
        ("h1gggg", "h1zzzz", 0, "published", 5),  # its parent is not in the file: top level, link kept
    ]
    by_id = _comments(result.articles)
    assert by_id["h1bbbb"].text == "Six weeks of detours is going to hurt the night buses & the deliveries."
    assert by_id["h1bbbb"].extra == {"score": 12, "edited": 1551340900}  # the first of the two copies
    assert by_id["h1bbbb"].time == "2019-02-28T07:50:00.500000+00:00"  # a float created_utc
    assert by_id["h1cccc"].time == "2019-02-28T07:51:40+00:00"  # a numeric string
    assert by_id["h1aaaa"].author == "ferry_fan"
    reasons = [(r.location, r.reason) for r in result.rejects]
    assert reasons == [
        ("line 8, column 71", "not valid JSON: Unterminated string starting at"),
        ("line 9", "not a Reddit comment (body, link_id, parent_id) or submission (title, id)"),
        ("line 6", "1 duplicate comments (same id) dropped"),
    ]
    assert json.loads(result.rejects[-1].raw) == [{"id": "h1bbbb", "at": "line 6"}]
    assert {r.source_file for r in result.rejects} == {str(MIXED)}


def test_the_table_reader_read_the_mixed_dump_without_its_post() -> None:
    # what the dumps gave before: the comments grouped right, the submission line rejected, no title
    result = read_file(MIXED, "tabular")
    [article] = result.articles
    assert (article.id, article.title, article.declared_comment_count) == ("t3_q7harb", None, None)
    assert any(r.location == "line 1" and "no text" in r.reason for r in result.rejects)


# --- comments only, submissions only ------------------------------------------------------------------------


def test_a_comments_only_dump_gives_one_untitled_article_per_post() -> None:
    result = read_file(COMMENTS)
    assert not result.rejects
    assert [(a.id, a.title, a.url, a.date, a.declared_comment_count, a.extra) for a in result.articles] == [
        ("m5ferry", None, None, None, None, {"subreddit": "coastline"}),  # no title made up from a permalink
        ("m6tram", None, None, None, None, {"subreddit": "coastline"}),
    ]
    threads = {a.id: [(c.id, c.parent_id, c.depth, c.position) for c in a.comments] for a in result.articles}
    assert threads == {
        "m5ferry": [("k2a001", None, 0, 0), ("k2a003", "k2a001", 1, 2), ("k2a005", "k2a003", 2, 4)],
        "m6tram": [("k2a002", None, 0, 1), ("k2a004", "k2a002", 1, 3)],
    }
    times = {c.id: c.time for c in _comments(result.articles).values()}
    assert times["k2a001"] == "2019-03-01T00:26:40+00:00"  # "1551400000"
    assert times["k2a002"] == "2019-03-01T00:27:40.250000+00:00"  # 1551400060.25
    assert times["k2a003"] == "2019-03-01T00:28:40+00:00"  # "1551400120.0"


def test_the_table_reader_still_groups_a_comments_only_dump_by_link_id() -> None:
    articles = read_file(COMMENTS, "tabular").articles
    assert [(a.id, [(c.id, c.parent_id, c.depth) for c in a.comments]) for a in articles] == [
        ("t3_m5ferry", [("k2a001", None, 0), ("k2a003", "k2a001", 1), ("k2a005", "k2a003", 2)]),
        ("t3_m6tram", [("k2a002", None, 0), ("k2a004", "k2a002", 1)]),
    ]


def test_a_submissions_only_dump_gives_articles_with_their_declared_counts() -> None:
    result = read_file(SUBMISSIONS)
    assert not result.rejects
    by_id = {a.id: a for a in result.articles}
    assert list(by_id) == ["m5ferry", "m6tram", "m7gone"]
    assert all(not a.comments for a in result.articles)
    assert [a.declared_comment_count for a in result.articles] == [14, 3, 0]  # "3" in the dump
    link, own, removed = by_id["m5ferry"], by_id["m6tram"], by_id["m7gone"]
    assert (link.extra["link_url"], link.body) == ("https://coastline.example/ferry-winter", "")
    assert own.url == "https://www.reddit.com/r/coastline/comments/m6tram/should_the_city_build_a_tram/"
    assert own.body == "The council votes on Thursday. Costs are in the linked report & the annex."
    assert own.date == "2019-02-28T23:03:20+00:00" and "link_url" not in own.extra  # a self post links to itself
    assert (removed.body, removed.extra["body_status"]) == ("", "deleted")


def test_split_reports_declared_against_found_for_submissions(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.jsonl"
    assert main(["split", str(SUBMISSIONS), str(COMMENTS), "-o", str(output)]) == 0
    err = capsys.readouterr().err
    assert f"{SUBMISSIONS}: 3 article(s), 0 comment(s); declared 17, found 0" in err
    assert f"{COMMENTS}: 2 article(s), 5 comment(s)" in err


# --- more line shapes and what is rejected --------------------------------------------------------------


def _write_lines(path: Path, *lines: dict | str) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def test_wrapped_things_duplicate_submissions_and_comments_without_a_post(tmp_path: Path) -> None:
    dump = _write_lines(
        tmp_path / "api_things.jsonl",
        {"kind": "t3", "data": {"id": "p1", "name": "t3_p1", "title": "Wrapped post", "num_comments": 2,
                                "selftext": "Body &lt;here&gt;", "subreddit": "coastline"}},
        {"kind": "t1", "data": {"id": "c1", "link_id": "t3_p1", "parent_id": "t3_p1", "body": "wrapped comment"}},
        {"id": "p1", "name": "t3_p1", "title": "Wrapped post, fetched again", "num_comments": 5, "selftext": ""},
        {"id": "c2", "parent_id": "t3_p1", "body": "no link_id, but a post as parent"},
        {"id": "c3", "parent_id": "t1_c2", "body": "no link_id, a parent read above"},
        {"id": "c4", "parent_id": "t1_nowhere", "body": "no link_id, a parent not read"},
        {"id": ["c5"], "link_id": "t3_p1", "parent_id": "t3_p1", "body": "an id that is a list"},
        {"name": "t3_", "title": "a submission without an id"},
        "[1, 2]",
    )
    result = read_file(dump)
    [article] = result.articles
    assert (article.title, article.body, article.declared_comment_count) == ("Wrapped post", "Body <here>", 2)
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [("c1", None, 0), ("c2", None, 0),
                                                                         ("c3", "c2", 1)]
    reasons = [(r.location, r.reason) for r in result.rejects]
    assert reasons == [
        ("line 6", "comment not read: comment without a 'link_id': the post it belongs to is not known"),
        ("line 7", "comment not read: 'id' is a list, expected text"),
        ("line 8", "submission not read: submission without an 'id' or 'name'"),
        ("line 9", "not a Reddit comment (body, link_id, parent_id) or submission (title, id)"),
        ("line 3", "1 duplicate submissions (same id) dropped"),
    ]


def test_bytes_that_are_not_utf8_are_read_and_reported_by_line(tmp_path: Path) -> None:
    good = COMMENTS.read_bytes().split(b"\n")
    good[1] = good[1].replace(b"A tram line", b"A tram line \xe9")  # a cp1252 byte in a UTF-8 dump
    good[3] = good[3].replace(b"Less on paper.", b"Less\x00 on paper.")
    dump = tmp_path / "RC_patched"
    dump.write_bytes(b"\n".join(good))
    result = read_file(dump)
    by_id = _comments(result.articles)
    assert by_id["k2a002"].text == "A tram line \u00e9 would cost less than the tunnel."
    assert by_id["k2a004"].text == "Less on paper. Trams overrun too."
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 2", "text repaired: 1 byte(s) not valid UTF-8 read as cp1252"),
        ("line 4", "text repaired: control characters (NUL …) removed"),
    ]


def test_a_utf16_dump_is_read_whole(tmp_path: Path) -> None:
    dump = tmp_path / "saved_by_notepad.jsonl"
    dump.write_bytes(MIXED.read_text(encoding="utf-8").encode("utf-16"))
    assert detect_format(dump) == "reddit"
    assert _records(dump) == _records(MIXED)


# --- zstandard ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", ["reddit/harbour_post.jsonl", "reddit/thread.json", "tabular/paper_comments.csv",
                                      "youtube/ycd_lecture.jsonl", "disqus/town_forum.xml"])
def test_a_zstd_file_reads_as_the_file_it_holds(tmp_path: Path, relative: str) -> None:
    original = FIXTURES / relative
    packed = tmp_path / f"{original.name}.zst"
    packed.write_bytes(_zstd(original.read_bytes()))
    result = read_file(packed)
    assert result.articles and _records(packed) == _records(original)
    assert {a.source_file for a in result.articles} == {str(packed)}
    assert not result.rejects or {r.source_file for r in result.rejects} == {str(packed)}


def test_a_zstd_dump_is_known_by_its_magic_bytes_whatever_its_name(tmp_path: Path) -> None:
    packed = tmp_path / "harbourtown_comments"  # as Arctic Shift names them, less the suffix
    packed.write_bytes(_zstd(MIXED.read_bytes()))
    assert packed.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert _records(packed) == _records(MIXED)
    assert read_file(packed).articles[0].format == "reddit"


def test_a_long_window_dump_is_read(tmp_path: Path) -> None:
    data = MIXED.read_bytes()
    packed = tmp_path / "RC_2019-02.zst"
    packed.write_bytes(_long_window_zstd(data))
    assert zstandard.get_frame_parameters(packed.read_bytes()).window_size == 2**31
    with pytest.raises(zstandard.ZstdError):  # the default limit (128 MiB) refuses it: the case is real
        zstandard.ZstdDecompressor().stream_reader(io.BytesIO(packed.read_bytes())).read()
    assert _records(packed) == _records(MIXED)


def test_concatenated_frames_and_a_skippable_frame_are_read_whole(tmp_path: Path) -> None:
    first, second = _comment_lines(300, "b9one", "a"), _comment_lines(200, "b9two", "b")
    skippable = bytes([0x50, 0x2A, 0x4D, 0x18]) + struct.pack("<I", 4) + b"pzst"  # pzstd writes these first
    packed = tmp_path / "RC_parts.zst"
    packed.write_bytes(skippable + _zstd(first) + _zstd(second))
    result = read_file(packed)
    assert not result.rejects
    assert [(a.id, len(a.comments)) for a in result.articles] == [("b9one", 300), ("b9two", 200)]
    assert [c.depth for c in result.articles[1].comments[:4]] == [0, 1, 2, 0]


def test_a_cut_short_zstd_keeps_what_came_before_the_cut_and_says_where(tmp_path: Path) -> None:
    whole = _zstd(_comment_lines(20_000))
    cut = tmp_path / "RC_2019-02.zst"
    cut.write_bytes(whole[: len(whole) // 2])
    result = read_file(cut)
    read = [c.id for a in result.articles for c in a.comments]
    assert 0 < len(read) < 20_000 and read == [f"x{i}" for i in range(len(read))]
    [damage] = [r for r in result.rejects if "cut short" in r.reason]
    assert damage.source_file == str(cut)
    assert damage.location.startswith("byte ") and damage.location.endswith(" of the zstd content")
    written = int(damage.location.split()[1])
    assert written > 0 and f"the {written} bytes before it were read" in damage.reason
    assert "ends inside a zstandard frame" in damage.reason
    # the last line, cut in the middle, is a reject of its own: the line before the cut
    assert any(r.location.startswith(f"line {len(read) + 1}") for r in result.rejects)


def test_garbage_after_the_last_frame_keeps_the_frames_before_it(tmp_path: Path) -> None:
    packed = tmp_path / "RC_padded.zst"
    packed.write_bytes(_zstd(_comment_lines(2_000)) + b"\x00" * 16)
    result = read_file(packed)
    assert sum(len(a.comments) for a in result.articles) == 2_000
    [damage] = result.rejects
    assert "the zstd data is damaged or cut short here" in damage.reason


def test_zstd_damaged_from_the_start_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "RS_2019-02.zst"
    broken.write_bytes(b"\x28\xb5\x2f\xfd" + b"\xff" * 40)
    with pytest.raises(ReaderError, match=r"byte 0: damaged or cut-short zstd data, nothing readable") as caught:
        read_file(broken)
    assert caught.value.path == str(broken)


def test_zstd_bombs_are_refused_by_size_and_by_ratio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "zeros.csv.zst"
    bomb.write_bytes(_zstd(b"id,text\n" + b"0" * 5_000_000, level=19))
    monkeypatch.setattr(_compressed, "EXPANSION_FLOOR", 1024**2)
    with pytest.raises(ReaderError, match="zstd content over 1 MiB .*more than 100 times its size"):
        read_file(bomb)
    monkeypatch.setattr(_compressed, "MAX_DECOMPRESSED_BYTES", 100_000)
    with pytest.raises(ReaderError, match="zstd content over .*GiB: unpack it yourself"):
        read_file(bomb)
    dump = tmp_path / "RC_real.zst"  # past the floor at the ratio of real comments: read
    lines = _comment_lines(20_000)
    dump.write_bytes(_zstd(lines))
    monkeypatch.setattr(_compressed, "MAX_DECOMPRESSED_BYTES", 4 * 1024**3)
    assert len(lines) > 1024**2
    assert sum(len(a.comments) for a in read_file(dump).articles) == 20_000


def test_without_the_zstandard_package_a_zst_file_says_what_to_install(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    packed = tmp_path / "RC_2019-02.zst"
    packed.write_bytes(_zstd(MIXED.read_bytes()))
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard then raises ImportError
    with pytest.raises(ReaderError, match="the zstandard package is not installed: install it"):
        read_file(packed)


def test_a_byte_that_is_not_utf8_in_the_first_line_does_not_hide_the_dump(tmp_path: Path) -> None:
    # a Latin-1 "é" in the submission's title: the line is repaired when read, and the file is still a dump
    path = tmp_path / "dump.jsonl"
    path.write_bytes(MIXED.read_bytes().replace(b"Harbour bridge to close", b"Harbour bridge to \xe9 close", 1))
    assert detect_format(path) == "reddit"
    result = read_file(path)
    assert [a.title for a in result.articles] == ["Harbour bridge to é close for six weeks of repairs"]
    assert (result.rejects[0].location, result.rejects[0].reason) == (
        "line 1", "text repaired: 1 byte(s) not valid UTF-8 read as cp1252")


@pytest.mark.parametrize("first_line", ["NaN", "3", '"a string"', "[1]"])
def test_a_first_line_that_is_a_bare_value_or_a_list_is_a_reject_not_a_refusal_of_the_dump(tmp_path: Path, first_line: str) -> None:
    # a whole line followed by more begins no JSON document: the dump's other lines are still read (the file had
    # been refused whole as "not valid JSON: Extra data")
    lines = COMMENTS.read_text(encoding="utf-8").split("\n")
    path = tmp_path / "dump.ndjson"
    path.write_text("\n".join([first_line, *lines[1:]]), encoding="utf-8")
    result = read_file(path, "reddit")
    assert sum(len(a.comments) for a in result.articles) == len([line for line in lines if line.strip()]) - 1
    assert any(r.location == "line 1" and "not a Reddit comment" in r.reason for r in result.rejects)


def test_a_dump_line_with_a_field_of_the_wrong_type_is_rejected_whole(tmp_path: Path) -> None:
    # its comment had been kept and rejected too ("comment not read"), so it counted twice
    path = tmp_path / "RC_sample.ndjson"
    lines = [{"id": "c1", "link_id": "t3_p1", "parent_id": "t3_p1", "author": "ann", "body": "Fine.",
              "created_utc": 1551400000, "subreddit": True},
             {"id": "c2", "link_id": "t3_p1", "parent_id": "t3_p1", "author": "bo", "body": "Also fine.",
              "created_utc": 1551400060, "subreddit": "coastline", "link_title": ["not", "text"]},
             {"id": "c3", "link_id": "t3_p1", "parent_id": "t3_p1", "author": "cy", "body": "Kept.",
              "created_utc": 1551400120, "subreddit": "coastline"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = read_file(path, "reddit")
    assert [c.id for a in result.articles for c in a.comments] == ["c3"]
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 1", "comment not read: 'subreddit' is a boolean, expected text"),
        ("line 2", "comment not read: 'link_title' is a list, expected text")]


def test_a_users_comment_listing_gives_each_thread_its_title_page_and_link(tmp_path: Path) -> None:
    # /user/<name>/comments.json: t1 things carrying their post's title, thread page and (link post) link
    def thing(cid: str, post: str, body: str) -> dict:
        return {"kind": "t1", "data": {
            "id": cid, "name": f"t1_{cid}", "link_id": f"t3_{post}", "parent_id": f"t3_{post}", "body": body,
            "author": "ann", "created_utc": 1551312000, "link_title": f"Post {post}",
            "link_permalink": f"https://www.reddit.com/r/news/comments/{post}/post/",
            "link_url": f"https://news.example.com/{post}" if post == "p1" else
            f"https://www.reddit.com/r/news/comments/{post}/post/"}}

    path = tmp_path / "comments.json"
    path.write_text(json.dumps({"kind": "Listing", "data": {"after": None, "children": [
        thing("c1", "p1", "Talks again."), thing("c2", "p2", "A self post."), thing("c3", "p1", "Nothing new.")]}}))
    articles = read_file(path).articles
    assert [(a.id, a.title, a.url, a.extra.get("link_url"), len(a.comments)) for a in articles] == [
        ("p1", "Post p1", "https://www.reddit.com/r/news/comments/p1/post/", "https://news.example.com/p1", 2),
        ("p2", "Post p2", "https://www.reddit.com/r/news/comments/p2/post/", None, 1)]
