"""Saved HTML pages: the article body through trafilatura, the comments from the page's own markup.

Comments are found structurally, by generic markup patterns rather than per-site rules:

* a *comment body* is an element whose class names a comment's content ("comment-content",
  "commentBody", "comment__body", "dsq-comment-body", …), innermost first, outside forms;
* its *comment item* is the element that wraps that one body (``li.comment``, ``article.comment``,
  ``#comment-123``, ``#dsq-comment-819``), found by climbing while the ancestor holds no other body
  or is itself marked as a comment whose first body is this one;
* a marked element holding no body element is a *bare* comment (CNN's ``div.commentItem``), its
  author and time lines taken out of its text; a bare entry with no text of its own is the header
  of the next one (Thesis' ``dt.comment`` + ``dd.comment``) or, when empty, a comment the page
  lists without its text (Slashdot's collapsed ones: a reject, its replies keep their link);
* nesting comes from items inside items (WordPress ``ul.children``, Slashdot trees), else from
  ``depth-N`` / ``indented`` classes on flat lists, else from Drupal's ``div.indented`` reply
  blocks that follow their parent.

Policy paragraphs, "Leave a Reply" forms, count widgets and a modern Disqus embed (which holds no
comment text at all) never become comments; nor do comment-classed forms, script templates
(``#comment-template``, "_text_" placeholders), popups, "latest-comment" sidebar widgets or a
footer that happens to carry a "comment" class. The article body is trafilatura's text of the page
with the comment items removed, so comment text never leaks into it. A page that names a comment
section (``#comments``) without marking single comments can still carry them as plain paragraphs:
then the line model of :mod:`analyzer.readers._linemodel`, asked for more evidence than in plain
text, decides whether, and where, they begin in trafilatura's text.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from analyzer.config import ReadOptions
from analyzer.readers import ReaderError, ReadResult, register
from analyzer.readers._common import (UTF16_BOMS, WESTERN, AUTHOR_VERBS, clean_text, fill_depths, opening_title, to_iso8601,
                                      with_subject)
from analyzer.readers._linemodel import DATE_PATTERN, RELATIVE_TIME_PATTERN, TIME_PATTERN, LineModel, load_default
from analyzer.readers._saved_time import anchor_times, is_shown_time, save_time_in_page, saved_from_in_page
from analyzer.readers._structured import DecodedText, decode_text, element_text, repair_rejects, without_controls
from analyzer.readers.plaintext import iso_time, time_and_author
from analyzer.readers.reddit import DELETED_BODIES, strip_fullname
from analyzer.readers.tabular import names_a_comment_table, read_cells
from analyzer.records import COMMENTS_BY_SCRIPT, REMOVAL_NOTICE, Article, Comment, Reject

#: Sniffers look for the HTML markers within this many leading bytes.
SNIFF_WINDOW = 1024

_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
#: libxml2's HTML parser stops at 256 levels of nesting and drops the rest of the page; deeper tags
#: are removed first, below that limit with room for the html, body and implied elements.
_MAX_NESTING = 200
_TOO_DEEP = "Excessive depth"
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)\b[^>]*?(/?)>")
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                        "source", "track", "wbr"})
#: Browsers read these labels as windows-1252 (WHATWG Encoding), and so do we.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1"}

# --- what the markup says ----------------------------------------------------------------------
_TOKEN_SPLIT = re.compile(r"\s+")
# "commtext": Hacker News
_BODY_CLASS = re.compile(r"(?:comment|reply|response)s?[-_]*(?:content|body|text|message|entry)|^commtext$",
                         re.IGNORECASE)
_NOT_BODY = re.compile(
    r"form|count|title|author|respond|policy|rules|guideline|notice|widget|recent|feed|field-name|wrapper",
    re.IGNORECASE,
)
#: "latest-comment", "recent-comments-item": sidebar widgets listing comments (or opinion pieces) from elsewhere.
#: A camel-case prefix needs its capital C (Blogger's "blogComment"): "nocomment" is no comment.
_ITEM_CLASS = re.compile(
    r"^(?!(?:latest|recent|popular|top|featured|most)(?:[-_]|(?-i:[A-Z])))"
    r"(?:(?:[a-z0-9]+[-_]+)*comment|(?-i:[a-z][a-z0-9]*Comment))(?:[-_]*(?:item|entry|wrap|wrapper|single|full|block))?$",
    re.IGNORECASE,
)
_ITEM_ID = re.compile(r"comment[-_]?\d+$", re.IGNORECASE)
#: Hacker News' comment rows (``tr.athing.comtr``).
_HN_ITEM = "comtr"
#: schema.org microdata: a comment is an item of this type, its text the item's ``itemprop="text"``.
_COMMENT_TYPE = re.compile(r"schema\.org/(?:Comment|UserComments)/?$", re.IGNORECASE)
_JSON_LD_COUNT = re.compile(r'"commentCount"\s*:\s*"?(\d+)')
#: JSON-LD comments read from one page at most (metadata, not a dump).
_MAX_LD_COMMENTS = 100_000
_ID_NUMBER = re.compile(r"(\d{2,})$")
#: Disqus's own thread page (the frame its embed draws, as a browser saves it inside a page or a scraper
#: fetches it): ``ul#post-list`` of ``li.post#post-<id>``, each text a ``div.post-message``, replies nested in
#: ``ul.children``.
_DISQUS_LIST = "post-list"
_DISQUS_POST_ID = re.compile(r"^post-\d+$")
#: wpDiscuz (a common WordPress comment plugin) names a comment's element ``wpd-comm-<id>_<parent id>``.
_WPDISCUZ_ID = re.compile(r"^wpd-comm-(\d+)_\d+$")
#: Climbing from a comment never goes past these: they hold whole pages, not comments.
_PAGE_TAGS = ("body", "html", "main")
_CONTAINER = re.compile(
    r"^(?:[a-z0-9]+[-_]+)*(?:comments|comment[-_]*(?:list|listing|section|area|thread)s?)$", re.IGNORECASE
)
_DEPTH_CLASS = re.compile(r"^(?:depth|level|indent)[-_]*(\d+)$", re.IGNORECASE)
_INDENTED_CLASS = re.compile(r"(?:^|[-_])indented$", re.IGNORECASE)
_REPLIES_BLOCK = re.compile(r"^(?:indented|children|replies|comment[-_]*replies)$", re.IGNORECASE)
_NOISE_CLASS = re.compile(
    r"(?:^|[-_]|comment)(?:reply|share|sharing|flag|report|vote|votes|rating|likes?|actions?|reactions?|toolbar|avatar|"
    r"meta|metadata|author|vcard|date|time|footer|header|permalink|edit|awaiting|signature)(?:[-_]|$)",
    re.IGNORECASE,
)
_NOISE_TAGS = ("script", "style", "form", "button", "noscript", "iframe", "svg", "textarea", "select", "time")
#: Never a comment nor inside one: inputs and scripts. Never a comment itself: the page's own regions.
_NEVER_COMMENT_TAGS = ("form", "textarea", "script", "noscript")
_PAGE_REGIONS = ("footer", "header", "nav", "navigation", "sidebar", "masthead")
#: Hidden interface chrome: a user popup, a dialog, one comment's template for scripts to fill in
#: (but "comments-template" is a theme's whole comment section, and WordPress block themes render the
#: comment list itself as "wp-block-comment-template").
_CHROME = re.compile(r"popup|modal|tooltip|^template$|(?<!comments)(?<!wp-block-comment)[-_]template$", re.IGNORECASE)

_PENDING_CLASS = re.compile(r"awaiting[-_]?moderation|unapproved|(?:^|[-_])pending(?:$|[-_])", re.IGNORECASE)
_PENDING_TEXT = re.compile(
    r"awaiting moderation|wartet auf (?:Freischaltung|Moderation)|en attente de modération|in attesa di moderazione",
    re.IGNORECASE,
)
_DELETED_CLASS = re.compile(r"^(?:deleted|removed|comment[-_]*(?:deleted|removed))$", re.IGNORECASE)
_SPAM_CLASS = re.compile(r"^spam$", re.IGNORECASE)

_AUTHOR_CLASS = re.compile(
    r"(?:^|[-_])(?:fn|author|author[-_]?name|user[-_]?name|nick|name|by|poster|commenter|hnuser)(?:$|[-_])",
    re.IGNORECASE
)
#: A comment's own subject line (its id may carry the comment's number: "comment_title_110981934").
_COMMENT_TITLE = re.compile(r"^(?:[a-z0-9]+[-_]+)*comment[-_]?(?:title|subject)(?:[-_]\d+)?$", re.IGNORECASE)
_TIME_JOINERS = re.compile(r"\b(?:at|on|um|am|le|à|posted|updated)\b", re.IGNORECASE)
#: A comment section's definition list is read as comments from this many header and text pairs.
_MIN_LISTED_COMMENTS = 2
_AUTHOR_INNER = re.compile(r"author|user|name|fn", re.IGNORECASE)
_AUTHOR_SUFFIX = re.compile(
    r"\s*(?:\(\d+\)\s*\*?|says:?|said:?|sagt:?|dit\s*:|schreibt:?|writes:?|wrote:?|:|\b(?:on|at)\b)\s*$", re.IGNORECASE
)
_AUTHOR_PREFIX = re.compile(r"^\s*(?:by|von|par|posted by)\s+", re.IGNORECASE)
_TIME_CLASS = re.compile(r"date|time|posted|published|meta|foot(?:er)?(?:$|[-_])|details", re.IGNORECASE)
#: A date line that ends naming the commenter ("posted on October 24, 2012 at 7:26 PM by Darren").
_BY_AT_END = re.compile(r"\bby\s+(?P<a>[^\W\d][^\d\n|]{0,59}?)\s*$", re.IGNORECASE)
_HAS_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_HAS_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
#: The classes of an element that shows a comment's time only the save time dates ("vor 8 Stunden", "July 24"):
#: narrower than ``_TIME_CLASS``, whose meta and footer blocks also hold names and counts.
_SHOWN_TIME_CLASS = re.compile(r"date|time|ago$|^age$|posted|published", re.IGNORECASE)
#: A longer text is no time shown beside a comment.
_MAX_SHOWN_TIME_CHARS = 80

_COUNT_WORDS = (
    r"thoughts?\s+on|responses?(?:\s+to)?|comments?|replies|reactions?|kommentare?|gedanken\s+zu|antworten"
    r"|leserkommentare"
    r"|ergänzungen|commentaires?|réactions?|comentarios?|respuestas|commenti|reacties"
)
_DECLARED_COUNT = re.compile(rf"(?<![\w.,])(\d{{1,3}}(?:[.,]\d{{3}})*|\d+)\s+(?:{_COUNT_WORDS})\b", re.IGNORECASE)
_DECLARED_COUNT_AFTER = re.compile(rf"\b(?:{_COUNT_WORDS})\s*[(\[:]\s*(\d+)", re.IGNORECASE)


def sniff(head: bytes, path: Path) -> float:
    """Confident on ``<!doctype html`` / ``<html`` near the start; never on XML exports (WXR, Disqus)."""
    window = head[:SNIFF_WINDOW].lower()
    if b"<rss" in window or b"<disqus" in window or b"xmlns:wp=" in head[:4096].lower():
        return 0.0
    if re.search(rb"<!doctype\s+html|<html[\s>]", window):
        return 0.95
    # XML that is not XHTML (which has <html>): some other export, even with a <title> in it.
    if window.lstrip().startswith(b"<?xml"):
        return 0.0
    # A fragment without <html> must at least start with markup: plain text may mention "<title>".
    if window.lstrip().startswith(b"<") and re.search(rb"<(?:head|body|meta|title)[\s>]", window):
        return 0.7
    return 0.3 if path.suffix.lower() in (".html", ".htm", ".xhtml") else 0.0


# --- decoding ----------------------------------------------------------------------------------


def decode_page(data: bytes, fallback: str | None = None) -> DecodedText:
    """The page as text: UTF-8 when the bytes are valid UTF-8, else the declared charset, else as a text file
    is read (``decode_text``: a stray byte that is not UTF-8 read alone; a page that is not UTF-8 in ``fallback``,
    by default the encoding its bytes suggest, noted).

    Valid UTF-8 with non-ASCII bytes almost never happens by accident, so it wins over a declared
    Latin-1 (a common lie); a UTF-16 byte-order mark outranks any declaration.
    """
    match = _DECLARED_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii").lower() if match else None
    if declared in _LATIN1_LABELS:
        declared = WESTERN
    if declared not in (None, "utf-8", "utf8") and not data.startswith(UTF16_BOMS) and not _is_utf8(data):
        try:
            return without_controls(data.decode(declared))
        except (UnicodeDecodeError, LookupError):  # the declaration lies, or names no encoding Python knows
            pass
    return decode_text(data, fallback)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse(text: str, source: str) -> tuple[etree._Element, list[Reject]]:
    """The page's tree, and a repair note when nesting too deep for libxml2 had to be flattened first."""
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        raise ReaderError(source, "byte 0", "empty HTML page")
    tree, too_deep = _document(text, source)
    if not too_deep:
        return tree, []
    flat, removed = _flatten_nesting(text, _MAX_NESTING)
    tree, _ = _document(flat, source)
    reason = f"HTML repaired: {removed} tag(s) nested more than {_MAX_NESTING} deep removed, their text kept"
    return tree, [Reject(source, "page", reason)]


