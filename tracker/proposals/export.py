"""The year's list as .xlsx in the layout offices hand to the congress and the CPPCC.

One sheet per kind (人大代表建议, 政协提案), header row first, one row per item: 编号, 标题, 代表/委员,
主办, 协办, 交办日期, 答复日期, 类别, 满意度 (queries.EXPORT_COLUMNS).
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .. import spreadsheet
from ..rules import proposals as rules
from .queries import EXPORT_COLUMNS, export_items, export_row

WIDTHS = (14, 48, 16, 14, 24, 12, 12, 6, 10)
DATE_COLUMNS = {"交办日期", "答复日期"}


def year_workbook(user, args, today: date) -> tuple[bytes, int]:
    """The workbook bytes and the number of items in it (the items the user may see, filtered by args)."""
    items = export_items(user, args, today)
    wanted = args.get("kind") if args.get("kind") in rules.KINDS else None
    wb = Workbook()
    wb.remove(wb.active)
    for kind, label in rules.KINDS.items():
        if wanted and kind != wanted:
            continue
        ws = wb.create_sheet(label)
        ws.append(list(EXPORT_COLUMNS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for p in items:
            if p.kind == kind:
                ws.append(spreadsheet.row(ws, export_row(p)))
        for i, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        for i, name in enumerate(EXPORT_COLUMNS, start=1):
            if name in DATE_COLUMNS:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), len(items)
