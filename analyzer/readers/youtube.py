"""YouTube comment dumps: youtube-comment-downloader (JSON lines or ``--pretty``) and Data API v3.

youtube-comment-downloader writes one comment per line (``cid``, ``text``, ``author``, ``time``,
``votes``, later also ``reply`` and ``time_parsed``), or with ``--pretty`` one object with a
``comments`` list. A reply's ``cid`` is ``<parent cid>.<reply id>``. Its files hold one video
and name none, so the article is the file (id = file name without extension).

Data API v3 ``commentThreads`` responses (an object with ``items``, or the items saved as an
array) give ``snippet.topLevelComment`` and, when requested, ``replies.comments``; one article per
``videoId``. ``comments.list`` responses (the further replies of a thread, paged by ``parentId``)
give ``youtube#comment`` items, alone or among the threads. Replies the API did not include
(``totalReplyCount`` above what is there) count as missing.

Tools that page through a video several times save overlapping fetches in one file: each comment
id is kept once (its first occurrence), and one reject line counts the repeats.

Every failure is per item: a line that is not JSON, a thread or comment of the wrong shape or with
a field of the wrong type is a reject naming its line or JSON path, and the rest of the file is read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import SNIFF_BYTES, ReaderError, ReadResult, register
from analyzer.readers._common import SeenIds, clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import (
    ItemError,
    count_field,
    decode_text,
    extra_value,
    html_to_text,
    item_reject,
    json_lines,
    read_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment

FORMAT = "youtube"
_API_KIND = re.compile(rb'"kind"\s*:\s*"youtube#(commentThread|commentThreadListResponse|comment|commentListResponse)"')
_YCD_KEYS = {"cid", "text"}
#: Data API moderationStatus → our status (only moderators' own requests see the non-published ones).
_API_STATUS = {"published": "published", "heldForReview": "pending", "likelySpam": "spam", "rejected": "deleted"}


def _first_ycd_line(head: bytes) -> Any:
    """The first JSON line when it may be a youtube-comment-downloader comment (it has a "cid")."""
    line = head.lstrip(b" \t\r\n").split(b"\n", 1)[0]
    if b'"cid"' not in line:  # spares parsing a long line of some other JSON
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _sniff(head: bytes, path: Path) -> float:
    # the kind marker may sit anywhere, but the file must start as JSON: junk before it is stray bytes
    if head.lstrip(b" \t\r\n").startswith((b"{", b"[")) and _API_KIND.search(head):
        return 0.95
    first = _first_ycd_line(head)
    if isinstance(first, dict) and _YCD_KEYS <= first.keys():
        return 0.95
    stripped = head.lstrip(b" \t\r\n")
    if stripped.startswith(b"{") and re.match(rb'\{\s*"comments"\s*:\s*\[\s*\{\s*"cid"', stripped):
        return 0.95
    return 0.0


# --- youtube-comment-downloader ----------------------------------------------------------------


def _pretty_records(path: Path, options: ReadOptions, result: ReadResult) -> list[tuple[Any, str]]:
    """The comment objects of a --pretty file, each with its JSON path."""
    parsed = read_json(path, options.fallback_encoding)
    result.rejects += repair_rejects(path, parsed.repairs, "JSON repaired")
    comments = parsed.document.get("comments") if isinstance(parsed.document, dict) else None
    if not isinstance(comments, list):
        raise ReaderError(path, "$.comments", "expected the --pretty wrapper's list of comments")
    return [(record, f"$.comments[{index}]") for index, record in enumerate(comments)]


def _line_records(path: Path, options: ReadOptions, result: ReadResult) -> list[tuple[Any, str]]:
    """One comment object per line, each with ``line N``; a line that is not JSON is a reject. A file
    with no line of JSON at all is refused, with the first line's reason."""
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    result.rejects += repair_rejects(path, decoded.repairs, "text repaired")
    lines = json_lines(path, decoded.text)
    if lines.first_refusal and not lines.documents:
        raise ReaderError(path, lines.first_refusal.location, lines.first_refusal.reason)
    result.rejects += lines.rejects
    return [(document, f"line {number}") for number, document in lines.documents]