def _document(text: str, source: str) -> tuple[etree._Element, bool]:
    """The parsed page, and whether libxml2 gave up on its depth (it then drops everything after)."""
    parser = lxml_html.HTMLParser()
    try:
        tree = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ReaderError(source, "byte 0", f"not parseable as HTML ({error})") from error
    return tree, any(_TOO_DEEP in entry.message for entry in parser.error_log)


def _flatten_nesting(text: str, limit: int) -> tuple[str, int]:
    """The page with each tag that would open more than ``limit`` elements deep removed (its end tag
    too), and how many were. Ends close like a lenient parser closes them: up to the last open tag
    of that name; an end tag with none open is left to lxml."""
    open_tags: list[tuple[str, bool]] = []  # (name, kept), innermost last
    open_by_name: dict[str, int] = {}
    kept_depth = removed = 0
    pieces: list[str] = []
    copied_to = 0
    for match in _TAG.finditer(text):
        is_end, name = bool(match.group(1)), match.group(2).lower()
        if name in _VOID_TAGS or match.group(3):
            continue
        if not is_end:
            keep = kept_depth < limit
            open_tags.append((name, keep))
            open_by_name[name] = open_by_name.get(name, 0) + 1
            kept_depth += keep
        elif open_by_name.get(name):
            while True:
                popped, keep = open_tags.pop()
                open_by_name[popped] -= 1
                kept_depth -= keep
                if popped == name:
                    break
        else:
            continue
        if not keep:
            pieces.append(text[copied_to : match.start()])
            copied_to = match.end()
            removed += not is_end
    pieces.append(text[copied_to:])
    return "".join(pieces), removed


# --- markup helpers ----------------------------------------------------------------------------


def _tokens(element: etree._Element) -> list[str]:
    return _TOKEN_SPLIT.split((element.get("class") or "").strip()) if element.get("class") else []


def _in_non_comment_area(element: etree._Element) -> bool:
    """In (or itself) a form, a script or hidden chrome, or itself a page's footer: no reader's comment."""
    if any(name.lower() in _PAGE_REGIONS for name in (*_tokens(element), element.get("id") or "")):
        return True
    for node in (element, *element.iterancestors()):
        if node.tag in _PAGE_TAGS:  # their classes describe the page ("post-template-default"), not a region
            break
        # Reddit shows each comment's text inside its (hidden) edit form, form.usertext: not an input form
        reddit_text = node.tag == "form" and "usertext" in _tokens(node)
        if (node.tag in _NEVER_COMMENT_TAGS and not reddit_text and not _is_page_form(node)) or any(
                _CHROME.search(n) for n in (*_tokens(node), node.get("id") or "")):
            return True
    return False


def _is_page_form(node: etree._Element) -> bool:
    """ASP.NET Web Forms wrap the whole page in one form (its state in a hidden ``__VIEWSTATE`` input at the
    top): the page, not an input form."""
    return node.tag == "form" and bool(node.xpath("./input[@name='__VIEWSTATE'] | ./div/input[@name='__VIEWSTATE']"))


def _is_comment_microdata(element: etree._Element) -> bool:
    """A schema.org Comment item (``itemscope itemtype="https://schema.org/Comment"``)."""
    return bool(_COMMENT_TYPE.search(element.get("itemtype") or ""))


def _is_microdata_text(element: etree._Element) -> bool:
    """The ``itemprop="text"`` of a schema.org Comment: the nearest item around it is that comment."""
    if element.get("itemprop") != "text":
        return False
    item = next((a for a in element.iterancestors() if a.get("itemscope") is not None), None)
    return item is not None and _is_comment_microdata(item)


