"""Times a page shows relative to when it was looked at ("vor 8 Stunden", "3 hours ago", "gestern, 10:42"), and
dates it shows without their year ("July 24 at 10:46 AM", as sites show this year's), dated from the time the
page was saved, where the save records it: a saved page's MIME ``Date`` (MHTML), a web archive's ``WARC-Date``,
the mark a saving tool leaves in the page (``_SAVE_MARKS``), a scraper's fetch time beside a comment (``scraped_at``
…). Without a save time such a time stays unknown, its text kept in ``extra.time_text``: the day a dump is read
is no anchor.

dateparser reads the relative times (in the languages ``_common.to_iso8601`` knows the month names of); a text
counts as relative only when its parse moves with the time it is reckoned from, so an absolute time with a part
missing is never reckoned from the save time. Of those, only a date without its year is completed: with the
save's year, or the year before where that day comes after the save, and not where a weekday it names
disagrees. A clock time alone ("10:42 AM") or a weekday alone ("Friday") says no day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from dateutil import parser as date_parser

from analyzer.readers._common import as_utc, flag_name, to_iso8601, written_time
from analyzer.records import Article, Comment

#: dateparser's codes for the languages whose relative times are read.
_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pt"]
#: A relative time moves with its base by exactly the shift. The shift is odd (37 h 11 min) so that no absolute
#: time with a part taken from the base ("10:42 AM", "Friday", "the 12th") moves by it too.
_SHIFT = timedelta(hours=37, minutes=11)
#: A day named relative to the base with a clock time of its own ("gestern, 10:42", "today at 9:15") moves by
#: whole days.
_DAY_SHIFT = timedelta(days=3)
_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\b\.?)?", re.IGNORECASE)
#: A longer text is no time shown beside a comment (and dateparser's search is costly on long texts).
_MAX_CHARS = 80
_NUMBERS = re.compile(r"\d+")
#: A number of each length as the shape of a text has it: each one a valid hour, minute, day and month, or year.
_SHAPES = {1: "12", 2: "12", 3: "123", 4: "2000"}
#: Any base tells a relative text from another; this one is only used for that.
_PROBE_BASE = datetime(2001, 2, 3, 4, 5, 6)

#: The marks page-saving tools leave in the page, each with the save time as the tool writes it:
#: SingleFile ("saved date: Tue Jan 14 2020 17:30:12 GMT+0100 (Central European Standard Time)"), Save Page WE
#: (``<meta name="savepage-date">``, the same way), WebScrapBook (``data-scrapbook-create="20200114163012345"``,
#: UTC), HTTrack ("Mirrored from … by HTTrack Website Copier/3.x [XR&CO'2014], Tue, 14 Jan 2020 17:30:12 GMT") and
#: the Wayback Machine ("FILE ARCHIVED ON 17:30:12 Jan 14, 2020 AND RETRIEVED FROM THE INTERNET ARCHIVE ON …", UTC).
_SAVE_MARKS = (
    re.compile(r"<!--\s*Page saved with SingleFile\b[^>]{0,2000}?\bsaved date:\s*([^\n(]{10,60})"),
    re.compile(r"""<meta\s+name=["']savepage-date["']\s+content=["']([^"'(]{10,60})"""),
    re.compile(r"""\bdata-scrapbook-create=["'](\d{14,17})["']"""),
    re.compile(r"<!--\s*Mirrored from [^>]{1,2000}? by HTTrack Website Copier/[^,]{1,40},\s*([^\n>]{10,40}?)\s*-->"),
    re.compile(r"<!--\s*FILE ARCHIVED ON\s+([^\n>]{10,40}?)\s+AND RETRIEVED FROM"),
)
#: The address the same tools say they saved the page from.
_SAVED_FROM = (
    re.compile(r"<!--\s*Page saved with SingleFile\b[^>]{0,200}?\burl:\s*(https?://\S{1,2000})"),
    re.compile(r"""<meta\s+name=["']savepage-url["']\s+content=["'](https?://[^"']{1,2000})"""),
    re.compile(r"""\bdata-scrapbook-source=["'](https?://[^"']{1,2000})["']"""),
)
#: A timestamp written without separators (WebScrapBook's, the Wayback Machine's): UTC, milliseconds optional.
_COMPACT_TIME = re.compile(r"\s*(\d{14})\d{0,3}\s*")


