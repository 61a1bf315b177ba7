"""yt-dlp ``.info.json`` files (``--write-comments``) read by the YouTube reader, on an invented video."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analyzer.readers import SNIFF_BYTES, detect_format, read_file, readers
from analyzer.records import Article, Comment
from analyzer.splitting import split_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VIDEO = FIXTURES / "youtube/ytdlp_wind_farm.info.json"


def _info() -> dict[str, Any]:
    return json.loads(VIDEO.read_text(encoding="utf-8"))


def _write(path: Path, info: Any, indent: int | None = None) -> Path:
    # yt-dlp writes the whole object on one line (indent None); `jq .` and editors indent it
    path.write_text(json.dumps(info, ensure_ascii=False, indent=indent), encoding="utf-8")
    return path


def _by_id(article: Article) -> dict[str, Comment]:
    return {comment.id: comment for comment in article.comments}


def _youtube_sniff(path: Path) -> float:
    return readers()["youtube"].sniff(path.read_bytes(), path)


# --- the video and its comments --------------------------------------------------------------------


def test_info_json_is_detected_and_read_as_one_video() -> None:
    assert detect_format(VIDEO) == "youtube"
    result = read_file(VIDEO)  # detected, not forced
    [article] = result.articles
    assert (article.id, article.format) == ("Hq7bW2xNo4c", "youtube")
    assert article.title == "Harbour town votes for offshore wind farm"
    assert article.url == "https://www.youtube.com/watch?v=Hq7bW2xNo4c"
    assert article.date == "2024-06-13T12:00:00+00:00"
    assert article.body.startswith("Councillors in Saltmere voted 19 to 8")
    assert "\n\nFishermen say" in article.body
    assert article.declared_comment_count == 7
    assert article.missing_comment_count is None  # the list is there: yt-dlp says nothing of what it left out
    assert article.extra == {"channel": "Coastline News", "channel_id": "UCq3harbourNewsDesk01",
                             "uploader": "Coastline News"}
    assert not result.notes


def test_root_comments_are_top_level_and_replies_hang_from_their_parent() -> None:
    [article] = read_file(VIDEO).articles
    assert [c.id for c in article.comments] == ["UgzPin1", "UgzPin1.UgxAsk2", "UgzFish3", "UgzGone9.UgxLate4",
                                                "UgzSun6"]
    assert [c.position for c in article.comments] == [0, 1, 2, 3, 4]
    comments = _by_id(article)
    pinned, reply = comments["UgzPin1"], comments["UgzPin1.UgxAsk2"]
    assert (pinned.parent_id, pinned.depth) == (None, 0)
    assert (reply.parent_id, reply.depth) == ("UgzPin1", 1)
    # its parent is not in the file: the link is kept, the reply starts a thread of its own
    orphan = comments["UgzGone9.UgxLate4"]
    assert (orphan.parent_id, orphan.depth) == ("UgzGone9", 0)
    assert pinned.author == "@coastlinenews"
    assert pinned.time == "2024-06-13T14:46:40+00:00"
    assert pinned.extra == {"like_count": 42, "is_favorited": False, "is_pinned": True, "author_is_uploader": True,
                            "author_is_verified": True, "author_id": "UCq3harbourNewsDesk01", "_time_text": "1 day ago"}
    assert comments["UgzFish3"].text.endswith("Nobody asked us.\n\nThe vote was a stitch-up.")
    assert comments["UgzSun6"].text.endswith("Good call 👍")


def test_a_comment_without_text_and_a_repeated_id_are_rejects() -> None:
    result = read_file(VIDEO)
    reasons = {reject.location: reject.reason for reject in result.rejects}
    assert reasons == {"$.comments[5]": "comment not read: yt-dlp comment without text",
                       "$.comments[4]": "1 duplicate comments (same id) dropped"}
    # every item of the list is a comment kept or rejected: 5 kept, 1 without text, 1 repeat
    assert len(result.articles[0].comments) + len(result.rejects) == len(_info()["comments"])


def test_malformed_items_are_rejects_naming_their_path(tmp_path: Path) -> None:
    info = _info()
    info["comments"][1] = "a reply that was deleted"
    info["comments"][2]["author"] = ["@trawlerkate"]
    info["title"] = ["Harbour town votes"]  # the video's own field: a reject, the comments still read
    result = read_file(_write(tmp_path / "odd.info.json", info))
    reasons = {reject.location: reject.reason for reject in result.rejects}
    assert reasons["$.comments[1]"] == "comment not read: expected a yt-dlp comment object"
    assert reasons["$.comments[2]"] == "comment not read: 'author' is a list, expected text"
    assert reasons["$.title"] == "video field not read: 'title' is a list, expected text"
    [article] = result.articles
    assert article.title == "Harbour town votes for offshore wind farm"  # fulltitle
    # the first UgzFish3 was rejected, so its repeat is the one kept, not a duplicate
    assert [c.id for c in article.comments] == ["UgzPin1", "UgzGone9.UgxLate4", "UgzFish3", "UgzSun6"]
    assert "$.comments[4]" not in reasons


def test_date_from_upload_date_and_url_from_the_id(tmp_path: Path) -> None:
    info = _info()
    del info["timestamp"], info["webpage_url"]
    [article] = read_file(_write(tmp_path / "older.info.json", info)).articles
    assert article.date == "2024-06-13T00:00:00"
    assert article.url == "https://www.youtube.com/watch?v=Hq7bW2xNo4c"


# --- saved without --write-comments --------------------------------------------------------------------


def test_without_comments_the_declared_ones_are_missing(tmp_path: Path) -> None:
    info = _info()
    del info["comments"]
    path = _write(tmp_path / "Hq7bW2xNo4c.info.json", info)
    assert detect_format(path) == "youtube"
    outcome = split_file(path)
    [article] = outcome.result.articles
    assert article.comments == []
    assert (article.declared_comment_count, article.missing_comment_count) == (7, 7)
    assert outcome.result.rejects == []
    summary = outcome.summary()
    assert "declared 7, found 0" in summary and "missing 7 (not in the file)" in summary
    assert "--write-comments" in summary


def test_without_comments_or_a_count_nothing_is_claimed_missing(tmp_path: Path) -> None:
    info = _info()
    del info["comments"], info["comment_count"]
    [article] = read_file(_write(tmp_path / "quiet.info.json", info)).articles
    assert (article.declared_comment_count, article.missing_comment_count) == (None, None)


def test_a_comments_field_that_is_no_list_is_a_reject(tmp_path: Path) -> None:
    info = _info()
    info["comments"] = {"count": 7}
    result = read_file(_write(tmp_path / "odd.info.json", info))
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("$.comments", "comments not read: expected a list of comment objects")]
    assert result.articles[0].missing_comment_count == 7


# --- detection: the head of a real file ------------------------------------------------------------


def _with_many_formats(info: dict[str, Any]) -> dict[str, Any]:
    """A real file's shape: formats (and their long signed URLs) fill far more than the sniffed head."""
    audio = info["formats"][1]
    formats = [dict(audio, format_id=str(n), url=f"{audio['url']}&n={n}&sig={'x' * 1500}") for n in range(80)]
    return {**info, "formats": [info["formats"][0], *formats]}