def _is_reddit_text(element: etree._Element) -> bool:
    """Reddit's ``div.usertext-body`` inside a comment (``div.thing.comment``), not inside the post."""
    if "usertext-body" not in _tokens(element):
        return False
    thing = next((a for a in element.iterancestors() if "thing" in _tokens(a)), None)
    return thing is not None and "comment" in _tokens(thing)


def _in_disqus_list(element: etree._Element) -> bool:
    return any(a.get("id") == _DISQUS_LIST or _DISQUS_LIST in _tokens(a) for a in element.iterancestors())


def _is_disqus_text(element: etree._Element) -> bool:
    """A ``div.post-message`` in Disqus's thread page."""
    return "post-message" in _tokens(element) and _in_disqus_list(element)


def _is_disqus_post(element: etree._Element) -> bool:
    """A ``li.post#post-<id>`` in Disqus's thread page (a blog's ``article#post-12`` is its post, no comment)."""
    return (element.tag == "li" and "post" in _tokens(element) and bool(_DISQUS_POST_ID.match(element.get("id") or ""))
            and _in_disqus_list(element))


def _is_body(element: etree._Element) -> bool:
    names = (*_tokens(element), element.get("id") or "")
    return (any(_BODY_CLASS.search(n) and not _NOT_BODY.search(n) for n in names) or _is_microdata_text(element)
            or _is_reddit_text(element) or _is_disqus_text(element))


def _is_marked_item(element: etree._Element) -> bool:
    tokens = _tokens(element)
    return (bool(_ITEM_ID.search(element.get("id") or "")) or any(_ITEM_CLASS.match(t) for t in tokens)
            or _is_comment_microdata(element) or _HN_ITEM in tokens or _is_disqus_post(element)
            or _opens_with_comment_anchor(element))


def _opens_with_comment_anchor(element: etree._Element) -> bool:
    """An element whose first child is an empty anchor named for a comment (``<a name="comment184238">``),
    as older blog engines open each comment's block. A list whose anchors each precede a comment (Drupal's
    ``<a id="comment-5">`` before ``div.comment``) opens with one too, but holds more than one."""
    first = next((child for child in element if isinstance(child.tag, str)), None)
    if first is None or first.tag != "a" or first.get("href") is not None or len(first) or (first.text or "").strip():
        return False
    if not _ITEM_ID.search(first.get("name") or first.get("id") or ""):
        return False
    return sum(1 for child in element if isinstance(child.tag, str) and child.tag == "a"
               and _ITEM_ID.search(child.get("name") or child.get("id") or "")) == 1


def _is_container(element: etree._Element) -> bool:
    """A comment list or section (``ol.comment-list``, ``#comments``): it holds comments, it is not one."""
    return any(name and _CONTAINER.match(name) for name in (*_tokens(element), element.get("id") or ""))


def _is_boundary(element: etree._Element) -> bool:
    return element.tag in _PAGE_TAGS or _is_container(element)


def _in_comment_section(element: etree._Element) -> bool:
    return any(_is_container(a) for a in element.iterancestors())


def _comment_bodies(tree: etree._Element) -> list[etree._Element]:
    """Innermost comment-body elements outside forms and scripts, in document order."""
    candidates = [e for e in tree.iter() if isinstance(e.tag, str) and _is_body(e)]
    candidate_set = set(candidates)
    innermost = [e for e in candidates if not any(d in candidate_set for d in e.iterdescendants())]
    return [e for e in innermost if not _in_non_comment_area(e)]


_Owners = dict[etree._Element, tuple[etree._Element, int]]


def _item_of(body: etree._Element, owner: _Owners) -> etree._Element:
    """The element wrapping exactly this comment: its marked item if any, else a near single-body wrapper.

    ``owner`` maps every ancestor of a body to (its first body, its number of bodies), so "holds
    only this body" and "this is its first body" are look-ups rather than subtree walks.
    """
    item = body if _is_marked_item(body) else None  # a bare body is its own item
    node, unmarked_steps = body, 0
    for ancestor in body.iterancestors():
        if _is_boundary(ancestor):
            break
        first, count = owner[ancestor]
        if _is_marked_item(ancestor) and first is body:
            item = node = ancestor
            unmarked_steps = 0
        elif count == 1 and unmarked_steps < (3 if item is None else 4):
            # past a marked item, a few wrappers of this comment alone may lead to an outer marked item
            # holding its header (Hacker News: div.comment four levels inside tr.comtr)
            node = ancestor if item is None else node
            unmarked_steps += 1
        else:
            break
    return item if item is not None else node


def _first_body_and_count(bodies: list[etree._Element]) -> _Owners:
    owner: _Owners = {}
    for body in bodies:
        for ancestor in body.iterancestors():
            first, count = owner.get(ancestor, (body, 0))
            owner[ancestor] = (first, count + 1)
    return owner


def _block_text(element: etree._Element) -> str:
    """Text with paragraph and line breaks kept, leaving the page's tree untouched."""
    copy = deepcopy(element)
    copy.tail = None
    return element_text(copy)


def _without(element: etree._Element, drop: set[etree._Element], noise: bool) -> etree._Element:
    """A copy of ``element`` without the given descendants (and, if ``noise``, widgets and metadata)."""
    copy = deepcopy(element)
    originals = list(element.iter())
    for original, node in zip(originals, list(copy.iter())):
        if node is copy or not isinstance(node.tag, str):
            continue
        is_noise = node.tag in _NOISE_TAGS or any(_NOISE_CLASS.search(t) for t in _tokens(node))
        if original in drop or (noise and is_noise):
            node.drop_tree()
    return copy


def _own_elements(item: etree._Element, nested: set[etree._Element]) -> Iterator[etree._Element]:
    """The item's descendants that do not belong to a reply nested inside it."""
    stack = list(item)[::-1]
    while stack:
        node = stack.pop()
        if node in nested or not isinstance(node.tag, str):
            continue
        yield node
        stack.extend(list(node)[::-1])


# --- one comment -------------------------------------------------------------------------------

#: Whole "comments" that are the section's own furniture, never a reader's comment.
_BOILERPLATE = re.compile(
    r"^(?:leave (?:a|your) (?:reply|comment)|post a comment|add (?:a |your )?comment"
    r"|comments? (?:are|is) (?:now )?closed|be the first to comment"
    r"|(?:there are )?no comments(?: yet)?(?:\W+be the first\b.*)?"
    r"|most (?:recommended|popular|commented)"
    r"|cancel reply|view all comments|discuss(?:ion)?\s*\(\d+\)|subscribe to (?:this )?comment\b.*"
    r"|you can follow this conversation\b.*"
    r"|something to say\b.*|(?:please )?log ?in to comment\b.*|\d*\s*(?:comments?|responses?|replies)(?:\s*\(\d+\))?"
    r"|reply|antworten|kommentieren|kommentare"
    r"|(?:have an opinion\W*)?join the (?:conversation|discussion)|the comments to this entry are closed"
    r"|please enable javascript\b.*|comments? powered by disqus\b.*|you must be (?:logged|signed) in\b.*)\W*$",
    re.IGNORECASE,
)
#: Text about commenting rather than a comment: never a comment unless its markup says it is one.
_POLICY = re.compile(
    r"comment(?:ing)? (?:policy|guidelines|rules)|community (?:guidelines|standards)|netiquette|kommentarrichtlinien"
    r"|comments? (?:\w+ ){0,6}will be (?:deleted|removed|moderated)|we (?:require|ask for) civility"
    r"|reserve the right to (?:delete|remove|edit)",
    re.IGNORECASE,
)


#: A script's comment template left in the page: placeholders ("_author_", "{{ body }}", "${text}") for words.
_PLACEHOLDER = re.compile(r"(?<!\w)_[a-z]\w*_(?!\w)|\{\{\s*[\w.]+\s*\}\}|\$\{[\w.]+\}", re.IGNORECASE)


def _is_template(text: str) -> bool:
    """Two placeholders or more, and a line of nothing else (the text's slot): a reader's emphasis
    ("bei _jeder_ Lizenz") sits inside sentences."""
    whole_line = any(_PLACEHOLDER.fullmatch(line.strip()) for line in text.split("\n"))
    return whole_line and len(_PLACEHOLDER.findall(text)) >= 2


