"""Relative times ("3 hours ago") dated from the time a page was saved, and the save times tools record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.readers import read_file
from analyzer.readers._saved_time import (is_relative_time, is_shown_time, relative_time, save_time,
                                          save_time_in_page, saved_from_in_page, yearless_time)

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SAVED = "2024-03-05T18:30:00+01:00"


@pytest.mark.parametrize(("shown", "named"), [
    ("3 hours ago", "2024-03-05T15:30:00+01:00"),
    ("2h", "2024-03-05T16:30:00+01:00"),
    ("Edited 2h ago", "2024-03-05T16:30:00+01:00"),
    ("just now", SAVED),
    ("yesterday at 9:15 PM", "2024-03-04T21:15:00+01:00"),
    ("#1 — vor 8 Stunden", "2024-03-05T10:30:00+01:00"),
    ("gestern, 10:42", "2024-03-04T10:42:00+01:00"),
    ("il y a 2 jours", "2024-03-03T18:30:00+01:00"),
    ("hace 2 días", "2024-03-03T18:30:00+01:00"),
    ("2 years ago (edited)", "2022-03-05T18:30:00+01:00"),
])
def test_a_relative_time_is_reckoned_from_the_save_time_in_its_offset(shown: str, named: str) -> None:
    assert is_relative_time(shown)
    assert relative_time(shown, SAVED) == named


@pytest.mark.parametrize("shown", ["10:42 AM", "Friday", "Tuesday July 24, @10:46AM", "March 2023", "12", "Reply",
                                   "3 replies", "Like 3", "14 Jan 2020", "Ann Lee", "", "...", "in 3 hours",
                                   "tomorrow", "next week"])
def test_an_absolute_time_with_a_part_missing_or_no_time_is_not_completed_from_the_save_time(shown: str) -> None:
    # dateparser alone would date "10:42 AM" on the save day and "July 24" in the year before it; and no comment
    # was written after the page was saved ("in 3 hours")
    assert not is_relative_time(shown)
    assert relative_time(shown, SAVED) is None


@pytest.mark.parametrize(("shown", "named"), [
    ("Monday March 4 at 7:02 PM", "2024-03-04T19:02:00"),
    ("4. März um 19:02", "2024-03-04T19:02:00"),
    ("Mar 5, 11:50 PM", "2024-03-05T23:50:00"),  # the save's own day, in the site's zone
    ("Jul 24", "2023-07-24T00:00:00"),  # after the save's day: the year before
    ("5:24 PM PDT Mar 1", "2024-03-01T17:24:00-07:00"),
    ("Tuesday March 4 at 7:02 PM", None),  # 4 March 2024 was a Monday: not this year's, and no guess
    ("10:42 AM", None), ("Friday", None), ("March 2023", None), ("3 hours ago", None),
])
def test_a_date_shown_without_its_year_takes_the_saves_year_or_the_one_before(shown: str, named: str | None) -> None:
    assert is_shown_time(shown) == (shown not in ("10:42 AM", "Friday", "March 2023"))
    assert yearless_time(shown, SAVED) == named


def test_the_same_on_any_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from analyzer.readers import _saved_time

    expected = relative_time("3 hours ago", SAVED)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    _saved_time._relative.cache_clear()
    try:
        assert relative_time("3 hours ago", SAVED) == expected == "2024-03-05T15:30:00+01:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(("page", "saved"), [
    ("<html><!--\n Page saved with SingleFile \n url: https://x.example/a \n saved date: Tue Mar 05 2024 18:30:00 "
     "GMT+0100 (Central European Standard Time)\n--><head>", "2024-03-05T18:30:00+01:00"),
    ("<html>\n<!-- Mirrored from x.example/a.html by HTTrack Website Copier/3.x [XR&CO'2014], "
     "Tue, 05 Mar 2024 17:30:00 GMT -->\n<head>", "2024-03-05T17:30:00+00:00"),
    ("</html>\n<!--\n     FILE ARCHIVED ON 17:30:00 Mar 05, 2024 AND RETRIEVED FROM THE\n     INTERNET ARCHIVE ON "
     "05:00:00 Dec 07, 2026.\n-->", "2024-03-05T17:30:00+00:00"),
    ('<html><head><meta name="savepage-url" content="https://x.example/a"><meta name="savepage-date" '
     'content="Tue Mar 05 2024 18:30:00 GMT+0100 (Central European Standard Time)">', "2024-03-05T18:30:00+01:00"),
    ('<html lang="en" data-scrapbook-source="https://x.example/a" data-scrapbook-create="20240305173000123">',
     "2024-03-05T17:30:00+00:00"),
    ("<html><head><title>No mark</title></head><body><p>saved date: yesterday</p></body></html>", None),
])
def test_the_save_time_page_saving_tools_leave_in_the_page(page: str, saved: str | None) -> None:
    assert save_time_in_page(page) == saved
    # SingleFile, Save Page WE and WebScrapBook say where from, too
    assert saved_from_in_page(page) == ("https://x.example/a" if saved and "HTTrack" not in page
                                        and "ARCHIVED" not in page else None)


def test_a_javascript_gmt_offset_keeps_its_sign() -> None:
    # dateutil reads "GMT+0100" the POSIX way, as an hour behind UTC
    assert save_time("Tue Mar 05 2024 18:30:00 GMT+0100 (Mitteleuropäische Normalzeit)") == SAVED
    assert save_time("not a time") is None


@pytest.mark.parametrize("value", ["5", "0", "Tuesday", "yesterday", "", "20241399999999"])
def test_a_save_time_names_a_whole_date_or_is_none(value: str) -> None:
    # dateutil alone reads "5" as the 5th of the month it is read in: the very anchor a save time must not be
    assert save_time(value) is None


def test_a_save_time_at_the_calendars_end_dates_nothing_and_raises_nothing() -> None:
    end = save_time("Fri Dec 31 9999 23:00:00 GMT-0500")
    assert end == "9999-12-31T23:00:00-05:00"
    assert relative_time("3 hours ago", end) is None and relative_time("yesterday at 9:15 PM", end) is None
    assert yearless_time("Dec 30", end) == "9999-12-30T00:00:00"


def test_a_saved_page_dates_its_relative_times_and_keeps_what_it_showed() -> None:
    [article] = read_file(FIXTURES / "html/relative_times_singlefile.html").articles
    assert article.extra["saved_at"] == SAVED
    assert article.url == "https://harbour-news.example/2024/03/ferry-fares"  # where SingleFile saved it from
    assert [(c.author, c.time, c.extra.get("time_text"), c.extra.get("time_relative_to")) for c in article.comments] == [
        ("Harbour Watcher", "2024-03-05T15:30:00+01:00", "3 hours ago", SAVED),
        ("Skipper Jo", "2024-03-05T16:30:00+01:00", "2h", SAVED),
        ("Day Tripper", "2024-03-04T21:15:00+01:00", "yesterday at 9:15 PM", SAVED),
        # the page's own machine-readable time outranks what it showed
        ("Ferry Fan", "2024-03-01T08:00:00+01:00", "4 days ago", None),
        # a clock time alone is no day
        ("Night Owl", None, None, None),
    ]
    assert "3 hours ago" not in article.comments[0].text


def test_without_a_save_time_a_relative_time_stays_unknown_and_its_text_is_kept(tmp_path) -> None:
    page = (FIXTURES / "html/relative_times_singlefile.html").read_text()
    unmarked = tmp_path / "fares.html"
    unmarked.write_text(page.replace("Page saved with SingleFile", "Page notes"))
    [article] = read_file(unmarked).articles
    assert "saved_at" not in article.extra
    assert [(c.time, c.extra.get("time_text")) for c in article.comments[:3]] == [
        (None, "3 hours ago"), (None, "2h"), (None, "yesterday at 9:15 PM")]


def test_a_tables_unread_time_is_kept_and_dated_from_the_rows_scrape_time(tmp_path) -> None:
    table = tmp_path / "scrape.csv"
    table.write_text("article_title,author,time,text,scraped_at\n"
                     "Ferry fares,Ann,3 hours ago,Too much.,2024-03-05T17:30:00Z\n"
                     "Ferry fares,Bo,2024-03-05 12:00,Fine by me.,2024-03-05T17:30:00Z\n"
                     "Ferry fares,Cy,Friday,Fair enough.,2024-03-05T17:30:00Z\n")
    [article] = read_file(table).articles
    assert [(c.author, c.time, c.extra.get("time_text"), c.extra.get("time_relative_to")) for c in article.comments] == [
        ("Ann", "2024-03-05T14:30:00+00:00", "3 hours ago", "2024-03-05T17:30:00+00:00"),
        ("Bo", "2024-03-05T12:00:00", None, None),
        # not a relative time: kept as shown, not dated
        ("Cy", None, "Friday", None),
    ]


def test_a_json_comments_unread_time_is_kept_and_dated_from_its_crawl_time(tmp_path) -> None:
    dump = tmp_path / "scrape.json"
    rows = [("Ann", "vor 2 Stunden", "Zu teuer."), ("Bo", "2024-03-05 12:00", "Passt.")]
    dump.write_text(json.dumps([{"page_title": "Ferry fares", "author": author, "time": time, "text": text,
                                 "crawled_at": 1709659800} for author, time, text in rows]))
    [article] = read_file(dump).articles
    assert [(c.time, c.extra.get("time_text")) for c in article.comments] == [
        ("2024-03-05T15:30:00+00:00", "vor 2 Stunden"), ("2024-03-05T12:00:00", None)]
    # without a crawl time the text is kept, the time unknown
    dump.write_text(dump.read_text().replace('"crawled_at"', '"likes"'))
    assert [(c.time, c.extra.get("time_text")) for c in read_file(dump).articles[0].comments] == [
        (None, "vor 2 Stunden"), ("2024-03-05T12:00:00", None)]


def test_a_saved_pages_dates_without_a_year_take_the_saves_year(tmp_path) -> None:
    page = (FIXTURES / "html/relative_times_singlefile.html").read_text()
    path = tmp_path / "fares.html"
    path.write_text(page.replace("10:42 AM", "Monday March 4 at 7:02 PM"))
    night_owl = read_file(path).articles[0].comments[-1]
    assert (night_owl.time, night_owl.extra) == ("2024-03-04T19:02:00", {
        "time_text": "Monday March 4 at 7:02 PM", "time_relative_to": SAVED})
    # without a save time: kept as shown, undated
    path.write_text(page.replace("10:42 AM", "Monday March 4 at 7:02 PM").replace("Page saved with SingleFile", "x"))
    night_owl = read_file(path).articles[0].comments[-1]
    assert (night_owl.time, night_owl.extra) == (None, {"time_text": "Monday March 4 at 7:02 PM"})
