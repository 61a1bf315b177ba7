"""Text as the model reads it: a letter written to look like another is read as the one it shows, and a word
written around a filter as the word it spells.

Commenters dodge word filters with letters that only look like the usual ones: fullwidth and "styled" letters
("ＩＤＩＯＴ", "𝐢𝐝𝐢𝐨𝐭", "ɪᴅɪᴏᴛ", which the tokenizer has no pieces for) and letters of another script inside an English
word ("іdіot" with the Cyrillic і, "fuсk" with the Cyrillic с). The shipped model read "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ"
as 0.01 toxic and "You are an іdіot." as 0.26, against 0.98 and 0.97 for the plain words.

Two rules, neither touching ordinary text: a letter or digit restyled (a compatibility form, NFKC, of one ASCII
letter or digit that is a font, width or circle variant) becomes that one, and so does a small capital; and in a word whose letters are mostly Latin, a letter beyond ASCII that Unicode lists as confusable
with an ASCII letter (its confusables data, through ``confusable_homoglyphs``: Cyrillic and Greek look-alikes,
Latin small capitals) becomes that letter. A word mostly of Cyrillic or Greek letters is that language's word and
is left as it is, unless it mixes in a Latin letter and its other letters all look like Latin ones ("реорlе");
accented letters are not confusables (the tokenizer drops their accents itself).

Characters written as HTML references ("&amp;", "&#8217;") are read as the characters they stand for. Then three
ways of writing a word around a filter, each undone only where it gives a known word (a whole word of
the model's vocabulary, or an English word of Webster's or GCIDE through ``english_words``) and the word as
written is not one: letters spelled out one at a time ("i d i o t", "s.h.i.t"; a run of several words split into
the likeliest ones, "f u c k y o u" as "fuck you"), digits and signs for the letters
they look like inside a word ("1d10t", "b!tch", "a$$hole"), and a letter drawn out ("idiiiiiot"). Unknown
codes and names keep their spelling ("H1N1", "C3PO", "J.R.R."): no such word hides in them. The shipped model
read "You are an i d i o t." as 0.46 toxic and "You are an 1d10t." as 0.39, against 0.97 for the plain words.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from collections.abc import Collection
from functools import cache
from importlib import resources
from typing import Protocol
from weakref import WeakKeyDictionary

#: An HTML character reference closed by its semicolon ("&amp;", "&#8217;", "&#x200B;"); one without it ("&para=2"
#: in an address) is left as written.
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
#: A run of letters (no digits, no underscore).
_WORD = re.compile(r"[^\W\d_]+")


def plain_letters(text: str, vocabulary: Collection[str] = frozenset()) -> str:
    """The text with styled letters as plain ones, look-alike letters inside Latin words as Latin ones, and words
    spelled out, written with digits or drawn out as the known word they spell.

    ``vocabulary``: the model's whole words (``known_words(tokenizer)``), known beside the English word lists.
    """
    if "&" in text:  # "don&#8217;t", "Q&amp;A", as tweets and scrapers' tables keep them, or "&#105;&#100;…" to hide a word
        text = _ENTITY.sub(lambda entity: html.unescape(entity.group()), text)
    if not text.isascii():
        text = "".join(_plain(char) if not char.isascii() else char for char in text)
        text = _WORD.sub(_latin_word, text) if not text.isascii() else text
    return _undisguised(text, vocabulary)


class _Tokenizer(Protocol):
    def get_vocab(self) -> dict[str, int]: ...


_VOCABULARIES: WeakKeyDictionary[_Tokenizer, frozenset[str]] = WeakKeyDictionary()


def known_words(tokenizer: _Tokenizer) -> frozenset[str]:
    """The tokenizer's whole words of letters (not its "##" word pieces), lower case; read once per tokenizer."""
    if tokenizer not in _VOCABULARIES:
        _VOCABULARIES[tokenizer] = frozenset(token.lower() for token in tokenizer.get_vocab() if token.isalpha())
    return _VOCABULARIES[tokenizer]


