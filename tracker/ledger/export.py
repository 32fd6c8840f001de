"""Ledger workbooks: the blank template of each kind, and exports of the request and proposal lists.

Exports use the import's own columns (tracker.ledger.parse.SPECS) and sheet names, plus 状态 and 答复期限,
so an exported file imports again unchanged: export, then import into an empty database, gives the same
report. Rows stream from the database in batches into a write-only workbook; memory stays flat.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from ..accounts.models import Section
from ..disclosure.models import DisclosureRequest, Review
from ..disclosure.workflow import status_label
from ..extensions import db
from ..rules import intake as intake_rules
from ..rules import proposals as proposal_rules
from ..rules.outcomes import outcome as outcome_of
from ..rules.report_layout import APPLICANT_TYPES
from . import parse

COMPUTED = ("状态", "答复期限")
_APPLICANT_LABELS = {t.id: t.label for t in APPLICANT_TYPES}
_CHANNEL_LABELS = {c.id: c.label for c in intake_rules.CHANNELS}
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
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    """A safe cell: dates formatted as dates, text never taken for a formula, no control characters."""
    if isinstance(value, date):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = "yyyy-mm-dd"
        return c
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        c = WriteOnlyCell(ws, value=value)
        if value.startswith("="):
            c.data_type = "s"  # a ledger cell beginning with = is text; never run it as a formula
        return c
    return value


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ requests


def request_columns() -> list[str]:
    return [*parse.SPECS[parse.REQUESTS].headers, *COMPUTED]


def requests_workbook(query) -> tuple[bytes, int]:
    """The requests of ``query`` (a select of DisclosureRequest, already scoped and ordered) and their
    reviews, as a workbook with the sheets 依申请公开 and 复议诉讼; returns (bytes, number of requests)."""
    R = DisclosureRequest
    stmt = query.outerjoin(Section, Section.id == R.section_id).with_only_columns(
        R.id,
        R.number,
        R.received_on,
        R.applicant_type,
        R.applicant_name,
        R.channel,
        R.content,
        Section.name.label("section"),
        R.concluded_on,
        R.outcome,
        R.remarks,
        R.status,
        R.pause_reason,
        R.withdrawn,
        R.due_date,
        R.due_provisional,
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(parse.SPECS[parse.REQUESTS].sheet)
    _header(ws, request_columns())
    count = 0
    for r in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        due = (
            ""
            if r.status == "concluded" or r.due_date is None
            else (f"{r.due_date.isoformat()}（暂定）" if r.due_provisional else r.due_date)
        )
        ws.append(
            [
                _cell(ws, v)
                for v in (
                    r.number,
                    r.received_on,
                    _APPLICANT_LABELS.get(r.applicant_type, r.applicant_type),
                    r.applicant_name,
                    _CHANNEL_LABELS.get(r.channel, r.channel),
                    r.content,
                    r.section or "",
                    r.concluded_on,
                    outcome_of(r.outcome).short_label if r.outcome else "",
                    r.remarks or "",
                    status_label(r),
                    due,
                )
            ]
        )
        count += 1

    reviews = db.session.execute(
        select(R.number, Review.kind, Review.filed_on, Review.concluded_on, Review.result)
        .join(R, Review.request_id == R.id)
        .where(Review.request_id.in_(query.order_by(None).with_only_columns(R.id).scalar_subquery()))
        .order_by(R.number, Review.filed_on, Review.id)
        .execution_options(yield_per=BATCH)
    )
    ws2 = wb.create_sheet(parse.SPECS[parse.REVIEWS].sheet)
    _header(ws2, parse.SPECS[parse.REVIEWS].headers)
    for number, kind, filed, concluded, result in reviews:
        ws2.append(
            [
                _cell(ws2, v)
                for v in (
                    number,
                    parse.REVIEW_KIND_LABELS.get(kind, kind),
                    filed,
                    concluded,
                    parse.REVIEW_RESULT_LABELS.get(result or "", ""),
                )
            ]
        )
    return _save(wb), count


# ----------------------------------------------------------------------------------------- proposals


def proposal_columns() -> list[str]:
    return [*parse.SPECS[parse.PROPOSALS].headers, *COMPUTED]


def proposals_workbook(query) -> tuple[bytes, int]:
    """The items of ``query`` (a scoped select of Proposal) in the import's columns, sheet 建议提案."""
    from sqlalchemy.orm import joinedload, selectinload

    from ..proposals.models import Proposal, ProposalCohandler

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(parse.SPECS[parse.PROPOSALS].sheet)
    _header(ws, proposal_columns())
    items = db.session.scalars(
        query.options(
            joinedload(Proposal.lead_section), selectinload(Proposal.cohandlers).joinedload(ProposalCohandler.section)
        )
    ).unique()
    count = 0
    for p in items:
        due = "" if p.due_date is None else (f"{p.due_date.isoformat()}（暂定）" if p.due_provisional else p.due_date)
        ws.append(
            [
                _cell(ws, v)
                for v in (
                    proposal_rules.kind_label(p.kind),
                    p.session,
                    p.number,
                    p.title,
                    p.lead_author,
                    p.assigned_on,
                    p.lead_section.name if p.lead_section else "",
                    "、".join(c.section.name for c in p.cohandlers),
                    p.reply_date,
                    p.result_class or "",
                    proposal_rules.SATISFACTION.get(p.satisfaction or "", ""),
                    proposal_rules.status_label(p.status),
                    due,
                )
            ]
        )
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
        if not values or (kind == parse.REQUESTS and c.header == "办理结果"):
            continue  # 21 outcomes do not fit a drop-down's 255 characters; 填写说明 lists them
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
