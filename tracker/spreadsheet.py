"""Writing text into the product's spreadsheets safely: the one helper of every .xlsx and .csv writer.

The rule (which text is a formula to Excel/WPS, which characters XML cannot hold) is
tracker.rules.text; this module applies it with openpyxl. A formula-like text in an .xlsx is stored as a
string cell (``t="inlineStr"``, never ``<f>``) with Excel's quote prefix, so the file shows it as text, a
later edit of the cell keeps it text, and a re-import reads the very same text (ledger round trip). A
.csv has no cell types, so there the text gets the leading apostrophe (``text.cell_text``).
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles.cell_style import StyleArray

from .rules import text


def _mark_text(cell) -> None:
    cell.data_type = "s"
    if cell._style is None:  # a write-only cell without a style yet
        cell._style = StyleArray()
    cell._style.quotePrefix = 1


def put(cell, value) -> None:
    """Set ``cell.value`` (a cell of a normal workbook): text XML-safe, and text kept text."""
    if isinstance(value, str):
        value = text.xml_safe(value)
        cell.value = value
        if value.startswith(text.FORMULA_STARTS):
            _mark_text(cell)
    else:
        cell.value = value


def cell(ws, value, number_format: str | None = None):
    """A cell for ``ws.append`` (write-only or normal workbook) holding ``value`` safely."""
    c = WriteOnlyCell(ws)
    put(c, value)
    if number_format and not isinstance(value, str):
        c.number_format = number_format
    return c


def row(ws, values) -> list:
    """``values`` as safe cells for one ``ws.append``."""
    return [cell(ws, v) for v in values]


csv_row = text.csv_row  # a .csv has no cell types: formula-like text gets a leading apostrophe
