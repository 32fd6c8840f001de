"""Ledger workbooks: the blank template of each kind, and exports of the request and proposal lists.

Exports use the import's own columns (the field spec, tracker.ledger.fields) and sheet names, plus 状态 and 答复期限,
so an exported file imports again unchanged: export, then import into an empty database, gives the same
report. Rows stream from the database in batches into a write-only workbook; memory stays flat.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from .. import audit, spreadsheet
from ..accounts.models import Section
from ..disclosure.models import DisclosureRequest, Review
from ..disclosure.workflow import status_label
from ..extensions import db
from ..rules import proposals as proposal_rules
from ..unit_of_work import unit_of_work
from . import parse

COMPUTED = ("状态", "答复期限")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WIDTHS = {
    "申请内容": 48,
    "标题": 40,
    "申请人": 20,
    "编号": 22,
    "届次": 22,
    "备注": 24,
    "承办科室": 14,
    "协办科室": 20,
    "办理结果": 28,
    "状态": 14,
}

BATCH = 2000


def _header(ws, headers: list[str]) -> None:
    cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(c)
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(h, 12)
    ws.freeze_panes = "A2"
    ws.append(cells)


def _cell(ws, value):
    """A safe cell (tracker.spreadsheet): dates formatted as dates, text never taken for a formula."""
    return spreadsheet.cell(ws, value, "yyyy-mm-dd" if isinstance(value, date) else None)


def record_export(actor, subject_type: str, data: dict) -> None:
    """An export takes records (with personal data) out of the system: who took which, one event."""
    with unit_of_work():
        audit.record(f"{subject_type}.exported", subject_type=subject_type, subject_id=None, actor=actor, data=data)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ requests


def _section_names() -> dict[int, str]:
    return dict(db.session.execute(select(Section.id, Section.name)).all())


def _cells(ws, spec, record, names: dict[int, str], *extra) -> list:
    """One row of the export: every field of the sheet as the ledger writes it, then ``extra``."""
    return [_cell(ws, v) for v in (*(f.exported(f.stored(record, names)) for f in spec.fields), *extra)]


def _due(status_open: bool, due, provisional: bool):
    if not status_open or due is None:
        return ""
    return f"{due.isoformat()}（暂定）" if provisional else due


def _plain(spec) -> list:
    """The model columns of the sheet's fields, in its order."""
    return [f.column for f in spec.fields if f.column]


def request_columns() -> list[str]:
    return [*parse.SPECS[parse.REQUESTS].headers, *COMPUTED]


def requests_workbook(query) -> tuple[bytes, int]:
    """The requests of ``query`` (a select of DisclosureRequest, already scoped and ordered) and their
    reviews, as a workbook with the sheets 依申请公开 and 复议诉讼; returns (bytes, number of requests)."""
    R = DisclosureRequest
    spec, review_spec = parse.SPECS[parse.REQUESTS], parse.SPECS[parse.REVIEWS]
    # what status_label reads besides the sheet's columns (delivered_on, source: 已办结（答复未送达）)
    state = (R.status, R.pause_reason, R.withdrawn, R.due_date, R.due_provisional, R.delivered_on, R.source)
    stmt = query.with_only_columns(*(getattr(R, c) for c in _plain(spec)), *state)
    names = _section_names()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    _header(ws, request_columns())
    count = 0
    for r in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        due = _due(r.status != "concluded", r.due_date, r.due_provisional)
        ws.append(_cells(ws, spec, r, names, status_label(r), due))
        count += 1

    # A review's 编号 is its request's number, selected under the field's key.
    reviews = db.session.execute(
        select(R.number, *(getattr(Review, c) for c in _plain(review_spec)))
        .join(R, Review.request_id == R.id)
        .where(Review.request_id.in_(query.order_by(None).with_only_columns(R.id).scalar_subquery()))
        .order_by(R.number, Review.filed_on, Review.id)
        .execution_options(yield_per=BATCH)
    )
    ws2 = wb.create_sheet(review_spec.sheet)
    _header(ws2, review_spec.headers)
    for review in reviews:
        ws2.append(_cells(ws2, review_spec, review, names))
    return _save(wb), count


