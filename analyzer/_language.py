"""Which comments are written in a language the model does not read.

The shipped model is English (its encoder and every training source); on German or French text its
scores are noise, and averaging them into an article's shares would be a wrong guess. py3langid
(a maintained langid.py, its model stored as numpy arrays, no pickle; trafilatura uses it the same
way) gives every language a probability. A comment counts as foreign only when the model's own
languages are all but ruled out, on a comment of a few words (``analyzer.config.LanguageCheck``): so
short English replies ("lol ok", which it calls Volapük) and English slang or dialect (which it calls
Nigerian Pidgin with English a close second) are scored as usual.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from analyzer.config import LanguageCheck


#: The language of a comment is read from its beginning: enough for a confident call, and a megabyte
#: of text costs no more than a paragraph.
_SAMPLE_CHARS = 2000


class Language(NamedTuple):
    code: str
    probability: float


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> dict[str, float]:
    """Every language the identifier knows (ISO 639-1 where it has one) with its probability for ``text``."""
    return {code: float(probability) for code, probability in _identifier().rank(text[:_SAMPLE_CHARS])}


#: langid's code for "no linguistic content" (a line of links): never a language to refuse.
NO_LANGUAGE = "zxx"


def other_language_candidate(text: str, check: LanguageCheck) -> tuple[Language, dict[str, float]] | None:
    """The most likely language of ``text`` and every language's probability, when that language may be
    refused: the comment has ``check.min_words`` words and its top language is neither the model's nor none."""
    if len(text.split()) < check.min_words:
        return None
    probabilities = identify(text)
    code = max(probabilities, key=probabilities.__getitem__)
    if code in check.languages or code == NO_LANGUAGE:
        return None
    return Language(code, probabilities[code]), probabilities


def foreign_language(text: str, check: LanguageCheck) -> Language | None:
    """The most likely language of ``text`` when the model's own languages are all but ruled out, else None."""
    candidate = other_language_candidate(text, check)
    if candidate is None:
        return None
    language, probabilities = candidate
    own = sum(probabilities.get(code, 0.0) for code in check.languages)
    return language if own <= check.max_own_probability else None
