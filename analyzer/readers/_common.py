"""Helpers every reader shares: decoding, whitespace, times and thread depth."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from dateutil import parser as date_parser

from analyzer.records import Comment, Reject

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# "5 years ago", "yesterday", "vor 3 Stunden": dateutil would silently anchor these to today.
_RELATIVE_TIME = re.compile(r"\b(ago|yesterday|today|just now|vor \d+|il y a)\b", re.IGNORECASE)
#: A longer string is no time: dateutil's fuzzy parser took 14 s over a 2 MB field.
_MAX_TIME_CHARS = 100
#: An epoch time this large is in milliseconds, as JavaScript writes it (a YouTube or Facebook scraper's
#: ``timestamp``: 1551234567000): in seconds it would be past the year 5000, and in milliseconds it is after 1973.
_EPOCH_MILLISECONDS = 1e11
#: A CSV header cell: a short name starting with a letter, a "#" or an ordinal ("comment_id", "Post Time",
#: "Überschrift", "#likes", "1st reply"), with whatever qualifiers and marks exports add ("Date (UTC)", "Likes #",
#: "Author's name", "Comment/Reply", "Price €"); or "#", a row number's column. "7comment_id" and "kM™¸comment_id"
#: are junk glued to a name. What keeps prose from passing for a header is the text column it must name (the
#: table reader's sniffer).
_HEADER_CELL = re.compile(r"^(?:#|(?:#|\d+(?:st|nd|rd|th)\s*)?[^\W\d][\w .,\-–—()\[\]/#'’:;&%+?!*@$€£¥°]{0,60}"
                          r"|\d+(?:st|nd|rd|th))$", re.IGNORECASE)
#: A longer first line is no table header.
_MAX_HEADER_BYTES = 8192
_DELIMITERS = (",", ";", "\t", "|")
#: How many records after a CSV header are enough to tell a table from prose.
_SAMPLE_RECORDS = 5


#: UTF-16 byte-order marks (little-, big-endian): such a file is text even though it holds NUL bytes.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


#: What text that is not UTF-8 is read in when nothing says otherwise: Windows' Western European code page, a
#: superset of Latin-1 that most such exports are written in (Excel's "CSV" on a Western Windows).
WESTERN = "cp1252"
#: How much of a file its encoding is guessed from.
_GUESS_BYTES = 1024**2


def legacy_encoding(data: bytes) -> str:
    """The encoding of text that is not UTF-8 and names none: cp1252 (``WESTERN``) where it reads as text in
    cp1252, as charset_normalizer's measure of mess judges it, unless it is text of another Latin code page
    (``_other_latin``: Polish, Czech, Slovak, Hungarian, Turkish, Lithuanian, Latvian read as text in cp1252
    too); else the encoding chardet identifies (an export written on a machine set to Russian, Greek, Hebrew,
    Arabic, Chinese, Japanese, Korean …: cp1251, KOI8-R, GB18030, Shift-JIS, EUC-KR …)."""
    from charset_normalizer import from_bytes  # only a file that is not UTF-8 needs either library

    sample = data[:_GUESS_BYTES]
    if from_bytes(sample, cp_isolation=[WESTERN]).best() is not None:
        return _other_latin(sample) or WESTERN
    return _identified(sample) or WESTERN


#: A sign of Latin-1's (U+00A1 to U+00BF: "³", "¹", "¿", "£", "±", "¶" …) between two letters, where no Western
#: text has one ("m³", "£5", "¿Qué" have a letter on one side at most; the Catalan "l·l" is left out). In cp1252
#: these are the Polish "ł", "ą", "ż" of cp1250 ("z³oty", "mo¿e"), and of ISO-8859-2 "ą", "ś", "ź", "š", "ž" too.
_SIGN_IN_WORD = re.compile(r"(?<=[^\W\d_])[\u00a1-\u00b6\u00b8-\u00bf](?=[^\W\d_])")
#: The Latin code pages beside the Western ones: Central European (Polish, Czech, Slovak, Hungarian …), Turkish,
#: Baltic; Windows' first, which also reads an ISO file alike where it holds none of the letters they place apart.
_OTHER_LATIN = ("cp1250", "iso8859-2", "cp1254", "iso8859-9", "cp1257", "iso8859-13")
_WESTERN_NAMES = frozenset({"cp1252", "iso8859-1", "iso8859-15"})


def _other_latin(sample: bytes) -> str | None:
    """A Latin code page other than cp1252 for text that reads as text in cp1252 too, where that code page reads
    it otherwise and every word as letters, and either cp1252 puts a sign inside a word (Polish: "z³oty") or
    chardet ranks the code page above every Western one (Czech "øekl" for "řekl", Turkish "baþarýsýz" for
    "başarısız": letters in both, and only the language tells); None otherwise. Where several such code pages
    read it, chardet's choice, else the first of ``_OTHER_LATIN``."""
    western = sample.decode(WESTERN, errors="replace")
    readings = {name: sample.decode(name, errors="replace") for name in _OTHER_LATIN}
    lettered = [name for name, text in readings.items() if _reads_letters(text, western)]
    if not lettered:
        return None
    level = set(_ranked_first(sample))
    if not _SIGN_IN_WORD.search(western) and (level & _WESTERN_NAMES or not level & set(lettered)):
        return None
    return next((name for name in lettered if name in level), lettered[0])


