"""YouTube comment dumps: youtube-comment-downloader (JSON lines or ``--pretty``), Data API v3, and
yt-dlp's ``.info.json``.

youtube-comment-downloader writes one comment per line (``cid``, ``text``, ``author``, ``time``,
``votes``, later also ``reply`` and ``time_parsed``), or with ``--pretty`` one object with a
``comments`` list. A reply's ``cid`` is ``<parent cid>.<reply id>``. Its files hold one video
and name none, so the article is the file (id = file name without extension).

Data API v3 ``commentThreads`` responses (an object with ``items``, or the items saved as an
array) give ``snippet.topLevelComment`` and, when requested, ``replies.comments``; one article per
``videoId``. ``comments.list`` responses (the further replies of a thread, paged by ``parentId``)
give ``youtube#comment`` items, alone or among the threads. Replies the API did not include
(``totalReplyCount`` above what is there) count as missing.

yt-dlp (``--write-comments``) saves one video as one object: its metadata (``id``, ``title``,
``description``, ``timestamp``, ``webpage_url``, ``comment_count`` …) and, near the end after
``formats`` and the rest, a flat ``comments`` list whose ``parent`` is ``"root"`` or the parent's id.
Without ``--write-comments`` there is no list: the video's declared count is then missing, not zero.
``yt-dlp -j`` prints one such object per line (several URLs, or a playlist's or channel's videos): one
article per line, a line that is not a video a reject naming it, a video met again kept once.
``yt-dlp -J`` of a playlist writes one ``"_type": "playlist"`` object whose ``entries`` are videos (or, for a
channel, its tabs' playlists): one article per video, the playlist's title in ``extra["playlist"]``.
A ``--flat-playlist`` entry (``"_type": "url"``) only links to a video: its comments were never fetched, so it
is an article only when it declares a ``comment_count`` (all of them missing), and a reject otherwise.

Tools that page through a video several times save overlapping fetches in one file: each comment
id is kept once (its first occurrence), and one reject line counts the repeats.

Every failure is per item: a line that is not JSON, a thread or comment of the wrong shape or with
a field of the wrong type is a reject naming its line or JSON path, and the rest of the file is read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import SNIFF_BYTES, ReaderError, ReadResult, register
from analyzer.readers._common import WESTERN, SeenIds, clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import (
    BadJson,
    ItemError,
    count_field,
    decode_text,
    extra_value,
    html_to_text,
    item_reject,
    json_lines,
    parse_json,
    read_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment

FORMAT = "youtube"
_API_KIND = re.compile(rb'"kind"\s*:\s*"youtube#(commentThread|commentThreadListResponse|comment|commentListResponse)"')
#: What every version of youtube-comment-downloader writes of a comment: "cid" and "text" alone are other tools' too
#: (TikTok's comment API names its comments' ids "cid").
_YCD_KEYS = {"cid", "text", "votes"}
#: Data API moderationStatus → our status (only moderators' own requests see the non-published ones).
_API_STATUS = {"published": "published", "heldForReview": "pending", "likelySpam": "spam", "rejected": "deleted"}
#: Keys only yt-dlp's info dicts have, and those of their ``formats`` entries, which are what the head of a real
#: file holds (``comments`` comes megabytes later, after the formats, thumbnails and captions).
#: (``ie_key``: the extractor a --flat-playlist link names.)
_YTDLP_INFO_KEYS = frozenset({"extractor", "extractor_key", "webpage_url", "original_url", "display_id", "fulltitle",
                              "_type", "ie_key"})
_YTDLP_FORMAT_KEYS = frozenset({"format_id", "format_note", "acodec", "vcodec"})
_YTDLP_KEY = re.compile(rb'"(' + "|".join(sorted(_YTDLP_INFO_KEYS | _YTDLP_FORMAT_KEYS)).encode() + rb')"\s*:')
_YTDLP_EXTRACTOR = re.compile(rb'"(?:extractor(?:_key)?|ie_key)"\s*:\s*"([^"\\]*)"')
_YTDLP_TYPE = re.compile(rb'"_type"\s*:\s*"([^"\\]*)"')
#: ``_type`` of what lists videos in its ``entries`` (-J of a playlist; a channel's tabs inside it), and of a
#: --flat-playlist entry, a link to a video whose info (and comments) yt-dlp did not fetch.
_PLAYLIST_TYPES = ("playlist", "multi_video")
_LINK_TYPES = ("url", "url_transparent")
_NOT_BLANK = re.compile(r"\S")
#: A YouTube address in a URL field: the video's page, its stream and storyboard servers, its thumbnails.
_YOUTUBE_URL = re.compile(rb'"(?:url|webpage_url|original_url|thumbnail)"\s*:\s*"https?://(?:[^"/]*\.)?'
                          rb'(?:youtube\.com|youtu\.be|googlevideo\.com|ytimg\.com)/')
#: A yt-dlp comment's fields kept in ``extra`` (``_time_text`` is the relative time YouTube showed).
_YTDLP_COMMENT_EXTRA = ("like_count", "is_favorited", "is_pinned", "author_is_uploader", "author_is_verified",
                        "author_id", "_time_text")
#: A video's fields kept in ``extra``; ``playlist`` is the title of the playlist yt-dlp fetched it in (-j of one).
_YTDLP_VIDEO_EXTRA = ("channel", "channel_id", "uploader", "playlist")


def _first_ycd_line(head: bytes) -> Any:
    """The first JSON line when it may be a youtube-comment-downloader comment (it has a "cid")."""
    line = head.lstrip(b" \t\r\n").split(b"\n", 1)[0]
    if b'"cid"' not in line:  # spares parsing a long line of some other JSON
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None


def _first_object(head: bytes) -> bytes:
    """The head's first line when it ends in the head and is not the lone "{" an indented object opens with: JSON
    lines (yt-dlp -j), whose next lines are other videos that say nothing of the first. Else the head."""
    line, newline, _ = head.lstrip(b" \t\r\n").partition(b"\n")
    return line if newline and line.rstrip(b" \t\r") != b"{" else head


def _from_youtube(head: bytes, playlist: bool) -> bool:
    """Whether the first extractor the head names is YouTube's video extractor (for a playlist also its tab and
    playlist extractors, "youtube:tab" …), or, where it names none yet, whether a URL in it is YouTube's."""
    extractor = _YTDLP_EXTRACTOR.search(head)
    if extractor is None:  # it comes after the formats, and a playlist's after its entries
        return _YOUTUBE_URL.search(head) is not None
    name = extractor.group(1).lower()
    return name == b"youtube" or (playlist and name.startswith(b"youtube"))


