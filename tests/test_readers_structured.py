"""The structured-format readers (WXR, Disqus, Reddit, YouTube, Hacker News, tables) on invented fixtures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest

from analyzer.cli import main
from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, detect_format, read_file
from analyzer.records import Article, Comment, status_counts

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _comments(articles: list[Article]) -> list[Comment]:
    return [c for a in articles for c in a.comments]


def _by_id(articles: list[Article]) -> dict[str, Comment]:
    return {c.id: c for c in _comments(articles)}


def _assert_positions_follow_file_order(articles: list[Article]) -> None:
    positions = sorted(c.position for c in _comments(articles))
    assert positions == sorted(set(positions)), "a position is used twice"


# --- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("wxr/harbour_blog.xml", "wxr"),
        ("wxr/old_export_wxr10.xml", "wxr"),
        ("wxr/truncated.xml", "wxr"),
        ("comment_feed/site_comments.xml", "comment-feed"),
        ("disqus/town_forum.xml", "disqus"),
        ("disqus/unrecoverable.xml", "disqus"),
        ("reddit/thread.json", "reddit"),
        ("reddit/morechildren.json", "reddit"),
        ("reddit/listing_only.json", "reddit"),
        ("youtube/ycd_lecture.jsonl", "youtube"),
        ("youtube/ycd_pretty.json", "youtube"),
        ("youtube/api_threads.json", "youtube"),
        ("hn/hnapi_story.json", "hackernews"),
        ("hn/algolia_item.json", "hackernews"),
        ("hn/firebase_items.json", "hackernews"),
        ("tabular/paper_comments.csv", "tabular"),
        ("tabular/forum_export.json", "tabular"),
        ("tabular/custom_columns.jsonl", "tabular"),
    ],
)
def test_detect_format_picks_the_right_reader(relative: str, expected: str) -> None:
    assert detect_format(FIXTURES / relative) == expected


def test_structured_sniffers_leave_html_and_prose_alone(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body><p>Comments (3)</p><p>text, body, author</p></body></html>")
    prose = tmp_path / "notes.txt"
    prose.write_text("Comment, body and soul\nThe article said, in short, nothing new.\n")
    from analyzer.readers import readers

    mine = ("wxr", "disqus", "reddit", "youtube", "hackernews", "tabular")
    for path in (page, prose):
        head = path.read_bytes()
        assert all(readers()[name].sniff(head, path) == 0 for name in mine), path.name


# --- WXR -------------------------------------------------------------------------------------------


def test_wxr_statuses_kinds_threads_and_bodies() -> None:
    result = read_file(FIXTURES / "wxr/harbour_blog.xml")
    articles = {a.id: a for a in result.articles}
    # Post and page come out; the attachment without comments does not; the one with a comment does.
    assert sorted(articles) == ["101", "102", "104"]
    post = articles["101"]
    assert post.title == "Ferry timetable changes next month"
    assert post.body == "The morning ferry will leave twenty minutes earlier.\n\nEvening crossings are unchanged."
    assert post.date == "2021-03-01T09:00:00+00:00"
    assert post.declared_comment_count is None
    comments = {c.id: c for c in post.comments}
    assert {c.id: c.status for c in post.comments} == {
        "11": "published", "12": "published", "13": "pending", "14": "spam", "15": "deleted",
        "16": "published", "17": "published"}
    assert comments["16"].kind == "pingback" and comments["17"].kind == "trackback" and comments["11"].kind == "comment"
    assert (comments["12"].parent_id, comments["12"].depth) == ("11", 1)
    assert (comments["13"].parent_id, comments["13"].depth) == ("12", 2)
    assert comments["11"].text == "Finally a change that suits commuters.\n\nThank you & well done."
    assert comments["11"].time == "2021-03-01T09:15:00+00:00"
    # An unset GMT time falls back to the local one.
    assert comments["12"].time == "2021-03-01T11:00:00"
    assert "marta@example.invalid" not in json.dumps(post.to_dict())
    assert articles["102"].comments == [] and articles["104"].comments[0].text == "Lovely light in this one."
    assert [c.position for c in _comments(result.articles)] == list(range(8))


def test_wxr_1_0_namespace_is_read() -> None:
    [article] = read_file(FIXTURES / "wxr/old_export_wxr10.xml").articles
    assert [(c.id, c.author, c.text, c.status) for c in article.comments] == [
        ("3", "Rosa", "Next year, daffodils please.", "published")]


def test_wxr_billion_laughs_is_refused_without_expanding() -> None:
    started = time.perf_counter()
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "wxr/billion_laughs.xml")
    assert raised.value.location == "DOCTYPE" and "entity" in raised.value.message
    assert time.perf_counter() - started < 2


def test_wxr_truncated_file_is_recovered_and_the_repair_reported() -> None:
    result = read_file(FIXTURES / "wxr/truncated.xml")
    assert [c.text for c in _comments(result.articles)] == ["The cheese stall was back.", "So was the rain, sadly"]
    assert len(result.rejects) == 1 and result.rejects[0].location.startswith("line 16")


def test_wxr_unrecoverable_file_names_line_and_column() -> None:
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "wxr/no_items.xml")
    assert raised.value.location.startswith("line 3, column")


# --- Disqus ----------------------------------------------------------------------------------------


def test_disqus_threads_posts_statuses_and_orphans() -> None:
    result = read_file(FIXTURES / "disqus/town_forum.xml")
    articles = {a.id: a for a in result.articles}
    assert sorted(articles) == ["1001", "7777"]
    bridge = articles["1001"]
    assert (bridge.title, bridge.url, bridge.body) == (
        "Bridge repairs start in May", "https://town.example/news/bridge-repairs", "The old stone bridge closes for six weeks.")
    statuses = {c.id: c.status for c in bridge.comments}
    assert statuses == {"5001": "published", "5002": "published", "5003": "deleted", "5004": "spam"}
    comments = _by_id(result.articles)
    assert comments["5001"].text == "Six weeks is optimistic.\n\nLast time it took three months."
    assert [(comments[i].parent_id, comments[i].depth) for i in ("5001", "5002", "5003")] == [(None, 0), ("5001", 1), ("5002", 2)]
    assert comments["5002"].extra == {"anonymous": True}
    orphan = articles["7777"]
    assert orphan.extra["orphan_thread"] is True and [c.id for c in orphan.comments] == ["5005"]
    # The thread without posts is not an article, but is accounted for.
    [skipped] = result.rejects
    assert skipped.raw == "1002" and "without posts" in skipped.reason


def test_disqus_malformed_file_is_recovered_with_a_reject() -> None:
    result = read_file(FIXTURES / "disqus/ampersand.xml")
    assert len(_comments(result.articles)) == 2
    assert [r.location for r in result.rejects] == ["line 5, column 20"]
    assert "XML repaired" in result.rejects[0].reason


def test_disqus_unrecoverable_file_raises_with_location() -> None:
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "disqus/unrecoverable.xml")
    assert raised.value.location == "line 3, column 1"


# --- Reddit ----------------------------------------------------------------------------------------


def test_reddit_thread_nesting_deleted_and_more_stubs() -> None:
    [article] = read_file(FIXTURES / "reddit/thread.json").articles
    assert (article.id, article.title, article.declared_comment_count) == ("x9post", "City council approves new cycle lanes", 12)
    assert article.url == "https://www.reddit.com/r/townnews/comments/x9post/city_council_approves_new_cycle_lanes/"
    assert article.body == "Link in comments & discussion below."
    assert [c.id for c in article.comments] == ["c1", "c2", "c3", "c4", "c5"]
    comments = {c.id: c for c in article.comments}
    assert [(comments[i].parent_id, comments[i].depth) for i in ("c1", "c2", "c3")] == [(None, 0), ("c1", 1), ("c2", 2)]
    assert comments["c1"].text == "About time > more bikes, fewer cars."
    assert (comments["c2"].status, comments["c4"].status, comments["c5"].status) == ("deleted", "deleted", "published")
    assert comments["c3"].extra["score"] == -3 and comments["c1"].time == "2022-04-15T05:21:40+00:00"
    # The stub of count 3 hides three comments; the "continue this thread" stub (count 0) is counted apart.
    assert article.missing_comment_count == 3
    assert (article.extra["more_stubs"], article.extra["continue_thread_stubs"]) == (2, 1)


def test_reddit_morechildren_and_single_listing() -> None:
    [more] = read_file(FIXTURES / "reddit/morechildren.json").articles
    assert more.id == "q7post" and more.missing_comment_count == 2
    comments = {c.id: c for c in more.comments}
    # m1 is not in the response: the link is kept, the depth starts again from there.
    assert (comments["m2"].parent_id, comments["m2"].depth, comments["m3"].depth) == ("m1", 0, 1)
    [listing] = read_file(FIXTURES / "reddit/listing_only.json").articles
    assert listing.id == "z1" and [(c.id, c.parent_id) for c in listing.comments] == [("s1", None), ("s2", "s1")]


def test_reddit_comments_listed_without_their_posts_take_the_titles_they_carry(tmp_path: Path) -> None:
    # a user's (or a search's) comment listing: no t3 in the file, each comment names its post
    def comment(cid: str, link: str, title: str) -> dict:
        return {"kind": "t1", "data": {"id": cid, "body": f"Comment {cid}.", "author": "ann", "link_id": f"t3_{link}",
                                       "parent_id": f"t3_{link}", "link_title": title, "created_utc": 1700000000}}

    path = tmp_path / "user_comments.json"
    path.write_text(json.dumps({"kind": "Listing", "data": {"children": [
        comment("c1", "p1", "Ferry strike ends"), comment("c2", "p2", "Bridge tolls rise"),
        comment("c3", "p1", "Ferry strike ends")]}}))
    articles = read_file(path).articles
    assert [(a.id, a.title, [c.id for c in a.comments]) for a in articles] == [
        ("p1", "Ferry strike ends", ["c1", "c3"]), ("p2", "Bridge tolls rise", ["c2"])]


def test_reddit_truncated_json_names_line_and_column() -> None:
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "reddit/truncated.json")
    assert raised.value.location.startswith("line 6, column")


def test_reddit_wrong_shape_is_rejected_by_json_path_and_the_rest_read(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('[{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"id": "a"}}, 42]}}]')
    result = read_file(odd, "reddit")
    assert [c.id for c in _comments(result.articles)] == ["a"]
    assert [r.location for r in result.rejects] == ["$[0].data.children[1]"]
    nothing = tmp_path / "nothing.json"
    nothing.write_text('{"kind": "Listing", "data": {"children": [42]}}')
    with pytest.raises(ReaderError) as raised:
        read_file(nothing, "reddit")
    assert raised.value.location == "$.data.children[0]"


# --- YouTube ---------------------------------------------------------------------------------------


def test_youtube_downloader_lines_link_replies_by_cid() -> None:
    [article] = read_file(FIXTURES / "youtube/ycd_lecture.jsonl").articles
    assert article.id == "ycd_lecture"
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        ("UgzAAA111", None, 0), ("UgzAAA111.9Xreply01", "UgzAAA111", 1),
        ("UgzAAA111.9Xreply02", "UgzAAA111", 1), ("UgzBBB222", None, 0)]
    first = article.comments[0]
    assert first.time == "2023-07-22T04:26:40.500000+00:00" and first.extra["votes"] == "12"


def test_youtube_pretty_wrapper() -> None:
    [article] = read_file(FIXTURES / "youtube/ycd_pretty.json").articles
    assert [(c.id, c.parent_id, c.time) for c in article.comments] == [
        ("UgxOLD1", None, None), ("UgxOLD1.reply1", "UgxOLD1", None)]


def test_youtube_data_api_threads_replies_and_missing() -> None:
    [article] = read_file(FIXTURES / "youtube/api_threads.json").articles
    assert article.id == "vid123" and article.url == "https://www.youtube.com/watch?v=vid123"
    comments = {c.id: c for c in article.comments}
    assert comments["UgT1"].text == "Great report & fair to both sides"
    assert (comments["UgT1.r1"].parent_id, comments["UgT1.r1"].depth) == ("UgT1", 1)
    assert comments["UgT1.r1"].text == "Fair? It left out half the story."
    assert comments["UgT2"].status == "pending"
    assert article.missing_comment_count == 2  # totalReplyCount 3, one reply included


def test_youtube_replies_fetched_by_comments_list_join_their_threads(tmp_path: Path) -> None:
    threads = json.loads((FIXTURES / "youtube/api_threads.json").read_text())

    def reply(n: int) -> dict:
        return {"kind": "youtube#comment", "id": f"UgT1.more{n}", "snippet": {
            "videoId": "vid123", "parentId": "UgT1", "textOriginal": f"Later reply {n}.", "authorDisplayName": "@kim",
            "publishedAt": "2024-03-02T10:00:00Z"}}

    # the thread page said 3 replies and carried 1; a comments.list page (parentId=UgT1) brings the other 2
    pages = tmp_path / "pages.json"
    pages.write_text(json.dumps([threads, {"kind": "youtube#commentListResponse", "items": [reply(1), reply(2)]}]))
    [article] = read_file(pages).articles
    assert [(c.id, c.parent_id, c.depth) for c in article.comments if c.parent_id == "UgT1"] == [
        ("UgT1.r1", "UgT1", 1), ("UgT1.more1", "UgT1", 1), ("UgT1.more2", "UgT1", 1)]
    assert article.missing_comment_count == 0
    # the replies page alone is read too
    alone = tmp_path / "replies.json"
    alone.write_text(json.dumps({"kind": "youtube#commentListResponse", "items": [reply(1)]}))
    assert detect_format(alone) == "youtube"
    assert [(c.id, c.text) for c in _comments(read_file(alone).articles)] == [("UgT1.more1", "Later reply 1.")]


def test_youtube_bad_json_line_names_the_line() -> None:
    result = read_file(FIXTURES / "youtube/ycd_bad_line.jsonl")  # issue 23: the line is rejected, not the file
    assert [c.id for a in result.articles for c in a.comments] == ["Ugz1", "Ugz2"]
    [bad] = result.rejects
    assert bad.location.startswith("line 3, column")


# --- Hacker News -----------------------------------------------------------------------------------


def test_hackernews_node_hnapi_nesting_and_dead_deleted() -> None:
    [article] = read_file(FIXTURES / "hn/hnapi_story.json").articles
    assert (article.id, article.title, article.declared_comment_count) == ("4242", "Show HN: A tide clock for harbour towns", 6)
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        ("4301", None, 0), ("4302", "4301", 1), ("4303", "4302", 2), ("4304", None, 0), ("4305", None, 0), ("4306", "4305", 1)]
    comments = {c.id: c for c in article.comments}
    assert comments["4301"].text == "Nice work.\n\nDoes it handle spring tides? I'd use it daily."
    assert (comments["4303"].status, comments["4304"].status, comments["4304"].extra) == ("deleted", "deleted", {"dead": True})
    assert status_counts(article.comments)["published"] == 4


def test_hackernews_algolia_and_firebase_shapes() -> None:
    [algolia] = read_file(FIXTURES / "hn/algolia_item.json").articles
    assert algolia.body == "Asking for a friend."
    assert [(c.id, c.parent_id, c.status) for c in algolia.comments] == [("901", None, "published"), ("902", "901", "deleted")]
    [firebase] = read_file(FIXTURES / "hn/firebase_items.json").articles
    assert (firebase.id, firebase.declared_comment_count) == ("10", 3)
    assert [(c.id, c.parent_id, c.depth, c.status) for c in firebase.comments] == [
        ("11", None, 0, "published"), ("12", "11", 1, "published"), ("13", None, 0, "deleted")]
    assert firebase.comments[1].text == "It is / was."


def test_hackernews_truncated_json_names_line() -> None:
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "hn/truncated.json")
    assert raised.value.location.startswith("line 2, column")


# --- tables ----------------------------------------------------------------------------------------


def test_csv_groups_by_article_derives_parents_from_counter_and_rejects_empty_rows() -> None:
    result = read_file(FIXTURES / "tabular/paper_comments.csv")
    articles = {a.id: a for a in result.articles}
    assert sorted(articles) == ["555", "556"]
    assert [(c.id, c.parent_id, c.depth) for c in articles["555"].comments] == [("0", None, 0), ("1", "0", 1), ("2", "0", 1)]
    first = articles["555"].comments[0]
    assert (first.author, first.time, first.extra["comment_counter"]) == ("Nora", "2015-06-03T00:00:00", "source2_555_0")
    assert articles["556"].comments[1].status == "deleted"
    [reject] = result.rejects
    assert reject.location == "row 4" and "no text" in reject.reason and "Ghost" in reject.raw


def test_json_array_with_reddit_style_parents() -> None:
    result = read_file(FIXTURES / "tabular/forum_export.json")
    articles = {a.id: a for a in result.articles}
    strike = articles["Ferry strike talks"]
    assert strike.title == "Ferry strike talks"
    assert [(c.id, c.parent_id, c.depth, c.status) for c in strike.comments] == [
        ("r1", None, 0, "published"), ("r2", "r1", 1, "published"), ("r3", "r2", 2, "deleted")]
    assert strike.comments[0].time == "2022-04-15T05:20:00+00:00" and strike.comments[0].extra == {"score": 10}
    assert [r.location for r in result.rejects] == ["$[4]"]


def test_jsonl_with_named_columns() -> None:
    options = ReadOptions(text_column="msg", article_column="story", id_column="key", parent_column="reply_of",
                          author_column="who", time_column="when")
    articles = {a.id: a for a in read_file(FIXTURES / "tabular/custom_columns.jsonl", options=options).articles}
    assert sorted(articles) == ["parking-2024", "transit-plan"]
    assert [(c.id, c.parent_id, c.author) for c in articles["parking-2024"].comments] == [("p1", None, "Lena"), ("p2", "p1", "Mats")]


def test_named_column_that_is_absent_is_an_error() -> None:
    with pytest.raises(ReaderError) as raised:
        read_file(FIXTURES / "tabular/custom_columns.jsonl", options=ReadOptions(text_column="comment_body"))
    assert raised.value.location == "header" and "comment_body" in raised.value.message


def test_parquet_one_article_per_file_without_article_column(tmp_path: Path) -> None:
    path = tmp_path / "comments.parquet"
    pd.DataFrame({"comment": ["Quiet street, please.", None, "Agreed."], "score": [1, 2, 3]}).to_parquet(path)
    assert detect_format(path) == "tabular"
    result = read_file(path)
    [article] = result.articles
    assert article.id == "comments" and [(c.text, c.extra["score"], c.depth) for c in article.comments] == [
        ("Quiet street, please.", 1, None), ("Agreed.", 3, None)]
    assert [r.location for r in result.rejects] == ["row 2"]


def test_json_object_wrapping_rows_and_one_line_jsonl(tmp_path: Path) -> None:
    wrapped = tmp_path / "export.json"
    wrapped.write_text('{"rows": [{"text": "Night buses, please."}, {"text": ""}]}')
    result = read_file(wrapped, "tabular")
    assert [c.text for c in _comments(result.articles)] == ["Night buses, please."]
    assert [r.location for r in result.rejects] == ["$.rows[1]"]
    single = tmp_path / "single.jsonl"
    single.write_text('{"body": "Just one line.", "thread": "t-1"}\n')
    [article] = read_file(single).articles
    assert (article.id, article.comments[0].text) == ("t-1", "Just one line.")


def test_ragged_csv_rejects_the_long_row_by_its_line_and_reads_the_others() -> None:
    result = read_file(FIXTURES / "tabular/ragged.csv")
    assert [c.text for c in _comments(result.articles)] == ["First comment", "Second comment"]
    [reject] = result.rejects
    assert reject.location == "line 4" and "5 fields where the header has 3" in reject.reason
    assert reject.raw.startswith('3,"Third, with, too"')


def test_one_malformed_json_line_is_rejected_alone_even_the_first(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "broken\n{"text": "Second row."}\n\n{"text": "Fourth row."}\n')
    result = read_file(path)
    assert [c.text for c in _comments(result.articles)] == ["Second row.", "Fourth row."]
    [reject] = result.rejects
    assert reject.location.startswith("line 1, column") and reject.raw == '{"text": "broken'


def test_text_saved_as_utf8_after_a_latin1_reading_is_read_as_written(tmp_path: Path) -> None:
    # mojibake: UTF-8 read as cp1252 somewhere and saved again; the model read "donâ€™t" as noise
    path = tmp_path / "comments.csv"
    path.write_text('id,text\n1,"I donâ€™t think so â€“ the deal is dead."\n2,"CafÃ© owners werenâ€™t impressed."\n'
                    '3,"naïve café – “quotes” stay as they are"\n', encoding="utf-8")
    result = read_file(path)
    assert [c.text for c in _comments(result.articles)] == [
        "I don’t think so – the deal is dead.", "Café owners weren’t impressed.", "naïve café – “quotes” stay as they are"]


def test_names_saved_as_utf8_after_a_latin1_reading_are_read_as_written(tmp_path: Path) -> None:
    # the database that garbled the texts garbled the names too; a reader takes a name as it stands
    path = tmp_path / "comments.csv"
    path.write_text('id,author,title,text\n1,"JosÃ© MartÃ­nez","Ã‰lysÃ©e summit","Fine."\n'
                    '2,"Zoë Ångström","Élysée summit","Also fine."\n', encoding="utf-8")
    result = read_file(path, options=ReadOptions(title_column="title"))
    assert [(a.title, [c.author for c in a.comments]) for a in result.articles] == [
        ("Élysée summit", ["José Martínez", "Zoë Ångström"])]


def test_line_breaks_and_tabs_a_naive_writer_left_raw_in_json_strings_are_read_as_text(tmp_path: Path) -> None:
    # f'{{"text": "{text}"}}': a comment of two lines split its JSON line in two, both rejects; a raw tab, or a
    # raw line break in a JSON document, made the whole file "not valid JSON"
    path = tmp_path / "comments.jsonl"
    path.write_text('{"id": 1, "text": "First line\nsecond line,\twith a tab"}\n{"id": 2, "text": "Fine."}\n'
                    '{"id": 3, "text": "I counted\n42\nvotes"}\n{"id": 4, "text": "cut short\n{"id": 5, "text": "After it."}\n')
    result = read_file(path)
    assert [(c.id, c.text) for c in _comments(result.articles)] == [
        ("1", "First line\nsecond line, with a tab"), ("2", "Fine."), ("3", "I counted\n42\nvotes"), ("5", "After it.")]
    repaired = "JSON repaired: line breaks or tabs written raw inside strings read as part of them"
    # a line opening as a JSON line does ({"id": 5 …}) never completes another: the line cut short is a reject
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 1", repaired), ("line 4", repaired),
        ("line 7, column 19", "not valid JSON: Unterminated string starting at")]
    document = tmp_path / "page.json"
    document.write_text('{"title": "Fares", "comments": [{"author": "ann", "text": "Raw\ttab and\nbreak"}]}')
    result = read_file(document)
    assert [c.text for c in _comments(result.articles)] == ["Raw tab and\nbreak"]
    assert [(r.location, r.reason) for r in result.rejects] == [("line 1", repaired)]


def test_a_quoted_csv_field_never_closed_rejects_the_rest_of_the_file_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('text,author\n"First comment",Ann\n"Second, cut short\nby the scraper,Ben\n')
    result = read_file(path)
    assert [c.text for c in _comments(result.articles)] == ["First comment"]
    [reject] = result.rejects
    assert reject.location == "line 3" and "never closed" in reject.reason


@pytest.mark.parametrize("separator", [",", "\t"])
def test_rows_a_stray_quote_joined_are_read_a_line_each(tmp_path: Path, separator: str) -> None:
    # a naive writer leaves a comment that opens with '"' unquoted: csv reads on to the next quote in the file, and
    # the rows between became one comment (a TSV: silently), one reject, or prose (0 comments, exit 0)
    def row(*cells: str) -> str:
        return separator.join(cells) + "\n"

    path = tmp_path / ("export.csv" if separator == "," else "export.tsv")
    path.write_text(row("id", "author", "text") + row("1", "ann", '"Peace, they call it') + row("2", "bo", "Fine by me.")
                    + row("3", "cy", "Too much.") + row("4", "di", '"Quoted" again') + row("5", "ed", "Last one.")
                    + row("6", "fy", '"Never closed') + row("7", "gu", "After it."))
    assert detect_format(path) == "tabular"
    result = read_file(path)
    assert [(c.id, c.author, c.text) for c in _comments(result.articles)] == [
        ("1", "ann", "Peace, they call it"), ("2", "bo", "Fine by me."), ("3", "cy", "Too much."),
        ("4", "di", "Quoted again"), ("5", "ed", "Last one."), ("6", "fy", "Never closed"), ("7", "gu", "After it.")]
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 2", "CSV repaired: a quote opened on line 2 joined 4 lines into one record; each line read as its own row"),
        ("line 7", "CSV repaired: a quote opened on line 7 joined 2 lines into one record; each line read as its own row")]


def test_a_writer_that_quotes_nothing_leaves_its_commas_to_the_comment_text(tmp_path: Path) -> None:
    # ",".join(cells): every comment holding a comma had been a reject ("5 fields where the header has 3"), and a
    # file of such rows read as prose, 0 comments with exit 0
    path = tmp_path / "scraped.csv"
    rows = ("id,author,text,date\n1,ann,I agree, mostly, with this.,2019-02-28\n2,bo,Fine, I guess.,2019-02-28\n"
            '3,cy,He said "no", and left,2019-03-01\n4,di,Well, maybe.,2019-03-01\n5,ed,No.,2019-03-01\n')
    path.write_text(rows)
    assert detect_format(path) == "tabular"
    result = read_file(path)
    assert [(c.id, c.text, c.time) for c in _comments(result.articles)] == [
        ("1", "I agree, mostly, with this.", "2019-02-28T00:00:00"), ("2", "Fine, I guess.", "2019-02-28T00:00:00"),
        ("3", 'He said "no", and left', "2019-03-01T00:00:00"), ("4", "Well, maybe.", "2019-03-01T00:00:00"),
        ("5", "No.", "2019-03-01T00:00:00")]
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("lines 2, 3, 4, 5", "CSV repaired: rows that quote nothing hold commas in their comment text, read as text")]
    # a writer that quotes a field holding a comma would have quoted these too: their excess values are damage
    path.write_text(rows + '6,fy,"Quoted, properly",2019-03-01\n')
    result = read_file(path)
    assert [c.id for c in _comments(result.articles)] == ["5", "6"]
    assert [r.reason for r in result.rejects] == [f"{n} fields where the header has 4" for n in (6, 5, 5, 5)]


def test_a_quoted_comment_of_several_lines_stays_one_comment_whatever_its_lines_hold(tmp_path: Path) -> None:
    # each of its lines would split into the table's three columns, but the record is well made: it is one comment
    path = tmp_path / "export.csv"
    path.write_text('id,author,text\n1,ann,"I agree, mostly, with this.\nBut, then, again.\nOr, not, at all."\n'
                    "2,bo,Fine.\n")
    result = read_file(path)
    assert [c.text for c in _comments(result.articles)] == [
        "I agree, mostly, with this.\nBut, then, again.\nOr, not, at all.", "Fine."]
    assert result.rejects == []


# --- hostile values: each becomes a reject or a repair, never a traceback ----------------------------


def _reddit_with_first_comment(tmp_path: Path, **fields: object) -> Path:
    thread = json.loads((FIXTURES / "reddit/thread.json").read_text(encoding="utf-8"))
    thread[1]["data"]["children"][0]["data"].update(fields)
    path = tmp_path / "thread.json"
    path.write_text(json.dumps(thread))
    return path


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("id", ["c1"], "'id' is a list, expected text"),
    ("body", {"text": "x"}, "'body' is an object, expected text"),
    ("parent_id", True, "'parent_id' is a boolean, expected text"),
])
def test_a_wrong_type_rejects_that_comment_by_its_json_path(tmp_path: Path, field: str, value: object, reason: str) -> None:
    result = read_file(_reddit_with_first_comment(tmp_path, **{field: value}), "reddit")
    # c1 is rejected; its replies c2 and c3 are comments of their own and still read
    assert [c.id for c in _comments(result.articles)] == ["c2", "c3", "c4", "c5"]
    [reject] = result.rejects
    assert (reject.location, reject.reason) == ("$[1].data.children[0]", f"t1 thing not read: {reason}")


def test_nan_infinity_and_huge_numbers_become_null_with_a_note(tmp_path: Path) -> None:
    path = _reddit_with_first_comment(tmp_path, created_utc=float("nan"), score=float("inf"))
    path.write_text(path.read_text().replace('"stickied": false', '"stickied": false, "big": ' + "9" * 5000))
    result = read_file(path, "reddit")
    first = _comments(result.articles)[0]
    assert (first.id, first.time, "score" in first.extra) == ("c1", None, False)
    [note] = result.rejects
    assert note.reason == "JSON repaired: 2 NaN, Infinity or out-of-range number(s) read as null"
    json.dumps([a.to_dict() for a in result.articles], allow_nan=False)


def test_lone_surrogate_and_nul_escapes_are_cleaned_with_a_note(tmp_path: Path) -> None:
    path = _reddit_with_first_comment(tmp_path, body="half \ud83d of an emoji, a \u0000 NUL, \ud83d\ude00 whole")
    result = read_file(path, "reddit")
    assert _comments(result.articles)[0].text == "half \ufffd of an emoji, a NUL, \U0001f600 whole"
    [note] = result.rejects
    assert note.location == "line 1" and note.reason.startswith("JSON repaired: lone surrogate escapes")
    json.dumps([a.to_dict() for a in result.articles], ensure_ascii=False).encode("utf-8")


def test_hackernews_bad_items_are_rejected_and_their_replies_kept(tmp_path: Path) -> None:
    story = json.loads((FIXTURES / "hn/hnapi_story.json").read_text(encoding="utf-8"))
    story["comments"][0]["content"] = ["not", "text"]
    story["comments"][1]["comments"] = {"not": "a list"}
    path = tmp_path / "story.json"
    path.write_text(json.dumps(story))
    result = read_file(path, "hackernews")
    assert [c.id for c in _comments(result.articles)] == ["4302", "4303", "4304", "4305", "4306"]
    assert [r.location for r in result.rejects] == ["$.comments[0]", "$.comments[1].comments"]


def test_tabular_row_with_a_list_for_text_is_rejected_alone(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text('[{"text": ["a", "b"]}, {"text": "Fine."}, 7]')
    result = read_file(path, "tabular")
    assert [c.text for c in _comments(result.articles)] == ["Fine."]
    assert sorted((r.location, r.reason) for r in result.rejects) == [
        ("$[0]", "row not read: 'text' is a list, expected text"), ("$[2]", "expected an object (one comment per row)")]


def _table(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A CSV of (article, id, parent, text) rows."""
    path = tmp_path / "threads.csv"
    pd.DataFrame(rows, columns=["article", "id", "parent", "text"]).to_csv(path, index=False)
    return path


