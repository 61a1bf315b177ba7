"""Reddit thread JSON: what a thread page's ``.json`` returns, and ``/api/morechildren`` responses.

Accepted shapes: the two-listing array ``[t3 listing, t1 listing]``, a single Listing, and the
``{"json": {"data": {"things": [...]}}}`` morechildren response. Replies nest under ``replies``.
``more`` stubs are not comments: their ``count`` (every comment hidden behind the stub,
descendants included) adds to the article's ``missing_comment_count``; stubs with count 0 are
"continue this thread" links whose size Reddit does not say, counted in ``extra``.
``[deleted]`` / ``[removed]`` bodies are kept with status ``deleted``. A thing that cannot be read
(a wrong type, an unknown kind) is rejected by its JSON path and the walk goes on.

Also the dumps (Pushshift ``RC_…`` / ``RS_…``, Arctic Shift's ``…_comments`` / ``…_submissions`` and its
web tool's ``.jsonl``, which puts a post and its comments in one file): JSON lines, one comment or
submission per line (bare, or wrapped as ``{"kind": "t1", "data": …}``), read line by line. One article
per post (``link_id``): a submission line gives its title, body, url, date and ``num_comments``; a post
whose submission is not in the file has no title. A comment id met again is kept once (one reject counts
the repeats), and so is a submission; a line that is not JSON, or not a comment or submission, is a
reject with its line number.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import WESTERN, SeenIds, clean_text, fill_depths, to_iso8601
from analyzer.readers._structured import (
    BadJson,
    ItemError,
    count_field,
    decode_text,
    excerpt,
    extra_value,
    item_reject,
    parse_json,
    read_json,
    repair_rejects,
    text_field,
    wide_encoding,
    without_controls,
)
from analyzer.records import Article, Comment, Reject

FORMAT = "reddit"
_THING_KIND = re.compile(rb'"kind"\s*:\s*"(Listing|t1|t3|more)"')
#: Bodies Reddit shows in place of a comment that was deleted by its author or removed by a moderator.
DELETED_BODIES = ("[deleted]", "[removed]")
_UNKNOWN_THREAD = "unknown"


#: Fullnames as a dump's comment lines give them: its post, and its parent (a comment or the post).
_LINK_FULLNAME = re.compile(r"t3_[0-9a-z]+\Z")
_PARENT_FULLNAME = re.compile(r"t[13]_[0-9a-z]+\Z")
#: How many lines of the head the sniffer reads, and how many bytes of them at most (the first line
#: is read whatever its length).
_SNIFF_LINES, _SNIFF_LINE_BYTES = 20, 1024 * 1024
#: A longer line is no comment or submission (a post's text is at most 40,000 characters): a JSON
#: document on one line, not parsed twice to find that out.
_MAX_THING_BYTES = 4 * 1024 * 1024
#: How many lines at the start of a file say whether it is a dump (a broken first line is no reason not to be).
_PROBE_LINES = 5
#: What decode_text removes from a text (and reports): C0 controls but tab and line breaks, U+FFFE, U+FFFF.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Bytes that are not UTF-8, as ``surrogateescape`` decoding leaves them.
_NOT_UTF8 = re.compile("[\udc80-\udcff]+")
#: Line numbers named in one reject for a repair found on many lines; the rest are counted.
_LINES_NAMED = 10


def _sniff(head: bytes, path: Path) -> float:
    if not head.lstrip(b" \t\r\n").startswith((b"[", b"{")):
        return 0.0
    kinds = {m.group(1) for m in _THING_KIND.finditer(head)}
    if {b"t1", b"t3"} & kinds and (b"Listing" in kinds or b'"things"' in head):
        return 0.95
    if _dump_head(head):
        return 0.95
    return 0.6 if kinds else 0.0


def _dump_head(head: bytes) -> bool:
    """Whether the head is JSON lines of Reddit comments and submissions: of its whole lines that are
    objects (up to _SNIFF_LINES), the first and most are comments or submissions by Reddit-only keys."""
    lines = [line for line in head.split(b"\n") if line.strip()][:_SNIFF_LINES]
    objects: list[dict[str, Any]] = []
    read = 0
    for index, line in enumerate(lines):
        if len(line) > _MAX_THING_BYTES or (index and read + len(line) > _SNIFF_LINE_BYTES):
            if index == 0:
                return False
            break
        read += len(line)
        try:
            # a stray byte that is not UTF-8 is repaired when the line is read: it must not hide the shape
            document = json.loads(line.decode("utf-8", errors="replace"))
        except (ValueError, RecursionError):  # a broken line, or the head's last line cut short
            if index == 0:  # pretty-printed JSON, or not JSON at all
                return False
            continue
        if isinstance(document, dict):
            objects.append(document)
    sure = [_surely_a_thing(document) for document in objects]
    return bool(sure) and sure[0] and 2 * sum(sure) > len(sure)


def _surely_a_thing(document: dict[str, Any]) -> bool:
    """A Reddit comment or submission by several keys no other source writes together."""
    kind, data = _unwrapped(document)
    if kind in ("t1", "t3") and data is not document:  # the API's {"kind": "t1", "data": {…}}
        return isinstance(data.get("id"), str)
    link, parent = data.get("link_id"), data.get("parent_id")
    if isinstance(link, str) and isinstance(parent, str) and "body" in data and "id" in data:
        return bool(_LINK_FULLNAME.match(link) and _PARENT_FULLNAME.match(parent))
    name, permalink = data.get("name"), data.get("permalink")
    reddit_named = ((isinstance(name, str) and _LINK_FULLNAME.match(name) is not None)
                    or (isinstance(permalink, str) and "/comments/" in permalink) or "subreddit" in data)
    return "title" in data and reddit_named and ("num_comments" in data or "selftext" in data)


def strip_fullname(fullname: str | None) -> str | None:
    """``t1_abc`` → ``abc`` (Reddit's fullnames carry the thing kind)."""
    return fullname.split("_", 1)[1] if fullname and "_" in fullname else fullname


@dataclass
class _Thread:
    """What one submission (t3) collects while the file is walked."""

    id: str
    #: Article fields from the t3 post; empty when the post is not in the file (or was rejected).
    post: dict[str, Any] = field(default_factory=dict)
    #: What its comments carry of the post, in a user's or a search's comment listing: ``link_title``,
    #: ``link_permalink`` (the thread's page), ``link_url`` (a link post's link).
    carried: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    missing: int = 0
    more_stubs: int = 0
    continue_stubs: int = 0

    def carry(self, carried: dict[str, str]) -> None:
        """Keep what a comment carries of the post (``_carried``), where an earlier comment did not."""
        self.carried = {**carried, **self.carried}


_CARRIED = ("link_title", "link_permalink", "link_url")


def _carried(data: dict[str, Any]) -> dict[str, str]:
    return {key: value for key in _CARRIED if (value := text_field(data, key))}


def _absolute(permalink: str | None) -> str | None:
    return f"https://www.reddit.com{permalink}" if permalink and permalink.startswith("/") else permalink


def _carried_link(carried: dict[str, str]) -> dict[str, str]:
    """A link post's link, as its comments carry it (a text post's "link" is its own thread page)."""
    link = carried.get("link_url")
    own = _absolute(carried.get("link_permalink"))
    return {"link_url": link} if link and link != own else {}


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
        parent_id=strip_fullname(parent) if parent.startswith("t1_") else None,
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
        "url": _absolute(permalink) or link,
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
        link = strip_fullname(text_field(data, "link_id"))
        parent_fullname = text_field(data, "parent_id") or ""
        parent = strip_fullname(parent_fullname)
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
        thread.carry(_carried(data))
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
        title=post.get("title") or thread.carried.get("link_title"),
        url=post.get("url") or _absolute(thread.carried.get("link_permalink")),
        date=post.get("date"),
        body=post.get("body", ""),
        declared_comment_count=post.get("declared_comment_count"),
        missing_comment_count=thread.missing if thread.more_stubs else None,
        comments=thread.comments,
        extra={**_carried_link(thread.carried), **post.get("extra", {}), **stubs},
    )


