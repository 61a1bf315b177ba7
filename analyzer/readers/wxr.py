"""WordPress eXtended RSS (WXR) exports: ``<item>`` posts with their ``<wp:comment>`` children.

Every WXR version is read (export/1.0 to 1.2, http or https): the ``wp:`` namespace is found by
its URI prefix rather than matched exactly. Posts and pages become articles even without
comments (a post with none is still a page readers saw); other item types (attachments, menu
items, blocks) become articles only when they carry comments, so no comment is ever dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import html_to_text, parse_xml, root_tag, split_tag
from analyzer.records import Article, Comment, Reject

FORMAT = "wxr"
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+(\.\d+)*/$")
_WP_NAMESPACE_IN_HEAD = re.compile(rb"xmlns:\w+\s*=\s*[\"']https?://wordpress\.org/export/\d+(\.\d+)*/[\"']")
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_ARTICLE_POST_TYPES = {"post", "page"}
#: wp:comment_approved values; anything else (plugins invent some) is kept as pending.
_STATUS_BY_APPROVED = {"1": "published", "approve": "published", "0": "pending", "hold": "pending",
                       "spam": "spam", "trash": "deleted", "post-trashed": "deleted"}
_KINDS = {"pingback", "trackback"}
_NO_DATE = "0000-00-00 00:00:00"


def _sniff(head: bytes, path: Path) -> float:
    if root_tag(head) != "rss":
        return 0.0
    return 1.0 if _WP_NAMESPACE_IN_HEAD.search(head) else 0.0


def _wp_namespace(root: etree._Element) -> str | None:
    for uri in root.nsmap.values():
        if uri and _WP_NAMESPACE.match(uri):
            return uri
    for element in root.iter(etree.Element):
        uri = split_tag(element)[0]
        if uri and _WP_NAMESPACE.match(uri):
            return uri
    return None


def _wp_text(element: etree._Element, wp: str, name: str) -> str:
    """A ``wp:`` child's text, stripped ("" when absent)."""
    return (element.findtext(f"{{{wp}}}{name}") or "").strip()


def _gmt_or_local(element: etree._Element, wp: str, name: str) -> str | None:
    """WordPress stores both a GMT and a site-local time; GMT is unambiguous when it is set."""
    gmt = _wp_text(element, wp, f"{name}_gmt")
    if gmt and gmt != _NO_DATE:
        return to_iso8601(gmt + " +0000")
    local = _wp_text(element, wp, name)
    return to_iso8601(local) if local and local != _NO_DATE else None


def _comment(element: etree._Element, wp: str, position: int) -> Comment:
    approved = _wp_text(element, wp, "comment_approved")
    comment_type = _wp_text(element, wp, "comment_type")
    parent = _wp_text(element, wp, "comment_parent")
    extra: dict[str, str] = {}
    if approved not in _STATUS_BY_APPROVED:
        extra["comment_approved"] = approved
    if comment_type and comment_type not in _KINDS and comment_type != "comment":
        extra["comment_type"] = comment_type
    return Comment(
        id=_wp_text(element, wp, "comment_id") or f"position-{position}",
        text=html_to_text(element.findtext(f"{{{wp}}}comment_content")),
        position=position,
        parent_id=parent if parent not in ("", "0") else None,
        author=_wp_text(element, wp, "comment_author") or None,
        time=_gmt_or_local(element, wp, "comment_date"),
        status=_STATUS_BY_APPROVED.get(approved, "pending"),
        kind=comment_type if comment_type in _KINDS else "comment",
        extra=extra,
    )


def _article(path: Path, wp: str, item: etree._Element, comments: list[Comment]) -> Article:
    fill_depths(comments)
    post_id = _wp_text(item, wp, "post_id")
    return Article(
        id=post_id or clean_text(item.findtext("guid")) or clean_text(item.findtext("link")),
        source_file=str(path),
        format=FORMAT,
        title=clean_text(item.findtext("title")) or None,
        url=clean_text(item.findtext("link")) or None,
        date=_gmt_or_local(item, wp, "post_date") or to_iso8601(item.findtext("pubDate")),
        body=html_to_text(item.findtext(f"{{{_CONTENT_NS}}}encoded")),
        comments=comments,
        extra={
            "post_type": _wp_text(item, wp, "post_type"),
            "post_status": _wp_text(item, wp, "status"),
            "author": clean_text(item.findtext(f"{{{_DC_NS}}}creator")) or None,
        },
    )


@register("wxr", _sniff, "WordPress eXtended RSS export (any wp: namespace version), posts with wp:comment")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = parse_xml(path, path.read_bytes())
    wp = _wp_namespace(parsed.root)
    if wp is None:
        raise ReaderError(path, "root", "no WordPress export namespace (wordpress.org/export/…) in this RSS file")
    result = ReadResult(rejects=[Reject(str(path), where, f"XML repaired: {what}") for where, what in parsed.repairs])
    position = 0
    for item in parsed.root.iter("item"):
        comments = []
        for element in item.iterchildren(f"{{{wp}}}comment"):
            comments.append(_comment(element, wp, position))
            position += 1
        if comments or _wp_text(item, wp, "post_type") in _ARTICLE_POST_TYPES:
            result.articles.append(_article(path, wp, item, comments))
    if parsed.repairs and not result.articles:
        where, what = parsed.repairs[0]
        raise ReaderError(path, where, f"not well-formed XML and nothing could be recovered: {what}")
    return result
