"""Disqus XML exports: flat ``<thread dsq:id>`` and ``<post dsq:id>`` elements linked by id.

Each thread that has posts becomes an article. Threads without any post are not emitted: real
exports list the same page many times (localhost, http, https, other domains) and hundreds of
empty articles would only add empty charts to a report; how many were skipped is reported as
one reject line. A post whose thread is not in the file still goes out, under an article for
that thread id marked ``extra["orphan_thread"]``. Broken files are recovered where lxml can.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lxml import etree

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import html_to_text, parse_xml, root_tag, split_tag
from analyzer.records import Article, Comment, Reject

FORMAT = "disqus"
_NS = "http://disqus.com"
_DSQ_ID = "{http://disqus.com/disqus-internals}id"


def _sniff(head: bytes, path: Path) -> float:
    return 1.0 if root_tag(head) == "disqus" and b"http://disqus.com" in head else 0.0


def _text(element: etree._Element, *names: str) -> str:
    """Stripped text of a nested child (``author``, ``name`` → author/name), "" when absent."""
    return clean_text(element.findtext("/".join(f"{{{_NS}}}{n}" for n in names)))


def _linked_id(element: etree._Element, name: str) -> str | None:
    link = element.find(f"{{{_NS}}}{name}")
    return link.get(_DSQ_ID) if link is not None else None


def _is_true(element: etree._Element, *names: str) -> bool:
    return _text(element, *names).lower() == "true"


def _status(post: etree._Element) -> str:
    # A post both deleted and marked spam is no longer visible anywhere: deleted says more.
    if _is_true(post, "isDeleted"):
        return "deleted"
    return "spam" if _is_true(post, "isSpam") else "published"


def _comment(post: etree._Element, position: int) -> Comment:
    extra = {"anonymous": True} if _is_true(post, "author", "isAnonymous") else {}
    return Comment(
        id=post.get(_DSQ_ID) or f"position-{position}",
        text=html_to_text(post.findtext(f"{{{_NS}}}message")),
        position=position,
        parent_id=_linked_id(post, "parent"),
        author=_text(post, "author", "name") or _text(post, "author", "username") or None,
        time=to_iso8601(_text(post, "createdAt")),
        status=_status(post),
        extra=extra,
    )


def _article(path: Path, thread_id: str, thread: etree._Element | None, comments: list[Comment]) -> Article:
    fill_depths(comments)
    if thread is None:
        return Article(id=thread_id, source_file=str(path), format=FORMAT, comments=comments,
                       extra={"orphan_thread": True, "note": f"thread {thread_id} is not in the file"})
    return Article(
        id=thread_id,
        source_file=str(path),
        format=FORMAT,
        title=_text(thread, "title") or None,
        url=_text(thread, "link") or None,
        date=to_iso8601(_text(thread, "createdAt")),
        body=html_to_text(thread.findtext(f"{{{_NS}}}message")),
        comments=comments,
        extra={"identifier": _text(thread, "id") or None, "deleted": _is_true(thread, "isDeleted")},
    )


@register("disqus", _sniff, "Disqus XML export (<thread> and <post> elements linked by dsq:id)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = parse_xml(path, path.read_bytes())
    if split_tag(parsed.root)[1] != "disqus":
        raise ReaderError(path, "root", f"expected a <disqus> root element, found <{parsed.root.tag}>")
    result = ReadResult(rejects=[Reject(str(path), where, f"XML repaired: {what}") for where, what in parsed.repairs])
    threads: dict[str, etree._Element] = {}
    comments_by_thread: dict[str, list[Comment]] = defaultdict(list)
    position = 0
    for element in parsed.root.iterchildren(f"{{{_NS}}}thread", f"{{{_NS}}}post"):
        if split_tag(element)[1] == "thread":
            threads.setdefault(element.get(_DSQ_ID) or "", element)
            continue
        comment = _comment(element, position)
        position += 1
        comments_by_thread[_linked_id(element, "thread") or ""].append(comment)
    for thread_id, comments in comments_by_thread.items():
        result.articles.append(_article(path, thread_id, threads.get(thread_id), comments))
    empty = [t for t in threads if t not in comments_by_thread]
    if empty:
        reason = f"{len(empty)} thread(s) without posts not emitted as articles"
        result.rejects.append(Reject(str(path), "threads", reason, raw=" ".join(empty)))
    if parsed.repairs and position == 0 and not threads:
        where, what = parsed.repairs[0]
        raise ReaderError(path, where, f"not well-formed XML and nothing could be recovered: {what}")
    return result