def _reads_letters(text: str, western: str) -> bool:
    """Whether a code page's reading differs from cp1252's, with a letter wherever it does (not the curly quotes
    of Windows as ISO's control characters, nor an acute accent written for an apostrophe, "that´s", as a quote
    mark), and no sign left inside a word."""
    differences = [char for char, other in zip(text, western) if char != other]
    return bool(differences) and all(char.isalpha() for char in differences) and not _SIGN_IN_WORD.search(text)


def _identified(sample: bytes) -> str | None:
    """The encoding chardet ranks first for these bytes, as Python names it; a Windows code page where chardet
    ranks one as high as another (Windows-1251 level with Mac Cyrillic, Windows-1253 with ISO-8859-7)."""
    level = _ranked_first(sample)
    return next((name for name in level if name.startswith("cp")), level[0]) if level else None


def _ranked_first(sample: bytes) -> list[str]:
    """The encodings chardet ranks first for these bytes, all those as sure as the first, as Python names them."""
    import chardet

    ranked = [(found["confidence"], _codec(found["encoding"])) for found in chardet.detect_all(sample)]
    ranked = [(confidence, name) for confidence, name in ranked if name not in (None, "ascii", "utf-8")]
    if not ranked:
        return []
    best = max(confidence for confidence, _ in ranked)
    return [name for confidence, name in ranked if confidence >= best]


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def decode_bytes(data: bytes) -> str:
    """A file's first bytes as sniffers read them, never an exception: UTF-8, else cp1252 (what a sniffer looks
    for, markup, JSON keys and delimiters, is ASCII; no encoding is guessed for a look at the structure). A UTF-16
    byte-order mark (Windows Notepad's "Unicode") is believed: those two bytes are never UTF-8 and hardly ever
    begin a real text."""
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(WESTERN, errors="replace")


def clean_text(text: str | None) -> str:
    """Collapse runs of spaces, trim each line, keep paragraph breaks (at most one blank line); mojibake undone
    (``without_mojibake``)."""
    if not text:
        return ""
    if not text.isascii():
        text = without_mojibake(text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def without_mojibake(text: str) -> str:
    """Text that was UTF-8, read as cp1252 or Latin-1 somewhere on its way and saved again ("donâ€™t", "cafÃ©",
    a WordPress database of the wrong collation), as it was written: ftfy's ``fix_encoding``, made to leave alone
    whatever is not such mojibake (curly quotes, accents and other scripts stay as they are)."""
    import ftfy  # only text beyond ASCII needs it

    return ftfy.fix_encoding(text)


#: Month names in the languages of the news pages readers meet most, as English ones for dateutil.
_ENGLISH_MONTHS = {
    name: english
    for english, names in {
        "January": "januar jänner janvier enero gennaio januari janeiro", "February": "februar février fevrier "
        "febrero febbraio februari fevereiro", "March": "märz maerz mars marzo maart março", "April": "avril abril aprile",
        "May": "mai mayo maggio mei maio", "June": "juni juin junio giugno junho", "July": "juli juillet julio luglio julho",
        "August": "août aout agosto augustus", "September": "septembre septiembre setiembre settembre setembro",
        "October": "oktober octobre octubre ottobre outubro", "November": "novembre noviembre novembro",
        "December": "dezember décembre decembre diciembre dicembre dezembro",
    }.items()
    for name in names.split()
}
_MONTH_NAMES = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _ENGLISH_MONTHS), key=len, reverse=True)) + r")\b\.?",
                          re.IGNORECASE)
