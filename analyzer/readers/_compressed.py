"""Compressed dumps and archives: gzip, bzip2, xz and zstandard files are read as the file they hold, zip
archives as a folder.

Exports often come compressed (Disqus mails its XML export as ``.xml.gz``; Hacker News and Reddit dumps
travel as ``.json.gz`` / ``.jsonl.xz``; the Pushshift and Arctic Shift Reddit dumps as zstandard,
``RC_2019-02.zst``, made with a long window, ``zstd --long=31``). The compression is recognised by its
magic bytes, not the file name, and one layer is undone into a temporary file named like the original
without its compression suffix, so every reader, and the article ids taken from file names, see what they
would see in the unpacked file. A zip archive is read like a folder: every file in it (WordPress.com mails its export as
one); tar archives and office documents are refused with what they are and what to do instead. A page saved
as one file holds the page, its frames and its assets: MHTML (Chrome, Edge and Opera's "Webpage, Single File",
``.mhtml``; Internet Explorer's ``.mht``) as a MIME message, Safari's web archive (``.webarchive``, the format
its "Save As" offers first) as a binary property list; ``saved_page`` gives the HTML of either. A web archive
(WARC, what crawlers and archiving tools write) holds many captures: ``warc_captures`` gives its responses.
"""

from __future__ import annotations

import bz2
import email
import email.policy
import gzip
import io
import lzma
import plistlib
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.readers._saved_time import save_time
from analyzer.records import Reject

#: A decompressed dump larger than this is refused: a few kilobytes of gzip can hold gigabytes of zeros.
MAX_DECOMPRESSED_BYTES = 4 * 1024**3
#: ... and so is one that grows more than this many times its compressed size past EXPANSION_FLOOR bytes:
#: a bomb is refused before gigabytes reach the disk. Comment dumps compress 5 to 15 times (the 25 real
#: dumps in ../shared/formats: at most 10 with gzip -9, 15 with xz -9e).
MAX_EXPANSION = 100
EXPANSION_FLOOR = 64 * 1024**2
_CHUNK_BYTES = 64 * 1024
#: The errors each decompressor raises on damaged or cut-short data (_ZstdFile turns zstandard's into these).
_BROKEN_STREAM = (EOFError, OSError, zlib.error, lzma.LZMAError)
#: The largest window a zstandard frame may ask for: 2 GiB, what ``zstd --long=31`` writes (the Pushshift
#: dumps); zstandard refuses more than 128 MiB unless told. A frame that asks for it gets that much address
#: space, its pages taken as output is written (which MAX_DECOMPRESSED_BYTES and MAX_EXPANSION bound).
ZSTD_MAX_WINDOW = 2**31
#: How much compressed data is decompressed at a time: zstandard expands at most about 32,768 times
#: (a run-length block), so one step holds at most 32 MiB, however the data was made.
_ZSTD_INPUT_BYTES = 1024
#: A zstandard frame, and the skippable frames (pzstd writes one before each frame) that may come first.
_ZSTD_MAGIC = (b"\x28\xb5\x2f\xfd", *(bytes([0x50 + n]) + b"\x2a\x4d\x18" for n in range(16)))
#: A zip file's first local header, or the end record of an empty one.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: POSIX and GNU tar headers carry "ustar" at byte 257.
_TAR_MAGIC, _TAR_MAGIC_AT = b"ustar", 257


class _ZstdFile:
    """A zstandard file read as a stream, frame after frame (files of concatenated frames, as ``cat`` and
    pzstd make them, too): ``read1`` gives what decompressed so far, at most ``size`` bytes.

    zstandard's own stream reader ends quietly when the file ends inside a frame; here that raises
    EOFError, so that a cut-short dump is said to be one (as gzip, bzip2 and xz say it). Damaged data
    raises OSError with zstandard's reason.
    """

    def __init__(self, path: Path) -> None:
        try:
            import zstandard
        except ImportError:  # a dependency; an environment set up before it was added may lack it
            raise UnreadableContainer("byte 0", "zstandard-compressed, and the zstandard package is not installed: "
                                                "install it (pip install zstandard) or unpack the file with zstd -d "
                                                "--long=31") from None
        self._error = zstandard.ZstdError
        self._decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        self._frame = self._decompressor.decompressobj()
        self._inside_frame = False  # part of a frame was fed and its end not seen yet
        self._raw = path.open("rb")
        self._pending = b""  # decompressed and not yet read, from self._offset on
        self._offset = 0
        #: Damage met after some output of the same input: raised once that output has been read.
        self._damage: OSError | None = None

    def __enter__(self) -> _ZstdFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def read1(self, size: int) -> bytes:
        while self._offset >= len(self._pending):
            if self._damage is not None:
                raise self._damage
            data = self._raw.read(_ZSTD_INPUT_BYTES)
            if not data:
                if self._inside_frame:
                    raise EOFError("the file ends inside a zstandard frame")
                return b""
            self._pending, self._offset = self._decompress(data), 0
        chunk = self._pending[self._offset : self._offset + size]
        self._offset += len(chunk)
        return chunk

    def _decompress(self, data: bytes) -> bytes:
        """What this compressed data decompresses to, across the ends of frames it holds; damage is kept
        for the next read, after what came before it."""
        out: list[bytes] = []
        try:
            while data:
                self._inside_frame = True
                out.append(self._frame.decompress(data))
                if not self._frame.eof:
                    break
                data, self._inside_frame = self._frame.unused_data, False
                self._frame = self._decompressor.decompressobj()
        except self._error as error:
            self._damage = OSError(str(error))
        return b"".join(out)