def _ycd_comment(record: Any, position: int, last_top_level: str | None) -> Comment:
    if not isinstance(record, dict):
        raise ItemError("expected a youtube-comment-downloader comment object")
    cid = text_field(record, "cid")
    if not cid:
        raise ItemError("youtube-comment-downloader comment without a 'cid'")
    if "." in cid:
        parent_id: str | None = cid.split(".", 1)[0]
    else:
        # Old exports mark replies only with reply=true, written right after their thread's first comment.
        parent_id = last_top_level if record.get("reply") else None
    extra = {key: extra_value(record[key]) for key in ("votes", "heart", "channel", "time")
             if record.get(key) not in (None, "")}
    return Comment(
        id=cid,
        text=clean_text(text_field(record, "text")),
        position=position,
        parent_id=parent_id,
        author=text_field(record, "author"),
        # ``time`` is relative ("7 months ago", kept in extra); only ``time_parsed`` is a point in time.
        time=to_iso8601(record.get("time_parsed")),
        extra=extra,
    )


def _read_ycd(path: Path, options: ReadOptions, pretty: bool) -> ReadResult:
    result = ReadResult()
    records = (_pretty_records if pretty else _line_records)(path, options, result)
    comments: list[Comment] = []
    seen = SeenIds()
    last_top_level: str | None = None
    for record, where in records:
        try:
            comment = _ycd_comment(record, len(comments), last_top_level)
        except ValueError as error:  # ItemError: not an object, or a field of the wrong type
            result.rejects.append(item_reject(path, where, "comment", error, record))
            continue
        if comment.parent_id is None:
            last_top_level = comment.id
        if not seen.is_repeat(comment.id, where):
            comments.append(comment)
    fill_depths(comments)
    result.articles.append(Article(id=path.stem, source_file=str(path), format=FORMAT, comments=comments))
    result.rejects += seen.rejects(str(path))
    return result


# --- Data API v3 commentThreads ----------------------------------------------------------------


def _api_comment(resource: Any, where: str, thread_parent: str | None) -> Comment:
    """One youtube#comment resource; its position is set when it is kept (repeats are not)."""
    snippet = resource.get("snippet") if isinstance(resource, dict) else None
    if not isinstance(snippet, dict):
        raise ItemError("expected a youtube#comment object with a snippet object")
    original = text_field(snippet, "textOriginal")
    parent_id = text_field(snippet, "parentId") or thread_parent
    return Comment(
        id=text_field(resource, "id") or where,  # the JSON path is unique and says where
        text=clean_text(original) if original is not None else html_to_text(text_field(snippet, "textDisplay")),
        position=0,
        parent_id=parent_id,
        depth=0 if parent_id is None else 1,
        author=text_field(snippet, "authorDisplayName"),
        time=to_iso8601(snippet.get("publishedAt")),
        status=_API_STATUS.get(text_field(snippet, "moderationStatus") or "published", "published"),
        extra={key: extra_value(snippet[key]) for key in ("likeCount", "updatedAt") if key in snippet},
    )


def _api_items(path: Path, document: Any) -> Iterator[tuple[Any, str]]:
    """commentThread (or comment) items from a response, a list of responses (pages) or a bare list of items."""
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        for index, item in enumerate(document["items"]):
            yield item, f"$.items[{index}]"
    elif isinstance(document, list):
        for index, entry in enumerate(document):
            if isinstance(entry, dict) and isinstance(entry.get("items"), list):
                for inner, item in enumerate(entry["items"]):
                    yield item, f"$[{index}].items[{inner}]"
            else:
                yield entry, f"$[{index}]"
    else:
        raise ReaderError(path, "$", "expected a commentThreadListResponse or commentListResponse with a list of "
                                     "items, or a list of them")


@dataclass
class _Thread:
    """One commentThread item as read."""

    video: str
    #: The top-level comment's id (its JSON path when that comment was rejected): the same in every fetch.
    key: str
    declared_replies: int
    #: Its top-level comment and the replies included with it that could be read, with their JSON paths.
    comments: list[tuple[Comment, str]]


