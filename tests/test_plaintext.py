"""The plain-text reader on both shapes: headed (bulleted comments) and flattened (line model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.readers import detect_format, read_file
from analyzer.readers._linemodel import WIDGET_LINE
from analyzer.readers.plaintext import split_text

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DUMP = PROJECT_ROOT / "analyzer" / "data" / "sample_dump.txt"

HEADED = """Harbor council approves new ferry schedule after long debate

The harbor council voted five to two on Tuesday to add an early ferry on weekdays.
Supporters said commuters had asked for the change for years.
Opponents worried about the cost of extra crew.

Town desk

5 Comments

  • Lionel Ames
    March 3, 2021 at 7:15 am
    Finally. I have been taking the 6:40 boat and standing in the rain for an hour.
    Reply

  • Greta Vance says:
    March 3, 2021 at 8:02 am
    Who pays for the extra crew? Not the people who voted for it.
    Reply
    Report

  • It is a ferry, not a moon landing. Relax, everyone.
"""

SECOND_ARTICLE = """ date 2021-03-05 Library extends weekend opening hours

The central library will stay open until eight on Saturdays starting next month.
The change follows a survey of four hundred members.

Leave a Reply
"""

FLATTENED = """Volunteers plant two hundred trees along the river path

Dozens of volunteers spent Saturday morning planting saplings along the old river path.
The project was organised by a neighbourhood group that formed after last year's floods.
Organisers said the trees would help hold the bank together during heavy rain.
The city provided shovels, mulch and water tanks for the day.
More planting days are planned for the autumn, when the ground is softer.
Residents who want to join can sign up at the community centre.

Orla Brennan says:
April 12, 2021 at 9:14 am
Lovely to see so many families out there. My kids loved it.
Reply
Tomasz Nowak says:
April 12, 2021 at 10:02 am
Who is going to water them in August though? That is the real question.
Reply
Report
Hiro Tanabe says:
April 12, 2021 at 11:47 am
Great work by the group. The path flooded twice last spring.
Reply
Pauline Grey says:
April 12, 2021 at 1:05 pm
Planting in April is a gamble, but fingers crossed they take root.
Reply
"""

NO_COMMENTS = """Bakery on Elm Street celebrates fifty years in business

The family-run bakery on Elm Street marked its fiftieth anniversary on Sunday with free rolls for the first hundred customers.
The founder's granddaughter now runs the shop and still uses the original rye recipe.
A line formed outside before sunrise, and the rolls were gone within an hour.
The owners said they have no plans to expand, preferring to keep the shop small.
Regulars said the smell of the ovens is part of the street's character.
"""


def _write(tmp_path: Path, text: str, name: str = "dump.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _assert_no_widgets(comments) -> None:
    for comment in comments:
        for line in comment.text.splitlines():
            assert not WIDGET_LINE.match(line.strip()), f"widget line {line!r} in comment {comment.id}"


def test_headed_shape_with_bullets_authors_times_and_widgets(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADED)
    assert detect_format(path) == "plaintext"
    (article,) = read_file(path).articles
    assert article.title == "Harbor council approves new ferry schedule after long debate"
    assert article.body.endswith("Town desk")
    assert article.declared_comment_count == 5
    assert [c.author for c in article.comments] == ["Lionel Ames", "Greta Vance", None]
    assert article.comments[0].time == "2021-03-03T07:15:00"
    assert article.comments[1].text == "Who pays for the extra crew? Not the people who voted for it."
    assert article.comments[2].text == "It is a ferry, not a moon landing. Relax, everyone."
    assert [c.position for c in article.comments] == [0, 1, 2]
    _assert_no_widgets(article.comments)


def test_a_utf16_dump_with_a_byte_order_mark_reads_like_its_utf8_twin(tmp_path: Path) -> None:
    """Windows Notepad's "Unicode" is UTF-16 with a byte-order mark; read as bytes it would be noise."""
    utf16 = tmp_path / "notepad.txt"
    utf16.write_text(HEADED, encoding="utf-16")
    assert utf16.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert detect_format(utf16) == "plaintext"  # the byte-order mark vouches for the NUL bytes
    (from_utf16,) = read_file(utf16).articles
    (from_utf8,) = read_file(_write(tmp_path, HEADED)).articles
    assert from_utf16.body == from_utf8.body
    assert [c.text for c in from_utf16.comments] == [c.text for c in from_utf8.comments]