#: 05.01.2024: day first wherever dots separate a date's numbers (no US date is written so).
_DOTTED_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b")
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
#: Zone abbreviations comment pages print after a time ("5:24 PM PDT"), as UTC offsets in seconds. Only the ones
#: that name one zone: CST (US Central, China, Cuba) and IST (India, Ireland, Israel) stay without an offset.
#: dateutil itself knows only UTC, GMT, Z and the machine's own zone, and warns about the rest.
_ZONE_OFFSETS = {
    name: hours * 3600
    for hours, names in {
        -10: "HST", -9: "AKST", -8: "PST AKDT", -7: "PDT MST", -6: "MDT", -5: "EST CDT", -4: "EDT", 0: "WET",
        1: "CET MEZ BST WEST", 2: "CEST MESZ EET", 3: "EEST MSK", 9: "JST KST", 10: "AEST", 11: "AEDT", 12: "NZST",
        13: "NZDT",
    }.items()
    for name in names.split()
}


def to_iso8601(value: object) -> str | None:
    """A time as ISO-8601, or None when it cannot be read.

    Numbers are Unix epoch seconds (UTC), or milliseconds where they are too large for seconds; NaN, infinite
    and out-of-range numbers give None, as do booleans and values of any other type (a list, an object).
    Strings of 9 to 11 or 13 digits are such numbers (12 may be 201902271030, a date and time); others go
    through dateutil; relative times such as "3 hours ago" cannot be anchored without the scrape time and give
    None, and strings longer than any time (over _MAX_TIME_CHARS) are not parsed at all.
    """
    if isinstance(value, str):
        if not value or len(value) > _MAX_TIME_CHARS:
            return None
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not isinstance(value, str) or re.fullmatch(r"(\d{9,11}|\d{13})(\.\d+)?", value):
        seconds = float(value)
        if abs(seconds) >= _EPOCH_MILLISECONDS:
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
        except (ValueError, OverflowError, OSError):  # NaN, infinity, years past 9999
            return None
    text = clean_text(value)
    try:  # ISO 8601, what most exports write: read as dateutil would, many times faster
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        pass
    if _RELATIVE_TIME.search(text):
        return None
    read = written_time(text)
    return read[0].isoformat() if read and read[0].date() == read[1].date() else None