def test_table_columns_are_guessed_in_any_case_and_spacing(tmp_path: Path) -> None:
    # a comment tool's export: spaced, capitalised names
    path = tmp_path / "export.csv"
    pd.DataFrame({"Comment ID": ["c1", "c2"], "Parent ID": ["", "c1"], "Author": ["Ann", "Bo"],
                  "Comment": ["Ferries late again.", "Every winter."], "publishedAt": ["2024-01-05", "2024-01-06"]}
                 ).to_csv(path, index=False)
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.time) for c in article.comments] == [
        ("c1", None, 0, "Ann", "2024-01-05T00:00:00"), ("c2", "c1", 1, "Bo", "2024-01-06T00:00:00")]


def test_exports_naming_text_and_commenter_their_own_way_are_read(tmp_path: Path) -> None:
    # YouTube's Data API fields flattened into a sheet, and a comment tool's export naming the commenter "Name"
    path = tmp_path / "video.csv"
    pd.DataFrame({"videoId": ["v1", "v1"], "id": ["Ugz1", "Ugz1.Ugx2"], "parentId": ["", "Ugz1"],
                  "authorDisplayName": ["@ann", "@bo"], "textDisplay": ["Fares up &amp; service down.", "True."],
                  "textOriginal": ["Fares up & service down.", "True."], "publishedAt": ["2024-01-05T09:00:00Z"] * 2}
                 ).to_csv(path, index=False)
    [article] = read_file(path).articles
    assert article.id == "v1"
    assert [(c.id, c.parent_id, c.author, c.text) for c in article.comments] == [
        ("Ugz1", None, "@ann", "Fares up & service down."), ("Ugz1.Ugx2", "Ugz1", "@bo", "True.")]
    path = tmp_path / "page_comments.csv"
    pd.DataFrame({"Name": ["Jane Doe", "John Roe"], "Date": ["2024-01-05 10:15:00", "2024-01-05 10:20:00"],
                  "Comment": ["Fares up again.", "Says who?"], "Comment ID": ["c1", "c2"], "Reply To": ["", "c1"]}
                 ).to_csv(path, index=False)
    assert [(c.id, c.parent_id, c.depth, c.author) for c in _comments(read_file(path).articles)] == [
        ("c1", None, 0, "Jane Doe"), ("c2", "c1", 1, "John Roe")]


