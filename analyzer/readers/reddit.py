"""Reddit thread JSON: what a thread page's ``.json`` returns, and ``/api/morechildren`` responses.

Accepted shapes: the two-listing array ``[t3 listing, t1 listing]``, a single Listing, and the
``{"json": {"data": {"things": [...]}}}`` morechildren response. Replies nest under ``replies``.
``more`` stubs are not comments: their ``count`` (every comment hidden behind the stub,
descendants included) adds to the article's ``missing_comment_count``; stubs with count 0 are
"continue this thread" links whose size Reddit does not say, counted in ``extra``.
``[deleted]`` / ``[removed]`` bodies are kept with status ``deleted``. A thing that cannot be read
(a wrong type, an unknown kind) is rejected by its JSON path and the walk goes on.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import (
    ItemError,
    count_field,
    excerpt,
    extra_value,
    item_reject,
    read_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment, Reject

FORMAT = "reddit"
_THING_KIND = re.compile(rb'"kind"\s*:\s*"(Listing|t1|t3|more)"')
#: Bodies Reddit shows in place of a comment that was deleted by its author or removed by a moderator.
DELETED_BODIES = ("[deleted]", "[removed]")
_UNKNOWN_THREAD = "unknown"


def _sniff(head: bytes, path: Path) -> float:
    if not head.lstrip(b" \t\r\n").startswith((b"[", b"{")):
        return 0.0
    kinds = {m.group(1) for m in _THING_KIND.finditer(head)}
    if {b"t1", b"t3"} & kinds and (b"Listing" in kinds or b'"things"' in head):
        return 0.95
    return 0.6 if kinds else 0.0


def _strip_prefix(fullname: str | None) -> str | None:
    """``t1_abc`` → ``abc`` (Reddit's fullnames carry the thing kind)."""
    return fullname.split("_", 1)[1] if fullname and "_" in fullname else fullname


@dataclass
class _Thread:
    """What one submission (t3) collects while the file is walked."""

    id: str
    #: Article fields from the t3 post; empty when the post is not in the file (or was rejected).
    post: dict[str, Any] = field(default_factory=dict)
    #: The post's title as its comments carry it (``link_title``, in a user's or a search's comment listing).
    link_title: str | None = None
    comments: list[Comment] = field(default_factory=list)
    missing: int = 0
    more_stubs: int = 0
    continue_stubs: int = 0


def _comment(data: dict[str, Any], position: int) -> Comment:
    comment_id = text_field(data, "id")
    if not comment_id:
        raise ItemError("t1 comment without an id")
    body = html.unescape(text_field(data, "body") or "")
    extra = {k: extra_value(data[k]) for k in ("score", "edited", "stickied", "distinguished")
             if data.get(k) not in (None, False)}
    parent = text_field(data, "parent_id") or ""
    return Comment(
        id=comment_id,
        text=clean_text(body),
        position=position,
        parent_id=_strip_prefix(parent) if parent.startswith("t1_") else None,
        author=text_field(data, "author"),
        time=to_iso8601(data.get("created_utc")),
        status="deleted" if body.strip() in DELETED_BODIES else "published",
        extra=extra,
    )


def _post_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The Article fields a t3 post gives (its stub counts are added when the thread is done)."""
    permalink = text_field(data, "permalink")
    link = text_field(data, "url")
    return {
        "title": text_field(data, "title"),
        "url": f"https://www.reddit.com{permalink}" if permalink else link,
        "date": to_iso8601(data.get("created_utc")),
        "body": clean_text(html.unescape(text_field(data, "selftext") or "")),
        "declared_comment_count": count_field(data, "num_comments"),
        "extra": {key: value for key, value in (
            ("subreddit", text_field(data, "subreddit")), ("link_url", link), ("score", extra_value(data.get("score"))))
            if value},
    }


def _inner(node: dict[str, Any], *keys: str) -> Any:
    """``node[k1][k2]…``; an absent level is an empty list, a level that is not an object is
    returned as it is, for the walk to reject with its path."""
    value: Any = node
    for key in keys:
        if not isinstance(value, dict):
            return value
        value = value.get(key) or []
    return value


class _Walker:
    """Walks the things depth-first so comments keep the file's order, collecting them per thread.

    One thing that cannot be read (a wrong type, a listing that is not a list) becomes a reject
    with its JSON path; the walk goes on with the next, and with a rejected comment's replies.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.threads: dict[str, _Thread] = {}
        self.thread_of_comment: dict[str, str] = {}
        self.position = 0
        self.rejects: list[Reject] = []

    def thread(self, thread_id: str) -> _Thread:
        return self.threads.setdefault(thread_id, _Thread(id=thread_id))

    def thread_id_for(self, data: dict[str, Any]) -> str:
        link = _strip_prefix(text_field(data, "link_id"))
        parent_fullname = text_field(data, "parent_id") or ""
        parent = _strip_prefix(parent_fullname)
        if link:
            return link
        if parent in self.thread_of_comment:
            return self.thread_of_comment[parent]
        if parent_fullname.startswith("t3_") and parent:
            return parent
        return next(iter(self.threads), _UNKNOWN_THREAD)

    def walk(self, node: Any, json_path: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self.walk(item, f"{json_path}[{index}]")
        elif isinstance(node, dict) and node.get("kind") == "Listing":
            self.walk(_inner(node, "data", "children"), f"{json_path}.data.children")
        elif isinstance(node, dict) and isinstance(node.get("json"), dict):
            self.walk(_inner(node, "json", "data", "things"), f"{json_path}.json.data.things")
        elif isinstance(node, dict) and isinstance(node.get("data"), dict) and "kind" in node:
            self.add_thing(node["kind"], node["data"], json_path)
        else:
            self.rejects.append(Reject(str(self.path), json_path,
                                       "expected a Reddit Listing, thing or morechildren response", excerpt(node)))

    def add_thing(self, kind: Any, data: dict[str, Any], path: str) -> None:
        adders = {"t1": self.add_comment, "t3": self.add_post, "more": self.add_more}
        adder = adders.get(kind) if isinstance(kind, str) else None
        if adder is None:
            self.rejects.append(Reject(str(self.path), path, f"a thing of kind {kind!r} is not a post, comment or "
                                                             "'more' stub", excerpt(data)))
            return
        try:
            adder(data)
        except ValueError as error:  # ItemError: a field of the wrong type
            self.rejects.append(item_reject(self.path, path, f"{kind} thing", error, data))
        if kind == "t1" and data.get("replies") not in (None, ""):  # Reddit writes "" for no replies
            self.walk(data["replies"], f"{path}.data.replies")

    def add_post(self, data: dict[str, Any]) -> None:
        fields = _post_fields(data)
        self.thread(text_field(data, "id") or _UNKNOWN_THREAD).post = fields

    def add_comment(self, data: dict[str, Any]) -> None:
        comment = _comment(data, self.position)
        thread_id = self.thread_id_for(data)
        self.position += 1
        thread = self.thread(thread_id)
        thread.comments.append(comment)
        thread.link_title = thread.link_title or text_field(data, "link_title")
        self.thread_of_comment[comment.id] = thread_id

    def add_more(self, data: dict[str, Any]) -> None:
        thread = self.thread(self.thread_id_for(data))
        children = data.get("children")
        hidden = count_field(data, "count") or (len(children) if isinstance(children, list) else 0)
        thread.more_stubs += 1
        thread.missing += hidden
        if not hidden:
            thread.continue_stubs += 1


def _article(path: Path, thread: _Thread) -> Article:
    fill_depths(thread.comments)
    post = thread.post
    stubs = {key: value for key, value in (
        ("more_stubs", thread.more_stubs), ("continue_thread_stubs", thread.continue_stubs)) if value}
    return Article(
        id=thread.id,
        source_file=str(path),
        format=FORMAT,
        title=post.get("title") or thread.link_title,
        url=post.get("url"),
        date=post.get("date"),
        body=post.get("body", ""),
        declared_comment_count=post.get("declared_comment_count"),
        missing_comment_count=thread.missing if thread.more_stubs else None,
        comments=thread.comments,
        extra={**post.get("extra", {}), **stubs},
    )


@register("reddit", _sniff, "Reddit thread JSON ([t3 listing, t1 listing], a Listing, or a morechildren response)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = read_json(path, options.fallback_encoding)
    walker = _Walker(path)
    walker.walk(parsed.document, "$")
    if not walker.threads and walker.rejects:
        first = walker.rejects[0]
        raise ReaderError(path, first.location, f"nothing readable as Reddit JSON: {first.reason}")
    return ReadResult(articles=[_article(path, thread) for thread in walker.threads.values()],
                      rejects=repair_rejects(path, parsed.repairs, "JSON repaired") + walker.rejects)