def _is_ytdlp(head: bytes) -> bool:
    """Whether the head starts a yt-dlp info dict of a YouTube video (JSON lines of them: its first line does),
    or a YouTube playlist's. Only its first SNIFF_BYTES are looked at, as ``read`` sees them; keys, not a parse,
    since the head of a multi-megabyte object is cut off."""
    head = _first_object(head[:SNIFF_BYTES])
    if not head.lstrip(b" \t\r\n").startswith(b"{"):
        return False
    kind = _YTDLP_TYPE.search(head)
    if kind is not None and kind.group(1) == b"playlist":  # a playlist's own "_type" comes before its entries'
        return _from_youtube(head, playlist=True)
    # another site's video, or a tab extractor's object that is no playlist: not a YouTube video's comments
    return len(set(_YTDLP_KEY.findall(head))) >= 2 and _from_youtube(head, playlist=False)


def _sniff(head: bytes, path: Path) -> float:
    # the kind marker may sit anywhere, but the file must start as JSON: junk before it is stray bytes
    if head.lstrip(b" \t\r\n").startswith((b"{", b"[")) and _API_KIND.search(head):
        return 0.95
    first = _first_ycd_line(head)
    if isinstance(first, dict) and _YCD_KEYS <= first.keys():
        return 0.95
    stripped = head.lstrip(b" \t\r\n")
    pretty = re.match(rb'\{\s*"comments"\s*:\s*\[\s*\{\s*"cid"', stripped) if stripped.startswith(b"{") else None
    if pretty and b'"votes"' in head:
        return 0.95
    return 0.95 if _is_ytdlp(head) else 0.0


#: Makes a Comment of one record (at this JSON path or line, at this position), or raises ItemError.
_Build = Callable[[Any, str, int], Comment]