def _is_furniture(text: str) -> bool:
    return bool(_BOILERPLATE.match(text) or (len(text) < 500 and _POLICY.search(text)))


@dataclass
class _Found:
    item: etree._Element
    body: etree._Element
    comment: Comment


def _author(own: list[etree._Element], outside: set[etree._Element]) -> tuple[str | None, etree._Element | None]:
    """The commenter's name and the element holding it; elements in ``outside`` (the text) are not searched."""
    for element in own:
        if element in outside:
            continue
        # WordPress prints the commenter's site link as <a class="url" rel="external nofollow">.
        site_link = element.tag == "a" and "url" in _tokens(element) and "external" in (element.get("rel") or "")
        named = site_link or element.tag == "cite" or element.get("itemprop") == "author"
        if named or any(_AUTHOR_CLASS.search(t) for t in _tokens(element)):
            # Prefer a named part: Disqus's <cite> holds the commenter's URL before the name span.
            parts = (e for e in element.iterdescendants() if isinstance(e.tag, str))
            inner = next((e for e in parts if _AUTHOR_INNER.search(f"{e.get('class')} {e.get('id')}")), element)
            # a byline holding the time too ("by Ann on <span class=time>…</span>"): the name without it
            times = {e for e in inner.iterdescendants()
                     if isinstance(e.tag, str) and (e.tag == "time" or any(_TIME_CLASS.search(t) for t in _tokens(e)))}
            name = clean_text(_without(inner, times, noise=False).text_content()).split("\n")[0]
            name = _AUTHOR_PREFIX.sub("", _AUTHOR_SUFFIX.sub("", name)).strip()
            if name and len(name) <= 80:
                return name, element
    return None, None


def _time(own: list[etree._Element]) -> tuple[str | None, str | None, etree._Element | None]:
    """(ISO time, raw text, element) from a ``time`` element or a date-classed one.

    Only texts with a year are parsed: "vor 8 Stunden" or "@10:49AM" cannot be anchored.
    """
    for element in own:
        if element.tag == "time":
            attribute = element.get("datetime") or ""
            text = clean_text(element.text_content())
            parsed = to_iso8601(attribute) if _HAS_YEAR.search(attribute) else None
            return parsed or (to_iso8601(text) if _HAS_YEAR.search(text) else None), text or None, element
    dated = [
        (text, element)
        for element in own
        if any(_TIME_CLASS.search(t) for t in _tokens(element))
        and _HAS_YEAR.search(text := clean_text(element.text_content()))
        and len(text) <= 120
    ]
    if dated:
        # The shortest dated element, one with a clock time first: wrappers also carry names and links.
        text, element = min(dated, key=lambda pair: (not _HAS_CLOCK.search(pair[0]), len(pair[0])))
        text = " ".join(line for line in text.split("\n") if re.search(r"\d", line))  # drops "reply" and the like
        return to_iso8601(text), text, element
    for element in own:
        # <abbr title="2019-02-28 …">; Hacker News: <span class="age" title="2019-02-28T10:05:00 1551348300">;
        # a date-classed element showing "5 years ago" with the date in its title (wpDiscuz)
        title = element.get("title") or ""
        dated_title = element.tag == "abbr" or any(t == "age" or _TIME_CLASS.search(t) for t in _tokens(element))
        if dated_title and _HAS_YEAR.search(title):
            return to_iso8601(title) or to_iso8601(title.split()[0]), title, element
    return None, None, None


def _shown_time(own: list[etree._Element], outside: set[etree._Element]) -> tuple[str | None, etree._Element | None]:
    """(text, element) of a time shown relative to when the page was looked at ("vor 8 Stunden", "3 hours ago")
    or without its year ("July 24 at 10:46 AM"), where no element gives the time itself: dated from the page's
    save time where it has one (``_saved_time``), and kept as it was shown where it has none. Elements in
    ``outside`` (the text) are not searched."""
    shown = [
        (text, element)
        for element in own
        if element not in outside and any(_SHOWN_TIME_CLASS.search(t) for t in _tokens(element))
        and len(text := " ".join(element.text_content().split())) <= _MAX_SHOWN_TIME_CHARS and is_shown_time(text)
    ]
    return min(shown, key=lambda pair: len(pair[0])) if shown else (None, None)


def _status(item: etree._Element, own: list[etree._Element], text: str) -> str:
    if any(_SPAM_CLASS.match(t) for t in _tokens(item)):
        return "spam"
    classes = _tokens(item) + [t for e in own for t in _tokens(e)]
    if any(_PENDING_CLASS.search(t) for t in classes) or any(_PENDING_TEXT.search(e.text or "") for e in own):
        return "pending"
    if any(_DELETED_CLASS.match(t) for t in _tokens(item)) or REMOVAL_NOTICE.match(text):
        return "deleted"
    return "published"


def _kind(item: etree._Element) -> str:
    tokens = {t.lower() for t in _tokens(item)}
    return "pingback" if "pingback" in tokens else "trackback" if "trackback" in tokens else "comment"


def _explicit_depth(item: etree._Element) -> int | None:
    indent = item.find(".//td[@indent]")  # Hacker News: <td class="ind" indent="2">
    if indent is not None and (indent.get("indent") or "").isdigit():
        return int(indent.get("indent") or 0)
    for token in _tokens(item):
        match = _DEPTH_CLASS.match(token)
        if match:
            return max(int(match.group(1)) - (1 if token.lower().startswith("depth") else 0), 0)
        if _INDENTED_CLASS.search(token):
            return 1
    return None


def _is_stub(line: str) -> bool:
    return len(line) <= 6 and not any(ch.isalpha() for ch in line)