def save_time_in_page(page: str) -> str | None:
    """The time a page-saving tool (SingleFile, Save Page WE, WebScrapBook, HTTrack, the Wayback Machine) says it
    saved the page, as ISO 8601; None where the page bears no such mark or its time cannot be read. A time
    without a zone is UTC, as the Wayback Machine writes it."""
    for mark in _SAVE_MARKS:
        found = mark.search(page)
        if found:
            return save_time(found.group(1))
    return None


def saved_from_in_page(page: str) -> str | None:
    """The address a page-saving tool says it saved the page from; None where it says none."""
    return next((found.group(1) for mark in _SAVED_FROM if (found := mark.search(page))), None)


#: The fields a scraper names the time it fetched a page by (as ``_common.flag_name`` spells them).
_SCRAPE_TIME_FIELDS = frozenset({
    "scrapedat", "scrapetime", "scrapedate", "scraped", "crawledat", "crawltime", "crawldate", "crawled", "fetchedat",
    "fetchtime", "fetched", "retrievedat", "retrieved", "collectedat", "downloadedat", "capturedat", "capturetime",
    "accessedat", "accessdate",
})


def save_time(value: object) -> str | None:
    """A save time as a saving tool, a MIME header or a scraper writes it, as ISO 8601 (UTC where it names no
    zone, and for Unix epoch numbers); None unless it names a whole date."""
    if not isinstance(value, str) or re.fullmatch(r"\s*\d{9,11}(\.\d+)?\s*", value):
        return to_iso8601(value.strip() if isinstance(value, str) else value)
    if compact := _COMPACT_TIME.fullmatch(value):
        try:
            return datetime.strptime(compact.group(1), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).isoformat()
        except ValueError:
            return None
    # "GMT+0100 (Central European Standard Time)" as JavaScript writes it: the zone's name says nothing more,
    # and dateutil would read "GMT+0100" the POSIX way round
    text = re.sub(r"\bGMT(?=[+-]\d{4}\b)", "", re.sub(r"\s*\([^)]*\)\s*$", "", value.strip()))
    return as_utc(to_iso8601(text))  # a whole date or none: "5" is no save time, whatever day it is read


def relative_time(text: str, saved_at: str) -> str | None:
    """The time a relative time names ("vor 8 Stunden", "3 hours ago", "yesterday", "gestern, 10:42"), reckoned
    from the page's save time (ISO 8601) and in its offset; None for any other text, an absolute time with a
    part missing included. As exact as the unit the text names: "5 years ago" is a year's guess."""
    saved = datetime.fromisoformat(saved_at)
    try:
        moment = _relative(" ".join(text.split()), saved.replace(tzinfo=None))
    except OverflowError:  # a save time at the calendar's end ("9999"): nothing is reckoned from it
        return None
    return moment.replace(tzinfo=saved.tzinfo or timezone.utc).isoformat() if moment else None


def yearless_time(text: str, saved_at: str) -> str | None:
    """A date shown without its year ("July 24 at 10:46 AM", "Tuesday July 24, @10:46AM"), in the year that puts
    it last on or before the save's day (a day's grace for the zones); None for any other text, and where a
    weekday the text names is not that day's. Without a zone of its own the time has none, as written times have
    none (``to_iso8601``)."""
    read = written_time(text)
    if read is None or not _lacks_only_the_year(*read):
        return None
    shown, saved = read[0], datetime.fromisoformat(saved_at)
    for year in (saved.year, saved.year - 1):
        try:
            moment = shown.replace(year=year)
        except ValueError:  # 29 February in a year without one
            continue
        # by the day, a day's grace: the page showed the site's zone, the save time is the saver's
        if moment.date() <= saved.date() + timedelta(days=1 if saved.date() < date.max else 0):
            named = _weekdays(text)
            return moment.isoformat() if not named or named == {moment.weekday()} else None
    return None


def _lacks_only_the_year(first: datetime, second: datetime) -> bool:
    """Whether a time read against two defaults (``_common.written_time``) named its month and day, not its year."""
    return (first.month, first.day) == (second.month, second.day) and first.year != second.year


def _weekdays(text: str) -> set[int]:
    """The weekdays a text names (Monday 0), as dateutil knows their names."""
    info = date_parser.parserinfo()
    return {day for word in re.findall(r"[^\W\d_]+", text) if (day := info.weekday(word)) is not None}


