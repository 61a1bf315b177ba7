"""The saved-HTML reader on pages written for these tests (all text invented)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.readers import ReaderError, detect_format, read_file
from analyzer.readers import html as html_reader
from analyzer.readers.html import decode_page, read_html, sniff
from analyzer.records import Article

HTML = Path(__file__).resolve().parent / "fixtures" / "html"


def _read(name: str, **kwargs) -> Article:
    return read_html((HTML / name).read_bytes(), str(HTML / name), **kwargs)


# --- WordPress ---------------------------------------------------------------------------------


def test_wordpress_thread_keeps_nesting_authors_times_and_order():
    article = _read("wordpress_nested.html")
    assert [c.id for c in article.comments] == [f"comment-{n}" for n in range(9001, 9006)]
    first, reply, reply_to_reply, pending, pingback = article.comments
    assert (first.parent_id, first.depth) == (None, 0)
    assert (reply.parent_id, reply.depth) == ("comment-9001", 1)
    assert (reply_to_reply.parent_id, reply_to_reply.depth) == ("comment-9002", 2)
    assert (pending.parent_id, pending.depth) == (None, 0)
    authors = [c.author for c in article.comments[:4]]
    assert authors == ["Marguerite Olsen", "Tobias Reyes", "Marguerite Olsen", "Pieter Vance"]
    assert first.time == "2021-03-04T09:02:11+00:00"
    assert [c.position for c in article.comments] == [0, 1, 2, 3, 4]


def test_wordpress_comment_text_is_the_content_only():
    first = _read("wordpress_nested.html").comments[0]
    assert first.text == (
        "Withdrawing the last boat means I cannot take the evening shift at the bakery any more.\n\n"
        "Has anyone asked the operator about a shared taxi boat instead?"
    )


def test_status_and_kind_come_from_the_markup():
    article = _read("wordpress_nested.html")
    pending = article.comments[3]
    assert pending.status == "pending"
    assert "awaiting moderation" not in pending.text
    assert [c.status for c in article.comments if c is not pending] == ["published"] * 4
    assert article.comments[4].kind == "pingback"
    assert article.comments[4].text.startswith("Pingback:")


def test_leave_a_reply_form_and_comment_policy_are_not_comments():
    article = _read("wordpress_nested.html")
    texts = " ".join(c.text for c in article.comments)
    for boilerplate in ("Leave a Reply", "comment policy", "Required fields", "Post Comment", "Cancel reply"):
        assert boilerplate not in texts
    assert len(article.comments) == 5


def test_forms_templates_popups_widgets_and_footers_marked_as_comments_are_not_comments():
    article = _read("comment_lookalikes.html")
    expected = [("comment-501", "Hollis Brand"), ("comment-502", "Agnes Morrow")]
    assert [(c.id, c.author) for c in article.comments] == expected
    assert article.comments[1].text == "Does the towpath reopen as well, or _only_ the lock?"  # emphasis, not a template


def test_a_page_whose_only_comment_markup_is_lookalikes_has_no_comments():
    page = (HTML / "comment_lookalikes.html").read_text(encoding="utf-8")
    start, end = page.index('<ol class="commentlist">'), page.index("</ol>") + len("</ol>")
    article = read_html((page[:start] + page[end:]).encode(), "lookalikes.html", line_model=_StartAt(None))
    assert article.comments == []
    assert "lock keeper" in article.body


def test_body_has_the_article_and_no_comment_text():
    article = _read("wordpress_nested.html")
    assert "third change in twelve months" in article.body
    assert "transport committee" in article.body
    for comment in article.comments:
        assert comment.text.split("\n")[0] not in article.body
    assert "Leave a Reply" not in article.body


def test_page_metadata_and_declared_count():
    article = _read("wordpress_nested.html")
    assert article.title == "Harbour ferry timetable changes again"
    assert article.url == "https://gazette.example.org/2021/03/harbour-ferry-timetable/"
    assert article.date == "2021-03-04T08:15:00+00:00"
    assert article.declared_comment_count == 5
    assert article.format == "html"


# --- Disqus embed: nothing to read -------------------------------------------------------------


def test_disqus_thread_page_is_read_threaded():
    # the page Disqus's embed draws in its frame, as a scraper fetches it or a browser saves it with the page
    article = _read("disqus_thread_frame.html")
    assert [(c.id, c.parent_id, c.depth, c.author, c.time) for c in article.comments] == [
        ("comment-5001", None, 0, "Ann Lee", "2024-01-05T10:00:00"),
        ("comment-5002", "comment-5001", 1, "Bo Park", "2024-01-05T10:30:00"),
        ("comment-5003", None, 0, "Cy", "2024-01-06T09:00:00")]
    assert [c.text for c in article.comments] == ["The new timetable leaves the island without an evening boat.",
                                                  "There is the 21:40 on Fridays, at least.",
                                                  "Commuters were never asked about any of this."]
    assert article.declared_comment_count == 3


def test_disqus_embed_page_has_zero_comments():
    article = _read("disqus_embed.html")
    assert article.comments == []
    assert article.declared_comment_count is None
    assert "nightly snapshots" in article.title
    assert "halved our storage bill" in article.body
    assert "enable JavaScript" not in article.body
    assert article.url == "https://copperkettle.example.com/blog/nightly-snapshots/"
    assert article.extra["comments_loaded_by"] == "Disqus"


_SCRIPTED_PAGE = """<!doctype html><html><head><title>Ferry timetable changes</title></head><body>
<article><h1>Ferry timetable changes</h1><p>{body}</p></article>
<section><h2>Comments</h2><p>Comments are moderated. Be civil.</p><p>Sign in to comment.</p>{embed}</section>
<footer>Contact us. Privacy.</footer></body></html>"""


@pytest.mark.parametrize(("embed", "system"), [
    ('<div id="coral_thread"></div><script src="/assets/js/embed.js"></script>', "Coral"),
    ('<div data-spotim-module="conversation" data-post-id="123"></div>', "OpenWeb (Spot.IM)"),
    ("<vf-conversations></vf-conversations>", "Viafoura"),
    ('<script src="https://giscus.app/client.js" data-repo="a/b" async></script>', "giscus"),
])
def test_a_page_whose_comments_a_script_loads_says_which_system_holds_them(tmp_path, embed, system, capsys):
    from analyzer.cli import main

    path = tmp_path / "ferry.html"
    body = "The operator will cut two evening sailings from May, citing crew shortages and fuel costs. " * 4
    path.write_text(_SCRIPTED_PAGE.format(body=body, embed=embed))
    [article] = read_file(path).articles
    assert article.comments == [] and article.extra["comments_loaded_by"] == system
    assert main(["split", str(path), "-o", str(tmp_path / "out.jsonl")]) == 0
    assert f"comments loaded by a script ({system}) are not in the saved page" in capsys.readouterr().err


_MICRODATA_PAGE = """<!doctype html><html><head><title>Council approves new bike lanes</title></head><body>
<article><h1>Council approves new bike lanes</h1>
<div><p>The city council voted 7-2 on Tuesday to approve protected bike lanes on Main Street, after months of
debate between cyclists and shop owners.</p><p>Construction starts in spring, officials said.</p></div>
<section class="discussion">
<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Rita M.</span></span>
  <time itemprop="dateCreated" datetime="2024-05-01T09:00:00Z">May 1</time>
  <div itemprop="text"><p>Finally! My commute will be so much safer.</p></div>
  <div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
    <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Dan K.</span></span>
    <time itemprop="dateCreated" datetime="2024-05-01T10:00:00Z">May 1</time>
    <div itemprop="text"><p>Safer for you, ruinous for the shops that lose parking.</p></div>
  </div>
