"""yt-dlp ``.info.json`` files (``--write-comments``), ``-j`` JSON lines of them and ``-J`` playlists read by the
YouTube reader, on invented videos."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analyzer.cli import main
from analyzer.readers import SNIFF_BYTES, detect_format, read_file, readers
from analyzer.records import Article, Comment
from analyzer.splitting import split_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VIDEO = FIXTURES / "youtube/ytdlp_wind_farm.info.json"
#: yt-dlp -j of three URLs (the first twice), killed while it wrote the third: one video per line.
LINES = FIXTURES / "youtube/ytdlp_videos.jsonl"
#: yt-dlp -J of a playlist: the wind farm video, an unavailable one (null), another video, a --flat-playlist link.
PLAYLIST = FIXTURES / "youtube/ytdlp_playlist.json"


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
    ("youtube:tab", "https://www.youtube.com/playlist?list=PL1"),  # a tab's extractor on what is no playlist
])
def test_other_sites_and_tab_objects_that_are_no_playlist_are_not_claimed(tmp_path: Path, extractor: str, url: str) -> None:
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


# --- yt-dlp -j: one video per line ---------------------------------------------------------------------


def _lines() -> list[str]:
    return LINES.read_text(encoding="utf-8").splitlines()


def _write_text(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _split_summary(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The exit code of `split` and the summary line it prints for the file."""
    code = main(["split", str(path), "-o", str(tmp_path / "out.jsonl")])
    [line] = [line for line in capsys.readouterr().err.splitlines() if line.startswith(str(path))]
    return code, line


def test_json_lines_of_videos_give_an_article_per_video() -> None:
    assert detect_format(LINES) == "youtube"
    result = read_file(LINES)  # detected, not forced
    lagoon, ferry = result.articles
    assert (lagoon.id, lagoon.title) == ("Lg4tdLagoon", "Tidal lagoon plan back on the table")
    assert (ferry.id, ferry.title) == ("Fy7islFerry", "Ferry fares rise for island residents")
    assert ferry.url == "https://www.youtube.com/watch?v=Fy7islFerry" and ferry.body.startswith("Return fares")
    assert (lagoon.declared_comment_count, lagoon.missing_comment_count) == (3, None)
    assert [c.id for c in lagoon.comments] == ["UgyLag1", "UgyLag1.UgxLag2", "UgyLag3"]
    assert [(c.parent_id, c.depth) for c in lagoon.comments] == [(None, 0), ("UgyLag1", 1), (None, 0)]
    assert [c.id for c in ferry.comments] == ["UgzFer1", "UgzFer2"]
    assert ferry.comments[0].text == "18% when wages went up 3%. Brilliant."
    # positions are the order in the file, across its videos
    assert [c.position for a in result.articles for c in a.comments] == [0, 1, 2, 3, 4]
    assert not result.notes


def test_a_broken_line_and_a_repeated_video_are_rejects_naming_their_lines() -> None:
    result = read_file(LINES)
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 3, column 137", "not valid JSON: Unterminated string starting at"),
        ("line 4", "1 duplicate videos (same id) dropped"),
    ]
    assert json.loads(result.rejects[1].raw) == [{"id": "Lg4tdLagoon", "at": "line 4"}]


def test_json_lines_summary_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, summary = _split_summary(LINES, tmp_path, capsys)
    assert code == 1  # something was rejected; the videos are still written
    assert summary == f"{LINES}: 2 article(s), 5 comment(s); published 5; declared 5, found 5; rejected 2"
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == [
        "Lg4tdLagoon", "Fy7islFerry"]


def test_a_line_that_is_no_video_is_a_reject_and_a_video_line_is_read_as_an_info_json(tmp_path: Path) -> None:
    lines = _lines()
    ferry = json.loads(lines[1])
    ferry["comments"][1] = ["not", "a comment"]
    ferry["title"] = {"text": "Ferry fares"}
    no_id = dict(json.loads(lines[0]), id=None)
    lines[1:] = [json.dumps(ferry), "[1, 2]", json.dumps(no_id), json.dumps({"_type": "playlist", "entries": None})]
    result = read_file(_write_text(tmp_path / "videos.jsonl", lines))
    assert [a.id for a in result.articles] == ["Lg4tdLagoon", "Fy7islFerry"]
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 2, $.title", "video field not read: 'title' is an object, expected text"),
        ("line 2, $.comments[1]", "comment not read: expected a yt-dlp comment object"),
        ("line 3", "video not read: expected a yt-dlp video object"),
        ("line 4", "video not read: yt-dlp video without an 'id'"),
        ("line 5", "video not read: a playlist without its list of entries"),
    ]
    assert result.articles[1].title == "Ferry fares rise for island residents"  # fulltitle


