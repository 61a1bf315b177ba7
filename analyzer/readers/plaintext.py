"""Plain-text scrapes of news pages: articles, their bodies and their reader comments.

Two shapes are read, in the same file or not:

* **Headed** (the seeds' shape): a title line, the body, a declared-count header such as
  ``8 thoughts on “…”``, ``78 Comments``, ``Comments (78 comments)`` or ``Leave a Reply``, then
  the comments, usually ``•`` bulleted (a bullet may open with an author line and a time line).
* **Flattened** (a page's text with the markup gone): no header, the comments are bare lines
  (author, text, a date line, widget words such as "Reply"). Where they begin — or that there
  are none — is decided by the learned line model of :mod:`analyzer.readers._linemodel`.

A file may hold several articles: a line `` date 2019-11-14 <title>`` opens a new one (with its
date). A comment region is cut into comments by the roles of its lines (author, time, widget,
text) rather than by site rules; widget lines never reach a comment's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.config import ReadOptions
from analyzer.readers import ReadResult, register
from analyzer.readers._common import AUTHOR_VERBS, UTF16_BOMS, clean_text, decode_bytes, to_iso8601
from analyzer.readers._linemodel import (
    DATE_PATTERN,
    RELATIVE_TIME_PATTERN,
    TIME_PATTERN,
    WIDGET_LINE,
    LineModel,
    load_default,
)
from analyzer.readers._structured import decode_text, repair_rejects
from analyzer.records import Article, Comment, Reject

FORMAT = "plaintext"

#: `` date 2019-11-14 North Korea to US: …`` opens an article and gives its date and title.
_ARTICLE_START = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+(\S.*?)\s*$")
#: "Comments" in the languages of the news pages readers meet most (German, French, Spanish, Italian, Dutch).
_COMMENT_WORDS = (r"comments?|kommentare?|leserkommentare|commentaires?|comentarios?|commenti|commento|reacties"
                  r"|reactions?")
#: Declared-count headers, generic across sites: the number (if any) is the named group.
_HEADERS = (
    re.compile(rf"^(?P<n>\d[\d,]*)\s+(?:thoughts?|{_COMMENT_WORDS}|responses?|replies|opinions?)\b.{{0,200}}$", re.I),
    re.compile(rf"^(?:{_COMMENT_WORDS}|responses?|replies|discussion)\s*[(\[:]\s*(?P<n>\d[\d,]*)"
               r"(?:\s+comments?)?\s*[)\]]?$", re.I),
    re.compile(r"^(?P<one>one|1)\s+(?:thought|comment|response|reply)\b.{0,200}$", re.I),
    re.compile(r"^(?P<zero>no)\s+(?:comments?|responses?|thoughts?)(?:\s+yet)?\b.{0,80}$", re.I),
    re.compile(rf"^(?:leave a (?:reply|comment)|(?:reader )?comments|{_COMMENT_WORDS}|post a comment|"
               r"add (?:a|your) comment|join the (?:discussion|conversation)|what do you think\?)\s*:?$", re.I),
)
_BULLET = re.compile(r"^\s*[•●▪◦‣]\s*")
#: Lines that name a comment's author outright: "Ann says:", "by ann (1234)", "Posted by: Ann | …".
_AUTHOR_MARKERS = (
    re.compile(r"^on\s+.{4,60}?,\s*(?P<a>[^,]{1,60}?)\s+(?:said|says|wrote)\b", re.I),
    # "posted by Joe : 11:58 AM" (Blogger's classic byline): a spaced colon or dash before a time ends the name
    re.compile(r"^(?:posted\s+by:?|by:)\s+(?P<a>.{1,60}?)(?:\s+\(\d+\))?"
               r"(?:\s+(?:on|at)\b.*|\s*[|,].*|\s+[:–—-]\s+(?=.*\d).*|\s*\*?)$", re.I),
    # the verb ends the line: "Ann says:" is an author line, "Ann said the vote was close." is prose
    re.compile(rf"^(?P<a>[^|]{{1,60}}?)\s+(?:{AUTHOR_VERBS})\s*(?::|\.\.\.|…|,)?\s*$", re.I),
)
#: A bare "by" opens prose as often as a byline ("By the way, …", "By then it was over", "By 2020 …"): a byline
#: where a user number follows the name (Slashdot's "by Ann (1234)"), else only with a name-shaped name
#: (``_NAME_LIKE``) before a date or time, or alone on its line when the name is short. Each with whether its
#: name must be name-shaped.
_PROSE_AFTER_BY = r"(?!(?:the|then|far|now|all|any|no|way|a|an|this|that|these|those|it|its|my|your|his|her|our|their" \
                  r"|which|what|how|contrast|comparison|definition|default|design|chance|accident|nature|law|hand" \
                  r"|itself|myself|yourself|themselves)\b)"
_BYLINES = (
    (re.compile(r"^by\s+(?P<a>[^|()]{1,60}?)\s+\(\d+\)(?:\s*\*)?(?:\s+(?:on|at)\s.*|\s*\|.*)?$", re.I), False),
    (re.compile(rf"^by\s+{_PROSE_AFTER_BY}(?P<a>[^\W\d][^|]{{0,59}}?)(?:\s+\*)?"
                r"(?:\s+(?:on|at)\s+(?=.*\d).*|\s*[|,]\s*(?=.*\d).*|\s+[:–—-]\s+(?=.*\d).*)$", re.I), True),
    (re.compile(rf"^by\s+{_PROSE_AFTER_BY}(?P<a>[^\W\d]\S*(?:\s+\S+){{0,2}}?)\s*\*?$", re.I), True),
)
_NAME_LIKE = re.compile(r"^[@\w][\w.'’@&()-]*(?:\s+[\w.'’@&()-]+){0,4}$")
_LEADING_NUMBER = re.compile(r"^\s*#?\d{1,4}[.)]?\s+")
#: A time line holds at most this many words besides its date and time ("by ann (12) on …").
_MAX_WORDS_BESIDE_TIME = 8
#: No longer than this, then: eight long words beside a date and a time.
_MAX_TIME_LINE_CHARS = 240


#: Suffixes of source code and configuration: a file named so is only read as a page when named with
#: ``--format`` (a folder of dumps often holds a script or two, and any text reads as some page).
_CODE_SUFFIXES = frozenset((".py", ".pyi", ".js", ".mjs", ".ts", ".c", ".h", ".cc", ".cpp", ".hpp", ".java", ".go",
                            ".rs", ".rb", ".pl", ".php", ".sh", ".bash", ".ps1", ".bat", ".css", ".scss", ".r",
                            ".sql", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".ipynb"))
#: A line of code: a statement keyword, a line ending in a brace, a statement ending in ";", a call,
#: an assignment, a decorator or variable, a comment marker. Prose lists end lines with ";" too, so
#: that alone does not count.
_CODE_LINE = re.compile(r"""^\s*(?:
    (?:import|from\s+[\w.]+\s+import|def|class|return|raise|yield|elif|except|async\s+def|function|const\s+\w+|
       let\s+\w+|var\s+\w+|public|private|protected|static|export|fn|pub|impl|echo)\b
  | (?:try:|finally:|\#include|\#define|\#!|package\s+[\w.]+;|module\.exports|require\(|console\.|print\(|self\.|
       this\.|use\s+[\w:]+;|fi$|done$|esac$|then$)
  | (?:CREATE|INSERT\s+INTO|DROP|ALTER|LOCK\s+TABLES|UNLOCK\s+TABLES|SELECT|DELETE\s+FROM|BEGIN;|COMMIT;)\b | --(?:\s|$)
  | `\w+`\s
  | .*[(=\[].*;\s*$ | .*[{}]\s*$ | .*\)\s*:\s*$ | [@$][\w.]+ | .*\w\(.*\)\s*$ | \#\s | //\s | /\*|\*/ | \*\s
  | \w+(?:\.\w+)*\s*[-+*/|]?=\s*\S.*[^.!?"'\s]$
)""", re.X)
#: How much of a file named like code must read as code to be refused. Measured: of 270 source and
#: configuration files sampled from installed packages, 247 read 0.3 or more (medians 0.4 to 0.9 by
#: language); the 971 news pages of the Dragnet split, as text, read at most 0.27.
_CODE_SHARE = 0.3
_CODE_SAMPLE_LINES = 200


@dataclass
class _Line:
    number: int  # 1-based line number in the file
    text: str


@dataclass
class _ParsedComment:
    lines: list[_Line] = field(default_factory=list)
    author: str | None = None
    time_text: str | None = None
    text_lines: list[str] = field(default_factory=list)


def _sniff(head: bytes, path: Path) -> float:
    """Sure on the seeds' markers; a modest guess for any other text (richer formats outbid it); no
    guess at all for a file named like source code whose lines read as code.

    Text with markup, JSON or table structure never gets here: ``detect`` refuses it instead
    (``analyzer.readers.looks_like``), so prose opening with "[Update]" or "<3" is still prose.
    """
    if not head.startswith(UTF16_BOMS) and (b"\x00" in head or _is_binary(head)):
        return 0.0
    text = decode_bytes(head)
    if path.suffix.lower() in _CODE_SUFFIXES and _reads_as_code(text):
        return 0.0
    lines = [line.strip() for line in text.splitlines()]
    if any(_ARTICLE_START.match(line) for line in lines) or any(_header_count(line)[0] for line in lines):
        return 0.8
    return 0.3 if path.suffix.lower() in (".txt", ".text", "") else 0.15


#: Control bytes text never holds (tab, line and page breaks aside): random bytes are one in eight of them.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_BINARY_SHARE = 0.05


def _is_binary(head: bytes) -> bool:
    """Whether the head is binary data (an image, a font, a compressed file of a kind no reader unpacks)."""
    return len(_BINARY_BYTES.findall(head)) > _BINARY_SHARE * len(head)


def _reads_as_code(text: str) -> bool:
    lines = [line[:300] for line in text.splitlines() if line.strip()][:_CODE_SAMPLE_LINES]
    return bool(lines) and sum(bool(_CODE_LINE.match(line)) for line in lines) >= _CODE_SHARE * len(lines)


def _header_count(line: str) -> tuple[bool, int | None]:
    """Whether the line is a declared-count header, and the count it declares (None: unstated)."""
    text = line.strip().rstrip(":")
    if not text or len(text) > 240:
        return False, None
    for pattern in _HEADERS:
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            if groups.get("n"):
                return True, int(groups["n"].replace(",", ""))
            if groups.get("one"):
                return True, 1
            if groups.get("zero"):
                return True, 0
            return True, None
    return False, None


def _is_time_line(text: str) -> bool:
    """A line carrying a date or a time and little else: a comment's meta line, not its prose."""
    if len(text) > _MAX_TIME_LINE_CHARS:  # prose; and three regex passes over a megabyte line cost a second
        return False
    rest = text
    for pattern in (DATE_PATTERN, TIME_PATTERN, RELATIVE_TIME_PATTERN):
        rest = pattern.sub(" ", rest)
    # "Finally, the 6:40 boat is fixed and I am happy about it." mentions a time; it is not one.
    return rest != text and len(rest.split()) <= _MAX_WORDS_BESIDE_TIME


def _marked_author(text: str) -> str | None:
    text = _LEADING_NUMBER.sub("", text)
    for pattern in _AUTHOR_MARKERS:
        match = pattern.match(text)
        if match and len(match.group("a").split()) <= 6:
            return match.group("a").strip(" :-–—|")
    for pattern, name_shaped in _BYLINES:
        match = pattern.match(text)
        name = match.group("a").strip(" :-–—|,") if match else ""
        if name and len(name.split()) <= 6 and (not name_shaped or _NAME_LIKE.match(name)):
            return name
    return None


def time_and_author(text: str) -> tuple[str | None, str | None]:
    """From a meta line: the time text it carries ("<date> <time>") and an author named before it."""
    date = DATE_PATTERN.search(text)
    clock = TIME_PATTERN.search(text, date.end() if date else 0) or RELATIVE_TIME_PATTERN.search(text)
    found = [m for m in (date, clock) if m]
    if not found:
        return None, _marked_author(text)
    author = _marked_author(text)
    if author is None:
        before = _LEADING_NUMBER.sub("", text[: found[0].start()]).strip(" ,:-–—|@")
        before = re.sub(r"\b(?:on|at|posted)$", "", before, flags=re.I).strip(" ,:-–—|")
        # Only a short, name-shaped lead is an author; "Updated on" or prose is not.
        author = before if before and _NAME_LIKE.match(before) and len(before.split()) <= 5 else None
    return " ".join(m.group(0) for m in found), author


def iso_time(time_text: str | None) -> str | None:
    """ISO-8601 only for a time with a full date: "10:49AM" alone would be dated to today."""
    return to_iso8601(time_text) if time_text and DATE_PATTERN.search(time_text) else None


def _roles(lines: list[_Line]) -> list[str]:
    """One role per line: widget, header, time, author, name (an author only beside a time), or text."""
    roles = []
    for line in lines:
        text = line.text.strip()
        if WIDGET_LINE.match(text):
            roles.append("widget")
        elif _header_count(text)[0]:
            roles.append("header")
        elif _is_time_line(text):
            roles.append("time")
        elif _marked_author(text) and len(text.split()) <= 10:
            roles.append("author")
        elif _NAME_LIKE.match(text) and len(text.split()) <= 4 and text[-1:] not in ".!?,;:":
            roles.append("name")
        else:
            roles.append("text")
    # A bare name is an author when a time line is its neighbour; otherwise it is a short comment.
    for index, role in enumerate(roles):
        if role == "name":
            beside = roles[index - 1 : index] + roles[index + 1 : index + 2]
            roles[index] = "author" if "time" in beside else "name"
    return roles


def _segment(lines: list[_Line]) -> list[_ParsedComment]:
    """Cut a comment region's non-empty lines into comments.

    Meta-first regions (author/time, then text) start a comment at each meta line that follows
    text; meta-last regions (text, then "date at time" or "Posted by: X | date") end a comment at
    each time line. Which one a region is comes from its first lines. A region with
    no meta lines at all is cut at blank lines (each paragraph one comment).
    """
    lines = [line for line in lines if line.text.strip()]
    roles = _roles(lines)
    if not any(r in ("time", "author") for r in roles):
        return _segment_paragraphs(lines, roles)
    first_text = next((i for i, r in enumerate(roles) if r in ("text", "name")), len(roles))
    meta_first = any(r in ("time", "author") for r in roles[:first_text])
    comments: list[_ParsedComment] = []
    current: _ParsedComment | None = None
    for line, role in zip(lines, roles):
        text = line.text.strip()
        if role in ("widget", "header"):
            if current is not None:
                current.lines.append(line)
            continue
        opens = current is None or (
            bool(current.text_lines) and (role in ("time", "author") if meta_first else role in ("author", "name"))
        )
        if not meta_first and current is not None and current.time_text is not None and role in ("text", "name"):
            opens = True  # after "date at time" the next comment begins
        if opens:
            current = _ParsedComment()
            comments.append(current)
        current.lines.append(line)
        if role in ("time", "author") or (role == "name" and not meta_first and not current.text_lines):
            _take_meta(current, text, role)
        else:
            current.text_lines.append(text)
    return comments


def _take_meta(comment: _ParsedComment, text: str, role: str) -> None:
    """Fill a comment's author and time from a meta line (the first value seen wins)."""
    if role == "time":
        time_text, author = time_and_author(text)
        comment.time_text = comment.time_text or time_text
        comment.author = comment.author or author
    else:
        comment.author = comment.author or _marked_author(text) or text


def _parse_bullet(block: list[_Line]) -> _ParsedComment:
    """One bullet, one comment: its leading author/time lines are meta, the rest (but widgets) text."""
    lines = [line for line in block if line.text.strip()]
    comment = _ParsedComment(lines=lines or block[:1])  # an empty bullet is rejected by its own line
    meta_taken: set[str] = set()
    for line, role in zip(lines, _roles(lines)):
        text = line.text.strip()
        if not comment.text_lines and role in ("time", "author") and role not in meta_taken:
            meta_taken.add(role)
            _take_meta(comment, text, role)
        elif role not in ("widget", "header"):
            comment.text_lines.append(text)
    return comment


def _segment_paragraphs(lines: list[_Line], roles: list[str]) -> list[_ParsedComment]:
    comments: list[_ParsedComment] = []
    previous = None
    for line, role in zip(lines, roles):
        if previous is None or line.number > previous + 1:
            comments.append(_ParsedComment())
        previous = line.number
        comments[-1].lines.append(line)
        if role not in ("widget", "header"):
            comments[-1].text_lines.append(line.text.strip())
    return comments


def _bulleted(region: list[_Line]) -> list[list[_Line]] | None:
    """The region cut at its ``•`` bullets (bullet marks removed), or None when it has none."""
    if not any(_BULLET.match(line.text) for line in region):
        return None
    blocks: list[list[_Line]] = []
    for line in region:
        if _BULLET.match(line.text):
            blocks.append([_Line(line.number, _BULLET.sub("", line.text))])
        elif blocks and line.text.strip():
            blocks[-1].append(line)
    return blocks


def _snap_to_comment_opening(part: list[_Line], start: int, floor: int, reach: int = 6) -> int:
    """Move a model's start back to where the first comment opens.

    The model scores lines; the first comment's own lines look a little like the body they
    follow, so the cut can land inside that comment. Two shapes betray it: author lines just
    before the cut ("Ann says:" then the date), and a cut on a closing time line that is followed
    by the next comment's author (the text, then "date at time") — the first comment's author
    and text then lie before the cut.
    """
    earlier = [i for i in range(floor, start) if part[i].text.strip()][-reach:]
    later = [i for i in range(start, len(part)) if part[i].text.strip()][:2]
    window = earlier + later
    roles = dict(zip(window, _roles([part[i] for i in window])))
    cut = len(earlier)
    if len(later) == 2 and roles[later[0]] == "time" and roles[later[1]] == "author":
        authors = [k for k in range(cut) if roles[window[k]] in ("author", "name")]
        if authors and all(roles[window[k]] == "text" for k in range(authors[-1] + 1, cut)):
            return window[authors[-1]]
    while cut > 0 and roles[window[cut - 1]] == "author":
        cut -= 1
    return window[cut] if cut < len(earlier) else start


def _split_articles(lines: list[_Line]) -> list[tuple[str | None, list[_Line]]]:
    """Cut the file at `` date YYYY-MM-DD title`` lines; the date opener stays first in its part."""
    parts: list[tuple[str | None, list[_Line]]] = [(None, [])]
    for line in lines:
        match = _ARTICLE_START.match(line.text)
        if match:
            parts.append((match.group(1), [line]))
        else:
            parts[-1][1].append(line)
    return [(date, part) for date, part in parts if any(line.text.strip() for line in part)]


@dataclass
class _Layout:
    title: str | None
    declared: int | None
    body: list[_Line]
    region: list[_Line] | None  # None: no comment section
    how: str  # "header", "model" or "none"


#: How much body text a header must follow to open the comments it heads: a count linked at the top of a page
#: ("52 comments" above the byline) follows only the title.
_BODY_BEFORE_HEADER_CHARS = 200
#: How many lines after such a header are looked at for comments it heads over a shorter body.
_OPENERS_WINDOW = 12


def _header_before_comments(part: list[_Line], nonempty: list[int], headers: dict[int, int | None],
                            title_index: int) -> int | None:
    """Where the model finds no comments: the first header after the body whose next lines open a comment (an
    author line, or a time line, then text), as "Comments (2)" over "Ann Lee said:" does; None where none does."""
    for i in (i for i in nonempty if i > title_index and i in headers):
        body = sum(len(part[j].text.strip()) for j in nonempty if title_index < j < i)
        following = [part[j] for j in nonempty if j > i][:_OPENERS_WINDOW]
        if len(following) >= 2 and _roles(following[:2])[0] in ("author", "time") and (
                body >= _BODY_BEFORE_HEADER_CHARS or _opens_comments_again(following)):
            return i
    return None


def _opens_comments_again(lines: list[_Line]) -> bool:
    """Whether these lines open two comments or more, each by an author line and a time line: what follows a
    header over a short body's comments ("3 Comments", then "Ann Lee", "3 hours ago", text, "Bo Ray", …), not a
    count linked at the top of a page (one byline and one date, then the article)."""
    roles = _roles(lines)
    return roles.count("author") >= 2 and roles.count("time") >= 2


def _layout(part: list[_Line], model: LineModel | None) -> _Layout:
    """Title, declared count, body and comment region of one article's lines.

    A declared-count header opens the comment section when bullets follow it, or nothing does
    ("0 thoughts on …", "Leave a Reply" closing a page). Elsewhere a header is most often a count
    linked near the top of the page ("Comments (78 comments)", "52 comments"): it gives the
    declared count, and the line model decides where the comments begin.
    """
    nonempty = [i for i, line in enumerate(part) if line.text.strip()]
    headers = {i: count for i in nonempty for is_header, count in [_header_count(part[i].text)] if is_header}
    declared = next((count for count in headers.values() if count is not None), None)
    title_index = next((i for i in nonempty if i not in headers), None)
    if title_index is None:
        return _Layout(None, declared, [], None, "none")
    opener = _ARTICLE_START.match(part[title_index].text)
    title = opener.group(2) if opener else clean_text(part[title_index].text)
    rest = part[title_index + 1 :]
    for i in (i for i in nonempty if i > title_index and i in headers):
        following = [j for j in nonempty if j > i]
        if not following or _BULLET.match(part[following[0]].text):
            cut = i - title_index - 1
            return _Layout(title, headers[i] if headers[i] is not None else declared, rest[:cut], rest[cut + 1 :], "header")
    model = model or load_default()
    start = model.comment_start([line.text for line in part])
    if start is not None:
        start = _snap_to_comment_opening(part, start, floor=title_index + 1)
    if start is None or start <= title_index:
        opening = _header_before_comments(part, nonempty, headers, title_index)
        if opening is None:
            return _Layout(title, declared, rest, None, "none")
        cut = opening - title_index - 1
        return _Layout(title, headers[opening] if headers[opening] is not None else declared, rest[:cut],
                       rest[cut + 1 :], "header")
    cut = start - title_index - 1
    return _Layout(title, declared, rest[:cut], rest[cut:], "model")


def _to_comment(parsed: _ParsedComment, article_id: str, position: int) -> Comment:
    extra: dict[str, object] = {"lines": [parsed.lines[0].number, parsed.lines[-1].number]}
    if parsed.time_text:
        extra["time_text"] = parsed.time_text
    return Comment(
        id=f"{article_id}/c{position + 1}",
        text=clean_text("\n".join(parsed.text_lines)),
        position=position,
        author=clean_text(parsed.author) or None,
        time=iso_time(parsed.time_text),
        extra=extra,
    )


def split_text(
    text: str, source: str, line_model: LineModel | None = None
) -> tuple[list[Article], list[Reject]]:
    """Split a plain-text dump into Articles (and Rejects for comment blocks with no text)."""
    lines = [_Line(n, line) for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)]
    stem = Path(source).stem or "text"
    articles: list[Article] = []
    rejects: list[Reject] = []
    position = 0
    for number, (date, part) in enumerate(_split_articles(lines), start=1):
        layout = _layout(part, line_model)
        article = Article(
            id=f"{stem}:{number}",
            source_file=source,
            format=FORMAT,
            title=layout.title,
            date=date,
            # count headers are page furniture, not article text
            body=clean_text("\n".join(line.text for line in layout.body if not _header_count(line.text)[0])),
            declared_comment_count=layout.declared,
            extra={"comment_split": layout.how, "first_line": part[0].number},
        )
        if layout.region is not None:
            region_lines = [line for line in layout.region if line.text.strip()]
            article.extra["comments_from_line"] = region_lines[0].number if region_lines else None
            blocks = _bulleted(layout.region)
            parsed = [_parse_bullet(b) for b in blocks] if blocks is not None else _segment(layout.region)
            for comment in parsed:
                if not comment.text_lines:
                    rejects.append(Reject(source, f"line {comment.lines[0].number}", "comment block without text",
                                          "\n".join(line.text for line in comment.lines)))
                    continue
                article.comments.append(_to_comment(comment, article.id, position))
                position += 1
        articles.append(article)
    return articles, rejects


@register(FORMAT, _sniff, "plain-text page scrapes: title, body, '8 thoughts on …' or flattened comments")
def read(path: Path, options: ReadOptions) -> ReadResult:
    decoded = decode_text(path.read_bytes(), options.fallback_encoding)
    articles, rejects = split_text(decoded.text, str(path))
    return ReadResult(articles=articles, rejects=repair_rejects(path, decoded.repairs, "text repaired") + rejects)