def is_shown_time(text: str) -> bool:
    """Whether a text is a time a page shows that only its save time can date: a relative one ("3 hours ago") or
    a date without its year ("July 24 at 10:46 AM")."""
    read = written_time(text) if len(text) <= _MAX_CHARS else None
    return is_relative_time(text) or (read is not None and _lacks_only_the_year(*read))


def is_relative_time(text: str) -> bool:
    """Whether a text is a time relative to when it was shown ("3 hours ago", "vor 2 Tagen", "2h"). Asked of
    the text's shape, its numbers made alike ("#12 — vor 12 Stunden" for "#17 — vor 8 Stunden"): whether a time
    is relative does not hang on its numbers, and a page's comments then share a few shapes, each read once."""
    shape = _NUMBERS.sub(lambda number: _SHAPES[min(len(number.group(0)), 4)], " ".join(text.split()))
    return _relative(shape, _PROBE_BASE) is not None


@lru_cache(maxsize=8192)
def _relative(text: str, base: datetime) -> datetime | None:
    """The first relative time in a text, reckoned from a naive base; cached since a page repeats its few."""
    if not text or len(text) > _MAX_CHARS or not any(ch.isalnum() for ch in text):
        return None
    for found, moment in _candidates(text, base):
        if moment > base:  # "in 3 hours", "tomorrow": no comment was written after the page was saved
            continue
        if _moves_with_base(found, moment, base, _SHIFT):
            return moment
        clock_free = _CLOCK.sub(" ", found)
        if (clock_free != found and _moves_with_base(found, moment, base, _DAY_SHIFT)
                and _relative(" ".join(clock_free.split()), base) is not None):
            return moment
    return None


def _settings(base: datetime) -> dict[str, object]:
    # the base's own zone, never the machine's: a save time is read the same on every machine
    return {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": False}


def _candidates(text: str, base: datetime) -> list[tuple[str, datetime]]:
    """The text read whole ("2h", "5y" are found only so), else the times dateparser finds in it ("Edited 2h
    ago", "#1 — vor 8 Stunden")."""
    import dateparser  # imported on first use: the readers load without it
    from dateparser.search import search_dates

    whole = dateparser.parse(text, languages=_LANGUAGES, settings=_settings(base))
    if whole is not None:
        return [(text, whole)]
    return search_dates(text, languages=_LANGUAGES, settings=_settings(base)) or []


def _moves_with_base(found: str, moment: datetime, base: datetime, shift: timedelta) -> bool:
    import dateparser

    moved = dateparser.parse(found, languages=_LANGUAGES, settings=_settings(base + shift))
    return moved is not None and moved - moment == shift


def anchor_times(articles: Iterable[Article], saved_at: str | None) -> None:
    """Date the times the articles' comments show (relative, or without their year) from the time their page
    was saved. A page's own
    save mark (``extra.saved_at``, set by the HTML reader) outranks the one given, which is the container's
    (an MHTML ``Date``, a ``WARC-Date``). A comment so dated names the save time in ``extra.time_relative_to``;
    its ``time_text`` keeps what the page showed."""
    for article in articles:
        if saved_at and not article.extra.get("saved_at"):
            article.extra["saved_at"] = saved_at
        anchor = article.extra.get("saved_at")
        if not isinstance(anchor, str):
            continue
        for comment in article.comments:
            _anchor(comment, anchor)


def keep_shown_time(comment: Comment, shown: object) -> None:
    """A comment whose time field could not be read keeps the field as it was shown (``extra.time_text``:
    "3 hours ago"), dated where its record says when the scraper fetched it (``scraped_at``, ``crawled_at`` …,
    left in ``extra``)."""
    if comment.time is not None or not isinstance(shown, str) or not shown.strip():
        return
    comment.extra.setdefault("time_text", " ".join(shown.split()))
    scraped = next((key for key in comment.extra if flag_name(key) in _SCRAPE_TIME_FIELDS), None)
    anchor = save_time(comment.extra[scraped]) if scraped else None
    if anchor:
        _anchor(comment, anchor)


def _anchor(comment: Comment, anchor: str) -> None:
    """The comment's time as shown (``extra.time_text``: relative, or without its year) dated from the anchor,
    where it has no time."""
    shown = comment.extra.get("time_text")
    if comment.time is None and isinstance(shown, str) and (
            moment := relative_time(shown, anchor) or yearless_time(shown, anchor)):
        comment.time = moment
        comment.extra["time_relative_to"] = anchor