def test_videos_saved_without_comments_are_counted_missing_and_said_once(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in _lines()[:2]]
    for info in lines:
        del info["comments"]
    result = read_file(_write_text(tmp_path / "videos.jsonl", [json.dumps(info) for info in lines]))
    assert [(a.id, a.missing_comment_count) for a in result.articles] == [("Lg4tdLagoon", 3), ("Fy7islFerry", 2)]
    assert result.notes == ["2 of 2 videos without comments (yt-dlp saves them only with --write-comments)"]


def test_a_first_line_longer_than_the_head_is_sniffed_from_its_own_keys(tmp_path: Path) -> None:
    lines = _lines()
    big = json.dumps(_with_many_formats(json.loads(lines[0])))
    path = _write_text(tmp_path / "videos.jsonl", [big, lines[1]])
    assert len(big) > SNIFF_BYTES
    assert detect_format(path) == "youtube"
    assert [len(a.comments) for a in read_file(path).articles] == [3, 2]


@pytest.mark.parametrize("first", [
    {"id": "c1", "text": "Turbines are ugly.", "author": "ann"},  # a comment table's first row
    {"id": "v1", "title": "Elsewhere", "webpage_url": "https://vimeo.com/1", "extractor": "vimeo",
     "extractor_key": "Vimeo", "comments": []},  # another site's video
])
def test_json_lines_whose_first_line_is_no_youtube_video_are_not_claimed(tmp_path: Path, first: dict[str, Any]) -> None:
    # the next lines are yt-dlp videos: they do not make the first one a video
    path = _write_text(tmp_path / "mixed.jsonl", [json.dumps(first), *_lines()[:2]])
    assert _youtube_sniff(path) == 0.0


@pytest.mark.parametrize("first", ['{"id": "Dr3dgeHarbr", "title": "Harbour dr', '{"a": 1} trailing', "[" * 100_000])
def test_a_broken_first_line_is_not_detected_but_named_youtube_it_is_one_reject(tmp_path: Path, first: str) -> None:
    path = _write_text(tmp_path / "videos.jsonl", [first, *_lines()[1:]])
    assert _youtube_sniff(path) == 0.0  # detection asks the first line to be a video
    result = read_file(path, "youtube")
    assert [a.id for a in result.articles] == ["Fy7islFerry", "Lg4tdLagoon"]
    assert [r.location.split(",")[0] for r in result.rejects] == ["line 1", "line 3"]


# --- yt-dlp -J: a playlist ---------------------------------------------------------------------------------


def test_a_playlist_gives_an_article_per_video_entry() -> None:
    assert detect_format(PLAYLIST) == "youtube"
    result = read_file(PLAYLIST)  # detected, not forced
    wind, lagoon = result.articles
    assert [(a.id, a.title) for a in result.articles] == [
        ("Hq7bW2xNo4c", "Harbour town votes for offshore wind farm"), ("Lg4tdLagoon", "Tidal lagoon plan back on the table")]
    assert {a.extra["playlist"] for a in result.articles} == {"Saltmere wind farm coverage"}
    # the entry is read as the video's own .info.json is
    [alone] = read_file(VIDEO).articles
    assert wind.comments == alone.comments
    assert (wind.body, wind.date, wind.declared_comment_count) == (alone.body, alone.date, 7)
    assert [c.id for c in lagoon.comments] == ["UgyLag1", "UgyLag1.UgxLag2", "UgyLag3"]
    assert [c.position for c in lagoon.comments] == [5, 6, 7]  # after the first video's five
    assert not result.notes


def test_playlist_entries_that_are_no_videos_are_rejects_with_their_paths() -> None:
    result = read_file(PLAYLIST)
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("$.entries[0].comments[5]", "comment not read: yt-dlp comment without text"),
        ("$.entries[0].comments[4]", "1 duplicate comments (same id) dropped"),
        ("$.entries[1]", "video not read: expected a yt-dlp video object"),
        ("$.entries[3]", ("video not read: a --flat-playlist entry: its comments were not fetched (run yt-dlp "
                          "--write-comments on its url)")),
    ]
    assert "https://www.youtube.com/watch?v=Ct9cableRte" in result.rejects[3].raw


def test_playlist_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, summary = _split_summary(PLAYLIST, tmp_path, capsys)
    assert code == 1
    assert summary == f"{PLAYLIST}: 2 article(s), 8 comment(s); published 8; declared 10, found 8; rejected 4"


