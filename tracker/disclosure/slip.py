"""The 办理单 (routing and approval slip) of a request: what was received, where it was routed with which
instructions, the chain of approvals with names and dates, and how the deadline was counted — one
record for the file, as a print page and as a .docx. Everything comes from the case and its events."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import Event
from ..extensions import db
from ..rules import outcomes
from ..rules.clock import to_cn
from ..rules.intake import format_date_cn
from ..workcal.service import current_calendar
from . import clock
from .workflow import status_label

# The events of the slip's chain, in the order they happen; their labels are the event log's.
CHAIN = (
    "request.registered",
    "request.assigned",
    "request.reassigned",
    "request.handler_assigned",
    "request.cohandler_added",
    "request.opinion_submitted",
    "request.clarification_sent",
    "request.clarification_received",
    "request.consultation_sent",
    "request.consultation_closed",
    "request.fee_notice_sent",
    "request.fee_paid",
    "request.extension_requested",
    "request.extension_approved",
    "request.extension_refused",
    "request.excessive_deadline_set",
    "request.draft_submitted",
    "request.draft_returned",
    "request.draft_approved",
    "request.clarification_lapsed",
    "request.fee_lapsed",
    "request.disclosure_over_objection",
    "request.split",
    "request.concluded",
    "request.withdrawn",
    "request.reopened",
)


@dataclass
class Step:
    when: str  # China time, minutes
    who: str
    what: str
    note: str


@dataclass
class Slip:
    number: str
    facts: list[tuple[str, str]]
    steps: list[Step] = field(default_factory=list)
    deadline: list[str] = field(default_factory=list)


def _detail(data: dict) -> str:
    """Where a step sent the case: the section or handler it was given (old → new in the event's data)."""
    for key, label in (("section", "至"), ("handler", "：")):
        value = data.get(key)
        if isinstance(value, list) and len(value) == 2 and value[1]:
            return f"{label}{value[1]}"
    return ""


def build(req) -> Slip:
    """The slip of one request (already fetched through the scoped query): two statements."""
    events = db.session.scalars(
        select(Event)
        .options(joinedload(Event.actor))
        .where(Event.subject_type == "request", Event.subject_id == req.id, Event.kind.in_(CHAIN))
        .order_by(Event.id)
    ).all()
    outcome = outcomes.outcome(req.outcome).label if req.outcome and outcomes.is_valid(req.outcome) else "—"
    facts = [
        ("编号", req.number),
        ("申请人", req.applicant_name),
        ("收到申请之日", format_date_cn(req.received_on)),
        ("申请内容", req.subject),
        ("承办科室", req.section.name if req.section else "未分办"),
        ("承办人", req.handler.display_name if req.handler else "—"),
        ("领导批示", req.leader_instruction or "—"),
        ("法定答复期限", format_date_cn(req.due_date) if req.due_date else "暂停计时"),
        ("内部办理期限", format_date_cn(req.internal_due) if req.internal_due else "—"),
        ("状态", status_label(req)),
        ("答复结果", outcome),
    ]
    steps = [
        Step(
            to_cn(e.created_at).strftime("%Y-%m-%d %H:%M"),
            e.actor.display_name if e.actor else "系统",
            e.label + _detail(e.data or {}),
            e.note or "",
        )
        for e in events
    ]
    result = clock.compute(req, current_calendar())
    return Slip(req.number, facts, steps, list(result.explanation))


def docx_bytes(slip: Slip, agency_name: str) -> bytes:
    """The slip as a Word document (python-docx): a title, the facts, the chain and the deadline trace."""
    import docx
    from docx.shared import Pt

    from ..rules.text import xml_safe as clean_xml_text

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(11)
    d.add_heading(clean_xml_text(f"{agency_name}政府信息公开申请办理单"), level=1)
    table = d.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in slip.facts:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = clean_xml_text(label), clean_xml_text(value)
    d.add_heading("办理和审批经过", level=2)
    chain = d.add_table(rows=1, cols=4)
    chain.style = "Table Grid"
    for cell, head in zip(chain.rows[0].cells, ("时间", "经办人", "事项", "意见或说明"), strict=True):
        cell.text = head
    for s in slip.steps:
        cells = chain.add_row().cells
        for cell, value in zip(cells, (s.when, s.who, s.what, s.note), strict=True):
            cell.text = clean_xml_text(value)
    d.add_heading("答复期限的计算", level=2)
    for line in slip.deadline:
        d.add_paragraph(clean_xml_text(line), style="List Bullet")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
