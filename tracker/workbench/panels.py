"""The workbench's panels: what each person has to do today, each panel one scoped query.

A panel is one entry of PANELS: who sees it (a permission of the roles table, and whether the user
must belong to a section), what it holds (a WHERE on the one scoped query, tracker.accounts.access)
and the list it links to (the same filter as list arguments, so every count opens exactly those
cases). No role name is tested here: a new role sees the panels its permissions reach.

Every panel costs two statements — a capped count (tracker.paging.capped_count) and its first rows
in deadline order — and the summaries one aggregate each, whatever the data size
(tests/integration/test_workbench.py counts them at two sizes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from ..accounts.access import visible_proposals, visible_requests
from ..accounts.models import Section, User
from ..disclosure import queries
from ..disclosure.models import REGISTERED, DisclosureRequest
from ..disclosure.queries import SORT_KEYS, awaiting_clause, is_open
from ..extensions import db
from ..paging import capped_count, order_by
from ..proposals import queries as proposal_queries
from ..proposals.models import Proposal
from ..rules.workdays import WorkCalendar

R = DisclosureRequest
ROWS = 5  # rows shown per panel; the count links to the whole list
COUNT_CAP = 99  # a panel counts at most this many (shown 99+): the list it links to counts further


@dataclass(frozen=True)
class Today:
    """What every panel's WHERE may depend on besides the user."""

    day: date
    calendar: WorkCalendar
    soon_days: int

    @property
    def soon_until(self) -> date:
        """The first day that is no longer 临期 (rules.deadlines.due_status, as the list's ?due=soon)."""
        return self.calendar.add_workdays(self.day, self.soon_days + 1)


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    hint: str  # what the panel holds, for the reader
    permission: str
    where: Callable[[User, Today], object]
    link: dict[str, str]  # the request (or proposal) list's arguments for exactly these rows
    kind: str = "requests"  # requests | proposals
    needs_section: bool = False  # only for users who belong to a section (section heads, staff)
    agency_wide: bool = False  # only for users who see the whole agency
    order: str = "due"  # due | received
    empty: str = "没有。"


def _due_soon(t: Today):
    return and_(is_open(), R.due_date >= t.day, R.due_date < t.soon_until)