def test_several_articles_in_one_file_and_a_leave_a_reply_page(tmp_path: Path) -> None:
    result = read_file(_write(tmp_path, HEADED + "\n" + SECOND_ARTICLE + "\n" + FLATTENED.replace(
        "Volunteers plant", " date 2021-04-12 Volunteers plant")))
    first, second, third = result.articles
    assert len(first.comments) == 3
    assert second.title == "Library extends weekend opening hours"
    assert second.date == "2021-03-05"
    assert second.comments == [] and second.declared_comment_count is None
    assert second.body.endswith("a survey of four hundred members.")
    assert third.date == "2021-04-12" and len(third.comments) == 4
    # positions run through the whole file, so output traces back to input order
    assert [c.position for c in third.comments] == [3, 4, 5, 6]


def test_flattened_page_comment_start_found_by_the_line_model() -> None:
    (article,), rejects = split_text(FLATTENED, "river.txt")
    assert article.extra["comment_split"] == "model"
    assert article.body.endswith("sign up at the community centre.")
    assert [c.author for c in article.comments] == ["Orla Brennan", "Tomasz Nowak", "Hiro Tanabe", "Pauline Grey"]
    assert article.comments[1].text == "Who is going to water them in August though? That is the real question."
    assert article.comments[3].time == "2021-04-12T13:05:00"
    assert rejects == []
    _assert_no_widgets(article.comments)


def test_flattened_meta_after_text_shape() -> None:
    """Author line, text, then the date line (the CNN-style flattening)."""
    comments_block = "\n".join(
        f"{name}\n{text}\nApril 12, 2021 0{hour}:1{hour} pm at {hour}:1{hour} pm"
        for hour, (name, text) in enumerate(
            [("greenthumb", "Planting in spring is smart, the soil is wet and the roots take."),
             ("Marta K", "Two hundred trees is a start but the path needs a thousand."),
             ("riverwatcher", "I walked it this morning and the mulch is already washing out.")], start=1)
    )
    (article,), _ = split_text(NO_COMMENTS + "\n" + comments_block + "\n", "bakery.txt")
    assert [c.author for c in article.comments] == ["greenthumb", "Marta K", "riverwatcher"]
    assert article.comments[2].text == "I walked it this morning and the mulch is already washing out."
    assert article.comments[0].time == "2021-04-12T13:11:00"


def test_count_linked_at_the_top_is_declared_but_does_not_cut_the_body() -> None:
    lines = NO_COMMENTS.split("\n")
    page = "\n".join([lines[0], "    12 comments", *lines[1:]])
    (article,), _ = split_text(page, "bakery.txt")
    assert article.declared_comment_count == 12
    assert article.comments == []
    assert article.body.startswith("The family-run bakery") and article.body.endswith("the street's character.")


@pytest.mark.parametrize(
    ("header", "lines", "authors"),
    [
        ("Comments (2)", ["Ann Lee said:", "Finally, a second boat.", "", "Bo Park said:", "Nobody rides it in winter."],
         ["Ann Lee", "Bo Park"]),
        ("Kommentare", ["Ann Lee schreibt:", "Endlich ein zweites Boot.", "", "Bo Park schreibt:",
                        "Im Winter fährt niemand."], ["Ann Lee", "Bo Park"]),
        ("3 commentaires", ["Ann Lee a écrit :", "Enfin un deuxième bateau.", "", "Bo Park a écrit :",
                            "Personne ne le prend en hiver."], ["Ann Lee", "Bo Park"]),
    ],
)
def test_a_header_over_comment_author_lines_opens_the_comments_where_the_model_finds_none(
        header: str, lines: list[str], authors: list[str]) -> None:
    # the line model had found no start in these short pages: "declared 2, found 0", the comments read as body
    page = "\n".join([NO_COMMENTS.rstrip("\n"), "", header, "", *lines, ""])
    (article,), _ = split_text(page, "bakery.txt")
    assert [c.author for c in article.comments] == authors
    assert article.body.endswith("the street's character.") and article.extra["comment_split"] == "header"


