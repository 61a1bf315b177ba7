"""Helpers the structured readers share: safe XML parsing, JSON loading, root-tag sniffing, HTML to text.

XML exports come from the outside world, so parsing never fetches anything, never expands
entities and refuses documents that declare them (the "billion laughs" family of attacks), in
the spirit of defusedxml's ``forbid_entities``. Broken files are recovered where lxml can, and
every repair is reported so the user knows what part of the file was guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from analyzer.readers import ReaderError
from analyzer.readers._common import clean_text, decode_bytes

# What may precede the root element: BOM, XML declaration, comments, processing instructions, DOCTYPE.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.DOTALL)
_TAG_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "dd", "dt", "section", "article",
})
_INVISIBLE_TAGS = ("script", "style", "template")


def root_tag(head: bytes) -> str | None:
    """The name of the first element in an XML/HTML head (prefix included), or None if there is none."""
    prolog = _PROLOG.match(head)
    rest = head[prolog.end() if prolog else 0 :]
    match = _TAG_NAME.match(rest)
    return match.group(1).decode("ascii", "replace") if match else None


@dataclass
class ParsedXml:
    root: etree._Element
    #: Problems lxml repaired, as (location, message); empty for a well-formed file.
    repairs: list[tuple[str, str]] = field(default_factory=list)


def _location(line: int | None, column: int | None) -> str:
    return f"line {line or '?'}, column {column or '?'}"


def parse_xml(path: Path, data: bytes) -> ParsedXml:
    """Parse untrusted XML: no network, no entity expansion, entity declarations refused.

    A malformed file is parsed again in lxml's recovery mode; what was repaired comes back in
    ``repairs``. When nothing usable is left, ReaderError names the first error's line and column.
    """
    options = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
    repairs: list[tuple[str, str]] = []
    try:
        root = etree.fromstring(data, etree.XMLParser(**options))
    except etree.XMLSyntaxError as strict_error:
        line, column = strict_error.position
        recovering = etree.XMLParser(recover=True, **options)
        root = etree.fromstring(data, recovering)
        if root is None:
            raise ReaderError(path, _location(line, column), f"not well-formed XML: {strict_error.msg}") from None
        repairs = [(_location(e.line, e.column), e.message) for e in recovering.error_log]
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ReaderError(path, "DOCTYPE", "entity declarations are refused (they can expand without bound)")
    return ParsedXml(root=root, repairs=repairs)


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs and line breaks kept."""
    if not markup or not markup.strip():
        return ""
    try:
        container = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(markup)
    for invisible in list(container.iter(*_INVISIBLE_TAGS)):
        invisible.drop_tree()
    return element_text(container)


def element_text(element: etree._Element) -> str:
    """Text of an element with paragraph and line breaks kept (``text_content`` glues paragraphs).

    Changes the element's text and tails in place: pass a copy when the tree is used afterwards.
    """
    for node in element.iter(etree.Element):
        if node is element:
            continue
        if node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif node.tag in BLOCK_TAGS:
            node.text = "\n\n" + (node.text or "")
            node.tail = "\n\n" + (node.tail or "")
    return clean_text(element.text_content())


def load_json(path: Path) -> Any:
    """The whole file as JSON; a syntax error names its line and column."""
    text = decode_bytes(path.read_bytes())
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ReaderError(path, f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}") from None