def test_a_news_sites_comment_dataset_with_its_own_column_names(tmp_path: Path) -> None:
    # the New York Times comments as researchers share them: userDisplayName, createDate, parentID 0 for none
    path = tmp_path / "nyt_comments.csv"
    pd.DataFrame({"articleID": ["a1", "a1", "a2"], "commentID": [29001, 29002, 29003], "parentID": [0, 29001, 0],
                  "commentBody": ["Walking away was right.", "It was a failure.", "Another story."],
                  "createDate": [1551348000, 1551348300, 1551348400], "userDisplayName": ["Ann", "Bo", "Cy"],
                  "commentType": ["comment", "userReply", "comment"]}).to_csv(path, index=False)
    articles = read_file(path).articles
    assert [(a.id, [(c.id, c.parent_id, c.depth, c.author, c.time) for c in a.comments]) for a in articles] == [
        ("a1", [("29001", None, 0, "Ann", "2019-02-28T10:00:00+00:00"),
                ("29002", "29001", 1, "Bo", "2019-02-28T10:05:00+00:00")]),
        ("a2", [("29003", None, 0, "Cy", "2019-02-28T10:06:40+00:00")])]


def test_comments_named_by_their_article_url_have_it_as_the_articles_url(tmp_path: Path) -> None:
    # a commenter's download of their comments (Coral's columns): the page's address names the article
    path = tmp_path / "comments-export.csv"
    pd.DataFrame({"Comment ID": ["c1", "c2", "c3"],
                  "Published Timestamp": ["2024-02-01T11:00:00.000Z", "2024-02-02T11:00:00.000Z", "2024-02-02T12:00:00Z"],
                  "Article URL": ["https://news.example.com/a", "https://news.example.com/b", "https://news.example.com/a"],
                  "Comment Text": ["Talks again.", "Nothing will come of it.", "Agreed."]}).to_csv(path, index=False)
    articles = read_file(path).articles
    assert [(a.id, a.url, [(c.id, c.time) for c in a.comments]) for a in articles] == [
        ("https://news.example.com/a", "https://news.example.com/a",
         [("c1", "2024-02-01T11:00:00+00:00"), ("c3", "2024-02-02T12:00:00+00:00")]),
        ("https://news.example.com/b", "https://news.example.com/b", [("c2", "2024-02-02T11:00:00+00:00")])]
    # Hacker News search results: the story's address on each comment's row
    path = tmp_path / "hn_search.json"
    path.write_text(json.dumps({"hits": [
        {"objectID": "11", "comment_text": "It failed.", "author": "ann", "created_at_i": 1551348000, "story_id": 10,
         "story_title": "Summit ends without a deal", "story_url": "https://news.example.com/summit", "parent_id": 10}]}))
    [story] = read_file(path).articles
    assert (story.id, story.title, story.url) == ("10", "Summit ends without a deal", "https://news.example.com/summit")
    forum = read_file(FIXTURES / "tabular" / "forum_export.json").articles
    assert forum and all(a.url is None for a in forum)  # an article id that is no address gives no url


