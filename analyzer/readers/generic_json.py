"""Comments in the custom JSON shapes that scrapers and news platforms write.

The file is one JSON document holding a list of comment objects: the document itself, or a list
under a key ("comments", "data", "items", "results" first, then any other; nested objects are
searched too). Which field is what is found by name, in any spelling (``full_text``, ``fullText``),
and checked on the values: a text field holds text, a time field reads as a time, an author is a
name or an object holding one.

- text: full_text, text, body, content, message, comment, raw_message, cooked; a string, or an object
  holding one under rendered / html / raw (WordPress's REST API writes ``"content": {"rendered": …}``).
  A text that clearly is HTML markup (tags, entities) is turned into text; "I <3 this" stays as written.
- author: userName, author, user, username, name, from, account, creator, or a user object holding a
  name (name, acct, username, displayName …)
- time: created_at, time, date, timestamp, published, created_time; a field named as UTC (``date_gmt``,
  ``created_at_utc``) first, and its times without an offset are UTC
- id: id, comment_id, cid; parent: parent_id, parent, in_reply_to, in_reply_to_id (0 / empty / "root": top level)
- replies nested under replies / children / comments (a list, or a page object holding one as
  Facebook's Graph API writes ``{"data": [...]}``): depth and parent come from the nesting, unless the reply's
  parent field names another comment read before it (Isso nests one level and lists a reply to a reply under
  the top comment)
- status: deleted / removed flags (and a ``deleted_at`` time), spam flags (``isSpam``), else a status
  word (approved / hold / spam / trash …, as WordPress writes them), Isso's ``mode`` (1 / 2 / 4: published /
  pending / deleted); kind: a type of pingback / trackback

One article per file, titled from the document's own title / url (or its page object's: ``{"article": {…}}``
beside the comments), unless the comments name theirs
(article_id, thread, story_id, post_id, post …: one article each, replies in their parent's); without a
url of its own, an article's url is the page all its comments link into (``…/summit/#comment-12``). The fields
used are named in ``Article.extra["fields"]``. A comment id read before (overlapping fetches saved
together) is kept once and one reject counts the repeats; an object that cannot be a comment is a
reject naming its JSON path. The specific readers (Reddit, YouTube, Hacker News, tables) outbid this one, except
where only it can read the file: nested replies, which a table reader would leave inside rows.

Platform thread documents whose envelope says more than a list of comments are read by their shape
(``_PLATFORMS``): the post the comments answer is the article (its body, title, url and date), not a
comment, and a comment answering it is top level.

- Mastodon status context (``{"ancestors": [...], "descendants": [...]}``): the first ancestor is the
  post; without ancestors the post is the status asked about, which the response leaves out (its id is
  the one parent the descendants name that is not among them). A reply to a status not in the file
  keeps its parent id and is top level, as every reader treats parents it cannot find.
- Discourse topic (``{"title": …, "post_stream": {"posts": [...]}}``): post number 1 is the post; a
  reply's ``reply_to_post_number`` is mapped to that post's id (a number not in the file: top level,
  the number kept in ``extra``).
- Lemmy comment views (``{"comments": [{"comment": {...}, "creator": {...}, "post": {...}}]}``): one
  article per post; the parent is the id before the comment's own in its ``path`` ("0.3.5": 3).
- Bluesky post thread (``{"thread": {"post": {"record": …}, "replies": [...], "parent": …}}``, typed
  ``app.bsky.…``): the thread's first post is the post, the top of the ``parent`` chain when that is it (else
  the root the records name, not in the file); ids and parents are post uris, and a post not found or
  blocked is a deleted comment in its place, so that the replies to it stay linked.
- X API v2 tweets (``{"data": [...], "includes": {"users": [...], "tweets": [...]}}``): one article per
  ``conversation_id``, its first tweet the post; the parent is the ``replied_to`` reference (a quote is
  none), the author the username ``includes.users`` gives the ``author_id``.
- Coral's GraphQL answers (``{"data": {"story": {"comments": {"edges": [{"node": …}]}}}}``, or ``stories`` holding
  theirs, or ``comments`` naming theirs; one answer or a list of pages): one article per story; replies nested
  in ``replies`` connections.
- OpenWeb's conversation answers (``{"conversation": {"comments": [...]}, "users": {...}}``; one answer or a list
  of pages): one article per conversation; text from the ``content`` parts, author from ``users``.
- Telegram Desktop's chat export (``result.json``: ``{"name", "type": "public_supergroup" …, "messages": [...]}``,
  or the account's, its chats under ``chats.list``): a channel's post (a discussion group's copy of it, from a
  ``channel…``) is an article, its opening line the title, and the messages answering it, down their
  ``reply_to_message_id``, its comments; the chat's other messages are one article titled by its name. Formatted
  text (a list of parts) is joined, the time is ``date_unixtime``, a service message ("pinned a message") is a
  reject, as is a photo without a caption.

Two self-hosted comment systems' own exports are read the same way, though no post is in them:

- Commento's export (``commento-export.json``, Commento++'s too: ``{"version": 1, "comments": [...], "commenters":
  [...]}``, known by its ``commentHex`` / ``parentHex`` comments or its ``commenters``): one article per page (domain
  and path, its url over https), comments threaded by ``parentHex`` ("root": top level), the author the name
  ``commenters`` gives the ``commenterHex`` ("anonymous": none; e-mails never read), the text its ``html`` (else
  its ``markdown``), state approved / unapproved / flagged (held by its spam filter for a moderator) as
  published / pending / pending, ``deleted`` as deleted (the "[deleted]" it writes over the text is none).
- Remark42's backup (``remark42 backup``, JSON lines, often gzipped, known by its first lines: a header with its
  ``version``, then comments naming their page in ``locator``, their parent in ``pid`` and their ``user``): one
  article per ``locator.url``, titled by a comment's ``title``; threaded by ``pid``, the author ``user.name`` (its
  hashed ip not kept), ``delete: true`` as deleted, kept without text so that its replies stay linked. A line
  that is not JSON, or names no page, is a reject with its line number.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import (
    KIND_WORDS,
    STATUS_WORDS,
    SeenIds,
    as_utc,
    clean_text,
    decode_bytes,
    fill_depths,
    flag_status,
    opening_title,
    parent_id,
    thread_tops,
    to_iso8601,
    with_subject,
)
from analyzer.readers._saved_time import keep_shown_time
from analyzer.readers._structured import (
    BadJson,
    DecodedText,
    ItemError,
    count_field,
    decode_text,
    excerpt,
    extra_value,
    item_reject,
    json_lines,
    markup_text,
    parse_json,
    repair_rejects,
    text_field,
)
from analyzer.records import Article, Comment, Reject

FORMAT = "generic-json"

# Field names per role, normalised (lower case, no "_" / "-"), most specific first.
# "cooked": Discourse's rendered post.
_TEXT = ("fulltext", "text", "body", "content", "message", "comment", "commenttext", "commentbody", "rawmessage",
         "cooked")
#: Where a text is an object, the keys its text may be under, the rendered one first (WordPress's REST API
#: writes {"rendered": …}, with {"raw": …} beside it in its edit context).
_RENDERINGS = ("rendered", "html", "raw")
# "account": Mastodon's, "creator": Lemmy's user object, "owner": Instagram's (as Instaloader saves it),
# "userProfile": the Guardian's discussion API's, "userDisplayName": the New York Times community API's,
# "profileName" and "ownerUsername": Apify's Facebook and Instagram comment scrapers'.
_AUTHOR = ("username", "author", "authorname", "user", "name", "by", "displayname", "screenname", "from", "account",
           "creator", "owner", "userprofile", "userdisplayname", "commenter", "profilename", "ownerusername")
#: A user object's name, the unique handle before the display name (Mastodon's acct: "ann@example.social").
_USER_NAME = ("name", "acct", "username", "displayname", "screenname", "login", "uniqueid", "nickname")
# "isoDateTime" first: the Guardian's discussion API writes it beside "date", a display text without a zone.
_LOCAL_TIME = ("isodatetime", "createdat", "time", "date", "timestamp", "published", "publishedat", "created",
               "createdutc", "postedat", "createdtime", "createtime", "createdate")
#: A time field named as UTC is its local twin's better (WordPress's date_gmt beside date): first, and its
#: times without an offset are UTC.
_UTC_SUFFIXES = ("gmt", "utc")
_TIME = tuple(name + zone for name in _LOCAL_TIME for zone in _UTC_SUFFIXES) + _LOCAL_TIME
#: Where no field holds a time: the time as the page showed it, "5 years ago" (Apify's YouTube scraper), kept as
#: shown (``extra.time_text``) and dated where the record says when it was scraped.
_SHOWN_TIME = ("publishedtimetext", "timetext", "timeago")
#: Time fields in UTC though they carry no offset, by the keys beside them that name the platform: the Disqus
#: API's posts and threads (createdAt beside forum) and Lemmy's comments and posts before 0.19 (published
#: beside ap_id). Read as local times, they had moved by the reader's zone.
_UTC_PLATFORM_FIELDS = (("createdAt", frozenset({"createdAt", "forum"})),
                        ("published", frozenset({"published", "ap_id"})))
_ID = ("id", "commentid", "cid")
#: "replyToCid", "repliesToId": Apify's YouTube and TikTok comment scrapers'; "isReplyTo": YouTube Data Tools'.
_PARENT = ("parentid", "parent", "inreplyto", "inreplytoid", "replyto", "parentcommentid", "replytocid", "repliestoid",
           "isreplyto")
#: "reply_comment": TikTok's comment API, "answers": Instagram's (as Instaloader saves them).
_REPLIES = ("replies", "children", "comments", "responses", "replycomment", "replycomments", "answers", "subcomments",
            "childcomments", "subreplies")
#: The article (thread, story, post) a comment belongs to, where one file holds several ("post": WordPress's
#: REST API).
_ARTICLE = ("articleid", "article", "thread", "threadid", "storyid", "postid", "post", "linkid", "videoid")
#: Keys under which the comment list usually sits, searched before the others.
_LIST_KEYS = ("comments", "data", "items", "results")
_TITLE = ("title", "headline")
#: A comment's own subject line, which opens its text (``_common.with_subject``); a "title" may be its page's.
_SUBJECT = ("subject", "commentsubject", "commenttitle")
_URL = ("url", "link", "permalink", "weburl")
#: On a comment of a scraper's list of several pages' comments, the page it is under (``_by_page``).
_PAGE_URL = ("pageurl", "articleurl", "storyurl", "posturl", "threadurl", "sourceurl", "url", "link")
_PAGE_TITLE = ("pagetitle", "articletitle", "storytitle", "posttitle", "threadtitle", "title", "headline")
#: Besides a removal flag (``_common.FLAG_STATUSES``), a time of removal (Discourse's deleted_at) marks it removed.
_DELETED_TIMES = ("deletedat", "removedat")
#: Flags whose false says a moderator has not let the comment through yet (Disqus's isApproved).
_APPROVAL_FLAGS = ("isapproved", "approved")
#: A moderation status, where no flag says more: the words WordPress's REST API (approved, hold, spam,
#: trash) and other platforms write; any other word says nothing.
_STATUS = ("status", "commentstatus")
#: Isso's comments (id, parent, text, author, website, mode, created, hash, likes, dislikes) say their status
#: by a number: ``mode`` 1 accepted, 2 waiting for a moderator, 4 deleted (its text emptied, kept while replies
#: hang under it).
_ISSO_KEYS = frozenset({"mode", "hash", "likes", "dislikes"})
_ISSO_MODES = {1: "published", 2: "pending", 4: "deleted"}
#: The entry's kind: WordPress's type of pingbacks and trackbacks.
_KIND = ("type", "commenttype")
#: How deep in the document the comment list is looked for, and how many comments choose the fields.
_SEARCH_DEPTH = 4
_FIELD_SAMPLE = 1000
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
_JSON_OPENING = re.compile(rb"\A[ \t\r\n]*[\[{]")  # JSON's own blanks: "\v{" is junk then JSON
_KEY = re.compile(rb'"([^"\\]{1,40})"\s*:')
# replies as a list under a name that speaks of them (_REPLY_NAME_PARTS; "comments" alone is the top list's name), or
# (Facebook's Graph API) as a page object holding one: "comments": {"data": [
_NESTED_LIST = re.compile(rb'"[\w-]*(?:repl|answer|child|respons|sub_?comment)[\w-]*"\s*:\s*\[\s*\{'
                          rb'|"comments"\s*:\s*\{\s*"data"\s*:\s*\[', re.IGNORECASE)

# Platform thread envelopes, for a head too short to parse: Mastodon's context, Discourse's topic, Lemmy's views,
# Bluesky's thread views, X's tweets (typed references, edit history: fields only X's API v2 writes), GraphQL
# connections (Coral's), Telegram's chat export (a chat type, then its messages).
#: The chat types of Telegram's export (``_telegram``).
_TELEGRAM_CHAT_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "private_group", "private_supergroup",
                                  "public_supergroup", "private_channel", "public_channel"})
_PLATFORM_HEAD = re.compile(rb'\A[ \t\r\n]*\{[ \t\r\n]*"(?:ancestors|descendants)"\s*:\s*\['
                            rb'|"type"\s*:\s*"(?:' + "|".join(sorted(_TELEGRAM_CHAT_TYPES)).encode() +
                            rb')",\s*"id"\s*:\s*-?\d+,\s*"messages"\s*:\s*\['
                            rb'|"post_stream"\s*:\s*\{\s*"posts"\s*:\s*\['
                            rb'|"comments"\s*:\s*\[\s*\{\s*"comment"\s*:\s*\{'
                            rb'|"\$type"\s*:\s*"app\.bsky\.feed\.defs#threadViewPost"'
                            rb'|"(?:referenced_tweets"\s*:\s*\[\s*\{|edit_history_tweet_ids"\s*:\s*\[)'
                            rb'|"in_reply_to_status_id_str"\s*:'
                            rb'|"edges"\s*:\s*\[\s*\{\s*"(?:node|cursor)"\s*:')

# How sure the sniffer is: nested replies and platform threads are what no other reader of unknown shapes
# can hold; a flat list is as well read by the table reader, which outbids this (0.5 with a usual text column).
_NESTED_CONFIDENCE = 0.6
_FLAT_CONFIDENCE = 0.45
_TRUNCATED_CONFIDENCE = 0.4
#: The keys that make a head Commento's export (its comment ids and their parents), normalised.
_COMMENTO_KEYS = {"commenthex", "parenthex"}


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
    return isinstance(value, str) or (isinstance(value, dict) and _rendering(value) is not None)


def _rendering(value: dict[str, Any]) -> str | None:
    """The text of a text given as an object ({"rendered": "<p>…</p>"}): its first string under a rendering key."""
    for name in _RENDERINGS:
        key = _named(value, (name,))
        if key is not None and isinstance(value[key], str):
            return value[key]
    return None


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
    return value is None or _replies(value) is not None  # null: no replies (TikTok's reply_comment)


def _author_name(user: dict[str, Any]) -> str | None:
    """The name in a user object ({"name": …} / {"acct": …} / {"username": …} / {"displayName": …})."""
    key = _named(user, _USER_NAME)
    value = user.get(key) if key else None
    return value if isinstance(value, str) else None


def _field(objects: list[dict[str, Any]], names: tuple[str, ...], fits: Callable[[Any], bool],
           taken: set[str]) -> str | None:
    """The key, among those with one of the names, whose values fit the role in at least half the objects
    holding it: one of two comments with a text of the wrong type is that comment's reject, not the file's.
    A null counts only for a role that reads one (a parent): an anonymous comment's author says nothing."""
    null_fits = fits(None)
    for name in names:
        holding = [(key, obj[key]) for obj in objects for key in obj
                   if _norm(key) == name and key not in taken and (null_fits or obj[key] is not None)]
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
    #: The key holding a status word, where a platform's reader puts one (never guessed: the usual names are
    #: read anyway, _STATUS).
    status: str | None = None

    def used(self) -> set[str]:
        return {key for key in (self.text, self.replies, self.id, self.parent, self.author, self.time, self.article,
                                self.status) if key}

    def named(self, comments_at: str) -> dict[str, str]:
        """For ``Article.extra["fields"]``: where the comments are and the key used for each role."""
        roles = {"text": self.text, "author": self.author, "time": self.time, "id": self.id,
                 "parent": self.parent, "replies": self.replies, "article": self.article, "status": self.status}
        return {"comments": comments_at, **{role: key for role, key in roles.items() if key}}