def _without_number_lines(text: str) -> str:
    """Drop letterless stubs ("#", "12.": permalinks, comment numbers) at either end, if text remains."""
    lines = text.split("\n")
    while len(lines) > 1 and _is_stub(lines[0]):
        lines.pop(0)
    while len(lines) > 1 and _is_stub(lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


def _named_in_date_line(line: str) -> str | None:
    """The commenter a date line names, where no author element does: "by Ann on March 3, 2024 …" (a byline,
    as plain text reads one), "posted on March 3, 2024 by Ann"."""
    if line.lower().startswith(("by ", "by:", "posted by")):
        return time_and_author(line)[1]
    named = _BY_AT_END.search(line)
    return named.group("a") if named else None


def _comment_title(own: list[etree._Element], inside_text: set[etree._Element],
                   header: set[etree._Element]) -> str | None:
    """The subject line the commenter gave the comment, outside its text block (SB Nation's ``comment_title``,
    JomComment's ``jc_comment_title``); ``_common.with_subject`` says whether it is the commenter's words. A
    "title" holding the author or the time is the comment's header ("Ann says:"), no subject."""
    for element in own:
        if element in inside_text or not any(_COMMENT_TITLE.match(t) for t in _tokens(element)):
            continue
        if not any(e in header for e in element.iter()):
            return element.text_content()
    return None


def _comment(item: etree._Element, body: etree._Element, nested: set[etree._Element], bare: bool) -> Comment:
    """One comment from its item; ``bare`` bodies (no body class) hold their author and time line too."""
    own = list(_own_elements(item, nested))
    inside_text = set() if bare else set(body.iter())
    author, author_element = _author(own, inside_text)
    if author is None and not bare:
        # Some themes print the name inside the text block; it is then taken out of the text below.
        # Quotes are not searched: a <cite> in a blockquote names the quoted, not the commenter.
        quoted = {e for q in body.iter("blockquote", "q", "cite") for e in q.iter()}
        inside = [e for e in body.iterdescendants() if isinstance(e.tag, str) and e not in quoted]
        author, author_element = _author(inside, set())
    when, when_text, time_element = _time(own)
    if time_element is None:
        when_text, time_element = _shown_time(own, inside_text)
    if author is None and time_element is not None:
        author = _named_in_date_line(" ".join(time_element.text_content().split()))
    drop = nested | {e for e in (author_element, time_element) if e is not None}
    text = _without_number_lines(_block_text(_without(body, drop, noise=True)))
    if not bare:
        text = with_subject(text, _comment_title(own, inside_text, drop))
    if bare and author is None and when is None and (header := _list_header(item)) is not None:
        when_text, author = time_and_author(" ".join(header.text_content().split()))
        when = iso_time(when_text)
    return Comment(
        id="",
        text=text,
        position=0,
        author=author,
        time=when,
        status=_status(item, own, text),
        kind=_kind(item),
        # The raw time line is kept: it carries what ISO loses ("vor 8 Stunden", time zones).
        extra={"time_text": when_text} if when_text else {},
    )


# --- the comment section -----------------------------------------------------------------------


def _list_header(item: etree._Element) -> etree._Element | None:
    """The ``dt`` heading a comment that is a definition list's ``dd`` (its number, author and date)."""
    if item.tag != "dd":
        return None
    header = item.getprevious()
    while header is not None and not isinstance(header.tag, str):
        header = header.getprevious()
    return header if header is not None and header.tag == "dt" else None


def _listed_entries(tree: etree._Element, marked: set[etree._Element]) -> list[etree._Element]:
    """The ``dd`` texts of a definition list in a comment section that pairs each with a ``dt`` header and
    marks neither (older themes' ``#comments > dl``): each is a comment, its header its author and date."""
    entries = []
    holding_marked = {ancestor for element in marked for ancestor in element.iterancestors()}
    for listing in tree.iter("dl"):
        children = [child for child in listing if isinstance(child.tag, str)]
        pairs = len(children) // 2
        if (pairs < _MIN_LISTED_COMMENTS or [child.tag for child in children] != ["dt", "dd"] * pairs
                or listing in holding_marked or not _in_comment_section(listing) or _in_non_comment_area(listing)):
            continue
        texts = children[1::2]
        # a list of trackbacks: each linking page's name over the date it linked ("07.23.12 at 11:19")
        if not any(_only_time(clean_text(text.text_content())) for text in texts):
            entries += texts
    return entries


def _bare_bodies(tree: etree._Element, bodies: list[etree._Element]) -> list[etree._Element]:
    """Innermost marked comment elements holding no body element (CNN's commentItem, Slashdot's collapsed).

    Anchors (``<a id=comment-5>``) and marked elements inside a body (a "report" link with a
    comment id) are part of a comment, not comments of their own.
    """
    marked = [e for e in tree.iter() if isinstance(e.tag, str) and _is_marked_item(e) and not _in_non_comment_area(e)]
    marked_set, body_set = set(marked), set(bodies)
    bare = []
    for element in marked:
        if element.tag == "a" or element in body_set:
            continue
        if any(d in marked_set or d in body_set for d in element.iterdescendants()):
            continue
        for ancestor in element.iterancestors():
            if ancestor in body_set:
                break
            if ancestor in marked_set or _is_boundary(ancestor):
                bare.append(element)
                break
        else:
            bare.append(element)
    return bare


def _structural_comments(tree: etree._Element, article_id: str, source: str) -> tuple[list[_Found], list[Reject]]:
    """Comments found through the page's comment markup, threaded; rejects for entries without text."""
    bodies = _comment_bodies(tree)
    bare = set(_bare_bodies(tree, bodies))
    bare |= set(_listed_entries(tree, bare | set(bodies)))
    order = {e: i for i, e in enumerate(tree.iter())}
    everything = sorted([*bodies, *bare], key=order.__getitem__)
    owner = _first_body_and_count(everything)
    pairs = [(_item_of(body, owner), body) for body in everything]
    # A lone unmarked body outside any comment section is more likely a styled paragraph than a comment.
    if len(pairs) == 1 and not _is_marked_item(pairs[0][0]) and not _in_comment_section(pairs[0][0]):
        return [], []
    item_set = {item for item, _ in pairs}
    found = []
    for item, body in pairs:
        nested = {e for e in item.iterdescendants() if e in item_set}
        found.append(_Found(item, body, _comment(item, body, nested, bare=body in bare)))
    found = _merge_headers(found)
    _assign_ids(found, article_id)
    # Parents are linked before empty entries go, so a reply under a collapsed comment keeps its link.
    _link_parents(found)
    kept, rejects = [], []
    for entry in found:
        text = entry.comment.text
        if not text:
            reason = "comment in the thread, but its text is not in the page"
            rejects.append(Reject(source, f"comment {entry.comment.id}", reason))
        elif not (
            _BOILERPLATE.match(text) or _is_template(text) or (entry.body in bare and _is_furniture(text))
        ):
            entry.comment.position = len(kept)
            kept.append(entry)
    fill_depths(f.comment for f in kept)
    return kept, rejects


def _merge_headers(found: list[_Found]) -> list[_Found]:
    """Join header-only entries to the comment after them.

    Some themes give a comment's header (number, author, time) and its text sibling elements that
    both look like comments (Thesis: ``dt.comment`` + ``dd.comment``): a ``dt`` right before its ``dd``
    is such a header, and so is an entry with an author or a time but no letter of text beyond a date
    once those are taken out.
    """
    kept: list[_Found] = []
    header: Comment | None = None
    for entry, after in zip(found, [*found[1:], None]):
        comment = entry.comment
        heads_next = after is not None and _list_header(after.item) is entry.item  # a dt.comment before its dd
        if heads_next or ((comment.author or comment.time) and _only_time(comment.text)):
            header = comment
            continue
        if header is not None:
            # what no author- or date-classed element held is the header's text ("4. Ann - 9 December, 2011")
            time_text, author = time_and_author(" ".join(header.text.split()))
            comment.author = comment.author or header.author or author
            comment.time = comment.time or header.time or iso_time(time_text)
            comment.extra = comment.extra or header.extra
            header = None
        kept.append(entry)
    return kept


def _only_time(text: str) -> bool:
    """Whether the text holds no letter, or none beyond a date or a clock time and the words joining them
    ("9 December, 2011", "07.23.12 at 11:19"): a header's, not a comment's. A relative time alone is words
    ("Yesterday.")."""
    if any(ch.isalpha() for ch in text) and not (DATE_PATTERN.search(text) or TIME_PATTERN.search(text)):
        return False
    for pattern in (DATE_PATTERN, TIME_PATTERN, RELATIVE_TIME_PATTERN, _TIME_JOINERS):
        text = pattern.sub(" ", text)
    return not any(ch.isalpha() for ch in text)


def _assign_ids(found: list[_Found], article_id: str) -> None:
    """The number in the item's id (or its first descendant's, or a Drupal ``<a id=comment-N>`` anchor
    just before it), else the position; made unique."""
    used: set[str] = set()
    for position, entry in enumerate(found):
        anchor = entry.item.getprevious()
        near = [*entry.item.iter(), *([anchor] if anchor is not None and anchor.tag == "a" else [])]
        numbers = (_ID_NUMBER.search(e.get("id") or e.get("name") or "") for e in near if isinstance(e.tag, str))
        own = _WPDISCUZ_ID.match(entry.item.get("id") or "")
        number = own.group(1) if own else next((m.group(1) for m in numbers if m), None)
        candidate = f"comment-{number}" if number else f"{article_id}-c{position}"
        entry.comment.id = candidate if candidate not in used else f"{candidate}-{position}"
        used.add(entry.comment.id)


def _link_parents(found: list[_Found]) -> None:
    """Parents from nesting in the markup; else from depth classes or Drupal reply blocks."""
    by_item = {f.item: f for f in found}
    last_at_depth: dict[int, _Found] = {}
    previous_top: _Found | None = None
    for entry in found:
        parent = next((by_item[a] for a in entry.item.iterancestors() if a in by_item), None)
        depth = _explicit_depth(entry.item)
        if parent is None and depth:
            parent = last_at_depth.get(depth - 1)
        if parent is None and previous_top is not None and _in_reply_block_after(entry.item, previous_top.item):
            parent = previous_top
        if parent is None:
            entry.comment.depth = 0
            previous_top = entry
        else:
            entry.comment.parent_id = parent.comment.id
            entry.comment.depth = (parent.comment.depth or 0) + 1
        last_at_depth[entry.comment.depth] = entry


def _in_reply_block_after(item: etree._Element, earlier: etree._Element) -> bool:
    """Drupal-style threads: replies sit in ``div.indented`` right after their parent's element."""
    for block in item.iterancestors():
        if any(_REPLIES_BLOCK.match(t) for t in _tokens(block)):
            sibling = block.getprevious()
            while sibling is not None and not isinstance(sibling.tag, str):
                sibling = sibling.getprevious()
            return sibling is not None and (sibling is earlier or earlier in sibling.iterdescendants())
        if _is_boundary(block):
            return False
    return False


# --- page metadata -----------------------------------------------------------------------------


def _meta(tree: etree._Element, *names: str) -> str | None:
    for name in names:
        for element in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]'):
            value = (element.get("content") or "").strip()
            if value:
                return value
    return None


