"""A learned model of where the comments begin in a flattened page scrape.

Scraped pages lose their markup: the article body, then the comments as bare lines (an author
line, the text, a date line, leftover widget words such as "Reply" or "Report"). No site rule
survives contact with the next site, so each non-empty line gets a comment-region log-odds from
gradient-boosted trees over per-line features (position, length, date and time patterns, widget
words, punctuation, "says:", how dense such cues are in the lines around and after it), and one
sequence decision picks the single start index ``s`` that maximises the summed log-odds of the
lines from ``s`` to the end, or "no comments" when no suffix scores above the learned margin.

The trees are kept as plain JSON arrays (no pickle) and evaluated here with numpy, so a saved
model loads without scikit-learn. Fitting (scikit-learn) is checkout-only: ``training/train_linemodel.py``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

#: Format tag written into the JSON so that an incompatible file is refused, not misread.
MODEL_FORMAT = "analyzer-linemodel/2"

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_PATTERN = re.compile(
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    r"|(?<!\d)\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}(?!\d)",  # numeric dates may be glued to a name: "Renae7/10/2012"
    re.IGNORECASE,
)
TIME_PATTERN = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\b|\b\d{1,2}\s*[ap]\.?m\.?\b", re.IGNORECASE)
RELATIVE_TIME_PATTERN = re.compile(
    r"\b(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year)s?\s+ago\b|\byesterday\b|\btoday\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
#: A whole line that is a comment widget (buttons, vote counts, score badges), never comment text.
WIDGET_LINE = re.compile(
    r"^(?:reply|report(?: abuse| comment| as abuse)?|flag(?: as inappropriate)?|share(?: this)?:?|likes?|dislike|"
    r"recommend(?:ed)?(?:\s*\(?\d+\)?)?|permalink|quote|link|edit|delete|vote|up|down|parent|reply to this|"
    r"log in to reply|sign in to reply|thumbs? (?:up|down)|loading\.\.\.|"
    r"\d+\s*(?:points?|likes?|replies|votes?|recommendations?)|\(?score:\s*-?\d[^)]*\)?|"
    r"(?:\d+\s*)?(?:replies|reply)\s*[↓→]?|[+-]?\d+)$",
    re.IGNORECASE,
)
_WIDGET_WORD = re.compile(
    r"\b(?:reply|report|recommend|permalink|flag|abuse|like|share|parent|score:|vote|login|log in|sign in|subscribe)\b",
    re.IGNORECASE,
)
SAYS_PATTERN = re.compile(r"\b(?:says|said|wrote|writes)\s*(?::|\.\.\.|…|,?$)|\bposted by\b|\bresponse to\b|\bin reply to\b", re.IGNORECASE)
COMMENT_HEADER_WORDS = re.compile(
    r"\b(?:\d+\s+)?(?:comments?|responses?|thoughts on|replies|leave a (?:reply|comment)|discussion|"
    r"reader (?:comments|reactions)|add (?:a|your) comment|post a comment|join the conversation)\b",
    re.IGNORECASE,
)
_FIRST_SECOND_PERSON = re.compile(r"\b(?:i|i'm|i've|my|me|you|your|you're|lol|thanks|agree|great post)\b", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(?:#?\d{1,4}[.)]?\s+|•|\*|-\s)")
_NAME_LIKE = re.compile(r"^[A-Z@][\w.'@-]*(?:\s+[A-Z@&][\w.'@-]*){0,3}$")

#: Per-line cues whose density in a window around each line is also a feature.
_CUES = ("date", "time", "widget", "says", "short", "name_like", "first_person", "terminal")
_WINDOWS = (3, 10)

FEATURE_NAMES: tuple[str, ...] = (
    "rel_pos",
    "rel_pos_rev",
    "log_lines",
    "log_chars",
    "words",
    "indent",
    "relative_time",
    "year",
    "widget_words",
    "header",
    "url",
    "numbered",
    "question",
    "exclaim",
    "digit_ratio",
    "upper_ratio",
    "punct_ratio",
    "cap_word_ratio",
    "log_chars_prev",
    "log_chars_next",
    *_CUES,
    *(f"{cue}_{side}{w}" for w in _WINDOWS for side in ("before", "after") for cue in _CUES),
    *(f"{cue}_rest" for cue in _CUES),
    *(f"{cue}_head" for cue in _CUES),
    "header_before",
    "log_chars_rest",
    "log_chars_head",
    "meta_count_rest",
    "meta_count_head",
    "shape_repeats",
    "shape_repeats_after",
    "shape_repeats_rest",
)

#: Words in a line's shape: numbers → 0, capitalised → A, other words → a, punctuation kept.
_SHAPE_TOKEN = re.compile(r"\d[\d:.,/-]*|[A-Z][\w'’.-]*|[a-z][\w'’-]*|[^\w\s]")
#: Lines longer than this have no repeating shape worth counting (prose never repeats).
_SHAPE_MAX_WORDS = 14


def _shape(text: str) -> str | None:
    """A short line's shape, with runs collapsed: "Ann Lee May 3, 2012 at 4:05 pm" → "A 0 , 0 a 0 a".

    Comment meta lines repeat one shape whatever the names and dates; counting how often a
    line's shape recurs on the page (and after the line) finds them without a rule per site.
    """
    if len(text.split()) > _SHAPE_MAX_WORDS:
        return None
    shape: list[str] = []
    for token in _SHAPE_TOKEN.findall(text):
        kind = "0" if token[0].isdigit() else "A" if token[0].isupper() else "a" if token[0].isalpha() else token
        if not shape or shape[-1] != kind:
            shape.append(kind)
    return " ".join(shape)


#: Cues are read from a line's first characters only: meta lines are short, and a 5,000-character
#: paragraph is prose whatever its tail holds (this keeps feature extraction linear and fast).
_CUE_CHARS = 400


def _line_cues(line: str) -> dict[str, float]:
    full = line.strip()
    text = full[:_CUE_CHARS]
    words = text.split()
    letters = [c for c in text if c.isalpha()]
    return {
        "date": float(bool(DATE_PATTERN.search(text))),
        "time": float(bool(TIME_PATTERN.search(text) or RELATIVE_TIME_PATTERN.search(text))),
        "widget": float(bool(WIDGET_LINE.match(text))),
        "says": float(bool(SAYS_PATTERN.search(text))),
        "short": float(len(full) < 40),
        "name_like": float(bool(_NAME_LIKE.match(text)) and len(words) <= 4),
        "first_person": float(bool(_FIRST_SECOND_PERSON.search(text))),
        "terminal": float(full[-1:] in ".!?\"'”’)…"),
        "relative_time": float(bool(RELATIVE_TIME_PATTERN.search(text))),
        "year": float(bool(_YEAR.search(text))),
        "widget_words": float(len(_WIDGET_WORD.findall(text))),
        "header": float(bool(COMMENT_HEADER_WORDS.search(text)) and len(words) <= 12),
        "url": float(bool(_URL.search(text))),
        "numbered": float(bool(_NUMBERED.match(line))),
        "question": float(text.count("?")),
        "exclaim": float(text.count("!")),
        "digit_ratio": sum(c.isdigit() for c in text) / len(text),
        "upper_ratio": sum(c.isupper() for c in letters) / max(len(letters), 1),
        "punct_ratio": sum(not c.isalnum() and not c.isspace() for c in text) / len(text),
        "cap_word_ratio": sum(w[:1].isupper() for w in words) / max(len(words), 1),
        "log_chars": math.log1p(len(full)),
        "words": float(len(full.split())),
        "indent": float(len(line) - len(line.lstrip())),
    }


def _window_mean(values: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Mean of ``values[start[i]:stop[i]]`` for every i (0 for empty windows), via a prefix sum."""
    prefix = np.concatenate([[0.0], np.cumsum(values)])
    counts = stop - start
    return np.where(counts > 0, (prefix[stop] - prefix[start]) / np.maximum(counts, 1), 0.0)