def test_a_count_at_the_top_over_a_byline_opens_no_comments() -> None:
    # "52 comments" linked above the byline follows only the title: the byline is no comment's author
    lines = NO_COMMENTS.split("\n")
    page = "\n".join([lines[0], "52 comments", "By Ann Lee", *lines[1:]])
    (article,), _ = split_text(page, "bakery.txt")
    assert article.comments == [] and article.declared_comment_count == 52


def test_a_header_over_a_short_body_opens_comments_that_each_name_author_and_time() -> None:
    # a short item's copied page: the body before "3 Comments" is under 200 characters, so the header had been
    # taken for a count linked at the top, and the comments read as body ("declared 3, found 0")
    page = "\n".join(["Ferry fares to rise in April", "Fares go up 12% in April, the operator said.", "3 Comments",
                      "Ann Lee", "3 hours ago", "Another rise? The island runs on that ferry.", "Reply",
                      "Bo Ray", "2 hours ago", "Fuel went up for them too.", "Reply",
                      "Ines Moro", "1 hour ago", "Residents should get a discount card.", "Reply", ""])
    (article,), rejects = split_text(page, "fares.txt")
    assert article.body == "Fares go up 12% in April, the operator said." and rejects == []
    assert [(c.author, c.extra["time_text"], c.text) for c in article.comments] == [
        ("Ann Lee", "3 hours ago", "Another rise? The island runs on that ferry."),
        ("Bo Ray", "2 hours ago", "Fuel went up for them too."),
        ("Ines Moro", "1 hour ago", "Residents should get a discount card.")]
    # one byline and one date under a count at the top open no comments, however short the body
    page = "\n".join(["Ferry fares to rise in April", "52 comments", "By Ann Lee", "March 3, 2024",
                      "Fares go up 12% in April, the operator said.", ""])
    (article,), _ = split_text(page, "fares.txt")
    assert article.comments == [] and article.declared_comment_count == 52


def test_comments_opening_with_by_are_text_and_bylines_still_name_authors() -> None:
    # "By the way, …", "By then …" had been read as author lines: the comments were lost as blocks without text
    page = "\n".join(["Summit ends without a deal", "", "The two leaders left Hanoi early on Thursday after talks "
                       "broke down over sanctions, officials said.", "", "4 Comments", "",
                       "Ann says:", "By the way, the deal is dead.", "Bo says:", "By then it will not matter.",
                       "Cy says:", "By 2020 nobody will remember.", "posted by Dee : 11:58 AM", "Not again.", ""])
    (article,), rejects = split_text(page, "summit.txt")
    assert [(c.author, c.text) for c in article.comments] == [
        ("Ann", "By the way, the deal is dead."), ("Bo", "By then it will not matter."),
        ("Cy", "By 2020 nobody will remember."), ("Dee", "Not again.")]
    assert rejects == []


def test_page_without_comments_has_none() -> None:
    (article,), rejects = split_text(NO_COMMENTS, "bakery.txt")
    assert article.comments == [] and rejects == []
    assert article.body.startswith("The family-run bakery") and article.body.endswith("the street's character.")


def test_bullet_with_only_widgets_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = HEADED + "  • Reply\n"
    result = read_file(_write(tmp_path, text))
    assert len(result.articles[0].comments) == 3
    (reject,) = result.rejects
    assert reject.location == f"line {text.count(chr(10))}" and "without text" in reject.reason