def written_time(text: str) -> tuple[datetime, datetime] | None:
    """A written time read twice, against two defaults that differ in year, month and day: a part the text
    lacks comes out different in the two, a part it names the same (``to_iso8601`` takes only times whose date
    is whole). None where dateutil reads no time at all."""
    text = re.sub(r"\b(at|um|à|a las|alle|om|uhr|h)\b", " ", text, flags=re.IGNORECASE)
    text = _MONTH_NAMES.sub(lambda m: _ENGLISH_MONTHS[m.group(0).lower()], text)
    day_first = bool(_DOTTED_DATE.search(text))
    try:
        # a time half made of today's date is no time ("5. Januar" with an unknown month word had become 5 May)
        with warnings.catch_warnings():  # a zone it does not know ("CST") leaves the time without an offset
            warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
            first, second = (date_parser.parse(text, fuzzy=True, dayfirst=day_first, default=d,
                                               tzinfos=_ZONE_OFFSETS) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    return first, second


def as_utc(time: str | None) -> str | None:
    """An ISO-8601 time without an offset as UTC: for fields named as UTC (``date_gmt``, ``created_utc``),
    whose values often carry none."""
    if time is None:
        return None
    moment = datetime.fromisoformat(time)
    return time if moment.tzinfo else moment.replace(tzinfo=timezone.utc).isoformat()


#: The verbs that follow a commenter's name on the line above the comment ("Ann says:", "Bo schreibt:"), in the
#: languages of the news pages readers meet most (a regular expression's alternatives).
AUTHOR_VERBS = (r"says|said|wrote|writes|sagt|schreibt|schrieb|a écrit|écrit|escribió|escribe|ha scritto|scrive|schreef"
                r"|schrijft|zegt")


#: Moderation status words exports and APIs write (WordPress: approved / hold / spam / trash), as statuses.
STATUS_WORDS = {
    **dict.fromkeys(("approved", "approve", "published", "publish", "visible", "active", "live", "accepted"),
                    "published"),
    # Coral's PREMOD (held before publication) and SYSTEM_WITHHELD (held by its filters for a moderator)
    **dict.fromkeys(("pending", "hold", "unapproved", "awaiting moderation", "moderation", "in review", "premod",
                     "system_withheld"), "pending"),
    "spam": "spam",
    # "blocked": the Guardian's discussion API's, for a comment a moderator removed
    **dict.fromkeys(("trash", "post-trashed", "deleted", "removed", "rejected", "blocked"), "deleted"),
}
#: Entry kind words (WordPress's comment_type: "" or "comment", "pingback", "trackback"), as kinds.
KIND_WORDS = {"": "comment", "comment": "comment", "pingback": "pingback", "trackback": "trackback"}
#: Flags that mark a comment removed (its text may then be gone) or spam, named as ``flag_name`` spells them:
#: Hacker News' dead and deleted, Lemmy's deleted (by its author) and removed (by a moderator), isSpam.
FLAG_STATUSES = {"deleted": "deleted", "isdeleted": "deleted", "userdeleted": "deleted", "dead": "deleted",
                 "removed": "deleted", "isremoved": "deleted", "spam": "spam", "isspam": "spam"}


def flag_name(name: str) -> str:
    """A field or column name as ``FLAG_STATUSES`` spells it: ``is_deleted``, ``isDeleted`` → ``isdeleted``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def flag_status(flags: Iterable[str]) -> str | None:
    """The status the set flags (their names) give: deleted before spam, None when no known flag is set."""
    statuses = {FLAG_STATUSES.get(flag_name(name)) for name in flags}
    return next((status for status in ("deleted", "spam") if status in statuses), None)


#: A subject made by replying ("Re: …", "AW: …", "Re[2]: …") says nothing of its own.
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_MAX_SUBJECT_CHARS = 300


def with_subject(text: str, subject: str | None) -> str:
    """The comment's text opened by the subject line its commenter gave it, which is the commenter's words too.
    Not a subject made by replying ("Re: …"), a placeholder without letters ("..."), an over-long one, nor the
    text's own opening words (Drupal fills an empty subject with them, cut short, maybe with an ellipsis)."""
    subject = clean_text(subject)
    opening = " ".join(subject.rstrip(" .…").split()).lower()
    if (not any(ch.isalpha() for ch in subject) or len(subject) > _MAX_SUBJECT_CHARS or _REPLY_SUBJECT.match(subject)
            or " ".join(text.split()).lower().startswith(opening)):
        return text
    return f"{subject}\n\n{text}".strip()


#: A title made of a post's opening line is cut here (a chat's or a social post's: they have no title of their own).
_OPENING_TITLE_CHARS = 120


def opening_title(text: str) -> str | None:
    """A post's first line as its title, cut at a word near ``_OPENING_TITLE_CHARS`` characters; None for no text."""
    opening = clean_text(text).split("\n", 1)[0]
    if len(opening) > _OPENING_TITLE_CHARS:
        opening = opening[:_OPENING_TITLE_CHARS].rsplit(" ", 1)[0] + " …"
    return opening or None


#: Parent values that mean "no parent" ("root": Commento's; "nan": an empty cell pandas read).
_NO_PARENT = {"", "0", "none", "null", "nan", "root"}


def parent_id(value: str | None) -> str | None:
    """The id a comment's parent field names, or None for a top-level comment: no id, or a Reddit post's
    fullname (``t3_…``: the post is the article); a Reddit comment's fullname (``t1_…``) is reduced to its id."""
    value = value.strip() if value is not None else None
    if not value or value.lower() in _NO_PARENT or value.startswith("t3_"):
        return None
    return value[3:] if value.startswith("t1_") else value


def thread_tops(parents: Mapping[str, str | None]) -> dict[str, str | None]:
    """Each item's thread top, given each item's parent by id (comments, messages): the id of the first item up
    its chain of parents whose parent is not among them (a top-level item is its own); None in a loop of
    parents. Walks up without recursion, each item once."""
    tops: dict[str, str | None] = {}
    for start in parents:
        chain: list[str] = []
        on_chain: set[str] = set()
        node = start
        while node not in tops:
            if node in on_chain:  # a loop of parents has no top
                tops[node] = None
                break
            chain.append(node)
            on_chain.add(node)
            parent = parents[node]
            if parent is None or parent not in parents:
                tops[node] = node
                break
            node = parent
        tops.update(dict.fromkeys(chain, tops[node]))
    return tops


def fill_depths(comments: Iterable[Comment]) -> None:
    """Set ``depth`` from ``parent_id`` links where the source gave no depth.

    A comment whose parent is not in the list (deleted upstream, or in another file) is treated
    as top level and keeps its dangling ``parent_id``, so the link is not lost; so is a reply to
    itself, and a loop of replies starts at the comment where the walk up meets it again. Walks up
    without recursion: exports often list replies before their parents, in chains of any length.
    """
    comments = list(comments)
    by_id = {c.id: c for c in comments}
    for comment in comments:
        chain: list[Comment] = []  # comments whose depth waits on the next one up
        on_chain: set[str] = set()
        above = -1  # the depth of what the chain hangs from; -1: nothing, it starts a thread
        node: Comment | None = comment
        while node is not None and node.id not in on_chain:
            if node.depth is not None:
                above = node.depth
                break
            chain.append(node)
            on_chain.add(node.id)
            node = by_id.get(node.parent_id) if node.parent_id else None
        for depth, waiting in enumerate(reversed(chain), start=above + 1):
            waiting.depth = depth


@dataclass(frozen=True)
class CsvHead:
    """The start of a text read as a CSV table: its header and the complete records after it."""

    header: list[str]
    records: list[list[str]]
    #: The text ended inside a record: the first records may be longer than what was read.
    cut: bool

    @property
    def consistent(self) -> int:
        """How many of the records have as many fields as the header."""
        return sum(len(record) == len(self.header) for record in self.records)


def csv_head(head: bytes) -> CsvHead | None:
    """The header and first records of a CSV/TSV head, or None when its first line is no table header.

    The delimiter is the one that splits the first line into the most header cells (at least two).
    Records are parsed as CSV, not as lines, so a quoted comment spanning many lines is one record;
    a record the head cuts off is left out (``cut`` says so), never counted as a short row.
    """
    head = head.lstrip(b"\r\n")  # blank lines before the header: pandas skips them too
    first_line = head.split(b"\n", 1)[0]
    if len(first_line) > _MAX_HEADER_BYTES:
        return None
    header, delimiter = max((_header_cells(decode_bytes(first_line).rstrip("\r"), d), d) for d in _DELIMITERS)
    if not header:
        return None
    text = decode_bytes(head)
    rows, cut, broken = _first_records(text, delimiter)
    if broken or cut:  # maybe a stray quote: a comment opening with '"', left unquoted, runs on to the next quote
        complete = text.splitlines()[1 : None if text.endswith(("\n", "\r")) else -1]  # a last line may be cut
        by_line = line_records([line for line in complete if line.strip()][:_SAMPLE_RECORDS], delimiter, len(header))
        if by_line is not None:
            return CsvHead(header=header, records=by_line, cut=False)
    return CsvHead(header=header, records=rows[1 : _SAMPLE_RECORDS + 1], cut=cut)


#: A table this wide at least, for lines a stray quote joined into one record to be read a row each: with two
#: columns, a line of a comment holding one comma would pass for a row.
_STRAY_QUOTE_MIN_COLUMNS = 3


def line_records(lines: list[str], delimiter: str, width: int) -> list[list[str]] | None:
    """Lines that a stray quote joined into one CSV record, each parsed alone (the quote then ends with its
    line); None unless there are two or more and each splits into the header's ``width`` columns (any cells past
    them empty), which the lines of one long comment would not."""
    if width < _STRAY_QUOTE_MIN_COLUMNS or len(lines) < 2:
        return None
    records = [next(csv.reader([line], delimiter=delimiter)) for line in lines]
    fitting = all(len(record) >= width and not any(cell.strip() for cell in record[width:]) for record in records)
    return records if fitting else None


#: Lines a title block above a table's header may take: an export's name, where it came from, its date.
MAX_PREAMBLE_LINES = 5


def preamble_lines(head: bytes, is_header: Callable[[list[str]], bool]) -> int:
    """How many lines a title block above a table's header takes; 0 when there is none to skip.

    Spreadsheets and comment-export tools often write a few lines above the header ("Comments on
    https://…", "Exported 2024-01-05", a blank line). The table starts at the first later line that
    ``is_header`` accepts with records under it, most of them as wide as the header.
    """
    lines = head.split(b"\n", MAX_PREAMBLE_LINES)
    for skipped in range(1, len(lines)):
        table = csv_head(b"\n".join(lines[skipped:]))
        if table is not None and is_header(table.header) and table.consistent * 2 > len(table.records):
            return skipped
    return 0


def _first_records(text: str, delimiter: str) -> tuple[list[list[str]], bool, bool]:
    """The header and the first records of a CSV text, whether the text ends inside a record, and whether a
    record is broken (a quoted field closed before other text)."""
    rows: list[list[str]] = []
    cut = broken = False
    # A long comment is one field: the csv module's own limit (128 Ki characters) would end the
    # parse there. The limit is process-wide, so it is put back at once.
    limit = csv.field_size_limit(max(len(text), csv.field_size_limit()))
    try:
        # strict: the head ending inside a quoted field is an error, not a short last record
        for row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True):
            rows.append(row)
            if len(rows) > _SAMPLE_RECORDS + 1:  # enough; the records kept are all followed by another
                break
        else:
            # the head ended: without a final line break its last record may be cut short
            cut = not text.endswith(("\n", "\r"))
            if cut and len(rows) > 1:
                rows.pop()
    except csv.Error as error:
        cut = "unexpected end of data" in str(error)
        broken = not cut
    finally:
        csv.field_size_limit(limit)
    return rows, cut, broken