def test_comments_with_only_their_post_title_are_grouped_under_it(tmp_path: Path) -> None:
    # a scrape of forum comments: no post id, each row names its post by title
    path = tmp_path / "scrape.csv"
    pd.DataFrame({"post_title": ["Ferry strike ends", "Bridge tolls rise", "Ferry strike ends"],
                  "text": ["Finally.", "Again?", "Until next year."]}).to_csv(path, index=False)
    articles = read_file(path).articles
    assert [(a.id, a.title, [c.text for c in a.comments]) for a in articles] == [
        ("Ferry strike ends", "Ferry strike ends", ["Finally.", "Until next year."]),
        ("Bridge tolls rise", "Bridge tolls rise", ["Again?"])]


def test_a_scraped_table_of_several_pages_is_grouped_by_their_url_or_title(tmp_path: Path) -> None:
    # a scraper's rows: the page's url and title on every comment, no article id
    path = tmp_path / "scrape.csv"
    assert [(a.id, a.url, a.title, [c.text for c in a.comments])
            for a in read_file(FIXTURES / "tabular" / "scraped_pages.csv").articles] == [
        ("https://news.example.com/ferry", "https://news.example.com/ferry", "Ferry strike ends",
         ["Finally.", "Until next year."]),
        ("https://news.example.com/tolls", "https://news.example.com/tolls", "Tolls rise", ["Again?"])]
    # titles alone group where comments share them: two titles for four comments
    pd.DataFrame({"title": ["Ferry strike ends", "Tolls rise", "Ferry strike ends", "Tolls rise"],
                  "text": ["Finally.", "Again?", "Until next year.", "Not again."]}).to_csv(path, index=False)
    assert [(a.title, len(a.comments)) for a in read_file(path).articles] == [("Ferry strike ends", 2),
                                                                              ("Tolls rise", 2)]
    # a comment's own permalink and subject lines differ from comment to comment: one article, as before
    pd.DataFrame({"url": ["https://news.example.com/ferry#c1", "https://news.example.com/ferry#c2"],
                  "title": ["Agreed", "A bad call"], "text": ["Finally.", "Again?"]}).to_csv(path, index=False)
    [article] = read_file(path).articles
    assert article.id == "scrape" and len(article.comments) == 2
    assert article.title == "Agreed" and article.comments[1].extra["title"] == "A bad call"  # kept, not lost


def test_a_csv_of_the_text_column_alone_is_a_table(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('Comment\nFerries late again.\n"Two lines,\nstill one comment."\n')
    assert detect_format(path) == "tabular"
    assert [c.text for c in _comments(read_file(path).articles)] == ["Ferries late again.", "Two lines,\nstill one comment."]
    # named as prose, the same lines stay prose: a page may well open with such a word
    (tmp_path / "page.txt").write_text(path.read_text())
    assert detect_format(tmp_path / "page.txt") == "plaintext"


def test_wordpress_comment_table_export_reads_its_threads_statuses_and_pingbacks(tmp_path: Path) -> None:
    # wp_comments as phpMyAdmin exports it: WordPress's own column names, comment_approved 1 / 0 / spam /
    # trash, comment_parent 0 for top level, times in site time and in UTC (_gmt), HTML kept in the content
    path = tmp_path / "wp_comments.csv"
    pd.DataFrame({
        "comment_ID": ["7", "8", "9", "10", "11"],
        "comment_post_ID": ["41", "41", "41", "41", "52"],
        "comment_author": ["Ann", "Bo", "Cy", "Di", "Other blog"],
        "comment_author_IP": ["192.0.2.1"] * 5,
        "comment_date": ["2024-01-05 09:00:00"] * 5,
        "comment_date_gmt": ["2024-01-05 14:00:00", "2024-01-05 15:00:00", "2024-01-05 16:00:00",
                             "2024-01-05 17:00:00", "2024-01-06 10:00:00"],
        "comment_content": ["The ferry plan <strong>finally</strong> makes sense.", "Agreed.\nAbout time.",
                            "cheap watches", "I said &quot;no&quot;.", "[&hellip;] the ferry plan [&hellip;]"],
        "comment_approved": ["1", "0", "spam", "trash", "1"],
        "comment_type": ["comment", "comment", "", "comment", "pingback"],
        "comment_parent": ["0", "7", "0", "7", "0"],
    }).to_csv(path, index=False)
    assert detect_format(path) == "tabular"
    articles = read_file(path).articles
    assert [(a.id, len(a.comments)) for a in articles] == [("41", 4), ("52", 1)]
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.status, c.kind, c.text) for c in _comments(articles)] == [
        ("7", None, 0, "Ann", "2024-01-05T14:00:00+00:00", "published", "comment",
         "The ferry plan finally makes sense."),
        ("8", "7", 1, "Bo", "2024-01-05T15:00:00+00:00", "pending", "comment", "Agreed.\nAbout time."),
        ("9", None, 0, "Cy", "2024-01-05T16:00:00+00:00", "spam", "comment", "cheap watches"),
        ("10", "7", 1, "Di", "2024-01-05T17:00:00+00:00", "deleted", "comment", 'I said "no".'),
        ("11", None, 0, "Other blog", "2024-01-06T10:00:00+00:00", "published", "pingback", "[…] the ferry plan […]"),
    ]
    # the columns read are not repeated in extra; the others are kept there
    assert set(articles[0].comments[0].extra) == {"comment_author_IP", "comment_date"}


def test_status_and_type_columns_are_read_only_when_every_value_is_known(tmp_path: Path) -> None:
    # "status" here is a newsroom's own workflow field and "type" a reply marker: guessing would mislabel
    path = tmp_path / "export.csv"
    pd.DataFrame({"id": ["1", "2"], "text": ["Fine.", "Not fine."], "status": ["approved", "escalated"],
                  "type": ["comment", "reply"]}).to_csv(path, index=False)
    comments = _comments(read_file(path).articles)
    assert [(c.status, c.kind) for c in comments] == [("published", "comment"), ("published", "comment")]
    assert [c.extra for c in comments] == [{"status": "approved", "type": "comment"},
                                            {"status": "escalated", "type": "reply"}]
    # a number in a status column is no approval flag unless the column is named for approval
    pd.DataFrame({"id": ["1", "2"], "text": ["Fine.", "Held."], "approved": ["1", "0"]}).to_csv(path, index=False)
    assert [c.status for c in _comments(read_file(path).articles)] == ["published", "pending"]
    pd.DataFrame({"id": ["1", "2"], "text": ["Fine.", "Held."], "status": ["1", "0"]}).to_csv(path, index=False)
    assert [c.status for c in _comments(read_file(path).articles)] == ["published", "published"]


def test_table_text_is_converted_from_html_only_when_it_is_markup(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    texts = ['<p>First paragraph.</p><p>Second, with <a href="https://example.org">a link</a>.</p>',
             "I <3 this", "a < b and c > d", "<a lot of people> say so", "Tom &amp; Jerry",
             # WordPress writes a newline after each <br />: one line break, as a browser shows it
             "Line one<br />\nline two<br />\n<br />\nA new paragraph."]
    path.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)))
    assert [c.text for c in _comments(read_file(path).articles)] == [
        "First paragraph.\n\nSecond, with a link.", "I <3 this", "a < b and c > d", "<a lot of people> say so",
        "Tom & Jerry", "Line one\nline two\n\nA new paragraph."]


def test_table_of_posts_and_comments_is_grouped_by_the_post_each_thread_answers(tmp_path: Path) -> None:
    # Hacker News' public dataset as a query exports it: stories and comments in one table, no story column;
    # a comment's parent is a comment or the story, a dead comment is flagged and a deleted one has no text
    path = tmp_path / "hn_export.csv"
    pd.DataFrame([
        {"id": "100", "type": "story", "title": "Ferries cut", "url": "https://news.example/f", "text": "",
         "by": "ed", "time": 1704445200, "parent": "", "descendants": 3, "dead": "", "deleted": ""},
        {"id": "101", "type": "comment", "title": "", "url": "", "text": "About time &mdash; <i>really</i>.",
         "by": "ann", "time": 1704445300, "parent": "100", "descendants": "", "dead": "", "deleted": ""},
        {"id": "201", "type": "comment", "title": "", "url": "", "text": "Tolls again.", "by": "bo",
         "time": 1704445400, "parent": "200", "descendants": "", "dead": "", "deleted": ""},
        {"id": "102", "type": "comment", "title": "", "url": "", "text": "Spam link", "by": "x",
         "time": 1704445500, "parent": "101", "descendants": "", "dead": "true", "deleted": ""},
        {"id": "103", "type": "comment", "title": "", "url": "", "text": "", "by": "",
         "time": 1704445600, "parent": "102", "descendants": "", "dead": "", "deleted": "true"},
        {"id": "300", "type": "story", "title": "Nobody replied", "url": "", "text": "", "by": "ed",
         "time": 1704445700, "parent": "", "descendants": 0, "dead": "", "deleted": ""},
    ]).to_csv(path, index=False)
    result = read_file(path)
    assert [(a.id, a.title, a.url, a.date, a.declared_comment_count, len(a.comments)) for a in result.articles] == [
        ("100", "Ferries cut", "https://news.example/f", "2024-01-05T09:00:00+00:00", 3, 3),
        ("200", None, None, None, None, 1),  # the story of this thread is not in the table
        ("300", "Nobody replied", None, "2024-01-05T09:08:20+00:00", 0, 0)]
    assert [(c.id, c.parent_id, c.depth, c.status, c.text) for c in result.articles[0].comments] == [
        ("101", "100", 0, "published", "About time — really."), ("102", "101", 1, "deleted", "Spam link"),
        ("103", "102", 2, "deleted", "")]
    assert result.rejects == []
    # the same posts without the comments answering them are no table of threads: rows without text
    path.write_text("id,title,text,parent\n100,Ferries cut,,\n101,,Yes.,\n")
    result = read_file(path)
    assert [a.id for a in result.articles] == ["hn_export"]
    assert [(r.location, r.reason) for r in result.rejects] == [("row 1", "no text in column 'text'")]


def test_comments_of_stories_not_in_the_table_are_grouped_only_when_they_share_them(tmp_path: Path) -> None:
    path = tmp_path / "hn_comments.csv"
    # Hacker News comments without their stories: threads share the story they answer
    pd.DataFrame({"id": ["1", "2", "3", "4"], "parent": ["100", "1", "100", "200"],
                  "text": ["Yes.", "No.", "Maybe.", "Later."]}).to_csv(path, index=False)
    assert [(a.id, [c.id for c in a.comments]) for a in read_file(path).articles] == [
        ("100", ["1", "2", "3"]), ("200", ["4"])]
    # a sample of replies from anywhere, each answering another comment not in it: no article per reply
    pd.DataFrame({"id": ["1", "2", "3"], "parent": ["t1_a", "t1_b", "t1_c"], "text": ["Yes.", "No.", "Maybe."]}
                 ).to_csv(path, index=False)
    assert [(a.id, len(a.comments)) for a in read_file(path).articles] == [("hn_comments", 3)]


def test_replies_to_missing_comments_stay_in_their_page(tmp_path: Path) -> None:
    # one page's comments: top-level ones answer nothing, one reply answers a comment deleted upstream
    path = tmp_path / "page.csv"
    pd.DataFrame({"id": ["1", "2", "3"], "parent": ["", "1", "9"], "text": ["Yes.", "No.", "Maybe."]}
                 ).to_csv(path, index=False)
    [article] = read_file(path).articles
    assert article.id == "page" and [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        ("1", None, 0), ("2", "1", 1), ("3", "9", 0)]