def line_features(lines: list[str]) -> tuple[np.ndarray, list[int]]:
    """Feature rows for the non-empty lines, and those lines' indices in ``lines``."""
    kept = [i for i, line in enumerate(lines) if line.strip()]
    n = len(kept)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES))), kept
    cues = [_line_cues(lines[i]) for i in kept]
    column = {name: np.array([c[name] for c in cues]) for name in cues[0]}
    index = np.arange(n)
    features: dict[str, np.ndarray] = {
        "rel_pos": index / n,
        "rel_pos_rev": (n - 1 - index) / n,
        "log_lines": np.full(n, math.log1p(n)),
        **{name: column[name] for name in ("log_chars", "words", "indent", "relative_time", "year")},
        **{name: column[name] for name in ("widget_words", "header", "url", "numbered", "question", "exclaim")},
        **{name: column[name] for name in ("digit_ratio", "upper_ratio", "punct_ratio", "cap_word_ratio")},
        "log_chars_prev": np.concatenate([[0.0], column["log_chars"][:-1]]),
        "log_chars_next": np.concatenate([column["log_chars"][1:], [0.0]]),
    }
    for cue in _CUES:
        values = column[cue]
        features[cue] = values
        for w in _WINDOWS:
            features[f"{cue}_before{w}"] = _window_mean(values, np.maximum(index - w, 0), index)
            features[f"{cue}_after{w}"] = _window_mean(values, index + 1, np.minimum(index + 1 + w, n))
        # The whole remainder and the whole head: comments are everything after the start.
        features[f"{cue}_rest"] = _window_mean(values, index, np.full(n, n))
        features[f"{cue}_head"] = _window_mean(values, np.zeros(n, dtype=int), index)
    features["header_before"] = np.maximum.accumulate(np.concatenate([[0.0], column["header"][:-1]]))
    features["log_chars_rest"] = _window_mean(column["log_chars"], index, np.full(n, n))
    features["log_chars_head"] = _window_mean(column["log_chars"], np.zeros(n, dtype=int), index)
    meta = np.maximum(column["date"], np.maximum(column["time"], column["says"]))
    meta_after = np.cumsum(meta[::-1])[::-1]
    features["meta_count_rest"] = np.log1p(meta_after)
    features["meta_count_head"] = np.log1p(meta.sum() - meta_after)
    features.update(_shape_repeats([lines[i].strip()[:_CUE_CHARS] for i in kept]))
    return np.column_stack([features[name] for name in FEATURE_NAMES]), kept