#: Three or more single letters, each apart from the next by the same space, dot, hyphen, asterisk or underscore.
_SPELLED_OUT = re.compile(r"(?<![^\W_])[A-Za-z]([ .\-*_])[A-Za-z](?:\1[A-Za-z])+(?![^\W_])")
#: A word with digits or signs among its letters: a sign only between two letters ("b!tch" but not "Yahoo!"),
#: "$" also in front ("$hit"; not "@", which opens a user name).
_WITH_DIGITS = re.compile(r"(?<![\w@$])(?:[A-Za-z0-9@$]|(?<=[A-Za-z])[!|](?=[A-Za-z]))+")
#: A digit or sign between two letters, or one digit or "$" opening a word of letters: what makes a word with
#: digits a disguise rather than a code ("10am", "mp3", "G20", "4th" have none).
_INSIDE = re.compile(r"(?<=[A-Za-z])[0-9@$!|]+(?=[A-Za-z])|(?<![\w@$])[0-9$](?=[A-Za-z]{3,}(?![\w@$]))")
#: A letter written three or more times over; not the "III" of a Roman numeral ("WWIII", "Louis XIII").
_DRAWN_OUT = re.compile(r"(?!III)([A-Za-z])\1{2,}")
#: A word of letters alone: not inside a user name, a hashtag, a path or a code ("@alexxx_99", "#f5fffa").
_ASCII_WORD = re.compile(r"(?<![\w@#/])[A-Za-z]+(?![\w/])")
#: The shortest word read from letters spelled out or written with digits: shorter ones are mostly abbreviations
#: and codes ("U.S.A", "C.I.A", "L4C" would read as the English "lac").
_SHORTEST = 4
#: The longest word looked for in a run of letters spelled out, and the longest run split into words.
_LONGEST_WORD, _LONGEST_RUN = 20, 200
#: Each digit or sign and the letters it stands for, "1" for both "i" and "l" ("k1ll", "1ame").
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}


def _undisguised(text: str, vocabulary: Collection[str]) -> str:
    def known(word: str) -> bool:
        return word in vocabulary or word in _english_words()

    def spelled_out(match: re.Match[str]) -> str:
        word = match.group()[::2].lower()
        if len(word) >= _SHORTEST and known(word):
            return word
        # several words spelled out in one run ("f u c k y o u", "a s h i t"): the likeliest words it splits into
        words = _split_into_words(word, vocabulary)
        return " ".join(words) if words and max(map(len, words)) >= _SHORTEST else match.group()

    def with_digits(match: re.Match[str]) -> str:
        written = match.group()
        if written.isalpha() or not _INSIDE.search(written):
            return written
        lower = written.lower()
        for reading in (0, 1):  # "1" as "i", then as "l"
            word = "".join(_LEET[c][min(reading, len(_LEET[c]) - 1)] if c in _LEET else c for c in lower)
            if len(word) >= _SHORTEST and known(word):
                return word
        return written

    def drawn_out(match: re.Match[str]) -> str:
        written = match.group()
        if not _DRAWN_OUT.search(written) or known(written.lower()):  # "xxx", "Brrr" are words
            return written
        for times in (r"\1\1", r"\1"):  # "coool" is "cool", "idiiiot" is "idiot"
            word = _DRAWN_OUT.sub(times, written.lower())
            if len(word) >= _SHORTEST and known(word):  # "sooo" and "Hmmm" stay as written, as the model knows them
                return word
        return written

    # each rule is looked for in the whole text first: almost no comment has any, and a match per word is slow
    text = _SPELLED_OUT.sub(spelled_out, text)
    if _INSIDE.search(text):
        text = _WITH_DIGITS.sub(with_digits, text)
    return _ASCII_WORD.sub(drawn_out, text) if _DRAWN_OUT.search(text) else text