def reviews_workbook(query) -> tuple[bytes, int]:
    """The reviews of ``query`` (a select of Review, already scoped and ordered: a report figure's list)
    as the 复议诉讼 sheet of the ledger, and last the case number the report's list shows (the request's
    number, or 复议诉讼#id for a review not tied to a registered request); returns (bytes, count)."""
    from ..reports.cells import review_number

    R = DisclosureRequest
    spec = parse.SPECS[parse.REVIEWS]
    stmt = query.with_only_columns(R.number, Review.id, *(getattr(Review, c) for c in _plain(spec))).outerjoin(
        R, R.id == Review.request_id
    )
    names = _section_names()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    _header(ws, [*spec.headers, "案件编号"])
    count = 0
    for review in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        ws.append(_cells(ws, spec, review, names, review_number(review.number, review.id)))
        count += 1
    return _save(wb), count


# ----------------------------------------------------------------------------------------- proposals


def proposal_columns() -> list[str]:
    return [*parse.SPECS[parse.PROPOSALS].headers, *COMPUTED]


def proposals_workbook(query) -> tuple[bytes, int]:
    """The items of ``query`` (a scoped select of Proposal) in the import's columns, sheet 建议提案."""
    from sqlalchemy.orm import selectinload

    from ..proposals.models import Proposal

    spec = parse.SPECS[parse.PROPOSALS]
    names = _section_names()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    _header(ws, proposal_columns())
    count = 0
    for p in db.session.scalars(query.options(selectinload(Proposal.cohandlers))):
        status = proposal_rules.status_label(p.status)
        ws.append(_cells(ws, spec, p, names, status, _due(True, p.due_date, p.due_provisional)))
        count += 1
    return _save(wb), count


# ------------------------------------------------------------------------------------------ templates


def template_workbook(kind: str) -> bytes:
    """A blank sheet with the headers of ``kind`` and a second sheet 填写说明 listing every column and the
    values it accepts; short value lists are also offered as drop-downs."""
    spec = parse.SPECS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    ws.append(spec.headers)
    for i, c in enumerate(spec.fields, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if c.required else None)
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(c.header, 14)
    ws.freeze_panes = "A2"
    allowed = parse.allowed_values(kind)
    for i, c in enumerate(spec.fields, start=1):
        values = allowed.get(c.header)
        if not values or not c.vocabulary.dropdown:
            continue
        formula = '"' + ",".join(values) + '"'
        if len(formula) <= 255:
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
            ws.add_data_validation(dv)
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}100000")

    help_ws = wb.create_sheet("填写说明")
    help_ws.append([f"{spec.label}台账填写说明"])
    help_ws["A1"].font = Font(bold=True, size=13)
    help_ws.append(
        [
            "第一行为表头（列的顺序可以调整，红色为必填列），从第二行起每行一条记录。"
            "导入时先检查整个文件，有任何问题则全部不导入，并逐行列出问题。"
        ]
    )
    help_ws.append([])
    help_ws.append(["列名", "是否必填", "说明"])
    for cell in help_ws[help_ws.max_row]:
        cell.font = Font(bold=True)
    for c in spec.fields:
        help_ws.append([c.header, "必填" if c.required else "选填", c.help])
    for header, values in allowed.items():
        help_ws.append([])
        help_ws.append([f"“{header}”可填写的值"])
        help_ws.cell(row=help_ws.max_row, column=1).font = Font(bold=True)
        for v in values:
            help_ws.append([v])
    if kind == parse.REGISTER:
        help_ws.append([])
        help_ws.append(["“类别”可填写的值"])
        help_ws.cell(row=help_ws.max_row, column=1).font = Font(bold=True)
        for v in register_categories():
            help_ws.append([v])
    help_ws.column_dimensions["A"].width = 60
    help_ws.column_dimensions["B"].width = 10
    help_ws.column_dimensions["C"].width = 70
    return _save(wb)


def register_categories() -> list[str]:
    """The table 二 categories by their labels, then the suggested proactive-disclosure categories."""
    from ..reports import registers
    from ..reports.models import DECISION, DOCUMENT, FEE, PROACTIVE_CATEGORIES

    fixed = [label for kind in (DOCUMENT, DECISION, FEE) for _, label in registers.categories(kind)]
    return fixed + [f"{c}（主动公开信息类别，也可填写其他类别）" for c in PROACTIVE_CATEGORIES]