# --- dumps: JSON lines of comments and submissions ---------------------------------------------------


def _unwrapped(document: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """A dump line's thing: ("t1" / "t3" / None, its fields). The API's wrapped things are unwrapped;
    a bare line is a comment by ``body`` with ``link_id`` or ``parent_id``, a submission by ``title`` with an id."""
    kind, data = document.get("kind"), document.get("data")
    if kind in ("t1", "t3") and isinstance(data, dict):
        return kind, data
    if "body" in document and ("link_id" in document or "parent_id" in document):
        return "t1", document
    if "title" in document and ("id" in document or "name" in document):
        return "t3", document
    return None, document


def _lines(path: Path, fallback: str | None) -> Iterator[tuple[int | None, str, list[tuple[str, str]]]]:
    """The file's non-blank lines as (number, text, what decoding repaired), one at a time. UTF-16 and
    UTF-32, whose line breaks are not one byte, are decoded whole first: their repairs come first, with
    number None, since they name their lines themselves."""
    with path.open("rb") as stream:
        if wide_encoding(stream.read(512)):
            decoded = decode_text(path.read_bytes(), fallback)
            yield None, "", decoded.repairs
            yield from ((number, line, []) for number, line in enumerate(decoded.text.split("\n"), start=1)
                        if line.strip())
            return
        stream.seek(0)
        for number, raw in enumerate(stream, start=1):  # a binary file splits at b"\n" only, as JSON lines do
            if not raw.strip():
                continue
            text, repairs = _decoded_line(raw, fallback)
            yield number, text.rstrip("\r\n"), repairs


def _decoded_line(raw: bytes, fallback: str | None) -> tuple[str, list[tuple[str, str]]]:
    """One line of a UTF-8 dump as decode_text reads a UTF-8 file: bytes that are not UTF-8 read in
    ``fallback`` (by default cp1252; a line of them alone too: the dump is UTF-8, the line damaged), control
    characters removed."""
    repairs: list[tuple[str, str]] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="surrogateescape")
        bad = sum(len(run) for run in _NOT_UTF8.findall(text))
        stray = fallback or WESTERN
        text = _NOT_UTF8.sub(
            lambda run: run.group().encode("utf-8", "surrogateescape").decode(stray, errors="replace"), text)
        repairs.append(("line", f"{bad} byte(s) not valid UTF-8 read as {stray}"))
    text = text.removeprefix("\ufeff")
    if _CONTROL_CHARACTERS.search(text):
        cleaned = without_controls(text)
        text, repairs = cleaned.text, repairs + cleaned.repairs
    return text, repairs