#: The fields of a list holding no comment object at all: each of its items is rejected, none is read by them.
_NO_FIELDS = _Fields(text="", replies=None, id=None, parent=None, author=None, time=None)


def _choose_fields(objects: list[dict[str, Any]]) -> _Fields | None:
    """The fields of these comment objects, by name and value; None when no field holds their text."""
    replies = _field(objects, _REPLIES, _is_replies, set())
    if replies is not None and not any(_replies(obj.get(replies)) is not None for obj in objects):
        replies = None  # null everywhere: nothing is nested under that name
    taken = {replies} if replies else set()
    text = _field(objects, _TEXT, _is_text, taken)
    if text is None:
        return None
    taken.add(text)
    replies = replies or _replies_by_shape(objects, text)
    taken |= {replies} - {None}
    chosen: dict[str, str | None] = {}
    for role, names, fits in (("id", _ID, _is_id), ("parent", _PARENT, _is_parent),
                              ("author", _AUTHOR, _is_author), ("time", _TIME, _is_time),
                              ("article", _ARTICLE, _is_article)):
        chosen[role] = _field(objects, names, fits, taken)
        taken |= {chosen[role]} - {None}
    if chosen["article"] is not None and not _groups(objects, chosen["article"]):
        chosen["article"] = None  # a value per comment ("post_id" on a forum's posts) is their own id
    return _Fields(text=text, replies=replies, **chosen)


#: Parts of the names a comment's replies go by, beyond the usual ones (_REPLIES): "subReplies", "childComments",
#: "replyList", "thread_replies"…
_REPLY_NAME_PARTS = ("repl", "answer", "child", "comment", "respons", "thread")


def _replies_by_shape(objects: list[dict[str, Any]], text: str) -> str | None:
    """A key whose name speaks of replies and whose values are lists (or null) of objects holding the comments'
    own text field: comments nested under a name of their own, which would otherwise stay unread in a cell."""
    for key in dict.fromkeys(key for obj in objects for key in obj if key != text):
        if not any(part in _norm(key) for part in _REPLY_NAME_PARTS):
            continue
        values = [obj[key] for obj in objects if key in obj and obj[key] is not None]
        if values and all(isinstance(value, list) for value in values) and any(
                isinstance(item, dict) and isinstance(item.get(text), str) for value in values for item in value):
            return key
    return None


def _groups(objects: list[dict[str, Any]], key: str) -> bool:
    """Whether some comments share a value of the key, as comments of one article share its id."""
    values = [found for obj in objects if (found := _article_key(obj.get(key))) is not None]
    return len(set(values)) < len(values)


def _is_article(value: Any) -> bool:
    return _article_key(value) is not None