def _shape_repeats(texts: list[str]) -> dict[str, np.ndarray]:
    """Per line: log count of other lines sharing its shape (on the page, after it), and the
    share of the remaining lines whose shape repeats at all."""
    shapes = [_shape(text) for text in texts]
    totals = Counter(s for s in shapes if s is not None)
    seen: Counter[str] = Counter()
    repeats, after = np.zeros(len(texts)), np.zeros(len(texts))
    for index, shape in enumerate(shapes):
        if shape is None:
            continue
        seen[shape] += 1
        repeats[index] = math.log1p(totals[shape] - 1)
        after[index] = math.log1p(totals[shape] - seen[shape])
    repeating = (repeats > 0).astype(float)
    n = len(texts)
    return {
        "shape_repeats": repeats,
        "shape_repeats_after": after,
        "shape_repeats_rest": _window_mean(repeating, np.arange(n), np.full(n, n)),
    }


def best_start(scores: np.ndarray, margin: float, opening: np.ndarray | None = None) -> int | None:
    """The index ``s`` maximising ``sum(scores[s:]) + opening[s]``, or None when none beats ``margin``."""
    if len(scores) == 0:
        return None
    total = np.cumsum(scores[::-1])[::-1]
    if opening is not None:
        total = total + opening
    start = int(np.argmax(total))
    return start if total[start] > margin else None