def _playlist() -> dict[str, Any]:
    return json.loads(PLAYLIST.read_text(encoding="utf-8"))


def test_a_flat_entry_declaring_its_count_is_a_video_with_every_comment_missing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    playlist = _playlist()
    playlist["entries"][3]["comment_count"] = 12
    path = _write(tmp_path / "playlist.json", playlist)
    [*_, cable] = read_file(path).articles
    assert (cable.id, cable.title, cable.comments) == ("Ct9cableRte", "The cable route, explained", [])
    assert (cable.declared_comment_count, cable.missing_comment_count) == (12, 12)
    _, summary = _split_summary(path, tmp_path, capsys)
    assert summary == (f"{path}: 3 article(s), 8 comment(s); published 8; declared 22, found 8; missing 12 (not in "
                       "the file); 1 --flat-playlist link(s): their comments were not fetched; rejected 3")


def test_a_channel_s_tabs_are_walked_and_a_repeated_video_kept_once(tmp_path: Path) -> None:
    playlist = _playlist()
    wind, _, lagoon, _ = playlist["entries"]
    tab = {"_type": "playlist", "id": "UCq3-videos", "title": "Coastline News - Videos", "entries": [lagoon, wind]}
    channel = {"_type": "playlist", "id": "UCq3", "title": "Coastline News", "entries": [wind, tab],
               "extractor": "youtube:tab", "webpage_url": "https://www.youtube.com/@coastlinenews"}
    result = read_file(_write(tmp_path / "channel.json", channel))
    assert [(a.id, a.extra["playlist"]) for a in result.articles] == [
        ("Hq7bW2xNo4c", "Coastline News"), ("Lg4tdLagoon", "Coastline News - Videos")]
    reasons = {r.location: r.reason for r in result.rejects}
    assert reasons["$.entries[1].entries[1]"] == "1 duplicate videos (same id) dropped"
    assert reasons["$.entries[0].comments[5]"] == "comment not read: yt-dlp comment without text"


def test_a_playlist_longer_than_the_head_is_found_by_its_type_and_urls(tmp_path: Path) -> None:
    playlist = _playlist()
    playlist["entries"][0] = _with_many_formats(playlist["entries"][0])
    path = _write(tmp_path / "playlist.json", playlist)
    head = path.read_bytes()[:SNIFF_BYTES]
    assert b'"extractor"' not in head and b'"comments"' not in head
    assert detect_format(path) == "youtube"
    assert [len(a.comments) for a in read_file(path).articles] == [5, 3]


@pytest.mark.parametrize(("extractor", "url"), [
    ("vimeo:album", "https://vimeo.com/album/1"),
    (None, "https://vimeo.com/album/1"),  # no extractor in the head, no YouTube url
])
def test_other_sites_playlists_are_not_claimed(tmp_path: Path, extractor: str | None, url: str) -> None:
    playlist = {"_type": "playlist", "id": "a1", "title": "Elsewhere", "webpage_url": url,
                "entries": [{"id": "v1", "title": "A video", "url": url, "comments": []}]}
    if extractor:
        playlist["extractor"] = extractor
    assert _youtube_sniff(_write(tmp_path / "album.json", playlist)) == 0.0


def test_flat_playlist_lines_are_rejected_for_what_they_are(tmp_path: Path) -> None:
    # yt-dlp -j --flat-playlist: one link a line, no comments fetched; had been refused as a table without text
    path = tmp_path / "channel.jsonl"
    links = [{"_type": "url", "ie_key": "Youtube", "id": f"v{n}deadbeef", "url": f"https://www.youtube.com/watch?v=v{n}",
              "title": f"Harbour news {n}", "description": None, "duration": 95.0, "channel_id": "UCharbour",
              "view_count": 40 + n} for n in range(3)]
    path.write_text("".join(json.dumps(link) + "\n" for link in links), encoding="utf-8")
    assert detect_format(path) == "youtube"
    result = read_file(path)
    assert result.articles == []
    assert [(r.location, r.reason) for r in result.rejects] == [
        (f"line {n}", "video not read: a --flat-playlist entry: its comments were not fetched (run yt-dlp "
                      "--write-comments on its url)") for n in (1, 2, 3)]
    # another site's flat links are not claimed
    path.write_text(json.dumps({**links[0], "ie_key": "Vimeo", "url": "https://vimeo.com/1"}) + "\n", encoding="utf-8")
    assert detect_format(path) != "youtube"
