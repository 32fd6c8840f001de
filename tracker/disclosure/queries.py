"""Queries of the request lists: the one filtered query that the list page and every export share."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_

from ..accounts.access import visible_requests
from ..rules.clock import today_cn, year_bounds
from ..web import id_arg
from ..workcal.service import current_calendar
from .models import DisclosureRequest
from .workflow import PAUSE_REASON_LABELS, STATUS_LABELS

SORTS = {
    "received_desc": (DisclosureRequest.received_on.desc(), DisclosureRequest.id.desc()),
    "received_asc": (DisclosureRequest.received_on.asc(), DisclosureRequest.id.asc()),
    "due_asc": (DisclosureRequest.due_date.asc(), DisclosureRequest.id.asc()),
}


def filtered_query(user, args):
    """The case list query for the filters in args; shared by the list page and exports."""
    q = visible_requests(user)
    status = args.get("status") or ""
    if status in STATUS_LABELS:
        q = q.where(DisclosureRequest.status == status)
    elif status == "open":
        q = q.where(DisclosureRequest.status != "concluded")
    elif status.startswith("paused:") and status[7:] in PAUSE_REASON_LABELS:
        q = q.where(DisclosureRequest.status == "paused", DisclosureRequest.pause_reason == status[7:])
    elif status == "withdrawn":
        q = q.where(DisclosureRequest.status == "concluded", DisclosureRequest.withdrawn.is_(True))
    section_id = id_arg(args, "section")
    if section_id:
        q = q.where(DisclosureRequest.section_id == section_id)
    bounds = year_bounds(args.get("year", type=int))
    if bounds:
        q = q.where(DisclosureRequest.received_on.between(*bounds))
    atype = args.get("applicant_type") or ""
    if atype:
        q = q.where(DisclosureRequest.applicant_type == atype)
    due = args.get("due") or ""
    today = today_cn()
    if due == "overdue":
        q = q.where(DisclosureRequest.status != "concluded", DisclosureRequest.due_date < today)
    elif due == "soon":  # 临期 and 今日到期, as rules.deadlines.due_status counts them
        soon = current_app.config.get("DUE_SOON_WORKDAYS", 3)
        q = q.where(
            DisclosureRequest.status != "concluded",
            DisclosureRequest.due_date >= today,
            DisclosureRequest.due_date < current_calendar().add_workdays(today, soon + 1),
        )
    elif due == "paused":
        q = q.where(DisclosureRequest.status != "concluded", DisclosureRequest.due_date.is_(None))
    text = (args.get("q") or "").strip()
    if text:
        like = f"%{text}%"
        q = q.where(
            or_(
                DisclosureRequest.number.like(like),
                DisclosureRequest.applicant_name.like(like),
                DisclosureRequest.subject.like(like),
                DisclosureRequest.content.like(like),
            )
        )
    sort = args.get("sort") if args.get("sort") in SORTS else "received_desc"
    return q.order_by(*SORTS[sort]), sort