@dataclass(frozen=True)
class Compression:
    name: str
    #: The first bytes of such a file (one of them, when a tuple).
    magic: bytes | tuple[bytes, ...]
    suffixes: tuple[str, ...]
    open: Callable[[Path], io.BufferedIOBase | _ZstdFile]


COMPRESSIONS = (
    Compression("gzip", b"\x1f\x8b", (".gz", ".gzip"), lambda path: gzip.open(path, "rb")),
    Compression("bzip2", b"BZh", (".bz2",), lambda path: bz2.open(path, "rb")),
    Compression("xz", b"\xfd7zXZ\x00", (".xz",), lambda path: lzma.open(path, "rb")),
    Compression("zstd", _ZSTD_MAGIC, (".zst", ".zstd"), _ZstdFile),
)


class UnreadableContainer(Exception):
    """A compressed file or archive that cannot be read as one dump; the message says what to do."""

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        self.message = message
        super().__init__(message)


#: Enough for every magic number, and for the MIME headers a saved page (MHTML) starts with.
_HEAD_BYTES = 4096


def _head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(_HEAD_BYTES)


@dataclass(frozen=True)
class Container:
    """What a file's first bytes say it is: compressed (and how), a zip archive, an archive refused (and why),
    or none of these."""

    compression: Compression | None = None
    zip: bool = False
    #: A page saved as one file (MHTML, a web archive), read by its HTML (``saved_page``).
    saved_page: bool = False
    #: A web archive (WARC) of many captures (``warc_captures``).
    warc: bool = False
    refusal: str | None = None


_PDF_MAGIC = b"%PDF-"
#: Word's .doc and Excel's .xls before 2007 (OLE2 compound files).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SQLITE_MAGIC = b"SQLite format 3\x00"


#: An MHTML file's MIME headers: header lines up to the first blank line, among them a multipart/related type.
_MIME_HEADERS = re.compile(rb"\A(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n")
_MULTIPART_RELATED = re.compile(rb"^content-type:\s*multipart/related\b", re.IGNORECASE | re.MULTILINE)


def _narrow(data: bytes) -> bytes:
    """Text written in UTF-16 or UTF-32 (an MHTML file an editor saved again) as UTF-8; other bytes as they are."""
    from analyzer.readers._structured import wide_encoding  # it imports this package: not at module import

    wide = wide_encoding(data)
    return data.decode(wide, errors="replace").lstrip("\ufeff").encode("utf-8") if wide else data


#: A binary property list: Safari's web archives are one.
_PLIST_MAGIC = b"bplist00"
#: A WARC file's first record (WARC/1.0, WARC/1.1); a .warc.gz is gzip members of them, unpacked first.
_WARC_MAGIC = b"WARC/"


def _mime_bytes(data: bytes) -> bytes:
    """An MHTML file's bytes as its MIME message is read: narrowed to UTF-8 (``_narrow``), NULs removed (a MIME
    message is text, its binary parts base64: a NUL in it is damage, never content; one in a header hid the file)."""
    return _narrow(data).replace(b"\x00", b"")


def _is_mhtml(head: bytes) -> bool:
    head = _mime_bytes(head)
    headers = _MIME_HEADERS.match(head)
    return headers is not None and b"mime-version:" in headers.group(0).lower() and bool(
        _MULTIPART_RELATED.search(headers.group(0)))


