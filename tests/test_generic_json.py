"""The generic JSON comments reader (issue 23): custom scraper and news-platform shapes, fields found
by name and value, nested replies, comments deduplicated by id, rejects naming their JSON path."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from analyzer.readers import SNIFF_BYTES, ReaderError, detect_format, read_file, readers
from analyzer.records import Article

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCRAPER = FIXTURES / "generic_json/scraper_comments.json"
PLATFORM = FIXTURES / "generic_json/platform_threads.json"
WORDPRESS = FIXTURES / "generic_json/wordpress_rest_comments.json"
MASTODON = FIXTURES / "generic_json/mastodon_context.json"
DISCOURSE = FIXTURES / "generic_json/discourse_topic.json"
LEMMY = FIXTURES / "generic_json/lemmy_comments.json"
CORAL = FIXTURES / "generic_json/coral_story.json"
OPENWEB = FIXTURES / "generic_json/openweb_conversation.json"
BLUESKY = FIXTURES / "generic_json/bluesky_thread.json"
X_CONVERSATION = FIXTURES / "generic_json/x_conversation.json"
COMMENTO = FIXTURES / "generic_json/commento_export.json"
REMARK42 = FIXTURES / "generic_json/remark42_backup.jsonl"
ISSO = FIXTURES / "generic_json/isso_thread.json"
TELEGRAM = FIXTURES / "generic_json/telegram_discussion.json"


def _rejects(path: Path) -> list[tuple[str, str]]:
    return [(r.location, r.reason) for r in read_file(path).rejects]


def test_scraper_shape_fields_found_by_name_and_reported() -> None:
    assert detect_format(SCRAPER) == "generic-json"
    [article] = read_file(SCRAPER).articles
    assert (article.id, article.title, article.url) == (
        "scraper_comments", "Harbour bridge tolls to double", "https://example.org/news/harbour-bridge-tolls")
    assert article.extra["fields"] == {"comments": "$.comments", "text": "full_text", "author": "userName",
                                       "time": "created_at", "id": "id"}
    first = article.comments[0]
    assert (first.id, first.author, first.time, first.depth) == ("c1", "ferrygirl", "2024-03-01T08:15:00+00:00", None)
    assert first.text == "Doubling the toll will push everyone back onto the ferries."
    assert first.extra == {"likes": 12}  # fields not used stay with the comment


def test_scraper_shape_every_object_is_a_comment_or_a_reject_with_its_path() -> None:
    result = read_file(SCRAPER)
    [article] = result.articles
    assert [(c.id, c.position) for c in article.comments] == [("c1", 0), ("c2", 1), ("c5", 2)]
    assert _rejects(SCRAPER) == [
        ("$.comments[2]", "comment not read: no text in 'full_text'"),
        ("$.comments[3]", "comment not read: not an object"),
        ("$.comments[4]", "comment not read: 'id' is a list, expected text"),
        ("$.comments[5]", "1 duplicate comments (same id) dropped"),
    ]
    objects = json.loads(SCRAPER.read_text(encoding="utf-8"))["comments"]
    assert len(article.comments) + len(result.rejects) == len(objects)  # nothing lost in silence


def test_nested_threads_depth_and_parent_from_nesting() -> None:
    assert detect_format(PLATFORM) == "generic-json"  # outbids the table reader: "content" is a usual column
    result = read_file(PLATFORM)
    [article] = result.articles
    assert (article.title, article.url) == ("Night trains return to the coast line", "https://example.net/coast-night-trains")
    assert article.extra["fields"] == {"comments": "$.data.items", "text": "content", "author": "author",
                                       "time": "timestamp", "id": "comment_id", "replies": "replies"}
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        ("101", None, 0), ("102", "101", 1), ("103", "102", 2), ("104", "101", 1),
        ("105", None, 0), ("106", "105", 1), ("108", "107", 2)]  # 108 names its rejected parent
    comments = {c.id: c for c in article.comments}
    assert comments["101"].text == "About time.\n\nThe last one stopped in 2009."  # HTML paragraphs kept
    assert comments["101"].author == "Signalbox" and comments["101"].time == "2024-01-01T10:00:00+00:00"
    assert (comments["104"].status, comments["104"].text) == ("deleted", "")  # removed, so no text is fine
    assert result.rejects[0].location == "$.data.items[1].replies[1]"


def test_comments_are_deduplicated_by_id_across_overlapping_fetches(tmp_path: Path) -> None:
    def thread(fetch: int) -> dict:
        return {"id": "t1", "body": "Tolls again?", "user": "ann", "created_at": "2024-03-01T08:00:00Z",
                "children": [{"id": f"r{n}", "body": f"Reply {n}", "user": "ben"} for n in range(fetch + 1)]}

    path = tmp_path / "fetches.json"
    path.write_text(json.dumps({"results": [thread(0), thread(1), thread(2)]}), encoding="utf-8")
    result = read_file(path)
    [article] = result.articles
    assert [(c.id, c.parent_id) for c in article.comments] == [("t1", None), ("r0", "t1"), ("r1", "t1"), ("r2", "t1")]
    [repeats] = result.rejects
    assert repeats.reason == "5 duplicate comments (same id) dropped"  # 2 + 3 + 4 read, 4 distinct
    assert repeats.location == "$.results[1]"
    assert [r["at"] for r in json.loads(repeats.raw)] == ["$.results[1]", "$.results[1].children[0]", "$.results[2]",
                                                         "$.results[2].children[0]", "$.results[2].children[1]"]


@pytest.mark.parametrize("wrong", [["a", 1], {"likes": 3}, None])  # an object with no text under rendered / html / raw
def test_one_of_two_threads_with_a_text_of_the_wrong_type_is_rejected_alone(tmp_path: Path, wrong: object) -> None:
    document = json.loads(PLATFORM.read_text(encoding="utf-8"))
    document["data"]["items"][0]["content"] = wrong  # the first of the two top-level comments
    path = tmp_path / "threads.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert detect_format(path) == "generic-json"
    result = read_file(path)
    [article] = result.articles
    assert [c.id for c in article.comments] == ["102", "103", "104", "105", "106", "108"]  # its replies too
    assert result.rejects[0].location == "$.data.items[0]"
    assert len(result.rejects) == len(read_file(PLATFORM).rejects) + 1


def test_top_level_list_with_parent_links(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([
        {"commentId": "a", "fullText": "First.", "userName": "ann", "inReplyTo": None},
        {"commentId": "b", "fullText": "Second.", "userName": "ben", "inReplyTo": "a"},
    ]), encoding="utf-8")
    [article] = read_file(path, "generic-json").articles
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [("a", None, 0), ("b", "a", 1)]
    assert article.extra["fields"]["parent"] == "inReplyTo"


def test_a_document_longer_than_the_sniffed_head_is_still_recognised(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    comments = [{"id": n, "userName": f"user{n}", "full_text": f"Comment {n} about the ferry timetable.",
                 "created_at": "2024-03-01T08:00:00Z"} for n in range(2000)]
    path.write_text(json.dumps({"comments": comments}, indent=1), encoding="utf-8")
    assert path.stat().st_size > SNIFF_BYTES
    assert detect_format(path) == "generic-json"
    assert len(read_file(path).articles[0].comments) == 2000


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("hn/hnapi_story.json", "hackernews"), ("youtube/ycd_pretty.json", "youtube"),
     ("tabular/forum_export.json", "tabular"), ("reddit/thread.json", "reddit")],
)
def test_the_specific_readers_outbid_it(relative: str, expected: str) -> None:
    assert detect_format(FIXTURES / relative) == expected


def test_a_comment_platform_api_page_groups_comments_by_thread_and_keeps_spam_as_spam(tmp_path: Path) -> None:
    # Disqus's posts list: author objects, thread ids, spam and parent flags
    posts = [
        {"id": "11", "raw_message": "Fares up again.", "author": {"name": "Ann"}, "thread": "t1", "parent": None,
         "createdAt": "2024-04-01T10:00:00", "isSpam": False, "isDeleted": False},
        {"id": "12", "raw_message": "Still cheaper than parking.", "author": {"name": "Bo"}, "thread": "t1",
         "parent": 11, "createdAt": "2024-04-01T10:05:00", "isSpam": False, "isDeleted": False},
        {"id": "13", "raw_message": "Cheap pills here", "author": {"name": "Bot"}, "thread": "t2", "parent": None,
         "createdAt": "2024-04-02T10:00:00", "isSpam": True, "isDeleted": False}]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps({"cursor": {"hasNext": False}, "code": 0, "response": posts}))
    assert detect_format(path) == "generic-json"  # rows with author objects are no table
    articles = {a.id: a for a in read_file(path).articles}
    assert [(c.id, c.parent_id, c.depth, c.author, c.status) for c in articles["t1"].comments] == [
        ("11", None, 0, "Ann", "published"), ("12", "11", 1, "Bo", "published")]
    assert [(c.id, c.status) for c in articles["t2"].comments] == [("13", "spam")]
    # the API writes its times in UTC without saying so: with the posts' "forum" beside them, they are UTC
    for post in posts:
        post["forum"] = "riverside-news"
    path.write_text(json.dumps({"cursor": {"hasNext": False}, "code": 0, "response": posts}))
    assert [c.time for a in read_file(path).articles for c in a.comments] == [
        "2024-04-01T10:00:00+00:00", "2024-04-01T10:05:00+00:00", "2024-04-02T10:00:00+00:00"]
    # a forum's posts: "post_id" on each is its own id, so no grouping
    path.write_text(json.dumps([{"post_id": n, "text": f"Post {n}."} for n in range(3)]))
    assert [(a.id, len(a.comments)) for a in read_file(path, "generic-json").articles] == [("posts", 3)]


def test_comments_holding_their_article_object_give_it_its_title_url_date_and_count(tmp_path: Path) -> None:
    # the Disqus API's posts fetched with related=thread hold their thread; all had been one untitled article
    ferry = {"id": "t1", "title": "Ferry fares rise", "link": "https://gazette.example.org/ferry-fares/",
             "posts": 2, "createdAt": "2024-04-01T08:00:00", "forum": "gazette"}
    library = {"id": "t2", "title": "Library hours cut", "link": "https://gazette.example.org/library/", "posts": 4,
               "createdAt": "2024-04-02T08:00:00", "forum": "gazette"}
    posts = [{"id": "11", "raw_message": "Fares up again.", "author": {"name": "Ann"}, "forum": "gazette",
              "parent": None, "createdAt": "2024-04-01T10:00:00", "thread": ferry},
             {"id": "12", "raw_message": "Cheaper than parking.", "author": {"name": "Bo"}, "forum": "gazette",
              "parent": 11, "createdAt": "2024-04-01T10:05:00", "thread": ferry},
             {"id": "13", "raw_message": "Hours matter.", "author": {"name": "Cy"}, "forum": "gazette",
              "parent": None, "createdAt": "2024-04-02T10:00:00", "thread": library}]
    path = tmp_path / "posts.json"
    path.write_text(json.dumps({"cursor": {"hasNext": False}, "code": 0, "response": posts}), encoding="utf-8")
    articles = read_file(path).articles
    assert [(a.id, a.title, a.url, a.date, a.declared_comment_count, [c.id for c in a.comments]) for a in articles] == [
        ("t1", "Ferry fares rise", "https://gazette.example.org/ferry-fares/", "2024-04-01T08:00:00+00:00", 2,
         ["11", "12"]),
        ("t2", "Library hours cut", "https://gazette.example.org/library/", "2024-04-02T08:00:00+00:00", 4, ["13"])]
    assert "thread" not in articles[0].comments[0].extra  # read as the article, not kept beside the comment


def test_a_discussion_object_holding_the_comments_names_their_article(tmp_path: Path) -> None:
    # the Guardian's discussion API: title, webUrl and commentCount beside the comments; "userProfile" authors,
    # "isoDateTime" beside a display "date" without a zone, "responses" nested, "blocked" a moderator's removal
    def comment(number: int, author: str, status: str = "visible", **more) -> dict:
        return {"id": number, "body": f"<p>Comment {number} on the summit.</p>", "date": "28 February 2019 10:00am",
                "isoDateTime": f"2019-02-28T10:0{number % 10}:00Z", "status": status, "numRecommends": 1,
                "webUrl": f"https://discussion.example/comment-permalink/{number}",
                "userProfile": {"userId": str(number), "displayName": author, "badge": []}, **more}

    answer = {"status": "ok", "currentPage": 1, "pages": 3, "discussion": {
        "key": "/p/abc12", "webUrl": "https://news.example.com/world/2019/feb/28/summit", "commentCount": 5,
        "title": "Summit ends without a deal", "isThreaded": True,
        "comments": [comment(1, "ann", responses=[comment(2, "bo", responseTo={"commentId": "1"})]),
                     comment(3, "cy", "blocked")]}}
    path = tmp_path / "discussion.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    [article] = read_file(path).articles
    assert (article.title, article.url, article.declared_comment_count) == (
        "Summit ends without a deal", "https://news.example.com/world/2019/feb/28/summit", 5)
    assert _thread(article) == [("1", None, 0, "ann", "2019-02-28T10:01:00+00:00", "published", "comment"),
                                ("2", "1", 1, "bo", "2019-02-28T10:02:00+00:00", "published", "comment"),
                                ("3", None, 0, "cy", "2019-02-28T10:03:00+00:00", "deleted", "comment")]


def test_the_new_york_times_community_api_answer(tmp_path: Path) -> None:
    # userDisplayName, createDate (epoch seconds as text), replies nested, totalCommentsFound beside the page
    def comment(number: int, author: str, **more) -> dict:
        return {"commentID": number, "status": "approved", "userDisplayName": author, "userLocation": "NYC",
                "commentBody": f"Comment {number}.", "createDate": str(1551348000 + number), "recommendations": 1,
                "replies": [], **more}

    answer = {"status": "OK", "results": {"comments": [
        comment(1, "Ann", replies=[comment(2, "Bo", parentID=1, commentType="userReply")])],
        "totalCommentsFound": 523, "totalCommentsReturned": 1}}
    path = tmp_path / "community.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    [article] = read_file(path).articles
    assert article.declared_comment_count == 523
    assert [(c.id, c.parent_id, c.author, c.time) for c in article.comments] == [
        ("1", None, "Ann", "2019-02-28T10:00:01+00:00"), ("2", "1", "Bo", "2019-02-28T10:00:02+00:00")]


def test_facebook_graph_comments_with_replies_in_page_objects(tmp_path: Path) -> None:
    page = {"data": [
        {"id": "1_1", "message": "Good news for the valley.", "from": {"name": "Dee", "id": "7"},
         "created_time": "2024-04-01T10:00:00+0000",
         "comments": {"data": [{"id": "1_2", "message": "If it gets built.", "from": {"name": "Eve", "id": "8"},
                                "created_time": "2024-04-01T11:00:00+0000"}], "paging": {"cursors": {}}}},
        {"id": "1_3", "message": "Not again.", "from": {"name": "Fay", "id": "9"},
         "created_time": "2024-04-01T12:00:00+0000"}], "paging": {"cursors": {"after": "x"}}}
    path = tmp_path / "post_comments.json"
    path.write_text(json.dumps(page))
    assert detect_format(path) == "generic-json"
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.time) for c in article.comments] == [
        ("1_1", None, 0, "Dee", "2024-04-01T10:00:00+00:00"), ("1_2", "1_1", 1, "Eve", "2024-04-01T11:00:00+00:00"),
        ("1_3", None, 0, "Fay", "2024-04-01T12:00:00+00:00")]


# --- platform APIs ------------------------------------------------------------------------------------


def _thread(article: Article) -> list[tuple]:
    return [(c.id, c.parent_id, c.depth, c.author, c.time, c.status, c.kind) for c in article.comments]


def test_wordpress_rest_api_comments_one_article_per_post() -> None:
    assert detect_format(WORDPRESS) == "generic-json"  # "content" holds an object: no table rows
    result = read_file(WORDPRESS)
    assert result.rejects == []
    library, mobile = result.articles
    assert (library.id, library.url) == ("345", "https://news.example.org/2024/05/elm-street-library/")
    assert (mobile.id, mobile.url) == ("351", "https://news.example.org/2024/05/mobile-library/")
    assert library.extra["fields"] == {"comments": "$", "text": "content", "author": "author_name", "time": "date_gmt",
                                       "id": "id", "parent": "parent", "article": "post"}
    assert _thread(library) == [  # date_gmt is UTC; approved / hold / spam / trash; pingbacks are a kind
        ("12", None, 0, "Marta", "2024-05-02T14:00:00+00:00", "published", "comment"),
        ("13", "12", 1, "Desmond", "2024-05-02T14:30:00+00:00", "published", "comment"),
        ("14", "13", 2, "Priya", "2024-05-02T15:00:00+00:00", "pending", "comment"),
        ("15", None, 0, "Riverside Reader (blog)", "2024-05-02T16:00:00+00:00", "published", "pingback"),
        ("16", None, 0, "cheap-watches", "2024-05-02T17:00:00+00:00", "spam", "comment"),
        ("17", "12", 1, "Tom", "2024-05-02T17:30:00+00:00", "deleted", "comment")]
    texts = [c.text for c in library.comments]
    assert texts[0] == "Closing the Elm Street branch \u2013 again & with no hearing."  # content.rendered, as text
    assert texts[1].startswith("I <3 that library.") and "<br" not in texts[1]
    assert texts[3] == "[\u2026] the branch closes in June, as reported here [\u2026]"
    assert library.comments[0].extra["date"] == "2024-05-02T10:00:00"  # the local time stays with the comment


def test_mastodon_context_the_first_ancestor_is_the_article() -> None:
    assert detect_format(MASTODON) == "generic-json"  # not rows of its first list
    result = read_file(MASTODON)
    assert result.rejects == []
    [article] = result.articles
    # the post's opening line is its title (a toot has none of its own), as an X post's: its replies' stance context
    assert (article.id, article.title, article.url, article.date) == (
        "1089", "Council votes 7\u20132 to close the Elm Street library in June. news.example.org/2024/05/elm-st",
        "https://example.social/@citynews/1089",
        "2024-05-02T09:00:00+00:00")
    assert article.body.startswith("Council votes 7\u20132 to close the Elm Street library in June.")
    assert article.extra["platform"] == "mastodon"
    # 1090 answers the post: top level. The status asked about (1091) is in no list: its replies keep their
    # parent id and are top level, as every reader treats a parent it cannot find.
    assert _thread(article) == [
        ("1090", None, 0, "ann", "2024-05-02T09:10:00+00:00", "published", "comment"),
        ("1092", "1091", 0, "bo@other.example", "2024-05-02T09:30:00+00:00", "published", "comment"),
        ("1093", "1092", 1, "ann", "2024-05-02T09:45:00+00:00", "published", "comment"),
        ("1094", "1091", 0, "cy", "2024-05-02T10:00:00+00:00", "published", "comment")]
    texts = {c.id: c.text for c in article.comments}
    assert texts["1090"] == "@citynews Was there a public hearing?"
    assert texts["1092"] == "None that I saw & I looked.\n\nThe agenda never listed it."


def test_mastodon_context_without_ancestors_hangs_on_the_status_asked_about(tmp_path: Path) -> None:
    document = json.loads(MASTODON.read_text(encoding="utf-8"))
    path = tmp_path / "context.json"
    path.write_text(json.dumps({"ancestors": [], "descendants": document["descendants"]}), encoding="utf-8")
    [article] = read_file(path).articles
    assert (article.id, article.body) == ("1091", "")  # the one parent not in the file: the post, not in it
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        ("1092", None, 0), ("1093", "1092", 1), ("1094", None, 0)]


def test_discourse_topic_post_one_is_the_article() -> None:
    assert detect_format(DISCOURSE) == "generic-json"
    result = read_file(DISCOURSE)
    assert result.rejects == []
    [article] = result.articles
    assert (article.id, article.title, article.date, article.declared_comment_count) == (
        "77", "Elm Street library to close in June", "2024-05-02T09:00:00+00:00", 6)
    assert article.body == "The council voted to close the Elm Street library. Discuss here, and keep it civil."
    assert article.extra["fields"]["parent"] == "reply_to_post_number"
    # 503 answers post 2 (id 502); 504 answers post 1, the topic: top level; 507 answers post 6, not in the
    # file: top level, the number kept; 508 was deleted by its author
    assert _thread(article) == [
        ("502", None, 0, "ann", "2024-05-02T10:00:00+00:00", "published", "comment"),
        ("503", "502", 1, "bo", "2024-05-02T10:20:00+00:00", "published", "comment"),
        ("504", None, 0, "cy", "2024-05-02T11:00:00+00:00", "published", "comment"),
        ("507", None, 0, "dee", "2024-05-02T12:00:00+00:00", "published", "comment"),
        ("508", "504", 1, "eli", "2024-05-02T12:30:00+00:00", "deleted", "comment")]
    assert article.comments[3].extra["reply_to_post_number"] == 6
    assert article.comments[0].text == "Predictable. They cut the opening hours last year & then blamed low visits."


def test_lemmy_comment_views_parents_from_the_path() -> None:
    assert detect_format(LEMMY) == "generic-json"  # "comment" holds an object: no table rows
    result = read_file(LEMMY)
    assert result.rejects == []
    library, mobile = result.articles
    assert (library.id, library.title, library.url) == (
        "9", "Council votes to close Elm Street library", "https://news.example.org/2024/05/elm-street-library/")
    assert (mobile.id, mobile.title, mobile.body) == (
        "10", "Mobile library keeps running", "The van stops at **Elm Street** on Tuesdays.")
    # 13's path names 4, which is not in the file: top level, its parent kept
    assert _thread(library) == [
        ("3", None, 0, "ann", "2024-05-02T10:00:00+00:00", "published", "comment"),
        ("5", "3", 1, "bo", "2024-05-02T10:15:00+00:00", "published", "comment"),
        ("8", "5", 2, "ann", "2024-05-02T10:30:00+00:00", "deleted", "comment"),
        ("13", "4", 0, "cy", "2024-05-02T11:00:00+00:00", "published", "comment")]
    assert library.comments[0].text == "I <3 this library, and a < b: the budget gap is tiny."  # no markup: as written
    assert [(c.id, c.author) for c in mobile.comments] == [("20", "dee")]


def test_a_coral_graphql_answer_is_one_article_per_story_threaded_by_nesting() -> None:
    assert detect_format(CORAL) == "generic-json"
    result = read_file(CORAL)
    [story] = result.articles
    assert (story.id, story.title, story.url, story.date, story.declared_comment_count) == (
        "5f1e-harbour", "Harbour ferry gets a second boat", "https://gazette.example.org/2024/05/harbour-ferry/",
        "2024-05-03T07:00:00+00:00", 5)
    assert [(c.id, c.parent_id, c.depth, c.author, c.status, c.text) for c in story.comments] == [
        ("c-101", None, 0, "marta", "published", "A second boat is long overdue."),
        ("c-102", "c-101", 1, "desmond", "published", "Overdue and over budget."),
        ("c-104", "c-102", 2, None, "deleted", ""),  # deleted, its text gone: kept so that the thread holds
        ("c-103", "c-101", 1, "tickets4u", "pending", "Buy cheap ferry tickets at example.biz"),
        ("c-105", None, 0, "quinn", "pending", "Will it run on Sundays?")]
    assert story.comments[0].time == "2024-05-03T08:00:00+00:00" and story.comments[0].extra == {"deleted": None, "replyCount": 2}
    [reject] = result.rejects
    assert reject.location == "$.data.story.comments.edges[2].node" and "not an object" in reject.reason


def test_coral_answers_saved_together_and_comments_listed_across_stories(tmp_path: Path) -> None:
    answer = json.loads(CORAL.read_text(encoding="utf-8"))
    edges = answer["data"]["story"]["comments"]["edges"][:2]
    # two pages fetched one after another, the second repeating a comment of the first
    pages = [{"data": {"story": {**answer["data"]["story"], "comments": {"edges": edges[:1]}}}},
             {"data": {"story": {**answer["data"]["story"], "comments": {"edges": edges}}}}]
    path = tmp_path / "pages.json"
    path.write_text(json.dumps(pages), encoding="utf-8")
    result = read_file(path)
    assert [c.id for a in result.articles for c in a.comments] == ["c-101", "c-102", "c-104", "c-103", "c-105"]
    assert [r.reason for r in result.rejects] == ["4 duplicate comments (same id) dropped"]
    # a moderation list: each comment names its story
    listed = {"data": {"comments": {"nodes": [
        {"id": "m1", "body": "First.", "createdAt": "2024-05-03T08:00:00Z", "story": {"id": "s1", "url": "https://a.example/1"}},
        {"id": "m2", "body": "Second.", "createdAt": "2024-05-03T09:00:00Z", "story": {"id": "s2", "url": "https://a.example/2"}},
        {"id": "m3", "body": "Third.", "createdAt": "2024-05-03T10:00:00Z", "story": {"id": "s1", "url": "https://a.example/1"}}]}}}
    path.write_text(json.dumps(listed), encoding="utf-8")
    assert [(a.id, a.url, [c.id for c in a.comments]) for a in read_file(path).articles] == [
        ("s1", "https://a.example/1", ["m1", "m3"]), ("s2", "https://a.example/2", ["m2"])]


def test_a_long_coral_answer_is_known_by_its_head(tmp_path: Path) -> None:
    answer = json.loads(CORAL.read_text(encoding="utf-8"))
    node = answer["data"]["story"]["comments"]["edges"][0]["node"]
    answer["data"]["story"]["comments"]["edges"] = [
        {"cursor": str(n), "node": {**node, "id": f"c-{n}", "replies": {"edges": []}}} for n in range(400)]
    path = tmp_path / "long.json"
    path.write_text(json.dumps(answer, indent=1), encoding="utf-8")
    assert path.stat().st_size > SNIFF_BYTES
    assert detect_format(path) == "generic-json"
    assert len(read_file(path).articles[0].comments) == 400


def test_an_openweb_conversation_with_its_users_and_nested_replies() -> None:
    assert detect_format(OPENWEB) == "generic-json"
    result = read_file(OPENWEB)
    [article] = result.articles
    assert (article.id, article.url, article.title, article.declared_comment_count) == (
        "sp_Gz7x_harbour-ferry", "https://gazette.example.org/2024/05/harbour-ferry/",
        "Harbour ferry gets a second boat", 6)
    # the display name, else the user name; an image part holds no text
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        ("sp_Gz7x_c_1", None, 0, "Marta", "2024-05-03T08:00:00+00:00", "A second boat is long overdue."),
        ("sp_Gz7x_c_2", "sp_Gz7x_c_1", 1, "desmond77", "2024-05-03T08:20:00+00:00", "Overdue and over budget."),
        ("sp_Gz7x_c_4", None, 0, "Quinn", "2024-05-03T09:53:20+00:00", "Will it run on Sundays?")]
    [reject] = result.rejects  # an image alone: no text to score, and said so
    assert reject.location == "$.conversation.comments[0].replies[1]" and "no text" in reject.reason


def test_openweb_pages_saved_together_are_one_conversation(tmp_path: Path) -> None:
    answer = json.loads(OPENWEB.read_text(encoding="utf-8"))
    later = {**answer, "conversation": {**answer["conversation"], "comments": answer["conversation"]["comments"][1:]}}
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([answer, later]), encoding="utf-8")
    result = read_file(path)
    assert [c.id for a in result.articles for c in a.comments] == ["sp_Gz7x_c_1", "sp_Gz7x_c_2", "sp_Gz7x_c_4"]
    assert [r.reason for r in result.rejects][-1] == "1 duplicate comments (same id) dropped"


def test_replies_nested_under_tiktoks_and_instagrams_names_are_read_not_lost(tmp_path: Path) -> None:
    # TikTok's comment API (reply_comment, null where none; "cid" ids, as youtube-comment-downloader's, but no
    # "votes"): had been taken for YouTube's and its replies silently dropped
    tiktok = {"comments": [
        {"cid": "71", "text": "This will never hold.", "create_time": 1706785200, "reply_comment_total": 1,
         "user": {"uid": "1", "unique_id": "ann_k", "nickname": "Ann K"},
         "reply_comment": [{"cid": "72", "text": "It might.", "create_time": 1706785300, "reply_id": "71",
                            "user": {"uid": "2", "unique_id": "bo", "nickname": "Bo"}, "reply_comment": None}]},
        {"cid": "73", "text": "Who cares.", "create_time": 1706785400, "reply_comment": None,
         "user": {"uid": "3", "unique_id": "cy", "nickname": "Cy"}}], "cursor": 20, "has_more": 1}
    path = tmp_path / "tiktok.json"
    path.write_text(json.dumps(tiktok), encoding="utf-8")
    assert detect_format(path) == "generic-json"
    assert _thread(read_file(path).articles[0]) == [
        ("71", None, 0, "ann_k", "2024-02-01T11:00:00+00:00", "published", "comment"),
        ("72", "71", 1, "bo", "2024-02-01T11:01:40+00:00", "published", "comment"),
        ("73", None, 0, "cy", "2024-02-01T11:03:20+00:00", "published", "comment")]
    # Instaloader's comments: "owner" objects and "answers" (had been read as a table, the answers left in a cell)
    insta = [{"id": "81", "created_at": 1706785200, "text": "Never.", "owner": {"id": "11", "username": "ann_k"},
              "answers": [{"id": "82", "created_at": 1706785300, "text": "@ann_k maybe", "owner": {"username": "bo"}}]},
             {"id": "83", "created_at": 1706785400, "text": "Sure.", "owner": {"username": "cy"}, "answers": []}]
    path.write_text(json.dumps(insta), encoding="utf-8")
    assert detect_format(path) == "generic-json"
    assert [(c.id, c.parent_id, c.author) for c in read_file(path).articles[0].comments] == [
        ("81", None, "ann_k"), ("82", "81", "bo"), ("83", None, "cy")]


def test_replies_under_a_name_of_their_own_are_known_by_their_shape(tmp_path: Path) -> None:
    # a list of objects holding the comments' own text field, under a name that speaks of replies
    comments = [{"id": n, "text": f"Comment {n} on the ferry.", "author": "ann",
                 "subReplies": [{"id": f"{n}.1", "text": "Agreed.", "author": "bo", "subReplies": None}]}
                for n in range(400)]
    path = tmp_path / "scrape.json"
    path.write_text(json.dumps(comments), encoding="utf-8")
    assert detect_format(path) == "generic-json"
    read = read_file(path).articles[0]
    assert len(read.comments) == 800 and read.comments[1].parent_id == "0"
    assert read.extra["fields"]["replies"] == "subReplies"
    path.write_text(json.dumps(comments, indent=1), encoding="utf-8")  # longer than the head: known by its keys
    assert path.stat().st_size > SNIFF_BYTES and detect_format(path) == "generic-json"
    # a list under another name (attachments holding a "text") is no replies
    path.write_text(json.dumps([{"id": 1, "text": "See the photo.", "attachments": [{"text": "photo caption"}]}]))
    assert read_file(path, "generic-json").articles[0].extra["fields"].get("replies") is None


def test_lemmy_times_without_an_offset_are_utc(tmp_path: Path) -> None:
    # Lemmy before 0.19 wrote "published" in UTC with no "Z"; a field of that name elsewhere stays as written
    document = json.loads(LEMMY.read_text(encoding="utf-8"))
    for view in document["comments"]:
        for part in ("comment", "post"):
            view[part]["published"] = view[part]["published"].removesuffix("Z")
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    library = read_file(path).articles[0]
    assert library.date == "2024-05-02T09:00:00+00:00"
    assert [c.time for c in library.comments][:2] == ["2024-05-02T10:00:00+00:00", "2024-05-02T10:15:00+00:00"]
    path.write_text(json.dumps([{"id": 1, "text": "Fine.", "published": "2024-05-02T10:00:00"}]), encoding="utf-8")
    assert read_file(path, "generic-json").articles[0].comments[0].time == "2024-05-02T10:00:00"


def test_a_lemmy_path_that_does_not_end_at_the_comment_links_nothing(tmp_path: Path) -> None:
    document = json.loads(LEMMY.read_text(encoding="utf-8"))
    document["comments"][1]["comment"]["path"] = "0.3.6"  # comment 5's path, ending at another id
    document["comments"][2]["comment"]["path"] = "0.x.5.8"
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    parents = {c.id: c.parent_id for c in read_file(path).articles[0].comments}
    assert (parents["5"], parents["8"]) == (None, None)


BSKY_ROOT = "at://did:plc:news7x3c/app.bsky.feed.post/3kuqnewspool0"
BSKY_ANN = "at://did:plc:ann5r8t2/app.bsky.feed.post/3kuqannpool11"
BSKY_BO = "at://did:plc:bo4k2m7q/app.bsky.feed.post/3kuqbo2pool22"
BSKY_CY = "at://did:plc:cy9w1e6h/app.bsky.feed.post/3kuqcypool333"
BSKY_DEE = "at://did:plc:dee3n0v8/app.bsky.feed.post/3kuqdeepool44"
BSKY_GONE = "at://did:plc:eli2p5s9/app.bsky.feed.post/3kuqelipool55"
BSKY_BLOCKED = "at://did:plc:fay8j4k1/app.bsky.feed.post/3kuqfaypool66"


def test_bluesky_thread_the_top_of_the_parent_chain_is_the_article() -> None:
    assert detect_format(BLUESKY) == "generic-json"
    result = read_file(BLUESKY)
    assert result.rejects == []
    [article] = result.articles
    assert (article.id, article.title, article.url, article.date, article.declared_comment_count) == (
        BSKY_ROOT, "The Riverside pool closes for repairs on 1 July, for ten weeks, the council says.",
        "https://bsky.app/profile/news.example.com/post/3kuqnewspool0", "2024-06-03T08:00:00+00:00", None)
    assert article.body == "The Riverside pool closes for repairs on 1 July, for ten weeks, the council says."
    assert article.extra["platform"] == "bluesky"
    assert article.extra["fields"] == {"comments": "$.thread", "text": "post.record.text",
                                       "author": "post.author.handle", "time": "post.record.createdAt",
                                       "id": "post.uri", "parent": "post.record.reply.parent.uri"}
    # fetched from Bo's reply: Ann's (which answers the post: top level) above it, the replies below it nested;
    # a post not found and one blocked are deleted comments in their place; "handle.invalid": the DID instead
    assert _thread(article) == [
        (BSKY_ANN, None, 0, "ann.bsky.social", "2024-06-03T09:05:00+00:00", "published", "comment"),
        (BSKY_BO, BSKY_ANN, 1, "bo.bsky.social", "2024-06-03T09:20:00+00:00", "published", "comment"),
        (BSKY_CY, BSKY_BO, 2, "cy.example.org", "2024-06-03T09:40:00+00:00", "published", "comment"),
        (BSKY_DEE, BSKY_CY, 3, "did:plc:dee3n0v8", "2024-06-03T10:05:00+00:00", "published", "comment"),
        (BSKY_GONE, BSKY_BO, 2, None, None, "deleted", "comment"),
        (BSKY_BLOCKED, BSKY_BO, 2, None, None, "deleted", "comment")]
    comments = {c.id: c for c in article.comments}
    assert comments[BSKY_BO].text == "Ten weeks, they say. The last repair took a year."
    assert (comments[BSKY_GONE].text, comments[BSKY_GONE].extra["notFound"]) == ("", True)
    assert comments[BSKY_BLOCKED].extra["blocked"] is True
    assert {key: comments[BSKY_ANN].extra[key] for key in ("author_name", "did", "url", "likeCount")} == {
        "author_name": "Ann", "did": "did:plc:ann5r8t2", "likeCount": 3,
        "url": "https://bsky.app/profile/ann.bsky.social/post/3kuqannpool11"}


def _bluesky(change) -> dict:
    document = json.loads(BLUESKY.read_text(encoding="utf-8"))
    change(document["thread"])
    return document


def test_bluesky_thread_fetched_from_its_first_post(tmp_path: Path) -> None:
    def from_the_root(thread: dict) -> None:  # the root asked about: Ann's reply below it, Bo's below hers
        ann = thread["parent"]
        root = ann.pop("parent")
        ann["replies"] = [{key: value for key, value in thread.items() if key != "parent"}]
        thread.clear()
        thread.update({**root, "replies": [ann]})

    path = tmp_path / "thread.json"
    path.write_text(json.dumps(_bluesky(from_the_root)), encoding="utf-8")
    assert detect_format(path) == "generic-json"
    [article] = read_file(path).articles
    # replyCount (2) counts the post's direct replies only: no declared count for the thread
    assert (article.id, article.declared_comment_count) == (BSKY_ROOT, None)
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [
        (BSKY_ANN, None, 0), (BSKY_BO, BSKY_ANN, 1), (BSKY_CY, BSKY_BO, 2), (BSKY_DEE, BSKY_CY, 3),
        (BSKY_GONE, BSKY_BO, 2), (BSKY_BLOCKED, BSKY_BO, 2)]


def test_bluesky_thread_whose_first_post_is_not_in_the_file(tmp_path: Path) -> None:
    def parent_not_found(thread: dict) -> None:  # Ann's post deleted: its view ends the chain
        thread["parent"] = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": BSKY_ANN, "notFound": True}

    path = tmp_path / "thread.json"
    path.write_text(json.dumps(_bluesky(parent_not_found)), encoding="utf-8")
    [article] = read_file(path).articles
    # the root the records name is the article, with no body; the author's DID stands in the url for the handle
    assert (article.id, article.url, article.body, article.date, article.declared_comment_count) == (
        BSKY_ROOT, "https://bsky.app/profile/did:plc:news7x3c/post/3kuqnewspool0", "", None, None)
    assert [(c.id, c.parent_id, c.depth, c.status) for c in article.comments][:3] == [
        (BSKY_ANN, None, 0, "deleted"), (BSKY_BO, BSKY_ANN, 1, "published"), (BSKY_CY, BSKY_BO, 2, "published")]

    def no_parent(thread: dict) -> None:  # fetched with parentHeight=0: Bo's reply names a parent not in the file
        del thread["parent"]

    path.write_text(json.dumps(_bluesky(no_parent)), encoding="utf-8")
    [article] = read_file(path).articles
    assert (article.id, article.body) == (BSKY_ROOT, "")
    assert [(c.id, c.parent_id, c.depth) for c in article.comments][:2] == [
        (BSKY_BO, BSKY_ANN, 0), (BSKY_CY, BSKY_BO, 1)]


def test_a_bluesky_reply_with_no_text_is_a_reject_and_its_replies_stay_linked(tmp_path: Path) -> None:
    def cy_without_text(thread: dict) -> None:
        thread["replies"][0]["post"]["record"]["text"] = ["not", "text"]

    path = tmp_path / "thread.json"
    path.write_text(json.dumps(_bluesky(cy_without_text)), encoding="utf-8")
    result = read_file(path)
    [reject] = result.rejects
    assert (reject.location, reject.reason) == (
        "$.thread.replies[0]", "comment not read: 'text' is a list, expected text")
    parents = {c.id: (c.parent_id, c.depth) for c in result.articles[0].comments}
    assert BSKY_CY not in parents and parents[BSKY_DEE] == (BSKY_CY, 0)  # a parent not in the list: top level


X_ROOT = "1798000000000000100"


def test_x_conversation_the_first_tweet_is_the_article() -> None:
    assert detect_format(X_CONVERSATION) == "generic-json"  # rows with a "text" column, and more: not a table
    result = read_file(X_CONVERSATION)
    assert result.rejects == []  # the replies repeated in includes.tweets are not read again
    [article] = result.articles
    assert (article.id, article.title, article.url, article.date, article.declared_comment_count) == (
        X_ROOT, "The Riverside pool closes for repairs on 1 July, for ten weeks, the council says. "
        "https://t.co/pool0701", "https://x.com/examplenews/status/1798000000000000100", "2024-06-03T08:00:00+00:00",
        None)  # the title is the post's first line, as on X's page of it: its comments' stance context
    assert article.body == ("The Riverside pool closes for repairs on 1 July, for ten weeks, the council says. "
                            "https://t.co/pool0701")
    assert article.extra["platform"] == "x"
    assert article.extra["fields"] == {"comments": "$.data", "text": "text", "author": "author_id",
                                       "time": "created_at", "id": "id", "parent": "referenced_tweets"}
    # 103 answers 102; 104 answers the post and quotes 103 (a quote is no parent); 105's author is not in includes
    assert _thread(article) == [
        ("1798000000000000102", None, 0, "ann", "2024-06-03T09:05:00+00:00", "published", "comment"),
        ("1798000000000000103", "1798000000000000102", 1, "bo_swims", "2024-06-03T09:20:00+00:00", "published",
         "comment"),
        ("1798000000000000104", None, 0, "cy", "2024-06-03T09:40:00+00:00", "published", "comment"),
        ("1798000000000000105", "1798000000000000102", 1, None, "2024-06-03T10:05:00+00:00", "published", "comment")]
    comments = {c.id[-3:]: c for c in article.comments}
    assert comments["103"].text == "@ann @examplenews The school pool, if the school says yes & the bus runs."
    assert (comments["103"].extra["author_name"], comments["103"].extra["url"]) == (
        "Bo", "https://x.com/bo_swims/status/1798000000000000103")
    assert comments["105"].extra["author_id"] == "2004" and "author_name" not in comments["105"].extra
    assert comments["105"].extra["url"] == "https://x.com/i/status/1798000000000000105"


def test_x_pages_one_article_per_conversation_the_first_tweet_in_data_too(tmp_path: Path) -> None:
    document = json.loads(X_CONVERSATION.read_text(encoding="utf-8"))
    root = document["includes"]["tweets"].pop(0)
    other = {"id": "1798000000000000200", "text": "Library hours cut from August.", "author_id": "2000",
             "created_at": "2024-06-04T08:00:00.000Z", "conversation_id": "1798000000000000200"}
    reply = {"id": "1798000000000000201", "text": "@examplenews Again?", "author_id": "2001",
             "created_at": "2024-06-04T08:30:00.000Z", "conversation_id": "1798000000000000200",
             "note_tweet": {"text": "@examplenews Again? That is the third cut in two years."},
             "referenced_tweets": [{"type": "replied_to", "id": "1798000000000000200"}]}
    document["data"] = [root, *document["data"], reply, other]
    path = tmp_path / "search.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    pool, library = read_file(path).articles
    assert (pool.id, pool.date, len(pool.comments)) == (X_ROOT, "2024-06-03T08:00:00+00:00", 4)
    assert (library.id, library.url, library.body) == (
        "1798000000000000200", "https://x.com/examplenews/status/1798000000000000200", "Library hours cut from August.")
    assert [(c.id, c.parent_id, c.depth, c.text) for c in library.comments] == [
        ("1798000000000000201", None, 0, "@examplenews Again? That is the third cut in two years.")]  # a long post


def test_x_pages_saved_together_as_a_list_or_one_a_line_are_one_conversation(tmp_path: Path) -> None:
    # a conversation search's results fetched page after page (next_token), saved as one JSON list or appended
    # one page a line; the search ends on a page without data. Both had been refused as a table without text.
    document = json.loads(X_CONVERSATION.read_text(encoding="utf-8"))
    first = {**document, "data": document["data"][:2], "meta": {"result_count": 2, "next_token": "b26v89c19zqg8o3f"}}
    second = {**document, "data": document["data"][1:], "meta": {"result_count": 3}}  # one tweet on both pages
    last = {"meta": {"result_count": 0}}
    [whole] = read_file(X_CONVERSATION).articles
    as_list = tmp_path / "pages.json"
    as_list.write_text(json.dumps([first, second, last]), encoding="utf-8")
    as_lines = tmp_path / "pages.jsonl"
    as_lines.write_text("\n".join(map(json.dumps, [first, second, "not a page", last])) + "\n{broken\n",
                        encoding="utf-8")
    for path in (as_list, as_lines):
        assert detect_format(path) == "generic-json"
        result = read_file(path)
        [article] = result.articles
        assert (article.id, article.url, article.body) == (whole.id, whole.url, whole.body)
        assert _thread(article) == _thread(whole)  # the tweet on two pages is read once
        assert article.extra["fields"]["comments"] == "data"
    assert [(r.location, r.reason) for r in read_file(as_list).rejects] == [
        ("$[1].data[0]", "1 duplicate comments (same id) dropped")]
    assert [(r.location, r.reason.split(":")[0]) for r in read_file(as_lines).rejects] == [
        ("line 5, column 2", "not valid JSON"), ("line 3", "not an X API page (no data of tweets)"),
        ("line 2: $.data[0]", "1 duplicate comments (same id) dropped")]
    # a list of pages and something else is no list of pages
    as_list.write_text(json.dumps([first, {"id": "1", "text": "a chat message"}]), encoding="utf-8")
    assert read_file(as_list, "generic-json").articles[0].extra.get("platform") != "x"


@pytest.mark.parametrize(("name", "key", "first_id", "comments"), [
    ("mastodon_context.json", "descendants", 2000, 404), ("x_conversation.json", "data", 1798000000000001000, 404)])
def test_a_platform_document_longer_than_the_sniffed_head_is_not_read_as_rows(
        tmp_path: Path, name: str, key: str, first_id: int, comments: int) -> None:
    # its envelope is beyond what the sniffer parses: known by its keys, not handed to the table reader
    document = json.loads((FIXTURES / "generic_json" / name).read_text(encoding="utf-8"))
    reply = document[key][1]
    document[key] += [{**reply, "id": str(first_id + n)} for n in range(400)]
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert path.stat().st_size > SNIFF_BYTES
    assert detect_format(path) == "generic-json"
    [article] = read_file(path).articles
    assert len(article.comments) == comments


def test_look_alikes_of_bluesky_and_x_are_no_platform_threads(tmp_path: Path) -> None:
    path = tmp_path / "messages.json"
    # a chat export: id, text and a conversation id, nothing only X writes
    path.write_text(json.dumps({"data": [{"id": "1", "text": "Is the pool open?", "conversation_id": "c1"},
                                         {"id": "2", "text": "Until July.", "conversation_id": "c1"}]}))
    [article] = read_file(path, "generic-json").articles
    assert "platform" not in article.extra and article.id == "messages"
    # a thread of posts with records, typed as nobody's: no list of comment objects
    path.write_text(json.dumps({"thread": {"post": {"uri": "p1", "record": {"text": "Pool closes."}},
                                           "replies": [{"post": {"uri": "p2", "record": {"text": "Again?"}}}]}}))
    with pytest.raises(ReaderError):
        read_file(path, "generic-json")


FERRY_CUT = "harbourgazette.example/2024/06/ferry-timetable-cut"
FERRY_FARES = "harbourgazette.example/2024/06/ferry-fares"


def test_commento_export_one_article_per_page_threaded_by_parent_hex() -> None:
    assert detect_format(COMMENTO) == "generic-json"  # texts under "markdown" / "html": refused before
    result = read_file(COMMENTO)
    cut, fares = result.articles
    assert [(a.id, a.url, a.title, a.body, a.extra["platform"]) for a in result.articles] == [
        (FERRY_CUT, f"https://{FERRY_CUT}", None, "", "commento"),
        (FERRY_FARES, f"https://{FERRY_FARES}", None, "", "commento")]
    assert cut.extra["fields"] == {"comments": "$.comments", "text": "html", "author": "commenterHex",
                                   "time": "creationDate", "id": "commentHex", "parent": "parentHex",
                                   "status": "state"}
    # "root": top level; author by commenterHex ("anonymous": none); unapproved and flagged (held by the spam
    # filter for a moderator) are pending; a deleted comment keeps its place, so that the reply to it stays linked
    assert _thread(cut) == [
        ("c01a", None, 0, "Ines", "2024-06-03T07:55:00+00:00", "published", "comment"),
        ("c02b", "c01a", 1, "Bo", "2024-06-03T08:20:00+00:00", "published", "comment"),
        ("c03c", None, 0, None, "2024-06-03T09:00:00+00:00", "published", "comment"),
        ("c04d", None, 0, "Cy", "2024-06-03T10:15:00+00:00", "pending", "comment"),
        ("c05e", "c01a", 1, None, "2024-06-03T11:00:00+00:00", "deleted", "comment"),
        ("c06f", "c05e", 2, "Ines", "2024-06-03T11:30:00+00:00", "published", "comment")]
    assert _thread(fares) == [
        ("c07a", None, 0, "Cy", "2024-06-04T08:00:00+00:00", "published", "comment"),
        ("c08b", "c07a", 1, "Bo", "2024-06-04T08:30:00+00:00", "pending", "comment")]
    texts = {c.id: c.text for a in result.articles for c in a.comments}
    assert texts["c02b"] == "The 7:10 still runs, if it is on time."  # the html, as text
    assert texts["c03c"] == "Cut the council's ferry passes first."
    assert texts["c05e"] == ""  # "[deleted]" is Commento's placeholder, no text
    assert texts["c07a"] == "Fares up and fewer boats: that is a cut twice."  # no html: the markdown
    assert cut.comments[3].extra == {"commenterHex": "h9cy", "score": 0, "state": "unapproved", "deleted": False}
    assert fares.comments[1].extra["state"] == "flagged"
    assert _rejects(COMMENTO) == [("$.comments[8]", "comment not read: not an object")]
    assert "mail.example" not in json.dumps([a.to_dict() for a in result.articles])  # e-mails are not kept


def test_commento_comments_naming_no_page_and_an_export_longer_than_the_head(tmp_path: Path) -> None:
    document = json.loads(COMMENTO.read_text(encoding="utf-8"))
    reply = document["comments"][1]
    document["comments"] = document["comments"][:8] + [
        {**reply, "commentHex": f"x{n}", "markdown": f"Reply {n} about the 7:10.", "html": ""} for n in range(400)]
    del document["comments"][0]["domain"], document["comments"][0]["path"]
    path = tmp_path / "commento-export.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert path.stat().st_size > SNIFF_BYTES  # known by its commentHex and parentHex keys, the head cut short
    assert detect_format(path) == "generic-json"
    unnamed, cut, fares = read_file(path).articles
    assert (unnamed.id, unnamed.url, [c.id for c in unnamed.comments]) == ("commento-export", None, ["c01a"])
    assert (cut.id, len(cut.comments)) == (FERRY_CUT, 405)
    assert (fares.id, [c.id for c in fares.comments]) == (FERRY_FARES, ["c07a", "c08b"])
    assert [(c.parent_id, c.depth) for c in cut.comments[:2]] == [("c01a", 0), (None, 0)]  # c01a elsewhere: top level


def _remark42_head(lines: list[str]) -> float:
    head = "\n".join(lines).encode("utf-8")
    return readers()["generic-json"].sniff(head, Path("backup"))


def test_remark42_backup_one_article_per_page_threaded_by_pid() -> None:
    assert detect_format(REMARK42) == "generic-json"  # JSON lines of user objects: refused before
    result = read_file(REMARK42)
    cut, fares = result.articles
    url = "https://harbourgazette.example/2024/06/"
    assert [(a.id, a.url, a.title, a.extra["platform"]) for a in result.articles] == [
        (f"{url}ferry-timetable-cut/", f"{url}ferry-timetable-cut/", "Ferry timetable cut from July", "remark42"),
        (f"{url}ferry-fares/", f"{url}ferry-fares/", "Ferry fares to rise 10%", "remark42")]  # its second comment's
    assert cut.extra["fields"] == {"comments": "lines", "text": "text", "author": "user.name", "time": "time",
                                   "id": "id", "parent": "pid", "status": "delete"}
    # the header line is no comment; a deleted comment has no text and keeps its place, its reply linked to it;
    # a "hard" delete leaves the user "deleted": no author
    assert _thread(cut) == [
        ("r1", None, 0, "Ines", "2024-06-03T07:55:00.123456+00:00", "published", "comment"),
        ("r2", "r1", 1, "Bo", "2024-06-03T10:20:00+02:00", "published", "comment"),
        ("r3", None, 0, "Cy", "2024-06-03T09:00:00+00:00", "deleted", "comment"),
        ("r4", "r3", 1, "Ines", "2024-06-03T09:30:00+00:00", "published", "comment")]
    assert _thread(fares) == [
        ("r6", None, 0, None, "2024-06-04T08:00:00+00:00", "deleted", "comment"),
        ("r7", "r6", 1, "Cy", "2024-06-04T08:30:00+00:00", "published", "comment")]
    texts = {c.id: c.text for a in result.articles for c in a.comments}
    assert (texts["r2"], texts["r3"], texts["r7"]) == (
        "The 7:10 still runs, if it is on time.", "", "Fares up & fewer boats: a cut twice.")
    assert cut.comments[0].extra == {"score": 3, "vote": 0, "votes": {"google_8b2": True},
                                     "title": "Ferry timetable cut from July", "user_id": "github_7a1"}
    dumped = json.dumps([a.to_dict() for a in result.articles])
    assert "2f1c9e0b" not in dumped and "5d4e" not in dumped  # hashed ips, the commenter's and the voters'
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 6, column 28", "not valid JSON: Unterminated string starting at"),
        ("line 9", "comment not read: not a Remark42 comment (no locator.url)")]


def test_a_gzipped_remark42_backup_is_read_as_the_lines_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "backup-harbour-20240603.gz"  # as its scheduled backups name them
    path.write_bytes(gzip.compress(REMARK42.read_bytes()))
    result = read_file(path)
    assert [(a.id, [c.id for c in a.comments], a.source_file) for a in result.articles] == [
        (a.id, [c.id for c in a.comments], str(path)) for a in read_file(REMARK42).articles]
    assert [r.location for r in result.rejects] == ["line 6, column 28", "line 9"]


def test_remark42_comment_lines_alone_and_a_header_longer_than_the_head(tmp_path: Path) -> None:
    lines = REMARK42.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "comments.jsonl"
    path.write_text("\n".join(lines[1:5]) + "\n", encoding="utf-8")  # no header: the comments say it
    assert detect_format(path) == "generic-json"
    assert [c.id for c in read_file(path).articles[0].comments] == ["r1", "r2", "r3", "r4"]
    path.write_text(lines[1] + "\n", encoding="utf-8")  # one comment alone
    assert [c.id for c in read_file(path).articles[0].comments] == ["r1"]
    header = json.loads(lines[0])
    header["posts"] *= 800
    path.write_text("\n".join([json.dumps(header), *lines[1:5]]) + "\n", encoding="utf-8")
    assert len(lines[0]) < SNIFF_BYTES < path.stat().st_size
    assert detect_format(path) == "generic-json"
    assert [c.id for c in read_file(path).articles[0].comments] == ["r1", "r2", "r3", "r4"]


def test_look_alikes_of_commento_and_remark42_are_not_taken_for_them(tmp_path: Path) -> None:
    comment = json.loads(REMARK42.read_text(encoding="utf-8").splitlines()[1])
    lines = [json.dumps({"version": 2}), *(json.dumps({**comment, "id": f"l{n}"}) for n in range(3))]
    assert _remark42_head(lines) > 0
    # a page named without a parent or a user is no Remark42 comment; nor is a version line before other lines
    assert _remark42_head([json.dumps({key: value for key, value in json.loads(line).items() if key != "pid"})
                           for line in lines[1:]]) == 0
    assert _remark42_head([lines[0], *(json.dumps({"id": n, "text": "Ferry late.", "locator": {"url": "u"}})
                                       for n in range(3))]) == 0
    path = tmp_path / "rows.json"
    # comments with html and markdown but no commentHex or commenters: not Commento's, and no text field of ours
    path.write_text(json.dumps({"version": 1, "comments": [{"id": "1", "html": "<p>Ferry late.</p>",
                                                            "parent": "root"}]}))
    with pytest.raises(ReaderError):
        read_file(path, "generic-json")


@pytest.mark.parametrize("path", sorted((FIXTURES / "generic_json").glob("*.json*")), ids=lambda p: p.name)
def test_the_generic_json_fixtures_are_detected_as_such(path: Path) -> None:
    assert detect_format(path) == "generic-json"


@pytest.mark.parametrize("relative", sorted(
    str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.suffix in (".json", ".jsonl", ".ndjson")
    and p.parent.name != "generic_json"))
def test_the_other_json_fixtures_keep_their_readers(relative: str) -> None:
    expected = {"hn": "hackernews", "reddit": "reddit", "youtube": "youtube", "tabular": "tabular"}
    assert detect_format(FIXTURES / relative) == expected[relative.split("/")[0]]


#: The reader every fixture folder's files are for (a file of one folder read by another would be a wrong guess).
_FIXTURE_READERS = {"comment_feed": "comment-feed", "disqus": "disqus", "generic_json": "generic-json",
                    "hn": "hackernews", "html": "html", "movabletype": "movabletype", "reddit": "reddit",
                    "tabular": "tabular", "wxr": "wxr", "youtube": "youtube"}


@pytest.mark.parametrize("relative", sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.is_file()))
def test_every_fixture_keeps_its_reader(relative: str) -> None:
    assert detect_format(FIXTURES / relative) == _FIXTURE_READERS[relative.split("/")[0]]


def test_json_without_comment_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"name": "harbour", "items": [{"sku": "A1", "price": 3}]}', encoding="utf-8")
    with pytest.raises(ReaderError) as raised:
        read_file(path, "generic-json")
    assert raised.value.location == "$" and "no list of comment objects" in raised.value.message


def test_records_round_trip() -> None:
    for article in read_file(PLATFORM).articles:
        assert Article.from_dict(json.loads(json.dumps(article.to_dict()))) == article


# --- the YouTube reader deduplicates the same way -----------------------------------------------------


def test_youtube_api_pages_fetched_twice_give_each_comment_once(tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "youtube/api_threads.json").read_text(encoding="utf-8"))
    later = json.loads(json.dumps(page))
    later["items"][0]["snippet"]["totalReplyCount"] = 2  # the later fetch saw fewer replies declared
    fetches = tmp_path / "fetches.json"
    fetches.write_text(json.dumps([page, later]), encoding="utf-8")
    result = read_file(fetches)
    [article] = result.articles
    assert [(c.id, c.position) for c in article.comments] == [("UgT1", 0), ("UgT1.r1", 1), ("UgT2", 2)]
    [repeats] = result.rejects
    assert (repeats.location, repeats.reason) == ("$[1].items[0].snippet.topLevelComment",
                                                   "3 duplicate comments (same id) dropped")
    assert article.missing_comment_count == 2  # the largest totalReplyCount (3) less the one reply, once


def test_youtube_downloader_lines_appended_twice_give_each_comment_once(tmp_path: Path) -> None:
    lines = (FIXTURES / "youtube/ycd_lecture.jsonl").read_text(encoding="utf-8")
    appended = tmp_path / "lecture.jsonl"
    appended.write_text(lines + lines, encoding="utf-8")
    result = read_file(appended)
    assert [c.id for c in result.articles[0].comments] == [
        "UgzAAA111", "UgzAAA111.9Xreply01", "UgzAAA111.9Xreply02", "UgzBBB222"]
    assert [(r.location, r.reason) for r in result.rejects] == [("line 5", "4 duplicate comments (same id) dropped")]


def test_a_comment_not_yet_approved_is_pending(tmp_path: Path) -> None:
    # the Disqus API's posts (listPosts): isApproved false is held for a moderator; isDeleted and isSpam say more
    path = tmp_path / "listPosts.json"
    posts = [{"id": str(n), "raw_message": f"Comment {n}.", "message": f"<p>Comment {n}.</p>", "thread": "777",
              "createdAt": "2024-01-05T10:00:00", "author": {"name": "Ann"}, "parent": None, **flags}
             for n, flags in enumerate([{"isApproved": True}, {"isApproved": False},
                                        {"isApproved": False, "isSpam": True}, {"isApproved": True, "isDeleted": True}])]
    path.write_text(json.dumps({"cursor": {"hasNext": False}, "code": 0, "response": posts}), encoding="utf-8")
    [article] = read_file(path).articles
    assert [c.status for c in article.comments] == ["published", "pending", "spam", "deleted"]


def test_an_isso_thread_its_modes_and_anonymous_authors() -> None:
    # Isso's GET /?uri=…: replies nested, html text, epoch float times, author null for anonymous commenters,
    # mode 1 accepted, 2 waiting for a moderator, 4 deleted (text emptied, kept for its replies)
    result = read_file(ISSO)
    [article] = result.articles
    # Isso nests one level: the reply to comment 2 sits under comment 1, and its parent field names 2
    assert [(c.id, c.parent_id, c.depth, c.author, c.status, c.text) for c in article.comments] == [
        ("1", None, 0, "Ann", "published", "A good first step."), ("2", "1", 1, None, "deleted", ""),
        ("3", "2", 2, None, "published", "A photo op."), ("4", None, 0, None, "pending", "Held for review.")]
    assert article.comments[0].time == "2019-02-28T00:00:01.250000+00:00"
    assert result.rejects == []


def test_a_scrapers_list_of_several_pages_comments_is_grouped_by_the_page_each_thread_names(tmp_path: Path) -> None:
    # each top-level comment carries its page's address and title; replies (nested, or by parent id, listed
    # before their parent) go with their thread; a comment's own permalink is never shared, so it groups nothing
    def comment(number: int, page: str | None, text: str, **more) -> dict:
        named = {"page_url": f"https://news.example.com/{page}", "page_title": page.title()} if page else {}
        return {"id": number, "user": f"u{number}", "text": text, **named, **more}

    rows = [comment(3, None, "Crews first.", parent_id=2), comment(1, "ferry", "Four runs is too few."),
            comment(2, "tolls", "Tolls again?", replies=[comment(4, None, "Every year.")]),
            comment(5, "ferry", "Buses then.")]
    path = tmp_path / "scrape.json"
    path.write_text(json.dumps({"comments": rows}), encoding="utf-8")
    articles = read_file(path).articles
    assert [(a.id, a.url, a.title, [c.id for c in a.comments]) for a in articles] == [
        ("https://news.example.com/tolls", "https://news.example.com/tolls", "Tolls", ["3", "2", "4"]),
        ("https://news.example.com/ferry", "https://news.example.com/ferry", "Ferry", ["1", "5"])]
    permalinks = [{"id": n, "text": f"Comment {n}.", "url": f"https://news.example.com/ferry#c{n}"} for n in (1, 2)]
    path.write_text(json.dumps({"comments": permalinks}), encoding="utf-8")
    [article] = read_file(path).articles
    assert article.id == "scrape" and len(article.comments) == 2


def test_an_isso_thread_with_fields_of_the_wrong_type_is_read(tmp_path: Path) -> None:
    # found by the fuzz bench: a list as mode, and a list as a reply's parent, had stopped the whole file
    answer = json.loads(ISSO.read_text(encoding="utf-8"))
    answer["replies"][0]["mode"] = [1]
    answer["replies"][0]["replies"][1]["parent"] = [2]
    path = tmp_path / "isso.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    result = read_file(path)
    [article] = result.articles
    # a nested reply's parent is its nesting's where its parent field names no comment
    assert [(c.id, c.parent_id, c.status) for c in article.comments] == [
        ("1", None, "published"), ("2", "1", "deleted"), ("3", "1", "published"), ("4", None, "pending")]
    assert result.rejects == []


def test_a_telegram_discussion_group_gives_each_channel_post_its_comments() -> None:
    # Telegram Desktop's export: a channel post copied into its discussion group is the article, the messages
    # answering it (down their replies) its comments; formatted text is a list of parts; read as a table before,
    # authors were lost, replies flat, the post a comment and formatted messages rejected
    result = read_file(TELEGRAM)
    assert detect_format(TELEGRAM) == "generic-json"
    fares, cafe, chat = result.articles
    assert (fares.id, fares.title, fares.date) == ("1700000001/2", "Ferry fares to rise by eight percent",
                                                   "2024-03-05T09:05:00+00:00")
    assert fares.body.endswith("which doubled over the winter. Read more")
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in fares.comments] == [
        ("3", None, 0, "Ann Lee", "2024-03-05T09:07:00+00:00", "Eight percent on top of last year's rise is too much."),
        ("4", "3", 1, "Bo Park", "2024-03-05T09:09:00+00:00", "Fuel doubled, what did you expect?"),
        ("5", None, 0, None, "2024-03-05T09:11:00+00:00", "Season tickets too?")]  # a deleted account: no name
    assert fares.comments[0].extra["from_id"] == "user111" and fares.extra["platform"] == "telegram"
    # a post nobody answered is an article without comments, not a comment
    assert (cafe.id, cafe.title, cafe.comments) == ("1700000001/7", "Harbour cafe reopens on Friday.", [])
    # messages under no post: the chat's own article
    assert (chat.id, chat.title) == ("1700000001", "Harbour Gazette Comments")
    assert [(c.id, c.parent_id, c.author) for c in chat.comments] == [("8", None, "Dee Ross"), ("9", "8", "Ann Lee")]
    # nothing lost: the service message and the photo without a caption are rejects, each with its place
    assert _rejects(TELEGRAM) == [
        ("$.messages[0]", "comment not read: a service message (migrate_from_group), not a comment"),
        ("$.messages[5]", "comment not read: no text in 'text'")]


def test_a_telegram_account_export_reads_every_chat(tmp_path: Path) -> None:
    chat = json.loads(TELEGRAM.read_text())
    other = {"name": "Ann Lee", "type": "personal_chat", "id": 111, "messages": [
        {"id": 1, "type": "message", "date": "2024-03-06T08:00:00", "date_unixtime": "1709712000", "from": "Ann Lee",
         "from_id": "user111", "text": "See you on the ferry."}]}
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"about": "Here is the data you requested.",
                                  "chats": {"about": "This page lists all chats from this export.",
                                            "list": [chat, other]}}))
    articles = read_file(export).articles
    assert [(a.id, len(a.comments)) for a in articles] == [("1700000001/2", 3), ("1700000001/7", 0),
                                                           ("1700000001", 2), ("111", 1)]
    # each chat numbers its messages from 1: in one export, ids are led by the chat's, so none is dropped as a repeat
    export.write_text(json.dumps({"chats": {"list": [chat, {**chat, "id": 5}]}}))
    both = read_file(export)
    assert [(c.id, c.parent_id) for c in both.articles[3].comments] == [("5/3", None), ("5/4", "5/3"), ("5/5", None)]
    assert sum(len(a.comments) for a in both.articles) == 10 and len(both.rejects) == 4
    # an anonymous admin writes as the group itself: a comment of the chat, not a post
    chat["messages"].append({"id": 10, "type": "message", "date_unixtime": "1709640000", "from": chat["name"],
                             "from_id": f"channel{chat['id']}", "text": "Please keep it civil."})
    export.write_text(json.dumps(chat))
    assert [c.id for c in read_file(export).articles[-1].comments] == ["8", "9", "10"]
    # a head too short to parse (an export of many messages) is still known by its envelope
    assert readers()["generic-json"].sniff(TELEGRAM.read_bytes()[:400], TELEGRAM) > readers()["tabular"].sniff(
        TELEGRAM.read_bytes()[:400], TELEGRAM)


@pytest.mark.parametrize("document", [
    {"title": "Ferry fares", "url": "https://x.example/fares", "comments": []},
    {"comments": [], "article": {"title": "Ferry fares", "url": "https://x.example/fares"}},
])
def test_a_scrapers_page_document_gives_its_article_the_title_and_url_beside_the_comments(
        tmp_path: Path, document: dict) -> None:
    # read as rows by the table reader, the page the comments are under was dropped: no title, no url, and no
    # stance context for its comments
    document["comments"] = [{"id": 1, "user": "Ann", "content": "Too much."},
                            {"id": 2, "user": "Bo", "content": "Fine by me.", "reply_to": 1}]
    path = tmp_path / "page.json"
    path.write_text(json.dumps(document))
    assert detect_format(path) == "generic-json"
    [article] = read_file(path).articles
    assert (article.title, article.url) == ("Ferry fares", "https://x.example/fares")
    assert [(c.id, c.parent_id, c.author, c.text) for c in article.comments] == [
        ("1", None, "Ann", "Too much."), ("2", "1", "Bo", "Fine by me.")]
    # one row naming its page is still a row
    path.write_text(json.dumps({"title": "Ferry fares", "text": "Too much.", "author": "Ann"}) + "\n")
    assert detect_format(path) == "tabular"
    assert [(a.title, [c.text for c in a.comments]) for a in read_file(path).articles] == [("Ferry fares", ["Too much."])]


def test_a_reddit_scrapers_post_beside_its_comments_gives_the_article_its_title_url_and_count(
        tmp_path: Path) -> None:
    # the Universal Reddit Scraper writes the post under data.submission_metadata, beside data.comments: the
    # article had no title (no stance context), no url, no date and no declared count
    document = {"scrape_settings": {"n_results": "all", "sort_type": "all"},
                "data": {"submission_metadata": {"author": "op", "created_utc": "2024-03-05 09:00:00",
                                                 "num_comments": 4, "title": "Ferry fares to rise again",
                                                 "url": "https://news.example/ferry-fares"},
                         "comments": [
                             {"author": "ann", "body": "Too much.", "created_utc": "2024-03-05 10:00:00",
                              "id": "c1", "link_id": "t3_p1", "parent_id": "t3_p1",
                              "replies": [{"author": "bo", "body": "Fine by me.", "id": "c2", "link_id": "t3_p1",
                                           "created_utc": "2024-03-05 10:05:00", "parent_id": "t1_c1",
                                           "replies": []}]},
                             {"author": "cy", "body": "Too little.", "id": "c3", "link_id": "t3_p1",
                              "created_utc": "2024-03-05 11:00:00", "parent_id": "t3_p1", "replies": []}]}}
    path = tmp_path / "urs.json"
    path.write_text(json.dumps(document))
    [article] = read_file(path).articles
    assert (article.id, article.title, article.url, article.date, article.declared_comment_count) == (
        "t3_p1", "Ferry fares to rise again", "https://news.example/ferry-fares", "2024-03-05T09:00:00+00:00", 4)
    assert [(c.id, c.parent_id, c.depth, c.author, c.time) for c in article.comments] == [
        ("c1", None, 0, "ann", "2024-03-05T10:00:00+00:00"), ("c2", "c1", 1, "bo", "2024-03-05T10:05:00+00:00"),
        ("c3", None, 0, "cy", "2024-03-05T11:00:00+00:00")]
    # flat, a parent is named by its Reddit fullname: the post's is no parent (the post is the article), a
    # comment's is its id
    comments = document["data"]["comments"]
    document["data"]["comments"] = [comments[0], *comments[0].pop("replies"), comments[1]]
    path.write_text(json.dumps(document))
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth) for c in article.comments] == [("c1", None, 0), ("c2", "c1", 1),
                                                                         ("c3", None, 0)]


def test_a_youtube_scrapers_millisecond_times_and_apify_names_are_read(tmp_path: Path) -> None:
    # a JavaScript scraper writes epoch milliseconds: read as seconds they were past the year 9999, and lost
    path = tmp_path / "video.json"
    path.write_text(json.dumps([
        {"id": "Ug1", "author": "Ann", "text": "Too much.", "time": "2 years ago", "timestamp": 1709632800000,
         "replies": [{"id": "Ug1.a", "author": "Bo", "text": "Fine by me.", "time": "2 years ago",
                      "timestamp": 1709633100000}]}]))
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.time) for c in article.comments] == [
        ("Ug1", None, "2024-03-05T10:00:00+00:00"), ("Ug1.a", "Ug1", "2024-03-05T10:05:00+00:00")]
    # Apify's Instagram scraper (ownerUsername beside nested replies) and its TikTok one (repliesToId); the time a
    # page showed, with no time field, is kept as shown
    path.write_text(json.dumps([
        {"id": "1", "text": "Too much.", "ownerUsername": "ann_k", "publishedTimeText": "3 weeks ago",
         "replies": [{"id": "2", "text": "Fine by me.", "ownerUsername": "bo_b"}]},
        {"id": "3", "text": "Agreed with Bo.", "ownerUsername": "cy", "repliesToId": "2", "replies": []}]))
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.author, c.time, c.extra.get("time_text")) for c in article.comments] == [
        ("1", None, "ann_k", None, "3 weeks ago"), ("2", "1", "bo_b", None, None),
        ("3", "2", "cy", None, None)]


def _v1_tweet(number: int, text: str, user: str, replying_to: int | None = None) -> dict:
    return {"created_at": f"Mon Jun 03 0{number}:00:00 +0000 2024", "id": 1800 + number, "id_str": str(1800 + number),
            "full_text": text, "user": {"id": number, "id_str": f"9{number}", "screen_name": user,
                                        "name": user.title()},
            "in_reply_to_status_id": 1800 + replying_to if replying_to else None,
            "in_reply_to_status_id_str": str(1800 + replying_to) if replying_to else None, "lang": "en"}


def test_twitter_api_v1_tweets_are_read_as_conversations(tmp_path: Path) -> None:
    # twarc 1 and tweepy saved API v1.1 tweets one a line: they had been refused ("looks like JSON lines"); they
    # name no conversation, so a reply's is the first tweet up its chain in the file
    tweets = [_v1_tweet(1, "Pool closes for ten weeks.\nDetails inside.", "examplenews"),
              _v1_tweet(2, "@examplenews Again?", "ann", replying_to=1),
              _v1_tweet(3, "@ann It leaks, so yes.", "bo", replying_to=2),
              _v1_tweet(4, "@someone Agreed.", "cy", replying_to=9)]  # answers a tweet not in the file
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join(json.dumps(tweet) for tweet in tweets) + '\n{"delete": {"status": {"id": 1}}}\n')
    assert detect_format(path) == "generic-json"
    result = read_file(path)
    pool, other = result.articles
    assert (pool.id, pool.title, pool.body, pool.url, pool.date) == (
        "1801", "Pool closes for ten weeks.", "Pool closes for ten weeks.\nDetails inside.",
        "https://x.com/examplenews/status/1801", "2024-06-03T01:00:00+00:00")
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in pool.comments] == [
        ("1802", None, 0, "ann", "2024-06-03T02:00:00+00:00", "@examplenews Again?"),
        ("1803", "1802", 1, "bo", "2024-06-03T03:00:00+00:00", "@ann It leaks, so yes.")]
    assert (other.id, other.body, [(c.id, c.parent_id) for c in other.comments]) == ("1809", "", [("1804", None)])
    assert [(r.location, r.reason) for r in result.rejects] == [("line 5", "not a tweet (no id_str, user and text)")]
    # a JSON list of them, and a search's statuses, the same
    for document in (tweets[:3], {"statuses": tweets[:3], "search_metadata": {}}):
        path = tmp_path / "tweets.json"
        path.write_text(json.dumps(document))
        [pool] = read_file(path).articles
        assert [c.id for c in pool.comments] == ["1802", "1803"] and pool.title == "Pool closes for ten weeks."
    # a tweet saved without its user object is none of them: a list of such rows stays the table reader's
    path.write_text(json.dumps([{"id_str": "1", "text": "Again?"}, {"id_str": "2", "text": "Yes."}]))
    assert detect_format(path) == "tabular"


def test_twitter_v1_lines_with_a_damaged_first_line_or_reply_field_lose_nothing_in_silence(tmp_path: Path) -> None:
    lines = (FIXTURES / "generic_json/twitter_v1_replies.jsonl").read_text().splitlines()
    tweets = [json.loads(line) for line in lines]
    # the first line broken: the others still tell what the file holds (the first line alone had decided)
    damaged = ['{"created_at": "Tue Mar 05', *lines[1:]]
    # a reply field of the wrong type: the number beside it still names the parent; neither, a reject (read as a
    # post of its own, the reply had been lost as a comment)
    tweets[2]["in_reply_to_status_id_str"] = {"x": 1}
    tweets[4]["in_reply_to_status_id_str"], tweets[4]["in_reply_to_status_id"] = ["?"], None
    damaged[2], damaged[4] = json.dumps(tweets[2]), json.dumps(tweets[4])
    path = tmp_path / "tweets.jsonl"
    path.write_text("\n".join(damaged) + "\n")
    assert detect_format(path) == "generic-json"
    result = read_file(path)
    assert [(r.location, r.reason) for r in result.rejects] == [
        ("line 1, column 16", "not valid JSON: Unterminated string starting at"),
        ("line 5", "comment not read: in_reply_to_status_id_str holds no tweet id")]
    comments = {c.id[-2:]: c.parent_id[-2:] if c.parent_id else None for a in result.articles for c in a.comments}
    assert comments == {"02": None, "03": "02", "04": "03", "06": None}


def test_tiktok_replies_name_their_parent_by_reply_ids(tmp_path: Path) -> None:
    # TikTok's reply lists name the top comment (reply_id) and the reply answered (reply_to_reply_id, "0" for
    # none); read flat, the replies had no parents
    path = tmp_path / "replies.json"
    path.write_text(json.dumps({"comments": [
        {"cid": "7301", "text": "Too much.", "create_time": 1709632800, "user": {"unique_id": "ann"}, "reply_id": "0",
         "reply_to_reply_id": "0"},
        {"cid": "7302", "text": "Fine.", "create_time": 1709633100, "user": {"unique_id": "bo"}, "reply_id": "7301",
         "reply_to_reply_id": "0"},
        {"cid": "7303", "text": "Is it?", "create_time": 1709633400, "user": {"unique_id": "cy"},
         "reply_id": "7301", "reply_to_reply_id": "7302"}], "has_more": 0}))
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author) for c in article.comments] == [
        ("7301", None, 0, "ann"), ("7302", "7301", 1, "bo"), ("7303", "7302", 2, "cy")]
    # a "reply_id" alone may be the comment's own id: it names no parent
    path.write_text(json.dumps([{"reply_id": "r1", "text": "Too much.", "author": "ann"},
                                {"reply_id": "r2", "text": "Fine.", "author": "bo", "replies": []}]))
    assert [c.parent_id for c in read_file(path).articles[0].comments] == [None, None]
