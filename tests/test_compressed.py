"""Compressed dumps (gzip / bzip2 / xz) are read as the file they hold; archives are refused by name."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.readers import ReaderError, _compressed, read_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


def _records(path: Path) -> list[tuple]:
    """What a read gives, but the file name: the articles' ids, formats, titles and comments."""
    result = read_file(path)
    return [(a.id, a.format, a.title, [asdict(c) for c in a.comments]) for a in result.articles]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("relative", ["disqus/town_forum.xml", "tabular/paper_comments.csv", "reddit/thread.json",
                                      "wxr/harbour_blog.xml", "youtube/ycd_lecture.jsonl"])
def test_a_compressed_dump_reads_as_the_file_it_holds(tmp_path: Path, relative: str, suffix: str) -> None:
    original = FIXTURES / relative
    packed = tmp_path / f"{original.name}{suffix}"
    packed.write_bytes(COMPRESSORS[suffix](original.read_bytes()))
    result = read_file(packed)
    assert result.articles and _records(packed) == _records(original)
    assert {a.source_file for a in result.articles} == {str(packed)}  # the file the user gave, not a temporary copy
    assert not result.rejects or {r.source_file for r in result.rejects} == {str(packed)}


def test_a_cut_short_gzip_keeps_what_came_before_the_cut_and_says_where(tmp_path: Path) -> None:
    lines = "".join(f'{{"id": "{i}", "article_id": "a", "text": "comment number {i} on the ferry timetable"}}\n'
                    for i in range(2000))
    whole = gzip.compress(lines.encode())
    cut = tmp_path / "comments.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    result = read_file(cut)
    read = [c.id for a in result.articles for c in a.comments]
    assert 0 < len(read) < 2000 and read == [str(i) for i in range(len(read))]
    damage = [r for r in result.rejects if "cut short" in r.reason]
    assert len(damage) == 1 and damage[0].source_file == str(cut)
    assert damage[0].location.startswith("byte ") and "of the gzip content" in damage[0].location


def test_gzip_that_is_damaged_from_the_start_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "export.xml.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"not deflate data at all" * 4)
    with pytest.raises(ReaderError, match=r"byte 0: damaged or cut-short gzip data, nothing readable") as caught:
        read_file(broken)
    assert caught.value.path == str(broken)


def test_content_over_the_limit_is_refused_not_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compressed, "MAX_DECOMPRESSED_BYTES", 100_000)
    bomb = tmp_path / "zeros.csv.gz"
    bomb.write_bytes(gzip.compress(b"id,text\n" + b"0" * 3_000_000))
    with pytest.raises(ReaderError, match="gzip content over"):
        read_file(bomb)


def test_a_bomb_is_refused_by_how_far_it_expands_and_a_real_dump_is_not(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compressed, "EXPANSION_FLOOR", 1024**2)
    bomb = tmp_path / "zeros.csv.gz"
    bomb.write_bytes(gzip.compress(b"id,text\n" + b"0" * 5_000_000))  # about 5,000 times smaller packed
    with pytest.raises(ReaderError, match="more than 100 times its size .*a decompression bomb"):
        read_file(bomb)
    rows = "".join(f"{i},a{i % 7},comment {i} says the ferry was {i * 37 % 1000} minutes late again\n" for i in range(40_000))
    dump = tmp_path / "comments.csv.gz"
    dump.write_bytes(gzip.compress(("id,article_id,text\n" + rows).encode()))
    assert len(rows) > 2 * 1024**2  # past the floor, at the ratio of real text
    assert sum(len(a.comments) for a in read_file(dump).articles) == 40_000