def container_of(path: Path) -> Container:
    """Whether this file is compressed, a zip archive, a page saved as one file, or an archive or office
    document that is refused."""
    head = _head(path)
    if _is_mhtml(head) or head.startswith(_PLIST_MAGIC):
        return Container(saved_page=True)
    if head.startswith(_WARC_MAGIC):
        return Container(warc=True)
    compression = next((c for c in COMPRESSIONS if head.startswith(c.magic)), None)
    if compression:
        return Container(compression=compression)
    if head[_TAR_MAGIC_AT:].startswith(_TAR_MAGIC):
        return Container(refusal="a tar archive: unpack it and pass the folder (every file in it is read)")
    if head.startswith(_PDF_MAGIC):  # its text operators would read as a page of prose
        return Container(refusal="a PDF document, not a dump: save the page as HTML, or its text as a .txt file, "
                                 "and read that")
    if head.startswith(OLE2_MAGIC) and is_old_workbook(path):  # the table reader reads its sheets
        return Container()
    if head.startswith(OLE2_MAGIC):
        return Container(refusal="an office document (the older binary format), not a dump: save its text or table "
                                 "as a plain file and read that")
    if head.startswith(_SQLITE_MAGIC):
        return Container(refusal="an SQLite database, not a dump: export its comments table as CSV "
                                 "(sqlite3 -header -csv FILE 'SELECT * FROM comments;' > comments.csv) and read that")
    if not head.startswith(_ZIP_MAGIC):
        return Container()
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    # NotImplementedError: a central directory naming a zip version past any zipfile reads (a damaged one)
    except (zipfile.BadZipFile, NotImplementedError, OSError) as error:
        return Container(refusal=f"a zip archive that cannot be opened ({error})")
    # a workbook or an OpenDocument spreadsheet: the table reader reads its sheets
    if WORKBOOK_PART in names or ("mimetype" in names and opendocument_type(path) == ODF_SPREADSHEET):
        return Container()
    if any(name.startswith("xl/") for name in names):
        return Container(refusal="an Excel file that is no workbook, not a dump: save the sheet as CSV and read that")
    if any(name.startswith(("word/", "ppt/")) for name in names) or "mimetype" in names:
        return Container(refusal="an office document, not a dump: save its text or table as a plain file and read that")
    return Container(zip=True)


#: The part every Office Open XML workbook has; Word and PowerPoint files have word/ and ppt/ instead.
WORKBOOK_PART = "xl/workbook.xml"
#: The stream an Excel 97-2003 file keeps its sheets in ("Workbook"; "Book" before Excel 97), as the compound
#: file's directory names it (UTF-16), where Word's is "WordDocument".
_OLD_WORKBOOK_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
#: How much of a compound file is searched for its directory's names.
_OLE2_SEARCH_BYTES = 16 * 1024**2


def is_old_workbook(path: Path) -> bool:
    """Whether this compound file is an Excel 97-2003 workbook (not a Word document)."""
    with path.open("rb") as stream:
        data = stream.read(_OLE2_SEARCH_BYTES)
    return any(name in data for name in _OLD_WORKBOOK_STREAMS) and "WordDocument".encode("utf-16-le") not in data


#: The media type an OpenDocument file names in its first member, "mimetype", for a spreadsheet (LibreOffice Calc).
ODF_SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"