PANELS: tuple[Panel, ...] = (
    # --- staff (and whoever handles cases): mine, and what waits on me
    Panel(
        "mine",
        "我承办的案件",
        "指定由我承办、尚未办结的申请，按答复期限排列。",
        "request.handle",
        lambda u, t: and_(is_open(), R.handler_id == u.id),
        {"handler": "me", "status": "open", "sort": "due_asc"},
        empty="目前没有指定由您承办的未办结申请。",
    ),
    Panel(
        "returned",
        "退回修改的答复稿",
        "审核人退回、等我修改后重新提交的答复稿。",
        "request.handle",
        lambda u, t: and_(R.handler_id == u.id, awaiting_clause("returned", u, t.day)),
        {"handler": "me", "awaiting": "returned", "sort": "due_asc"},
    ),
    Panel(
        "internal_due",
        "内部办理期限临近或已过",
        "本科室承办、答复稿尚未提交，政务公开办给定的内部办理期限临近或已过的申请。",
        "request.handle",
        lambda u, t: and_(R.section_id == u.section_id, awaiting_clause("internal_due", u, t.day)),
        {"awaiting": "internal_due", "section": "{section}", "sort": "due_asc"},
        needs_section=True,
    ),
    Panel(
        "windows_mine",
        "补正、征求意见、缴费期限已届满",
        "暂停中的案件，其补正、征求意见或缴费期限已过，需要恢复计时或办结。",
        "request.clock",
        lambda u, t: and_(R.handler_id == u.id, awaiting_clause("window_closed", u, t.day)),
        {"handler": "me", "awaiting": "window_closed", "sort": "due_asc"},
    ),
    Panel(
        "opinion",
        "请本科室提出协办意见",
        "其他科室主办、请本科室协办且尚未提交协办意见的申请。",
        "request.opinion",
        lambda u, t: awaiting_clause("opinion", u, t.day),
        {"awaiting": "opinion", "sort": "due_asc"},
        needs_section=True,
    ),
    # --- section head: the section's cases
    Panel(
        "unassigned",
        "本科室待指定承办人",
        "已分办到本科室、还没有承办人的申请。",
        "request.assign_handler",
        lambda u, t: and_(is_open(), R.section_id == u.section_id, R.handler_id.is_(None)),
        {"handler": "none", "status": "open", "sort": "due_asc"},
        needs_section=True,
    ),
    # --- the disclosure office: intake, routing and the agency's deadlines
    Panel(
        "to_route",
        "待分办",
        "已登记、尚未分办到科室的申请。",
        "request.assign_section",
        lambda u, t: R.status == REGISTERED,
        {"status": REGISTERED, "sort": "due_asc"},
        agency_wide=True,
    ),
    Panel(
        "online_to_route",
        "网上申请 待分办",
        "通过在线申请平台提交、尚未分办的申请。收到申请之日为平台与申请人双方确认之日"
        "（《中华人民共和国政府信息公开条例》第三十一条第（三）项），每件下方写明确认时间。",
        "request.assign_section",
        lambda u, t: and_(R.status == REGISTERED, R.channel == "online"),
        {"status": REGISTERED, "channel": "online", "sort": "due_asc"},
        agency_wide=True,
    ),
    Panel(
        "received_today",
        "今日收到",
        "收到申请之日为今天的申请。",
        "request.register",
        lambda u, t: R.received_on == t.day,
        {"received": "{today}"},
        agency_wide=True,
        order="received",
    ),
    Panel(
        "due_soon",
        "{soon}个工作日内到期",
        "未办结、答复期限在临期范围内（含今日到期）的申请。",
        "request.assign_section",
        lambda u, t: _due_soon(t),
        {"due": "soon", "sort": "due_asc"},
        agency_wide=True,
    ),
    Panel(
        "overdue",
        "已超期",
        "未办结、已过答复期限的申请。",
        "request.assign_section",
        lambda u, t: and_(is_open(), R.due_date < t.day),
        {"due": "overdue", "sort": "due_asc"},
        agency_wide=True,
    ),
    Panel(
        "windows_all",
        "暂停期限已届满",
        "全机关暂停中、补正/征求意见/缴费期限已过的申请。",
        "request.assign_section",
        lambda u, t: awaiting_clause("window_closed", u, t.day),
        {"awaiting": "window_closed", "sort": "due_asc"},
        agency_wide=True,
    ),
    Panel(
        "approved",
        "已审核、待办结的答复",
        "答复稿已审核通过，等待政务公开办发出答复并办结。",
        "request.conclude",
        lambda u, t: awaiting_clause("approved", u, t.day),
        {"awaiting": "approved", "sort": "due_asc"},
        agency_wide=True,
    ),
    # --- leaders (and reviewers): the approval queue
    Panel(
        "extensions",
        "待审批的延期申请",
        "承办人申请延长答复期限、等待审批的申请。",
        "request.approve",
        lambda u, t: awaiting_clause("extension", u, t.day),
        {"awaiting": "extension", "sort": "due_asc"},
    ),
    Panel(
        "review",
        "待审核的答复稿",
        "承办人已提交、等待审核的答复稿。",
        "request.review_draft",
        lambda u, t: awaiting_clause("review", u, t.day),
        {"awaiting": "review", "sort": "due_asc"},
    ),
    # --- NPC suggestions and CPPCC proposals
    Panel(
        "proposal_extensions",
        "待审批的建议提案延期",
        "主办科室申请延长办理期限、等待审批的建议提案。",
        "proposal.approve",
        lambda u, t: proposal_queries.extension_requested(),
        {"awaiting": "extension", "sort": "due_asc"},
        kind="proposals",
    ),
    Panel(
        "proposals_due",
        "建议提案：临期和超期",
        "未答复、办理期限在临期范围内或已过的建议提案。",
        "proposal.handle",
        lambda u, t: proposal_queries.open_due_before(t.soon_until),
        {"due_before": "{soon_until}", "sort": "due_asc"},
        kind="proposals",
    ),
)
PANEL_IDS = tuple(p.id for p in PANELS)


