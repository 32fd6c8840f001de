"""Queries of the request lists: the one filtered query that the list page and every export share."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import exists

from ..accounts.access import readable_agencies, visible_requests
from ..lists import date_arg, id_arg
from ..paging import Key, order_by
from ..rules import intake as intake_rules
from ..rules.clock import today_cn, year_bounds
from ..workcal.service import current_calendar
from .models import CONCLUDED, IN_PROGRESS, IN_REVIEW, PAUSED, ClockAction, DisclosureRequest, RequestCohandler
from .search import resolve
from .workflow import PAUSE_REASON_LABELS, STATUS_LABELS

R = DisclosureRequest
# Each sort ends with the id, so that keyset pages (tracker.paging) are exact; every sort has an index
# (agency_id, received_on, id) — the open-case one among them; the due sort keeps paused cases (no
# deadline) last on both engines.
SORT_KEYS: dict[str, list[Key]] = {
    "received_desc": [Key(R.received_on, desc=True, kind=date), Key(R.id, desc=True)],
    "received_asc": [Key(R.received_on, kind=date), Key(R.id)],
    "due_asc": [Key(R.due_date, nullable=True, kind=date), Key(R.id)],
}
SORTS = {name: tuple(order_by(keys)) for name, keys in SORT_KEYS.items()}


def is_open():
    """The open-case predicate, written as the partial indexes' WHERE so that both engines use them."""
    return R.status != CONCLUDED


def answered_late():
    """An answer delivered after its deadline (the delivery rule: the answer's delivery date, not the
    letter's date, is compared with the deadline, extensions included); a case not yet delivered or
    without a deadline is not counted. The one predicate of the workbench's lateness and the roll-up's
    逾期答复."""
    return R.delivered_on > R.due_date


FILTER_ARGS = ("status", "section", "year", "applicant_type", "due", "handler", "received", "awaiting", "channel")

# ?handler=: the case's assigned handler ("me": the user, "none": nobody yet, or a user id).
HANDLER_FILTERS = {"me": "我承办的", "none": "未指定承办人"}
# ?awaiting=: what the case waits for (the workbench's panels link here).
AWAITING_LABELS: dict[str, str] = {
    "extension": "延期申请待审批",
    "review": "答复稿待审核",
    "approved": "答复稿已审核，待办结",
    "returned": "答复稿被退回修改",
    "window_closed": "暂停事项的期限已届满",
    "opinion": "待本科室提交协办意见",
    "internal_due": "内部办理期限临近或已过，答复稿尚未提交",
}


def awaiting_clause(what: str, user, today: date):
    """The WHERE of ?awaiting=what (AWAITING_LABELS): what an open case waits for.

    The draft's state is read from its JSON (submit_draft writes approved False, approve_draft True,
    return_draft adds returned_reason and sends the case back to 办理中), the same on both engines."""
    if what == "extension":
        return (
            exists().where(
                ClockAction.request_id == R.id, ClockAction.kind == "extension", ClockAction.state == "requested"
            )
            & is_open()
        )
    if what == "review":
        return (R.status == IN_REVIEW) & (R.draft["approved"].as_boolean().is_not(True))
    if what == "approved":
        return (R.status == IN_REVIEW) & (R.draft["approved"].as_boolean().is_(True))
    if what == "returned":
        return (R.status == IN_PROGRESS) & R.draft["returned_reason"].as_string().is_not(None)
    if what == "window_closed":  # a 补正/征求意见/缴费 window that ended before today, still paused
        return (R.status == PAUSED) & exists().where(
            ClockAction.request_id == R.id, ClockAction.state == "open", ClockAction.window_end < today
        )
    if what == "internal_due":  # the office's date for the draft is 临期 or past, no draft submitted yet
        soon = current_app.config.get("DUE_SOON_WORKDAYS", 3)
        return (
            (R.status == IN_PROGRESS)  # not while paused: the case waits on the applicant or a third party
            & R.draft_submitted_on.is_(None)
            & (R.internal_due < current_calendar().add_workdays(today, soon + 1))
        )
    if what == "opinion":  # co-handling asked of the user's section, no opinion yet
        return is_open() & exists().where(
            RequestCohandler.request_id == R.id,
            RequestCohandler.section_id == user.section_id,
            RequestCohandler.opinion.is_(None),
        )
    raise KeyError(what)