@pytest.mark.parametrize("indent", [None, 1])
def test_comments_megabytes_after_the_head_are_found(tmp_path: Path, indent: int | None) -> None:
    path = _write(tmp_path / "Saltmere wind farm [Hq7bW2xNo4c].info.json", _with_many_formats(_info()), indent)
    head = path.read_bytes()[:SNIFF_BYTES]
    assert b'"extractor"' not in head and b'"comments"' not in head
    assert detect_format(path) == "youtube"
    [article] = read_file(path).articles
    assert len(article.comments) == 5 and article.title == "Harbour town votes for offshore wind farm"


def test_a_head_cut_inside_the_object_is_sniffed_from_its_keys(tmp_path: Path) -> None:
    whole = json.dumps(_with_many_formats(_info()), indent=1).encode("utf-8")
    cut = whole[:5000]  # inside the formats list
    assert readers()["youtube"].sniff(cut, tmp_path / "x.info.json") == 0.95


# --- what it must leave to the other readers ---------------------------------------------------------------


@pytest.mark.parametrize(("extractor", "url"), [
    ("vimeo", "https://player.vimeo.com/video/1"),
    ("youtube:tab", "https://www.youtube.com/playlist?list=PL1"),  # a playlist: no video's comments
])
def test_other_sites_and_playlists_are_not_claimed(tmp_path: Path, extractor: str, url: str) -> None:
    info = {"id": "x1", "title": "Something else", "webpage_url": url, "extractor": extractor,
            "extractor_key": extractor.title(), "_type": "video", "comments": []}
    assert _youtube_sniff(_write(tmp_path / "other.info.json", info)) == 0.0


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.parent.name != "youtube"),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_fixtures_are_not_claimed(path: Path) -> None:
    assert _youtube_sniff(path) == 0.0


@pytest.mark.parametrize(("name", "how"), [
    ("ycd_lecture.jsonl", "lines"), ("ycd_pretty.json", "pretty"), ("api_threads.json", "api")])
def test_the_other_youtube_dumps_are_read_as_before(name: str, how: str) -> None:
    path = FIXTURES / "youtube" / name
    assert detect_format(path) == "youtube"
    [article] = read_file(path).articles
    assert article.title is None and article.body == ""  # no yt-dlp metadata given to them
    if how == "api":
        assert article.id == "vid123"
    else:
        assert article.id == path.stem


def test_a_plain_comment_list_and_a_scraper_object_keep_their_readers(tmp_path: Path) -> None:
    rows = [{"id": "c1", "text": "Turbines are ugly.", "author": "ann", "parent_id": None},
            {"id": "c2", "text": "Cheaper power though.", "author": "ben", "parent_id": "c1"}]
    plain = _write(tmp_path / "comments.json", rows)
    assert _youtube_sniff(plain) == 0.0 and detect_format(plain) == "tabular"
    # a scraper's own object naming a YouTube page: one yt-dlp key (webpage_url) is not yt-dlp
    page = "https://www.youtube.com/watch?v=Hq7bW2xNo4c"
    scraped = {"video": {"id": "Hq7bW2xNo4c", "title": "Wind farm", "webpage_url": page},
               "comments": [{"id": "c1", "text": "Turbines are ugly.", "author": {"name": "ann"}, "likes": 2},
                            {"id": "c2", "text": "Cheaper power.", "author": {"name": "ben"}, "in_reply_to": "c1"}]}
    wrapped = _write(tmp_path / "scrape.json", scraped)
    assert _youtube_sniff(wrapped) == 0.0 and detect_format(wrapped) == "generic-json"