def _declared_count(tree: etree._Element) -> int | None:
    """The comment count the page states in a heading, a comment-count element or a link to the comments,
    else in its schema.org metadata (``commentCount``)."""
    shown = _shown_count(tree)
    return shown if shown is not None else _attribute_count(tree) or _schema_count(tree)


def _attribute_count(tree: etree._Element) -> int | None:
    """A count in a ``data-comments-count`` attribute (wpDiscuz's thread header shows it beside the word)."""
    for element in tree.iterfind(".//*[@data-comments-count]"):
        value = (element.get("data-comments-count") or "").strip()
        if value.isdigit():
            return int(value)
    return None


def _schema_count(tree: etree._Element) -> int | None:
    """schema.org's ``commentCount``, as microdata or in JSON-LD."""
    for element in tree.iterfind('.//*[@itemprop="commentCount"]'):
        value = (element.get("content") or clean_text(element.text_content())).strip()
        if value.isdigit():
            return int(value)
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        match = _JSON_LD_COUNT.search(script.text or "")
        if match:
            return int(match.group(1))
    return None


def _shown_count(tree: etree._Element) -> int | None:
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "title", "option"):
            continue
        names = f"{element.get('class') or ''} {element.get('id') or ''} {element.get('href') or ''}".lower()
        if not (element.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or "comment" in names or "respon" in names):
            continue
        text = clean_text(element.text_content())
        if not text or len(text) > 120:
            continue
        match = _DECLARED_COUNT.search(text) or _DECLARED_COUNT_AFTER.search(text)
        if match:
            return int(re.sub(r"[.,]", "", match.group(1)))
    return None


def _article_fields(tree: etree._Element, page: str) -> dict[str, str | None]:
    # extensive=False: htmldate's extensive date search costs seconds per page; the meta tags cover most.
    metadata = trafilatura.extract_metadata(page, extensive=False)
    title = _meta(tree, "og:title") or (metadata.title if metadata else None)
    if not title:
        titles = tree.xpath("//title")
        title = clean_text(titles[0].text_content()) if titles else None
    url = next((e.get("href") for e in tree.xpath('//link[@rel="canonical"]') if e.get("href")), None)
    url = url or _meta(tree, "og:url") or (metadata.url if metadata else None)
    date = _meta(tree, "article:published_time", "datePublished", "date", "DC.date.issued", "pubdate")
    date = to_iso8601(date) if date else (metadata.date if metadata else None)
    return {"title": title or None, "url": url, "date": date}


# --- body and the fallback ---------------------------------------------------------------------

#: Placeholders of script-loaded comment systems, by name. A saved page holds none of their comments, so
#: text near them is never read as comments, and a page without comments says which system holds them.
_COMMENT_EMBEDS = {
    "Disqus": '//*[@id="disqus_thread"]',
    "Livefyre": '//*[@id="livefyre" or @id="livefyre-comments"]',
    "Facebook comments": '//*[contains(concat(" ", normalize-space(@class), " "), " fb-comments ")]',
    "Coral": '//*[@id="coral_thread"]',
    "OpenWeb (Spot.IM)": "//*[@data-spotim-module]",
    "Viafoura": "//vf-conversations",
    "Hyvor Talk": '//*[@id="hyvor-talk-view"]',
    "Commento": '//*[@id="commento"]',
    "giscus": '//script[contains(@src, "giscus.app/client.js")]',
    "utterances": '//script[contains(@src, "utteranc.es/client.js")]',
    # a watch page saved before its comments were scrolled into view: the section, empty
    "YouTube": "//ytd-comments",
}


def _comment_embed(tree: etree._Element) -> str | None:
    """The script-loaded comment system the page embeds, if any."""
    return next((name for name, path in _COMMENT_EMBEDS.items() if tree.xpath(path)), None)


def _ld_documents(tree: etree._Element) -> Iterator[Any]:
    """The page's JSON-LD documents that parse."""
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            yield json.loads(script.text or "")
        except (ValueError, RecursionError):  # broken or absurdly deep metadata: not the page's problem
            continue


def _ld_comment(node: dict[str, Any], parent: Comment | None, article_id: str, position: int) -> Comment | None:
    text = node.get("text")
    if not isinstance(text, str) or not clean_text(text):
        return None
    author = node.get("author")
    author = author.get("name") if isinstance(author, dict) else author
    node_id = node.get("@id") or node.get("url")
    return Comment(
        id=node_id if isinstance(node_id, str) and node_id else f"{article_id}-ld{position}",
        text=clean_text(text),
        position=position,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent and parent.depth is not None else 0,
        author=(clean_text(author) or None) if isinstance(author, str) else None,
        time=to_iso8601(node.get("dateCreated") or node.get("datePublished")),
    )


def _json_ld_comments(tree: etree._Element, article_id: str) -> list[Comment]:
    """Comments the page gives as schema.org JSON-LD (``"comment": [{"@type": "Comment", "text": …}]``,
    as forum threads publish them), replies nested the same way, in document order."""
    comments: list[Comment] = []
    for document in _ld_documents(tree):
        stack: list[tuple[Any, Comment | None]] = [(document, None)]
        while stack and len(comments) < _MAX_LD_COMMENTS:
            node, parent = stack.pop()
            if isinstance(node, list):
                stack.extend((item, parent) for item in reversed(node))
            elif isinstance(node, dict):
                is_comment = node.get("@type") == "Comment"
                comment = _ld_comment(node, parent, article_id, len(comments)) if is_comment else None
                if comment is not None:
                    comments.append(comment)
                stack.extend((value, comment or parent) for value in reversed(list(node.values())))
    return comments


def _shreddit_comment(item: etree._Element, position: int) -> Comment | None:
    """One comment of a saved www.reddit.com thread page: a ``shreddit-comment`` element, whose attributes say
    who, when, where in the thread, and whose own ``div[slot=comment]`` holds the text."""
    comment_id = strip_fullname(item.get("thingid")) or None
    body = next((child for child in item if child.get("slot") == "comment"), None)
    if comment_id is None:
        return None
    text = element_text(deepcopy(body)) if body is not None else ""
    depth = item.get("depth")
    gone = item.get("is-comment-deleted") == "true" or text.strip() in DELETED_BODIES
    return Comment(
        id=comment_id,
        text=text,
        position=position,
        parent_id=strip_fullname(item.get("parentid")) or None,
        depth=int(depth) if depth and depth.isdigit() else None,
        author=item.get("author") or None,
        time=to_iso8601(item.get("created") or ""),
        status="deleted" if gone else "published",
        extra={"score": int(score)} if (score := item.get("score") or "").lstrip("-").isdigit() else {},
    )


def _shreddit_comments(tree: etree._Element) -> list[tuple[etree._Element, Comment]]:
    """The comments of a saved www.reddit.com thread page (its web components: ``shreddit-comment``, nested as
    the thread is), in page order; empty on any other page."""
    found = []
    for item in tree.iter("shreddit-comment"):
        comment = _shreddit_comment(item, len(found))
        if comment is not None:
            found.append((item, comment))
    if found:
        fill_depths([c for _, c in found])
    return found


def _shreddit_count(tree: etree._Element) -> int | None:
    """The comment count a saved www.reddit.com thread page's post states (``comment-count``)."""
    post = next(tree.iter("shreddit-post"), None)
    count = post.get("comment-count") if post is not None else None
    return int(count) if count and count.isdigit() else None


#: A saved YouTube watch page's comment elements (its web components): ``ytd-comment-view-model`` since 2024,
#: ``ytd-comment-renderer`` before; a ``ytd-comment-thread-renderer`` holds a top comment, then its replies.
_YOUTUBE_COMMENTS = ("ytd-comment-view-model", "ytd-comment-renderer")


def _named_part(item: etree._Element, name: str) -> etree._Element | None:
    """The first element in the item with this id, or this class (YouTube's older markup names some parts so)."""
    return next((e for e in item.iter() if isinstance(e.tag, str) and (e.get("id") == name or name in _tokens(e))),
                None)


