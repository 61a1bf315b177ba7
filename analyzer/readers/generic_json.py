"""Comments in the custom JSON shapes that scrapers and news platforms write.

The file is one JSON document holding a list of comment objects: the document itself, or a list
under a key ("comments", "data", "items", "results" first, then any other; nested objects are
searched too). Which field is what is found by name, in any spelling (``full_text``, ``fullText``),
and checked on the values: a text field holds text, a time field reads as a time, an author is a
name or an object holding one.

- text: full_text, text, body, content, message, comment, raw_message (HTML markup is turned into text)
- author: userName, author, user, username, name, from; time: created_at, time, date, timestamp,
  published, created_time
- id: id, comment_id, cid; parent: parent_id, parent, in_reply_to
- replies nested under replies / children / comments (a list, or a page object holding one as
  Facebook's Graph API writes ``{"data": [...]}``): depth and parent come from the nesting
- status: deleted / removed flags, spam flags (``isSpam``)

One article per file, titled from the document's own title / url, unless the comments name theirs
(article_id, thread, story_id, post_id …: one article each, replies in their parent's). The fields
used are named in ``Article.extra["fields"]``. A comment id read before (overlapping fetches saved
together) is kept once and one reject counts the repeats; an object that cannot be a comment is a
reject naming its JSON path. The specific readers (Reddit, YouTube, Hacker News, tables) outbid this one, except
where only it can read the file: nested replies, which a table reader would leave inside rows.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import (
    SeenIds,
    clean_text,
    decode_bytes,
    fill_depths,
    to_iso8601,
)
from analyzer.readers._structured import (
    ItemError,
    extra_value,
    html_to_text,
    item_reject,
    read_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment

FORMAT = "generic-json"

# Field names per role, normalised (lower case, no "_" / "-"), most specific first.
_TEXT = ("fulltext", "text", "body", "content", "message", "comment", "commenttext", "commentbody", "rawmessage")
_AUTHOR = ("username", "author", "authorname", "user", "name", "by", "displayname", "screenname", "from")
_TIME = ("createdat", "time", "date", "timestamp", "published", "publishedat", "created", "createdutc", "postedat",
         "createdtime")
_ID = ("id", "commentid", "cid")
_PARENT = ("parentid", "parent", "inreplyto", "inreplytoid", "replyto", "parentcommentid")
_REPLIES = ("replies", "children", "comments", "responses")
#: The article (thread, story, post) a comment belongs to, where one file holds several.
_ARTICLE = ("articleid", "article", "thread", "threadid", "storyid", "postid", "linkid", "videoid")
#: Keys under which the comment list usually sits, searched before the others.
_LIST_KEYS = ("comments", "data", "items", "results")
_TITLE = ("title", "headline")
_URL = ("url", "link", "permalink")
#: Flags that mark a comment removed (its text may then be empty), or spam.
_DELETED_FLAGS = ("deleted", "isdeleted", "removed", "isremoved")
_SPAM_FLAGS = ("isspam", "spam")
#: Parent values that mean "no parent".
_NO_PARENT = {"", "0", "null", "none"}
#: How deep in the document the comment list is looked for, and how many comments choose the fields.
_SEARCH_DEPTH = 4
_FIELD_SAMPLE = 1000
_MARKUP = re.compile(r"<(?:p|br|a|b|i|em|strong|div|span|blockquote)\b[^>]*>", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
_JSON_OPENING = re.compile(rb"\A[ \t\r\n]*[\[{]")  # JSON's own blanks: "\v{" is junk then JSON
_KEY = re.compile(rb'"([^"\\]{1,40})"\s*:')
# replies as a list, or (Facebook's Graph API) as a page object holding one: "comments": {"data": [
_NESTED_LIST = re.compile(rb'"(?:replies|children|responses)"\s*:\s*\[\s*\{|"comments"\s*:\s*\{\s*"data"\s*:\s*\[',
                          re.IGNORECASE)

# How sure the sniffer is: nested replies are what no other reader of unknown shapes can hold;
# a flat list is as well read by the table reader, which outbids this (0.5 with a usual text column).
_NESTED_CONFIDENCE = 0.6
_FLAT_CONFIDENCE = 0.45
_TRUNCATED_CONFIDENCE = 0.4


@lru_cache(maxsize=4096)  # the same few keys, in every one of thousands of objects
def _norm(key: str) -> str:
    return re.sub(r"[_\-\s]", "", key).lower()


def _child(where: str, key: str | int) -> str:
    """The JSON path of a member: ``$.comments``, ``$[3]``, ``$["odd key"]``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if _IDENTIFIER.match(key) else f"{where}[{json.dumps(key, ensure_ascii=False)}]"


