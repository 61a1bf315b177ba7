"""Comment feeds: RSS 2.0, RSS 1.0 (RDF) or Atom feeds whose entries are comments.

WordPress serves every post's comments as a feed (``/post/feed/``) and the site's latest ones as
another (``/comments/feed/``), and Blogger likewise; anyone can save them, export rights or not. An
entry is a comment when its link (or guid / id) ends in a ``#comment-N`` anchor (Blogger's:
``#cN``); the page it comments on is that link without the anchor, one article per page. The page's
title comes from a per-post feed's own title ("Comments on: …") or from the entry's ("Comment on …
by …"), in the languages WordPress most often speaks. Text is the full ``content:encoded`` (else the
``description`` excerpt, else Atom's content); author ``dc:creator`` (Atom: ``author/name``); time
``pubDate`` or ``dc:date`` (Atom: ``published``). RSS 1.0 (``rdf:RDF``, Movable Type's and older sites'
feeds) is RSS 2.0 in a namespace, its items beside the channel rather than in it: it is read the same way.
A reply's parent comes from the "In reply to <a …#comment-N>"
line WordPress opens its text with (the line itself is not the comment's text), or from Atom's
threading (``thr:in-reply-to``; Blogger's ``related`` link); depth follows from the parents in the
feed. An entry that is no comment (a post in a mixed feed) is a reject naming it.

Blogger's own export ("Back up content", an Atom feed of the whole blog) marks each entry's kind: its
posts and pages are the articles the comments answer (title, body, date, url, ``thr:total`` declared),
a post without comments one as well; its template and settings entries are counted in a note.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import html_to_text, parse_xml, root_tag
from analyzer.records import Article, Comment, Reject

FORMAT = "comment-feed"
_ATOM = "http://www.w3.org/2005/Atom"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_DATE = "{http://purl.org/dc/elements/1.1/}date"
_RSS1 = "http://purl.org/rss/1.0/"
_IN_REPLY_TO = "{http://purl.org/syndication/thread/1.0}in-reply-to"
#: A comment's permalink: the page's address and the comment's anchor (WordPress ``#comment-N``; Blogger
#: ``?showComment=…#cN``).
_COMMENT_LINK = re.compile(r"^(?P<page>[^#?]+)(?:#comments?-|(?:\?showComment=\d+)?#c)(?P<id>[\w-]+)$")
_COMMENT_LINK_IN_HEAD = re.compile(rb"(?:#comments?-[\w-]+|showComment=\d+#c\d+)\s*(?:</link>|</guid>|</id>|[\"'])")
#: Blogger names a reply's parent comment by its feed address: ``…/comments/default/N``.
_BLOGGER_PARENT = re.compile(r"/comments/default/(?P<id>\d+)$")
#: Blogger's export marks each entry's kind with a category term (…/kind#post, #page, #comment, #template …).
_BLOGGER_KIND = re.compile(r"^https?://schemas\.google\.com/blogger/2008/kind#(?P<kind>\w+)$")
_BLOGGER_KIND_IN_HEAD = re.compile(rb"term=[\"']https?://schemas\.google\.com/blogger/2008/kind#")
_BLOGGER_ARTICLES = ("post", "page")
_TOTAL = "{http://purl.org/syndication/thread/1.0}total"
#: The line WordPress opens a reply's feed text with, in its most used languages.
_IN_REPLY_LINE = re.compile(
    r"\s*(?:<p>)?\s*(?:In reply to|Als Antwort auf|En réponse à|En respuesta a|Als antwoord op)\s*"
    r"<a\b[^>]*?href=[\"'][^\"']*#comments?-(?P<id>[\w-]+)[\"'][^>]*>.*?</a>\s*\.?\s*(?:</p>)?",
    re.IGNORECASE | re.DOTALL)
#: Feed and entry titles naming the page ("Comments on: Page", "Comment on Page by Ann").
_FEED_TITLE = re.compile(
    r"^(?:Comments on|Kommentare zu|Commentaires sur|Comentarios en|Reacties op)\s*:\s*(?P<page>.+)$")
# the last "by" splits: a title may hold one ("Comment on Stand by me by Ann")
_ENTRY_TITLE = re.compile(r"^(?:Comment on|Kommentar zu|Commentaire sur|Comentario en|Reactie op)\s+(?P<page>.+)"
                          r"\s+(?:by|von|par|por|door)\s+.+$")


def _sniff(head: bytes, path: Path) -> float:
    name = (root_tag(head) or "").rpartition(":")[2]  # RSS 1.0's rdf:RDF, whatever its prefix
    if name not in ("rss", "feed", "RDF") or b"wordpress.org/export/" in head:
        return 0.0  # a WordPress export is WXR's
    # Blogger's export opens with its template (often longer than the head), marked with its kind
    return 0.9 if _COMMENT_LINK_IN_HEAD.search(head) or _BLOGGER_KIND_IN_HEAD.search(head) else 0.0


def _atom(name: str) -> str:
    return f"{{{_ATOM}}}{name}"


def _link(entry: etree._Element) -> str:
    """The entry's permalink: RSS ``link`` (else ``guid``), Atom's alternate link (else ``id``)."""
    for candidate in (entry.findtext("link"), entry.findtext("guid")):
        if candidate and _COMMENT_LINK.match(candidate.strip()):
            return candidate.strip()
    for link in entry.iterfind(_atom("link")):
        if link.get("rel", "alternate") == "alternate" and _COMMENT_LINK.match((link.get("href") or "").strip()):
            return (link.get("href") or "").strip()
    return (entry.findtext(_atom("id")) or entry.findtext("link") or entry.findtext("guid") or "").strip()


def _markup(entry: etree._Element) -> str:
    """The entry's comment as markup: the full text where the feed has it, else the excerpt."""
    for markup in (entry.findtext(_CONTENT), entry.findtext(_atom("content")), entry.findtext("description"),
                   entry.findtext(_atom("summary"))):
        if html_to_text(markup):
            return markup or ""
    return ""