def test_table_ids_need_to_be_unique_within_an_article_only(tmp_path: Path) -> None:
    # each article numbers its thread from 1, as many exports do: ids repeat across articles
    path = _table(tmp_path, [("ferry", "1", "", "Strike again?"), ("ferry", "2", "1", "Third this year."),
                             ("bridge", "1", "", "Finally."), ("bridge", "2", "1", "Over budget though."),
                             ("bridge", "3", "2", "Every bridge is.")])
    articles = {a.id: a for a in read_file(path).articles}
    assert [(c.id, c.parent_id, c.depth) for c in articles["bridge"].comments] == [
        ("1", None, 0), ("2", "1", 1), ("3", "2", 2)]
    assert [(c.id, c.parent_id, c.depth) for c in articles["ferry"].comments] == [("1", None, 0), ("2", "1", 1)]


def test_table_row_saved_twice_is_kept_once_and_counted(tmp_path: Path) -> None:
    path = _table(tmp_path, [("ferry", "1", "", "Strike again?"), ("ferry", "2", "1", "Third this year."),
                             ("ferry", "2", "1", "Third this year.")])
    result = read_file(path)
    assert [(c.id, c.parent_id) for c in _comments(result.articles)] == [("1", None), ("2", "1")]
    [reject] = result.rejects
    assert (reject.location, reject.reason) == ("row 3", "1 duplicate comments (same id) dropped")


def test_table_whose_ids_clash_is_read_unlinked_rather_than_linked_by_row_number(tmp_path: Path) -> None:
    # two different comments share id 2: the reply to "2" cannot be placed, and numbering the rows
    # instead would link the replies to whichever row happens to carry that number
    path = _table(tmp_path, [("ferry", "1", "", "Strike again?"), ("ferry", "2", "1", "Third this year."),
                             ("ferry", "2", "", "Unrelated: the new timetable."), ("ferry", "4", "2", "Agreed.")])
    result = read_file(path)
    assert [(c.id, c.parent_id, c.depth) for c in _comments(result.articles)] == [
        ("row 1", None, 0), ("row 2", "1", 0), ("row 3", None, 0), ("row 4", "2", 0)]
    [note] = result.notes
    assert note.startswith("replies not linked to their parents: column 'parent' names them by comment id")
    assert "column 'id' gives id '2' to two comments of article 'ferry' (row 2 and row 3)" in note
    with pytest.raises(ReaderError) as named:  # named by the user: the ids must hold
        read_file(path, options=ReadOptions(id_column="id"))
    assert "ids must be unique within an article" in named.value.message


def test_hacker_news_search_results_read_as_threads_under_their_story(tmp_path: Path) -> None:
    hit = {"title": None, "story_title": "Harbour bridge reopens", "story_id": 700, "created_at": "2024-05-01T09:00:00Z"}
    path = tmp_path / "search.json"
    path.write_text(json.dumps({"hits": [
        {**hit, "comment_text": "Two years late.", "author": "ann", "parent_id": 700, "objectID": "701"},
        {**hit, "comment_text": "Worth the wait.", "author": "bo", "parent_id": 701, "objectID": "702"}]}))
    [article] = read_file(path).articles
    assert (article.id, article.title) == ("700", "Harbour bridge reopens")
    assert [(c.id, c.parent_id, c.depth, c.author) for c in article.comments] == [
        ("701", "700", 0, "ann"), ("702", "701", 1, "bo")]


def test_table_without_parent_links_still_numbers_rows_when_ids_clash(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    pd.DataFrame({"id": ["7", "7"], "parent_id": ["", ""], "text": ["One view.", "Another view."]}).to_csv(
        path, index=False)
    assert [(c.id, c.text) for c in _comments(read_file(path).articles)] == [("1", "One view."), ("2", "Another view.")]


def test_table_row_without_an_id_is_named_by_its_place(tmp_path: Path) -> None:
    path = _table(tmp_path, [("ferry", "1", "", "Strike again?"), ("ferry", "", "1", "Third this year."),
                             ("ferry", "2", "1", "Row 2 is not this one.")])
    assert [(c.id, c.parent_id) for c in _comments(read_file(path).articles)] == [
        ("1", None), ("row 2", "1"), ("2", "1")]


def test_depths_follow_replies_listed_before_their_parents_in_a_long_chain(tmp_path: Path) -> None:
    # newest first, 3,000 deep: deeper than Python's recursion limit
    chain = [("ferry", str(i), str(i - 1) if i > 1 else "", f"Reply {i}.") for i in range(3000, 0, -1)]
    comments = _comments(read_file(_table(tmp_path, chain)).articles)
    assert [(c.id, c.depth) for c in comments[:2]] == [("3000", 2999), ("2999", 2998)] and comments[-1].depth == 0


def test_depths_of_a_reply_to_itself_and_of_a_loop(tmp_path: Path) -> None:
    path = _table(tmp_path, [("ferry", "1", "1", "I answer myself."), ("ferry", "2", "3", "Loop one."),
                             ("ferry", "3", "2", "Loop two."), ("ferry", "4", "3", "Under the loop.")])
    assert [(c.id, c.depth) for c in _comments(read_file(path).articles)] == [("1", 0), ("2", 1), ("3", 0), ("4", 1)]


def test_xml_with_a_stray_cp1252_byte_and_a_nul_is_read_whole(tmp_path: Path) -> None:
    data = (FIXTURES / "disqus/town_forum.xml").read_bytes()
    data = data.replace(b"Six weeks", "Six wéeks".encode()).replace(b"optimistic", b"optim\xe9istic\x00")
    path = tmp_path / "forum.xml"
    path.write_bytes(data)
    result = read_file(path)
    assert _by_id(result.articles)["5001"].text.startswith("Six wéeks is optiméistic.")
    assert [r.reason for r in result.rejects][:2] == [
        "XML repaired: 1 byte(s) not valid UTF-8 read as cp1252", "XML repaired: control characters (NUL …) removed"]


def test_wxr_whose_namespace_declaration_was_lost_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    export = (FIXTURES / "wxr/old_export_wxr10.xml").read_bytes()
    # recovery leaves tags named "wp:post_id", which lxml's QName refuses with a ValueError
    path.write_bytes(export.replace(b' xmlns:wp="http://wordpress.org/export/1.0/"', b""))
    with pytest.raises(ReaderError) as raised:
        read_file(path, "wxr")
    assert raised.value.location == "root" and "no WordPress export namespace" in raised.value.message


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    from analyzer.readers._structured import html_to_text

    markup = "First line<br>second line<p>New &amp; <b>bold</b> paragraph</p><script>alert(1)</script>tail"
    assert html_to_text(markup) == "First line\nsecond line\n\nNew & bold paragraph\n\ntail"
    assert html_to_text("") == "" and html_to_text("plain & simple") == "plain & simple"


def test_html_quotes_become_marked_lines_and_nested_quotes_are_marked_twice() -> None:
    from analyzer.readers._structured import html_to_text

    markup = ("<p>Replying to Ann:</p><blockquote><p>Nobody will sign.</p><blockquote>They said so <i>twice</i>."
              "</blockquote><p>Trust me.</p></blockquote><p>They signed on Friday.</p>")
    assert html_to_text(markup) == ("Replying to Ann:\n\n> Nobody will sign.\n\n> > They said so twice.\n\n"
                                    "> Trust me.\n\nThey signed on Friday.")
    # Discourse quotes in an aside: who is quoted, then the quote's blockquote (the same quote, not a nested one)
    discourse = ('<aside class="quote no-group" data-username="ann" data-post="2"><div class="title">'
                 '<div class="quote-controls"></div><img class="avatar" src="a.png"> ann:</div><blockquote>'
                 "<p>Fares should be free.</p></blockquote></aside><p>They cannot be.</p>")
    assert html_to_text(discourse) == "> ann:\n\n> Fares should be free.\n\nThey cannot be."
    assert html_to_text('<aside class="onebox"><p>A link preview</p></aside><p>Mine.</p>') == "A link preview\n\nMine."


def test_a_wxr_comment_quoting_another_keeps_the_quote_marked(tmp_path: Path) -> None:
    path = tmp_path / "blog.xml"
    path.write_text(
        '<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><title>Ferry fares</title>'
        "<wp:post_id>7</wp:post_id><content:encoded>Fares rise.</content:encoded><wp:comment><wp:comment_id>1"
        "</wp:comment_id><wp:comment_content><![CDATA[<blockquote>Fares are a scandal, idiots.</blockquote>"
        "I disagree: they were frozen for ten years.]]></wp:comment_content><wp:comment_approved>1"
        "</wp:comment_approved></wp:comment></item></channel></rss>", encoding="utf-8")
    [comment] = _comments(read_file(path).articles)
    assert comment.text == "> Fares are a scandal, idiots.\n\nI disagree: they were frozen for ten years."


# --- nothing lost, across readers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    ["wxr/harbour_blog.xml", "disqus/town_forum.xml", "reddit/thread.json", "youtube/api_threads.json",
     "hn/hnapi_story.json", "tabular/paper_comments.csv"],
)
def test_every_comment_once_and_records_round_trip(relative: str) -> None:
    result = read_file(FIXTURES / relative)
    _assert_positions_follow_file_order(result.articles)
    for article in result.articles:
        ids = [c.id for c in article.comments]
        assert len(ids) == len(set(ids))
        assert Article.from_dict(json.loads(json.dumps(article.to_dict()))) == article


# --- the split command -----------------------------------------------------------------------------


def test_split_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.jsonl"
    assert main(["split", str(FIXTURES / "reddit/thread.json"), "-o", str(output)]) == 0
    [record] = [json.loads(line) for line in output.read_text().splitlines()]
    assert record["format"] == "reddit" and len(record["comments"]) == 5
    assert "declared 12, found 5; missing 3" in capsys.readouterr().err


def test_split_cli_bad_file_beside_good_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.jsonl"
    code = main(["split", str(FIXTURES / "hn/truncated.json"), str(FIXTURES / "disqus/town_forum.xml"), "-o", str(output)])
    assert code == 1
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(r["id"] for r in records) == ["1001", "7777"]
    err = capsys.readouterr().err
    assert "truncated.json: line 2, column" in err and "town_forum.xml: 2 article(s), 5 comment(s)" in err
    assert (tmp_path / "out.rejects.jsonl").is_file()


# --- read_file on a folder ---------------------------------------------------------------------------