def _kept_comments(path: Path, records: Iterable[tuple[Any, str]], build: _Build, result: ReadResult) -> list[Comment]:
    """The comments of the records in file order, depths filled: a record that cannot be read is a reject,
    a repeated id is kept once and one reject counts the repeats."""
    comments: list[Comment] = []
    seen = SeenIds()
    for record, where in records:
        try:
            comment = build(record, where, len(comments))
        except ValueError as error:  # ItemError: not an object, or a field of the wrong type
            result.rejects.append(item_reject(path, where, "comment", error, record))
            continue
        if not seen.is_repeat(comment.id, where):
            comments.append(comment)
    fill_depths(comments)
    result.rejects += seen.rejects(str(path))
    return comments


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
    """The objects of a JSON-lines file, each with ``line N`` (see _json_line_records)."""
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    result.rejects += repair_rejects(path, decoded.repairs, "text repaired")
    return _json_line_records(path, decoded.text, result)


def _json_line_records(path: Path, text: str, result: ReadResult) -> list[tuple[Any, str]]:
    """One object per line, each with ``line N``; a line that is not JSON is a reject. A file
    with no line of JSON at all is refused, with the first line's reason."""
    lines = json_lines(path, text)
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


def _ycd_result(path: Path, records: list[tuple[Any, str]], result: ReadResult) -> ReadResult:
    """The file's one article, with the comments of these records."""
    last_top_level: str | None = None

    def build(record: Any, where: str, position: int) -> Comment:
        nonlocal last_top_level
        comment = _ycd_comment(record, position, last_top_level)
        if comment.parent_id is None:  # a repeat too: old exports write a reply after its thread's comment
            last_top_level = comment.id
        return comment

    comments = _kept_comments(path, records, build, result)
    result.articles.append(Article(id=path.stem, source_file=str(path), format=FORMAT, comments=comments))
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


# --- yt-dlp info.json ----------------------------------------------------------------------------


def _within(where: str, path: str) -> str:
    """Where a field or item of the object at ``where`` is: ``$.entries[3].comments[5]``; an object that is a
    line of its own gets its JSON path after the line: ``line 2, $.comments[5]``."""
    return f"{where}{path}" if "$" in where else f"{where}, ${path}"


def _ytdlp_comment(record: Any, where: str, position: int) -> Comment:
    if not isinstance(record, dict):
        raise ItemError("expected a yt-dlp comment object")
    text = clean_text(text_field(record, "text"))
    if not text:
        raise ItemError("yt-dlp comment without text")
    parent = text_field(record, "parent")
    return Comment(
        id=text_field(record, "id") or where,  # the JSON path is unique and says where
        text=text,
        position=position,
        parent_id=None if parent in (None, "", "root") else parent,
        author=text_field(record, "author"),
        # yt-dlp reckons it from the relative "_time_text" (kept in extra) when it fetched: as exact as its unit
        time=to_iso8601(record.get("timestamp")),
        extra={key: extra_value(record[key]) for key in _YTDLP_COMMENT_EXTRA if record.get(key) not in (None, "")},
    )


def _info_texts(path: Path, info: dict[str, Any], where: str, result: ReadResult) -> dict[str, str | None]:
    """The video's text fields; one of the wrong type is a reject naming it, and the comments are still read."""
    texts: dict[str, str | None] = {}
    for key in ("id", "title", "fulltitle", "description", "webpage_url", "upload_date", *_YTDLP_VIDEO_EXTRA):
        try:
            texts[key] = text_field(info, key)
        except ItemError as error:
            result.rejects.append(item_reject(path, _within(where, f".{key}"), "video field", error, info[key]))
            texts[key] = None
    return texts


def _ytdlp_article(path: Path, info: dict[str, Any], where: str, result: ReadResult) -> Article:
    """The video as an Article, without its comments."""
    texts = _info_texts(path, info, where, result)
    video = texts["id"]
    return Article(
        id=video or path.stem,
        source_file=str(path),
        format=FORMAT,
        title=clean_text(texts["title"] or texts["fulltitle"]) or None,
        url=texts["webpage_url"] or (f"https://www.youtube.com/watch?v={video}" if video else None),
        date=to_iso8601(info.get("timestamp")) or to_iso8601(texts["upload_date"]),
        body=clean_text(texts["description"]),
        declared_comment_count=count_field(info, "comment_count"),
        extra={key: value for key in _YTDLP_VIDEO_EXTRA if (value := texts[key])},
    )


