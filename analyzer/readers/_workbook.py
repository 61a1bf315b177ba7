"""Excel workbooks (.xlsx, .xlsm): the sheets' cells, as the table reader takes them.

Comment-moderation tools and export services hand newsrooms their comments as workbooks, often with a
title block above the table (``tabular`` finds the header). Read with openpyxl in read-only mode, so a
large sheet streams; cells are the values Excel shows (formulas' cached results, not the formulas).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analyzer.readers._compressed import expansion_limit, too_large

#: The part every Office Open XML workbook has; Word and PowerPoint files have word/ and ppt/ instead.
_WORKBOOK_PART = "xl/workbook.xml"


class BadWorkbook(Exception):
    """A workbook openpyxl cannot open: a damaged zip, a missing part, an encrypted file."""


def is_workbook(path: Path) -> bool:
    """Whether the file is a zip holding an Excel workbook."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _WORKBOOK_PART in archive.namelist()
    except (zipfile.BadZipFile, OSError):
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