def _thread(path: Path, item: Any, where: str, result: ReadResult) -> _Thread:
    """A commentThread item, or a youtube#comment item of a comments.list response (a reply fetched on its
    own: a thread of one, keyed by its parent); a comment in it that cannot be read is added to the
    rejects, and ItemError says why the item itself cannot be."""
    if isinstance(item, dict) and item.get("kind") == "youtube#comment":
        comment = _api_comment(item, where, None)
        video = text_field(item["snippet"], "videoId") or path.stem
        return _Thread(video=video, key=comment.parent_id or comment.id, declared_replies=0, comments=[(comment, where)])
    snippet = item.get("snippet") if isinstance(item, dict) else None
    if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
        raise ItemError("expected a youtube#commentThread with snippet.topLevelComment")
    thread = _Thread(video=text_field(snippet, "videoId") or path.stem, key=where,
                     declared_replies=count_field(snippet, "totalReplyCount") or 0, comments=[])
    replies = item.get("replies") or {}
    listed = (replies.get("comments") or []) if isinstance(replies, dict) else replies
    if not isinstance(listed, list):
        result.rejects.append(item_reject(path, f"{where}.replies", "replies", ItemError(
            "expected replies.comments, a list"), replies))
        listed = []
    resources = [(snippet["topLevelComment"], f"{where}.snippet.topLevelComment")]
    resources += [(reply, f"{where}.replies.comments[{index}]") for index, reply in enumerate(listed)]
    for index, (resource, at) in enumerate(resources):
        try:  # replies name the top-level comment, by its path when it was rejected
            comment = _api_comment(resource, at, None if index == 0 else thread.key)
        except ValueError as error:  # ItemError: a field of the wrong type
            result.rejects.append(item_reject(path, at, "comment", error, resource))
            continue
        if index == 0:
            thread.key = comment.id
        thread.comments.append((comment, at))
    return thread


def _read_api(path: Path, options: ReadOptions) -> ReadResult:
    parsed = read_json(path, options.fallback_encoding)
    result = ReadResult(rejects=repair_rejects(path, parsed.repairs, "JSON repaired"))
    articles: dict[str, Article] = {}
    seen = SeenIds()
    kept = 0  # comments kept: their positions
    # per thread (top-level comment id): its video, the largest totalReplyCount any fetch gave, replies kept
    threads: dict[str, tuple[str, int]] = {}
    replies_kept: Counter[str] = Counter()
    for item, where in _api_items(path, parsed.document):
        try:
            thread = _thread(path, item, where, result)
        except ValueError as error:  # ItemError: not a thread, or a video id of the wrong type
            result.rejects.append(item_reject(path, where, "thread", error, item))
            continue
        article = articles.setdefault(thread.video, Article(
            id=thread.video, source_file=str(path), format=FORMAT,
            url=f"https://www.youtube.com/watch?v={thread.video}", missing_comment_count=0))
        for comment, at in thread.comments:
            if not seen.is_repeat(comment.id, at):
                comment.position = kept
                kept += 1
                article.comments.append(comment)
                if comment.parent_id is not None:
                    replies_kept[thread.key] += 1
        declared = max(threads.get(thread.key, (thread.video, 0))[1], thread.declared_replies)
        threads[thread.key] = (thread.video, declared)
    for thread_id, (video, declared) in threads.items():
        articles[video].missing_comment_count = (articles[video].missing_comment_count or 0) + max(
            0, declared - replies_kept[thread_id])
    result.articles = list(articles.values())
    result.rejects += seen.rejects(str(path))
    return result


@register("youtube", _sniff, "YouTube comments: youtube-comment-downloader JSON lines or --pretty, Data API v3 "
                            "threads and comments")
def read(path: Path, options: ReadOptions) -> ReadResult:
    with path.open("rb") as stream:
        # decoded as the whole file will be (UTF-16 without a byte-order mark too), re-encoded for the patterns
        head = decode_text(stream.read(SNIFF_BYTES), options.fallback_encoding).text.encode("utf-8")
    if _API_KIND.search(head):
        return _read_api(path, options)
    return _read_ycd(path, options, pretty=re.match(rb'\s*\{\s*"comments"\s*:', head) is not None)