def _article_key(value: Any) -> str | None:
    """The article a comment names: its id, or the id of the article object it holds (the Disqus API's posts
    fetched with ``related=thread`` hold their thread: id, title, link)."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if _is_id(value) else None


#: An article object's count of its comments (the Disqus API's thread: "posts"; the New York Times community API's
#: results: "totalCommentsFound").
_ARTICLE_COUNT = ("commentcount", "commentscount", "numcomments", "posts", "totalcommentsfound")


#: The keys under which a scraper's document describes the page its comments are under, beside them.
#: "submission_metadata": the Universal Reddit Scraper's post, beside its comments under "data".
_PAGE_OBJECTS = ("article", "page", "post", "story", "thread", "video", "submission", "submissionmetadata")


def _page_object(document: Any) -> dict[str, Any] | None:
    """The object beside the comments that describes their page (``{"article": {"title", "url"}, "comments":
    [...]}``), if the document has one."""
    key = _named(document, _PAGE_OBJECTS) if isinstance(document, dict) else None
    value = document.get(key) if key else None
    return value if isinstance(value, dict) else None


def _described(article: Any) -> dict[str, Any]:
    """What an article object a comment holds says of the article: title, url, date, declared count."""
    if not isinstance(article, dict):
        return {}
    count_key = _named(article, _ARTICLE_COUNT)
    return {"title": _top_level(article, _TITLE), "url": _top_level(article, _URL),
            "date": _time(article, _named(article, _TIME)),
            "declared_comment_count": count_field(article, count_key) if count_key else None}


# --- where the comments are ------------------------------------------------------------------------------


def _objects(items: list[Any], replies: str | None, limit: int | None = None) -> list[dict[str, Any]]:
    """The comment objects of a list (up to ``limit``), nested replies included, in document order."""
    found: list[dict[str, Any]] = []
    stack = list(reversed(items))
    while stack and (limit is None or len(found) < limit):
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


class _Found(NamedTuple):
    """A list of comment objects: the list, its path, the fields of its objects, and the object holding it
    (None for a document that is the list), which may say what the comments are under (its title, url)."""

    items: list[Any]
    at: str
    fields: _Fields
    holder: dict[str, Any] | None


def _comment_list(document: Any) -> _Found | None:
    """The shallowest list of comment objects in the document (usual keys first)."""
    queue: deque[tuple[Any, str, int, dict[str, Any] | None]] = deque([(document, "$", 0, None)])
    while queue:
        node, where, depth, holder = queue.popleft()
        if isinstance(node, list):
            fields = _sample_fields(node)
            if fields is not None:
                return _Found(node, where, fields, holder)
        elif isinstance(node, dict) and depth < _SEARCH_DEPTH:
            for key in sorted(node, key=lambda k: _norm(k) not in _LIST_KEYS):
                queue.append((node[key], _child(where, key), depth + 1, node))
    return None


# --- sniffing -------------------------------------------------------------------------------------------------


def _sniff(head: bytes, path: Path) -> float:
    if not _JSON_OPENING.match(head):
        return 0.0
    text = decode_bytes(head)
    if _is_remark42_backup(path, text):
        return _NESTED_CONFIDENCE
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            return _sniff_truncated(head)
        # more after one whole value is JSON lines (a Remark42 backup's was taken above): the table reader's,
        # unless its lines are X API pages or tweets
        return _NESTED_CONFIDENCE if _mostly(text, _has_tweets) or _mostly(text, _v1_tweet) else 0.0
    except (ValueError, RecursionError):
        return 0.0
    platform = _platform(document)
    if platform is not None:  # its envelope is sure; the comments in it must still hold a text
        has_objects = any(isinstance(obj, dict) for obj in platform.objects())
        return _NESTED_CONFIDENCE if _platform_fields(platform) or not has_objects else 0.0
    found = _comment_list(document)
    if found is None:
        return 0.0
    return _NESTED_CONFIDENCE if found.fields.replies else _FLAT_CONFIDENCE


def _sniff_truncated(head: bytes) -> float:
    """A document longer than the head: judged by its keys (a text name and another role's name)."""
    keys = {_norm(key.decode("utf-8", "replace")) for key in _KEY.findall(head)}
    if _COMMENTO_KEYS <= keys:  # its texts are under "markdown" and "html", names of no other comment shape
        return _NESTED_CONFIDENCE
    if not keys & set(_TEXT) or not keys & set(_AUTHOR + _TIME + _ID):
        return 0.0
    return _NESTED_CONFIDENCE if _NESTED_LIST.search(head) or _PLATFORM_HEAD.search(head) else _TRUNCATED_CONFIDENCE


# --- reading ---------------------------------------------------------------------------------------------------


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if isinstance(value, dict):
        value = _rendering(value)
        if value is None:
            raise ItemError(f"{key!r} is an object with no text under {', '.join(_RENDERINGS)}")
        return markup_text(value)
    return markup_text(text_field(obj, key) or "")


def _subject(obj: dict[str, Any]) -> str | None:
    """The subject line the commenter gave the comment (kept in ``extra`` too, as it is written)."""
    key = _named(obj, _SUBJECT)
    value = obj.get(key) if key else None
    return markup_text(value) if isinstance(value, str) else None


def _author(obj: dict[str, Any], key: str | None) -> str | None:
    value = obj.get(key) if key else None
    if isinstance(value, dict):
        return _author_name(value)
    return (clean_text(value) or None) if isinstance(value, str) else None


def _parent(obj: dict[str, Any], key: str | None) -> str | None:
    return parent_id(text_field(obj, key) if key else None)


def _tiktok_parent(obj: dict[str, Any]) -> str | None:
    """The comment a TikTok reply answers: the reply it names (``reply_to_reply_id``), else the top comment of its
    thread (``reply_id``; "0" for none), as TikTok's reply lists give them. Only beside each other do these names
    say so: elsewhere a "reply_id" may be the comment's own."""
    if not {"reply_id", "reply_to_reply_id"} <= obj.keys():
        return None
    named = [value for key in ("reply_to_reply_id", "reply_id") if isinstance(value := obj[key], (str, int))
             and not isinstance(value, bool)]
    return next((found for value in named if (found := parent_id(str(value))) is not None), None)


def _parent_named(obj: dict[str, Any], key: str) -> str | None:
    """The parent the field names; None where it holds no id (a list: the comment's own reject says so)."""
    try:
        return _parent(obj, key)
    except ValueError:
        return None


def _time(obj: dict[str, Any], key: str | None) -> str | None:
    """The time in the field as ISO-8601; without an offset in a field named as UTC (date_gmt) or one a platform
    writes in UTC (``_UTC_PLATFORM_FIELDS``), in UTC."""
    if not key:
        return None
    time = to_iso8601(obj.get(key))
    in_utc = _norm(key).endswith(_UTC_SUFFIXES) or any(
        key == time_key and keys <= obj.keys() for time_key, keys in _UTC_PLATFORM_FIELDS)
    return as_utc(time) if in_utc else time


def _flagged(obj: dict[str, Any]) -> str | None:
    """The status the flags set to true give (``_common.flag_status``)."""
    return flag_status(key for key, value in obj.items() if value is True)


def _removed_at(obj: dict[str, Any]) -> bool:
    """Whether a time of removal is given (0 is none, as some APIs write it)."""
    key = _named(obj, _DELETED_TIMES)
    return key is not None and obj[key] not in (0, "0") and _time(obj, key) is not None


def _word(obj: dict[str, Any], names: tuple[str, ...]) -> str:
    """The field's value as a lower-case word ("" when it holds no text)."""
    key = _named(obj, names)
    value = obj[key] if key else None
    return value.strip().lower() if isinstance(value, str) else ""


def _status(obj: dict[str, Any], key: str | None = None) -> str:
    """Flags first (they say one thing each), then a status word (under the key given, else a usual name);
    published when nothing says otherwise."""
    if _removed_at(obj):
        return "deleted"
    if _ISSO_KEYS <= obj.keys() and type(obj["mode"]) is int and obj["mode"] in _ISSO_MODES:
        return _ISSO_MODES[obj["mode"]]
    if (flagged := _flagged(obj)) is not None:
        return flagged
    if any(value is False for key, value in obj.items() if _norm(key) in _APPROVAL_FLAGS):
        return "pending"  # Disqus's isApproved: false, held for a moderator
    return STATUS_WORDS.get(_word(obj, (_norm(key),) if key else _STATUS), "published")


def _kind(obj: dict[str, Any]) -> str:
    return KIND_WORDS.get(_word(obj, _KIND), "comment")


#: How a comment object names its parent, where not (only) by the parent field: a platform's own links.
_ParentOf = Callable[[dict[str, Any]], str | None]


def _comment(obj: dict[str, Any], fields: _Fields, where: str, position: int, nested_parent: str | None,
             depth: int | None, parent_of: _ParentOf | None = None) -> Comment:
    """One comment object as a Comment; ItemError when it has no text (and is not marked deleted)."""
    text = with_subject(_text(obj, fields.text), _subject(obj))
    status = _status(obj, fields.status)
    if not text and status != "deleted":
        raise ItemError(f"no text in {fields.text!r}")
    used = fields.used()
    comment = Comment(
        id=(text_field(obj, fields.id) if fields.id else None) or where,  # the path is unique and says where
        text=text,
        position=position,
        parent_id=nested_parent if depth else parent_of(obj) if parent_of else (
            _parent(obj, fields.parent) or _tiktok_parent(obj)),
        depth=depth,
        author=_author(obj, fields.author),
        time=_time(obj, fields.time),
        status=status,
        kind=_kind(obj),
        extra={key: extra_value(value) for key, value in obj.items() if key not in used},
    )
    shown = fields.time if fields.time in obj else _named(obj, _SHOWN_TIME)
    keep_shown_time(comment, obj.get(shown) if shown else None)
    return comment


def _id_of(obj: dict[str, Any], key: str | None) -> str | None:
    """The object's id when it has a usable one (replies still name a rejected parent by it)."""
    value = obj.get(key) if key else None
    return str(value) if _is_id(value) else None


#: A comment object to read, its JSON path, and the article it belongs to where its envelope says so.
_Item = tuple[Any, str, str | None]


def _listed_pairs(items: list[Any], where: str) -> list[tuple[Any, str]]:
    """The items of a list with their JSON paths."""
    return [(item, _child(where, index)) for index, item in enumerate(items)]


def _listed(items: list[Any], where: str) -> list[_Item]:
    return [(item, at, None) for item, at in _listed_pairs(items, where)]


def _read_comments(path: Path, items: list[_Item], fields: _Fields, result: ReadResult,
                   parent_of: _ParentOf | None = None) -> list[tuple[Comment, str | None]]:
    """The comments of the list and their nested replies, in document order, each with the article key
    it names (a reply without one: its parent's); the rest as rejects.

    Iterative, so a thread nested thousands deep cannot exhaust Python's stack.
    """
    nested = fields.replies is not None
    seen = SeenIds()
    comments: list[tuple[Comment, str | None]] = []
    depths: dict[str, int] = {}
    stack = [(item, at, 0, None, article) for item, at, article in reversed(items)]
    while stack:
        item, at, depth, parent, article = stack.pop()
        if not isinstance(item, dict):
            result.rejects.append(item_reject(path, at, "comment", ItemError("not an object"), item))
            continue
        if fields.parent and (named := _parent_named(item, fields.parent)) in depths and named != parent:
            # a platform that nests one level (Isso) lists a reply to a reply under the top comment, and a
            # scraper that flattens its threads lists every reply at the top, each with its (empty) replies; its
            # own parent field names the comment it answers: that is its parent
            parent, depth = named, depths[named] + 1
        article = (_article_key(item.get(fields.article)) if fields.article else None) or article
        try:
            comment = _comment(item, fields, at, len(comments), parent, depth if nested else None, parent_of)
        except ValueError as error:
            result.rejects.append(item_reject(path, at, "comment", error, item))
            comment = None
        if comment is not None and not (fields.id and seen.is_repeat(comment.id, at)):
            comments.append((comment, article))
            depths[comment.id] = depth
        replies = _replies(item.get(fields.replies)) if fields.replies else None
        if replies is not None:
            listed, page_key = replies
            at_replies = _child(at, fields.replies)
            at_replies = at_replies if page_key is None else _child(at_replies, page_key)
            # a reply names its parent even when the parent itself was rejected: by its id, else its path
            above = comment.id if comment is not None else _id_of(item, fields.id) or at
            stack.extend((reply, _child(at_replies, index), depth + 1, above, article)
                         for index, reply in reversed(list(enumerate(listed))))
    result.rejects += seen.rejects(str(path))
    return comments


def _top_level(document: Any, names: tuple[str, ...]) -> str | None:
    key = _named(document, names) if isinstance(document, dict) else None
    value = document.get(key) if key else None
    return (clean_text(value) or None) if isinstance(value, str) else None


def _page_of(comments: list[Comment]) -> str | None:
    """The page all the comments link into (WordPress's REST API: ``…/summit/#comment-12``), None unless each
    links to a place in the same one: links without a fragment are the comments' own pages (Mastodon's)."""
    pages = set()
    for comment in comments:
        key = _named(comment.extra, _URL)
        link = comment.extra[key] if key else None
        page, fragment = link.partition("#")[::2] if isinstance(link, str) else ("", "")
        if not page.strip() or not fragment:
            return None
        pages.add(page.strip())
    return pages.pop() if len(pages) == 1 else None


# --- platform threads ----------------------------------------------------------------------------------------
# Where a platform's document says more than a list of comments: the post they answer (the article, not a
# comment) and reply links that name no comment id. Each shape is known by its envelope; the comment objects
# in it are read as above.


@dataclass(frozen=True)
class _Thread:
    """One article of a platform document: its comment objects with their JSON paths, and the post they answer."""

    items: list[tuple[Any, str]]
    id: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None
    body: str = ""
    #: The post's id: a comment answering it is top level (its parent is the article).
    post_id: str | None = None
    declared: int | None = None


@dataclass(frozen=True)
class _Platform:
    """A platform's thread document: its articles, where its comments are, and how a comment names its parent
    where that is no comment id. ``fields``: the keys of comment objects the platform's reader built itself
    (from a post nested in a view), which are known rather than guessed; ``sources``: where in the document a
    role's value comes from, where that is not the key read (``{"parent": "reply_to_post_number"}``), for
    ``extra["fields"]``."""

    name: str
    comments_at: str
    threads: list[_Thread]
    parent_of: _ParentOf | None = None
    fields: _Fields | None = None
    sources: dict[str, str] = field(default_factory=dict)
    #: Items that are none of the document's comments (a line of a backup that is no comment), with where each is
    #: and why: each a reject, never read as a comment by guessed fields.
    refused: list[tuple[Any, str, str]] = field(default_factory=list)

    def objects(self) -> list[Any]:
        return [obj for thread in self.threads for obj, _ in thread.items]


def _body(post: Any, key: str) -> str:
    """The text of a thread's opening post ("" when it holds none)."""
    value = post.get(key) if isinstance(post, dict) else None
    return markup_text(value) if isinstance(value, str) else ""


def _post_time(post: Any, key: str) -> str | None:
    return _time(post, key) if isinstance(post, dict) else None


def _missing_parent(statuses: list[Any], key: str) -> str | None:
    """The one id the statuses answer that is not among them; None unless there is exactly one."""
    objects = [status for status in statuses if isinstance(status, dict)]
    parents = {_id_of(status, key) for status in objects} - {_id_of(status, "id") for status in objects}
    parents.discard(None)
    return parents.pop() if len(parents) == 1 else None


def _mastodon(document: Any) -> _Platform | None:
    """Mastodon's status context (``/api/v1/statuses/:id/context``): ``ancestors`` from the thread's first status
    down to the parent of the status asked about, ``descendants`` every reply below that one, which the
    response leaves out. The first ancestor is the post; without ancestors the status asked about is, and its
    id is the one parent the descendants name that is not among them."""
    ancestors = document.get("ancestors") if isinstance(document, dict) else None
    descendants = document.get("descendants") if isinstance(document, dict) else None
    if not isinstance(ancestors, list) or not isinstance(descendants, list):
        return None
    post = ancestors[0] if ancestors and isinstance(ancestors[0], dict) else None
    items = [(status, _child("$.ancestors", index)) for index, status in enumerate(ancestors) if index or post is None]
    items += [(status, _child("$.descendants", index)) for index, status in enumerate(descendants)]
    post_id = _id_of(post, "id") if post is not None else _missing_parent(descendants, "in_reply_to_id")
    body = _body(post, "content")
    thread = _Thread(items, id=post_id, title=opening_title(body), url=_top_level(post, _URL),
                     date=_post_time(post, "created_at"), body=body, post_id=post_id)
    return _Platform("mastodon", "$.ancestors, $.descendants", [thread])


def _post_number(post: Any, key: str = "post_number") -> int | None:
    value = post.get(key) if isinstance(post, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _discourse(document: Any) -> _Platform | None:
    """A Discourse topic (``/t/{slug}/{id}.json``, and its ``/posts.json`` pages): posts numbered in the topic
    from 1, its opening post; a reply names the number of the post it answers, which is mapped to that post's
    id (a reply to post 1 answers the topic: top level; to a post not in the file: top level, the number kept
    in ``extra``)."""
    stream = document.get("post_stream") if isinstance(document, dict) else None
    posts = stream.get("posts") if isinstance(stream, dict) else None
    if not isinstance(posts, list):
        return None
    ids = {_post_number(post): _id_of(post, "id") for post in posts if _post_number(post) not in (None, 1)}
    opening = next((post for post in posts if _post_number(post) == 1), None)
    items = [(post, _child("$.post_stream.posts", index)) for index, post in enumerate(posts)
             if _post_number(post) != 1]  # the opening post (and a copy of it) is the article

    def parent_of(post: dict[str, Any]) -> str | None:
        return ids.get(_post_number(post, "reply_to_post_number"))

    count = count_field(document, "posts_count")  # the opening post counted
    thread = _Thread(items, id=_id_of(document, "id"), title=_top_level(document, ("title", "fancytitle")),
                     date=_post_time(opening, "created_at"), body=_body(opening, "cooked"),
                     post_id=_id_of(opening, "id") if opening else None, declared=count - 1 if count else None)
    return _Platform("discourse", "$.post_stream.posts", [thread], parent_of,
                     sources={"parent": "reply_to_post_number"})


def _lemmy_comment(view: Any) -> dict[str, Any] | None:
    """The comment object of a Lemmy comment view, which holds its ``path``; None for anything else."""
    comment = view.get("comment") if isinstance(view, dict) else None
    return comment if isinstance(comment, dict) and isinstance(comment.get("path"), str) else None


def _lemmy_parent(comment: dict[str, Any]) -> str | None:
    """The parent in a Lemmy path, which lists a comment's ancestors' ids from the post (0) down to its own:
    "0.3.5" is comment 5 answering 3, "0.3" answers the post. None for a path that is not such a list."""
    steps = comment["path"].split(".") if isinstance(comment.get("path"), str) else []
    if len(steps) < 3 or steps[0] != "0" or steps[-1] != _id_of(comment, "id"):
        return None
    return steps[-2] if all(step.isascii() and step.isdigit() for step in steps) else None


def _lemmy(document: Any) -> _Platform | None:
    """Lemmy's comment views (``/api/v3/comment/list``, ``/api/v3/post``'s comments): each comment beside its
    creator and its post; one article per post, titled by the post's name."""
    views = document.get("comments") if isinstance(document, dict) else None
    if not isinstance(views, list) or not any(_lemmy_comment(view) is not None for view in views):
        return None
    posts: dict[str | None, tuple[Any, list[tuple[Any, str]]]] = {}
    for index, view in enumerate(views):
        at, comment = _child("$.comments", index), _lemmy_comment(view)
        if comment is None:  # not a comment view: read (and rejected) as it is
            posts.setdefault(None, (None, []))[1].append((view, at))
            continue
        post = view.get("post")
        key = _id_of(post, "id") if isinstance(post, dict) else _id_of(comment, "post_id")
        creator = {"creator": view["creator"]} if "creator" in view else {}
        posts.setdefault(key, (post, []))[1].append(({**comment, **creator}, _child(at, "comment")))
    threads = [_Thread(items, id=key, title=_top_level(post, ("name",)), url=_top_level(post, ("url", "apid")),
                       date=_post_time(post, "published"), body=_body(post, "body"))
               for key, (post, items) in posts.items()]
    return _Platform("lemmy", "$.comments[*].comment", threads, _lemmy_parent, sources={"parent": "path"})


def _dig(value: Any, *keys: str) -> Any:
    """The value under these keys of nested objects; None where one is missing or not an object."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _present(**values: Any) -> dict[str, Any]:
    """The values given (not None): fields a comment object built here has only where the source has them."""
    return {key: value for key, value in values.items() if value is not None}


def _objects_in(container: Any, key: str) -> list[dict[str, Any]]:
    """The objects in the list under the key ([] when there is no such list)."""
    values = container.get(key) if isinstance(container, dict) else None
    return [value for value in values if isinstance(value, dict)] if isinstance(values, list) else []


# Bluesky's post thread (app.bsky.feed.getPostThread): {"thread": view}, a view of a post being
# {"post": {"uri", "author": {"did", "handle", "displayName"}, "record": {"text", "createdAt", "reply": {"root",
# "parent"}}, "replyCount" …}, "replies": [views], "parent": view}; a post that is gone is {"uri", "notFound": true}
# or {"uri", "blocked": true}. The text is two objects down, so each view is read as a comment object built from it.

#: A post's uri (at://<did>/app.bsky.feed.post/<rkey>); its page is bsky.app/profile/<handle or did>/post/<rkey>.
_AT_POST = re.compile(r"\Aat://([^/\s]+)/app\.bsky\.feed\.post/([^/\s]+)\Z")
#: The keys of the comment objects built from thread views (_bsky_comment), and where their values come from.
_BSKY_FIELDS = _Fields(text="text", replies=None, id="uri", parent="parent", author="handle", time="createdAt")
_BSKY_SOURCES = {"text": "post.record.text", "id": "post.uri", "author": "post.author.handle",
                 "time": "post.record.createdAt", "parent": "post.record.reply.parent.uri"}


def _bsky_post(view: Any) -> dict[str, Any] | None:
    """The post a thread view shows, holding its record; None for a post gone (not found, blocked) and others."""
    post = view.get("post") if isinstance(view, dict) else None
    return post if isinstance(post, dict) and isinstance(post.get("record"), dict) else None


def _bsky_uri(view: Any) -> str | None:
    """The uri of the post a view stands for (a view of a post that is gone holds it itself)."""
    post = _bsky_post(view)
    uri = post.get("uri") if post is not None else _dig(view, "uri")
    return uri if isinstance(uri, str) else None


def _bsky_gone(view: dict[str, Any]) -> bool:
    """Whether the view stands for a post deleted (not found) or hidden from whoever fetched the thread (blocked)."""
    kind = view.get("$type")
    return (view.get("notFound") is True or view.get("blocked") is True
            or (isinstance(kind, str) and kind.endswith(("#notFoundPost", "#blockedPost"))))


def _bsky_handle(author: Any) -> str | None:
    """The author's handle; the DID where the handle is missing or failed verification ("handle.invalid"),
    which would otherwise make one author of many."""
    handle, did = _dig(author, "handle"), _dig(author, "did")
    if isinstance(handle, str) and handle.strip() and handle != "handle.invalid":
        return handle
    return did if isinstance(did, str) else None


def _bsky_url(uri: Any, profile: str | None) -> str | None:
    """The post's page on bsky.app: under the author's handle, else the DID its uri holds."""
    match = _AT_POST.match(uri) if isinstance(uri, str) else None
    return f"https://bsky.app/profile/{profile or match[1]}/post/{match[2]}" if match else None


def _bsky_comment(view: Any, above: str | None) -> Any:
    """A thread view as the comment object read (keys of _BSKY_FIELDS): its post's text, author handle, time, uri
    and the uri it answers (``above``, the view it hangs from, else the parent its record names), the rest kept
    for ``extra``. A post gone is a deleted comment, kept so that the replies to it stay linked; anything else
    is read as it is (and rejected with its path)."""
    if not isinstance(view, dict):
        return view
    post = _bsky_post(view)
    if post is None:
        rest = {key: value for key, value in view.items() if key not in ("replies", "parent")}
        return {**rest, **_present(parent=above, deleted=True if _bsky_gone(view) else None)}
    record, author = post["record"], post.get("author")
    handle = _bsky_handle(author)
    return {**{key: value for key, value in post.items() if key not in ("uri", "author", "record")},
            "record": {key: value for key, value in record.items() if key not in ("text", "createdAt")},
            "uri": post.get("uri"), "text": record.get("text"), "createdAt": record.get("createdAt"),
            **_present(handle=handle, parent=above or _dig(record, "reply", "parent", "uri"),
                       author_name=_dig(author, "displayName"), did=_dig(author, "did"),
                       url=_bsky_url(post.get("uri"), handle))}


def _bsky_chain(thread: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The post asked about and the posts above it (each view holds the one it answers in "parent"), the top
    first, with their paths. The views above hold no replies: the response gives only the chain."""
    chain = [(thread, "$.thread")]
    while isinstance(chain[-1][0].get("parent"), dict):
        view, at = chain[-1]
        chain.append((view["parent"], _child(at, "parent")))
    return chain[::-1]


def _bsky_tree(view: dict[str, Any], at: str, above: str | None) -> list[tuple[Any, str, str | None]]:
    """The view and the replies nested under it, in document order, each with its path and the uri of the view
    it hangs from. Iterative: a thread may nest deeper than Python's stack."""
    found: list[tuple[Any, str, str | None]] = []
    stack: list[tuple[Any, str, str | None]] = [(view, at, above)]
    while stack:
        item, where, parent = stack.pop()
        found.append((item, where, parent))
        replies = item.get("replies") if isinstance(item, dict) else None
        if isinstance(replies, list):
            uri, listed = _bsky_uri(item), _child(where, "replies")
            stack.extend((reply, _child(listed, index), uri) for index, reply in reversed(list(enumerate(replies))))
    return found


def _bsky_root(chain: list[tuple[dict[str, Any], str]]) -> str | None:
    """The uri of the thread's first post: the root the replies' records name, else (no reply in the chain)
    the top of the chain, which then is that post."""
    named = (_dig(_bsky_post(view), "record", "reply", "root", "uri") for view, _ in chain)
    return next((uri for uri in named if isinstance(uri, str)), _bsky_uri(chain[0][0]))


def _is_bsky_thread(thread: Any) -> bool:
    """A thread view of a post whose view or record is typed as Bluesky's (``app.bsky.…``)."""
    post = _bsky_post(thread)
    kinds = (_dig(thread, "$type"), _dig(post, "record", "$type"))
    return post is not None and any(isinstance(kind, str) and kind.startswith("app.bsky.") for kind in kinds)


def _bluesky(document: Any) -> _Platform | None:
    """Bluesky's post thread (``app.bsky.feed.getPostThread``): the post asked about, the chain of posts it answers
    above it, the replies nested below. The thread's first post (its root) is the article: the top of the chain
    when that is the root (a view of it gone: no body), else the root is not in the file and the article is the
    one the records name, with no body. Parents are the views things hang from; depths come from them."""
    thread = document.get("thread") if isinstance(document, dict) else None
    if not _is_bsky_thread(thread):
        return None
    chain = _bsky_chain(thread)
    root = _bsky_root(chain)
    views = [(view, at, _bsky_uri(chain[index - 1][0]) if index else None)
             for index, (view, at) in enumerate(chain[:-1])]
    views += _bsky_tree(thread, "$.thread", _bsky_uri(chain[-2][0]) if len(chain) > 1 else None)
    opening = chain[0][0] if _bsky_uri(chain[0][0]) == root else None
    items = [(_bsky_comment(view, above), at) for view, at, above in views[1 if opening is not None else 0:]]
    post = _bsky_post(opening)
    record = post["record"] if post is not None else None
    handle = _bsky_handle(post.get("author")) if post is not None else None
    # no declared count: replyCount counts the post's direct replies only, not the thread (as Mastodon's)
    body = _body(record, "text")  # a post has no title: its opening line is one, as an X post's
    article = _Thread(items, id=root, title=opening_title(body), url=_bsky_url(root, handle),
                      date=_post_time(record, "createdAt"), body=body, post_id=root)
    return _Platform("bluesky", "$.thread", [article], fields=_BSKY_FIELDS, sources=_BSKY_SOURCES)


# X's API v2 tweets (/2/tweets/search/recent?query=conversation_id:… with expansions=author_id,referenced_tweets.id):
# {"data": [tweets], "includes": {"users": [...], "tweets": [...]}, "meta": {...}}, a tweet being {"id", "text",
# "author_id", "created_at", "conversation_id", "referenced_tweets": [{"type", "id"}]}.

#: How many first lines tell what JSON lines hold (``_mostly``).
_KIND_SAMPLE_LINES = 20
#: How a tweet may reference another; only "replied_to" names its parent (a quote or a retweet answers nothing).
_X_REFERENCES = ("replied_to", "quoted", "retweeted")
#: The keys of the comment objects built from tweets (_x_comment), and where their values come from.
_X_FIELDS = _Fields(text="text", replies=None, id="id", parent=None, author="username", time="created_at")
_X_SOURCES = {"author": "author_id", "parent": "referenced_tweets"}


def _x_marked(tweet: dict[str, Any]) -> bool:
    """Whether a tweet has fields only X's tweets have: references typed as X types them, an edit history."""
    typed = any(ref.get("type") in _X_REFERENCES for ref in _objects_in(tweet, "referenced_tweets"))
    return typed or isinstance(tweet.get("edit_history_tweet_ids"), list)


def _x_tweets(document: Any) -> list[Any] | None:
    """The tweets of an X API v2 page, None unless it is one: ``data`` holding objects with an id and a text,
    beside ``includes`` of users or tweets, or with a tweet's own marks. Objects with an id, a text and a
    conversation id alone (a chat export's messages) are no sure sign."""
    data = document.get("data") if isinstance(document, dict) else None
    tweets = _objects_in(document, "data")
    if not any(_is_id(tweet.get("id")) and isinstance(tweet.get("text"), str) for tweet in tweets):
        return None
    includes = document.get("includes")
    expanded = isinstance(includes, dict) and any(isinstance(includes.get(key), list) for key in ("users", "tweets"))
    return data if expanded or any(_x_marked(tweet) for tweet in tweets) else None


def _x_pages(document: Any, prefix: str = "$") -> list[tuple[str, dict[str, Any]]] | None:
    """The X API v2 pages of a document, each with its JSON path: the document itself, or every page of a list
    of pages (a conversation's search results saved page after page); None unless every item is a page. The
    empty page a search ends on (``meta`` with ``result_count`` 0, no ``data``) counts as one."""
    if _x_tweets(document) is not None:
        return [(prefix, document)]
    if not isinstance(document, list):
        return None
    pages = [(_child(prefix, index), page) for index, page in enumerate(document)]
    real = any(_x_tweets(page) is not None for _, page in pages)
    return pages if real and all(_is_x_page(page) for _, page in pages) else None


def _is_x_page(page: Any) -> bool:
    """An X API v2 page of tweets, or the empty page a search ends on (``meta`` and no ``data``)."""
    return _x_tweets(page) is not None or (isinstance(page, dict) and not page.get("data") and "meta" in page)


def _mostly(text: str, is_kind: Callable[[Any], bool]) -> bool:
    """Whether JSON lines are of a kind by their first lines: of those among the first 20 that parse, one at least
    and half or more. Not by the first line alone: a damaged one would make the whole file unreadable."""
    documents = []
    for line in _first_lines(text, _KIND_SAMPLE_LINES).split("\n"):
        try:
            documents.append(json.loads(line))
        except (ValueError, RecursionError):  # blank, broken, or the head's last line cut short
            continue
    hits = sum(1 for document in documents if is_kind(document))
    return hits > 0 and hits * 2 >= len(documents)


def _has_tweets(document: Any) -> bool:
    return _x_tweets(document) is not None


def _x_lines(path: Path, text: str) -> tuple[_Platform, list[Reject]] | None:
    """JSON lines of X API v2 pages (one page a line, as collecting scripts append them): their conversations,
    each page named by its line, and a reject for each line that is no page or no JSON; None unless the first
    lines are mostly pages (``_mostly``)."""
    if not _mostly(text, _has_tweets):
        return None
    lines = json_lines(path, text)
    pages = [(f"line {number}: $", document) for number, document in lines.documents if _is_x_page(document)]
    others = [Reject(str(path), f"line {number}", "not an X API page (no data of tweets)", excerpt(document))
              for number, document in lines.documents if not _is_x_page(document)]
    return _x_platform(pages), lines.rejects + others


def _replied_to(tweet: dict[str, Any]) -> str | None:
    """The tweet a tweet answers: its "replied_to" reference's id (quoted and retweeted ones are no parents)."""
    return next((_id_of(ref, "id") for ref in _objects_in(tweet, "referenced_tweets")
                 if ref.get("type") == "replied_to"), None)


def _x_text(tweet: Any) -> str | None:
    """A tweet's whole text: a long post's ``note_tweet.text`` (its ``text`` is cut short), else its ``text``."""
    return next((text for text in (_dig(tweet, "note_tweet", "text"), _dig(tweet, "text")) if isinstance(text, str)),
                None)


def _x_username(user: Any) -> str | None:
    name = _dig(user, "username")
    return name.strip() if isinstance(name, str) and name.strip() else None


def _x_url(tweet_id: str | None, username: str | None) -> str | None:
    """The tweet's page; ``x.com/i/status/<id>`` (which X redirects to it) where the author is not known."""
    if not tweet_id or not (tweet_id.isascii() and tweet_id.isdigit()):
        return None
    return f"https://x.com/{username or 'i'}/status/{tweet_id}"


def _x_comment(tweet: Any, users: dict[str, dict[str, Any]]) -> Any:
    """A tweet as the comment object read (keys of _X_FIELDS): its whole text, its author's username and display
    name from ``includes.users`` (an author not there: no author, ``author_id`` kept), its page."""
    if not isinstance(tweet, dict):
        return tweet
    author = _id_of(tweet, "author_id")
    user = users.get(author) if author is not None else None
    username = _x_username(user)
    return {**tweet, **_present(text=_x_text(tweet), username=username, author_name=_dig(user, "name"),
                                url=_x_url(_id_of(tweet, "id"), username))}


def _x_thread(conversation: str | None, items: list[tuple[Any, str]], root: dict[str, Any] | None,
              users: dict[str, dict[str, Any]]) -> _Thread:
    """The article of one conversation: its first tweet (the conversation's id) as the post, where the file
    holds it; tweets naming no conversation are one article of their own, named after the file."""
    if conversation is None:
        return _Thread(items)
    author = _id_of(root, "author_id") if root is not None else None
    username = _x_username(users.get(author)) if author is not None else None
    body = markup_text(text) if (text := _x_text(root)) else ""
    # the post's first line is its title, as on X's own page of it: the comments' stance context
    return _Thread(items, id=conversation, title=opening_title(body), url=_x_url(conversation, username),
                   date=_post_time(root, "created_at"), body=body, post_id=conversation)


def _x(document: Any) -> _Platform | None:
    """X's API v2 tweets, one page or a list of pages (``_x_pages``)."""
    pages = _x_pages(document)
    return _x_platform(pages) if pages is not None else None


def _x_platform(pages: list[tuple[str, dict[str, Any]]]) -> _Platform:
    """X's API v2 tweets (a conversation search's pages): one article per ``conversation_id``, its first tweet
    (whose id is the conversation's, in ``includes.tweets`` or ``data``) the post; every other tweet of ``data``
    a comment answering the tweet its "replied_to" reference names (the post: top level). The tweets in
    ``includes`` are read only as posts: a reply among them is one the page's replies answer, which the search
    gives on a page of its own (this one or another), where it is read."""
    every = [page for _, page in pages]
    users = {key: user for page in every for user in _objects_in(page.get("includes"), "users")
             if (key := _id_of(user, "id")) is not None}
    known = {_id_of(tweet, "id"): tweet for page in every
             for tweet in [*_objects_in(page.get("includes"), "tweets"), *_objects_in(page, "data")]}
    tweets = [(tweet, _child(_child(prefix, "data"), index))
              for prefix, page in pages for index, tweet in enumerate(_x_tweets(page) or [])]
    where = _child(pages[0][0], "data") if len(pages) == 1 else "data"
    return _x_conversations(tweets, users, known, where)


def _x_conversations(tweets: list[tuple[Any, str]], users: dict[str, dict[str, Any]], known: dict[Any, Any],
                     where: str) -> _Platform:
    """Tweets (with where each is) as one article per ``conversation_id``, the conversation's first tweet (in
    ``known``) its post and every other tweet a comment; ``users`` by id."""
    conversations: dict[str | None, list[tuple[Any, str]]] = {}
    for tweet, at in tweets:
        conversation = _id_of(tweet, "conversation_id") if isinstance(tweet, dict) else None
        items = conversations.setdefault(conversation, [])
        if conversation is None or conversation != _id_of(tweet, "id"):  # the conversation's first tweet: its post
            items.append((_x_comment(tweet, users), at))
    threads = [_x_thread(key, items, known.get(key) if key is not None else None, users)
               for key, items in conversations.items()]
    return _Platform("x", where, threads, _replied_to, fields=_X_FIELDS, sources=_X_SOURCES)


# X's (Twitter's) API v1.1 tweets, as twarc 1, tweepy and the streaming API saved them, one a line, a JSON list, or
# a search's {"statuses": [...]}: {"id_str", "full_text" (or "text", or "extended_tweet": {"full_text"}),
# "created_at": "Thu Feb 28 10:00:00 +0000 2019", "user": {"id_str", "screen_name", "name"},
# "in_reply_to_status_id_str"}. They name no conversation: a reply's is the first tweet up its chain of replies in
# the file (the tweet it answers, where that is not in the file). Read as API v2 tweets (``_x_conversations``).


def _v1_tweet(value: Any) -> bool:
    """Whether the value is an API v1.1 tweet: a string id beside a user object with a screen name, and a text."""
    return (isinstance(value, dict) and isinstance(value.get("id_str"), str)
            and isinstance(_dig(value, "user", "screen_name"), str)
            and any(isinstance(value.get(key), str) for key in ("full_text", "text")))


def _v1_parent(tweet: dict[str, Any]) -> str | None:
    """The tweet a v1.1 tweet answers: ``in_reply_to_status_id_str``, else the number beside it; ItemError where
    they hold something else, since reading the reply as a post of its own would lose it as a comment."""
    values = [tweet.get(key) for key in ("in_reply_to_status_id_str", "in_reply_to_status_id")]
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    if any(value is not None for value in values):
        raise ItemError("in_reply_to_status_id_str holds no tweet id")
    return None


def _v1_as_v2(tweet: dict[str, Any], parent: str | None, conversation: str) -> dict[str, Any]:
    """An API v1.1 tweet in API v2's shape: its whole text, author id, conversation and "replied_to" reference
    (its other fields kept; the user object, whose screen name and name ``includes.users`` holds, is not)."""
    text = next(value for value in (_dig(tweet, "extended_tweet", "full_text"), tweet.get("full_text"),
                                    tweet.get("text")) if isinstance(value, str))
    own = {key: value for key, value in tweet.items() if key not in ("user", "id_str", "id", "full_text",
                                                                     "extended_tweet")}
    return {**own, "id": tweet["id_str"], "text": text, "author_id": _v1_user_id(tweet.get("user")),
            "conversation_id": conversation,
            **({"referenced_tweets": [{"type": "replied_to", "id": parent}]} if parent is not None else {})}


def _v1_user_id(user: Any) -> str | None:
    """A v1.1 user's id: ``id_str``, else its numeric ``id`` (which JSON readers of other languages may round)."""
    return _id_of(user, "id_str") or _id_of(user, "id") if isinstance(user, dict) else None


def _v1_platform(tweets: list[tuple[dict[str, Any], str]], where: str) -> _Platform:
    """API v1.1 tweets, each with where it is, as X's conversations; a tweet whose reply field holds no id is a
    reject."""
    parents: dict[str, str | None] = {}
    refused: list[tuple[Any, str, str]] = []
    kept = []
    for tweet, at in tweets:
        try:
            parents[tweet["id_str"]] = _v1_parent(tweet)
        except ItemError as error:
            refused.append((tweet, at, str(error)))
            continue
        kept.append((tweet, at))
    tops = thread_tops(parents)
    located = []
    for tweet, at in kept:
        key = tweet["id_str"]
        first = tops[key] or key  # the first tweet up its chain in the file (a loop of replies: the tweet itself)
        located.append((_v1_as_v2(tweet, parents[key], parents[first] or first), at))
    users = {key: {"id": key, "username": user.get("screen_name"), "name": user.get("name")}
             for tweet, _ in kept if (key := _v1_user_id(user := tweet.get("user"))) is not None}
    return replace(_x_conversations(located, users, {tweet["id"]: tweet for tweet, _ in located}, where),
                   refused=refused)


def _v1(document: Any) -> _Platform | None:
    """API v1.1 tweets as a JSON list, or a search's ``statuses``; None unless every item is a tweet."""
    listed, where = (document.get("statuses"), "$.statuses") if isinstance(document, dict) else (document, "$")
    if not isinstance(listed, list) or not listed or not all(_v1_tweet(tweet) for tweet in listed):
        return None
    return _v1_platform([(tweet, _child(where, index)) for index, tweet in enumerate(listed)], where)


def _v1_lines(path: Path, text: str) -> tuple[_Platform, list[Reject]] | None:
    """JSON lines of API v1.1 tweets: their conversations, and a reject for each line that is no tweet or no JSON;
    None unless the first lines are mostly tweets (``_mostly``)."""
    if not _mostly(text, _v1_tweet):
        return None
    lines = json_lines(path, text)
    tweets = [(document, f"line {number}") for number, document in lines.documents if _v1_tweet(document)]
    others = [Reject(str(path), f"line {number}", "not a tweet (no id_str, user and text)", excerpt(document))
              for number, document in lines.documents if not _v1_tweet(document)]
    return _v1_platform(tweets, "lines"), lines.rejects + others


# Commento's export (Dashboard → Export, ``commento-export.json``; Commento++ writes the same): {"version": 1,
# "comments": [...], "commenters": [...]}, a comment being {"commentHex", "domain", "path" (which Commento's own
# struct writes as "url"), "commenterHex" ("anonymous": none), "markdown", "html", "parentHex" ("root": top level),
# "score", "state", "creationDate", "deleted"}, a commenter {"commenterHex", "email", "name", "link", "photo", …}.

#: Commento's moderation states as status words. "flagged" is what its spam filter (Akismet) holds back for a
#: moderator, who has not judged it yet: pending, as "unapproved" is, not spam.
_COMMENTO_STATES = {"approved": "published", "unapproved": "pending", "flagged": "pending"}
#: The commenterHex of a comment without a commenter: posted anonymously, or deleted.
_COMMENTO_ANONYMOUS = "anonymous"
#: What Commento writes over the markdown and html of a comment it deletes (its replies stay under it).
_COMMENTO_DELETED = "[deleted]"
#: The keys of the comment objects built from Commento's (_commento_comment), and where their values come from.
_COMMENTO_FIELDS = _Fields(text="text", replies=None, id="commentHex", parent="parentHex", author="author",
                           time="creationDate", status="status")
_COMMENTO_SOURCES = {"text": "html", "author": "commenterHex", "status": "state"}
#: Keys not kept in ``extra``: the text's html and markdown (read as the text), the page (the article's).
_COMMENTO_DROPPED = ("html", "markdown", "domain", "path", "url")


def _filled(value: Any) -> str | None:
    """A text value without its outer blanks; None for a blank one or anything else (keys read by their exact
    names, as a platform's own writer names them)."""
    return (value.strip() or None) if isinstance(value, str) else None


def _is_commento(document: dict[str, Any]) -> bool:
    """Commento's names: comments with a commentHex and a parentHex, or commenters with a commenterHex."""
    hexed = any(isinstance(comment.get("commentHex"), str) and "parentHex" in comment
                for comment in _objects_in(document, "comments"))
    return hexed or any("commenterHex" in commenter for commenter in _objects_in(document, "commenters"))


def _commento_page(comment: dict[str, Any]) -> tuple[str | None, str | None]:
    """The id and url of the page a comment is on: its domain and path, as Commento keys pages, and that page
    over https (Commento keeps no scheme); a path that is a whole url is both. None where nothing names one."""
    domain, page = _filled(comment.get("domain")), _filled(comment.get("path")) or _filled(comment.get("url"))
    if page is not None and page.startswith(("http://", "https://")):
        return page, page
    if domain is None:
        return page, None
    key = domain + ("" if page is None else page if page.startswith("/") else "/" + page)
    return key, "https://" + key


def _commento_text(comment: dict[str, Any]) -> Any:
    """A comment's html (turned into text as it is read), else its markdown; the placeholder Commento writes
    over a deleted comment is no text."""
    html, markdown = comment.get("html"), comment.get("markdown")
    text = html if isinstance(html, str) and html.strip() else markdown if markdown is not None else html
    deleted = comment.get("deleted") is True and isinstance(text, str) and markup_text(text) == _COMMENTO_DELETED
    return "" if deleted else text


def _commento_comment(comment: Any, names: dict[str, str]) -> Any:
    """A Commento comment as the comment object read (keys of _COMMENTO_FIELDS): its text, its commenter's name
    (none for an anonymous one; the commenterHex kept) and its state as a status word (the state kept).
    Anything else is read as it is (and rejected with its path)."""
    if not isinstance(comment, dict):
        return comment
    commenter = _id_of(comment, "commenterHex")
    author = names.get(commenter) if commenter is not None and commenter != _COMMENTO_ANONYMOUS else None
    return {**{key: value for key, value in comment.items() if key not in _COMMENTO_DROPPED},
            "text": _commento_text(comment),
            **_present(author=author, status=_COMMENTO_STATES.get((_filled(comment.get("state")) or "").lower()))}


def _commento(document: Any) -> _Platform | None:
    """Commento's export: one article per page (domain and path), its comments threaded by parentHex, the
    author the name ``commenters`` gives the commenterHex (their e-mails are never read). Commento keeps no page
    titles, bodies or dates. A comment naming no page is in an article named after the file."""
    if not isinstance(document, dict) or not isinstance(document.get("comments"), list) or not _is_commento(document):
        return None
    names = {key: name for commenter in _objects_in(document, "commenters")
             if (key := _id_of(commenter, "commenterHex")) is not None and (name := _filled(commenter.get("name")))}
    pages: dict[str | None, tuple[str | None, list[tuple[Any, str]]]] = {}
    for index, comment in enumerate(document["comments"]):
        key, url = _commento_page(comment) if isinstance(comment, dict) else (None, None)
        pages.setdefault(key, (url, []))[1].append((_commento_comment(comment, names), _child("$.comments", index)))
    threads = [_Thread(items, id=key, url=url) for key, (url, items) in pages.items()] or [_Thread([])]
    return _Platform("commento", "$.comments", threads, fields=_COMMENTO_FIELDS, sources=_COMMENTO_SOURCES)


# Remark42's backup (``remark42 backup``, gzipped as backup-<site>-<date>.gz by its scheduled backups): JSON lines, a
# header {"version": 1, "users": [...], "posts": [...]} first, then one comment per line: {"id", "pid" ("": top
# level), "text" (html), "orig" (markdown), "user": {"name", "id", "picture", "ip" (hashed), "admin", "block"},
# "locator": {"site", "url"}, "score", "vote", "votes", "time", "title" (the page's, on some), "delete"}.

#: How many first lines tell a Remark42 backup: its header and the comments after it.
_REMARK42_SAMPLE_LINES = 20
#: The keys of the comment objects built from Remark42's (_remark42_comment), and where their values come from.
_REMARK42_FIELDS = _Fields(text="text", replies=None, id="id", parent="pid", author="author", time="time",
                           status="status")
_REMARK42_SOURCES = {"author": "user.name", "status": "delete"}
#: Keys not kept in ``extra``: the user (its name is the author, its id kept as user_id; its hashed ip is not
#: kept), the locator (the article's), the markdown the html text was made from, the voters' hashed ips.
_REMARK42_DROPPED = ("user", "locator", "orig", "voted_ips")
#: The name and id Remark42 writes over the user of a comment deleted with its user's data (a "hard" delete).
_REMARK42_GONE = "deleted"


def _remark42_url(document: Any) -> str | None:
    """The page a comment line is on (``locator.url``); None for a line that names none."""
    return _filled(_dig(document, "locator", "url"))


def _is_remark42_comment(document: Any) -> bool:
    """A Remark42 comment: a page (``locator.url``), a parent (``pid``) and a user object, which no other
    comment shape holds together."""
    return _remark42_url(document) is not None and "pid" in document and isinstance(document.get("user"), dict)


def _is_remark42_header(document: Any) -> bool:
    """The line a backup opens with: its version (beside its users and posts), on no page."""
    return isinstance(document, dict) and "version" in document and "locator" not in document


def _first_lines(text: str, count: int) -> str:
    """The text up to its count-th line break (the whole text when it has fewer)."""
    end = -1
    for _ in range(count):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[:end]


def _is_remark42_backup(path: Path, text: str) -> bool:
    """Whether the text is a Remark42 backup, by its first lines: a header or a comment first, and a comment
    among them. Only those lines are parsed, so that any other JSON (lines) costs next to nothing."""
    first = _first_lines(text, _REMARK42_SAMPLE_LINES)
    if '"locator"' not in first:
        return False
    documents = [document for _, document in json_lines(path, first).documents]
    return (bool(documents) and (_is_remark42_header(documents[0]) or _is_remark42_comment(documents[0]))
            and any(_is_remark42_comment(document) for document in documents))


def _remark42_user(user: Any, deleted: bool) -> dict[str, Any]:
    """The author and user_id a comment's user gives; none for the user a hard delete left."""
    name, key = _dig(user, "name"), _dig(user, "id")
    if deleted and name == _REMARK42_GONE and key == _REMARK42_GONE:
        return {}
    return _present(author=_filled(name), user_id=key if isinstance(key, str) else None)


def _remark42_comment(comment: dict[str, Any]) -> dict[str, Any]:
    """A Remark42 comment line as the comment object read (keys of _REMARK42_FIELDS): its user's name as the
    author, ``delete: true`` as the status deleted (its text emptied: kept, so that its replies stay linked)."""
    deleted = comment.get("delete") is True
    return {**{key: value for key, value in comment.items() if key not in _REMARK42_DROPPED},
            **_remark42_user(comment.get("user"), deleted), **_present(status="deleted" if deleted else None)}


def _remark42(documents: list[tuple[int, Any]]) -> _Platform:
    """The lines of a Remark42 backup (_is_remark42_backup): one article per page (``locator.url``), titled by
    the first of its comments that names a title; comments threaded by ``pid``. The header is no comment; any
    other line that names no page is a reject with its line number."""
    header = bool(documents) and _is_remark42_header(documents[0][1])
    pages: dict[str, list[tuple[Any, str]]] = {}
    titles: dict[str, str] = {}
    refused: list[tuple[Any, str, str]] = []
    for number, document in documents[1 if header else 0:]:
        url, at = _remark42_url(document), f"line {number}"
        if url is None:
            refused.append((document, at, "not a Remark42 comment (no locator.url)"))
            continue
        pages.setdefault(url, []).append((_remark42_comment(document), at))
        title = clean_text(_filled(document.get("title")))
        if title:
            titles.setdefault(url, title)
    threads = [_Thread(items, id=url, title=titles.get(url), url=url) for url, items in pages.items()]
    return _Platform("remark42", "lines", threads, fields=_REMARK42_FIELDS, sources=_REMARK42_SOURCES,
                     refused=refused)


# Coral's GraphQL API (the open-source comment platform many newsrooms run; ``/api/graphql``), its answers saved as
# they come: {"data": {"story": story}}, a story being {"id", "url", "metadata": {"title", "publishedAt"},
# "commentCounts": {"totalPublished"}, "comments": connection}, a connection {"edges": [{"node": comment, "cursor"}],
# "pageInfo"} (or {"nodes": [...]}), a comment {"id", "body" (html), "createdAt", "author": {"username"}, "status",
# "deleted", "parent": {"id"}, "replies": connection}. Stories listed ({"data": {"stories": connection}}) hold their
# comments; comments listed across stories ({"data": {"comments": connection}}, as moderation queries ask) name
# theirs in "story". A file may hold one answer or a list of them, pages fetched one after another.

#: The keys of the comment objects built from Coral's (_coral_comment), and where their values come from.
_CORAL_FIELDS = _Fields(text="body", replies=None, id="id", parent="parent", author="author", time="createdAt",
                        status="status")
_CORAL_SOURCES = {"parent": "replies (nesting), else parent.id"}


def _connection(value: Any, at: str) -> list[tuple[Any, str]] | None:
    """The nodes of a GraphQL connection with their paths: ``edges[].node``, else ``nodes``; an edge without a
    node is kept as it is (and rejected where read). None for a value that is no connection."""
    edges = value.get("edges") if isinstance(value, dict) else None
    if isinstance(edges, list):
        return [(edge["node"], _child(_child(_child(at, "edges"), index), "node"))
                if isinstance(edge, dict) and "node" in edge else (edge, _child(_child(at, "edges"), index))
                for index, edge in enumerate(edges)]
    nodes = value.get("nodes") if isinstance(value, dict) else None
    return [(node, _child(_child(at, "nodes"), index)) for index, node in enumerate(nodes)] \
        if isinstance(nodes, list) else None


def _coral_comment(node: Any, above: str | None) -> Any:
    """A Coral comment as the comment object read (keys of _CORAL_FIELDS): the comment it hangs from (else the
    parent it names) as its parent; its replies and story are read as such, not kept in ``extra``. Anything
    else is read as it is (and rejected with its path)."""
    if not isinstance(node, dict):
        return node
    named = node.get("parent")
    parent = above or (_id_of(named, "id") if isinstance(named, dict) else None)
    return {**{key: value for key, value in node.items() if key not in ("replies", "story", "parent")},
            **_present(parent=parent)}


def _nested(nodes: list[tuple[Any, str]], replies_of: Callable[[dict[str, Any], str], list[tuple[Any, str]] | None],
            build: Callable[[Any, str | None], Any]) -> list[tuple[Any, str]]:
    """Comments and the replies nested under them (``replies_of`` a comment and its path gives its replies with
    theirs), in document order, each built into the comment object read with the id of the one it hangs from.
    Iterative: a thread may nest deeper than Python's stack."""
    found: list[tuple[Any, str]] = []
    stack = [(node, at, None) for node, at in reversed(nodes)]
    while stack:
        node, at, parent = stack.pop()
        found.append((build(node, parent), at))
        replies = replies_of(node, at) if isinstance(node, dict) else None
        if replies:
            comment_id = _id_of(node, "id")
            stack.extend((reply, where, comment_id) for reply, where in reversed(replies))
    return found


def _coral_replies(node: dict[str, Any], at: str) -> list[tuple[Any, str]] | None:
    return _connection(node.get("replies"), _child(at, "replies"))


def _answers(document: Any) -> list[tuple[dict[str, Any], str]]:
    """The API answers the file holds (one, or a list of them: pages fetched one after another), with their paths."""
    if isinstance(document, dict):
        return [(document, "$")]
    listed = document if isinstance(document, list) else []
    return [(answer, _child("$", index)) for index, answer in enumerate(listed) if isinstance(answer, dict)]


def _coral_stories(data: dict[str, Any], at: str) -> list[tuple[Any, list[tuple[Any, str]]]] | None:
    """Each story of one answer with its comment nodes; None for an answer holding no comment connection."""
    story = data.get("story")
    if isinstance(story, dict):
        comments = _connection(story.get("comments"), _child(_child(at, "story"), "comments"))
        if comments is not None:
            return [(story, comments)]
    if (stories := _connection(data.get("stories"), _child(at, "stories"))) is not None:
        held = [(story, _connection(story.get("comments"), _child(where, "comments"))
                 if isinstance(story, dict) else None) for story, where in stories]
        return [(story, comments or []) for story, comments in held] if any(c is not None for _, c in held) else None
    if (comments := _connection(data.get("comments"), _child(at, "comments"))) is not None:
        return [(node.get("story") if isinstance(node, dict) else None, [(node, where)]) for node, where in comments]
    return None


def _coral(document: Any) -> _Platform | None:
    """Coral's GraphQL answers: one article per story (its title, url, date and published count), the comments
    threaded by their nesting; a comment listed outside any story is in an article named after the file."""
    listed = [stories for answer, at in _answers(document) if isinstance(answer.get("data"), dict)
              and (stories := _coral_stories(answer["data"], _child(at, "data"))) is not None]
    if not listed:
        return None
    threads: dict[str | None, tuple[Any, list[tuple[Any, str]]]] = {}
    for story, nodes in (pair for stories in listed for pair in stories):
        key = _id_of(story, "id") if isinstance(story, dict) else None
        threads.setdefault(key, (story, []))[1].extend(_nested(nodes, _coral_replies, _coral_comment))
    return _Platform("coral", "$.data…comments.edges[*].node", [
        _Thread(items, id=key, url=_top_level(story, _URL), title=_top_level(_dig(story, "metadata"), _TITLE),
                date=_post_time(_dig(story, "metadata"), "publishedAt"),
                declared=count if isinstance(count := _dig(story, "commentCounts", "totalPublished"), int) else None)
        for key, (story, items) in threads.items()], fields=_CORAL_FIELDS, sources=_CORAL_SOURCES)


# OpenWeb's conversation API (formerly Spot.IM's ``conversation/read``: the comments under many news sites'
# articles), its answers saved as they come: {"conversation": {"conversation_id", "comments": [comment],
# "messages_count", "has_next", "offset"}, "users": {user id: {"user_name", "display_name"}}, "extract_data":
# {"url", "title"}}, a comment being {"id", "user_id", "written_at" (epoch seconds), "parent_id", "depth",
# "content": [{"type": "text", "text" (html)}, {"type": "image" …}], "replies": [comment], "replies_count", "rank"}.

#: The keys of the comment objects built from OpenWeb's (_openweb_comment), and where their values come from.
_OPENWEB_FIELDS = _Fields(text="text", replies=None, id="id", parent="parent", author="author", time="written_at")
_OPENWEB_SOURCES = {"text": "content[*].text", "author": "users[user_id].display_name",
                    "parent": "replies (nesting), else parent_id"}


def _openweb_replies(node: dict[str, Any], at: str) -> list[tuple[Any, str]] | None:
    replies = node.get("replies")
    return _listed_pairs(replies, _child(at, "replies")) if isinstance(replies, list) else None


def _openweb_comment(node: Any, above: str | None, users: dict[str, Any]) -> Any:
    """An OpenWeb comment as the comment object read (keys of _OPENWEB_FIELDS): its text parts joined (an image
    part has none), its author the display name ``users`` gives its user_id, its parent the comment it hangs
    from (else its parent_id). Anything else is read as it is (and rejected with its path)."""
    if not isinstance(node, dict):
        return node
    parts = node.get("content")
    texts = [part["text"] for part in parts if isinstance(part, dict) and isinstance(part.get("text"), str)] \
        if isinstance(parts, list) else None
    user = users.get(str(node.get("user_id")))
    name = (_filled(user.get("display_name")) or _filled(user.get("user_name"))) if isinstance(user, dict) else None
    return {**{key: value for key, value in node.items() if key not in ("replies", "content")},
            **_present(text="\n\n".join(texts) if texts is not None else None, author=name,
                       parent=above or _filled(node.get("parent_id")))}


def _openweb(document: Any) -> _Platform | None:
    """OpenWeb's conversation answers: one article per conversation (the page's url and title where the answer
    extracted them; ``messages_count`` declared), the comments threaded by their nesting."""
    answers = [(answer, at) for answer, at in _answers(document)
               if isinstance(_dig(answer, "conversation", "comments"), list)]
    if not any(isinstance(answer.get("users"), dict) for answer, _ in answers):
        return None
    threads: dict[str | None, tuple[dict[str, Any], list[tuple[Any, str]]]] = {}
    for answer, at in answers:
        users = answer["users"] if isinstance(answer.get("users"), dict) else {}
        conversation, where = answer["conversation"], _child(_child(at, "conversation"), "comments")
        threads.setdefault(_id_of(conversation, "conversation_id"), (answer, []))[1].extend(_nested(
            _listed_pairs(conversation["comments"], where), _openweb_replies,
            lambda node, above, users=users: _openweb_comment(node, above, users)))
    return _Platform("openweb", "$.conversation.comments", [
        _Thread(items, id=key, url=_top_level(_dig(answer, "extract_data"), _URL),
                title=_top_level(_dig(answer, "extract_data"), _TITLE),
                declared=count if isinstance(count := _dig(answer, "conversation", "messages_count"), int) else None)
        for key, (answer, items) in threads.items()], fields=_OPENWEB_FIELDS, sources=_OPENWEB_SOURCES)


# Telegram Desktop's chat export ("Export chat history", machine-readable JSON: result.json): {"name", "type", "id",
# "messages": [message]}, or the account's whole export holding such chats under {"chats": {"list": [...]}}, a
# message being {"id", "type": "message" | "service", "date" (the exporting machine's local time), "date_unixtime",
# "from", "from_id" ("user…", "channel…"), "reply_to_message_id", "text" (a string, or a list of strings and
# {"type", "text"} parts where it is formatted), "text_entities", "photo", "file", "forwarded_from" …}; a service
# message ({"actor", "action": "pin_message" …}) is none of the chat's words. A channel's discussion group holds each
# channel post (copied in from the channel) and the comments answering it.

#: The keys of the message objects built from Telegram's (_telegram_message), and where their values come from.
_TELEGRAM_FIELDS = _Fields(text="text", replies=None, id="id", parent="reply_to_message_id", author="from",
                           time="time")
_TELEGRAM_SOURCES = {"text": "text (its parts joined)", "time": "date_unixtime, else date"}


def _telegram_chats(document: Any) -> list[tuple[dict[str, Any], str]] | None:
    """The chats of a Telegram export (one chat's, or the account's) with their JSON paths; None for any other
    document."""
    if isinstance(document, dict) and document.get("type") in _TELEGRAM_CHAT_TYPES and isinstance(
            document.get("messages"), list):
        return [(document, "$")]
    listed = [(chat, _child(_child(_child("$", group), "list"), index)) for group in ("chats", "left_chats")
              if isinstance(chats := _dig(document, group, "list"), list)
              for index, chat in enumerate(chats) if isinstance(chat, dict) and isinstance(chat.get("messages"), list)]
    return listed if listed and all(chat.get("type") in _TELEGRAM_CHAT_TYPES for chat, _ in listed) else None


def _telegram_text(message: dict[str, Any]) -> Any:
    """A message's text, its formatted parts joined; anything else as it is (rejected as no text)."""
    text = message.get("text")
    if not isinstance(text, list):
        return text
    return "".join(part if isinstance(part, str) else part.get("text") if isinstance(part, dict) and isinstance(
        part.get("text"), str) else "" for part in text)


def _telegram_message(message: Any, prefix: str = "") -> Any:
    """A Telegram message as the object read (keys of _TELEGRAM_FIELDS): its text joined, its time the Unix time
    (else the local ``date``), its id and the one it answers led by ``prefix`` (its chat's, where the export holds
    several chats, each numbering its messages from 1). Anything else is read as it is (and rejected with its
    path)."""
    if not isinstance(message, dict):
        return message
    kept = {key: value for key, value in message.items() if key not in ("text", "text_entities", "date_unixtime")}
    ids = {key: prefix + named for key in ("id", "reply_to_message_id") if (named := _id_of(message, key)) is not None}
    return {**kept, **(ids if prefix else {}),
            **_present(text=_telegram_text(message), time=message.get("date_unixtime") or message.get("date"))}


def _telegram_post(message: dict[str, Any], chat: str | None, prefix: str) -> _Thread:
    """A channel post as the article its comments answer: its text the body, its opening the title."""
    text = _telegram_text(message)
    body = clean_text(text) if isinstance(text, str) else ""
    post_id = _id_of(message, "id")
    return _Thread([], id=f"{chat}/{post_id}" if chat else post_id, title=opening_title(body), body=body,
                   date=_time(_telegram_message(message), "time"), post_id=prefix + post_id if post_id else None)


def _telegram_chat(chat: dict[str, Any], at: str, refused: list[tuple[Any, str, str]], prefix: str) -> list[_Thread]:
    """A chat's articles. A channel's post (in a channel's export, or a discussion group's copy of it) is an
    article, and the messages answering it, down its replies, are its comments; the chat's other messages are
    one article named after the chat. A service message is refused: it is none of the chat's words."""
    chat_id = _id_of(chat, "id")
    listed = [(message, _child(_child(at, "messages"), index)) for index, message in enumerate(chat["messages"])]
    ids = {key: message for message, _ in listed if isinstance(message, dict) and (key := _id_of(message, "id"))}
    tops = thread_tops({key: _id_of(message, "reply_to_message_id") for key, message in ids.items()})
    # a group's anonymous admins write as the group itself ("channel" and its own id): comments, not posts
    posts = {key: _telegram_post(message, chat_id, prefix) for key, message in ids.items()
             if tops.get(key) == key and message.get("type") != "service"
             and str(message.get("from_id") or "").startswith("channel")
             and message.get("from_id") != f"channel{chat_id}"}
    rest = _Thread([], id=chat_id, title=_top_level(chat, ("name",)))
    for message, where in listed:
        key = _id_of(message, "id") if isinstance(message, dict) else None
        if isinstance(message, dict) and message.get("type") == "service":
            refused.append((message, where, f"a service message ({message.get('action') or 'no action'}), "
                                            "not a comment"))
        elif key not in posts:
            (posts.get(tops.get(key) or "") or rest).items.append((_telegram_message(message, prefix), where))
    return [*posts.values(), rest] if rest.items or not posts else list(posts.values())


def _telegram(document: Any) -> _Platform | None:
    """A Telegram chat export: one article per channel post that comments answer, and one for the rest of each
    chat's messages (titled by the chat's name), threaded by ``reply_to_message_id``."""
    chats = _telegram_chats(document)
    if chats is None:
        return None
    refused: list[tuple[Any, str, str]] = []
    # each chat numbers its messages from 1: in an export of several, a message's id is led by its chat's
    threads = [thread for chat, at in chats
               for thread in _telegram_chat(chat, at, refused, f"{_id_of(chat, 'id')}/" if len(chats) > 1 else "")]
    comments_at = "$.messages" if chats[0][1] == "$" else "$.chats.list[*].messages"
    return _Platform("telegram", comments_at, threads, fields=_TELEGRAM_FIELDS, sources=_TELEGRAM_SOURCES,
                     refused=refused)


_PLATFORMS: tuple[Callable[[Any], _Platform | None], ...] = (
    _mastodon, _discourse, _lemmy, _commento, _bluesky, _x, _v1, _coral, _openweb, _telegram)


def _platform(document: Any) -> _Platform | None:
    return next((platform for shape in _PLATFORMS if (platform := shape(document)) is not None), None)


def _platform_fields(platform: _Platform) -> _Fields | None:
    """The fields of a platform's comment objects; the article is the envelope's, never a field's."""
    if platform.fields is not None:
        return platform.fields
    fields = _sample_fields(platform.objects())
    return replace(fields, article=None) if fields else None


def _platform_articles(path: Path, platform: _Platform, result: ReadResult) -> list[Article]:
    """One article per thread of a platform document, its post the body and its comments read as above."""
    fields = _platform_fields(platform)
    if fields is None and any(isinstance(obj, dict) for obj in platform.objects()):
        raise ReaderError(path, platform.comments_at, f"no text field in the {platform.name} comments "
                                                      f"({', '.join(_TEXT)})")
    result.rejects += [item_reject(path, at, "comment", ItemError(why), raw) for raw, at, why in platform.refused]
    items = [(obj, at, str(index)) for index, thread in enumerate(platform.threads) for obj, at in thread.items]
    by_thread: dict[str | None, list[Comment]] = {}
    # without a dict among them there are no fields to read by: each item is rejected as no object
    for comment, key in _read_comments(path, items, fields or _NO_FIELDS, result, platform.parent_of):
        by_thread.setdefault(key, []).append(comment)
    named = {**fields.named(platform.comments_at), **platform.sources} if fields else {}
    articles = []
    for index, thread in enumerate(platform.threads):
        comments = by_thread.get(str(index), [])
        if not comments and thread.id is None and len(platform.threads) > 1:
            continue  # items beside the threads that were all rejected: no article of their own
        for comment in comments:
            if comment.parent_id is not None and comment.parent_id == thread.post_id and not comment.depth:
                comment.parent_id = None  # it answers the post, which is the article
        fill_depths(comments)
        articles.append(Article(
            id=thread.id or path.stem, source_file=str(path), format=FORMAT, title=thread.title, url=thread.url,
            date=thread.date, body=thread.body, declared_comment_count=thread.declared, comments=comments,
            extra={"platform": platform.name, "fields": named}))
    return articles


def _read_remark42(path: Path, decoded: DecodedText) -> ReadResult:
    """A Remark42 backup, line by line: a line that is not JSON is a reject with its number, the others read."""
    lines = json_lines(path, decoded.text)
    result = ReadResult(rejects=repair_rejects(path, decoded.repairs, "text repaired") + lines.rejects)
    result.articles = _platform_articles(path, _remark42(lines.documents), result)
    return result


@register(FORMAT, _sniff, "custom comment JSON: a list of comment objects (any usual field names), nested replies; "
                          "Mastodon, Discourse, Lemmy, Bluesky and X threads, Coral and OpenWeb answers, Telegram "
                          "chat exports; "
                          "Commento exports, Remark42 backups")
def read(path: Path, options: ReadOptions) -> ReadResult:
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    if _is_remark42_backup(path, decoded.text):
        return _read_remark42(path, decoded)
    if (tweet_lines := _x_lines(path, decoded.text) or _v1_lines(path, decoded.text)) is not None:
        platform, bad_lines = tweet_lines
        result = ReadResult(rejects=repair_rejects(path, decoded.repairs, "text repaired") + bad_lines)
        result.articles = _platform_articles(path, platform, result)
        return result
    try:  # as read_json does, on the text already decoded
        parsed = parse_json(decoded.text)
    except BadJson as error:
        raise ReaderError(path, error.location, error.message) from None
    result = ReadResult(rejects=repair_rejects(path, decoded.repairs + parsed.repairs, "JSON repaired"))
    platform = _platform(parsed.document)
    if platform is not None:
        result.articles = _platform_articles(path, platform, result)
        return result
    found = _comment_list(parsed.document)
    if found is None:
        raise ReaderError(path, "$", f"no list of comment objects with a text field ({', '.join(_TEXT)})")
    items, comments_at, fields, holder = found
    by_article: dict[str | None, list[Comment]] = {}
    for comment, article in _read_comments(path, _listed(items, comments_at), fields, result):
        by_article.setdefault(article, []).append(comment)
    pages = _by_page(by_article[None]) if list(by_article) == [None] else None
    if pages is not None:
        by_article = dict(pages)
    described = _article_objects(items, fields)
    # one article: the object holding the comments says what they are under (the Guardian's "discussion": its
    # title, webUrl, commentCount), else the document's own title and url
    held = _described(holder) if len(by_article) <= 1 else {}
    # the document's own title and url, else those of the page object beside the comments ({"article": {…}}),
    # or beside them in the object holding them ({"data": {"submission_metadata": {…}, "comments": [...]}})
    page = _described(_page_object(holder) or _page_object(parsed.document)) if len(by_article) <= 1 else {}
    document = {key: _top_level(parsed.document, names) or page.get(key)
                for key, names in (("title", _TITLE), ("url", _URL))} if len(by_article) <= 1 else {}
    for article, comments in by_article.items() or [(None, [])]:
        if fields.replies is None and (fields.parent or any(c.parent_id for c in comments)):
            fill_depths(comments)
        own = _described(described.get(article)) or (_page_described(article, comments) if pages else {})
        declared = next((count for count in (own.get("declared_comment_count"), held.get("declared_comment_count"),
                                             page.get("declared_comment_count")) if count is not None), None)
        result.articles.append(Article(
            id=article or path.stem, source_file=str(path), format=FORMAT,
            title=own.get("title") or held.get("title") or document.get("title"),
            url=own.get("url") or held.get("url") or document.get("url") or _page_of(comments),
            date=own.get("date") or page.get("date"), declared_comment_count=declared, comments=comments,
            extra={"fields": fields.named(comments_at)}))
    return result


def _page_field(comment: Comment, names: tuple[str, ...]) -> str | None:
    """The text of the first of these fields among the comment's unread ones."""
    key = _named(comment.extra, names)
    value = comment.extra.get(key) if key else None
    return value.strip() or None if isinstance(value, str) else None


def _by_page(comments: list[Comment]) -> list[tuple[str | None, list[Comment]]] | None:
    """A scraper's list of several pages' comments, no article field, each top-level comment naming its page's
    address ("page_url", "url"): the comments grouped by it, each reply under its thread's. None unless every
    top-level comment names one and two of them share one (a comment's own permalink never is shared); replies
    whose thread is not in the file stay together under no page."""
    pages: dict[str, str] = {}
    for comment in comments:
        if comment.parent_id is None:
            page = _page_field(comment, _PAGE_URL)
            if page is None or not page.startswith(("https://", "http://")):
                return None
            pages[comment.id] = page
    if len(set(pages.values())) == len(pages):
        return None
    tops = thread_tops({comment.id: comment.parent_id for comment in comments})
    grouped: dict[str | None, list[Comment]] = {}
    for comment in comments:
        top = tops.get(comment.id)
        grouped.setdefault(pages.get(top) if top is not None else None, []).append(comment)
    return list(grouped.items())


def _page_described(page: str | None, comments: list[Comment]) -> dict[str, Any]:
    """The url and the title (its first comment's) of a page the comments were grouped under by ``_by_page``."""
    if page is None:
        return {}
    first = next(c for c in comments if c.parent_id is None)
    return {"url": page, "title": _page_field(first, _PAGE_TITLE)}


def _article_objects(items: list[Any], fields: _Fields) -> dict[str, dict[str, Any]]:
    """The article objects the comments hold (the first of each article), by the article's id."""
    if fields.article is None:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for obj in _objects(items, fields.replies):
        value = obj.get(fields.article)
        if isinstance(value, dict) and (key := _article_key(value)) is not None:
            found.setdefault(key, value)
    return found
