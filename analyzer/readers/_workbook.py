"""Spreadsheets: the sheets' cells, as the table reader takes them.

Comment-moderation tools and export services hand newsrooms their comments as workbooks, often with a
title block above the table (``tabular`` finds the header). Read here:

- Excel workbooks (.xlsx, .xlsm) with openpyxl in read-only mode, so a large sheet streams; cells are the
  values Excel shows (formulas' cached results, not the formulas);
- Excel 97-2003 workbooks (.xls, a compound file; older CMS exports and Excel's "97-2003" save) with xlrd;
- OpenDocument spreadsheets (.ods: LibreOffice Calc, and Google Sheets' "Download as ODS") from their
  ``content.xml``, parsed as untrusted XML;
- Excel 2003's XML spreadsheets, which older "Export to Excel" code writes (``<Workbook xmlns=
  "urn:schemas-microsoft-com:office:spreadsheet">``, often named ``.xls``), parsed as untrusted XML.

Every reader gives each sheet's name and its rows of values, a row's place in the sequence being its number in
the sheet, so that rows are named as the spreadsheet shows them.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from analyzer.readers._compressed import (ODF_SPREADSHEET, OLE2_MAGIC, WORKBOOK_PART, expansion_limit,
                                          is_old_workbook, opendocument_type, too_large)
from analyzer.readers._structured import parse_xml

#: A sheet's name and its rows of cell values (None for an empty cell), one tuple per row from row 1.
Sheets = Iterator[tuple[str, Iterator[tuple[Any, ...]]]]

#: Excel 2003's XML spreadsheet: its root element in its namespace (the prefix as the writer chose).
_SPREADSHEET_ML = re.compile(rb"<(?:\w+:)?Workbook\b[^>]*urn:schemas-microsoft-com:office:spreadsheet")
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


class BadWorkbook(Exception):
    """A spreadsheet that cannot be read: a damaged zip or compound file, a missing part, an encrypted file."""


_ZIP_MAGIC = b"PK\x03\x04"


def sheets_reader(path: Path) -> Callable[[Path], Sheets] | None:
    """How this file's sheets are read, where it is a workbook or an OpenDocument spreadsheet; None for any other
    file (Excel 2003's XML is text: ``is_spreadsheet_ml`` looks at its head)."""
    with path.open("rb") as stream:
        magic = stream.read(len(OLE2_MAGIC))
    if magic.startswith(OLE2_MAGIC):
        return xls_sheets if is_old_workbook(path) else None
    if not magic.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, OSError):
        return None
    if WORKBOOK_PART in names:
        return workbook_sheets
    if "mimetype" in names and opendocument_type(path) == ODF_SPREADSHEET:
        return ods_sheets
    return None