def is_plain_search(user, args) -> bool:
    """True when only the search narrows the list (no filter, a user who sees the whole agency)."""
    from ..accounts import roles

    return user.role in roles.AGENCY_WIDE and not any(args.get(a) for a in FILTER_ARGS)


def sort_of(args) -> str:
    return args.get("sort") if args.get("sort") in SORTS else "received_desc"


def filtered_query(user, args, *, units: bool = True):
    """The case list query for the filters in args, sorted; shared by the list page and exports."""
    q = unordered_query(user, args, units=units)
    sort = sort_of(args)
    return q.order_by(*SORTS[sort]), sort


def unordered_query(user, args, found=None, *, units: bool = True):
    """The case list query for the filters in args, without its order (tracker.paging adds it).
    found: the search already resolved (search.resolve), else it is resolved here."""
    from ..extensions import db

    q = visible_requests(user, units=units)  # units: a district reads its sub-units (accounts.access)
    status = args.get("status") or ""
    if status in STATUS_LABELS:
        q = q.where(DisclosureRequest.status == status)
    elif status == "open":
        q = q.where(is_open())
    elif status.startswith("paused:") and status[7:] in PAUSE_REASON_LABELS:
        q = q.where(DisclosureRequest.status == "paused", DisclosureRequest.pause_reason == status[7:])
    elif status == "withdrawn":
        q = q.where(DisclosureRequest.status == "concluded", DisclosureRequest.withdrawn.is_(True))
    elif status == "undelivered":  # concluded, the answer not yet delivered (workflow.is_undelivered)
        q = q.where(
            DisclosureRequest.status == "concluded",
            DisclosureRequest.delivered_on.is_(None),
            DisclosureRequest.withdrawn.is_(False),
            DisclosureRequest.outcome.is_not(None),
            DisclosureRequest.source != "import",
        )
    section_id = id_arg(args, "section")
    if section_id:
        q = q.where(DisclosureRequest.section_id == section_id)
    bounds = year_bounds(args.get("year", type=int))
    if bounds:
        q = q.where(DisclosureRequest.received_on.between(*bounds))
    channel = args.get("channel") or ""
    if channel in intake_rules.channel_ids():  # e.g. the workbench's 网上申请 待分办 (issue 17)
        q = q.where(DisclosureRequest.channel == channel)
    atype = args.get("applicant_type") or ""
    if atype:
        q = q.where(DisclosureRequest.applicant_type == atype)
    handler = args.get("handler") or ""
    if handler == "me":
        q = q.where(DisclosureRequest.handler_id == user.id)
    elif handler == "none":
        q = q.where(DisclosureRequest.handler_id.is_(None))
    elif (handler_id := id_arg(args, "handler")) is not None:
        q = q.where(DisclosureRequest.handler_id == handler_id)
    received = date_arg(args, "received")
    if received is not None:
        q = q.where(DisclosureRequest.received_on == received)
    today = today_cn()
    awaiting = args.get("awaiting") or ""
    if awaiting in AWAITING_LABELS:
        q = q.where(awaiting_clause(awaiting, user, today))
    due = args.get("due") or ""
    if due == "overdue":
        q = q.where(is_open(), DisclosureRequest.due_date < today)
    elif due == "soon":  # 临期 and 今日到期, as rules.deadlines.due_status counts them
        soon = current_app.config.get("DUE_SOON_WORKDAYS", 3)
        q = q.where(
            is_open(),
            DisclosureRequest.due_date >= today,
            DisclosureRequest.due_date < current_calendar().add_workdays(today, soon + 1),
        )
    elif due == "paused":
        q = q.where(is_open(), DisclosureRequest.due_date.is_(None))
    if found is None:
        agencies = readable_agencies(user, units=units)  # the search covers the units the list reads
        found = resolve(args.get("q"), agencies, db.session.get_bind().dialect.name, db.session)
    if found is not None:
        q = q.where(found.where)
    return q
