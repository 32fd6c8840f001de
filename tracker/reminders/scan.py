"""Which reminders are owed on a given day, and to whom (docs/reminders.md).

``owed_at(now)`` (the legal date is ``today_cn(now)``; nothing on a day off) and
``collect(today, calendar, policy)`` select the candidate cases with a handful of SQL queries (open
cases whose deadline falls before a horizon, on indexed columns; never one query per case) and hand
plain rows to the pure functions below, which decide the kind, stage and recipients of each reminder.
The dates themselves always come from tracker.rules.deadlines (due_status, workdays_remaining).

A reminder is identified by (kind, subject, deadline, occurrence, recipient). Because the deadline is
part of the key, a case whose deadline moves (extension, pause, calendar change) owes fresh
reminders for the new date, and what was owed for the old one is no longer owed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ..accounts import roles
from ..rules import deadlines
from ..rules import proposals as proposal_rules
from ..rules.clock import today_cn
from ..rules.workdays import WorkCalendar

# Kinds in the order a digest and the CLI list them.
KIND_LABELS: dict[str, str] = {
    "overdue": "超期",
    "due_today": "到期",
    "due_soon": "临期",
    "clarification_notice": "补正告知期限",
    "correction_end": "补正期限",
    "consultation_end": "征求意见期限",
    "fee_end": "缴费期限",
    "opinion_due": "协办意见期限",
    "undelivered": "已办结未送达",
    "internal_due": "内部办理期限",
}

REQUEST = "request"
CLOCK_ACTION = "clock_action"
PROPOSAL = "proposal"

# Clock actions whose window end is reminded of, and the reminder kind of each.
WINDOW_KINDS: dict[str, str] = {
    "clarification": "correction_end",
    "consult_third_party": "consultation_end",
    "consult_agency": "consultation_end",
    "fee": "fee_end",
}
# Stages of a one-time deadline (clock windows, co-handler opinions): the occurrence in the key.
BEFORE = 0  # the last working days before it, or the day itself
PASSED = 1  # once, on the first scan after it passed while still open

SUBJECT_CHARS = 30


@dataclass(frozen=True)
class Policy:
    """How early and to whom: N working days ahead, and the overdue working day each level starts."""

    soon_days: int = deadlines.DUE_SOON_WORKDAYS
    head_from: int = 1  # the section head hears of an overdue case from its 1st working day late
    office_from: int = 2  # the disclosure office from the 2nd


@dataclass(frozen=True)
class Person:
    id: int
    agency_id: int
    section_id: int | None
    role: str
    name: str


class Directory:
    """Who is who, from one query of active users: handlers, section heads, section staff, the office."""

    def __init__(self, people: Iterable[Person], section_names: Mapping[int, str] | None = None):
        self.by_id: dict[int, Person] = {}
        self._heads: dict[int, list[int]] = defaultdict(list)
        self._staff: dict[int, list[int]] = defaultdict(list)
        self._office: dict[int, list[int]] = defaultdict(list)
        self._sections = dict(section_names or {})
        for p in sorted(people, key=lambda p: p.id):
            self.by_id[p.id] = p
            if roles.can(p.role, "reminders.office"):
                self._office[p.agency_id].append(p.id)
            if p.section_id is not None and p.role in roles.SECTION_BOUND:
                if roles.can(p.role, "reminders.section"):
                    self._heads[p.section_id].append(p.id)
                elif roles.can(p.role, "request.handle"):
                    self._staff[p.section_id].append(p.id)

    def handler(self, agency_id: int, section_id: int | None, handler_id: int | None) -> int | None:
        """The assigned handler if still active and still able to see the case (else nobody)."""
        p = self.by_id.get(handler_id) if handler_id is not None else None
        if p is None or p.agency_id != agency_id:
            return None
        if p.role in roles.AGENCY_WIDE or (section_id is not None and p.section_id == section_id):
            return p.id
        return None

    def heads(self, section_id: int | None) -> list[int]:
        return list(self._heads.get(section_id, ())) if section_id is not None else []

    def section(self, section_id: int | None) -> list[int]:
        """A section's heads, or its staff when it has no head."""
        if section_id is None:
            return []
        return self.heads(section_id) or list(self._staff.get(section_id, ()))

    def office(self, agency_id: int) -> list[int]:
        return list(self._office.get(agency_id, ()))

    def responsible(self, agency_id: int, section_id: int | None, handler_id: int | None) -> list[int]:
        """The handler; else the section's head(s) (or staff); else, not yet assigned, the office."""
        h = self.handler(agency_id, section_id, handler_id)
        if h is not None:
            return [h]
        return self.section(section_id) or self.office(agency_id)

    def name(self, user_id: int | None) -> str | None:
        p = self.by_id.get(user_id) if user_id is not None else None
        return p.name if p else None

    def section_name(self, section_id: int | None) -> str | None:
        return self._sections.get(section_id) if section_id is not None else None


