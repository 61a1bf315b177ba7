"""Hacker News threads as JSON, in the three shapes HN tools save them in.

* node-hnapi (used by many HN apps): the story with nested ``comments`` lists, each comment with
  ``level``, ``user``, ``time`` and ``content`` (HTML); ``comments_count`` is the declared total.
* Algolia ``/items/<id>``: the same tree with ``children``, ``author``, ``text``, ``created_at_i``.
* Official Firebase items saved as a list (story and comments flat, linked by ``parent``);
  ``descendants`` is the declared total.

Comments flagged ``dead`` (killed by moderators or flags) or ``deleted`` get status ``deleted``
and stay in the thread; ``extra["dead"]`` tells the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import fill_depths, to_iso8601
from analyzer.readers._structured import html_to_text, load_json
from analyzer.records import Article, Comment

FORMAT = "hackernews"
_HNAPI_HINT = re.compile(rb'"time_ago"\s*:')
_HNAPI_TREE_HINT = re.compile(rb'"(level|comments_count)"\s*:')
_ALGOLIA_HINT = re.compile(rb'"(story_id|created_at_i)"\s*:')
_FIREBASE_HINT = re.compile(rb'"type"\s*:\s*"(story|comment|job|poll)"')


def _sniff(head: bytes, path: Path) -> float:
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return 0.0
    if _HNAPI_HINT.search(head) and _HNAPI_TREE_HINT.search(head):
        return 0.9
    if _ALGOLIA_HINT.search(head) and b'"children"' in head:
        return 0.9
    if _FIREBASE_HINT.search(head) and re.search(rb'"(kids|descendants)"\s*:', head) and b'"by"' in head:
        return 0.85
    return 0.0


@dataclass(frozen=True)
class _Node:
    """One HN item, whichever shape it came in."""

    raw: dict[str, Any]
    where: str

    @property
    def id(self) -> str:
        return str(self.raw.get("id", ""))

    @property
    def children(self) -> list[Any]:
        nested = self.raw.get("comments", self.raw.get("children"))
        return nested if isinstance(nested, list) else []

    @property
    def is_gone(self) -> bool:
        """Dead or deleted; Algolia marks a deleted comment only by leaving author and text null."""
        raw = self.raw
        no_trace = all(raw.get(k) is None for k in ("text", "content", "author", "user", "by"))
        return bool(raw.get("dead") or raw.get("deleted") or no_trace)

    def comment(self, position: int, parent_id: str | None, depth: int | None) -> Comment:
        raw = self.raw
        if "id" not in raw:
            raise ReaderError("", self.where, "Hacker News item without an id")
        extra = {"dead": True} if raw.get("dead") else {}
        if raw.get("points") is not None:
            extra["points"] = raw["points"]
        return Comment(
            id=self.id,
            text=html_to_text(raw.get("content", raw.get("text"))),
            position=position,
            parent_id=parent_id,
            depth=depth,
            author=raw.get("user") or raw.get("author") or raw.get("by"),
            time=_time(raw),
            status="deleted" if self.is_gone else "published",
            extra=extra,
        )


def _time(raw: dict[str, Any]) -> str | None:
    epoch = raw.get("created_at_i", raw.get("time"))
    return to_iso8601(epoch) if isinstance(epoch, (int, float)) else to_iso8601(raw.get("created_at"))


def _story_article(path: Path, story: dict[str, Any], comments: list[Comment]) -> Article:
    declared = story.get("comments_count", story.get("descendants"))
    return Article(
        id=str(story.get("id", path.stem)),
        source_file=str(path),
        format=FORMAT,
        title=story.get("title"),
        url=story.get("url") or (f"https://news.ycombinator.com/item?id={story['id']}" if "id" in story else None),
        date=_time(story),
        body=html_to_text(story.get("content", story.get("text"))),
        declared_comment_count=declared if isinstance(declared, int) else None,
        comments=comments,
        extra={k: story[k] for k in ("points", "user", "author", "by", "note") if story.get(k) is not None},
    )


def _nested_comments(story: _Node) -> list[Comment]:
    """Pre-order walk of a nested tree (node-hnapi / Algolia): file order, depth from nesting."""
    comments: list[Comment] = []

    def visit(children: list[Any], where: str, parent_id: str | None, depth: int) -> None:
        for index, child in enumerate(children):
            node = _Node(child if isinstance(child, dict) else {}, f"{where}[{index}]")
            comments.append(node.comment(len(comments), parent_id, depth))
            nested_key = "comments" if "comments" in node.raw else "children"
            visit(node.children, f"{node.where}.{nested_key}", node.id, depth + 1)

    visit(story.children, "$.comments" if "comments" in story.raw else "$.children", None, 0)
    return comments


def _flat_items(items: list[Any]) -> Iterator[tuple[dict[str, Any], list[Comment]]]:
    """Firebase items: each story with the comments whose parent chain reaches it."""
    nodes = [_Node(item if isinstance(item, dict) else {}, f"$[{index}]") for index, item in enumerate(items)]
    parent_of = {n.id: str(n.raw["parent"]) for n in nodes if "parent" in n.raw}
    stories = {n.id: n.raw for n in nodes if n.raw.get("type") != "comment" and "parent" not in n.raw}

    def story_of(item_id: str) -> str:
        seen = set()
        while item_id in parent_of and item_id not in seen:
            seen.add(item_id)
            item_id = parent_of[item_id]
        return item_id

    by_story: dict[str, list[Comment]] = {story_id: [] for story_id in stories}
    for position, node in enumerate(n for n in nodes if n.id not in stories):
        parent = parent_of.get(node.id)
        root = story_of(node.id)
        by_story.setdefault(root, []).append(node.comment(position, None if parent == root else parent, None))
    for story_id, comments in by_story.items():
        fill_depths(comments)
        story = stories.get(story_id, {"id": story_id, "note": "story not in the file"})
        yield story, comments


@register("hackernews", _sniff, "Hacker News thread JSON (node-hnapi nested, Algolia items, Firebase item list)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    document = load_json(path)
    try:
        if isinstance(document, dict):
            story = _Node(document, "$")
            return ReadResult(articles=[_story_article(path, document, _nested_comments(story))])
        if isinstance(document, list):
            return ReadResult(articles=[_story_article(path, s, c) for s, c in _flat_items(document)])
    except ReaderError as error:
        raise ReaderError(path, error.location, error.message) from None
    raise ReaderError(path, "$", "expected a Hacker News story object or a list of items")
