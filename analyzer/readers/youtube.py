"""YouTube comment dumps: youtube-comment-downloader (JSON lines or ``--pretty``) and Data API v3.

youtube-comment-downloader writes one comment per line (``cid``, ``text``, ``author``, ``time``,
``votes``, later also ``reply`` and ``time_parsed``), or with ``--pretty`` one object with a
``comments`` list. A reply's ``cid`` is ``<parent cid>.<reply id>``. Its files hold one video
and name none, so the article is the file (id = file name without extension).

Data API v3 ``commentThreads`` responses (an object with ``items``, or the items saved as an
array) give ``snippet.topLevelComment`` and, when requested, ``replies.comments``; one article per
``videoId``. Replies the API did not include (``totalReplyCount`` above what is there) count as
missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import SNIFF_BYTES, ReaderError, ReadResult, register
from analyzer.readers._common import clean_text, decode_bytes, fill_depths, to_iso8601
from analyzer.readers._structured import html_to_text, load_json
from analyzer.records import Article, Comment

FORMAT = "youtube"
_API_KIND = re.compile(rb'"kind"\s*:\s*"youtube#(commentThread|commentThreadListResponse)"')
_YCD_KEYS = {"cid", "text"}
#: Data API moderationStatus → our status (only moderators' own requests see the non-published ones).
_API_STATUS = {"published": "published", "heldForReview": "pending", "likelySpam": "spam", "rejected": "deleted"}


def _first_json_line(head: bytes) -> Any:
    try:
        return json.loads(head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0])
    except ValueError:
        return None


def _sniff(head: bytes, path: Path) -> float:
    if _API_KIND.search(head):
        return 0.95
    first = _first_json_line(head)
    if isinstance(first, dict) and _YCD_KEYS <= first.keys():
        return 0.95
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") and re.match(rb'\{\s*"comments"\s*:\s*\[\s*\{\s*"cid"', stripped):
        return 0.95
    return 0.0


# --- youtube-comment-downloader ----------------------------------------------------------------


def _ycd_records(path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """Each comment object with its location: ``line N`` for JSON lines, a JSON path for --pretty."""
    text = decode_bytes(path.read_bytes())
    if text.lstrip().startswith("{") and re.match(r'\s*\{\s*"comments"\s*:', text):
        document = load_json(path)
        for index, record in enumerate(document.get("comments", [])):
            yield record, f"$.comments[{index}]"
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ReaderError(path, f"line {number}, column {error.colno}", f"not valid JSON: {error.msg}") from None
        yield record, f"line {number}"


def _ycd_comment(path: Path, record: Any, where: str, position: int, last_top_level: str | None) -> Comment:
    if not isinstance(record, dict) or "cid" not in record:
        raise ReaderError(path, where, "expected a youtube-comment-downloader comment object with a 'cid'")
    cid = str(record["cid"])
    if "." in cid:
        parent_id: str | None = cid.split(".", 1)[0]
    else:
        # Old exports mark replies only with reply=true, written right after their thread's first comment.
        parent_id = last_top_level if record.get("reply") else None
    extra = {key: record[key] for key in ("votes", "heart", "channel", "time") if record.get(key) not in (None, "")}
    return Comment(
        id=cid,
        text=clean_text(record.get("text")),
        position=position,
        parent_id=parent_id,
        author=record.get("author"),
        # ``time`` is relative ("7 months ago", kept in extra); only ``time_parsed`` is a point in time.
        time=to_iso8601(record.get("time_parsed")),
        extra=extra,
    )


def _read_ycd(path: Path) -> ReadResult:
    comments: list[Comment] = []
    last_top_level: str | None = None
    for position, (record, where) in enumerate(_ycd_records(path)):
        comment = _ycd_comment(path, record, where, position, last_top_level)
        if comment.parent_id is None:
            last_top_level = comment.id
        comments.append(comment)
    fill_depths(comments)
    return ReadResult(articles=[Article(id=path.stem, source_file=str(path), format=FORMAT, comments=comments)])


# --- Data API v3 commentThreads ----------------------------------------------------------------


def _api_comment(resource: dict[str, Any], position: int, parent_id: str | None) -> Comment:
    snippet = resource.get("snippet") or {}
    original = snippet.get("textOriginal")
    extra = {key: snippet[key] for key in ("likeCount", "updatedAt") if key in snippet}
    return Comment(
        id=str(resource.get("id") or f"position-{position}"),
        text=clean_text(original) if original is not None else html_to_text(snippet.get("textDisplay")),
        position=position,
        parent_id=snippet.get("parentId") or parent_id,
        depth=0 if parent_id is None else 1,
        author=snippet.get("authorDisplayName"),
        time=to_iso8601(snippet.get("publishedAt")),
        status=_API_STATUS.get(snippet.get("moderationStatus", "published"), "published"),
        extra=extra,
    )


def _api_items(document: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """commentThread items from a response, a list of responses (pages) or a bare list of items."""
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


def _read_api(path: Path, document: Any) -> ReadResult:
    articles: dict[str, Article] = {}
    position = 0
    for item, where in _api_items(document):
        snippet = item.get("snippet") if isinstance(item, dict) else None
        if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
            raise ReaderError(path, where, "expected a youtube#commentThread with snippet.topLevelComment")
        video = str(snippet.get("videoId") or path.stem)
        article = articles.setdefault(video, Article(
            id=video, source_file=str(path), format=FORMAT, url=f"https://www.youtube.com/watch?v={video}",
            missing_comment_count=0))
        top = _api_comment(snippet["topLevelComment"], position, None)
        article.comments.append(top)
        position += 1
        replies = (item.get("replies") or {}).get("comments") or []
        for reply in replies:
            article.comments.append(_api_comment(reply, position, top.id))
            position += 1
        article.missing_comment_count = (article.missing_comment_count or 0) + max(
            0, int(snippet.get("totalReplyCount") or 0) - len(replies))
    return ReadResult(articles=list(articles.values()))


@register("youtube", _sniff, "YouTube comments: youtube-comment-downloader JSON lines or --pretty, Data API v3 threads")
def read(path: Path, options: ReadOptions) -> ReadResult:
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if _API_KIND.search(head):
        return _read_api(path, load_json(path))
    return _read_ycd(path)