def test_an_empty_bullet_at_the_end_of_a_cut_file_is_rejected_with_its_line(tmp_path: Path) -> None:
    text = HEADED + "  • "
    result = read_file(_write(tmp_path, text))
    assert len(result.articles[0].comments) == 3
    (reject,) = result.rejects
    assert reject.location == f"line {text.count(chr(10)) + 1}" and "without text" in reject.reason


def test_a_stray_cp1252_byte_in_a_utf8_scrape_keeps_every_comment_and_names_its_line(tmp_path: Path) -> None:
    """One "é" pasted from a Windows page used to turn the whole file into cp1252: no "•" matched."""
    data = HEADED.encode("utf-8").replace(b"extra crew? Not", b"extra crew? Caf\xe9 Not")
    assert b"\xe2\x80\xa2" in data  # the bullets are UTF-8
    path = tmp_path / "scrape.txt"
    path.write_bytes(data)
    result = read_file(path)
    (article,) = result.articles
    assert len(article.comments) == 3
    assert article.comments[1].text == "Who pays for the extra crew? Café Not the people who voted for it."
    (note,) = result.rejects
    line = HEADED[: HEADED.index("extra crew? Not")].count("\n") + 1
    assert (note.location, note.reason) == (f"line {line}", "text repaired: 1 byte(s) not valid UTF-8 read as cp1252")


def test_a_cp1252_scrape_is_read_as_cp1252_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(HEADED.replace("extra crew?", "extra crew, café?").encode("cp1252"))
    result = read_file(path, "plaintext")
    assert len(result.articles[0].comments) == 3 and result.rejects == []
    assert "café" in result.articles[0].comments[1].text


def test_nul_characters_are_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(HEADED.replace("Who pays", "Who\x00 pays").encode("utf-8"))
    result = read_file(path, "plaintext")
    assert result.articles[0].comments[1].text.startswith("Who pays for the extra crew?")
    (note,) = result.rejects
    assert note.reason == "text repaired: control characters (NUL …) removed"


def test_bundled_sample_dump_splits_cleanly() -> None:
    result = read_file(SAMPLE_DUMP)
    assert detect_format(SAMPLE_DUMP) == "plaintext"
    assert result.rejects == []
    assert [len(a.comments) for a in result.articles] == [12, 18, 13, 0]
    assert [a.declared_comment_count for a in result.articles] == [14, 18, 13, 0]
    comments = [c for a in result.articles for c in a.comments]
    assert all(c.author and c.time for c in comments)
    assert max(len(c.text) for c in comments) > 1500  # the one very long comment stays whole
    _assert_no_widgets(comments)


# --- the real flattened scrapes in ../shared/formats/plain_text ---------------------------------

_SEPARATOR = re.compile(r"^\s*[!@#$%^&*()]{3,}\s*COMMENTS\s*$")
#: Non-empty lines after the separator, as PROVENANCE.md measured them.
_MEASURED = {"dragnet_T62_cnn_politicalticker.txt": 12, "dragnet_R218_guardian_cif.txt": 133,
             "dragnet_294_slashdot_politics.txt": 295}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(_MEASURED))
def test_shared_flattened_scrapes_split_where_the_gold_separator_was(shared: Path, name: str) -> None:
    lines = (shared / "formats" / "plain_text" / name).read_text(encoding="utf-8").split("\n")
    (separator,) = [i for i, line in enumerate(lines) if _SEPARATOR.match(line)]
    unlabeled = lines[:separator] + lines[separator + 1 :]
    (article,), _ = split_text("\n".join(unlabeled), name)
    start = article.extra["comments_from_line"]
    first_comment_line = next(i for i in range(separator, len(unlabeled)) if unlabeled[i].strip()) + 1
    assert start == first_comment_line
    assert sum(1 for line in unlabeled[start - 1 :] if line.strip()) == _MEASURED[name]
    assert len(article.comments) >= 3
    assert all(c.text for c in article.comments)
    covered = {n for c in article.comments for n in range(c.extra["lines"][0], c.extra["lines"][1] + 1)}
    assert first_comment_line in covered
    _assert_no_widgets(article.comments)