# --- the subjects, as plain rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An open disclosure request."""

    id: int
    agency_id: int
    number: str
    subject: str
    section_id: int | None
    handler_id: int | None
    due_date: date | None
    clarification_due: date | None = None
    internal_due: date | None = None  # the office's date for the section's draft (issue 13)


@dataclass(frozen=True)
class Window:
    """An open clock action (correction, consultation, fee) and the last day of its window."""

    id: int
    kind: str
    window_end: date
    party: str | None
    case: Case


@dataclass(frozen=True)
class Item:
    """An open NPC suggestion or CPPCC proposal."""

    id: int
    agency_id: int
    kind: str
    number: str
    title: str
    lead_section_id: int | None
    handler_id: int | None
    due_date: date | None


@dataclass(frozen=True)
class Opinions:
    """The co-handling sections of an item that still owe their opinion by ``due``."""

    item: Item
    due: date
    sections: tuple[tuple[int, str], ...]  # (section_id, mode)


@dataclass(frozen=True)
class Owed:
    kind: str
    subject_type: str
    subject_id: int
    deadline: date
    occurrence: int
    recipient_id: int
    agency_id: int
    case_type: str
    case_id: int
    text: str

    @property
    def key(self) -> tuple:
        return (self.kind, self.subject_type, self.subject_id, self.deadline, self.occurrence, self.recipient_id)

    @property
    def situation(self) -> tuple:
        """The key without the occurrence: what a pending mail is checked against."""
        return (self.kind, self.subject_type, self.subject_id, self.deadline, self.recipient_id)


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "…"


def _request_ref(case: Case) -> str:
    return f"{case.number}（{_short(case.subject)}）"


def _request_who(case: Case, people: Directory) -> str:
    section, handler = people.section_name(case.section_id), people.name(case.handler_id)
    return f"承办科室：{section}；承办人：{handler or '尚未指定'}。" if section is not None else "尚未分办至科室。"


def _item_ref(item: Item) -> str:
    return f"{proposal_rules.kind_label(item.kind)}{item.number}号《{_short(item.title)}》"


def _item_who(item: Item, people: Directory) -> str:
    section, handler = people.section_name(item.lead_section_id), people.name(item.handler_id)
    if section is None:
        return "尚未确定主办科室。"
    return f"主办科室：{section}" + (f"；承办人：{handler}。" if handler else "。")


def _owed(
    kind, subject_type, subject_id, deadline, occurrence, recipients, agency_id, case_type, case_id, text
) -> list[Owed]:
    return [
        Owed(kind, subject_type, subject_id, deadline, occurrence, r, agency_id, case_type, case_id, text)
        for r in _unique(recipients)
    ]


def _escalation(agency_id: int, section_id: int | None, late: int, policy: Policy, people: Directory) -> list[int]:
    extra: list[int] = []
    if late >= policy.head_from:
        extra += people.heads(section_id)
    if late >= policy.office_from:
        extra += people.office(agency_id)
    return extra