def _without_comments(path: Path, info: dict[str, Any], where: str, article: Article, result: ReadResult) -> bool:
    """A video saved without its comment list: its declared comments are missing, not absent from the video.
    True when there is no list at all (the file's note says why), False for one of the wrong type (a reject)."""
    article.missing_comment_count = article.declared_comment_count
    if info.get("comments") is None:
        return True
    result.rejects.append(item_reject(path, _within(where, ".comments"), "comments", ItemError(
        "expected a list of comment objects"), info["comments"]))
    return False


def _is_json_lines(text: str) -> bool:
    """Whether the text is lines of JSON (yt-dlp -j): more than one line, the first not the lone "{" an indented
    object opens with (a first line that is broken is one line's reject, not the file's refusal)."""
    first = _NOT_BLANK.search(text)
    if first is None:
        return False
    end = text.find("\n", first.start())
    return end >= 0 and text[first.start():end].rstrip() != "{" and _NOT_BLANK.search(text, end) is not None


def _ytdlp_documents(path: Path, options: ReadOptions, result: ReadResult) -> list[tuple[Any, str]]:
    """The file's objects with where each is: the whole file as one (``$``: a video or a playlist), or one per
    line (``line N``) as yt-dlp -j prints them, a line that is not JSON a reject."""
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    if _is_json_lines(decoded.text):
        result.rejects += repair_rejects(path, decoded.repairs, "text repaired")
        return _json_line_records(path, decoded.text, result)
    try:  # as read_json does, on the text already decoded
        parsed = parse_json(decoded.text)
    except BadJson as error:
        raise ReaderError(path, error.location, error.message) from None
    result.rejects += repair_rejects(path, decoded.repairs + parsed.repairs, "JSON repaired")
    return [(parsed.document, "$")]


def _is_playlist(item: Any) -> bool:
    return isinstance(item, dict) and item.get("_type") in _PLAYLIST_TYPES and isinstance(item.get("entries"), list)


def _video_kind(info: Any) -> str:
    """"video", or "link" for a --flat-playlist entry; ItemError for anything else."""
    if not isinstance(info, dict):
        raise ItemError("expected a yt-dlp video object")
    kind = text_field(info, "_type")
    if kind in _LINK_TYPES:
        return "link"
    if kind in (None, "video"):
        return "video"
    if kind in _PLAYLIST_TYPES:
        raise ItemError("a playlist without its list of entries")
    raise ItemError(f"expected a yt-dlp video, not a {kind[:40]!r}")


def _unlisted_notes(unlisted: Counter[str], videos: int) -> list[str]:
    """Why videos came without their comments, said once for the file."""
    notes = []
    if unlisted["video"]:
        saved = "no comments in the file" if videos == 1 else f"{unlisted['video']} of {videos} videos without comments"
        notes.append(f"{saved} (yt-dlp saves them only with --write-comments)")
    if unlisted["link"]:
        notes.append(f"{unlisted['link']} --flat-playlist link(s): their comments were not fetched")
    return notes