def _is_dump(path: Path, fallback: str | None) -> bool:
    """Whether the file is JSON lines of comments and submissions rather than one JSON document: its first
    line is a whole comment or submission. When that line is broken, one of the next few that is a bare
    comment or submission (never a whole line of a JSON document, where things are wrapped) says so."""
    with closing(_lines(path, fallback)) as lines:
        first = [line for number, line, _ in islice(lines, _PROBE_LINES + 1) if number is not None][:_PROBE_LINES]
    for index, line in enumerate(first):
        if len(line) > _MAX_THING_BYTES:
            if index == 0:
                return False
            continue
        try:
            document = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(document, dict):
            # a whole line that is a list or a bare value ("NaN", 3) is a broken line of a dump, or a JSON document
            # on one line: a line after it that is a comment or a submission says which
            continue
        kind, data = _unwrapped(document)
        if kind is not None and (index == 0 or data is document):
            return True
        if index == 0:
            return False
    return False


class _Repairs:
    """What was repaired on the lines of a dump, one reject per kind of repair (a dump may need one on
    millions of lines): the first lines named, the others counted, the counts in the messages added up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines: dict[tuple[str, str], list[int]] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._whole_file: list[Reject] = []

    def add(self, number: int | None, repairs: list[tuple[str, str]], what: str) -> None:
        """Repairs of line ``number``, or with None of the whole file (which name their lines)."""
        if number is None:
            self._whole_file += repair_rejects(self.path, repairs, what)
            return
        for _, message in repairs:
            count, _, rest = message.partition(" ")
            key = (what, rest) if count.isdigit() else (what, message)
            self._lines.setdefault(key, []).append(number)
            self._counts[key] = self._counts.get(key, 0) + (int(count) if count.isdigit() else 0)

    def rejects(self) -> list[Reject]:
        found = list(self._whole_file)
        for (what, message), lines in self._lines.items():
            named = ", ".join(map(str, lines[:_LINES_NAMED]))
            more = f" and {len(lines) - _LINES_NAMED} more" if len(lines) > _LINES_NAMED else ""
            where = f"line{'s' if len(lines) > 1 else ''} {named}{more}"
            count = self._counts[(what, message)]
            found.append(Reject(str(self.path), where, f"{what}: {f'{count} ' if count else ''}{message}"))
        return found


def _dump_post_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The Article fields of a dump's submission line, as a thread's post gives them (the thread's page the
    url, a link post's link in ``extra.link_url``), where a deleted or removed text is no body."""
    fields = _post_fields(data)
    if data.get("is_self") is True:  # its url is the thread's own page, already the article's
        fields["extra"].pop("link_url", None)
    if (text_field(data, "selftext") or "").strip() in DELETED_BODIES:
        fields["body"] = ""
        fields["extra"]["body_status"] = "deleted"
    return fields


