"""Format detection by structure (issue 23): byte-order marks, stray leading bytes, heads long enough
to hold a whole first record, and a refusal naming the structure instead of a wrong guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.readers import (
    SNIFF_BYTES,
    Detection,
    ReaderError,
    detect,
    detect_format,
    read_file,
)
from analyzer.records import Article, Comment, write_articles

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _comment_texts(path: Path) -> list[str]:
    return [c.text for a in read_file(path).articles for c in a.comments]


# --- byte-order marks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("disqus/town_forum.xml", "disqus"), ("tabular/paper_comments.csv", "tabular"), ("reddit/thread.json", "reddit")],
)
def test_a_utf8_byte_order_mark_is_looked_past_without_a_reject(tmp_path: Path, relative: str, expected: str) -> None:
    original = FIXTURES / relative
    marked = tmp_path / original.name
    marked.write_bytes(b"\xef\xbb\xbf" + original.read_bytes())
    assert detect(marked).skip == 0 and detect_format(marked) == expected
    result = read_file(marked)
    assert [c.text for a in result.articles for c in a.comments] == _comment_texts(original)
    assert not any("stray" in r.reason for r in result.rejects)


@pytest.mark.parametrize(("relative", "expected"), [("reddit/thread.json", "reddit"), ("hn/hnapi_story.json", "hackernews")])
def test_utf16_files_are_detected_by_their_structure(tmp_path: Path, relative: str, expected: str) -> None:
    utf16 = tmp_path / Path(relative).name
    utf16.write_bytes((FIXTURES / relative).read_text(encoding="utf-8").encode("utf-16"))
    assert detect_format(utf16) == expected


# --- stray leading bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "prefix", "expected"),
    [
        ("disqus/town_forum.xml", b"\x00", "disqus"),
        ("disqus/town_forum.xml", b"x", "disqus"),  # the case: came out as raw XML tags "comments"
        ("wxr/harbour_blog.xml", b"\xff\xfe\xfd", "wxr"),
        ("reddit/thread.json", b"\xff", "reddit"),
        ("reddit/thread.json", b")]}'\n", "reddit"),  # a JSON hijacking guard
        ("hn/hnapi_story.json", b"\x1a", "hackernews"),
        ("youtube/api_threads.json", b"\x0b", "youtube"),  # not JSON whitespace
        ("youtube/ycd_pretty.json", b"z[", "youtube"),  # the junk ends in a bracket: the surest start wins
        ("tabular/paper_comments.csv", b"\x07", "tabular"),
        ("tabular/paper_comments.csv", b"\x00\x00", "tabular"),
        ("tabular/paper_comments.csv", b"7", "tabular"),
        ("tabular/paper_comments.csv", b"kM\x99\xb8", "tabular"),  # junk glued to the first header cell
    ],
)
def test_stray_bytes_before_the_content_are_skipped_and_reported(tmp_path: Path, relative: str, prefix: bytes,
                                                                 expected: str) -> None:
    original = FIXTURES / relative
    damaged = tmp_path / original.name
    damaged.write_bytes(prefix + original.read_bytes())
    assert detect(damaged) == Detection(expected, skip=len(prefix), stray_from=0)
    result = read_file(damaged)
    assert [c.text for a in result.articles for c in a.comments] == _comment_texts(original)
    stray = result.rejects[0]
    assert (stray.location, stray.reason) == ("byte 0", f"{len(prefix)} stray byte(s) before the {expected} content skipped")
    assert stray.raw == repr(prefix)
    # the reader read a copy without the prefix; everything names the real file
    assert {a.source_file for a in result.articles} == {str(damaged)}
    assert {r.source_file for r in result.rejects} == {str(damaged)}


def test_blank_lines_before_a_csv_header_are_no_stray_bytes(tmp_path: Path) -> None:
    table = tmp_path / "comments.csv"
    table.write_bytes(b"\r\n\n" + (FIXTURES / "tabular/paper_comments.csv").read_bytes())
    assert detect(table) == Detection("tabular")
    assert not any("stray" in r.reason for r in read_file(table).rejects)


@pytest.mark.parametrize("spot", [1, 5, 9, 10, 12])
def test_a_nul_inside_a_csv_header_is_no_end_of_stray_bytes(tmp_path: Path, spot: int) -> None:
    """It skipped the 10 bytes "article_i\\x00" and lost the article_id column; the reader removes the NUL."""
    original = FIXTURES / "tabular/ragged.csv"
    data = original.read_bytes()
    damaged = tmp_path / original.name
    damaged.write_bytes(data[:spot] + b"\x00" + data[spot:])
    assert detect(damaged) == Detection("tabular")
    result, clean = read_file(damaged), read_file(original)
    assert [(a.id, [c.text for c in a.comments]) for a in result.articles] == [
        (a.id, [c.text for c in a.comments]) for a in clean.articles]
    assert [r.reason for r in result.rejects] == ["text repaired: control characters (NUL …) removed"] + [
        r.reason for r in clean.rejects]


def test_a_broken_first_line_of_json_lines_is_no_stray_bytes(tmp_path: Path) -> None:
    lines = (FIXTURES / "youtube/ycd_lecture.jsonl").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "lecture.jsonl"
    broken.write_text("\n".join(["NaN", *lines[1:]]), encoding="utf-8")
    assert detect(broken, "youtube") == Detection("youtube")
    result = read_file(broken, "youtube")
    assert len(result.articles[0].comments) == 3
    assert [r.location for r in result.rejects] == ["line 1", "line 1"]  # NaN read as null, then not a comment


def test_stray_bytes_after_a_byte_order_mark_are_placed_after_it(tmp_path: Path) -> None:
    damaged = tmp_path / "export.xml"
    damaged.write_bytes(b"\xef\xbb\xbf\x00" + (FIXTURES / "disqus/town_forum.xml").read_bytes())
    assert detect(damaged).skip == 4
    assert read_file(damaged).rejects[0].location == "byte 3"


def test_an_error_in_a_file_read_without_its_stray_bytes_names_the_real_file(tmp_path: Path) -> None:
    damaged = tmp_path / "broken.xml"
    damaged.write_bytes(b"\x00" + (FIXTURES / "disqus/unrecoverable.xml").read_bytes())
    assert detect_format(damaged) == "disqus"
    with pytest.raises(ReaderError) as raised:
        read_file(damaged)
    assert raised.value.path == str(damaged)


def test_a_forced_format_also_skips_stray_bytes_before_its_content(tmp_path: Path) -> None:
    damaged = tmp_path / "thread.json"
    damaged.write_bytes(b"\x00" + (FIXTURES / "reddit/thread.json").read_bytes())
    assert detect(damaged, "reddit").skip == 1
    result = read_file(damaged, "reddit")
    assert [c.text for a in result.articles for c in a.comments] == _comment_texts(FIXTURES / "reddit/thread.json")
    # a format that does not fit what follows the bytes skips nothing: the file is read as told
    assert detect(damaged, "disqus").skip == 0


# --- looking far enough --------------------------------------------------------------------------------


def _long_comment(lines: int) -> str:
    return "\n".join(f"Line {n} of a long letter about the harbour, the ferries and the tolls." for n in range(lines))


# 120 lines: ~8 KiB, the old sniffer saw 6 lines; 2000: past SNIFF_BYTES and the csv module's 128 Ki field limit
@pytest.mark.parametrize("lines", [120, 2000])
def test_a_csv_whose_first_record_is_a_long_multiline_comment_is_a_table(tmp_path: Path, lines: int) -> None:
    first = _long_comment(lines).replace('"', '""')
    table = tmp_path / "comments.csv"
    table.write_text(f'comment_id,author,text\nc1,Ann,"{first}"\nc2,Ben,"Short, with a comma."\nc3,Cid,Plain\n',
                     encoding="utf-8")
    assert (table.stat().st_size > SNIFF_BYTES) == (lines == 2000)
    assert detect_format(table) == "tabular"
    texts = _comment_texts(table)
    assert len(texts) == 3 and texts[0].count("\n") == lines - 1 and texts[1] == "Short, with a comma."


def test_split_output_with_a_line_over_sniff_bytes_is_read_back_as_articles(tmp_path: Path) -> None:
    comments = [Comment(id=f"c{n}", text=f"Comment number {n} on the night trains, with some words." * 3,
                        position=n, status="deleted" if n % 7 == 0 else "published") for n in range(600)]
    article = Article(id="night-trains", source_file="dump.html", format="html", title="Night trains",
                      declared_comment_count=612, comments=comments)
    split_output = tmp_path / "articles.jsonl"
    write_articles([article], split_output)
    assert split_output.stat().st_size > SNIFF_BYTES
    assert detect_format(split_output) == "articles-jsonl"
    [back] = read_file(split_output).articles
    assert back == article  # ids, declared count and deleted statuses survive


# --- refusing instead of guessing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "structure"),
    [
        ("catalog.xml", b'<?xml version="1.0"?><catalog><book><title>Tides</title></book></catalog>', "XML"),
        ("feed.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><item>x</item></channel></rss>', "XML"),
        ("package.json", b'{"name": "harbour", "version": "1.0", "keywords": ["ferry", "toll"]}', "JSON"),
        ("prices.txt", b"sku;price;stock\nA1;3.50;12\nB2;4.00;0\nC3;1.25;7\n", "a CSV table"),
        ("events.txt", b'{"event": "open", "at": 1}\n{"event": "close", "at": 2}\n', "JSON lines"),
        ("guarded.json", b'\x00{"name": "harbour", "version": "1.0"}', "JSON"),
        ("broken.txt", b'id,text\n1,"a quoted comment never closed\nand more of it\n', "a CSV table"),
    ],
)
def test_structure_no_reader_is_sure_of_is_refused_by_name(tmp_path: Path, name: str, content: bytes,
                                                           structure: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReaderError) as raised:
        detect_format(path)
    assert raised.value.location == "byte 0"
    assert raised.value.message == f"format not recognised (looks like {structure}: name it with --format)"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\xff\xfe", b" \r\n\x00\t"])
def test_a_file_with_nothing_to_read_is_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    with pytest.raises(ReaderError, match="file is empty"):
        detect_format(path)


def test_split_exits_1_on_a_refused_file_and_still_writes_the_others(tmp_path: Path, capsys) -> None:
    unknown = tmp_path / "prices.txt"
    unknown.write_text("sku,price,stock\nA1,3.50,12\nB2,4.00,0\nC3,1.25,7\n")
    output = tmp_path / "out.jsonl"
    assert main(["split", str(unknown), str(FIXTURES / "reddit/thread.json"), "-o", str(output)]) == 1
    assert "looks like a CSV table: name it with --format" in capsys.readouterr().err
    assert output.read_text().count("\n") >= 1


@pytest.mark.parametrize(
    "prose",
    [
        "Comment, body and soul\nThe article said, in short, nothing new.\n",
        "[Update] The council voted late last night.\nMore to follow, we are told.\n",
        "<3 this harbour town\nThe ferries, the gulls, the tolls.\n",
        "8 thoughts on “Night trains”\n• Ann\nAbout time.\n",
    ],
)
def test_prose_is_still_plain_text(tmp_path: Path, prose: str) -> None:
    path = tmp_path / "page.txt"
    path.write_text(prose, encoding="utf-8")
    assert detect(path).format == "plaintext" and detect(path).skip == 0