def test_read_file_on_a_folder_says_whether_it_is_empty_or_needs_split(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "dump.txt").write_text("Title\n\nBody.\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReaderError) as full:
        read_file(tmp_path / "full")
    with pytest.raises(ReaderError) as empty:
        read_file(tmp_path / "empty")
    assert full.value.location == "folder" and "split()" in full.value.message
    assert empty.value.message == "no files to read in this folder"


def test_a_pipe_is_refused_by_what_it_is_and_a_missing_file_as_missing(tmp_path: Path) -> None:
    import os

    pipe = tmp_path / "dump.pipe"
    os.mkfifo(pipe)  # opening it to read would wait for a writer that never comes
    with pytest.raises(ReaderError) as raised:
        read_file(pipe)
    assert "not a regular file" in raised.value.message
    with pytest.raises(ReaderError) as missing:
        read_file(tmp_path / "gone.csv")
    assert missing.value.message == "no such file"


def test_a_saved_page_folder_reads_the_pages_and_counts_the_assets_it_leaves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "Save page as… complete": the page, and beside it a folder of what the page loads
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "page.html").write_bytes((FIXTURES / "html/wordpress_nested.html").read_bytes())
    assets = tmp_path / "saved" / "page_files"
    assets.mkdir()
    (assets / "style.css").write_text("body { margin: 0; }\n.comment { color: #333; }\n")
    (assets / "app.js").write_text("function reply(id) {\n  return document.getElementById(id);\n}\n")
    (assets / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    output = tmp_path / "out.jsonl"
    assert main(["split", str(tmp_path / "saved"), "-o", str(output)]) == 0
    err = capsys.readouterr().err
    assert "page.html: 1 article(s)" in err
    assert f"{tmp_path / 'saved'}: 0 article(s), 0 comment(s); 3 page asset(s) not read (.css 1, .js 1, .png 1)" in err
    # named alone, an asset is read, or refused by what it is
    assert main(["split", str(assets / "app.js"), "-o", str(output)]) == 1
    assert "format not recognised" in capsys.readouterr().err


def test_binary_data_is_not_read_as_text_even_without_nul_bytes(tmp_path: Path) -> None:
    # a font or image whose first bytes hold no NUL: control bytes no text holds say it is binary
    path = tmp_path / "notes.txt"
    path.write_bytes(b"wOFF" + bytes(b for b in range(1, 256) if b not in (0x0a, 0x0d)) * 3)
    with pytest.raises(ReaderError) as raised:
        detect_format(path)
    assert raised.value.message == "format not recognised; name it with --format"
    # text in a single-byte encoding, with a stray control byte or two, is still text
    path.write_bytes("Caf\xe9 closes early.\n\nIt reopens on Monday \x0b after repairs.\n".encode("cp1252"))
    assert detect_format(path) == "plaintext"


def test_a_header_with_qualifiers_is_a_tables_header(tmp_path: Path) -> None:
    # "Date (UTC)", "Name (click to view profile)": read as prose, such a table had become one article with no
    # comments (exit 0)
    path = tmp_path / "export.csv"
    path.write_text("author,date (UTC),comment\nann,2024-03-05 14:30,Too much.\nbob,2024-03-05 15:30,Fine by me.\n")
    assert detect_format(path) == "tabular"
    # the qualifier says how: the times are UTC
    assert [(c.author, c.time, c.text) for c in _comments(read_file(path).articles)] == [
        ("ann", "2024-03-05T14:30:00+00:00", "Too much."), ("bob", "2024-03-05T15:30:00+00:00", "Fine by me.")]
    path.write_text('"Exported comments"\n\n"Nr","Name (click to view profile)","Date","Likes #","Comment"\n'
                    '"1","Ann Lee","2024-03-05 14:30","3","Too much."\n')
    assert detect_format(path) == "tabular"
    [comment] = _comments(read_file(path).articles)
    assert (comment.author, comment.time, comment.text, comment.extra) == (
        "Ann Lee", "2024-03-05T14:30:00", "Too much.", {"Nr": "1", "Likes #": "3"})


@pytest.mark.parametrize("header", ["#,Name,Comment", "author,text,", "author,text,1st reply", "_id,author,text",
                                    "Name – full,author,text", "Name € full,author,text"])
def test_headers_exports_write_are_headers_not_stray_bytes(tmp_path: Path, header: str) -> None:
    # a row-number column "#", a delimiter ending every row, an ordinal, a mark: the header had failed, and the
    # reader had skipped its first cells as "stray bytes" ("author," before "text,"), read the rest as the header
    # and every text one column off (exit 0), or read the table as prose with no comments
    cells = header.split(",")
    rows = [{"#": number, "_id": number, "Name": "Ann", "Comment": "Too much.", "author": "Ann", "text": "Too much."}
            for number in ("1", "2")]
    path = tmp_path / "export.csv"
    path.write_text("\n".join([header, *(",".join(row.get(cell, "x") for cell in cells) for row in rows)]) + "\n")
    assert detect_format(path) == "tabular"
    result = read_file(path)
    assert [(c.author, c.text) for c in _comments(result.articles)] == [("Ann", "Too much.")] * 2
    assert not result.rejects


def test_a_table_found_inside_its_own_header_row_is_refused_not_read_one_column_off(tmp_path: Path) -> None:
    # the first cell holds what no header cell may (a quote): cutting the row after it as "stray bytes" read the
    # rest as the header and each text under the wrong column
    path = tmp_path / "export.csv"
    path.write_text('Name "full",text,date\nAnn,Too much.,2024-03-05\nBo,Fine.,2024-03-05\n')
    with pytest.raises(ReaderError, match="looks like a CSV table: name it with --format"):
        detect_format(path)


def test_a_title_block_above_a_tables_header_is_kept_aside_and_the_rows_read(tmp_path: Path) -> None:
    # comment-export tools and spreadsheets write a few lines above the header; read as prose, this file
    # had become one article with no comments (exit 0)
    path = tmp_path / "export.csv"
    path.write_text("Comments on https://news.example/ferries\nExported 2024-01-05 by the desk\n\n"
                    "Name,Date,Likes,Comment\nann,2024-01-01,3,\"Fares up again, unbelievable.\"\n"
                    "bob,2024-01-02,0,Fair enough.\ncyd,2024-01-03,1,Too,many,fields\n", encoding="utf-8")
    assert detect_format(path) == "tabular"
    result = read_file(path)
    [article] = result.articles
    assert [(c.author, c.text) for c in article.comments] == [("ann", "Fares up again, unbelievable."),
                                                             ("bob", "Fair enough.")]
    assert article.extra["preamble"] == "Comments on https://news.example/ferries\nExported 2024-01-05 by the desk"
    assert result.notes == ["2 line(s) above the table's header read as its title block, not as rows "
                            "(kept in each article's extra.preamble)"]
    assert [(r.location, r.reason) for r in result.rejects] == [("line 7", "6 fields where the header has 4")]
    # a column only the user can name is looked for below the title block too
    path.write_text("Leserkommentare\nName;Kommentar\nann;Gut so.\nbob;Schlecht.\n", encoding="utf-8")
    options = ReadOptions(text_column="Kommentar")
    assert [c.text for c in _comments(read_file(path, "tabular", options).articles)] == ["Gut so.", "Schlecht."]
    # a table that starts at its first line has no title block
    path.write_text("text,author\nFine.,ann\n", encoding="utf-8")
    plain = read_file(path)
    assert plain.notes == [] and plain.articles[0].extra == {}


@pytest.mark.parametrize(
    ("value", "count"),
    [(3, 3), (0, 0), (3.0, 3), ("3", 3), (" 12 ", 12), ("3.0", 3), (True, None), (-1, None), (2.5, None),
     ("many", None), (float("nan"), None), (float("inf"), None), (1e300, None), (None, None), ([3], None)],
)
def test_a_declared_count_is_read_however_the_source_writes_a_whole_number(value, count) -> None:
    from analyzer.readers._structured import whole_count

    assert whole_count(value) == count


def test_flags_give_deleted_before_spam_whatever_their_spelling() -> None:
    from analyzer.readers._common import flag_status

    assert flag_status(["isSpam"]) == "spam" and flag_status(["is_spam", "Dead"]) == "deleted"
    assert flag_status(["userDeleted"]) == flag_status(["is-removed"]) == "deleted"
    assert flag_status(["pinned", "edited"]) is None and flag_status([]) is None


def test_thread_tops_walk_up_to_the_first_comment_whose_parent_is_not_there_and_loops_have_none() -> None:
    from analyzer.readers._common import thread_tops

    chain = {str(n): str(n - 1) if n else None for n in reversed(range(5000))}  # deep, replies first
    tops = thread_tops({**chain, "o": "gone", "o2": "o", "a": "b", "b": "a"})
    assert tops["4999"] == tops["0"] == "0" and tops["o2"] == tops["o"] == "o"  # an orphan tops its own thread
    assert tops["a"] is None and tops["b"] is None


def test_a_comments_own_subject_line_opens_its_text_in_tables_and_json(tmp_path: Path) -> None:
    # Drupal's comment table and forum exports: the subject is the commenter's words too ("Bad deal" says the
    # stance); "Re: …" is made by replying, and Drupal fills an empty subject with the text's opening words
    rows = [{"id": "1", "subject": "Bad deal", "comment_body": "Walking away was right.", "name": "ann"},
            {"id": "2", "subject": "Re: Bad deal", "comment_body": "Agreed.", "name": "bo"},
            {"id": "3", "subject": "Sanctions never worked…", "comment_body": "Sanctions never worked here.",
             "name": "cy"}]
    expected = ["Bad deal\n\nWalking away was right.", "Agreed.", "Sanctions never worked here."]
    table = tmp_path / "comments.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    document = tmp_path / "comments.json"
    document.write_text(json.dumps({"comments": [{**row, "replies": []} for row in rows]}), encoding="utf-8")
    for path in (table, document):
        [article] = read_file(path).articles
        assert [c.text for c in article.comments] == expected
        assert article.comments[1].extra["subject"] == "Re: Bad deal"  # kept as written


@pytest.mark.parametrize("header", [",author,text", '"","author","text"'])
def test_a_table_with_a_row_names_column_first_is_a_table(tmp_path: Path, header: str) -> None:
    # pandas' to_csv writes its index first under an empty name, R's write.csv its row names under "": read as
    # prose, such a table had become one article with no comments (exit 0)
    path = tmp_path / "comments.csv"
    path.write_text(f"{header}\n0,ann,Too much.\n1,bo,\"Fine, by me.\"\n")
    assert detect_format(path) == "tabular"
    result = read_file(path)
    assert [(c.author, c.text) for c in _comments(result.articles)] == [("ann", "Too much."), ("bo", "Fine, by me.")]
    assert not result.rejects


def test_nested_numbers_thread_reddit_tables_of_r_packages(tmp_path: Path) -> None:
    # RedditExtractoR 3 numbers a reply under its parent's number (comment_id 1_1 answers 1): it was flat
    path = tmp_path / "comments.csv"
    url = "https://www.reddit.com/r/ferries/comments/p1/fares/"
    path.write_text('"","url","author","timestamp","comment","comment_id"\n'
                    f'"1","{url}","ann",1709632800,"Too much.","1"\n"2","{url}","bo",1709633100,"Fine.","1_1"\n'
                    f'"3","{url}","cy",1709633400,"Is it?","1_1_1"\n"4","{url}","di",1709636400,"Too little.","2"\n')
    [article] = read_file(path).articles
    assert article.url == url
    assert [(c.id, c.parent_id, c.depth, c.author) for c in article.comments] == [
        ("1", None, 0, "ann"), ("1_1", "1", 1, "bo"), ("1_1_1", "1_1", 2, "cy"), ("2", None, 0, "di")]
    # RedditExtractoR 2 and vosonSML: the nesting in "structure", and each row describing the post too, its
    # author under "author": the commenter is "user", the comment's time "comm_date"
    path.write_text("id,structure,post_date,comm_date,num_comments,author,user,comment,title,thread_id\n"
                    "1,1,2024-03-05 09:00:00,2024-03-05 10:00:00,3,op,ann,Too much.,Fares up,p1\n"
                    "2,1_1,2024-03-05 09:00:00,2024-03-05 10:05:00,3,op,bo,Fine.,Fares up,p1\n"
                    "3,2,2024-03-05 09:00:00,2024-03-05 11:00:00,3,op,cy,Too little.,Fares up,p1\n")
    [article] = read_file(path).articles
    assert (article.title, article.declared_comment_count) == ("Fares up", 3)
    assert [(c.id, c.parent_id, c.author, c.time, c.extra["author"]) for c in article.comments] == [
        ("1", None, "ann", "2024-03-05T10:00:00", "op"), ("2", "1", "bo", "2024-03-05T10:05:00", "op"),
        ("3", None, "cy", "2024-03-05T11:00:00", "op")]
    # ids with an underscore that are no such numbers are ids, and link nothing
    path.write_text("comment_id,author,text\nc_1,ann,Too much.\nc_1_1,bo,Fine.\n")
    assert [(c.id, c.parent_id) for c in _comments(read_file(path).articles)] == [("c_1", None), ("c_1_1", None)]


def test_comment_scrapers_tables_give_parents_authors_times_shown_and_declared_counts(tmp_path: Path) -> None:
    # YouTube Data Tools names a reply's parent "isReplyTo"
    path = tmp_path / "comments.tab"
    path.write_text("id\tlikeCount\tpublishedAt\tauthorName\ttext\tisReply\tisReplyTo\n"
                    "Ug1\t4\t2024-03-05T10:00:00Z\tAnn\tToo much.\t0\t\n"
                    "Ug1.a\t1\t2024-03-05T10:05:00Z\tBo\tFine.\t1\tUg1\n")
    assert [(c.id, c.parent_id, c.depth, c.author) for c in _comments(read_file(path).articles)] == [
        ("Ug1", None, 0, "Ann"), ("Ug1.a", "Ug1", 1, "Bo")]
    # Apify's YouTube scraper: its parent "replyToCid", its only time as the page showed it, and the video's
    # comment count on every row, which is the article's declared count
    rows = [{"comment": "Too much.", "cid": "Ug1", "author": "@ann", "videoId": "v1", "commentsCount": 120,
             "replyToCid": None, "title": "Fares up", "publishedTimeText": "5 years ago"},
            {"comment": "Fine.", "cid": "Ug1.a", "author": "@bo", "videoId": "v1", "commentsCount": 120,
             "replyToCid": "Ug1", "title": "Fares up", "publishedTimeText": "4 years ago (edited)"}]
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps(rows))
    [article] = read_file(path).articles
    assert (article.id, article.title, article.declared_comment_count) == ("v1", "Fares up", 120)
    assert [(c.id, c.parent_id, c.time, c.extra["time_text"]) for c in article.comments] == [
        ("Ug1", None, None, "5 years ago"), ("Ug1.a", "Ug1", None, "4 years ago (edited)")]
    # a count that differs between an article's rows is each row's own, and one row alone cannot tell
    rows[1]["commentsCount"] = 7
    path.write_text(json.dumps(rows))
    assert read_file(path).articles[0].declared_comment_count is None
    path.write_text(json.dumps(rows[:1]))
    assert read_file(path).articles[0].declared_comment_count is None
    # Apify's Facebook scraper: the commenter "profileName", the post's address "facebookUrl"
    post = {"facebookUrl": "https://www.facebook.com/news/posts/1", "postTitle": "Fares up"}
    path.write_text(json.dumps([{**post, "id": "Y1", "text": "Too much.", "profileName": "Ann Lee"},
                                {**post, "id": "Y2", "text": "Fine.", "profileName": "Bo Ray"}]))
    [article] = read_file(path).articles
    assert (article.title, article.url) == ("Fares up", "https://www.facebook.com/news/posts/1")
    assert [c.author for c in article.comments] == ["Ann Lee", "Bo Ray"]
    # Apify's TikTok scraper: the commenter's handle "uniqueId" beside the number "uid"; elsewhere a "unique_id"
    # may be the comment's own, and is no author
    video = {"videoWebUrl": "https://www.tiktok.com/@news/video/7301", "diggCount": 1}
    path.write_text(json.dumps([{**video, "cid": "7", "text": "Too much.", "uid": "68", "uniqueId": "ann.lee"},
                                {**video, "cid": "8", "text": "Fine.", "uid": "69", "uniqueId": "bo_ray",
                                 "repliesToId": "7"}]))
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.author) for c in article.comments] == [("7", None, "ann.lee"), ("8", "7", "bo_ray")]
    path.write_text("unique_id,text\nc-1,Too much.\n")
    assert [(c.author, c.extra) for c in _comments(read_file(path).articles)] == [(None, {"unique_id": "c-1"})]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_an_excel_workbook_is_read_as_the_tables_its_sheets_hold(tmp_path: Path) -> None:
    # moderation tools and export services deliver comments as workbooks, a title block above the table and a
    # sheet of notes beside it; they had been refused ("save the sheet as CSV")
    from datetime import datetime

    path = _workbook(tmp_path / "export.xlsx", {
        "About": [["Exported by the comments desk"], ["2024-03-05"]],
        "Comments": [["Comments on https://news.example/fares"], [],
                     ["#", "Name", "Date", "Likes", "Comment", "Article"],
                     [1, "Ann", datetime(2024, 3, 5, 10, 0), 3, "Too much.", "fares"],
                     [2, "Bo", datetime(2024, 3, 5, 10, 5), 0, None, "fares"],
                     [],
                     [3, "Cy", datetime(2024, 3, 5, 11, 0), 1, "Fine by me.", "ferries"]],
        "More": [["Name", "Comment", "Article"], ["Di", "Too little.", "fares"]]})
    assert detect_format(path) == "tabular"
    result = read_file(path)
    assert [(a.id, [(c.author, c.time, c.text) for c in a.comments]) for a in result.articles] == [
        ("fares", [("Ann", "2024-03-05T10:00:00", "Too much."), ("Di", None, "Too little.")]),
        ("ferries", [("Cy", "2024-03-05T11:00:00", "Fine by me.")])]
    assert result.articles[0].comments[0].extra == {"#": 1, "Likes": 3}
    # a row without text is a reject named by its sheet and Excel's row number; the empty row is nothing
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("sheet 'Comments' row 5", "no text in column 'Comment'")]
    assert result.articles[0].extra["preamble"] == "Comments on https://news.example/fares"
    assert "sheet 'About' holds no comment table: not read" in result.notes


