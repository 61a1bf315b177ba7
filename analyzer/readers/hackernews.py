"""Hacker News threads as JSON, in the three shapes HN tools save them in.

* node-hnapi (used by many HN apps): the story with nested ``comments`` lists, each comment with
  ``level``, ``user``, ``time`` and ``content`` (HTML); ``comments_count`` is the declared total.
* Algolia ``/items/<id>``: the same tree with ``children``, ``author``, ``text``, ``created_at_i``.
* Official Firebase items saved as a list (story and comments flat, linked by ``parent``);
  ``descendants`` is the declared total.

Comments flagged ``dead`` (killed by moderators or flags) or ``deleted`` get status ``deleted``
and stay in the thread; ``extra["dead"]`` tells the two apart. An item that cannot be read (no
id, a wrong type) is rejected by its JSON path; its replies are still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import fill_depths, to_iso8601
from analyzer.readers._structured import (
    ItemError,
    count_field,
    excerpt,
    extra_value,
    html_to_text,
    item_reject,
    read_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment, Reject

FORMAT = "hackernews"
_HNAPI_HINT = re.compile(rb'"time_ago"\s*:')
_HNAPI_TREE_HINT = re.compile(rb'"(level|comments_count)"\s*:')
_ALGOLIA_HINT = re.compile(rb'"(story_id|created_at_i)"\s*:')
_FIREBASE_HINT = re.compile(rb'"type"\s*:\s*"(story|comment|job|poll)"')


def _sniff(head: bytes, path: Path) -> float:
    if not head.lstrip(b" \t\r\n").startswith((b"{", b"[")):
        return 0.0
    if _HNAPI_HINT.search(head) and _HNAPI_TREE_HINT.search(head):
        return 0.9
    if _ALGOLIA_HINT.search(head) and b'"children"' in head:
        return 0.9
    if _FIREBASE_HINT.search(head) and re.search(rb'"(kids|descendants)"\s*:', head) and b'"by"' in head:
        return 0.85
    return 0.0


def _item_id(raw: dict[str, Any]) -> str:
    item_id = text_field(raw, "id")
    if not item_id:
        raise ItemError("Hacker News item without an id")
    return item_id


def _link_id(raw: dict[str, Any]) -> str | None:
    """The id a comment's replies link to, kept even when the comment itself is rejected for another field."""
    try:
        return text_field(raw, "id")
    except ItemError:
        return None


def _markup(raw: dict[str, Any]) -> str | None:
    return text_field(raw, "content") if "content" in raw else text_field(raw, "text")


def _is_gone(raw: dict[str, Any]) -> bool:
    """Dead or deleted; Algolia marks a deleted comment only by leaving author and text null."""
    no_trace = all(raw.get(k) is None for k in ("text", "content", "author", "user", "by"))
    return bool(raw.get("dead") or raw.get("deleted") or no_trace)


def _author(raw: dict[str, Any]) -> str | None:
    return text_field(raw, "user") or text_field(raw, "author") or text_field(raw, "by")


def _time(raw: dict[str, Any]) -> str | None:
    epoch = raw.get("created_at_i", raw.get("time"))
    if isinstance(epoch, (int, float)) and not isinstance(epoch, bool):
        return to_iso8601(epoch)
    return to_iso8601(text_field(raw, "created_at"))


def _comment(raw: dict[str, Any], position: int, parent_id: str | None, depth: int | None) -> Comment:
    extra = {"dead": True} if raw.get("dead") else {}
    if raw.get("points") is not None:
        extra["points"] = extra_value(raw["points"])
    return Comment(
        id=_item_id(raw),
        text=html_to_text(_markup(raw)),
        position=position,
        parent_id=parent_id,
        depth=depth,
        author=_author(raw),
        time=_time(raw),
        status="deleted" if _is_gone(raw) else "published",
        extra=extra,
    )


def _story_fields(story: dict[str, Any]) -> dict[str, Any]:
    """The Article fields a story item gives."""
    story_id = text_field(story, "id")
    declared = count_field(story, "comments_count" if "comments_count" in story else "descendants")
    return {
        "id": story_id,
        "title": text_field(story, "title"),
        "url": text_field(story, "url") or (f"https://news.ycombinator.com/item?id={story_id}" if story_id else None),
        "date": _time(story),
        "body": html_to_text(_markup(story)),
        "declared_comment_count": declared,
        "extra": {k: extra_value(story[k]) for k in ("points", "user", "author", "by", "note") if story.get(k) is not None},
    }