def workbook_sheets(path: Path) -> Sheets:
    """Each sheet's name and its rows of cell values, in the workbook's order; a sheet that is a chart has no
    rows and is not listed. BadWorkbook where a part cannot be read, when it is reached."""
    from openpyxl import load_workbook  # only a workbook needs it, and it takes a while to import

    _refuse_a_bomb(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl lets a damaged part's errors through untyped (zlib's,
        # the XML parser's, a missing relation's KeyError): each means a workbook that cannot be read
        raise BadWorkbook(_why(error)) from None
    try:
        for sheet in workbook.worksheets:
            yield sheet.title, _rows(sheet)
    finally:
        workbook.close()


def _refuse_a_bomb(path: Path) -> None:
    """UnreadableContainer where the parts would unpack past what a file of this size may (``expansion_limit``):
    zipfile stops each part at the size its entry declares, so the declared sizes bound what is read."""
    packed = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > (limit := expansion_limit(packed)):
        raise too_large("workbook", limit, packed)


def _rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows of values; what a damaged sheet raises, as BadWorkbook (only openpyxl's own work runs
    here: the caller's code is not)."""
    try:
        yield from sheet.iter_rows(values_only=True)
    except Exception as error:  # noqa: BLE001 - as in workbook_sheets
        raise BadWorkbook(_why(error)) from None


def _why(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def is_spreadsheet_ml(head: bytes) -> bool:
    """Whether the head is Excel 2003's XML spreadsheet (its Workbook element, in its namespace)."""
    return _SPREADSHEET_ML.search(head) is not None


def spreadsheet_ml_sheets(path: Path) -> Sheets:
    """Each worksheet's name and its rows of cell values, as ``workbook_sheets`` gives them: a row or cell an
    ``ss:Index`` puts further on leaves empty ones before it, so rows keep Excel's numbers. ReaderError (by the
    XML parser) where the file is not XML."""
    root = parse_xml(path, path.read_bytes()).root
    for number, sheet in enumerate(root.iter(f"{_SS}Worksheet"), start=1):
        yield sheet.get(f"{_SS}Name") or f"Sheet{number}", _spreadsheet_ml_rows(sheet)


#: The most rows and columns a sheet has in Excel: an index past them is damage, not a place.
_MAX_ROWS, _MAX_COLUMNS = 1_048_576, 16_384


def _spreadsheet_ml_rows(sheet: etree._Element) -> Iterator[tuple[Any, ...]]:
    expected = 1
    for row in sheet.iter(f"{_SS}Row"):
        number = _index(row, expected, _MAX_ROWS)
        yield from ((),) * (number - expected)
        cells: list[Any] = []
        for cell in row.iter(f"{_SS}Cell"):
            cells += [None] * (_index(cell, len(cells) + 1, _MAX_COLUMNS) - 1 - len(cells))
            cells.append(_value(cell))
            cells += [None] * min(_whole(cell.get(f"{_SS}MergeAcross"), 0, _MAX_COLUMNS), _MAX_COLUMNS - len(cells))
        yield tuple(cells)
        expected = number + 1


def _index(element: etree._Element, expected: int, limit: int) -> int:
    """Where ``ss:Index`` puts a row or cell (1-based), never before where the previous one ended."""
    return max(expected, _whole(element.get(f"{_SS}Index"), expected, limit))


def _whole(text: str | None, default: int, limit: int) -> int:
    """A whole number up to ``limit`` an attribute holds; the default for anything else (a hostile "99999999")."""
    return int(text) if text and text.isdigit() and len(text) <= 8 and int(text) <= limit else default


def _value(cell: etree._Element) -> Any:
    """A cell's value: a number as a number, anything else as its text (formatting inside it dropped)."""
    data = cell.find(f"{_SS}Data")
    if data is None:
        return None
    text = "".join(data.itertext())
    if data.get(f"{_SS}Type") == "Number":
        try:
            number = float(text)
        except ValueError:
            return text
        return _number(number)
    return text


def xls_sheets(path: Path) -> Sheets:
    """Each worksheet's name and its rows of values, as ``workbook_sheets`` gives them, from an Excel 97-2003
    workbook: dates as datetimes (by the workbook's own date system), a formula's error as the text Excel shows.
    BadWorkbook where a part cannot be read, when it is reached."""
    import xlrd  # only an old workbook needs it

    try:  # xlrd writes its warnings to a log, by default standard output: the summary is this program's to write
        book = xlrd.open_workbook(path, on_demand=True, logfile=io.StringIO())
    except Exception as error:  # noqa: BLE001 - xlrd lets a damaged file's errors through untyped (struct's,
        # an IndexError, an AssertionError, its own CompDocError): each means a workbook that cannot be read
        raise BadWorkbook(_why(error)) from None
    try:
        for index, name in enumerate(book.sheet_names()):
            yield name, _xls_rows(book, index)
    finally:
        book.release_resources()


def _xls_rows(book: Any, index: int) -> Iterator[tuple[Any, ...]]:
    try:  # on demand: the sheet is parsed when it is reached
        sheet = book.sheet_by_index(index)
    except Exception as error:  # noqa: BLE001 - as in xls_sheets
        raise BadWorkbook(_why(error)) from None
    for number in range(sheet.nrows):
        yield tuple(_xls_value(cell, book.datemode) for cell in sheet.row(number))


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return _number(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError):  # a date cell holding no date: its number
            return _number(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR!")
    return cell.value


def _number(value: float) -> int | float:
    """A whole number as an int (an id in a number cell is "101", not "101.0")."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
#: What a cell's text holds besides text: runs of spaces (``text:s``, ``text:c`` of them), tabs, line breaks.
_ODF_BLANKS = {f"{_TEXT}s": " ", f"{_TEXT}tab": "\t", f"{_TEXT}line-break": "\n"}
#: How many cells a sheet's repeats may stand for, at least: a cell's XML is 19 bytes or more, so past one cell
#: a byte (and this floor) the repeats, not the content, make the cells (a few bytes for a million rows).
_CELL_FLOOR = 10_000_000


def ods_sheets(path: Path) -> Sheets:
    """Each sheet's name and its rows of values, as ``workbook_sheets`` gives them, from an OpenDocument
    spreadsheet's ``content.xml``: numbers as numbers, dates as the ISO 8601 text the file holds, anything else as
    the text shown. Runs of empty rows and cells at a sheet's end (LibreOffice writes one to its last row) are not
    given. BadWorkbook where the content cannot be unpacked, or its repeats stand for more cells than its size
    holds; ReaderError (by the XML parser) where it is not XML."""
    _refuse_a_bomb(path)
    try:
        with zipfile.ZipFile(path) as archive:
            content = archive.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, zlib.error, EOFError) as error:
        raise BadWorkbook(_why(error)) from None
    root = parse_xml(path, content).root
    budget = _CellBudget(max(_CELL_FLOOR, len(content)))
    sheets = [table for table in root.iter(f"{_TABLE}table") if _table_of(table) is None]  # not a table in a cell
    for number, sheet in enumerate(sheets, start=1):
        yield sheet.get(f"{_TABLE}name") or f"Sheet{number}", _ods_rows(sheet, budget)


@dataclass
class _CellBudget:
    left: int

    def spend(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise BadWorkbook("its repeated rows and cells stand for more cells than a file of its size holds")


def _table_of(element: etree._Element) -> etree._Element | None:
    return next(element.iterancestors(f"{_TABLE}table"), None)


def _ods_rows(sheet: etree._Element, budget: _CellBudget) -> Iterator[tuple[Any, ...]]:
    given = blank = 0  # rows given so far; empty rows after them, given only when a row with a value follows
    for row in sheet.iter(f"{_TABLE}table-row"):
        if _table_of(row) is not sheet:
            continue
        repeat = _whole(row.get(f"{_TABLE}number-rows-repeated"), 1, _MAX_ROWS)
        cells = _ods_cells(row)
        if not cells:
            blank += repeat
            continue
        if given + blank + repeat > _MAX_ROWS:
            raise BadWorkbook(f"a row past row {_MAX_ROWS:,}, the last a sheet has")
        budget.spend(len(cells) * repeat)
        yield from ((),) * blank
        yield from (cells,) * repeat
        given, blank = given + blank + repeat, 0


def _ods_cells(row: etree._Element) -> tuple[Any, ...]:
    """A row's values up to its last non-empty cell; a merged cell's covered part is empty."""
    cells: list[Any] = []
    blank = 0
    for cell in row.iterchildren(f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
        repeat = _whole(cell.get(f"{_TABLE}number-columns-repeated"), 1, _MAX_COLUMNS)
        value = _ods_value(cell) if cell.tag == f"{_TABLE}table-cell" else None
        if value is None:
            blank += repeat
            continue
        if len(cells) + blank + repeat > _MAX_COLUMNS:
            raise BadWorkbook(f"a cell past column {_MAX_COLUMNS:,}, the last a sheet has")
        cells += [None] * blank + [value] * repeat
        blank = 0
    return tuple(cells)


def _ods_value(cell: etree._Element) -> Any:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        try:
            return _number(float(cell.get(f"{_OFFICE}value") or ""))
        except ValueError:
            pass  # a damaged value: the text shown
    elif kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    elif kind == "date" and cell.get(f"{_OFFICE}date-value"):
        return cell.get(f"{_OFFICE}date-value")
    # the cell's own paragraphs: a comment attached to the cell (office:annotation) holds others
    text = "\n".join(_odf_text(paragraph) for paragraph in cell.iterchildren(f"{_TEXT}p", f"{_TEXT}h"))
    return text or None


def _odf_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag in _ODF_BLANKS:
            count = _whole(child.get(f"{_TEXT}c"), 1, 1000) if child.tag == f"{_TEXT}s" else 1
            parts.append(_ODF_BLANKS[child.tag] * count)
        elif isinstance(child.tag, str):  # not a comment or processing instruction
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