class Trees:
    """Boosted regression trees as flat arrays: evaluated with numpy, stored as JSON."""

    def __init__(self, baseline: float, trees: list[dict[str, list[Any]]]) -> None:
        self.baseline = baseline
        self.trees = trees
        # All trees padded into [tree, node] tables, so that one step down every tree at once is
        # a handful of numpy operations. A leaf points to itself and so stays put.
        width = max((len(t["feature"]) for t in trees), default=1)
        self._feature = np.full((len(trees), width), -1, dtype=np.int64)
        self._threshold = np.zeros((len(trees), width))
        self._left = np.tile(np.arange(width), (len(trees), 1))
        self._right = self._left.copy()
        self._value = np.zeros((len(trees), width))
        for row, tree in enumerate(trees):
            size = len(tree["feature"])
            feature = np.asarray(tree["feature"], dtype=np.int64)
            inner = feature >= 0
            self._feature[row, :size] = feature
            self._threshold[row, :size] = tree["threshold"]
            self._left[row, :size] = np.where(inner, tree["left"], np.arange(size))
            self._right[row, :size] = np.where(inner, tree["right"], np.arange(size))
            self._value[row, :size] = tree["value"]

    def decision(self, features: np.ndarray) -> np.ndarray:
        """Raw log-odds per row."""
        rows = len(features)
        if rows == 0 or not self.trees:
            return np.full(rows, self.baseline)
        tree = np.arange(len(self.trees))[None, :]
        node = np.zeros((rows, len(self.trees)), dtype=np.int64)
        row = np.arange(rows)[:, None]
        while True:
            feature = self._feature[tree, node]
            inner = feature >= 0
            if not inner.any():
                break
            goes_left = features[row, np.maximum(feature, 0)] <= self._threshold[tree, node]
            node = np.where(inner, np.where(goes_left, self._left[tree, node], self._right[tree, node]), node)
        return self.baseline + self._value[tree, node].sum(axis=1)


class LineModel:
    """Per-line comment log-odds, a first-comment-line score, and a single-start sequence decision.

    ``region`` scores how much each line looks like comment-section material; ``opening`` how
    much it looks like the first line of a comment section (the boundary, which region scores blur).
    The start is the line maximising the region log-odds summed from it to the end (less ``bias``
    per line) plus ``opening_weight`` times its opening log-odds; "no comments" when that best
    total is not above ``margin``.
    """

    def __init__(self, region: Trees, opening: Trees | None, *, bias: float, opening_weight: float, margin: float) -> None:
        self.region = region
        self.opening = opening
        self.bias = bias
        self.opening_weight = opening_weight
        self.margin = margin

    def line_scores(self, lines: list[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Region log-odds (less the bias) and weighted opening log-odds per non-empty line, and their indices."""
        features, kept = line_features(lines)
        region = self.region.decision(features) - self.bias
        opening = (
            self.opening_weight * self.opening.decision(features)
            if self.opening is not None and self.opening_weight
            else np.zeros(len(kept))
        )
        return region, opening, kept

    def comment_start(self, lines: list[str], extra_margin: float = 0.0) -> int | None:
        """Index in ``lines`` of the first comment line, or None when the page has no comments.

        ``extra_margin`` asks for more evidence than the learned margin (in summed log-odds), for
        callers whose text has comments less often than the scrapes the model was fitted on.
        """
        region, opening, kept = self.line_scores(lines)
        start = best_start(region, self.margin + extra_margin, opening)
        return None if start is None else kept[start]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features": list(FEATURE_NAMES),
            "bias": self.bias,
            "opening_weight": self.opening_weight,
            "margin": self.margin,
            "region": {"baseline": self.region.baseline, "trees": self.region.trees},
            "opening": None if self.opening is None else {"baseline": self.opening.baseline, "trees": self.opening.trees},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineModel:
        if data.get("format") != MODEL_FORMAT or data.get("features") != list(FEATURE_NAMES):
            raise ValueError(f"not a {MODEL_FORMAT} model for this version's features")
        trees = {
            part: None if data[part] is None else Trees(float(data[part]["baseline"]), data[part]["trees"])
            for part in ("region", "opening")
        }
        if trees["region"] is None:
            raise ValueError("the model has no region trees")
        return cls(
            trees["region"], trees["opening"], bias=float(data["bias"]),
            opening_weight=float(data["opening_weight"]), margin=float(data["margin"]),
        )

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LineModel:
        path = Path(path)
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}: not a line model ({error})") from error


@lru_cache(maxsize=1)
def load_default() -> LineModel:
    """The model shipped in analyzer/data/linemodel.json (trained by training/train_linemodel.py)."""
    with resources.as_file(resources.files("analyzer") / "data" / "linemodel.json") as path:
        return LineModel.load(path)