def _deadline_stage(due: date, today: date, cal: WorkCalendar, policy: Policy) -> tuple[str, int] | None:
    """(kind, occurrence) for a reply deadline today, or None when nothing is owed yet."""
    status = deadlines.due_status(due, today, cal, policy.soon_days)
    if status == deadlines.DUE_SOON:
        return "due_soon", 0
    if status == deadlines.DUE_TODAY:
        return "due_today", 0
    if status == deadlines.OVERDUE:
        late = -deadlines.workdays_remaining(due, today, cal)
        # Only working days count: a scan on a day off (never scheduled, but possible by hand) gets the
        # previous working day's occurrence, already recorded; the day off right after the deadline is
        # not late yet.
        return ("overdue", late) if late >= 1 else None
    return None


# The stages of a reply deadline, worded for a request (answered to the applicant) and for an NPC/CPPCC
# item (answered to the deputy or member).
_DEADLINE_TEXTS: dict[str, dict[str, str]] = {
    REQUEST: {
        "due_soon": "临期：{ref}的答复期限为{due}，还剩{left}个工作日，请抓紧办理。{who}",
        "due_today": "到期：{ref}的答复期限为今天（{due}），请于今日答复申请人。{who}",
        "overdue": "超期：{ref}的答复期限{due}已过，已超期{late}个工作日，请立即答复申请人。{who}",
    },
    PROPOSAL: {
        "due_soon": "临期：{ref}的办理期限为{due}，还剩{left}个工作日，请抓紧答复代表委员。{who}",
        "due_today": "到期：{ref}的办理期限为今天（{due}），请于今日答复。{who}",
        "overdue": "超期：{ref}的办理期限{due}已过，已超期{late}个工作日，请立即答复。{who}",
    },
}


def _deadline_owed(
    subject: str, row, section_id, due, describe, today: date, cal: WorkCalendar, policy: Policy, people: Directory
) -> list[Owed]:
    """临期 / 到期 / 超期 of a reply deadline of ``row`` (a request or an item); ``describe()`` gives the
    (reference, who handles it) of its messages."""
    stage = _deadline_stage(due, today, cal, policy) if due is not None else None
    if stage is None:
        return []
    kind, occurrence = stage
    recipients = people.responsible(row.agency_id, section_id, row.handler_id)
    if kind == "overdue":
        recipients = recipients + _escalation(row.agency_id, section_id, occurrence, policy, people)
    left = deadlines.workdays_remaining(due, today, cal) if kind == "due_soon" else None
    ref, who = describe()
    text = _DEADLINE_TEXTS[subject][kind].format(ref=ref, due=due, left=left, late=occurrence, who=who)
    return _owed(kind, subject, row.id, due, occurrence, recipients, row.agency_id, subject, row.id, text)


