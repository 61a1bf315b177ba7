"""Letters as the model reads them: a letter written to look like another is read as the one it shows.

Commenters dodge word filters with letters that only look like the usual ones: fullwidth and "styled" letters
("ＩＤＩＯＴ", "𝐢𝐝𝐢𝐨𝐭", "ɪᴅɪᴏᴛ", which the tokenizer has no pieces for) and letters of another script inside an English
word ("іdіot" with the Cyrillic і, "fuсk" with the Cyrillic с). The shipped model read "ＹＯＵ ＡＲＥ ＡＮ ＩＤＩＯＴ"
as 0.01 toxic and "You are an іdіot." as 0.26, against 0.98 and 0.97 for the plain words.

Two rules, neither touching ordinary text: a letter or digit restyled (a compatibility form, NFKC, of one ASCII
letter or digit that is a font, width or circle variant) becomes that one, and so does a small capital; and in a word whose letters are mostly Latin, a letter beyond ASCII that Unicode lists as confusable
with an ASCII letter (its confusables data, through ``confusable_homoglyphs``: Cyrillic and Greek look-alikes,
Latin small capitals) becomes that letter. A word mostly of Cyrillic or Greek letters is that language's word and
is left as it is; accented letters are not confusables (the tokenizer drops their accents itself).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

#: A run of letters (no digits, no underscore).
_WORD = re.compile(r"[^\W\d_]+")


def plain_letters(text: str) -> str:
    """The text with styled letters as plain ones and look-alike letters inside Latin words as Latin ones."""
    if text.isascii():
        return text
    text = "".join(_plain(char) if not char.isascii() else char for char in text)
    return _WORD.sub(_latin_word, text) if not text.isascii() else text


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
    if latin * 2 <= len(word):  # a word of another script, or half of one: not a disguised English word
        return word
    look_alikes = _look_alikes()
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