def panels_for(user) -> list[Panel]:
    """The panels this user's permissions and reach give, in the table's order."""
    from ..accounts import roles

    wide = user.role in roles.AGENCY_WIDE
    out = []
    for p in PANELS:
        if not user.can(p.permission):
            continue
        if p.needs_section and user.section_id is None:
            continue
        if p.agency_wide and not wide:
            continue
        out.append(p)
    return out


@dataclass
class Filled:
    panel: Panel
    count: int  # capped: at most COUNT_CAP + 1
    rows: list = field(default_factory=list)
    link: dict[str, str] = field(default_factory=dict)
    title: str = ""  # the panel's title with the configured 临期 threshold filled in


def fill(panel: Panel, user, t: Today) -> Filled:
    """One panel's capped count and first rows: two statements."""
    if panel.kind == "proposals":
        q = visible_proposals(user, units=False).where(panel.where(user, t))
        order = (Proposal.due_date.is_(None), Proposal.due_date, Proposal.id)
        opts = (joinedload(Proposal.lead_section),)
    else:
        q = visible_requests(user, units=False).where(panel.where(user, t))
        # the list's own sorts, which its indexes serve (paused cases, without a deadline, last)
        order = tuple(order_by(SORT_KEYS["received_desc" if panel.order == "received" else "due_asc"]))
        opts = (joinedload(R.section), joinedload(R.handler))
    count = capped_count(db.session, q, COUNT_CAP)
    rows = list(db.session.scalars(q.options(*opts).order_by(*order).limit(ROWS)).unique()) if count else []
    fill_in = {
        "{today}": t.day.isoformat(),
        "{section}": str(user.section_id),
        "{soon_until}": t.soon_until.isoformat(),
    }
    link = {k: fill_in.get(v, v) for k, v in panel.link.items()}
    return Filled(panel, count, rows, link, panel.title.format(soon=t.soon_days))


# --- summaries: one aggregate each ------------------------------------------------------------------


@dataclass(frozen=True)
class DueSummary:
    overdue: int
    soon: int
    paused: int
    ok: int


