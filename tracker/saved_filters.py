"""A person's saved list filters (常用筛选): a name and the list's arguments, opened again later.

Opening one checks every value against what exists now: a section or handler since deleted, a status
or filter the product no longer has, is dropped, and the person is told which (the list then opens
with the rest). Saving keeps only the arguments the list knows, so a saved filter never carries a page
number, a cursor or anything typed into the URL that the list ignores.
"""

from __future__ import annotations

from sqlalchemy import func, select

from . import audit
from .accounts.models import SavedFilter, Section, User
from .errors import FieldErrors, NotFound
from .extensions import db
from .lists import date_arg
from .rules.clock import valid_year
from .types import is_id, to_id
from .unit_of_work import unit_of_work

MAX_PER_USER = 30
NAME_LIMIT = 40
LISTS = {"requests": "依申请公开"}


def _request_checks(agency_id: int) -> dict:
    """For each argument of the request list: (its label, a check of one value -> kept value or None)."""
    from .disclosure.queries import AWAITING_LABELS, HANDLER_FILTERS, SORTS
    from .disclosure.workflow import PAUSE_REASON_LABELS, STATUS_LABELS
    from .rules.report_layout import APPLICANT_TYPE_IDS

    def section(v):
        sid = to_id(v)
        ok = sid is not None and db.session.scalar(
            select(func.count()).select_from(Section).where(Section.id == sid, Section.agency_id == agency_id)
        )
        return str(sid) if ok else None

    def handler(v):
        if v in HANDLER_FILTERS:
            return v
        uid = to_id(v)
        ok = uid is not None and db.session.scalar(
            select(func.count()).select_from(User).where(User.id == uid, User.agency_id == agency_id)
        )
        return str(uid) if ok else None

    statuses = {*STATUS_LABELS, "open", "withdrawn", *(f"paused:{r}" for r in PAUSE_REASON_LABELS)}
    return {
        "q": ("检索词", lambda v: v.strip()[:100] or None),
        "status": ("状态", lambda v: v if v in statuses else None),
        "section": ("科室", section),
        "handler": ("承办人", handler),
        "year": ("年度", lambda v: v if v.isascii() and v.isdigit() and valid_year(int(v)) else None),
        "applicant_type": ("申请人类型", lambda v: v if v in APPLICANT_TYPE_IDS else None),
        "due": ("期限", lambda v: v if v in ("overdue", "soon", "paused") else None),
        "received": ("收到日期", lambda v: v if date_arg({"d": v}, "d") else None),
        "awaiting": ("待办事项", lambda v: v if v in AWAITING_LABELS else None),
        "sort": ("排序", lambda v: v if v in SORTS else None),
    }


def _checks(list_name: str, agency_id: int) -> dict:
    if list_name == "requests":
        return _request_checks(agency_id)
    raise NotFound("没有这个列表。")


def clean(list_name: str, agency_id: int, args) -> tuple[dict[str, str], list[str]]:
    """(the arguments that still hold, the labels of those dropped)."""
    kept: dict[str, str] = {}
    dropped: list[str] = []
    for name, (label, check) in _checks(list_name, agency_id).items():
        value = args.get(name)
        if value in (None, ""):
            continue
        good = check(str(value)) if isinstance(value, str | int) else None
        if good is None:
            dropped.append(label)
        else:
            kept[name] = good
    return kept, dropped


def of(user, list_name: str) -> list[SavedFilter]:
    return list(
        db.session.scalars(
            select(SavedFilter)
            .where(SavedFilter.user_id == user.id, SavedFilter.list == list_name)
            .order_by(SavedFilter.name)
            .limit(MAX_PER_USER)
        )
    )


def save(actor, list_name: str, name, args) -> SavedFilter:
    """Save (or replace, by name) the actor's filter of ``list_name`` with the list's known arguments."""
    if list_name not in LISTS:
        raise NotFound("没有这个列表。")
    text = (name or "").strip() if isinstance(name, str) else ""
    if not text:
        raise FieldErrors({"name": "请为这组筛选条件起一个名称，例如“本科室超期”。"})
    if len(text) > NAME_LIMIT:
        raise FieldErrors({"name": f"名称不能超过{NAME_LIMIT}个字，现为{len(text)}个字。"})
    query, _ = clean(list_name, actor.agency_id, args)
    if not query:
        raise FieldErrors({"name": "当前列表没有任何筛选条件，无需保存。请先选择条件并点“筛选”。"})
    with unit_of_work():
        row = db.session.scalars(
            select(SavedFilter).where(
                SavedFilter.user_id == actor.id, SavedFilter.list == list_name, SavedFilter.name == text
            )
        ).first()
        if row is None:
            count = db.session.scalar(
                select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == actor.id)
            )
            if count >= MAX_PER_USER:
                raise FieldErrors({"name": f"最多保存{MAX_PER_USER}组筛选条件，请先删除不用的。"})
            row = SavedFilter(user_id=actor.id, list=list_name, name=text, query=query)
            db.session.add(row)
        else:
            row.query = query
        user = db.session.get(User, actor.id)
        audit.log("user.filter_saved", user, actor, {"list": LISTS[list_name], "name": text, "query": query})
    return row


def _own(actor, filter_id) -> SavedFilter:
    row = db.session.get(SavedFilter, filter_id) if is_id(filter_id) else None
    if row is None or row.user_id != actor.id:
        raise NotFound("没有这组筛选条件。")
    return row


def open_(actor, filter_id) -> tuple[SavedFilter, dict[str, str], list[str]]:
    """The saved filter, its arguments that still hold, and the labels of the values dropped."""
    row = _own(actor, filter_id)
    kept, dropped = clean(row.list, actor.agency_id, row.query or {})
    return row, kept, dropped


def delete(actor, filter_id) -> str:
    with unit_of_work():
        row = _own(actor, filter_id)
        name = row.name
        db.session.delete(row)
        audit.log("user.filter_deleted", db.session.get(User, actor.id), actor, {"name": name})
    return name