def test_a_workbook_without_a_comment_table_or_damaged_is_refused_by_its_place(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "export.xlsx", {"Sheet1": [["Name", "Remark"], ["Ann", "Too much."]]})
    with pytest.raises(ReaderError, match=r"export.xlsx: sheet 'Sheet1': no table header naming a comment text "
                                          r"column in its first 6 rows"):
        read_file(path)
    # the column named: then it is read
    [article] = read_file(path, options=ReadOptions(text_column="Remark")).articles
    assert [(c.author, c.text) for c in article.comments] == [("Ann", "Too much.")]
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ReaderError, match=r"damaged.xlsx: (byte 0|file): "):
        read_file(damaged)


@pytest.mark.parametrize("name", ["moderation_export.xlsx", "moderation_export_97.xls", "moderation_export.ods"])
def test_a_moderation_tools_workbook_keeps_threads_statuses_and_utc_times(name: str) -> None:
    # an invented moderation tool's export (tests/fixtures/tabular/moderation_export.xlsx): a sheet about the
    # export, then the comments of two stories under a title block, named by their headline; the same cells saved
    # as an Excel 97-2003 workbook and as an OpenDocument spreadsheet (both had been refused) read the same
    result = read_file(FIXTURES / "tabular" / name)
    assert [(a.id, a.title, a.url) for a in result.articles] == [
        ("Ferry fares to rise in April", "Ferry fares to rise in April", "https://harbour.example/news/ferry-fares"),
        ("New cycle lane opens on Quay Road", "New cycle lane opens on Quay Road",
         "https://harbour.example/news/cycle-lane")]
    fares, lane = result.articles
    assert [(c.id, c.parent_id, c.depth, c.status, c.time) for c in fares.comments] == [
        ("101", None, 0, "published", "2024-03-05T09:12:00+00:00"),
        ("102", "101", 1, "published", "2024-03-05T09:40:00+00:00"),
        ("103", "102", 2, "published", "2024-03-05T10:02:00+00:00"),
        ("104", None, 0, "pending", "2024-03-05T11:30:00+00:00"),
        ("105", None, 0, "spam", "2024-03-05T12:00:00+00:00")]
    # the reply whose text is empty is a reject; its sibling still hangs from the top comment
    assert [(c.id, c.parent_id, c.author) for c in lane.comments] == [("201", None, "Jonas"), ("203", "201", "Ruth")]
    [reject] = result.rejects
    assert (reject.location, reject.reason) == ("sheet 'Comments' row 10", "no text in column 'Comment'")
    # the row as the sheet holds it, its empty last cell included
    assert json.loads(reject.raw) == {
        "Comment ID": 202, "Parent ID": 201, "Story": "New cycle lane opens on Quay Road",
        "Story URL": "https://harbour.example/news/cycle-lane", "Author": "Ruth", "Posted (UTC)": "2024-03-05T14:20:00",
        "Status": "approved", "Comment": None}
    assert fares.extra["preamble"] == "Comments on two stories, newest last"
    assert result.notes[0] == "sheet 'Export' holds no comment table: not read"


def test_a_workbook_that_would_unpack_past_a_hundred_times_its_size_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from analyzer.readers import _compressed

    monkeypatch.setattr(_compressed, "EXPANSION_FLOOR", 1024**2)  # as past the 64 MiB floor, in 2 MiB
    path = _workbook(tmp_path / "export.xlsx", {"Comments": [["Name", "Comment"], ["Ann", "Too much."]]})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 2 * 1024**2, zipfile.ZIP_DEFLATED)
    with pytest.raises(ReaderError, match="workbook content over 1 MiB from .* a decompression bomb"):
        read_file(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_table_breaking_its_lines_with_a_carriage_return_alone_is_a_table(tmp_path: Path, encoding: str) -> None:
    # Excel for Mac's "CSV (Macintosh)" ends lines with "\r" alone: read as one line of prose, the table had
    # become one article with no comments (exit 0)
    path = tmp_path / "comments.csv"
    path.write_bytes('author,text,date\rann,"Too much.\rFar too much.",2024-03-05\rbo,Fine č.,2024-03-05\r'
                     .encode(encoding))
    assert detect_format(path) == "tabular"
    assert [(c.author, c.text) for c in _comments(read_file(path).articles)] == [
        ("ann", "Too much.\nFar too much."), ("bo", "Fine č.")]


def test_an_excel_2003_xml_spreadsheet_is_read_as_a_workbook(tmp_path: Path) -> None:
    # older "Export to Excel" code writes Excel 2003's XML, often named .xls: it had been refused ("looks like XML:
    # name it with --format", though no format read it)
    def row(*cells: str, index: str = "") -> str:
        return f"<Row{index}>" + "".join(cells) + "</Row>"

    def cell(value: object, kind: str = "String", at: str = "") -> str:
        return f'<Cell{at}><Data ss:Type="{kind}">{value}</Data></Cell>'

    sheet = "".join([
        row(cell("Comments on the ferry story")),
        row(cell("ID"), cell("Parent"), cell("Author"), cell("Posted"), cell("Comment"), index=' ss:Index="3"'),
        row(cell(501, "Number"), cell("Maren", at=' ss:Index="3"'), cell("2024-03-05T09:12:00.000", "DateTime"),
            cell("Another rise? <B>Again?</B>")),
        row(cell(502, "Number"), cell(501, "Number"), cell("Tobias"), cell("2024-03-05T09:40:00.000", "DateTime"),
            cell("Fuel went up for them too.")),
        row(cell(503, "Number"), cell("Ines", at=' ss:Index="99999999999"'), cell("x"), cell("Hostile index."))])
    path = tmp_path / "export.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
                    f'<Worksheet ss:Name="Comments"><Table>{sheet}</Table></Worksheet></Workbook>')
    assert detect_format(path) == "tabular"
    result = read_file(path)
    [article] = result.articles
    assert [(c.id, c.parent_id, c.author, c.time, c.text) for c in article.comments] == [
        ("501", None, "Maren", "2024-03-05T09:12:00", "Another rise? Again?"),
        ("502", "501", "Tobias", "2024-03-05T09:40:00", "Fuel went up for them too.")]
    # an index past Excel's columns is no place: its cell stays where it is, and the row has no comment text
    assert [(r.location, r.reason) for r in result.rejects] == [("sheet 'Comments' row 6", "no text in column 'Comment'")]
    assert article.extra["preamble"] == "Comments on the ferry story"
    # entity declarations are refused, as in every XML the readers take
    path.write_text('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>')
    with pytest.raises(ReaderError, match="entity declarations are refused"):
        read_file(path)


def _ods(path: Path, tables: str) -> Path:
    """An OpenDocument spreadsheet whose content is these tables, in the namespaces LibreOffice writes."""
    import zipfile

    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">'
               f'<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def _ods_row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{repeated}>{''.join(cells)}</table:table-row>"