</div>
<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
  <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Lee</span></span>
  <time itemprop="dateCreated" datetime="2024-05-02T08:00:00Z">May 2</time>
  <div itemprop="text"><p>Six months of digging on Main Street will hurt everyone.</p></div>
</div></section></article></body></html>"""


def test_schema_org_comment_microdata_gives_threaded_comments(tmp_path):
    path = tmp_path / "lanes.html"
    path.write_text(_MICRODATA_PAGE)
    [article] = read_file(path).articles
    comments = [(c.parent_id is not None, c.depth, c.author, c.time, c.text) for c in article.comments]
    assert comments == [
        (False, 0, "Rita M.", "2024-05-01T09:00:00+00:00", "Finally! My commute will be so much safer."),
        (True, 1, "Dan K.", "2024-05-01T10:00:00+00:00", "Safer for you, ruinous for the shops that lose parking."),
        (False, 0, "Lee", "2024-05-02T08:00:00+00:00", "Six months of digging on Main Street will hurt everyone.")]
    assert article.comments[1].parent_id == article.comments[0].id
    assert "Construction starts in spring" in article.body and "ruinous" not in article.body
    assert article.declared_comment_count is None  # the page states no count


@pytest.mark.parametrize("metadata", [
    '<meta itemprop="commentCount" content="14">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Lanes", "commentCount": 14}</script>',
])
def test_schema_org_comment_count_is_the_declared_count(tmp_path, metadata):
    path = tmp_path / "lanes.html"
    path.write_text(_MICRODATA_PAGE.replace("</head>", metadata + "</head>"))
    [article] = read_file(path).articles
    assert article.declared_comment_count == 14 and len(article.comments) == 3


_FORUM_LD = {"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "A second bridge?",
             "text": "The council wants 40 million for a second bridge.", "commentCount": 3, "comment": [
                 {"@type": "Comment", "@id": "#p2", "text": "Yes, traffic is awful.", "author": {"name": "Ann"},
                  "datePublished": "2024-05-01T09:00:00Z", "comment": [
                      {"@type": "Comment", "@id": "#p3", "text": "Because of the roadworks.", "author": "Bo"}]},
                 {"@type": "Comment", "@id": "#p4", "text": "No. Fix the buses first.", "author": {"name": "Cy"}}]}


def test_comments_given_as_json_ld_are_read_threaded_and_kept_out_of_the_body(tmp_path):
    import json

    shown = "".join(f'<div class="post">{text}</div>' for text in (
        "Yes, traffic is awful.", "Because of the roadworks.", "No. Fix the buses first."))
    path = tmp_path / "thread.html"
    path.write_text(f'<!doctype html><html><head><title>A second bridge?</title><script type="application/ld+json">'
                    f'{json.dumps(_FORUM_LD)}</script></head><body><main><h1>A second bridge?</h1>'
                    f'<p>The council wants 40 million for a second bridge.</p>{shown}</main></body></html>')
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.text) for c in article.comments] == [
        ("#p2", None, 0, "Ann", "Yes, traffic is awful."), ("#p3", "#p2", 1, "Bo", "Because of the roadworks."),
        ("#p4", None, 0, "Cy", "No. Fix the buses first.")]
    assert article.comments[0].time == "2024-05-01T09:00:00+00:00" and article.declared_comment_count == 3
    assert "second bridge" in article.body and "roadworks" not in article.body


def test_a_wordpress_block_theme_comment_list_is_read_threaded(tmp_path):
    # WordPress 6 block themes (Twenty Twenty-Four …) render the list as ol.wp-block-comment-template
    def item(cid: int, author: str, when: str, text: str, children: str = "", depth: int = 1) -> str:
        return (f'<li id="comment-{cid}" class="comment depth-{depth}"><div class="wp-block-group">'
                f'<div class="wp-block-comment-author-name">{author}</div><div class="wp-block-comment-date">'
                f'<time datetime="{when}"><a href="#comment-{cid}">{when}</a></time></div>'
                f'<div class="wp-block-comment-content"><p>{text}</p></div><div class="wp-block-comment-reply-link">'
                f'<a class="comment-reply-link" href="#comment-{cid}">Reply</a></div></div>{children}</li>')

    reply = f'<ol class="children">{item(13, "Ben", "2024-06-03T10:00:00+00:00", "They found corrosion.", depth=2)}</ol>'
    page = ('<!DOCTYPE html><html><head><title>Harbour bridge reopens</title></head><body class="single-post">'
            '<main class="wp-block-group"><h1 class="wp-block-post-title">Harbour bridge reopens</h1>'
            '<div class="entry-content wp-block-post-content"><p>The harbour bridge reopened on Monday after eighteen '
            'months of repairs that ran well over budget, the council said.</p></div>'
            '<div class="wp-block-comments"><h2 class="wp-block-comments-title">2 responses</h2>'
            f'<ol class="wp-block-comment-template">{item(12, "Ann", "2024-06-03T09:12:00+00:00", "A scandal.", reply)}'
            '</ol></div></main></body></html>')
    path = tmp_path / "bridge.html"
    path.write_text(page)
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        ("comment-12", None, 0, "Ann", "2024-06-03T09:12:00+00:00", "A scandal."),
        ("comment-13", "comment-12", 1, "Ben", "2024-06-03T10:00:00+00:00", "They found corrosion.")]
    assert "corrosion" not in article.body


def _forum_page(comments: str) -> str:
    return ('<!DOCTYPE html><html><head><title>Ferry timetable cut</title></head><body><article><h1>Ferry timetable '
            'cut</h1><p>The island ferry will run four times a day instead of six from March, the operator said on '
            f'Tuesday, citing crew shortages.</p></article><div id="comments">{comments}</div></body></html>')


def test_a_comment_subject_line_is_part_of_its_text_a_reply_subject_is_not():
    # SB Nation / JomComment style: the commenter's own subject sits outside the text block; a subject-only
    # comment keeps its subject as its text; "Re: …" is made by the reply button, "..." is a placeholder;
    # Drupal fills an empty subject with the text's opening words; a theme's header classed as a title is the
    # author line, no subject
    article = _read("subject_line_comments.html")
    assert [(c.author, c.time, c.text) for c in article.comments] == [
        ("User 1", "2024-03-03T17:21:00", "Four runs is not enough\n\nCommuters will drive instead."),
        ("User 2", "2024-03-03T17:21:00", "Agreed, a bad call"), ("User 3", "2024-03-03T17:21:00", "Crews are short."),
        ("User 4", "2024-03-03T17:21:00", "Buses then."),
        ("User 5", "2024-03-03T17:21:00", "Winter timetables were never full."), ("Ann", None, "Sundays too?")]


def test_a_comment_that_is_a_relative_time_word_is_a_comment_not_a_header(tmp_path):
    def item(cid: int, author: str, text: str) -> str:
        return (f'<li class="comment" id="comment-{cid}"><cite class="fn">{author}</cite>'
                f'<div class="comment-content"><p>{text}</p></div></li>')

    path = tmp_path / "when.html"
    path.write_text(_forum_page(f'<ol class="comment-list">{item(11, "Ann", "When does it start?")}'
                                f'{item(12, "Bo", "Yesterday.")}{item(13, "Cy", "Too late.")}</ol>'))
    assert [(c.author, c.text) for c in read_file(path).articles[0].comments] == [
        ("Ann", "When does it start?"), ("Bo", "Yesterday."), ("Cy", "Too late.")]


def test_an_asp_net_page_form_holds_comments_opened_by_their_anchors(tmp_path):
    # ASP.NET Web Forms wrap the whole page in one form (its __VIEWSTATE first): the page, not an input form;
    # an older blog engine opens each comment's block with an empty <a name="comment…"> and ends it with a
    # footer naming the date and then the commenter
    def block(cid: int, text: str, when: str, author: str) -> str:
        return (f'<div class="Normal"><a name="comment{cid}"></a>{text}<p class="postfoot">posted on {when} by '
                f'<a href="https://example.org/{author}" rel="nofollow">{author}</a></p></div><hr>')

    path = tmp_path / "blog.aspx.html"
    path.write_text('<!DOCTYPE html><html><head><title>Ferry timetable cut</title></head><body>'
                    '<form method="post" action="blog.aspx" id="Form"><div><input type="hidden" name="__VIEWSTATE" '
                    'value="dDwtMTA4MTk="></div><div class="post"><h1>Ferry timetable cut</h1><p>The island ferry '
                    'will run four times a day instead of six from March, the operator said.</p></div>'
                    '<div class="post"><h3>COMMENTS</h3>'
                    + block(184238, "Four runs will not do.", "Wednesday, October 24, 2012 at 7:26 PM", "Darren")
                    + block(184265, "Crews come first.", "Thursday, October 25, 2012 at 2:11 AM", "Shachar")
                    + '</div><input type="text" name="comment"></form></body></html>')
    [article] = read_file(path).articles
    assert [(c.id, c.author, c.time, c.text) for c in article.comments] == [
        ("comment-184238", "Darren", "2012-10-24T19:26:00", "Four runs will not do."),
        ("comment-184265", "Shachar", "2012-10-25T02:11:00", "Crews come first.")]


def test_a_meta_line_under_the_text_names_the_author_and_leaves_the_text(tmp_path):
    # p.comment-meta inside the text block: "by Ann on March 3, 2024 at 8:43 pm. Reply #"
    def item(cid: int, author: str, text: str) -> str:
        return (f'<div class="comment" id="comment-{cid}"><div class="comment-body"><p>{text}</p>'
                f'<p class="comment-meta">by {author} on March 3, 2024 at 8:43 pm. <a class="comment-reply-link" '
                f'href="#respond">Reply</a> <a href="#comment-{cid}">#</a></p></div></div>')

    path = tmp_path / "meta.html"
    path.write_text(_forum_page(item(181, "peter cowan", "Four runs will not do.") + item(182, "Ann", "Agreed.")))
    assert [(c.author, c.time, c.text) for c in read_file(path).articles[0].comments] == [
        ("peter cowan", "2024-03-03T20:43:00", "Four runs will not do."), ("Ann", "2024-03-03T20:43:00", "Agreed.")]


def test_a_camel_case_comment_class_marks_a_comment(tmp_path):
    # Blogger's classic template: div.blogComment holding the text and a byline; "latestComment" is a widget
    def item(cid: int, text: str) -> str:
        return f'<div class="blogComment"><a name="{cid}"></a>{text}<div class="byline">#</div></div>'

    path = tmp_path / "blog.html"
    path.write_text(_forum_page('<div class="blogComments">' + item(61, "Six runs were never full.")
                                + item(62, "Winter is the problem.") + '</div><div class="latestComment">'
                                '<p>Elsewhere: a post about trains.</p></div>'))
    [article] = read_file(path).articles
    assert [c.text for c in article.comments] == ["Six runs were never full.", "Winter is the problem."]


def test_a_definition_list_in_the_comment_section_is_read_as_headed_comments():
    # older themes: #comments > dl, a dt header (number, author, date) before each dd text, no comment classes;
    # the headers stay out of the body; a dl of two terms in the article is no comment list, nor is a list of
    # trackbacks (each linking page over the date it linked)
    article = _read("definition_list_comments.html")
    assert [(c.author, c.time, c.text) for c in article.comments] == [
        ("Mara Quill", "2024-03-03T00:00:00", "Four runs will not do."), ("Dov", "2024-03-03T00:00:00",
                                                                          "Crews come first.")]
    assert "Mara Quill" not in article.body and "crew shortages" in article.body


def test_a_marked_dt_header_gives_its_author_and_date_to_the_dd_after_it(tmp_path):
    # dt.comment + dd.comment (Thesis, Regulus): the header's date is plain text, its author a site link or none
    def entry(cid: int, author: str, text: str) -> str:
        return (f'<dt id="comment-{cid}" class="comment depth-1">{cid}. {author} - 9 December, 2011</dt>'
                f'<dd class="comment depth-1"><div class="comment" id="div-comment-{cid}"><p>{text}</p></div></dd>')

    path = tmp_path / "thesis.html"
    path.write_text(_forum_page('<dl class="commentlist">'
                                + entry(71, '<a href="https://ann.example.org" rel="external nofollow" class="url">Ann</a>',
                                        "Four runs will not do.") + entry(72, "bob the cat", "Crews first.") + '</dl>'))
    [article] = read_file(path).articles
    assert [(c.id, c.author, c.time, c.text) for c in article.comments] == [
        ("comment-71", "Ann", "2011-12-09T00:00:00", "Four runs will not do."),
        ("comment-72", "bob the cat", "2011-12-09T00:00:00", "Crews first.")]


def _hn_row(cid: int, indent: int, user: str, when: str, text: str) -> str:
    """A Hacker News comment row as its item pages print it."""
    return (f'<tr class="athing comtr" id="{cid}"><td><table border="0"><tr><td class="ind" indent="{indent}">'
            f'<img src="s.gif" height="1" width="{40 * indent}"></td><td class="default"><div><span class="comhead">'
            f'<a href="user?id={user}" class="hnuser">{user}</a> <span class="age" title="{when} 1717400000">'
            f'<a href="item?id={cid}">1 day ago</a></span></span></div><br><div class="comment">'
            f'<div class="commtext c00">{text}</div><div class="reply"><p><a href="reply?id={cid}">reply</a></div>'
            f'</div></td></tr></table></td></tr>')


def test_a_saved_hacker_news_item_page_gives_threaded_comments_with_authors_and_times(tmp_path):
    rows = (_hn_row(101, 0, "ann", "2024-06-03T09:00:00", "Eighteen months is long for a deck.")
            + _hn_row(102, 1, "ben", "2024-06-03T09:30:00", "Corrosion, as usual.")
            + _hn_row(103, 0, "cy", "2024-06-03T11:00:00", "Tolls will pay for it."))
    path = tmp_path / "item.html"
    path.write_text('<html op="item"><head><title>Harbour bridge reopens | Hacker News</title></head><body>'
                    '<table id="hnmain"><tr><td><table class="fatitem"><tr class="athing submission" id="100">'
                    '<td class="title"><span class="titleline"><a href="https://example.com/b">Harbour bridge reopens'
                    f'</a></span></td></tr></table><table class="comment-tree">{rows}</table></td></tr></table>'
                    '</body></html>')
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        ("comment-101", None, 0, "ann", "2024-06-03T09:00:00", "Eighteen months is long for a deck."),
        ("comment-102", "comment-101", 1, "ben", "2024-06-03T09:30:00", "Corrosion, as usual."),
        ("comment-103", None, 0, "cy", "2024-06-03T11:00:00", "Tolls will pay for it.")]


def _reddit_thing(cid: str, author: str, when: str, text: str, children: str = "") -> str:
    """An old.reddit.com comment as its thread pages print it: the text inside a hidden edit form."""
    return (f'<div class="thing id-t1_{cid} noncollapsed comment" data-fullname="t1_{cid}"><div class="entry">'
            f'<p class="tagline"><a href="/user/{author}" class="author">{author}</a> <span class="score">4 points'
            f'</span> <time datetime="{when}">1 day ago</time></p><form class="usertext"><div class="usertext-body">'
            f'<div class="md"><p>{text}</p></div></div></form><ul class="flat-list buttons"><li><a href="#">permalink'
            f'</a></li><li><a href="#">reply</a></li></ul></div><div class="child">{children}</div></div>')


def test_a_saved_old_reddit_thread_page_gives_threaded_comments_and_keeps_the_post_as_body(tmp_path):
    reply = f'<div class="sitetable listing">{_reddit_thing("c2", "ben", "2024-06-03T09:30:00+00:00", "Corrosion.")}</div>'
    comments = (_reddit_thing("c1", "ann", "2024-06-03T09:00:00+00:00", "A scandal.", reply)
                + _reddit_thing("c3", "cy", "2024-06-03T11:00:00+00:00", "Glad it is open."))
    path = tmp_path / "thread.html"
    path.write_text('<!doctype html><html><head><title>Harbour bridge reopens : harbourtown</title></head><body>'
                    '<div class="content"><div class="thing id-t3_p1 link self"><p class="title">Harbour bridge reopens'
                    '</p><div class="expando"><form class="usertext"><div class="usertext-body"><div class="md"><p>The '
                    'council reopened the bridge today after eighteen months of repairs.</p></div></div></form></div>'
                    f'</div><div class="commentarea"><div class="sitetable nestedlisting">{comments}</div></div></div>'
                    '</body></html>')
    [article] = read_file(path).articles
    assert [(c.parent_id is not None, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        (False, 0, "ann", "2024-06-03T09:00:00+00:00", "A scandal."),
        (True, 1, "ben", "2024-06-03T09:30:00+00:00", "Corrosion."),
        (False, 0, "cy", "2024-06-03T11:00:00+00:00", "Glad it is open.")]
    assert "eighteen months of repairs" in article.body and "points" not in article.body


def _shreddit_comment(cid: str, author: str, depth: int, text: str, children: str = "", parent: str = "",
                      deleted: bool = False) -> str:
    """A www.reddit.com comment as its saved thread pages hold it: a web component, its text in a slot."""
    parent_attribute = f' parentid="t1_{parent}"' if parent else ""
    deleted_attribute = ' is-comment-deleted="true"' if deleted else ""
    return (f'<shreddit-comment author="{author}" thingid="t1_{cid}" depth="{depth}" postid="t3_p1" score="4"'
            f'{parent_attribute}{deleted_attribute} created="2024-06-03T09:0{depth}:00.000000+0000"><div slot="commentMeta"><a href="/user/{author}/">'
            f'{author}</a> <faceplate-timeago ts="2024-06-03T09:00:00.000Z">1d ago</faceplate-timeago></div>'
            f'<div slot="comment"><p>{text}</p></div><div slot="actionRow"><button>Reply</button><button>Share'
            f'</button></div>{children}</shreddit-comment>')


def test_a_saved_reddit_thread_page_gives_its_comment_components_threaded(tmp_path):
    # the page www.reddit.com serves today: no comment markup but its shreddit-* components
    reply = _shreddit_comment("c2", "ben", 1, "Corrosion, as usual.", parent="c1")
    comments = (_shreddit_comment("c1", "ann", 0, "Eighteen months is long.", reply)
                + _shreddit_comment("c3", "[deleted]", 0, "[deleted]", deleted=True))
    path = tmp_path / "thread.html"
    path.write_text('<!doctype html><html><head><title>Harbour bridge reopens : r/harbourtown</title></head><body>'
                    '<shreddit-app><main><shreddit-post id="t3_p1" post-title="Harbour bridge reopens" comment-count="5"'
                    ' author="ed"><h1 slot="title">Harbour bridge reopens</h1><div slot="text-body"><p>The council '
                    'reopened the bridge today after eighteen months of repairs.</p></div></shreddit-post>'
                    f'<shreddit-comment-tree post-id="t3_p1">{comments}</shreddit-comment-tree></main></shreddit-app>'
                    '</body></html>')
    [article] = read_file(path).articles
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.status, c.text, c.extra) for c in article.comments] == [
        ("c1", None, 0, "ann", "2024-06-03T09:00:00+00:00", "published", "Eighteen months is long.", {"score": 4}),
        ("c2", "c1", 1, "ben", "2024-06-03T09:01:00+00:00", "published", "Corrosion, as usual.", {"score": 4}),
        ("c3", None, 0, "[deleted]", "2024-06-03T09:00:00+00:00", "deleted", "[deleted]", {"score": 4})]
    assert article.declared_comment_count == 5 and "eighteen months of repairs" in article.body
    assert "Corrosion" not in article.body and "Reply" not in article.body


def test_a_wpdiscuz_thread_gives_ids_times_from_titles_and_the_count():
    # wpDiscuz, a common WordPress comment plugin: "5 years ago" shown, the date in the element's title,
    # the element named wpd-comm-<id>_<parent>, the count in a data attribute beside "3 Comments"
    article = _read("wpdiscuz_thread.html")
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        ("comment-41", None, 0, "Hana", "2019-10-06T09:12:00", "One day of talks after months of waiting is a bad sign."),
        ("comment-42", "comment-41", 1, "Dae-ho", "2019-10-06T10:02:00",
         "At least they met at all. Last year there was nothing."),
        ("comment-43", None, 0, "Sunny", "2019-10-06T11:30:00", "The framework was never realistic in the first place.")]
    assert article.declared_comment_count == 3
    assert "Join the discussion" not in article.body and "bad sign" not in article.body


# --- a generic (Drupal-like) comment section ---------------------------------------------------


def test_generic_comment_section_with_reply_blocks_and_anchor_ids():
    article = _read("generic_section.html")
    assert [c.id for c in article.comments] == ["comment-501", "comment-502", "comment-503", "comment-504"]
    assert [c.author for c in article.comments] == ["Harriet Quill", "Desmond Achebe", "Anonymous", "Orla Brennan"]
    assert article.comments[1].parent_id == "comment-501"
    assert [c.depth for c in article.comments] == [0, 1, 0, 0]
    assert article.comments[0].text == "About time. Sunday is the only day I can bring the twins."
    assert article.comments[0].time == "2016-02-09T18:20:00"
    assert article.declared_comment_count == 4


def test_moderator_removed_comment_is_deleted():
    statuses = {c.id: c.status for c in _read("generic_section.html").comments}
    assert statuses == {
        "comment-501": "published",
        "comment-502": "published",
        "comment-503": "deleted",
        "comment-504": "published",
    }


# --- localisation and encodings ----------------------------------------------------------------


def test_german_header_gives_declared_count_above_the_comments_present():
    article = _read("german_wordpress.html")
    assert article.declared_comment_count == 3
    assert [c.author for c in article.comments] == ["Jörg Weißmüller", "Anneliese Groß"]
    assert article.comments[1].text == (
        "Zehn Wochen Umleitung über die Uferstraße – das wird für die Anwohner schwierig."
    )
    assert article.comments[0].time == "2022-05-18T09:12:00+02:00"
    texts = " ".join(c.text for c in article.comments)
    assert "Schreibe einen Kommentar" not in texts and "Antworten abbrechen" not in texts


@pytest.mark.parametrize(
    ("heading", "count"),
    [
        ("8 thoughts on &ldquo;Talks resume&rdquo;", 8),
        ("Comments (78 comments)", 78),
        ("78 Kommentare", 78),
        ("23 Responses to &ldquo;Talks resume&rdquo;", 23),
        ("soundoff <span>(1,204 Responses)</span>", 1204),
        ("Comments (12)", 12),
    ],
)
def test_declared_count_phrasings(heading: str, count: int):
    page = f"<html><body><p>Body text of a short page.</p><h3 class='comments-title'>{heading}</h3></body></html>"
    assert read_html(page.encode(), "count.html").declared_comment_count == count


def test_cp1252_bytes_declared_as_utf8_are_read_leniently():
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Caf\u00e9 review</title></head><body>'
        "<article><p>The caf\u00e9\u2019s cr\u00e8me br\u00fbl\u00e9e costs \u20ac4 \u2013 worth every cent."
        "</p></article>"
        "</body></html>"
    ).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    assert "caf\u00e9\u2019s cr\u00e8me br\u00fbl\u00e9e costs \u20ac4 \u2013 worth" in decode_page(page).text
    assert read_html(page, "cafe.html").title == "Caf\u00e9 review"


def test_utf8_bytes_declared_as_latin1_are_not_turned_into_mojibake():
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Gr\u00fc\u00dfe aus K\u00f6ln</p></body></html>'
    assert "Gr\u00fc\u00dfe aus K\u00f6ln" in decode_page(page.encode("utf-8")).text


def test_utf16_page_with_byte_order_mark():
    page = "<html><body><p>Gr\u00fc\u00dfe aus K\u00f6ln</p></body></html>".encode("utf-16")
    assert "Gr\u00fc\u00dfe aus K\u00f6ln" in decode_page(page).text


def test_empty_page_is_an_error_naming_the_file():
    with pytest.raises(ReaderError, match="blank.html"):
        read_html(b"   \n", "blank.html")


# --- the fallback: comment text without comment markup -----------------------------------------


class _StartAt:
    """A stand-in line model that puts the comment start at the line holding ``marker`` (None: no comments)."""

    def __init__(self, marker: str | None) -> None:
        self.marker = marker
        self.seen: list[str] = []
        self.extra_margin: float | None = None

    def comment_start(self, lines: list[str], extra_margin: float = 0.0) -> int | None:
        self.seen, self.extra_margin = lines, extra_margin
        return None if self.marker is None else next(i for i, line in enumerate(lines) if self.marker in line)


_FLAT_PAGE = """<html><head><title>Flat blog</title></head><body><div class="post">
<h1>Notes from the allotment</h1>
<p>The broad beans went in early this year and the frost did not touch them, which was a relief after last spring.</p>
<p>Next week the onion sets go in along the south fence, where the soil drains best after rain.</p>
<a id="comments"></a>
<p>Rosalind Peake says:</p>
<p>Mine were flattened by pigeons, so netting goes on first this time.</p>
<p>How deep do you plant the onion sets?</p>
</div></body></html>"""


def test_without_comment_markup_the_line_model_finds_where_comments_begin():
    model = _StartAt("Rosalind Peake says:")
    article = read_html(_FLAT_PAGE.encode(), "flat.html", line_model=model)
    assert any("broad beans" in line for line in model.seen)
    assert [c.text for c in article.comments] == [
        "Mine were flattened by pigeons, so netting goes on first this time.",
        "How deep do you plant the onion sets?",
    ]
    assert article.comments[0].author == "Rosalind Peake"
    assert "pigeons" not in article.body and "broad beans" in article.body


_TYPEPAD_PAGE = """<html><head><title>Typepad-style blog</title></head><body><div class="entry">
<h1>Why the tram timetable matters</h1>
<p>A timetable is a promise, and the new one breaks it twice a day for anyone changing at the river stop.</p>
<h3 id="comments">Comments</h3>
<p>Thanks for writing this up, the river stop is a mess in the mornings.</p>
<p>Posted by: Wendell Ash | March 26, 2007 2:50 PM</p>
<p>Could the operator not hold the connecting tram for two minutes?</p>
<p>Posted by: Ida Morrow | March 27, 2007 9:05 AM</p>
</div></body></html>"""


def test_posted_by_lines_become_author_and_time_of_the_comment_before():
    article = read_html(_TYPEPAD_PAGE.encode(), "typepad.html", line_model=_StartAt("Thanks for writing"))
    assert [(c.author, c.time) for c in article.comments] == [
        ("Wendell Ash", "2007-03-26T14:50:00"),
        ("Ida Morrow", "2007-03-27T09:05:00"),
    ]
    assert article.comments[1].text == "Could the operator not hold the connecting tram for two minutes?"


def test_the_fallback_asks_the_line_model_for_more_evidence_than_plain_text():
    model = _StartAt("Rosalind Peake says:")
    read_html(_FLAT_PAGE.encode(), "flat.html", line_model=model)
    assert model.extra_margin == html_reader.FALLBACK_EXTRA_MARGIN > 0


def test_a_page_naming_no_comment_section_is_not_searched_for_comment_text():
    model = _StartAt("Rosalind Peake says:")
    page = _FLAT_PAGE.replace('<a id="comments"></a>', "")
    article = read_html(page.encode(), "flat.html", line_model=model)
    assert model.seen == [] and article.comments == []
    assert "pigeons" in article.body


def test_line_model_saying_no_comments_leaves_the_page_whole():
    article = read_html(_FLAT_PAGE.encode(), "flat.html", line_model=_StartAt(None))
    assert article.comments == []
    assert "pigeons" in article.body


# --- sniffing and the registry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "suffix", "expected"),
    [
        (b"<!DOCTYPE html>\n<html lang='en'><head>", ".txt", "sure"),
        (b"\n\n  <html>\n<head><title>x</title>", "", "sure"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">', ".xhtml", "sure"),
        (b"<head><meta charset='utf-8'><title>fragment</title>", ".dat", "likely"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">',
            ".xml",
            "no",
        ),
        (b'<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com">', ".xml", "no"),
        (b"8 thoughts on the talks\nA reader wrote this.", ".txt", "no"),
        (b" date 2019-11-14 <title> of a plain-text scrape\n\nBody text.", ".txt", "no"),
    ],
)
def test_sniff(head: bytes, suffix: str, expected: str):
    confidence = sniff(head, Path(f"page{suffix}"))
    if expected == "sure":
        assert confidence >= 0.9
    elif expected == "likely":
        assert 0.5 <= confidence < 0.9
    else:
        assert confidence == 0.0


def test_registered_reader_reads_a_file():
    path = HTML / "german_wordpress.html"
    assert detect_format(path) == "html"
    result = read_file(path, "html")
    assert len(result.articles) == 1
    article = result.articles[0]
    assert article.source_file == str(path)
    assert article.id == "german_wordpress"
    assert len(article.comments) == 2
    assert result.rejects == []


def _synthetic_page(number: int) -> tuple[list[str], int]:
    """Invented page lines: article paragraphs, then "Name says:" headed comments."""
    body = [
        f"The district council met on day {number} and agreed a budget for the repair of the old footbridge.",
        "Engineers said the work would take most of the summer and close the towpath on weekdays.",
        "Residents will be consulted on a temporary crossing before the contract is signed.",
        "The footbridge was built in the last century and has been repaired twice since then.",
    ][: 2 + number % 3]
    comments = []
    for reply in range(1 + number % 3):
        comments += [f"Reader{number}x{reply} says:", "I cross there every day, so I hope the crossing is safe!"]
    return body + comments, len(body)


def test_read_html_accepts_a_fitted_line_model(monkeypatch: pytest.MonkeyPatch):
    from threadpoolctl import threadpool_limits

    from training.train_linemodel import fit_line_model

    pages = [_synthetic_page(n) for n in range(24)]
    # One thread: OpenMP workers fighting over a busy CPU make this tiny fit take seconds instead of ms.
    with threadpool_limits(1):
        model = fit_line_model([lines for lines, _ in pages], [start for _, start in pages], max_iter=5)
    # A three-line comment region is far below the fallback's evidence bar; here only the interface is tested.
    monkeypatch.setattr(html_reader, "FALLBACK_EXTRA_MARGIN", 0.0)
    article = read_html(_FLAT_PAGE.encode(), "flat.html", line_model=model)
    assert [(c.author, c.text) for c in article.comments] == [
        ("Rosalind Peake", "Mine were flattened by pigeons, so netting goes on first this time."),
        (None, "How deep do you plant the onion sets?"),
    ]
    assert "broad beans" in article.body and "pigeons" not in article.body


def test_a_page_cut_inside_a_list_with_a_broken_end_tag_is_read(tmp_path):
    # found by the fuzz bench (a damaged download): libxml2 reads "</=" as a markup comment inside the list item,
    # which trafilatura 2.3 cannot take; markup comments are dropped before the body is extracted
    path = tmp_path / "cut.html"
    path.write_bytes(b'<!DOCTYPE html><html><head><title>Ferry</title></head><body><p>The island ferry will run four '
                     b'times a day instead of six from March, the operator said.</p>'
                     b'<ul><div class=post-body><div>><li></=')
    [article] = read_file(path).articles
    assert article.body.endswith("the operator said.") and article.comments == []


def test_a_saved_youtube_watch_page_gives_threaded_comments_dated_from_its_save_time(tmp_path):
    # YouTube draws its comments as web components (ytd-comment-thread-renderer, ytd-comment-view-model); read
    # as generic markup they had neither author, time, id nor thread
    article = _read("youtube_watch_singlefile.html")
    assert (article.title, article.url, article.declared_comment_count) == (
        "Ferry fares explained", "https://www.youtube.com/watch?v=abc123XYZ_0", 3)
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in article.comments] == [
        ("UgzAAA", None, 0, "@annlee", "2024-03-05T15:30:00+01:00", "Eight percent on top of last year's rise is too much."),
        ("UgzAAA.BBB", "UgzAAA", 1, "@skipperjo", "2024-03-05T16:30:00+01:00",
         "@annlee Fuel doubled, what did you expect?"),
        ("UgzCCC", None, 0, "@daytripper", "2024-03-04T18:30:00+01:00", "Will season tickets go up too?")]
    assert article.comments[0].extra == {"time_text": "3 hours ago", "likes": 12,
                                         "time_relative_to": "2024-03-05T18:30:00+01:00"}
    assert "Eight percent" not in article.body
    # YouTube's older markup (ytd-comment-renderer, the time a class of its own), saved without a save mark
    older = (HTML / "youtube_watch_singlefile.html").read_text().replace("Page saved with SingleFile", "Notes")
    older = older.replace("ytd-comment-view-model", "ytd-comment-renderer").replace(
        'id="published-time-text"', 'class="published-time-text style-scope ytd-comment-renderer"')
    path = tmp_path / "watch.html"
    path.write_text(older)
    [saved] = read_file(path).articles
    assert [(c.id, c.author, c.time, c.extra["time_text"]) for c in saved.comments] == [
        ("UgzAAA", "@annlee", None, "3 hours ago"), ("UgzAAA.BBB", "@skipperjo", None, "2 hours ago"),
        ("UgzCCC", "@daytripper", None, "1 day ago (edited)")]
    # saved before the comments were scrolled into view: none, and the page says where they are
    page = (HTML / "youtube_watch_singlefile.html").read_text()
    path.write_text(page[:page.index('<div id="contents"')] + page[page.index("</ytd-item-section-renderer>"):])
    [unloaded] = read_file(path).articles
    assert (unloaded.comments, unloaded.extra["comments_loaded_by"]) == ([], "YouTube")


def test_a_saved_x_post_page_is_the_post_and_its_replies(tmp_path):
    # X draws posts as article[data-testid=tweet]; read as generic markup the page had no comments and its body
    # was every post with its names and counts
    article = _read("x_conversation.html")
    assert (article.title, article.body, article.date, article.declared_comment_count) == (
        "Ferry fares to rise by eight percent in April.", "Ferry fares to rise by eight percent in April.",
        "2024-03-05", 12)
    # X's markup does not say which reply answers which: none is threaded
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text, c.extra) for c in article.comments] == [
        ("1765000000000000002", None, None, "Ann Lee", "2024-03-05T09:07:00+00:00",
         "Eight percent on top of last year's rise is too much.", {"handle": "@annlee"}),
        ("1765000000000000003", None, None, "Bo Park", "2024-03-05T09:09:00+00:00",
         "Fuel doubled, what did you expect?", {"handle": "@bopark"})]
    # a news page showing posts in X's markup is not X's page: not read as a post and its replies
    page = (HTML / "x_conversation.html").read_text()
    news = page.replace('<link rel="canonical" href="https://x.com/harbourgazette/status/1765000000000000001">', "")
    news = news.replace('aria-label="Timeline: Conversation"', "").replace(
        '<main role="main">', "<main><article><h1>Fares</h1><p>The operator announced the rise in a post, and "
                              "readers answered at length, mostly against it.</p></article>")
    path = tmp_path / "news.html"
    path.write_text(news)
    [read] = read_file(path).articles
    assert read.title != "Ferry fares to rise by eight percent in April." and read.declared_comment_count is None
    assert not any("handle" in c.extra for c in read.comments)


def test_a_saved_facebook_post_page_gives_its_labelled_comments_threaded_and_dated(tmp_path):
    # Facebook's classes are generated names; its comments are elements of role "article" labelled "Comment by
    # …" and "Reply by … to …'s comment …". Read as generic markup, the page had no comments: they were its body
    article = _read("facebook_post_singlefile.html")
    assert (article.title, article.url) == ("Ferry fares to rise in April",
                                            "https://www.facebook.com/harbourgazette/posts/pfbid0abc")
    assert "Another rise?" not in article.body and "Ferry fares will rise by 12% in April" in article.body
    # a reply answers the latest comment of its thread by the commenter its label names; times as the labels
    # show them, dated from the SingleFile save time; ids from the comment links
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.extra["time_text"]) for c in article.comments] == [
        ("Y29tbWVudDox", None, 0, "Ann Lee", "2024-03-05T15:30:00+00:00", "3 hours ago"),
        ("Y29tbWVudDoy", "Y29tbWVudDox", 1, "Bo Ray", "2024-03-05T16:30:00+00:00", "2 hours ago"),
        ("Y29tbWVudDo0", "Y29tbWVudDoy", 2, "Ann Lee", "2024-03-05T17:30:00+00:00", "an hour ago"),
        ("Y29tbWVudDoz", None, 0, "Ines Moro", "2024-03-04T18:30:00+00:00", "a day ago")]
    assert [c.text for c in article.comments] == [
        "Another rise? The island runs on that ferry.", "Fuel went up for them too, to be fair.",
        "Then subsidise it\n\nlike the bridge was.", "Residents should get a discount card."]
    # elements of role "article" labelled otherwise (a feed's posts) are no comments
    page = (HTML / "facebook_post_singlefile.html").read_text()
    path = tmp_path / "feed.html"
    path.write_text(page.replace('aria-label="Comment by', 'aria-label="Post by').replace(
        'aria-label="Reply by', 'aria-label="Shared by'))
    [read] = read_file(path).articles
    assert not any(c.author in ("Ann Lee", "Bo Ray") and c.id.startswith("Y29") for c in read.comments)


def test_a_page_that_is_one_table_of_comments_is_read_as_that_table(tmp_path):
    # "Export to Excel" in many tools writes an HTML table named .xls: read as a page, its comments had been the
    # body's table and the page had none (exit 0)
    rows = "".join(f"<tr><td>{story}</td><td>{name}</td><td>{text}</td><td>2024-03-05 1{hour}:00</td></tr>"
                   for hour, (story, name, text) in enumerate([("fares", "Ann", "Too much."), ("fares", "Bo", ""),
                                                              ("lane", "Cy", "Fine by me.")]))
    page = (f"<html><head><meta charset='utf-8'><title>Export</title></head><body><table border='1'>"
            f"<tr><th>Story ID</th><th>Author</th><th>Comment</th><th>Date</th></tr>{rows}</table></body></html>")
    path = tmp_path / "comments.xls"
    path.write_text(page, encoding="utf-8")
    assert detect_format(path) == "html"
    result = read_file(path)
    assert [(a.id, [(c.author, c.text, c.time) for c in a.comments]) for a in result.articles] == [
        ("fares", [("Ann", "Too much.", "2024-03-05T10:00:00")]), ("lane", [("Cy", "Fine by me.", "2024-03-05T12:00:00")])]
    assert [(r.location, r.reason) for r in result.rejects] == [("table row 2", "no text in column 'Comment'")]
    assert result.notes == ['an HTML page that is one table of comments (an "Export to Excel" file): read as that table']
    assert {a.format for a in result.articles} == {"html"}  # the reader's name, as everywhere
    # a news page with a table beside its text, and a forum laid out in nested tables, stay pages
    story = "<p>" + "The operator announced the rise on Tuesday, citing fuel costs and the winter timetable. " * 4
    path.write_text(page.replace("<table", story + "</p><table"), encoding="utf-8")
    assert [a.id for a in read_file(path).articles] == ["comments"]
    path.write_text(page.replace("<td>Too much.</td>", "<td><table><tr><td>Too much.</td></tr></table></td>"))
    assert [a.id for a in read_file(path).articles] == ["comments"] and not read_file(path).notes


def test_a_page_in_a_legacy_encoding_it_does_not_declare_is_read_in_it_and_says_so():
    # an old Russian news page saved without a charset: read as cp1252, its title and comments were mojibake
    page = ('<html><head><title>Переговоры в Ханое</title></head><body><article><p>Саммит закончился без '
            'соглашения.</p></article><div id="comments"><div class="comment"><span class="author">Иван</span>'
            "<p>Ким ничего не отдал, а Трамп просто ушёл из зала.</p></div></div></body></html>").encode("cp1251")
    decoded = decode_page(page)
    assert "Саммит закончился без соглашения." in decoded.text
    assert decoded.repairs == [("file", "not UTF-8: read as cp1251, the encoding its bytes suggest "
                                        "(name another with --encoding)")]
    # the encoding it declares is believed
    declared = page.replace(b"<head>", b'<head><meta charset="koi8-r">')
    assert "Саммит" not in decode_page(declared).text and decode_page(declared).repairs == []


def test_a_stray_byte_in_a_utf8_page_is_read_alone_and_its_line_named():
    # one Windows "é" pasted into a UTF-8 page had turned every "•" and "’" of the page into "â€¢", "â€™"
    page = "<html><body><p>It’s • done.</p>\n<p>Caf\udce9 closed.</p></body></html>".encode("utf-8", "surrogateescape")
    decoded = decode_page(page)
    assert "It’s • done." in decoded.text and "Café closed." in decoded.text
    assert decoded.repairs == [("line 2", "1 byte(s) not valid UTF-8 read as cp1252")]