@dataclass
class _Reading:
    """One file's articles and rejects as they are collected."""

    path: Path
    result: ReadResult = field(default_factory=ReadResult)

    def reject(self, where: str, reason: str, raw: Any) -> None:
        self.result.rejects.append(Reject(str(self.path), where, reason, excerpt(raw)))

    def comment(self, raw: Any, where: str, position: int, parent_id: str | None, depth: int | None) -> Comment | None:
        """The comment an item gives, or None when it is rejected (with its place and reason)."""
        if not isinstance(raw, dict):
            self.reject(where, "expected a Hacker News item object", raw)
            return None
        try:
            return _comment(raw, position, parent_id, depth)
        except ValueError as error:  # ItemError: a field of the wrong type
            self.result.rejects.append(item_reject(self.path, where, "comment", error, raw))
            return None

    def add_article(self, story: dict[str, Any], where: str, fallback_id: str, comments: list[Comment]) -> None:
        """The story's article; a story with a bad field is rejected, its comments still go out."""
        try:
            fields = _story_fields(story)
        except ValueError as error:  # ItemError: a field of the wrong type
            self.result.rejects.append(item_reject(self.path, where, "story", error, story))
            fields = {}
        self.result.articles.append(Article(
            **{**fields, "id": fields.get("id") or fallback_id}, source_file=str(self.path), format=FORMAT,
            comments=comments))


def _replies(raw: dict[str, Any]) -> tuple[str, Any] | None:
    """The key and value of a nested item's replies (node-hnapi ``comments``, Algolia ``children``)."""
    key = "comments" if "comments" in raw else "children"
    return (key, raw[key]) if raw.get(key) is not None else None


def _nested_comments(reading: _Reading, story: dict[str, Any]) -> list[Comment]:
    """Pre-order walk of a nested tree (node-hnapi / Algolia): file order, depth from nesting."""
    comments: list[Comment] = []

    def visit(children: Any, where: str, parent_id: str | None, depth: int) -> None:
        if not isinstance(children, list):
            reading.reject(where, "expected a list of comments", children)
            return
        for index, child in enumerate(children):
            here = f"{where}[{index}]"
            comment = reading.comment(child, here, len(comments), parent_id, depth)
            if comment is not None:
                comments.append(comment)
            replies = _replies(child) if isinstance(child, dict) else None
            if replies is not None:
                visit(replies[1], f"{here}.{replies[0]}", _link_id(child), depth + 1)

    replies = _replies(story)
    if replies is not None:
        visit(replies[1], f"$.{replies[0]}", None, 0)
    return comments


@dataclass(frozen=True)
class _FlatItem:
    raw: dict[str, Any]
    where: str
    id: str
    parent: str | None


def _flat_items(reading: _Reading, items: list[Any]) -> list[_FlatItem]:
    """The items that have an id (and a readable parent); the others are rejected."""
    flat: list[_FlatItem] = []
    for index, raw in enumerate(items):
        where = f"$[{index}]"
        if not isinstance(raw, dict):
            reading.reject(where, "expected a Hacker News item object", raw)
            continue
        try:
            flat.append(_FlatItem(raw, where, _item_id(raw), text_field(raw, "parent")))
        except ItemError as error:
            reading.result.rejects.append(item_reject(reading.path, where, "item", error, raw))
    return flat


def _read_flat(reading: _Reading, items: list[Any]) -> None:
    """Firebase items: each story with the comments whose parent chain reaches it."""
    nodes = _flat_items(reading, items)
    parent_of = {n.id: n.parent for n in nodes if n.parent is not None}
    stories = {n.id: n for n in nodes if n.raw.get("type") != "comment" and n.parent is None}

    def story_of(item_id: str) -> str:
        seen = set()
        while item_id in parent_of and item_id not in seen:
            seen.add(item_id)
            item_id = parent_of[item_id]
        return item_id

    by_story: dict[str, list[Comment]] = {story_id: [] for story_id in stories}
    position = 0
    for node in (n for n in nodes if n.id not in stories):
        root = story_of(node.id)
        comment = reading.comment(node.raw, node.where, position, None if node.parent == root else node.parent, None)
        if comment is not None:
            by_story.setdefault(root, []).append(comment)
            position += 1
    for story_id, comments in by_story.items():
        fill_depths(comments)
        story = stories.get(story_id)
        if story is None:
            reading.add_article({"id": story_id, "note": "story not in the file"}, "$", story_id, comments)
        else:
            reading.add_article(story.raw, story.where, story_id, comments)


@register("hackernews", _sniff, "Hacker News thread JSON (node-hnapi nested, Algolia items, Firebase item list)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = read_json(path, options.fallback_encoding)
    document = parsed.document
    reading = _Reading(path, ReadResult(rejects=repair_rejects(path, parsed.repairs, "JSON repaired")))
    if isinstance(document, dict):
        reading.add_article(document, "$", path.stem, _nested_comments(reading, document))
    elif isinstance(document, list):
        _read_flat(reading, document)
    else:
        raise ReaderError(path, "$", "expected a Hacker News story object or a list of items")
    return reading.result