def _tar_gz(member: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(member, arcname=member.name)
    return buffer.getvalue()


def _zip_of(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("dump.tar.gz", lambda: _tar_gz(FIXTURES / "reddit/thread.json"), "gzip holding a tar archive: unpack it"),
        ("dump.zip", lambda: _zip_of({}), "a zip archive with no files to read"),
        ("broken.zip", lambda: b"PK\x03\x04" + b"\x00" * 40, "a zip archive that cannot be opened"),
        # a damaged central directory naming a zip version zipfile does not read: it raised NotImplementedError
        ("version.zip", lambda: _zip_of({"a.csv": "id,text\n1,hi\n"}).replace(b"PK\x01\x02\x14\x03\x14\x00",
                                                                            b"PK\x01\x02\x14\x03\xd9\x00"),
         "a zip archive that cannot be opened \\(zip file version 21.7\\)"),
        # a workbook is the table reader's (tests/test_readers_structured.py); a damaged one is refused
        ("sheet.xlsx", lambda: _zip_of({"xl/workbook.xml": "<workbook/>"}), "sheet.xlsx: file: not a readable spreadsheet"),
        ("sheet.ods", lambda: _zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet",
                                       "content.xml": "<office:document-content/>"}),
         "sheet.ods: file: a spreadsheet without a sheet"),
        ("twice.csv.gz.gz", lambda: gzip.compress(gzip.compress(b"id,text\n1,hello\n")), "holding another compressed file"),
        # a PDF of text only: its text operators would read as a page of prose
        ("page.pdf", lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nBT (Ferries cut) Tj ET\n%%EOF\n",
         "a PDF document, not a dump: save the page as HTML"),
        ("notes.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Ferries cut, comments below." * 20,
         "an office document \\(the older binary format\\), not a dump"),
        # the compound file's directory names its stream: Excel's "Workbook", Word's "WordDocument"
        ("old.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "Workbook".encode("utf-16-le"),
         "old.xls: file: not a readable spreadsheet: CompDocError"),
    ],
)
def test_archives_are_refused_with_what_to_do(tmp_path: Path, name: str, content, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(ReaderError, match=reason):
        read_file(path)


def test_split_reads_a_gzip_beside_a_refused_tar_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    packed = tmp_path / "paper_comments.csv.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "tabular/paper_comments.csv").read_bytes()))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(FIXTURES / "reddit/thread.json", arcname="thread.json")
    (tmp_path / "export.tar").write_bytes(buffer.getvalue())
    output = tmp_path / "out.jsonl"
    assert main(["split", str(tmp_path / "export.tar"), str(packed), "-o", str(output)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'export.tar'}: byte 0: a tar archive: unpack it" in err
    assert f"{packed}: " in err and "comment(s)" in err
    assert output.read_text(encoding="utf-8").count("paper_comments.csv.gz") >= 1


def test_a_hostile_file_inside_gzip_is_refused_as_it_would_be_unpacked(tmp_path: Path) -> None:
    packed = tmp_path / "billion_laughs.xml.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "wxr/billion_laughs.xml").read_bytes()))
    with pytest.raises(ReaderError) as packed_error:
        read_file(packed, "wxr")
    with pytest.raises(ReaderError) as plain_error:
        read_file(FIXTURES / "wxr/billion_laughs.xml", "wxr")
    assert packed_error.value.path == str(packed)
    assert (packed_error.value.location, packed_error.value.message) == (plain_error.value.location, plain_error.value.message)


def test_a_forced_format_applies_to_the_file_inside(tmp_path: Path) -> None:
    packed = tmp_path / "notes.txt.gz"
    packed.write_bytes(gzip.compress(b"id,article_id,text\n1,a1,the ferry is late again\n"))
    assert read_file(packed, "plaintext").articles[0].format == "plaintext"
    assert read_file(packed).articles[0].format == "tabular"


# --- zip archives: read like a folder ---------------------------------------------------------------


def test_a_zip_is_read_like_a_folder_each_member_named_inside_it(tmp_path: Path) -> None:
    wxr, reddit = FIXTURES / "wxr/harbour_blog.xml", FIXTURES / "reddit/thread.json"
    archive = tmp_path / "export.zip"
    archive.write_bytes(_zip_of({
        "export/harbour_blog.xml": wxr.read_bytes(),
        "export/sub/thread.json.gz": gzip.compress(reddit.read_bytes()),  # compressed inside: read too
        "__MACOSX/export/._thread.json": b"\x00\x05\x16\x07",          # what a folder read skips
        "export/.DS_Store": b"\x00\x00\x00\x01Bud1",
    }))
    result = read_file(archive)
    by_file = {}
    for article in result.articles:
        by_file.setdefault(article.source_file, []).append(article)
    assert set(by_file) == {f"{archive}/export/harbour_blog.xml", f"{archive}/export/sub/thread.json.gz"}
    assert [(a.id, len(a.comments)) for a in by_file[f"{archive}/export/harbour_blog.xml"]] == \
        [(a.id, len(a.comments)) for a in read_file(wxr).articles]
    assert [(a.id, len(a.comments)) for a in by_file[f"{archive}/export/sub/thread.json.gz"]] == \
        [(a.id, len(a.comments)) for a in read_file(reddit).articles]
    assert all(r.source_file.startswith(f"{archive}/export/") for r in result.rejects)


def test_a_bad_member_is_a_reject_and_the_others_are_read(tmp_path: Path) -> None:
    archive = tmp_path / "mixed.zip"
    archive.write_bytes(_zip_of({
        "../../outside/noise.bin": bytes(range(256)) * 4,          # a name that climbs out: unpacked inside
        "inner.zip": _zip_of({"a.csv": b"id,text\n1,hi\n"}),
        "paper_comments.csv": (FIXTURES / "tabular/paper_comments.csv").read_bytes(),
    }))
    result = read_file(archive)
    assert {a.source_file for a in result.articles} == {f"{archive}/paper_comments.csv"}
    reasons = {r.source_file: r.reason for r in result.rejects}
    assert reasons[f"{archive}/../../outside/noise.bin"].startswith("format not recognised")
    assert reasons[f"{archive}/inner.zip"].startswith("a zip archive inside the archive")
    assert not (tmp_path.parent / "outside").exists()


def test_a_zip_bomb_is_refused_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compressed, "EXPANSION_FLOOR", 1024**2)
    archive = tmp_path / "zeros.zip"
    archive.write_bytes(_zip_of({"a.csv": b"id,text\n" + b"0" * 3_000_000, "b.csv": b"id,text\n1,hi\n"}))
    with pytest.raises(ReaderError, match="zip content over 1 MiB .*a decompression bomb"):
        read_file(archive)


# --- a page saved as one file (MHTML) -------------------------------------------------------------


def _mhtml(parts: list[tuple[str, str, bytes]], location: str | None = "https://news.example/2024/ferries") -> bytes:
    """A page as Chrome saves it ("Webpage, Single File"): MIME headers, then (content type, transfer encoding,
    content) parts, quoted-printable or base64 as Blink writes them, with CRLF line ends."""
    import base64
    import quopri

    boundary = "----MultipartBoundary--Fe7rYq2hW0kz1N3cXmT8----"
    lines = ["From: <Saved by Blink>", *([f"Snapshot-Content-Location: {location}"] if location else []),
             "Subject: Ferry timetable", "Date: Fri, 5 Jan 2024 10:00:00 -0000", "MIME-Version: 1.0",
             "Content-Type: multipart/related;", '\ttype="text/html";', f'\tboundary="{boundary}"', "", ""]
    for number, (content_type, encoding, content) in enumerate(parts):
        encoded = quopri.encodestring(content) if encoding == "quoted-printable" else base64.encodebytes(content)
        lines += [f"--{boundary}", f"Content-Type: {content_type}", f"Content-ID: <frame-{number}@mhtml.blink>",
                  f"Content-Transfer-Encoding: {encoding}", f"Content-Location: https://news.example/part{number}",
                  "", encoded.decode("ascii")]
    lines.append(f"--{boundary}--")
    return "\r\n".join(lines).encode("ascii")


def test_a_page_saved_as_one_file_is_read_as_the_page_it_holds(tmp_path: Path) -> None:
    # quoted-printable breaks long lines with "=" and writes "=3D" for "=": read raw, titles ended in "=" and
    # words were cut in two, exit 0
    page = (FIXTURES / "html/wordpress_nested.html").read_bytes()
    saved = tmp_path / "ferries.mhtml"
    saved.write_bytes(_mhtml([("text/html", "quoted-printable", page), ("image/png", "base64", b"\x89PNG\r\n\x1a\n")]))
    plain = tmp_path / "ferries.html"
    plain.write_bytes(page)
    assert _records(saved) == _records(plain)
    [article] = read_file(saved).articles
    assert article.source_file == str(saved) and article.id == "ferries" and not article.title.endswith("=")
    # base64 and a charset, as Internet Explorer's .mht wrote them; the address it was saved from is the url
    # when the page names none
    bare = "<html><head><title>Fähre</title></head><body><p>Die Fähre fährt später.</p></body></html>"
    saved.write_bytes(_mhtml([("text/html; charset=iso-8859-1", "base64", bare.encode("latin-1"))]))
    [article] = read_file(saved).articles
    assert (article.title, article.body, article.url) == ("Fähre", "Die Fähre fährt später.",
                                                          "https://news.example/2024/ferries")


def _unmarked_relative_times_page() -> bytes:
    """The fixture page with relative times ("3 hours ago"), without its own save mark."""
    page = (FIXTURES / "html/relative_times_singlefile.html").read_text()
    return page.replace("Page saved with SingleFile", "Page notes").encode()


def test_a_saved_pages_relative_times_are_dated_from_when_the_browser_saved_it(tmp_path: Path) -> None:
    saved = tmp_path / "fares.mhtml"
    saved.write_bytes(_mhtml([("text/html", "quoted-printable", _unmarked_relative_times_page())]))
    [article] = read_file(saved).articles
    assert article.extra["saved_at"] == "2024-01-05T10:00:00+00:00"  # the MIME Date Chrome writes
    assert [(c.time, c.extra["time_text"]) for c in article.comments[:3]] == [
        ("2024-01-05T07:00:00+00:00", "3 hours ago"), ("2024-01-05T08:00:00+00:00", "2h"),
        ("2024-01-04T21:15:00+00:00", "yesterday at 9:15 PM")]


def test_comments_a_saved_page_holds_in_a_frame_become_its_comments(tmp_path: Path) -> None:
    # a Disqus page: the page itself only embeds the thread; the browser saved the frame the thread was drawn in
    page = (FIXTURES / "html/disqus_embed.html").read_bytes()
    frame = (FIXTURES / "html/disqus_thread_frame.html").read_bytes()
    saved = tmp_path / "nightly.mhtml"
    saved.write_bytes(_mhtml([("text/html", "quoted-printable", page), ("text/html", "quoted-printable", frame)]))
    [article] = read_file(saved).articles
    assert "nightly snapshots" in article.title and "halved our storage bill" in article.body
    assert [(c.id, c.parent_id, c.author) for c in article.comments] == [
        ("comment-5001", None, "Ann Lee"), ("comment-5002", "comment-5001", "Bo Park"), ("comment-5003", None, "Cy")]
    # no "loaded by a script": they are here; and when the browser saved the page (its MIME Date)
    assert article.extra == {"comments_from_frame": 1, "saved_at": "2024-01-05T10:00:00+00:00"}
    # a frame's thread beside the page's own comments is an article of its own, nothing merged or lost
    page = (FIXTURES / "html/wordpress_nested.html").read_bytes()
    saved.write_bytes(_mhtml([("text/html", "quoted-printable", page), ("text/html", "quoted-printable", frame)]))
    own, framed = read_file(saved).articles
    assert (len(own.comments), framed.id, len(framed.comments)) == (5, "nightly#frame-1", 3)


def test_a_nul_in_a_saved_pages_headers_does_not_hide_what_it_is(tmp_path: Path) -> None:
    # NUL bytes are damage in a MIME message: one in "multipart/related" had the file read as a bare page, its
    # frame's three comments lost (found by the fuzz bench)
    page = (FIXTURES / "html/disqus_embed.html").read_bytes()
    frame = (FIXTURES / "html/disqus_thread_frame.html").read_bytes()
    saved = tmp_path / "nightly.mhtml"
    data = _mhtml([("text/html", "quoted-printable", page), ("text/html", "quoted-printable", frame)])
    saved.write_bytes(data.replace(b"multipart/related", b"multipart/rel\x00ated", 1))
    assert [c.author for c in read_file(saved).articles[0].comments] == ["Ann Lee", "Bo Park", "Cy"]


def test_a_saved_page_without_html_is_refused(tmp_path: Path) -> None:
    saved = tmp_path / "empty.mhtml"
    saved.write_bytes(_mhtml([("image/png", "base64", b"\x89PNG\r\n\x1a\n")]))
    with pytest.raises(ReaderError) as raised:
        read_file(saved)
    assert raised.value.message == "a page saved as one file without an HTML page in it"


def _web_archive(page: bytes, frames: list[bytes] = (), encoding: str = "UTF-8") -> bytes:
    """A page as Safari saves it ("Web Archive"): a binary property list of resources and frame archives."""
    import plistlib

    def archive(html: bytes, url: str) -> dict:
        return {"WebMainResource": {"WebResourceData": html, "WebResourceMIMEType": "text/html",
                                    "WebResourceTextEncodingName": encoding, "WebResourceURL": url,
                                    "WebResourceFrameName": ""},
                "WebSubresources": [{"WebResourceData": b"\x89PNG", "WebResourceMIMEType": "image/png",
                                     "WebResourceURL": "https://news.example/logo.png"}]}
    main = archive(page, "https://news.example/2024/ferries")
    main["WebSubframeArchives"] = [archive(frame, f"https://disqus.example/embed/{n}") for n, frame in enumerate(frames)]
    return plistlib.dumps(main, fmt=plistlib.FMT_BINARY)


def test_a_safari_web_archive_is_read_as_the_page_it_holds_with_its_frames(tmp_path: Path) -> None:
    # Safari's "Save As" offers its web archive first: before, "format not recognised"
    page = (FIXTURES / "html/disqus_embed.html").read_bytes()
    saved = tmp_path / "nightly.webarchive"
    saved.write_bytes(_web_archive(page, [(FIXTURES / "html/disqus_thread_frame.html").read_bytes()]))
    [article] = read_file(saved).articles
    assert (article.id, article.source_file) == ("nightly", str(saved))
    assert [c.author for c in article.comments] == ["Ann Lee", "Bo Park", "Cy"]
    assert article.extra == {"comments_from_frame": 1}
    # the encoding it names; the address it was saved from where the page names none
    bare = "<html><head><title>Fähre</title></head><body><p>Die Fähre fährt später.</p></body></html>"
    saved.write_bytes(_web_archive(bare.encode("latin-1"), encoding="ISO-8859-1"))
    [article] = read_file(saved).articles
    assert (article.title, article.url) == ("Fähre", "https://news.example/2024/ferries")
    # another property list is no dump; a broken one says so
    import plistlib

    saved.write_bytes(plistlib.dumps({"CFBundleName": "Notes"}, fmt=plistlib.FMT_BINARY))
    with pytest.raises(ReaderError, match="a binary property list, not a dump"):
        read_file(saved)
    saved.write_bytes(_web_archive(page)[:60])
    with pytest.raises(ReaderError, match="a binary property list that cannot be read"):
        read_file(saved)


# --- a web archive (WARC) -------------------------------------------------------------------------------


def _warc(captures: list[tuple[str, str, str, bytes]], compress: bool = False) -> bytes:
    """A WARC of (url, HTTP status, content type, body) responses, as crawlers and archiving tools write it."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    for url, status, content_type, body in captures:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return buffer.getvalue()


PAGE_URL = "https://copperkettle.example.com/blog/nightly-snapshots/"


def test_a_web_archive_gives_its_pages_and_the_dumps_it_captured(tmp_path: Path) -> None:
    captures = [
        ("https://gazette.example.org/2021/03/harbour-ferry-timetable/", "200 OK", "text/html; charset=utf-8",
         (FIXTURES / "html/wordpress_nested.html").read_bytes()),
        ("https://gazette.example.org/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("https://gazette.example.org/old-address", "301 Moved Permanently", "text/html", b"<html>moved</html>"),
        ("https://www.reddit.com/r/townnews/comments/x9post/.json", "200 OK", "application/json",
         (FIXTURES / "reddit/thread.json").read_bytes()),
        ("https://stats.example/collect", "200 OK", "application/json", b'{"ok": true, "session": 12}'),
    ]
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(_warc(captures))
    result = read_file(archive)
    page, thread = result.articles
    assert (page.id, page.source_file, page.title) == (captures[0][0], str(archive), "Harbour ferry timetable changes again")
    assert len(page.comments) == len(read_file(FIXTURES / "html/wordpress_nested.html").articles[0].comments)
    assert (thread.format, thread.extra["captured_from"]) == ("reddit", captures[3][0])
    assert result.notes == ["captures not read: image 1, HTTP 301 1, data no reader recognises 1"]
    # gzip members, as .warc.gz files are written: the same
    packed = tmp_path / "crawl.warc.gz"
    packed.write_bytes(_warc(captures, compress=True))
    assert _records(packed) == _records(archive)


def test_a_captured_pages_relative_times_are_dated_from_when_it_was_captured(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(PAGE_URL, "response", http_headers=headers,
                                                  payload=io.BytesIO(_unmarked_relative_times_page()),
                                                  warc_headers_dict={"WARC-Date": "2024-03-05T17:30:00Z"}))
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(buffer.getvalue())
    [article] = read_file(archive).articles
    assert article.extra["saved_at"] == "2024-03-05T17:30:00+00:00"
    assert [c.time for c in article.comments] == ["2024-03-05T14:30:00+00:00", "2024-03-05T15:30:00+00:00",
                                                  "2024-03-04T21:15:00+00:00", "2024-03-01T08:00:00+01:00", None]


def test_a_revisit_of_an_earlier_capture_is_counted_not_read_again(tmp_path: Path) -> None:
    # a crawler that finds a page unchanged writes a revisit record pointing at the earlier capture
    from warcio.warcwriter import WARCWriter

    body = (FIXTURES / "html/wordpress_nested.html").read_bytes()
    buffer = io.BytesIO(_warc([(PAGE_URL, "200 OK", "text/html", body)]))
    buffer.seek(0, io.SEEK_END)
    writer = WARCWriter(buffer, gzip=False)
    writer.write_record(writer.create_revisit_record(PAGE_URL, "sha1:ABCDEFGHIJKLMNOP", PAGE_URL,
                                                     "2024-05-03T08:00:00Z"))
    archive = tmp_path / "recrawl.warc"
    archive.write_bytes(buffer.getvalue())
    result = read_file(archive)
    assert len(result.articles) == 1 and len(result.articles[0].comments) == 5
    assert result.notes == ["captures not read: revisit of an earlier capture 1"]


def test_a_comment_frame_captured_beside_its_page_gives_the_page_its_comments(tmp_path: Path) -> None:
    frame_url = "https://disqus.com/embed/comments/?base=default&t_u=" + PAGE_URL.replace(":", "%3A").replace("/", "%2F")
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(_warc([
        (PAGE_URL, "200 OK", "text/html", (FIXTURES / "html/disqus_embed.html").read_bytes()),
        (frame_url, "200 OK", "text/html", (FIXTURES / "html/disqus_thread_frame.html").read_bytes())]))
    [page] = read_file(archive).articles
    assert [c.author for c in page.comments] == ["Ann Lee", "Bo Park", "Cy"]
    assert page.extra["comments_from_capture"] == frame_url and "comments_loaded_by" not in page.extra


def test_a_web_archive_broken_midway_keeps_the_captures_before(tmp_path: Path) -> None:
    first = _warc([(PAGE_URL, "200 OK", "text/html", (FIXTURES / "html/wordpress_nested.html").read_bytes())])
    archive = tmp_path / "crawl.warc"
    archive.write_bytes(first + b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/2\r\n"
                                b"Content-Length: 99999\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>cut sh")
    result = read_file(archive)
    assert len(result.articles) == 1 and len(result.articles[0].comments) == 5
    [reject] = result.rejects
    assert reject.location == "record 2" and "a web archive (WARC) that breaks here" in reject.reason
    archive.write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ncut short")
    with pytest.raises(ReaderError, match="a web archive"):
        read_file(archive)


def test_a_web_archive_collection_reads_its_warc_files_alone(tmp_path: Path) -> None:
    # WACZ (ArchiveWeb.page, Browsertrix): its page list had become an article whose "comment" was a page's text,
    # its index a prose page, its metadata a reject
    warc = _warc([(PAGE_URL, "200 OK", "text/html", (FIXTURES / "html/wordpress_nested.html").read_bytes()),
                  ("https://copperkettle.example.com/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n")],
                 compress=True)
    pages = ('{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}\n'
             f'{{"id": "1", "url": "{PAGE_URL}", "title": "Nightly snapshots", "text": "For two years every merge"}}\n')
    collection = tmp_path / "crawl.wacz"
    collection.write_bytes(_zip_of({"datapackage.json": '{"profile": "data-package", "resources": []}',
                                    "archive/data.warc.gz": warc, "pages/pages.jsonl": pages,
                                    "indexes/index.cdx.gz": gzip.compress(b"com,example)/ 20240105 {}\n")}))
    result = read_file(collection)
    [page] = result.articles
    assert (page.id, len(page.comments), result.rejects) == (PAGE_URL, 5, [])
    assert result.notes == [
        "a web archive collection (WACZ): its 1 WARC file(s) read, its page list, indexes and metadata not "
        "(they describe what the WARC files hold)", "archive/data.warc.gz: captures not read: image 1"]


def test_a_web_archive_listing_one_frame_many_times_reads_it_once(tmp_path: Path) -> None:
    # a property list may refer to one object many times: read naively, 40 frames of 40 frames of … never end
    import plistlib

    leaf = {"WebMainResource": {"WebResourceData": b"<p>leaf</p>", "WebResourceMIMEType": "text/html"}}
    middle = {"WebMainResource": {"WebResourceData": b"<p>middle</p>", "WebResourceMIMEType": "text/html"},
              "WebSubframeArchives": [leaf] * 40}
    main = {"WebMainResource": {"WebResourceData": b"<p>main</p>", "WebResourceMIMEType": "text/html"},
            "WebSubframeArchives": [middle] * 40}
    saved = tmp_path / "page.webarchive"
    saved.write_bytes(plistlib.dumps(main, fmt=plistlib.FMT_BINARY))
    assert _compressed.saved_page(saved).parts == [b"<p>main</p>", b"<p>middle</p>", b"<p>leaf</p>"]
