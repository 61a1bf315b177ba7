"""RSS / Atom comment feeds: entries linking to #comment-N become comments under the page they link to."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.readers import ReaderError, detect_format, read_file

SITE_FEED = Path(__file__).resolve().parent / "fixtures" / "comment_feed" / "site_comments.xml"

_ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <title>Comments on: Night buses return</title>
  <entry>
    <id>https://buses.example.net/night-buses/#comment-9</id>
    <link rel="alternate" href="https://buses.example.net/night-buses/#comment-9"/>
    <author><name>Quinn</name></author>
    <published>2024-06-01T22:10:00Z</published>
    <content type="html">&lt;p&gt;About time, the last train leaves at eleven.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>https://buses.example.net/night-buses/#comment-10</id>
    <link rel="alternate" href="https://buses.example.net/night-buses/#comment-10"/>
    <author><name>Rae</name></author>
    <published>2024-06-01T23:00:00Z</published>
    <thr:in-reply-to ref="https://buses.example.net/night-buses/#comment-9"/>
    <content type="html">&lt;p&gt;Only on weekends though.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_a_site_wide_comment_feed_gives_one_article_per_page_with_replies_linked() -> None:
    assert detect_format(SITE_FEED) == "comment-feed"
    result = read_file(SITE_FEED)
    articles = {a.url: a for a in result.articles}
    fares = articles["https://gazette.example.org/2024/03/ferry-fares/"]
    assert fares.title == "Ferry fares rise by 12%"  # the last "by" names the commenter
    assert [(c.id, c.parent_id, c.depth, c.author, c.time, c.text) for c in fares.comments] == [
        ("311", None, 0, "Nora", "2024-03-04T08:15:00+00:00", "Twelve percent in one go is steep for commuters."),
        ("312", "311", 1, "Owen", "2024-03-04T09:40:00+00:00", "Fuel costs went up more than that.")]
    library = articles["https://gazette.example.org/2024/03/library-hours/"]
    assert library.title == "Library hours cut" and [c.id for c in library.comments] == ["305"]
    [reject] = result.rejects  # the post in the feed is no comment, and says so
    assert reject.location == "entry 4" and "no #comment- anchor" in reject.reason


def test_an_atom_comment_feed_with_threading(tmp_path: Path) -> None:
    path = tmp_path / "feed.atom"
    path.write_text(_ATOM_FEED)
    assert detect_format(path) == "comment-feed"
    [article] = read_file(path).articles
    assert article.title == "Night buses return"
    assert [(c.id, c.parent_id, c.depth, c.author, c.text) for c in article.comments] == [
        ("9", None, 0, "Quinn", "About time, the last train leaves at eleven."),
        ("10", "9", 1, "Rae", "Only on weekends though.")]


_RSS1_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel rdf:about="https://tram.example.org/comments.rdf">
    <title>Comments on: Trams back in the old town</title>
    <link>https://tram.example.org/old-town-trams.html</link>
    <description>Reader comments</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://tram.example.org/old-town-trams.html#comment-41"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://tram.example.org/old-town-trams.html#comment-41">
    <title>Comment from Uma</title>
    <link>https://tram.example.org/old-town-trams.html#comment-41</link>
    <description>Short version.</description>
    <content:encoded>&lt;p&gt;Quieter than the buses ever were.&lt;/p&gt;</content:encoded>
    <dc:creator>Uma</dc:creator>
    <dc:date>2024-04-02T18:30:00+02:00</dc:date>
  </item>
  <item rdf:about="https://tram.example.org/old-town-trams.html#comment-42">
    <title>Comment from Vic</title>
    <link>https://tram.example.org/old-town-trams.html#comment-42</link>
    <description>&lt;p&gt;And slower.&lt;/p&gt;</description>
    <dc:creator>Vic</dc:creator>
    <dc:date>2024-04-02T19:05:00+02:00</dc:date>
  </item>
</rdf:RDF>
"""