def opendocument_type(path: Path) -> str:
    """The media type an OpenDocument file names ("" where it cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("mimetype")[:100].decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, zlib.error, EOFError):
        return ""


@dataclass(frozen=True)
class SavedPage:
    """The HTML of a page saved as one file, the page's own first (then its frames'), the address it was
    saved from, and when (MHTML's ``Date``, as ISO 8601; a Safari web archive records none)."""

    parts: list[bytes]
    location: str | None
    saved_at: str | None = None


def saved_page(path: Path) -> SavedPage:
    """The HTML of an MHTML file or a Safari web archive. UnreadableContainer when it holds none."""
    data = path.read_bytes()
    page = _web_archive(data) if data.startswith(_PLIST_MAGIC) else _mhtml(_mime_bytes(data))
    if not page.parts:
        raise UnreadableContainer("file", "a page saved as one file without an HTML page in it")
    return page


def _mhtml(data: bytes) -> SavedPage:
    """The text/html parts of a MIME message, decoded (quoted-printable or base64, in their charset) into UTF-8."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    parts = []
    try:
        for part in message.walk():
            if part.get_content_type() == "text/html":
                parts.append(part.get_content().encode("utf-8", "surrogateescape"))
    # an unknown charset, a broken encoding; parts nested past what walk() can follow
    except (LookupError, ValueError, RecursionError) as error:
        raise UnreadableContainer("file", f"a page saved as one file (MHTML) whose HTML cannot be decoded "
                                          f"({error or type(error).__name__})") from None
    location = message.get("Snapshot-Content-Location") or message.get("Content-Location")
    saved_at = message.get("Date")
    return SavedPage(parts, str(location).strip() if location else None, save_time(str(saved_at)) if saved_at else None)


def _web_archive(data: bytes) -> SavedPage:
    """A Safari web archive: its main resource's HTML, then its frames' (``WebSubframeArchives``, nested), each
    in the encoding it names (else as the page says, as a saved page is read)."""
    try:
        archive = plistlib.loads(data, fmt=plistlib.FMT_BINARY)
    except (plistlib.InvalidFileException, ValueError, TypeError, KeyError, IndexError, OverflowError,
            RecursionError, struct.error) as error:
        raise UnreadableContainer("file", f"a binary property list that cannot be read ({error or type(error).__name__})"
                                  ) from None
    if not isinstance(archive, dict) or not isinstance(archive.get("WebMainResource"), dict):
        raise UnreadableContainer("file", "a binary property list, not a dump (nor a Safari web archive)")
    parts: list[bytes] = []
    pending, seen = [archive], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:  # a property list may list one frame archive many times: read it once
            continue
        seen.add(id(current))
        resource = current.get("WebMainResource") if isinstance(current, dict) else None
        if isinstance(resource, dict) and resource.get("WebResourceMIMEType") == "text/html" and isinstance(
                resource.get("WebResourceData"), bytes):
            parts.append(_as_utf8(resource["WebResourceData"], resource.get("WebResourceTextEncodingName")))
        frames = current.get("WebSubframeArchives") if isinstance(current, dict) else None
        pending += frames if isinstance(frames, list) else []
    location = archive["WebMainResource"].get("WebResourceURL")
    return SavedPage(parts, location.strip() if isinstance(location, str) and location.strip() else None)


def _as_utf8(html: bytes, encoding: object) -> bytes:
    """HTML bytes in the encoding a web archive names, as UTF-8; as they are where it names none it knows."""
    if not isinstance(encoding, str):
        return html
    try:
        return html.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return html


@dataclass(frozen=True)
class Capture:
    """One response a web archive holds: the address it was fetched from, its media type, its content, and why
    it holds no content to read where it holds none (``HTTP 301``; a revisit, which points at an earlier capture
    of the same content instead of repeating it)."""

    url: str
    media_type: str
    data: bytes
    unread: str | None = None
    #: When it was captured (``WARC-Date``, ISO 8601).
    captured_at: str | None = None


#: What a revisit record is, as the summary line counts it.
REVISIT = "revisit of an earlier capture"


def warc_captures(path: Path) -> Iterator[Capture]:
    """The responses (and stored resources) of a WARC file, their content decoded from the transfer and content
    encodings the server used; a response that is no success and a revisit as a capture without content, saying
    why. UnreadableContainer where the archive breaks: the records before were given."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    given = 0
    with path.open("rb") as stream:
        try:
            for record in ArchiveIterator(stream):
                if record.rec_type not in ("response", "resource", "revisit"):
                    continue
                headers = record.http_headers
                content_type = (headers.get_header("Content-Type") if headers is not None
                                else record.rec_headers.get_header("Content-Type")) or ""
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                media_type = content_type.split(";")[0].strip().lower()
                status = headers.get_statuscode() if headers is not None else "200"
                if record.rec_type == "revisit" or status != "200":  # redirects, errors, "not modified": no page
                    yield Capture(url, media_type, b"", REVISIT if record.rec_type == "revisit" else f"HTTP {status}")
                    given += 1
                    continue
                data = record.content_stream().read()
                if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended before the record's length
                    raise EOFError(f"{url or 'its capture'} is cut short")
                captured_at = record.rec_headers.get_header("WARC-Date")
                yield Capture(url, media_type, data, captured_at=save_time(captured_at) if captured_at else None)
                given += 1
        # what warcio raises on a damaged or hostile record (a missing header reaches it as None)
        except (ArchiveLoadFailed, ValueError, OSError, EOFError, AttributeError, KeyError, IndexError, TypeError) as error:
            raise UnreadableContainer(f"record {given + 1}", f"a web archive (WARC) that breaks here ({error}): "
                                                             "the captures before it were read") from None


def expansion_limit(packed: int) -> int:
    """How many bytes a file of ``packed`` bytes may unpack to before it is taken for a decompression bomb."""
    return min(MAX_DECOMPRESSED_BYTES, max(EXPANSION_FLOOR, MAX_EXPANSION * packed))


def too_large(kind: str, limit: int, packed: int) -> UnreadableContainer:
    """The refusal of content past ``expansion_limit``."""
    if limit == MAX_DECOMPRESSED_BYTES:
        message = (f"{kind} content over {MAX_DECOMPRESSED_BYTES // 1024**3} GiB: unpack it yourself "
                   "if it is really that large")
    else:
        message = (f"{kind} content over {limit // 1024**2} MiB from {packed:,} bytes, more than "
                   f"{MAX_EXPANSION} times its size (comment dumps compress 5 to 15 times): a decompression bomb, "
                   "not a dump; unpack it yourself if it is really that")
    return UnreadableContainer(f"byte {limit} of the {kind} content", message)


def _hidden(name: str) -> bool:
    """A member a folder read would skip: hidden files and folders, and macOS's ``__MACOSX`` copies."""
    return any((part.startswith(".") and part not in (".", "..")) or part == "__MACOSX" for part in name.split("/"))


def zip_members(path: Path, folder: Path) -> tuple[list[tuple[str, Path]], list[Reject]]:
    """Unpack the files of a zip archive under ``folder``, in the archive's order, as a folder read takes them
    (directories and hidden files skipped): (name in the archive, unpacked file) each, and a reject for
    each member that cannot be unpacked. Each member keeps its own file name (readers name articles after
    it) in a folder of its own, whatever path the archive gives it (no "../" escapes)."""
    limit = expansion_limit(path.stat().st_size)
    members: list[tuple[str, Path]] = []
    rejects: list[Reject] = []
    written = 0
    with zipfile.ZipFile(path) as archive:
        for number, info in enumerate(archive.infolist()):
            if info.is_dir() or _hidden(info.filename):
                continue
            target = folder / str(number) / (Path(info.filename).name or "member")
            target.parent.mkdir(parents=True)
            try:
                with archive.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(_CHUNK_BYTES):
                        written += len(chunk)
                        if written > limit:
                            raise too_large("zip", limit, path.stat().st_size)
                        sink.write(chunk)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, *_BROKEN_STREAM) as error:
                # RuntimeError: an encrypted member; NotImplementedError: a compression method zipfile lacks
                rejects.append(Reject(f"{path}/{info.filename}", "file", f"cannot be unpacked from the zip archive ({error})"))
                continue
            members.append((info.filename, target))
    return members, rejects