def answer_owed(case: Case, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """临期 / 到期 / 超期 of a request's answer deadline (none while the clock is stopped)."""
    describe = lambda: (_request_ref(case), _request_who(case, people))  # noqa: E731
    return _deadline_owed(REQUEST, case, case.section_id, case.due_date, describe, today, cal, policy, people)


def clarification_owed(case: Case, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """The 7-working-day limit for the one-time clarification notice (条例第三十条), once, ahead of it.

    Only for a case that has had no clarification notice; after the limit nothing is owed, because
    most requests need no clarification and a late notice is still recorded by the workflow.
    """
    due = case.clarification_due
    if due is None or deadlines.due_status(due, today, cal, policy.soon_days) not in (
        deadlines.DUE_SOON,
        deadlines.DUE_TODAY,
    ):
        return []
    text = (
        f"补正告知期限：{_request_ref(case)}如需申请人补正，应于{due}前一次性发出补正告知"
        f"（收到申请后{deadlines.CLARIFICATION_NOTICE_WORKDAYS}个工作日内）。{_request_who(case, people)}"
    )
    recipients = people.responsible(case.agency_id, case.section_id, case.handler_id)
    return _owed(
        "clarification_notice", REQUEST, case.id, due, BEFORE, recipients, case.agency_id, REQUEST, case.id, text
    )


def _window_stage(end: date, today: date, cal: WorkCalendar, policy: Policy) -> int | None:
    status = deadlines.due_status(end, today, cal, policy.soon_days)
    if status in (deadlines.DUE_SOON, deadlines.DUE_TODAY):
        return BEFORE
    if status == deadlines.OVERDUE:
        return PASSED
    return None


def window_owed(win: Window, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """The end of a correction period, a consultation window or a fee payment window."""
    kind = WINDOW_KINDS.get(win.kind)
    stage = _window_stage(win.window_end, today, cal, policy) if kind else None
    if kind is None or stage is None:
        return []
    case, end = win.case, win.window_end
    ref, who = _request_ref(case), _request_who(case, people)
    responsible = people.responsible(case.agency_id, case.section_id, case.handler_id)
    office = people.office(case.agency_id)
    if kind == "correction_end":
        if stage == BEFORE:
            text = f"补正期限：{ref}的申请人补正期限于{end}届满，收到补正材料后请及时登记。{who}"
            recipients = responsible
        else:
            text = f"补正期限已届满：{ref}的申请人补正期限已于{end}届满，请登记收到补正材料或按逾期未补正办结。{who}"
            recipients = responsible + office  # the office concludes a lapsed correction
    elif kind == "consultation_end":
        party = win.party or "第三方"
        if stage == BEFORE:
            text = f"征求意见期限：{ref}向{party}征求意见的期限于{end}届满。{who}"
        else:
            text = f"征求意见期限已届满：{ref}向{party}征求意见的期限已于{end}届满，请登记征求意见结果，恢复计算答复期限。{who}"
        recipients = responsible
    else:
        if stage == BEFORE:
            text = f"缴费期限：{ref}的信息处理费缴纳期限于{end}届满。{who}"
        else:
            text = f"缴费期限已届满：{ref}的信息处理费缴纳期限已于{end}届满，请登记缴费或按逾期未缴费办结。{who}"
        recipients = office + responsible  # the office records payment or concludes
    return _owed(kind, CLOCK_ACTION, win.id, end, stage, recipients, case.agency_id, REQUEST, case.id, text)


def undelivered_owed(case: Case, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """A concluded answer not yet delivered: the delivery date decides timeliness (rules.deadlines
    .answer_timeliness), so the office (who sends answers) and the handler hear of it once while the deadline
    has not passed, and once more after it passed (a case without a stored deadline is not reminded of)."""
    due = case.due_date
    if due is None:
        return []
    stage = PASSED if today > due else BEFORE
    ref, who = _request_ref(case), _request_who(case, people)
    if stage == BEFORE:
        text = f"已办结未送达：{ref}已办结，答复尚未登记送达；答复期限为{due}，以送达日期判断是否按期答复，请尽快送达并登记。{who}"
    else:
        text = f"已办结未送达，已超期：{ref}的答复期限{due}已过，答复仍未登记送达，请立即送达并登记送达日期。{who}"
    recipients = people.office(case.agency_id) + people.responsible(case.agency_id, case.section_id, case.handler_id)
    return _owed("undelivered", REQUEST, case.id, due, stage, recipients, case.agency_id, REQUEST, case.id, text)


def internal_owed(case: Case, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """The office's internal deadline for the section's draft (rules.deadlines.internal_deadline), while no
    draft has been submitted: the handler (the section's heads when there is none yet) hears of it once in
    its last working days (or on the day); once it passed, the handler and the section's heads."""
    due = case.internal_due
    if due is None:
        return []
    status = deadlines.due_status(due, today, cal, policy.soon_days)
    if status not in (deadlines.DUE_SOON, deadlines.DUE_TODAY, deadlines.OVERDUE):
        return []
    stage = PASSED if status == deadlines.OVERDUE else BEFORE
    ref, who = _request_ref(case), _request_who(case, people)
    if stage == BEFORE:
        text = f"内部办理期限：{ref}的答复稿应于{due}前提交政务公开办审核（法定答复期限{case.due_date or '暂停计算'}）。{who}"
    else:
        text = f"内部办理期限已过：{ref}的答复稿应于{due}前提交，尚未提交，请尽快提交审核。{who}"
    recipients = people.responsible(case.agency_id, case.section_id, case.handler_id)
    if stage == PASSED:
        recipients = _unique(recipients + people.heads(case.section_id))
    return _owed("internal_due", REQUEST, case.id, due, stage, recipients, case.agency_id, REQUEST, case.id, text)


def item_owed(item: Item, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """临期 / 到期 / 超期 of an NPC suggestion's or CPPCC proposal's reply deadline."""
    describe = lambda: (_item_ref(item), _item_who(item, people))  # noqa: E731
    return _deadline_owed(PROPOSAL, item, item.lead_section_id, item.due_date, describe, today, cal, policy, people)


def opinions_owed(op: Opinions, today: date, cal: WorkCalendar, policy: Policy, people: Directory) -> list[Owed]:
    """The co-handling sections' written opinion date: their heads before it; after it, also the lead."""
    stage = _window_stage(op.due, today, cal, policy)
    if stage is None or not op.sections:
        return []
    item = op.item
    names = "、".join(
        f"{people.section_name(s) or s}（{proposal_rules.COHANDLER_MODES.get(m, m)}）" for s, m in op.sections
    )
    recipients: list[int] = []
    for section_id, _mode in op.sections:
        recipients += people.section(section_id)
    if stage == BEFORE:
        text = f"协办意见期限：{_item_ref(item)}的协办意见应于{op.due}前送交主办科室。尚未提交：{names}。"
    else:
        text = f"协办意见已逾期：{_item_ref(item)}的协办意见期限{op.due}已过，尚未提交：{names}。"
        recipients += people.responsible(item.agency_id, item.lead_section_id, item.handler_id)
    return _owed("opinion_due", PROPOSAL, item.id, op.due, stage, recipients, item.agency_id, PROPOSAL, item.id, text)


def decide(
    today: date,
    cal: WorkCalendar,
    policy: Policy,
    people: Directory,
    *,
    cases: Iterable[Case] = (),
    clarifications: Iterable[Case] = (),
    windows: Iterable[Window] = (),
    items: Iterable[Item] = (),
    opinions: Iterable[Opinions] = (),
    undelivered: Iterable[Case] = (),
    internal: Iterable[Case] = (),
) -> list[Owed]:
    """Every reminder owed today for the given candidates (pure: no database, no clock).

    The candidates are taken in the order of their ids, whatever order the database returned them in
    (the candidate queries have no ORDER BY), so reminders and their notifications are recorded, and
    listed, in the same order every time."""
    by_id = lambda x: x.id  # noqa: E731
    owed: list[Owed] = []
    for c in sorted(undelivered, key=by_id):
        owed += undelivered_owed(c, today, cal, policy, people)
    for c in sorted(cases, key=by_id):
        owed += answer_owed(c, today, cal, policy, people)
    for c in sorted(clarifications, key=by_id):
        owed += clarification_owed(c, today, cal, policy, people)
    for c in sorted(internal, key=by_id):
        owed += internal_owed(c, today, cal, policy, people)
    for w in sorted(windows, key=lambda w: (w.case.id, w.id)):
        owed += window_owed(w, today, cal, policy, people)
    for i in sorted(items, key=by_id):
        owed += item_owed(i, today, cal, policy, people)
    for o in sorted(opinions, key=lambda o: (o.item.id, o.due)):
        owed += opinions_owed(o, today, cal, policy, people)
    return list({o.key: o for o in owed}.values())


# --- selecting the candidates (SQL) ------------------------------------------------------------


def owed_at(now: datetime, cal: WorkCalendar | None = None, policy: Policy | None = None) -> list[Owed]:
    """The reminders owed at ``now`` (aware): on the legal date today_cn(now), nothing on a day off."""
    from ..workcal.service import current_calendar

    cal = cal or current_calendar()
    today = today_cn(now)
    if not cal.is_workday(today):
        return []
    return collect(today, cal, policy or Policy())


def collect(today: date, cal: WorkCalendar, policy: Policy) -> list[Owed]:
    """The reminders owed on ``today``: nine queries in all, whatever the number of cases."""
    from sqlalchemy import and_, exists, select

    from ..accounts.models import Section, User
    from ..disclosure.models import CONCLUDED, IN_PROGRESS, PAUSED, REGISTERED, ClockAction, DisclosureRequest
    from ..extensions import db
    from ..proposals.models import Proposal, ProposalCohandler

    # Anything due before the (N+1)-th working day after today may be 临期 today (rules.deadlines.due_status).
    horizon = cal.add_workdays(today, policy.soon_days + 1)
    R = DisclosureRequest
    rcols = (
        R.id,
        R.agency_id,
        R.number,
        R.subject,
        R.section_id,
        R.handler_id,
        R.due_date,
        R.clarification_due,
        R.internal_due,
    )

    def case(row) -> Case:
        return Case(*row[:9])

    cases = [
        case(r)
        for r in db.session.execute(
            select(*rcols).where(R.status != CONCLUDED, R.due_date.is_not(None), R.due_date < horizon)
        )
    ]
    clarified = exists().where(ClockAction.request_id == R.id, ClockAction.kind == "clarification")
    clarifications = [
        case(r)
        for r in db.session.execute(
            select(*rcols).where(
                R.status.in_((REGISTERED, IN_PROGRESS)),
                R.clarification_due >= today,
                R.clarification_due < horizon,
                ~clarified,
            )
        )
    ]
    windows = [
        Window(r[9], r[10], r[11], r[12], case(r))
        for r in db.session.execute(
            select(*rcols, ClockAction.id, ClockAction.kind, ClockAction.window_end, ClockAction.party)
            .join(ClockAction, ClockAction.request_id == R.id)
            .where(
                R.status == PAUSED,
                ClockAction.state == "open",
                ClockAction.kind.in_(tuple(WINDOW_KINDS)),
                ClockAction.window_end.is_not(None),
                ClockAction.window_end < horizon,
            )
        )
    ]

    # Drafts owed to the office by its internal deadline, not yet submitted (the internal_due index).
    internal = [
        case(r)
        for r in db.session.execute(
            select(*rcols).where(
                R.internal_due.is_not(None),
                R.internal_due < horizon,
                R.status == IN_PROGRESS,  # not while paused: the case waits on the applicant or a third party
                R.draft_submitted_on.is_(None),
            )
        )
    ]

    # Concluded answers not yet delivered (imported history carries no deliveries): the index on
    # (agency_id, status, delivered_on) serves it.
    undelivered = [
        case(r)
        for r in db.session.execute(
            select(*rcols).where(
                R.status == CONCLUDED,
                R.delivered_on.is_(None),
                R.withdrawn.is_(False),
                R.outcome.is_not(None),
                R.source != "import",
            )
        )
    ]

    P = Proposal
    pcols = (P.id, P.agency_id, P.kind, P.number, P.title, P.lead_section_id, P.handler_id, P.due_date)
    open_items = P.status.in_(proposal_rules.OPEN_STATUSES)
    items = [
        Item(*r)
        for r in db.session.execute(select(*pcols).where(open_items, P.due_date.is_not(None), P.due_date < horizon))
    ]
    grouped: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    C = ProposalCohandler
    for r in db.session.execute(
        select(*pcols, C.opinion_due, C.section_id, C.mode)
        .join(C, and_(C.proposal_id == P.id))
        .where(open_items, C.opinion_on.is_(None), C.opinion_due.is_not(None), C.opinion_due < horizon)
        .order_by(P.id, C.section_id)
    ):
        grouped[(Item(*r[:8]), r[8])].append((r[9], r[10]))
    opinions = [Opinions(item, due, tuple(sections)) for (item, due), sections in grouped.items()]

    agencies = (
        {c.agency_id for c in cases + clarifications + undelivered + internal}
        | {w.case.agency_id for w in windows}
        | {i.agency_id for i in items}
        | {o.item.agency_id for o in opinions}
    )
    if not agencies:
        return []
    people = Directory(
        (
            Person(*r)
            for r in db.session.execute(
                select(User.id, User.agency_id, User.section_id, User.role, User.display_name).where(
                    User.active.is_(True), User.agency_id.in_(agencies)
                )
            )
        ),
        dict(db.session.execute(select(Section.id, Section.name).where(Section.agency_id.in_(agencies))).all()),
    )
    return decide(
        today,
        cal,
        policy,
        people,
        cases=cases,
        clarifications=clarifications,
        windows=windows,
        items=items,
        opinions=opinions,
        undelivered=undelivered,
        internal=internal,
    )
