"""The report as files: JSON (report-format.md's form), .xlsx (the three tables) and .docx (the whole report).

Every table is drawn from rules.report_layout.layout(), the one description of the official tables with
their merged cells; this module only places those cells on a grid and styles them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

from .. import spreadsheet
from ..rules.report_layout import Cell, cell_value, version_of
from ..rules.text import xml_safe
from .structure import SECTIONS, parts_of, report_title

TABLE_SHEETS = {"table2": "表二 主动公开", "table3": "表三 依申请公开", "table4": "表四 复议诉讼"}


@dataclass(frozen=True)
class Placed:
    row: int
    col: int
    cell: Cell

    @property
    def last_row(self) -> int:
        return self.row + self.cell.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.cell.colspan - 1


def place(grid: list[list[Cell]]) -> tuple[list[Placed], int, int]:
    """Grid positions of layout cells (HTML rowspan/colspan semantics): (cells, rows, columns)."""
    taken: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    width = 0
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append(Placed(r, c, cell))
            taken.update((rr, cc) for rr in range(r, r + cell.rowspan) for cc in range(c, c + cell.colspan))
            c += cell.colspan
            width = max(width, c)
    return placed, len(grid), width


def figure_text(value) -> str:
    """A figure as printed: integers plainly, amounts in 万元 without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------------------------------- xlsx


def to_xlsx(report: dict, case_sheets=()) -> bytes:
    """The three tables, one sheet each; then `case_sheets` (reports.cells.CaseSheet: each figure's cases,
    given by the caller, which reads the records)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    wb.remove(wb.active)
    headings = {s.table: s.heading for s in SECTIONS if s.table}
    agency, title = report_title(report["agency"]["name"], report["year"])
    version = version_of(report)  # a frozen report renders in the layout it was frozen under
    for table, sheet_name in TABLE_SHEETS.items():
        ws = wb.create_sheet(sheet_name)
        placed, _rows, width = place(version.layout(table))
        spreadsheet.put(ws.cell(1, 1), f"{agency}{title}")
        ws.cell(1, 1).font = Font(bold=True, size=12)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        spreadsheet.put(ws.cell(2, 1), headings[table])
        ws.cell(2, 1).font = Font(bold=True)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        top = 3
        for p in placed:
            r, c = top + p.row, 1 + p.col
            cell = ws.cell(r, c)
            if p.cell.is_header:
                spreadsheet.put(cell, p.cell.text)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            else:
                spreadsheet.put(cell, cell_value(report, p.cell.ref))
                cell.alignment = Alignment(horizontal="center", vertical="center")
            if p.cell.rowspan > 1 or p.cell.colspan > 1:
                ws.merge_cells(start_row=r, start_column=c, end_row=top + p.last_row, end_column=1 + p.last_col)
            for rr in range(r, top + p.last_row + 1):
                for cc in range(c, 2 + p.last_col):
                    ws.cell(rr, cc).border = border
        widths = {
            "table2": [22] + [14] * (width - 1),
            "table3": [8, 12, 36] + [10] * (width - 3),
            "table4": [9] * width,
        }[table]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
    for sheet in case_sheets:
        _case_sheet(wb, sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CASE_SHEET_NOTE = "以上按现有记录列出；已发布年度的数字以发布的报告为准（差异见报告页面）。"


def _case_sheet(wb, sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from .cells import XLSX_MAX_ROWS

    ws = wb.create_sheet(sheet.name)
    ws.append(spreadsheet.row(ws, sheet.headers))
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, w in enumerate((40, 44, 20, 24, 24, 14, 14), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    n = 0
    for n, values in enumerate(sheet.rows, start=1):
        if n > XLSX_MAX_ROWS:
            ws.append(spreadsheet.row(ws, ["超过 Excel 的行数上限，其余未列出：请在报告页面逐个数字导出。"]))
            break
        ws.append([spreadsheet.cell(ws, v, "yyyy-mm-dd" if isinstance(v, date) else None) for v in values])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{max(min(n, XLSX_MAX_ROWS) + 1, 1)}"
    ws.append(spreadsheet.row(ws, [CASE_SHEET_NOTE]))


# ------------------------------------------------------------------------------------------- docx

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(doc, text: str, font: str, size: float, *, bold=False, center=False, indent=True):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)  # two characters, as official documents do
    _font(p.add_run(xml_safe(text)), font, size, bold)  # stored text must never break the report
    return p


def _docx_table(doc, report: dict, table: str) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    placed, rows, width = place(version_of(report).layout(table))
    t = doc.add_table(rows=rows, cols=width)
    t.style = "Table Grid"
    size = 8 if table == "table3" else 9
    for p in placed:
        cell = t.cell(p.row, p.col)
        if p.cell.rowspan > 1 or p.cell.colspan > 1:
            cell = cell.merge(t.cell(p.last_row, p.last_col))
        text = p.cell.text if p.cell.is_header else figure_text(cell_value(report, p.cell.ref))
        para = cell.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _font(para.add_run(xml_safe(text)), TABLE_FONT, size)


def _texts(doc, text: str) -> None:
    for line in (text or "").split("\n"):
        if line.strip():
            _paragraph(doc, line.strip(), BODY_FONT, 16)


def to_docx(report: dict, narrative: dict[str, str]) -> bytes:
    """The whole report in the official order: title, preface, 一 … 六, the tables in 二, 三, 四."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    from docx.oxml.ns import qn

    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    for line in report_title(report["agency"]["name"], report["year"]):
        _paragraph(doc, line, TITLE_FONT, 22, center=True)
    for part in parts_of(None):
        _texts(doc, narrative.get(part.id, ""))
    for section in SECTIONS:
        _paragraph(doc, section.heading, HEADING_FONT, 16)
        for part in parts_of(section.id):
            if part.heading:
                _paragraph(doc, part.heading, SUBHEADING_FONT, 16, bold=True)
            _texts(doc, narrative.get(part.id, ""))
        if section.table:
            _docx_table(doc, report, section.table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


FORMATS = ("json", "xlsx", "docx")


def to_file(fmt: str, report: dict, narrative: dict[str, str], case_sheets=()) -> bytes:
    """The report as a file of `fmt` (one of FORMATS); an .xlsx also gets `case_sheets`."""
    if fmt == "json":
        return to_json(report).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(report, case_sheets)
    if fmt == "docx":
        return to_docx(report, narrative)
    raise ValueError(f"unknown report format {fmt!r}")
