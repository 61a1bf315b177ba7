"""Which phrase each comment's stance is measured toward.

Precedence, first that applies: a per-row ``target`` column in tabular input (readers keep the
columns they do not map in ``Comment.extra``; ``--target-column`` names another column), the
``--targets`` file (article id → target), one ``--target`` for everything, and finally a phrase
derived from the article title by :func:`target_from_title`.

The title method, in order: drop bracketed or parenthesised asides ("(video)", "[updated]");
split at " | ", " - ", " – ", " — ", " :: ", " · " and keep the longest part (the others are
site names and sections: "Talks resume | The Daily Example"); drop a leading label ending in a
colon when it is a known rubric ("Opinion:", "Live:", "Breaking:" …); remove dates and times;
strip quotes and end punctuation; keep at most ``max_words`` words and then drop trailing
function words ("the", "of", "to" …) so the phrase ends on a content word.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from analyzer.records import Article, Comment

#: Where a comment's target came from; the run's metadata counts each.
TARGET_SOURCES = ("row", "targets_file", "option", "title", "none")

_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|»)\s+")
_ASIDES = re.compile(r"\s*[\(\[][^\)\]]{0,40}[\)\]]\s*")
_RUBRICS = re.compile(
    r"^(?:opinion|analysis|editorial|comment|letters?|live|live updates|breaking|breaking news|watch|"
    r"video|photos|explainer|exclusive|update|updated|review|podcast|interview|fact check)\s*:\s*",
    re.IGNORECASE,
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATES = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:\s+\d{{4}})?"
    r"|\d{1,2}:\d{2}\s*(?:am|pm)?)\b",
    re.IGNORECASE,
)
_QUOTES_AND_END = re.compile(r"^[\s\"'“”‘’«».,;:–—-]+|[\s\"'“”‘’«».,;:!?…]+$")
_FUNCTION_WORDS = frozenset(
    "a an the of to in on at for with by from and or but as is are was were be been will would "
    "could should can may might must has have had do does did not no its their his her our your "
    "this that these those after before over under into about amid against than then".split()
)


def target_from_title(title: str | None, max_words: int = 8) -> str | None:
    """A short noun-phrase-ish target from an article title (see the module docstring), or None."""
    if not title:
        return None
    text = _ASIDES.sub(" ", title)
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    text = max(parts, key=lambda p: len(p.split())) if parts else ""
    text = _RUBRICS.sub("", text.strip())
    text = _DATES.sub(" ", text)
    text = _QUOTES_AND_END.sub("", " ".join(text.split()))
    words = text.split()
    if len(words) > max_words:
        # Cut before the last function word in reach ("… road | of the regional rail …"): the
        # phrase then ends with its head noun more often than a plain cut at max_words does.
        words = words[:max_words]
        cuts = [i for i, word in enumerate(words) if i >= 3 and word.lower() in _FUNCTION_WORDS]
        words = words[: cuts[-1]] if cuts else words
    while words and words[-1].lower().strip(",;:") in _FUNCTION_WORDS:
        words.pop()
    phrase = _QUOTES_AND_END.sub("", " ".join(words))
    return phrase or None


def load_targets_file(path: str | Path) -> dict[str, str]:
    """Article id → target from a CSV (columns ``article_id`` or ``id``, and ``target``) or JSON.

    JSON may be an object ``{"article id": "target"}`` or a list of ``{"article_id", "target"}``.
    Raises ValueError naming the file and the place when the file does not have that shape.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _targets_from_json(path)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        id_column = _id_column(reader.fieldnames or [], path)
        if "target" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: header: no 'target' column (found {reader.fieldnames})")
        return {row[id_column]: row["target"] for row in reader if row.get(id_column) and row.get("target")}


def _id_column(names: list[str], path: Path) -> str:
    for candidate in ("article_id", "id", "article"):
        if candidate in names:
            return candidate
    raise ValueError(f"{path}: header: no 'article_id' (or 'id') column (found {names})")


