"""Every xlsx workbook the platform writes puts its cells through here, so that text is always text.

Names, units, survey answers and titles come from people, and a text that begins with ``=`` (or ``+``, ``-``,
``@``, a tab or a carriage return, or their full-width forms) is what a spreadsheet takes for a formula:
``=HYPERLINK(...)`` in a member's name would become a live link in an organizer's export. openpyxl itself turns
any str starting with "=" into a formula cell. Here every str is stored as a string cell (``data_type "s"``,
never evaluated), with Excel's quote prefix where it begins like a formula so that editing the cell keeps it text;
characters an xlsx file cannot hold (control characters) become U+FFFD instead of failing the whole export.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# What spreadsheets (Excel, LibreOffice, WPS) read as the start of a formula, and the full-width forms a Chinese
# input method types for them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
SHEET_TITLE_MAX = 31  # Excel's limit
SHEET_TITLE_FORBIDDEN = "[]:*?/\\"


def clean_text(value: str) -> str:
    """The text with the characters an xlsx file cannot hold replaced by U+FFFD (nothing silently dropped)."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def text_cell(ws: Worksheet, value: Any) -> Any:
    """A value ready for ``ws.append``: a str becomes a string Cell that no spreadsheet evaluates; anything else
    (numbers, dates, None, Cells) is returned as it is."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    cell = Cell(ws, value=value)
    cell.data_type = "s"  # openpyxl made "=..." a formula ("f"); a string cell is shown, never run
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def append(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with every text written as text."""
    ws.append([text_cell(ws, v) for v in values])


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)`` with text written as text; the cell, for styling."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    else:
        cell.value = value
    return cell


def sheet_title(wb: Workbook, text: str) -> str:
    """A sheet name Excel accepts, unique in ``wb``: none of []:*?/\\, no leading or trailing apostrophe, at most
    31 characters (a repeated name gets ·2, ·3 within the limit); "表" when nothing is left."""
    name = "".join(c for c in clean_text(text) if c not in SHEET_TITLE_FORBIDDEN and c != "\ufffd").strip().strip("'")
    name = name[:SHEET_TITLE_MAX] or "表"
    taken, base, n = {ws.title for ws in wb.worksheets}, name, 1
    while name in taken:
        n += 1
        suffix = f"·{n}"
        name = base[:SHEET_TITLE_MAX - len(suffix)] + suffix
    return name