def _youtube_comment(item: etree._Element, parent: str | None, position: int) -> Comment:
    """One comment of a saved YouTube watch page: its author, its text, its time as shown ("3 hours ago", dated
    where the page records when it was saved) and its likes; its id the ``lc`` its permalink names."""
    author, shown, text, likes = (_named_part(item, name) for name in (
        "author-text", "published-time-text", "content-text", "vote-count-middle"))
    link = shown.find(".//a") if shown is not None else None
    linked = parse_qs(urlsplit(link.get("href") or "").query).get("lc", [""])[0] if link is not None else ""
    when = " ".join(shown.text_content().split()) if shown is not None else ""
    count = " ".join(likes.text_content().split()) if likes is not None else ""
    return Comment(
        id=linked or f"youtube-c{position}",
        text=element_text(deepcopy(text)) if text is not None else "",
        position=position,
        parent_id=parent,
        depth=0 if parent is None else 1,
        author=" ".join(author.text_content().split()) or None if author is not None else None,
        extra={**({"time_text": when} if when else {}), **({"likes": int(count)} if count.isdigit() else {})},
    )


def _youtube_comments(tree: etree._Element) -> list[tuple[etree._Element, Comment]]:
    """The comments of a saved YouTube watch page, each thread's replies answering its top comment (YouTube
    threads one level deep), in page order; empty on any other page."""
    found: list[tuple[etree._Element, Comment]] = []
    for thread in tree.iter("ytd-comment-thread-renderer"):
        top: str | None = None
        for number, item in enumerate(thread.iter(*_YOUTUBE_COMMENTS)):
            comment = _youtube_comment(item, top, len(found))
            top = top if number else comment.id
            found.append((thread if number == 0 else item, comment))
    return found


#: A saved X (Twitter) post page's posts: ``article[data-testid=tweet]``, the first the post the page is about.
_X_POSTS = '//article[@data-testid="tweet"]'
_X_STATUS = re.compile(r"/status/(\d+)")
_X_PAGE = re.compile(r"https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/\w+/status/\d+")


def _x_post(item: etree._Element, position: int) -> Comment:
    """One reply of a saved X post page: its author (the name; the @handle in ``extra``), text, time and id (the
    status its time links to)."""
    names = item.xpath('.//*[@data-testid="User-Name"]//a')
    text = item.xpath('.//*[@data-testid="tweetText"]')
    when = next(iter(item.xpath(".//time[@datetime]")), None)
    link = when.getparent() if when is not None else None
    status = _X_STATUS.search(link.get("href") or "") if link is not None else None
    handle = " ".join(names[1].text_content().split()) if len(names) > 1 else ""
    return Comment(
        id=status.group(1) if status else f"x-c{position}",
        text=element_text(deepcopy(text[0])) if text else "",
        position=position,
        author=" ".join(names[0].text_content().split()) or None if names else None,
        time=to_iso8601(when.get("datetime") or "") if when is not None else None,
        extra={"handle": handle} if handle.startswith("@") else {},
    )


def _x_reply_count(post: etree._Element) -> int | None:
    """The replies a saved X post states (its reply button's count, where written out in digits)."""
    count = " ".join(post.xpath('string(.//*[@data-testid="reply"])').split())
    return int(count) if count.isdigit() else None


def _is_x_conversation(tree: etree._Element) -> bool:
    """Whether the page is X's own page of a post and its replies (its address, or its conversation timeline),
    not a news page showing posts it embeds."""
    addresses = tree.xpath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content')
    return any(_X_PAGE.match(address) for address in addresses) or bool(
        tree.xpath('//*[starts-with(@aria-label, "Timeline: Conversation")]'))


def _x_posts(tree: etree._Element) -> tuple[etree._Element | None, list[tuple[etree._Element, Comment]]]:
    """A saved X post page: the post it is about and its replies (the posts below it), in page order; X's markup
    does not say which reply answers which, so none is threaded. (None, []) on any other page."""
    items = tree.xpath(_X_POSTS)
    if not items or not _is_x_conversation(tree):
        return None, []
    return items[0], [(item, _x_post(item, position)) for position, item in enumerate(items[1:])]


def _body_text(tree: etree._Element, comment_items: list[etree._Element], include_comments: bool = False) -> str:
    page = _without(tree, set(comment_items), noise=False)
    # markup comments say nothing to a reader, and trafilatura 2.3 fails on one inside a list item
    for node in list(page.iter(etree.Comment, etree.ProcessingInstruction)):
        node.drop_tree()
    # favor_recall: measured on Dragnet pages, precision stays high once the comments are cut out.
    text = trafilatura.extract(
        page, include_comments=include_comments, favor_recall=True, include_tables=True, deduplicate=False
    )
    return clean_text(text)


def _default_line_model() -> LineModel | None:
    try:
        return load_default()
    except (FileNotFoundError, ValueError) as error:
        # Structural comments still work; only pages without comment markup lose their comments.
        warnings.warn(f"no usable line model ({error}); comments found only through page markup", stacklevel=2)
        return None


_SAYS_LINE = re.compile(rf"^(.{{1,60}}?)\s+(?:{AUTHOR_VERBS})\s*(?::|\.\.\.|…)?\s*$", re.IGNORECASE)
_POSTED_BY_LINE = re.compile(
    r"^(?:posted|written|submitted)\s+by:?\s*(.{1,60}?)\s*(?:\||\bat\b|\bon\b|$)", re.IGNORECASE
)


def _is_date_line(line: str) -> bool:
    return len(line) <= 60 and bool(_HAS_YEAR.search(line)) and len(re.findall(r"[^\W\d]{4,}", line)) <= 4


def _comments_from_text(lines: list[str], article_id: str) -> list[Comment]:
    """Lines of a comment region, one comment per paragraph.

    Header lines are not comments: "X says:" names the next comment's author, while "Posted by: X
    | date" (Movable Type, TypePad) and bare date lines (Blogger) follow the comment they belong to.
    """
    comments: list[Comment] = []
    author: str | None = None
    for line in (line.strip() for line in lines):
        if not line or _is_furniture(line):
            continue
        says, posted_by = _SAYS_LINE.match(line), _POSTED_BY_LINE.match(line)
        if says:
            author = says.group(1)
        elif posted_by or _is_date_line(line):
            previous = comments[-1] if comments else None
            if previous is not None and posted_by and previous.author is None:
                previous.author = posted_by.group(1)
            if previous is not None and previous.time is None and _HAS_YEAR.search(line):
                previous.time = to_iso8601(line)
                previous.extra["time_text"] = line
        else:
            prefix = line.split(":", 1)[0].lower()
            kind = prefix if prefix in ("pingback", "trackback") else "comment"
            number = len(comments)
            comments.append(Comment(id=f"{article_id}-c{number}", text=line, position=number, author=author, kind=kind))
            author = None
    return comments


#: How much more evidence (summed log-odds over the line model's margin) the fallback asks for. Pages
#: with comment markup are read structurally, so one without it rarely has comments, and trafilatura's
#: text carries more comment-like lists (link lists, forum tables, live-blog entries) than the gold
#: scrapes the model learned from. Chosen on the Dragnet training pages that reach the fallback (the one
#: number there not cross-validated): false comment regions scored at most ~60 above the margin but for
#: two, true ones at least ~190; any value in between reads those pages alike.
FALLBACK_EXTRA_MARGIN = 100.0


def _names_comment_section(tree: etree._Element) -> bool:
    """Whether any element outside forms and chrome names a comment section (``#comments``, ``ol.commentlist``)."""
    return any(isinstance(e.tag, str) and _is_container(e) and not _in_non_comment_area(e) for e in tree.iter())


def _fallback(
    tree: etree._Element, body: str, line_model: LineModel | None, article_id: str
) -> tuple[str, list[Comment]]:
    """Comments from text when the markup marks no single comment: the line model says where they begin.

    Only pages that name a comment section (often just an ``id="comments"`` anchor) are searched,
    and with more evidence asked than in plain text (``FALLBACK_EXTRA_MARGIN``). It reads
    trafilatura's text *with* comments, because some pages' comment sections are only
    recognisable to trafilatura; its comment section alone is not trusted, being often newsletter
    boxes, form labels or "most recommended" teasers.
    """
    if not _names_comment_section(tree):
        return body, []
    model = line_model or _default_line_model()
    if model is None:
        return body, []
    lines = _body_text(tree, [], include_comments=True).split("\n")
    start = model.comment_start(lines, extra_margin=FALLBACK_EXTRA_MARGIN)
    comments = _comments_from_text(lines[start:], article_id) if start is not None else []
    if not comments:
        return body, []
    return clean_text("\n".join(lines[:start])), comments


# --- public ------------------------------------------------------------------------------------


#: A saved Facebook post page's comments: each an element of role "article" that its accessibility label names
#: ("Comment by Ann Lee 3 hours ago", "Reply by Bo Ray to Ann Lee's comment 2 hours ago"), since its classes are
#: generated names that change with every release.
_FACEBOOK_COMMENTS = ('//*[@role="article"]'
                      '[starts-with(@aria-label, "Comment by ") or starts-with(@aria-label, "Reply by ")]')