def _targets_from_json(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: line {error.lineno}: not JSON ({error.msg})") from error
    if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
        return {str(k): v for k, v in data.items()}
    if isinstance(data, list):
        targets = {}
        for index, item in enumerate(data):
            if not isinstance(item, dict) or "target" not in item or not ({"article_id", "id"} & item.keys()):
                raise ValueError(f"{path}: $[{index}]: expected an object with 'article_id' and 'target'")
            targets[str(item.get("article_id", item.get("id")))] = str(item["target"])
        return targets
    raise ValueError(f"{path}: $: expected an object of id → target or a list of objects")


@dataclass(frozen=True)
class TargetPolicy:
    """The user's target choices; :meth:`resolve` applies the precedence to one comment."""

    fixed: str | None = None
    by_article: dict[str, str] | None = None
    max_words: int = 8
    #: The tabular column holding a per-row target; readers keep unmapped columns in ``Comment.extra``.
    row_column: str = "target"

    def describe(self) -> str:
        """The method, for the run's metadata."""
        steps = [f"per-row {self.row_column!r} column"]
        if self.by_article:
            steps.append(f"targets file ({len(self.by_article)} articles)")
        if self.fixed:
            steps.append(f"--target {self.fixed!r}")
        steps.append(f"title-derived (at most {self.max_words} words)")
        return " > ".join(steps)

    def for_article(self, article: Article) -> tuple[str | None, str]:
        """The article-level target and its source (everything but a per-row target)."""
        if self.by_article and article.id in self.by_article:
            return self.by_article[article.id], "targets_file"
        if self.fixed:
            return self.fixed, "option"
        derived = target_from_title(article.title, self.max_words)
        return (derived, "title") if derived else (None, "none")

    def resolve(self, comment: Comment, article_target: tuple[str | None, str]) -> tuple[str | None, str]:
        """The comment's target and its source: its own row's target, else the article's."""
        row_target = comment.extra.get(self.row_column)
        if isinstance(row_target, str) and row_target.strip():
            return row_target.strip(), "row"
        return article_target


# --- what the model reads of a comment: its own words ------------------------------------------------

#: A line that quotes someone else, as mail, Markdown and Hacker News write it (and as the readers
#: write an HTML ``<blockquote>``): ">" (nested: "> >" or ">>"), then the quoted words. Emoticons
#: (">:(", ">_<", ">.<") and ">=" are no quotes: the mark must be followed by a letter, a digit, a
#: quotation mark, "*", "[" or "(".
_QUOTE_LINE = re.compile(r"[ \t]*>(?:[ \t]*>)*[ \t]*(?:[^\W_]|[\"'“‘«*\[(])")
_BLANK_RUNS = re.compile(r"\n{3,}")
#: The line that introduces a quote, as mail clients and forums write it: "On Mon, 5 Feb 2024, Ann wrote:",
#: "@Ann said:", "Ann schrieb:", "Quoting Ann:", "Originally posted by Ann". Part of the quote only when a
#: quoted line follows it (at most one blank line between).
_ATTRIBUTION_LINE = re.compile(
    r"[ \t]*(?:.{0,150}\b(?:wrote|writes|said|says|posted|schrieb|hat geschrieben|a écrit|escribió|ha scritto"
    r"|schreef)[ \t]*:|(?:quoting|quote from|zitat von|originally posted by)\b.{0,150})[ \t]*$",
    re.IGNORECASE,
)


def _quoted(lines: list[str]) -> list[bool]:
    """Which lines are quotation: quoted lines, and the attribution line right above a quote."""
    quoted = [bool(_QUOTE_LINE.match(line)) for line in lines]
    for index, line in enumerate(lines):
        below = index + 2 if index + 1 < len(lines) and not lines[index + 1].strip() else index + 1
        if below < len(lines) and quoted[below] and not quoted[index] and _ATTRIBUTION_LINE.fullmatch(line):
            quoted[index] = True
    return quoted


def own_words(text: str) -> tuple[str, int]:
    """The comment's own words, and how many quoted lines were left out of them.

    A reply that quotes what it answers ("> You have to be a special type of stupid…") is not
    making that insult or taking that position itself: the model reads the lines the commenter wrote.
    Only lines that start with the quote mark count (a Markdown quote's unmarked continuation line
    stays in), and the line introducing them ("Ann wrote:"). A comment that is all quotation is read
    whole, with 0 lines left out.
    """
    lines = text.split("\n")
    own = [line for line, quoted in zip(lines, _quoted(lines)) if not quoted]
    left_out = len(lines) - len(own)
    kept = _BLANK_RUNS.sub("\n\n", "\n".join(own)).strip()
    if not left_out or not kept:
        return text, 0
    return kept, left_out


# --- context: what a comment answers ---------------------------------------------------------------

#: The context a row was scored with, as the scores table names it.
CONTEXT_KINDS = ("title+parent", "title", "parent", "none")
#: A parent comment is read by its opening: enough for a referent, cheap in tokens.
PARENT_OPENING_CHARS = 300


def comment_context(title: str | None, parent_text: str | None) -> tuple[str | None, str]:
    """The context a checkpoint that reads context gets for one comment, and its kind.

    The article's title comes first, then the opening of the comment it replies to (pass its
    ``own_words``: what the parent said, not what it quoted); the model keeps as many tokens of it as
    its ``context_tokens`` allows (``analyzer.model.encode_windows``).
    """
    parts = {
        "title": " ".join(title.split()) if title and title.strip() else None,
        "parent": " ".join(parent_text.split())[:PARENT_OPENING_CHARS] if parent_text and parent_text.strip() else None,
    }
    present = [name for name, value in parts.items() if value]
    if not present:
        return None, "none"
    return " — ".join(parts[name] for name in present), "+".join(present)