class _DumpReader:
    """A dump read line by line into per-post threads (kept to the end: a post's comments are spread over the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.walker = _Walker(path)
        self.seen_comments = SeenIds()
        self.seen_posts = SeenIds("submissions")
        self.subreddits: dict[str, str] = {}
        self.repairs = _Repairs(path)

    def read(self, fallback: str | None) -> None:
        for number, line, decoding in _lines(self.path, fallback):
            self.repairs.add(number, decoding, "text repaired")
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                parsed = parse_json(line, first_line=number)
            except BadJson as error:
                self.walker.rejects.append(Reject(str(self.path), error.location, error.message, excerpt(line)))
                continue
            self.repairs.add(number, parsed.repairs, "JSON repaired")
            document = parsed.document
            kind, data = _unwrapped(document) if isinstance(document, dict) else (None, document)
            try:
                if kind == "t1":
                    self.add_comment(data, where)
                elif kind == "t3":
                    self.add_post(data, where)
                else:
                    self.walker.rejects.append(Reject(
                        str(self.path), where, "not a Reddit comment (body, link_id, parent_id) or submission "
                                               "(title, id)", excerpt(document)))
            except ValueError as error:  # ItemError: a field of the wrong type
                what = "comment" if kind == "t1" else "submission"
                self.walker.rejects.append(item_reject(self.path, where, what, error, document))

    def thread_id(self, data: dict[str, Any]) -> str:
        link = text_field(data, "link_id") or ""
        parent = text_field(data, "parent_id") or ""
        if link:
            return strip_fullname(link) or link
        if parent.startswith("t3_"):
            return parent[3:]
        above = self.walker.thread_of_comment.get(strip_fullname(parent) or "")
        if above is None:
            raise ItemError("comment without a 'link_id': the post it belongs to is not known")
        return above

    def add_comment(self, data: dict[str, Any], where: str) -> None:
        comment = _comment(data, self.walker.position)
        thread_id = self.thread_id(data)
        # a field of the wrong type rejects the line before any of it is kept
        carried, subreddit = _carried(data), text_field(data, "subreddit")
        if self.seen_comments.is_repeat(comment.id, where):
            return
        self.walker.position += 1
        thread = self.walker.thread(thread_id)
        thread.comments.append(comment)
        thread.carry(carried)
        self.walker.thread_of_comment[comment.id] = thread_id
        if subreddit:
            self.subreddits.setdefault(thread_id, subreddit)

    def add_post(self, data: dict[str, Any], where: str) -> None:
        post_id = text_field(data, "id") or strip_fullname(text_field(data, "name"))
        if not post_id:
            raise ItemError("submission without an 'id' or 'name'")
        fields = _dump_post_fields(data)
        if self.seen_posts.is_repeat(post_id, where):
            return
        self.walker.thread(post_id).post = fields

    def result(self) -> ReadResult:
        walker = self.walker
        if not walker.threads and walker.rejects:
            first = walker.rejects[0]
            raise ReaderError(self.path, first.location, f"nothing readable as Reddit JSON lines: {first.reason}")
        articles = [_article(self.path, thread) for thread in walker.threads.values()]
        for article in articles:
            if article.id in self.subreddits:
                article.extra.setdefault("subreddit", self.subreddits[article.id])
        rejects = (self.repairs.rejects() + walker.rejects + self.seen_comments.rejects(str(self.path))
                   + self.seen_posts.rejects(str(self.path)))
        return ReadResult(articles=articles, rejects=rejects)


def _read_dump(path: Path, options: ReadOptions) -> ReadResult:
    reader = _DumpReader(path)
    reader.read(options.fallback_encoding)
    return reader.result()


@register("reddit", _sniff, "Reddit thread JSON ([t3 listing, t1 listing], a Listing, or a morechildren response); "
                            "Pushshift / Arctic Shift dumps (JSON lines of comments and submissions)")
def read(path: Path, options: ReadOptions) -> ReadResult:
    if _is_dump(path, options.fallback_encoding):
        return _read_dump(path, options)
    parsed = read_json(path, options.fallback_encoding)
    walker = _Walker(path)
    walker.walk(parsed.document, "$")
    if not walker.threads and walker.rejects:
        first = walker.rejects[0]
        raise ReaderError(path, first.location, f"nothing readable as Reddit JSON: {first.reason}")
    return ReadResult(articles=[_article(path, thread) for thread in walker.threads.values()],
                      rejects=repair_rejects(path, parsed.repairs, "JSON repaired") + walker.rejects)