def _ods_text(text: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string"{extra}><text:p>{text}</text:p></table:table-cell>'


def test_an_opendocument_spreadsheet_is_read_as_libreoffice_writes_it(tmp_path: Path) -> None:
    # LibreOffice Calc (and Google Sheets' "Download as ODS") compress runs of equal rows and cells into one with a
    # repeat count, write empty cells to the sheet's last column and empty rows to its last row, keep a cell's
    # comment inside the cell, and write runs of spaces and line breaks as elements
    empty_to_the_end = '<table:table-cell table:number-columns-repeated="1020"/>'
    header = _ods_row(*(_ods_text(name) for name in ("Name", "Posted", "Comment", "Likes")), empty_to_the_end)
    rows = "".join([
        _ods_row(_ods_text("Ann"),
                 '<table:table-cell office:value-type="date" office:date-value="2024-03-05T10:00:00">'
                 "<text:p>05/03/24 10:00</text:p></table:table-cell>",
                 '<table:table-cell office:value-type="string"><office:annotation><dc:creator>desk</dc:creator>'
                 "<text:p>checked</text:p></office:annotation><text:p>Too<text:s text:c=\"2\"/>much.<text:line-break/>"
                 "Far <text:span>too</text:span> much.</text:p></table:table-cell>",
                 '<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>',
                 empty_to_the_end),
        _ods_row(_ods_text("Bo"), '<table:table-cell/>', _ods_text("Same again."), repeat=2),
        _ods_row('<table:table-cell table:number-columns-repeated="1024"/>', repeat=3),
        # a merged cell: the part it covers is empty
        _ods_row(_ods_text("Cy", ' table:number-columns-spanned="2"'), "<table:covered-table-cell/>",
                 _ods_text("Fine by me."), '<table:table-cell office:value-type="percentage" office:value="0.5"/>'),
        _ods_row(_ods_text("Di")),
        _ods_row('<table:table-cell table:number-columns-repeated="1024"/>', repeat=1048568)])
    tables = (f'<table:table table:name="Comments"><table:table-column table:number-columns-repeated="1024"/>'
              f"<table:table-header-rows>{header}</table:table-header-rows>{rows}</table:table>"
              f'<table:table table:name="Notes">{_ods_row(_ods_text("Exported by the desk"))}</table:table>')
    path = _ods(tmp_path / "comments.ods", tables)
    assert detect_format(path) == "tabular"
    result = read_file(path)
    [article] = result.articles
    assert [(c.author, c.time, c.text, c.extra) for c in article.comments] == [
        ("Ann", "2024-03-05T10:00:00", "Too much.\nFar too much.", {"Likes": 3}),
        ("Bo", None, "Same again.", {}), ("Bo", None, "Same again.", {}),  # one row, repeated: as two in a CSV
        ("Cy", None, "Fine by me.", {"Likes": 0.5})]
    # the empty rows keep the rows below them where the sheet has them
    assert [(r.location, r.reason) for r in result.rejects] == [("sheet 'Comments' row 9", "no text in column 'Comment'")]
    assert "sheet 'Notes' holds no comment table: not read" in result.notes


@pytest.mark.parametrize(("rows", "reason"), [
    # a few bytes stand for a billion cells
    (_ods_row('<table:table-cell office:value-type="string" table:number-columns-repeated="16384">'
              "<text:p>x</text:p></table:table-cell>", repeat=100_000),
     "its repeated rows and cells stand for more cells than a file of its size holds"),
    (_ods_row(_ods_text("Ann"), _ods_text("Hi.")) + _ods_row(_ods_text("Bo"), _ods_text("Hi."), repeat=1048576),
     "a row past row 1,048,576"),
    (_ods_row('<table:table-cell table:number-columns-repeated="16383"/>', _ods_text("Ann"), _ods_text("Hi.")),
     "a cell past column 16,384")])
def test_an_opendocument_spreadsheet_whose_repeats_pass_a_sheets_bounds_is_refused(
        tmp_path: Path, rows: str, reason: str) -> None:
    header = _ods_row(_ods_text("Name"), _ods_text("Comment"))
    path = _ods(tmp_path / "bomb.ods", f'<table:table table:name="Comments">{header}{rows}</table:table>')
    with pytest.raises(ReaderError, match=f"bomb.ods: file: not a readable spreadsheet: {reason}"):
        read_file(path)


def test_a_damaged_excel_97_workbook_is_refused_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.xls"
    data = (FIXTURES / "tabular/moderation_export_97.xls").read_bytes()
    # the sheets' stream wiped and the file cut inside its last sector, the compound file's directory kept (there
    # it names its Workbook stream)
    path.write_bytes(data[:512] + b"\0" * 1000 + data[1512:5400])
    with pytest.raises(ReaderError, match=r"export.xls: file: not a readable spreadsheet: error: unpack requires"):
        read_file(path)
    assert capsys.readouterr().out == ""  # xlrd's warnings are not printed among the program's output


#: Comments as an export written on a machine set to another language would hold them: the encoding it was written
#: in, and the one it is read in (the same text; cp949 and GB18030 extend EUC-KR and GBK; Greek without the few
#: characters where Windows-1253 and ISO-8859-7 differ)
_LEGACY_EXPORTS = [
    ("cp1251", "cp1251", "Иван", "Переговоры провалились: Ким ничего не отдал, а Трамп просто ушёл из зала."),
    ("koi8_r", "koi8-r", "Мария", "По-моему, это всё-таки хороший шаг к миру на полуострове, пусть и маленький."),
    ("cp1253", "iso8859-7", "Γιώργος", "Οι συνομιλίες απέτυχαν. Ο Κιμ δεν έδωσε τίποτα και ο Τραμπ έφυγε."),
    ("gbk", "gb18030", "王小明", "会谈失败了，金正恩什么都没有让步，特朗普总统也离开了会场。"),
    ("big5", "big5", "李美麗", "我認為這是邁向和平的好一步，對話比制裁更重要。"),
    ("euc_kr", "cp949", "김철수", "회담은 실패했다. 김정은은 아무것도 양보하지 않았고 트럼프도 자리를 떴다."),
    ("euc_jp", "euc_jp", "田中", "会談は失敗だった。金正恩は何も譲らなかったし、大統領も席を立った。"),
    ("shift_jis", "cp932", "佐藤", "平和への良い一歩だと思います。対話を続けることが大切です。"),
    ("cp1256", "cp1256", "أحمد", "فشلت المحادثات، ولم يتنازل كيم عن أي شيء على الإطلاق."),
]


@pytest.mark.parametrize(("written", "read", "author", "text"), _LEGACY_EXPORTS, ids=[e[0] for e in _LEGACY_EXPORTS])
def test_a_table_in_another_scripts_legacy_encoding_is_read_in_it_and_says_so(
        tmp_path: Path, written: str, read: str, author: str, text: str) -> None:
    # read as cp1252, these had become mojibake with exit 0 and no word of it ("Èâàí", "»áÌ¸Ê§°ÜÁË")
    path = tmp_path / "comments.csv"
    path.write_bytes(f'author,text,date\n{author},"{text}",2019-02-28\nAnn,"Fine by me.",2019-02-28\n'.encode(written))
    result = read_file(path)
    assert [(c.author, c.text) for c in _comments(result.articles)] == [(author, text), ("Ann", "Fine by me.")]
    assert [(r.location, r.reason) for r in result.rejects] == [("file", (
        f"text repaired: not UTF-8: read as {read}, the encoding its bytes suggest (name another with --encoding)"))]


@pytest.mark.parametrize("encoding", ["cp1250", "iso8859_2"])
def test_a_polish_table_is_read_in_its_code_page_where_cp1252_would_put_signs_inside_words(
        tmp_path: Path, encoding: str) -> None:
    # read as cp1252 this was "£ukasz", "uda³y", "mo¿e" (and "±", "¶" for ISO-8859-2's "ą", "ś"), with exit 0
    path = tmp_path / "comments.csv"
    path.write_bytes('author,text\nŁukasz,"Rozmowy się nie udały, może kiedyś."\nŻaneta,"Będą rozmawiać."\n'
                     .encode(encoding))
    result = read_file(path)
    assert [(c.author, c.text) for c in _comments(result.articles)] == [
        ("Łukasz", "Rozmowy się nie udały, może kiedyś."), ("Żaneta", "Będą rozmawiać.")]
    read = "cp1250" if encoding == "cp1250" else "iso8859-2"
    assert [r.reason for r in result.rejects] == [
        f"text repaired: not UTF-8: read as {read}, the encoding its bytes suggest (name another with --encoding)"]


@pytest.mark.parametrize("encoding", ["cp1250", "iso8859_2"])
@pytest.mark.parametrize("text", [
    "Rokovania zlyhali, povedal minister. Kim nevrátil nič, ani jednu hlavicu. Ľudia čakali viac, ale dohoda je mŕtva.",
    "A tárgyalások kudarcba fulladtak, mondta a miniszter. Kim semmit sem adott vissza. Őszintén szólva ez várható volt.",
    "Příliš žluťoučký kůň úpěl ďábelské ódy, řekl ministr. Kim nic nevrátil, žádné hlavice.",
], ids=["slovak", "hungarian", "czech"])
def test_czech_slovak_and_hungarian_tables_are_read_in_their_code_page(tmp_path: Path, encoding: str, text: str) -> None:
    # their letters read as letters in cp1252 too ("kùò", "Õszintén", "ïábelské"): chardet tells the language
    _assert_read_in_a_code_page_of(tmp_path, text, encoding, ("cp1250", "iso8859-2"))


@pytest.mark.parametrize(("text", "encoding"), [
    ("Görüşmeler başarısız oldu, dedi bakan. Kim hiçbir şey geri vermedi. Açıkçası bu beklenen bir sonuçtu.", "cp1254"),
    ("Derybos žlugo, sakė ministras. Kimas nieko negrąžino. Tikėjomės daugiau, bet susitarimas mirė.", "cp1257"),
    ("Sarunas izgāzās, sacīja ministrs. Kims neko neatdeva. Mēs gaidījām vairāk, bet vienošanās ir mirusi.", "cp1257"),
], ids=["turkish", "lithuanian", "latvian"])
def test_turkish_and_baltic_tables_are_read_in_their_code_page(tmp_path: Path, text: str, encoding: str) -> None:
    # cp1252 read them as letters too: "baþarýsýz", "negràþino"
    iso = {"cp1254": "iso8859-9", "cp1257": "iso8859-13"}[encoding]  # as alike as cp1250 and ISO-8859-2 (below)
    _assert_read_in_a_code_page_of(tmp_path, text, encoding, (encoding, iso))


def _assert_read_in_a_code_page_of(tmp_path: Path, text: str, encoding: str, read_as: tuple[str, ...]) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes(f'author,text\nAnn,"{text}"\n'.encode(encoding))
    result = read_file(path)
    assert [c.text for c in _comments(result.articles)] == [text]
    # Windows' code page and its ISO kin read many texts alike: either is right where the text reads the same
    [note] = [r.reason for r in result.rejects]
    assert note.split(",")[0] in [f"text repaired: not UTF-8: read as {name}" for name in read_as]


def test_a_western_legacy_table_stays_cp1252_and_a_central_european_one_is_read_in_its_code_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes('author,text\nJörg,"Schön – aber zu teuer, für alle: 20 m³, £5."\nRené,"Très bien, ¿no? '
                     'La col·lecció, «ça marche»."\n'.encode("cp1252"))
    result = read_file(path)
    assert [c.author for c in _comments(result.articles)] == ["Jörg", "René"] and result.rejects == []
    # Czech in cp1250 reads as letters in cp1252 too ("øekl" for "řekl"): only the language tells, as chardet
    # reads it
    path.write_bytes('author,text\nVěra,"Rozhovory selhaly, řekl ministr zahraničí. Čekali jsme víc, ale dohoda je '
                     'mrtvá."\n'.encode("cp1250"))
    assert [(c.author, c.text) for c in _comments(read_file(path).articles)] == [
        ("Věra", "Rozhovory selhaly, řekl ministr zahraničí. Čekali jsme víc, ale dohoda je mrtvá.")]
    # the encoding named is the one read, whatever the bytes suggest
    western = ReadOptions(fallback_encoding="cp1252")
    assert [c.author for c in _comments(read_file(path, options=western).articles)] == ["Vìra"]
    output = tmp_path / "out.jsonl"
    assert main(["split", str(path), "--encoding", "windows-1250", "-o", str(output)]) == 0
    assert "řekl" in output.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as refused:
        main(["split", str(path), "--encoding", "klingon", "-o", str(output)])
    assert refused.value.code == 2 and "unknown encoding 'klingon'" in capsys.readouterr().err
