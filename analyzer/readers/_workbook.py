"""Excel workbooks (.xlsx, .xlsm; and Excel 2003's XML spreadsheets): the sheets' cells, as the table reader
takes them.

Comment-moderation tools and export services hand newsrooms their comments as workbooks, often with a
title block above the table (``tabular`` finds the header). Read with openpyxl in read-only mode, so a
large sheet streams; cells are the values Excel shows (formulas' cached results, not the formulas). Older
"Export to Excel" code writes Excel 2003's XML spreadsheet format instead (``<Workbook xmlns=
"urn:schemas-microsoft-com:office:spreadsheet">``, often named ``.xls``), read here as untrusted XML.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from analyzer.readers._compressed import WORKBOOK_PART, expansion_limit, too_large
from analyzer.readers._structured import parse_xml

#: Excel 2003's XML spreadsheet: its root element in its namespace (the prefix as the writer chose).
_SPREADSHEET_ML = re.compile(rb"<(?:\w+:)?Workbook\b[^>]*urn:schemas-microsoft-com:office:spreadsheet")
_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


class BadWorkbook(Exception):
    """A workbook openpyxl cannot open: a damaged zip, a missing part, an encrypted file."""


def is_workbook(path: Path) -> bool:
    """Whether the file is a zip holding an Excel workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            return WORKBOOK_PART in archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, OSError):
        return False


def workbook_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[Any, ...]]]]:
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


def spreadsheet_ml_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[Any, ...]]]]:
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
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return text