def _parent(entry: etree._Element, markup: str) -> tuple[str | None, str]:
    """The comment this one answers, and the markup without the line saying so; None when it answers the
    page. WordPress opens a reply's feed text with "In reply to <a href="…#comment-N">Ann</a>."; Atom
    feeds may say it with ``thr:in-reply-to`` (Blogger: a ``related`` link to the parent's feed entry)."""
    said = _IN_REPLY_LINE.match(markup)
    if said:
        return said.group("id"), markup[said.end():]
    reply = entry.find(_IN_REPLY_TO)
    match = _COMMENT_LINK.match(((reply.get("href") or reply.get("ref") or "") if reply is not None else "").strip())
    related = (link.get("href") or "" for link in entry.iterfind(_atom("link")) if link.get("rel") == "related")
    match = match or next(filter(None, (_BLOGGER_PARENT.search(href.strip()) for href in related)), None)
    return (match.group("id") if match else None), markup


def _comment(entry: etree._Element, comment_id: str, position: int) -> Comment:
    author = entry.findtext(_CREATOR) or entry.findtext(f"{_atom('author')}/{_atom('name')}")
    parent, markup = _parent(entry, _markup(entry))
    return Comment(
        id=comment_id,
        text=html_to_text(markup),
        position=position,
        parent_id=parent,
        author=clean_text(author) or None,
        time=to_iso8601(entry.findtext("pubDate") or entry.findtext(_DATE) or entry.findtext(_atom("published"))
                        or entry.findtext(_atom("updated"))),
    )


def _without_rss1_namespace(root: etree._Element) -> None:
    """RSS 1.0's elements under RSS 2.0's names (``{…/rss/1.0/}item`` → ``item``), so one reading serves both."""
    for element in root.iter(f"{{{_RSS1}}}*"):
        element.tag = etree.QName(element).localname


def _page_title(feed_title: str | None, entry: etree._Element) -> str | None:
    for title, pattern in ((feed_title, _FEED_TITLE), (entry.findtext("title") or entry.findtext(_atom("title")),
                                                       _ENTRY_TITLE)):
        match = pattern.match(clean_text(title)) if title else None
        if match:
            return match.group("page").strip()
    return None


def _blogger_kind(entry: etree._Element) -> str | None:
    """The kind Blogger's export gives the entry (post, page, comment, template, settings …), None elsewhere."""
    terms = (_BLOGGER_KIND.match(category.get("term") or "") for category in entry.iterfind(_atom("category")))
    return next((match.group("kind") for match in terms if match), None)


def _page_link(entry: etree._Element) -> str | None:
    """A post's own page: its alternate link."""
    links = (link.get("href") for link in entry.iterfind(_atom("link")) if link.get("rel", "alternate") == "alternate")
    return next((href.strip() for href in links if href and href.strip()), None)


def _fill_post(article: Article, entry: etree._Element) -> None:
    """The article's fields from its post's entry (the comments may have named the page first)."""
    total = (entry.findtext(_TOTAL) or "").strip()
    article.title = clean_text(entry.findtext(_atom("title"))) or article.title
    article.body = html_to_text(entry.findtext(_atom("content")))
    article.date = to_iso8601(entry.findtext(_atom("published")))
    article.declared_comment_count = int(total) if total.isdigit() else None


@register(FORMAT, _sniff, "RSS / Atom comment feeds (WordPress's and others'): entries linking to #comment-N")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = parse_xml(path, path.read_bytes())
    root = parsed.root
    _without_rss1_namespace(root)
    result = ReadResult(rejects=[Reject(str(path), where, f"XML repaired: {what}") for where, what in parsed.repairs])
    channel = root.find("channel")
    feed_title = (channel if channel is not None else root).findtext("title") or root.findtext(_atom("title"))
    entries = [*root.iter("item"), *root.iter(_atom("entry"))]
    articles: dict[str, Article] = {}
    other_kinds = 0  # Blogger's template and settings entries
    for number, entry in enumerate(entries, start=1):
        kind = _blogger_kind(entry)
        if kind in _BLOGGER_ARTICLES and (page := _page_link(entry)):
            _fill_post(articles.setdefault(page, Article(id=page, source_file=str(path), format=FORMAT, url=page)), entry)
            continue
        if kind not in (None, "comment"):
            other_kinds += 1
            continue
        match = _COMMENT_LINK.match(_link(entry))
        if match is None:
            reason = "an entry that is no comment: its link has no #comment- anchor"
            result.rejects.append(Reject(str(path), f"entry {number}", reason, clean_text(entry.findtext("title"))))
            continue
        page = match.group("page")
        article = articles.setdefault(page, Article(id=page, source_file=str(path), format=FORMAT, url=page,
                                                    title=_page_title(feed_title, entry)))
        article.comments.append(_comment(entry, match.group("id"), number - 1))
    for article in articles.values():
        fill_depths(article.comments)
    if other_kinds:
        result.notes.append(f"{other_kinds} template and settings entries of the Blogger export not read")
    if not articles and not result.rejects:
        raise ReaderError(path, "root", "a feed without entries")
    result.articles = list(articles.values())
    return result
