"""Movable Type / TypePad exports: entries with their comments and pings, never read as prose."""

from __future__ import annotations

from pathlib import Path

from analyzer.readers import detect_format, read_file

EXPORT = Path(__file__).resolve().parent / "fixtures" / "movabletype" / "harbour_blog.txt"


def test_an_export_gives_every_entry_as_an_article_with_its_comments_and_pings():
    assert detect_format(EXPORT) == "movabletype"
    result = read_file(EXPORT)
    assert [(a.id, a.title, a.date, a.body, len(a.comments)) for a in result.articles] == [
        ("ferry_timetable_cut", "Ferry timetable cut", "2024-06-03T09:00:00",
         "The winter ferry timetable drops the last sailing of the day.\n\nThe operator says the change saves fuel.", 3),
        ("harbour_blog:2", "Harbour wall repaired", "2024-06-05T08:00:00", "The east wall is open again.", 0)]
    ferry = result.articles[0]
    assert [(c.author, c.time, c.kind, c.depth, c.text, c.extra) for c in ferry.comments] == [
        ("Ines", "2024-06-03T10:15:00", "comment", 0, "The last sailing is the only one I can take after work.", {}),
        # a text line that looks like a key stays text; e-mail and IP addresses are not kept
        ("Tom", "2024-06-03T23:40:00", "comment", 0, "NOTE: they cut it every winter.\nAnd bring it back in May.",
         {"url": "http://tom.example"}),
        ("Island News", "2024-06-04T08:00:00", "trackback", 0, "The timetable cut hits the islands hardest.",
         {"title": "Ferries again", "url": "http://islandnews.example/ferries-again"})]
    assert [(r.location, r.reason) for r in result.rejects] == [("line 41", "comment without text")]
    assert ferry.extra == {"status": "Publish", "primary category": "Transport"}


def test_an_export_saved_with_windows_line_ends_and_a_byte_order_mark_reads_the_same(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_bytes(b"\xef\xbb\xbf" + EXPORT.read_bytes().replace(b"\n", b"\r\n"))
    assert detect_format(path) == "movabletype"
    assert [(a.title, len(a.comments)) for a in read_file(path).articles] == [
        ("Ferry timetable cut", 3), ("Harbour wall repaired", 0)]


def test_prose_that_opens_with_a_key_line_stays_prose(tmp_path: Path):
    path = tmp_path / "page.txt"
    path.write_text("AUTHOR: Jane Reader\nTITLE: Ferry timetable cut\n\nThe winter timetable drops the last sailing.\n")
    assert detect_format(path) == "plaintext"