class _YtdlpVideos:
    """The videos of one yt-dlp file, in file order: each kept once, comment positions counted across them."""

    def __init__(self, path: Path, result: ReadResult) -> None:
        self.path = path
        self.result = result
        self.seen = SeenIds("videos")
        self.kept = 0  # comments kept so far: the next one's position in the file
        #: videos read without a comment list: saved so ("video"), or --flat-playlist entries ("link")
        self.unlisted: Counter[str] = Counter()

    def add(self, document: Any, where: str) -> None:
        """Every video of one object of the file (a video, or a playlist) as an article, or a reject."""
        for info, at, playlist in self._videos(document, where):
            try:
                article = self._article(info, at)
            except ValueError as error:  # ItemError: not a video, or none to tell from the others
                self.result.rejects.append(item_reject(self.path, at, "video", error, info))
                continue
            if article is not None:
                if playlist:
                    article.extra["playlist"] = playlist
                self.result.articles.append(article)

    def finish(self) -> None:
        self.result.rejects += self.seen.rejects(str(self.path))
        self.result.notes += _unlisted_notes(self.unlisted, len(self.result.articles))

    def _videos(self, document: Any, where: str) -> Iterator[tuple[Any, str, str | None]]:
        """The objects a document lists, with where each is and the title of the playlist listing it: the
        document itself, or a playlist's entries, and so the entries of the playlists among them (a channel's tabs)."""
        pending: list[tuple[Any, str, str | None]] = [(document, where, None)]
        while pending:  # no recursion: playlists nest as deep as the JSON does
            item, at, playlist = pending.pop()
            if not _is_playlist(item):
                yield item, at, playlist
                continue
            title = self._playlist_title(item, at) or playlist
            pending += reversed([(entry, _within(at, f".entries[{index}]"), title)
                                 for index, entry in enumerate(item["entries"])])

    def _playlist_title(self, playlist: dict[str, Any], where: str) -> str | None:
        try:
            return clean_text(text_field(playlist, "title")) or None
        except ItemError as error:
            self.result.rejects.append(item_reject(self.path, _within(where, ".title"), "playlist field", error,
                                                   playlist["title"]))
            return None

    def _article(self, info: Any, where: str) -> Article | None:
        """The video with its comments; None for a repeat. ItemError when it cannot be read as a video."""
        kind = _video_kind(info)
        if kind == "link" and count_field(info, "comment_count") is None:
            raise ItemError("a --flat-playlist entry: its comments were not fetched (run yt-dlp --write-comments "
                            "on its url)")
        if where != "$":  # one of several: its id tells it from the others (the only one is named by the file)
            video = text_field(info, "id")
            if not video:
                raise ItemError("yt-dlp video without an 'id'")
            if self.seen.is_repeat(video, where):
                return None
        article = _ytdlp_article(self.path, info, where, self.result)
        listed = info.get("comments")
        if isinstance(listed, list):
            article.comments = self._comments(listed, where)
        elif _without_comments(self.path, info, where, article, self.result):
            self.unlisted[kind] += 1
        return article

    def _comments(self, listed: list[Any], where: str) -> list[Comment]:
        start = self.kept  # positions go on from the videos before this one

        def build(record: Any, at: str, position: int) -> Comment:
            return _ytdlp_comment(record, at, start + position)

        records = ((record, _within(where, f".comments[{index}]")) for index, record in enumerate(listed))
        comments = _kept_comments(self.path, records, build, self.result)
        self.kept += len(comments)
        return comments


def _ytdlp_result(path: Path, documents: list[tuple[Any, str]], result: ReadResult) -> ReadResult:
    """The videos of the file's objects (see _ytdlp_documents) as articles, what is no video as rejects."""
    videos = _YtdlpVideos(path, result)
    for document, where in documents:
        if where == "$" and not isinstance(document, dict):
            raise ReaderError(path, "$", "expected a yt-dlp info.json object (a video or a playlist)")
        videos.add(document, where)
    videos.finish()
    return result


def _read_ytdlp(path: Path, options: ReadOptions) -> ReadResult:
    result = ReadResult()
    return _ytdlp_result(path, _ytdlp_documents(path, options, result), result)


def _ytdlp_lines(records: list[tuple[Any, str]]) -> bool:
    """Whether JSON lines are yt-dlp's: the first object that is either a youtube-comment-downloader comment (a
    "cid") or a yt-dlp info dict (its keys, as the sniffer counts them) says which."""
    for document, _ in records:
        if isinstance(document, dict) and "cid" in document:
            return False
        if isinstance(document, dict) and len(_YTDLP_INFO_KEYS & document.keys()) >= 2:
            return True
    return False


@register("youtube", _sniff, "YouTube comments: youtube-comment-downloader JSON lines or --pretty, Data API v3 "
                            "threads and comments, yt-dlp .info.json, -j JSON lines and -J playlists")
def read(path: Path, options: ReadOptions) -> ReadResult:
    with path.open("rb") as stream:
        # decoded as the whole file will be (UTF-16 without a byte-order mark too), re-encoded for the patterns
        head = decode_text(stream.read(SNIFF_BYTES), options.fallback_encoding or WESTERN).text.encode("utf-8")
    if _API_KIND.search(head):
        return _read_api(path, options)
    if _is_ytdlp(head):
        return _read_ytdlp(path, options)
    result = ReadResult()
    if re.match(rb'\s*\{\s*"comments"\s*:', head):
        return _ycd_result(path, _pretty_records(path, options, result), result)
    records = _line_records(path, options, result)
    # the head showed no yt-dlp video, yet --format youtube may name yt-dlp -j lines whose first line is broken
    return (_ytdlp_result if _ytdlp_lines(records) else _ycd_result)(path, records, result)