def inner_name(path: Path, compression: Compression) -> str:
    """The name of the file inside: ``export.xml.gz`` holds ``export.xml``; ``export.tgz`` a tar."""
    for suffix in compression.suffixes:
        if path.name.lower().endswith(suffix) and len(path.name) > len(suffix):
            return path.name[: -len(suffix)]
    return path.name


def decompress(path: Path, compression: Compression, target: Path) -> list[Reject]:
    """Undo one layer of compression into ``target``; a cut-short or damaged stream keeps what came
    before the damage and says so in a reject (the rest of the file is lost, not silently)."""
    written = 0
    packed = path.stat().st_size
    limit = expansion_limit(packed)
    with compression.open(path) as source, target.open("wb") as sink:
        try:
            while chunk := source.read1(_CHUNK_BYTES):  # read1: what decompressed so far, even before damage
                written += len(chunk)
                if written > limit:
                    raise too_large(compression.name, limit, packed)
                sink.write(chunk)
        except _BROKEN_STREAM as error:
            if written == 0:
                raise UnreadableContainer("byte 0", f"damaged or cut-short {compression.name} data, nothing readable ({error})") from None
            return [Reject(str(path), f"byte {written} of the {compression.name} content",
                           f"the {compression.name} data is damaged or cut short here ({error}): "
                           f"the {written} bytes before it were read, anything after is lost")]
    inner = container_of(target)
    if inner.compression or inner.zip:
        raise UnreadableContainer("byte 0", f"{compression.name} holding another compressed file or archive: "
                                            "unpack it yourself and read the inner files")
    if inner.refusal:
        raise UnreadableContainer("byte 0", f"{compression.name} holding {inner.refusal}")
    return []


__all__ = ["COMPRESSIONS", "Compression", "Container", "MAX_DECOMPRESSED_BYTES", "UnreadableContainer", "container_of",
           "decompress", "inner_name", "zip_members"]