_SCRIPT = '''#!/usr/bin/env python3
"""Fetch the comments of one story."""
import json
import sys


def fetch(story_id: int) -> list[dict]:
    with open(f"{story_id}.json") as handle:
        return json.load(handle)["comments"]


if __name__ == "__main__":
    for comment in fetch(int(sys.argv[1])):
        print(comment["author"], comment["text"])
'''


def test_a_script_in_a_folder_of_dumps_is_not_read_as_a_page(tmp_path: Path) -> None:
    from analyzer.readers import ReaderError

    script = tmp_path / "fetch.py"
    script.write_text(_SCRIPT)
    with pytest.raises(ReaderError) as raised:
        detect_format(script)
    assert "format not recognised" in raised.value.message
    # the same lines named as text are read as text, and prose named .php (a saved page) still is
    (tmp_path / "fetch.txt").write_text(_SCRIPT)
    assert detect_format(tmp_path / "fetch.txt") == "plaintext"
    (tmp_path / "story.php").write_text("Ferry strike talks resume\n\nThe union met the operator on Monday.\n")
    assert detect_format(tmp_path / "story.php") == "plaintext"


def test_an_sql_dump_of_a_comments_table_is_not_read_as_a_page(tmp_path: Path) -> None:
    # mysqldump of wp_comments: a newsroom's export, but of statements, not of comments in any shape we read
    from analyzer.readers import ReaderError

    dump = tmp_path / "wp_comments.sql"
    dump.write_text("-- MySQL dump 10.13\n--\n-- Table structure for table `wp_comments`\n--\n\n"
                    "DROP TABLE IF EXISTS `wp_comments`;\nCREATE TABLE `wp_comments` (\n"
                    "  `comment_ID` bigint unsigned NOT NULL AUTO_INCREMENT,\n  `comment_content` text NOT NULL,\n"
                    "  PRIMARY KEY (`comment_ID`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n"
                    "LOCK TABLES `wp_comments` WRITE;\n"
                    "INSERT INTO `wp_comments` VALUES (1,'Ferries late again.'),(2,'Every winter.');\nUNLOCK TABLES;\n")
    with pytest.raises(ReaderError) as raised:
        detect_format(dump)
    assert raised.value.message.startswith("an SQL dump, not a comment export") and "as CSV" in raised.value.message
    # pg_dump and sqlite3's .dump begin otherwise; prose that mentions SQL is still prose
    dump.write_text("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\nCREATE TABLE public.comments (\n"
                    "    id integer NOT NULL,\n    body text\n);\n")
    with pytest.raises(ReaderError, match="an SQL dump"):
        detect_format(dump)
    dump.write_text("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE comments (id INTEGER, text TEXT);\n"
                    "INSERT INTO comments VALUES(1,'Fine.');\nCOMMIT;\n")
    with pytest.raises(ReaderError, match="an SQL dump"):
        detect_format(dump)
    prose = tmp_path / "notes.txt"
    prose.write_text("Insert into the record: the council met.\n\nCreate tables for the budget, said the mayor.\n")
    assert detect_format(prose) == "plaintext"


def test_an_sqlite_database_is_refused_with_how_to_export_its_comments(tmp_path: Path) -> None:
    import sqlite3

    from analyzer.readers import ReaderError, read_file

    path = tmp_path / "comments.db"
    with sqlite3.connect(path) as db:  # Isso, a self-hosted comment system, keeps its comments so
        db.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("INSERT INTO comments (text) VALUES ('Ferries late again.')")
    db.close()
    with pytest.raises(ReaderError) as raised:
        read_file(path)
    assert raised.value.message.startswith("an SQLite database, not a dump") and "-csv" in raised.value.message
