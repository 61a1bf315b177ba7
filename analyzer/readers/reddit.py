"""Reddit thread JSON: what a thread page's ``.json`` returns, and ``/api/morechildren`` responses.

Accepted shapes: the two-listing array ``[t3 listing, t1 listing]``, a single Listing, and the
``{"json": {"data": {"things": [...]}}}`` morechildren response. Replies nest under ``replies``.
``more`` stubs are not comments: their ``count`` (every comment hidden behind the stub,
descendants included) adds to the article's ``missing_comment_count``; stubs with count 0 are
"continue this thread" links whose size Reddit does not say, counted in ``extra``.
``[deleted]`` / ``[removed]`` bodies are kept with status ``deleted``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import load_json
from analyzer.records import Article, Comment

FORMAT = "reddit"
_THING_KIND = re.compile(rb'"kind"\s*:\s*"(Listing|t1|t3|more)"')
#: Bodies Reddit shows in place of a comment that was deleted by its author or removed by a moderator.
DELETED_BODIES = ("[deleted]", "[removed]")
_UNKNOWN_THREAD = "unknown"


def _sniff(head: bytes, path: Path) -> float:
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"[", b"{")):
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
    post: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    missing: int = 0
    more_stubs: int = 0
    continue_stubs: int = 0


def _things(node: Any, json_path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every thing (``{"kind", "data"}``) in a response, in document order, with its JSON path."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _things(item, f"{json_path}[{index}]")
    elif isinstance(node, dict) and node.get("kind") == "Listing":
        yield from _things((node.get("data") or {}).get("children", []), f"{json_path}.data.children")
    elif isinstance(node, dict) and isinstance(node.get("json"), dict):
        yield from _things(node["json"].get("data", {}).get("things", []), f"{json_path}.json.data.things")
    elif isinstance(node, dict) and isinstance(node.get("data"), dict) and "kind" in node:
        yield node, json_path
    else:
        raise ReaderError("", json_path, "expected a Reddit Listing, thing or morechildren response")


def _comment(data: dict[str, Any], position: int, json_path: str) -> Comment:
    if "id" not in data:
        raise ReaderError("", json_path, "t1 comment without an id")
    body = html.unescape(data.get("body") or "")
    extra = {k: data[k] for k in ("score", "edited", "stickied", "distinguished") if data.get(k) not in (None, False)}
    parent = data.get("parent_id") or ""
    return Comment(
        id=data["id"],
        text=clean_text(body),
        position=position,
        parent_id=_strip_prefix(parent) if parent.startswith("t1_") else None,
        author=data.get("author"),
        time=to_iso8601(data.get("created_utc")),
        status="deleted" if body.strip() in DELETED_BODIES else "published",
        extra=extra,
    )


class _Walker:
    """Walks the things depth-first so comments keep the file's order, collecting them per thread."""

    def __init__(self) -> None:
        self.threads: dict[str, _Thread] = {}
        self.thread_of_comment: dict[str, str] = {}
        self.position = 0

    def thread(self, thread_id: str) -> _Thread:
        return self.threads.setdefault(thread_id, _Thread(id=thread_id))

    def thread_id_for(self, data: dict[str, Any]) -> str:
        link = _strip_prefix(data.get("link_id"))
        parent = _strip_prefix(data.get("parent_id"))
        if link:
            return link
        if parent in self.thread_of_comment:
            return self.thread_of_comment[parent]
        if (data.get("parent_id") or "").startswith("t3_") and parent:
            return parent
        return next(iter(self.threads), _UNKNOWN_THREAD)

    def walk(self, node: Any, json_path: str) -> None:
        for thing, path in _things(node, json_path):
            kind, data = thing["kind"], thing["data"]
            if kind == "t3":
                self.thread(data.get("id") or _UNKNOWN_THREAD).post = data
            elif kind == "t1":
                self.add_comment(data, path)
            elif kind == "more":
                self.add_more(data)

    def add_comment(self, data: dict[str, Any], path: str) -> None:
        comment = _comment(data, self.position, path)
        self.position += 1
        thread_id = self.thread_id_for(data)
        self.thread(thread_id).comments.append(comment)
        self.thread_of_comment[comment.id] = thread_id
        if isinstance(data.get("replies"), dict):
            self.walk(data["replies"], f"{path}.data.replies")

    def add_more(self, data: dict[str, Any]) -> None:
        thread = self.thread(self.thread_id_for(data))
        thread.more_stubs += 1
        hidden = data.get("count") or len(data.get("children") or [])
        thread.missing += hidden
        if not hidden:
            thread.continue_stubs += 1


def _article(path: Path, thread: _Thread) -> Article:
    fill_depths(thread.comments)
    post = thread.post
    permalink = post.get("permalink")
    return Article(
        id=thread.id,
        source_file=str(path),
        format=FORMAT,
        title=post.get("title"),
        url=f"https://www.reddit.com{permalink}" if permalink else post.get("url"),
        date=to_iso8601(post.get("created_utc")),
        body=clean_text(html.unescape(post.get("selftext") or "")),
        declared_comment_count=post.get("num_comments"),
        missing_comment_count=thread.missing if thread.more_stubs else None,
        comments=thread.comments,
        extra={key: value for key, value in (
            ("subreddit", post.get("subreddit")), ("link_url", post.get("url")), ("score", post.get("score")),
            ("more_stubs", thread.more_stubs), ("continue_thread_stubs", thread.continue_stubs)) if value},
    )


@register("reddit", _sniff, "Reddit thread JSON ([t3 listing, t1 listing], a Listing, or a morechildren response)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    walker = _Walker()
    try:
        walker.walk(load_json(path), "$")
    except ReaderError as error:
        raise ReaderError(path, error.location, error.message) from None
    return ReadResult(articles=[_article(path, thread) for thread in walker.threads.values()])