def due_summary(user, t: Today, section_id: int | None = None) -> DueSummary:
    """Open cases by due status (of the user's reach, or one section): one aggregate."""
    q = visible_requests(user, units=False).where(is_open())
    if section_id is not None:
        q = q.where(R.section_id == section_id)
    sub = q.with_only_columns(R.due_date).subquery()
    d = sub.c.due_date
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((d < t.day, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(d >= t.day, d < t.soon_until), 1), else_=0)), 0),
            func.coalesce(func.sum(case((d.is_(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((d >= t.soon_until, 1), else_=0)), 0),
        )
    ).one()
    return DueSummary(*(int(v) for v in row))


def handler_load(user, t: Today) -> list[tuple[int, str, int, int]]:
    """(handler id, name, open cases, of which overdue) for the user's section, heaviest first: one
    query. Cases without a handler are the 'unassigned' panel's."""
    q = (
        visible_requests(user, units=False)
        .where(is_open(), R.section_id == user.section_id, R.handler_id.is_not(None))
        .with_only_columns(R.handler_id, R.due_date)
        .subquery()
    )
    rows = db.session.execute(
        select(
            User.id,
            User.display_name,
            func.count(),
            func.coalesce(func.sum(case((q.c.due_date < t.day, 1), else_=0)), 0),
        )
        .join(User, User.id == q.c.handler_id)
        .group_by(User.id, User.display_name)
        .order_by(func.count().desc(), User.display_name)
    ).all()
    return [(uid, name, int(n), int(late)) for uid, name, n, late in rows]


def open_late_by_section(user, t: Today) -> list[tuple[int, str, int]]:
    """(section id, name, open cases now overdue) per section: one aggregate over the open cases only
    (their partial index), for the workbench; the year's figures are the charts' (lateness_by_section)."""
    sub = (
        visible_requests(user, units=False)
        .where(is_open(), R.section_id.is_not(None), R.due_date < t.day)
        .with_only_columns(R.section_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Section.id, Section.name, func.count())
        .select_from(sub)
        .join(Section, Section.id == sub.c.section_id)
        .group_by(Section.id, Section.name)
        .order_by(func.count().desc(), Section.name)
    ).all()
    return [(sid, name, int(n)) for sid, name, n in rows]


def lateness_by_section(user, t: Today) -> list[tuple[int, str, int, int, int]]:
    """(section id, name, open cases now overdue, answers this year delivered after their deadline,
    drafts this year first submitted after the office's internal deadline) per section: one aggregate.
    Late answers follow the delivery rule: the answer's delivery date, not the letter's date, is
    compared with the deadline."""
    year_start = date(t.day.year, 1, 1)
    base = visible_requests(user, units=False).where(R.section_id.is_not(None))
    answered_late = R.concluded_on.between(year_start, t.day) & queries.answered_late()
    draft_late = R.draft_submitted_on.between(year_start, t.day) & (R.draft_submitted_on > R.internal_due)
    sub = (
        base.where((is_open() & (R.due_date < t.day)) | answered_late | draft_late)
        .with_only_columns(
            R.section_id,
            case((is_open() & (R.due_date < t.day), 1), else_=0).label("open_late"),
            case((answered_late, 1), else_=0).label("answered_late"),
            case((draft_late, 1), else_=0).label("draft_late"),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(
            Section.id,
            Section.name,
            func.coalesce(func.sum(sub.c.open_late), 0),
            func.coalesce(func.sum(sub.c.answered_late), 0),
            func.coalesce(func.sum(sub.c.draft_late), 0),
        )
        .join(Section, Section.id == sub.c.section_id)
        .group_by(Section.id, Section.name)
        .order_by(func.sum(sub.c.open_late).desc(), Section.name)
    ).all()
    return [(sid, name, int(a), int(b), int(c)) for sid, name, a, b, c in rows]


# --- the administrator's system health ----------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    year: int
    this_year_entered: bool
    next_year_entered: bool
    last_run: object | None  # tracker.reminders.models.ReminderRun
    mail_retrying: int  # reminders whose mail failed and will be tried again (capped count)


def system_health(user, t: Today) -> Health:
    """Calendar years entered, the last reminder run and mails owed after a failure (reminders and handoff
    notifications): four statements."""
    from ..reminders.models import MAIL_PENDING, Reminder, ReminderRun
    from ..workcal.models import CalendarYear

    years = set(
        db.session.scalars(
            select(CalendarYear.year).where(
                CalendarYear.year.in_((t.day.year, t.day.year + 1)), CalendarYear.confirmed.is_(True)
            )
        )
    )
    last = db.session.scalars(select(ReminderRun).order_by(ReminderRun.id.desc()).limit(1)).first()
    from ..reminders.models import Notification, NotificationDelivery

    retrying = capped_count(
        db.session,
        select(Reminder.id).where(
            Reminder.agency_id == user.agency_id, Reminder.mail_status == MAIL_PENDING, Reminder.mail_attempts > 0
        ),
    ) + capped_count(
        db.session,
        select(NotificationDelivery.id)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .where(
            Notification.agency_id == user.agency_id,
            NotificationDelivery.status == MAIL_PENDING,
            NotificationDelivery.attempts > 0,
        ),
    )
    return Health(t.day.year, t.day.year in years, t.day.year + 1 in years, last, retrying)


def section_handlers(user) -> list[User]:
    """The active users of the user's section who may handle cases (one query), for in-row assignment."""
    from ..accounts import roles

    holders = [r for r in roles.ROLES if roles.can(r, "request.handle")]
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.agency_id == user.agency_id,
                User.section_id == user.section_id,
                User.active.is_(True),
                User.role.in_(holders),
            )
            .order_by(User.display_name)
        )
    )