#: The words of one or two letters a run of letters spelled out may hold: English's commonest, so that a run is
#: not split into rare ones ("a b c d" is no "ab" and "cd").
_SHORT_WORDS = frozenset("a i am an as at be by do go he if in is it me my no of on or so to up us we".split())


def _split_into_words(letters: str, vocabulary: Collection[str]) -> list[str] | None:
    """The likeliest words that spell these letters, each a known word of three letters or more or one of
    ``_SHORT_WORDS``; None where there are none, or where the run is longer than a few words. Likeliest: a word of
    the model's vocabulary (common ones) counts one, a word only the English lists know (rare ones: "arean")
    three, and the least sum wins."""
    if len(letters) > _LONGEST_RUN:
        return None
    # cost[end]: the least cost of spelling letters[:end]; start[end]: where its last word starts
    cost: list[float] = [0.0] + [math.inf] * len(letters)
    start = [0] * (len(letters) + 1)
    for end in range(1, len(letters) + 1):
        for begin in range(max(0, end - _LONGEST_WORD), end):
            if cost[begin] == math.inf:
                continue
            piece = letters[begin:end]
            if piece in _SHORT_WORDS or (len(piece) >= 3 and piece in vocabulary):
                price = 1
            elif len(piece) >= 3 and piece in _english_words():
                price = 3
            else:
                continue
            if cost[begin] + price < cost[end]:
                cost[end], start[end] = cost[begin] + price, begin
    if cost[-1] == math.inf:
        return None
    words, end = [], len(letters)
    while end:
        words.append(letters[start[end]:end])
        end = start[end]
    return words[::-1]


@cache
def _english_words() -> frozenset[str]:
    """English words of Webster's Second and of GCIDE, lower case (about 300,000); read once, when first asked."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2", "gcide"], lower=True, alpha=True))


#: The name Unicode gives a small capital ("ᴀ" is LATIN LETTER SMALL CAPITAL A), which NFKC leaves as it is.
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


#: The compatibility forms that only restyle a letter or digit: mathematical alphanumerics (bold, italic, script,
#: double-struck …), fullwidth and halfwidth forms, circled ones. Superscripts, subscripts and ordinals ("m²",
#: "0.17ºC") are not a letter in disguise.
_RESTYLED = ("<font>", "<wide>", "<narrow>", "<circle>")


@cache
def _plain(char: str) -> str:
    """A fullwidth, styled, circled or small-capital letter, or such a digit, as the ASCII one it shows; anything
    else as it is."""
    compatible = unicodedata.normalize("NFKC", char)
    restyled = unicodedata.decomposition(char).startswith(_RESTYLED)
    if restyled and len(compatible) == 1 and compatible.isascii() and compatible.isalnum():
        return compatible
    small_capital = _SMALL_CAPITAL.fullmatch(unicodedata.name(char, ""))
    return small_capital.group(1).lower() if small_capital else char


def _latin_word(match: re.Match[str]) -> str:
    word = match.group()
    if word.isascii():
        return word
    latin = sum(_is_latin(char) for char in word)
    look_alikes = _look_alikes()
    # a word of another script, or half of one, is not a disguised English word, unless it mixes in a Latin letter
    # and every other letter of it looks like a Latin one ("реорlе": no Russian word is written so)
    if latin * 2 <= len(word) and not (latin and all(_is_latin(c) or c in look_alikes for c in word)):
        return word
    return "".join(look_alikes.get(char, char) for char in word)


@cache
def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


@cache
def _look_alikes() -> dict[str, str]:
    """Each letter beyond ASCII that Unicode's confusables data lists as looking like one ASCII letter, and that
    letter: Cyrillic and Greek ones, and Latin small capitals and the like ("ᴄ", "ı"); read once, when a word first
    holds one."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    pairs: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or not char.isalpha() or char.isascii():
            continue
        latin = next((g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalpha()), None)
        if latin is not None:
            pairs[char] = latin
    return pairs