_FACEBOOK_REPLY_TO = re.compile(r" to (.+?)['’]s (?:comment|reply)\b")


def _facebook_parts(item: etree._Element) -> tuple[list[etree._Element], list[etree._Element]]:
    """The links of a Facebook comment and its text blocks (outermost ``div[dir=auto]`` outside links), leaving
    out the replies nested in it."""
    links: list[etree._Element] = []
    blocks: list[etree._Element] = []
    stack = [(child, False) for child in reversed(item)]
    while stack:
        element, covered = stack.pop()  # covered: inside a link or a text block already taken
        if not isinstance(element.tag, str) or element.get("role") == "article":
            continue
        if element.tag == "a":
            links.append(element)
        elif element.tag == "div" and element.get("dir") == "auto" and not covered:
            blocks.append(element)
        covered = covered or element.tag == "a" or element in blocks[-1:]
        stack.extend((child, covered) for child in reversed(element))
    return links, blocks


def _facebook_comment(item: etree._Element, position: int) -> tuple[Comment, str | None]:
    """One comment of a saved Facebook post page, and the name of the commenter it answers (a reply's label says
    "to Ann Lee's comment"): its author (its first link's text), text (its ``dir=auto`` blocks outside links), the
    time as its label shows it ("3 hours ago", dated where the page records when it was saved) and its id (the
    ``reply_comment_id``, else ``comment_id``, its links name)."""
    links, blocks = _facebook_parts(item)
    author = " ".join(links[0].text_content().split()) if links else ""
    label = " ".join((item.get("aria-label") or "").split())
    kind, _, rest = label.partition(" by ")
    answered = _FACEBOOK_REPLY_TO.search(rest) if kind == "Reply" else None
    after = rest[answered.end():] if answered else rest[len(author):] if author and rest.startswith(author) else ""
    queries = [parse_qs(urlsplit(link.get("href") or "").query) for link in links]
    linked = next((q[key][0] for key in ("reply_comment_id", "comment_id") for q in queries if q.get(key)), "")
    comment = Comment(
        id=linked or f"facebook-c{position}",
        text="\n".join(element_text(deepcopy(block)) for block in blocks),
        position=position,
        author=author or None,
        extra={"time_text": after.strip()} if after.strip() else {},
    )
    return comment, answered.group(1) if answered else None


def _facebook_comments(tree: etree._Element) -> list[tuple[etree._Element, Comment]]:
    """The comments of a saved Facebook post page, in page order: a "Comment by" one starts a thread, a "Reply by"
    one answers the latest comment of its thread by the commenter its label names (else the thread's first);
    empty on any other page."""
    found: list[tuple[etree._Element, Comment]] = []
    thread: list[Comment] = []
    for item in tree.xpath(_FACEBOOK_COMMENTS):
        comment, answered = _facebook_comment(item, len(found))
        if (item.get("aria-label") or "").startswith("Comment by ") or not thread:
            thread = [comment]
        else:
            comment.parent_id = next((c.id for c in reversed(thread) if c.author == answered), thread[0].id)
            thread.append(comment)
        found.append((item, comment))
    fill_depths(c for _, c in found)
    return found


def _parsed_page(data: bytes, source: str, fallback_encoding: str | None) -> tuple[str, etree._Element, list[Reject]]:
    """The page's text, its tree, and the repairs decoding and parsing made (as rejects)."""
    decoded = decode_page(data, fallback_encoding)
    tree, flattened = _parse(decoded.text, source)
    return decoded.text, tree, repair_rejects(Path(source), decoded.repairs, "HTML repaired") + flattened


def _read_page(
    data: bytes, source: str, line_model: LineModel | None, fallback_encoding: str | None
) -> tuple[Article, list[Reject]]:
    return _page_article(*_parsed_page(data, source, fallback_encoding), source, line_model)


def _page_article(page: str, tree: etree._Element, repairs: list[Reject], source: str,
                  line_model: LineModel | None) -> tuple[Article, list[Reject]]:
    """The page as one article, its comments found in its markup (or its text), and the rejects on the way."""
    article_id = Path(source).stem or "page"
    # a site's own web components (www.reddit.com's, YouTube's, X's, Facebook's labelled comments) say more than
    # any generic markup inside them
    x_post, x_replies = _x_posts(tree)
    components = _shreddit_comments(tree) or _youtube_comments(tree) or x_replies or _facebook_comments(tree)
    found, rejects = ([], []) if components else _structural_comments(tree, article_id, source)
    rejects = repairs + rejects
    headers = [header for f in found if (header := _list_header(f.item)) is not None]
    body = _body_text(tree, [f.item for f in found] + headers + [item for item, _ in components])
    comments = [f.comment for f in found] or [comment for _, comment in components]
    if not comments and (comments := _json_ld_comments(tree, article_id)):
        # the page usually shows them too, as text no markup marks: they are comments, not the body
        texts = {c.text for c in comments}
        body = "\n".join(line for line in body.split("\n") if line.strip() not in texts)
    embed = None if comments else _comment_embed(tree)  # ten scans of the page: only where none were found
    if not comments and embed is None:
        body, comments = _fallback(tree, body, line_model, article_id)
    article = Article(
        id=article_id,
        source_file=source,
        format="html",
        body=body,
        declared_comment_count=stated if (stated := _shreddit_count(tree)) is not None else _declared_count(tree),
        comments=comments,
        **_article_fields(tree, page),
    )
    if embed is not None and not comments:
        article.extra[COMMENTS_BY_SCRIPT] = embed
    if x_post is not None:  # the post the page is about is its article: its words, not the name and counts around
        post = _x_post(x_post, 0)
        article.body, article.date, article.title = post.text, article.date or post.time, opening_title(post.text)
        article.declared_comment_count = _x_reply_count(x_post)
    article.url = article.url or saved_from_in_page(page)
    anchor_times([article], save_time_in_page(page))
    return article, rejects


def read_html(
    data: bytes, source: str, line_model: LineModel | None = None, *, fallback_encoding: str | None = None
) -> Article:
    """One saved page → one Article with its body and its comments (threaded where the markup says).

    ``line_model`` is used only for pages without comment markup; None means the shipped model.
    """
    return _read_page(data, source, line_model, fallback_encoding)[0]


#: How far into a page an export's table starts, at the latest.
_TABLE_SNIFF_CHARS = 65536
#: How much of a page's text its one table must hold for the page to be that table (an "Export to Excel" page).
_TABLE_EXPORT_SHARE = 0.8


def _table_export(tree: etree._Element, text_column: str | None) -> tuple[list[str], list[tuple[str, list[str]]]] | None:
    """The header and rows of a page that is one flat table of comments: an "Export to Excel" download, which many
    tools write as an HTML table named ``.xls``. The table holds most of the page's text, has no table inside it, and
    its first row names a comment text column. None for any other page (a news page's data table, a forum laid out
    in nested tables)."""
    tables = tree.xpath("//table[not(.//table)]")
    body = len(" ".join(tree.xpath("string(//body)").split()))
    for table in tables:
        rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
        if len(rows) < 2 or len(" ".join(table.text_content().split())) < _TABLE_EXPORT_SHARE * body:
            continue
        cells = [[" ".join(cell.text_content().split()) for cell in row.xpath("./th | ./td")] for row in rows]
        if names_a_comment_table(cells[0], text_column):
            return cells[0], [(f"table row {number}", row) for number, row in enumerate(cells[1:], start=1) if any(row)]
    return None


@register("html", sniff, "saved HTML page: body via trafilatura, comments from WordPress/Disqus/generic markup")
def read(path: Path, options: ReadOptions) -> ReadResult:
    page, tree, repairs = _parsed_page(path.read_bytes(), str(path), options.fallback_encoding)
    # only a page with a table near its start is searched for one
    if "<table" in page[:_TABLE_SNIFF_CHARS].lower() and (table := _table_export(tree, options.text_column)):
        result = read_cells(path, *table, options)
        result.rejects[:0] = repairs
        for article in result.articles:
            article.format = "html"  # the reader's; the note says how
        result.notes.append("an HTML page that is one table of comments (an \"Export to Excel\" file): read as "
                            "that table")
        return result
    article, rejects = _page_article(page, tree, repairs, str(path), None)
    return ReadResult(articles=[article], rejects=rejects)