def _named(obj: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first key of the object that has one of these normalised names (in the names' order)."""
    by_norm = {_norm(key): key for key in obj}
    return next((by_norm[name] for name in names if name in by_norm), None)


# --- which field is what -----------------------------------------------------------------------------


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_author(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and _author_name(value) is not None)


def _is_time(value: Any) -> bool:
    return to_iso8601(value) is not None


def _is_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _is_parent(value: Any) -> bool:
    return value is None or _is_id(value)


def _replies(value: Any) -> tuple[list[Any], str | None] | None:
    """The list of replies a field holds, and the key of the page object wrapping it (Facebook's Graph API
    nests replies as ``{"data": [...], "paging": …}``); None when it holds none."""
    if isinstance(value, list):
        return value, None
    if isinstance(value, dict):
        key = _named(value, _LIST_KEYS)
        if key is not None and isinstance(value[key], list):
            return value[key], key
    return None


def _is_replies(value: Any) -> bool:
    return _replies(value) is not None


def _author_name(user: dict[str, Any]) -> str | None:
    """The name in a user object ({"name": …} / {"username": …} / {"displayName": …})."""
    key = _named(user, ("name", "username", "displayname", "screenname", "login"))
    value = user.get(key) if key else None
    return value if isinstance(value, str) else None


def _field(objects: list[dict[str, Any]], names: tuple[str, ...], fits: Callable[[Any], bool],
           taken: set[str]) -> str | None:
    """The key, among those with one of the names, whose values fit the role in at least half the objects
    holding it: one of two comments with a text of the wrong type is that comment's reject, not the file's."""
    for name in names:
        holding = [(key, obj[key]) for obj in objects for key in obj if _norm(key) == name and key not in taken]
        if holding and 2 * sum(fits(value) for _, value in holding) >= len(holding):
            return holding[0][0]
    return None


@dataclass(frozen=True)
class _Fields:
    text: str
    replies: str | None
    id: str | None
    parent: str | None
    author: str | None
    time: str | None
    article: str | None = None

    def used(self) -> set[str]:
        return {key for key in (self.text, self.replies, self.id, self.parent, self.author, self.time, self.article)
                if key}

    def named(self, comments_at: str) -> dict[str, str]:
        """For ``Article.extra["fields"]``: where the comments are and the key used for each role."""
        roles = {"text": self.text, "author": self.author, "time": self.time, "id": self.id,
                 "parent": self.parent, "replies": self.replies, "article": self.article}
        return {"comments": comments_at, **{role: key for role, key in roles.items() if key}}


def _choose_fields(objects: list[dict[str, Any]]) -> _Fields | None:
    """The fields of these comment objects, by name and value; None when no field holds their text."""
    replies = _field(objects, _REPLIES, _is_replies, set())
    taken = {replies} if replies else set()
    text = _field(objects, _TEXT, _is_text, taken)
    if text is None:
        return None
    taken.add(text)
    chosen: dict[str, str | None] = {}
    for role, names, fits in (("id", _ID, _is_id), ("parent", _PARENT, _is_parent),
                              ("author", _AUTHOR, _is_author), ("time", _TIME, _is_time),
                              ("article", _ARTICLE, _is_id)):
        chosen[role] = _field(objects, names, fits, taken)
        taken |= {chosen[role]} - {None}
    if chosen["article"] is not None and not _groups(objects, chosen["article"]):
        chosen["article"] = None  # a value per comment ("post_id" on a forum's posts) is their own id
    return _Fields(text=text, replies=replies, **chosen)


def _groups(objects: list[dict[str, Any]], key: str) -> bool:
    """Whether some comments share a value of the key, as comments of one article share its id."""
    values = [str(obj[key]) for obj in objects if _is_id(obj.get(key))]
    return len(set(values)) < len(values)


# --- where the comments are ------------------------------------------------------------------------------


def _objects(items: list[Any], replies: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` comment objects of a list, nested replies included, in document order."""
    found: list[dict[str, Any]] = []
    stack = list(reversed(items))
    while stack and len(found) < limit:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            nested = _replies(item.get(replies)) if replies else None
            stack.extend(reversed(nested[0]) if nested else ())
    return found


def _sample_fields(items: list[Any]) -> _Fields | None:
    """The fields of a candidate list: first its own objects, then with their nested replies."""
    fields = _choose_fields(_objects(items, None, _FIELD_SAMPLE))
    if fields is None or fields.replies is None:
        return fields
    return _choose_fields(_objects(items, fields.replies, _FIELD_SAMPLE))


def _comment_list(document: Any) -> tuple[list[Any], str, _Fields] | None:
    """The shallowest list of comment objects in the document (usual keys first), its path and fields."""
    queue: deque[tuple[Any, str, int]] = deque([(document, "$", 0)])
    while queue:
        node, where, depth = queue.popleft()
        if isinstance(node, list):
            fields = _sample_fields(node)
            if fields is not None:
                return node, where, fields
        elif isinstance(node, dict) and depth < _SEARCH_DEPTH:
            for key in sorted(node, key=lambda k: _norm(k) not in _LIST_KEYS):
                queue.append((node[key], _child(where, key), depth + 1))
    return None


# --- sniffing -------------------------------------------------------------------------------------------------


def _sniff(head: bytes, path: Path) -> float:
    if not _JSON_OPENING.match(head):
        return 0.0
    text = decode_bytes(head)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        # more after one whole value is JSON lines: the table reader's
        return 0.0 if error.msg == "Extra data" else _sniff_truncated(head)
    except (ValueError, RecursionError):
        return 0.0
    found = _comment_list(document)
    if found is None:
        return 0.0
    return _NESTED_CONFIDENCE if found[2].replies else _FLAT_CONFIDENCE


def _sniff_truncated(head: bytes) -> float:
    """A document longer than the head: judged by its keys (a text name and another role's name)."""
    keys = {_norm(key.decode("utf-8", "replace")) for key in _KEY.findall(head)}
    if not keys & set(_TEXT) or not keys & set(_AUTHOR + _TIME + _ID):
        return 0.0
    return _NESTED_CONFIDENCE if _NESTED_LIST.search(head) else _TRUNCATED_CONFIDENCE


# --- reading ---------------------------------------------------------------------------------------------------


def _text(obj: dict[str, Any], key: str) -> str:
    value = text_field(obj, key) or ""
    return html_to_text(value) if _MARKUP.search(value) else clean_text(value)


def _author(obj: dict[str, Any], key: str | None) -> str | None:
    value = obj.get(key) if key else None
    if isinstance(value, dict):
        return _author_name(value)
    return (clean_text(value) or None) if isinstance(value, str) else None


def _parent(obj: dict[str, Any], key: str | None) -> str | None:
    value = text_field(obj, key) if key else None
    return None if value is None or value.strip().lower() in _NO_PARENT else value.strip()


def _time(obj: dict[str, Any], key: str | None) -> str | None:
    return to_iso8601(obj.get(key)) if key else None


def _flagged(obj: dict[str, Any], flags: tuple[str, ...]) -> bool:
    key = _named(obj, flags)
    return key is not None and obj[key] is True


def _comment(obj: dict[str, Any], fields: _Fields, where: str, position: int, nested_parent: str | None,
             depth: int | None) -> Comment:
    """One comment object as a Comment; ItemError when it has no text (and is not marked deleted)."""
    text = _text(obj, fields.text)
    deleted = _flagged(obj, _DELETED_FLAGS)
    if not text and not deleted:
        raise ItemError(f"no text in {fields.text!r}")
    return Comment(
        id=(text_field(obj, fields.id) if fields.id else None) or where,  # the path is unique and says where
        text=text,
        position=position,
        parent_id=nested_parent if depth else _parent(obj, fields.parent),
        depth=depth,
        author=_author(obj, fields.author),
        time=_time(obj, fields.time),
        status="deleted" if deleted else "spam" if _flagged(obj, _SPAM_FLAGS) else "published",
        extra={key: extra_value(value) for key, value in obj.items() if key not in fields.used()},
    )


def _id_of(obj: dict[str, Any], key: str | None) -> str | None:
    """The object's id when it has a usable one (replies still name a rejected parent by it)."""
    value = obj.get(key) if key else None
    return str(value) if _is_id(value) else None


def _read_comments(path: Path, items: list[Any], where: str, fields: _Fields,
                   result: ReadResult) -> list[tuple[Comment, str | None]]:
    """The comments of the list and their nested replies, in document order, each with the article key
    it names (a reply without one: its parent's); the rest as rejects.

    Iterative, so a thread nested thousands deep cannot exhaust Python's stack.
    """
    nested = fields.replies is not None
    seen = SeenIds()
    comments: list[tuple[Comment, str | None]] = []
    stack = [(item, _child(where, index), 0, None, None) for index, item in reversed(list(enumerate(items)))]
    while stack:
        item, at, depth, parent, article = stack.pop()
        if not isinstance(item, dict):
            result.rejects.append(item_reject(path, at, "comment", ItemError("not an object"), item))
            continue
        article = _id_of(item, fields.article) or article
        try:
            comment = _comment(item, fields, at, len(comments), parent, depth if nested else None)
        except ValueError as error:
            result.rejects.append(item_reject(path, at, "comment", error, item))
            comment = None
        if comment is not None and not (fields.id and seen.is_repeat(comment.id, at)):
            comments.append((comment, article))
        replies = _replies(item.get(fields.replies)) if fields.replies else None
        if replies is not None:
            listed, page_key = replies
            at_replies = _child(at, fields.replies)
            at_replies = at_replies if page_key is None else _child(at_replies, page_key)
            # a reply names its parent even when the parent itself was rejected: by its id, else its path
            parent_id = comment.id if comment is not None else _id_of(item, fields.id) or at
            stack.extend((reply, _child(at_replies, index), depth + 1, parent_id, article)
                         for index, reply in reversed(list(enumerate(listed))))
    result.rejects += seen.rejects(str(path))
    return comments


def _top_level(document: Any, names: tuple[str, ...]) -> str | None:
    key = _named(document, names) if isinstance(document, dict) else None
    value = document.get(key) if key else None
    return (clean_text(value) or None) if isinstance(value, str) else None


@register(FORMAT, _sniff, "custom comment JSON: a list of comment objects (any usual field names), nested replies")
def read(path: Path, options: ReadOptions) -> ReadResult:
    parsed = read_json(path, options.fallback_encoding)
    result = ReadResult(rejects=repair_rejects(path, parsed.repairs, "JSON repaired"))
    found = _comment_list(parsed.document)
    if found is None:
        raise ReaderError(path, "$", f"no list of comment objects with a text field ({', '.join(_TEXT)})")
    items, comments_at, fields = found
    by_article: dict[str | None, list[Comment]] = {}
    for comment, article in _read_comments(path, items, comments_at, fields, result):
        by_article.setdefault(article, []).append(comment)
    one = len(by_article) <= 1  # the document's own title and url are its one article's
    for article, comments in by_article.items() or [(None, [])]:
        if fields.replies is None and fields.parent:
            fill_depths(comments)
        result.articles.append(Article(
            id=article or path.stem, source_file=str(path), format=FORMAT,
            title=_top_level(parsed.document, _TITLE) if one else None,
            url=_top_level(parsed.document, _URL) if one else None, comments=comments,
            extra={"fields": fields.named(comments_at)}))
    return result