def test_an_rss_1_comment_feed_reads_like_rss_2(tmp_path: Path) -> None:
    path = tmp_path / "comments.rdf"
    path.write_text(_RSS1_FEED)
    assert detect_format(path) == "comment-feed"
    [article] = read_file(path).articles
    assert (article.url, article.title) == ("https://tram.example.org/old-town-trams.html", "Trams back in the old town")
    assert [(c.id, c.author, c.time, c.text) for c in article.comments] == [
        ("41", "Uma", "2024-04-02T18:30:00+02:00", "Quieter than the buses ever were."),
        ("42", "Vic", "2024-04-02T19:05:00+02:00", "And slower.")]


def test_a_feed_of_posts_is_not_taken_for_comments(tmp_path: Path) -> None:
    path = tmp_path / "posts.xml"
    path.write_text(SITE_FEED.read_text().replace("#comment-3", "#respond-3"))
    with pytest.raises(ReaderError) as refused:
        detect_format(path)
    assert "format not recognised" in refused.value.message


_BLOGGER_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
  <title type='text'>Valley Notes</title>
  <entry>
    <id>tag:blogger.com,1999:blog-1.post-501</id>
    <published>2024-07-01T08:00:00.000Z</published>
    <content type='html'>Lovely write-up of the fair.</content>
    <link rel='alternate' type='text/html' href='https://valley.example.com/2024/07/fair.html?showComment=1719820800000#c501'/>
    <author><name>Sam</name></author>
    <thr:in-reply-to href='https://valley.example.com/2024/07/fair.html' ref='tag:blogger.com,1999:blog-1.post-9'/>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-1.post-502</id>
    <published>2024-07-01T09:00:00.000Z</published>
    <content type='html'>Thanks Sam, it was a good day.</content>
    <link rel='related' href='https://www.blogger.com/feeds/1/9/comments/default/501'/>
    <link rel='alternate' type='text/html' href='https://valley.example.com/2024/07/fair.html?showComment=1719824400000#c502'/>
    <author><name>Tess</name></author>
    <thr:in-reply-to href='https://valley.example.com/2024/07/fair.html' ref='tag:blogger.com,1999:blog-1.post-9'/>
  </entry>
</feed>
"""


def test_a_blogger_comment_feed_links_replies_through_its_related_links(tmp_path: Path) -> None:
    path = tmp_path / "comments.xml"
    path.write_text(_BLOGGER_FEED)
    assert detect_format(path) == "comment-feed"
    [article] = read_file(path).articles
    assert article.url == "https://valley.example.com/2024/07/fair.html"
    assert [(c.id, c.parent_id, c.depth, c.author) for c in article.comments] == [
        ("501", None, 0, "Sam"), ("502", "501", 1, "Tess")]


BLOGGER_BACKUP = SITE_FEED.parent / "blogger_backup.xml"


def test_a_blogger_export_gives_its_posts_as_articles_and_their_comments_threaded():
    result = read_file(BLOGGER_BACKUP)
    assert [(a.id, a.title, a.date, a.declared_comment_count, a.body, len(a.comments)) for a in result.articles] == [
        ("https://harbournotes.example/2024/06/ferry.html", "Ferry timetable cut", "2019-02-28T07:00:00-08:00", 2,
         "The winter ferry timetable drops the last sailing of the day.", 2),
        ("https://harbournotes.example/2024/06/wall.html", "Harbour wall repaired", "2019-03-01T07:00:00-08:00", 0,
         "The east wall is open again.", 0)]  # a post without comments is an article all the same
    assert [(c.id, c.parent_id, c.depth, c.author) for c in result.articles[0].comments] == [
        ("789", None, 0, "Ines"), ("790", "789", 1, "Anonymous")]
    assert result.rejects == []
    assert result.notes == ["2 template and settings entries of the Blogger export not read"]


def test_a_blogger_export_is_known_by_its_kinds_when_its_template_fills_the_head(tmp_path: Path):
    # the export opens with the blog's whole template, often longer than the head detection reads
    template = "&lt;div class='widget'&gt;&lt;/div&gt;" * 4000
    data = BLOGGER_BACKUP.read_text(encoding="utf-8").replace("&lt;html&gt;&lt;/html&gt;", template)
    path = tmp_path / "blog-06-2024.xml"
    path.write_text(data, encoding="utf-8")
    assert path.stat().st_size > 65536
    assert detect_format(path) == "comment-feed"
    assert [len(a.comments) for a in read_file(path).articles] == [2, 0]