def _header_cells(line: str, delimiter: str) -> list[str]:
    """The line's cells split at the delimiter if at least two of them are names and all but empty ones at its
    end look like column names, else []."""
    try:
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []
    return cells if is_header_row(cells) else []


def is_header_row(cells: list[str], least: int = 2) -> bool:
    """Whether these cells (stripped) are a table's header: at least ``least`` names, and every cell a name but
    empty ones at the end and the first."""
    named = cells[: max((i + 1 for i, cell in enumerate(cells) if cell), default=0)]
    # a delimiter ending the line (as some exports write every row) leaves an empty last cell: no name, no harm;
    # an empty first cell names the row names' column that pandas' to_csv and R's write.csv write first
    named = named[1:] if named[:1] == [""] else named
    return len(named) >= least and all(_HEADER_CELL.match(cell) for cell in named)


class SeenIds:
    """Comment ids (or the ids of ``what`` else: videos, submissions) already read in one file, and where
    each repeat was.

    Tools that fetch a thread several times (paged API calls re-run, overlapping scrapes) save the
    same comment more than once; it is kept once, and the repeats are counted in one reject line so
    that no comment disappears unannounced.
    """

    def __init__(self, what: str = "comments") -> None:
        self._what = what
        self._seen: set[str] = set()
        self._repeats: list[dict[str, str]] = []

    def is_repeat(self, comment_id: str, where: str) -> bool:
        """Whether the id was read before (then the repeat is recorded); records it as read if not."""
        if comment_id in self._seen:
            self._repeats.append({"id": comment_id, "at": where})
            return True
        self._seen.add(comment_id)
        return False

    def rejects(self, source_file: str) -> list[Reject]:
        """One reject line counting the repeats (none when there were none)."""
        if not self._repeats:
            return []
        reason = f"{len(self._repeats)} duplicate {self._what} (same id) dropped"
        return [Reject(source_file, self._repeats[0]["at"], reason, raw=json.dumps(self._repeats, ensure_ascii=False))]
