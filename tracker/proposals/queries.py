"""Reading NPC/CPPCC items: the list filters, the yearly summary (SQL aggregates) and the export rows.

Everything starts from tracker.accounts.access.visible_proposals(user), so a list, a figure or an
export never shows an item the user could not open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.access import visible_proposals
from ..accounts.models import Section
from ..extensions import db
from ..lists import date_arg, id_arg, int_arg, searched, sorted_by
from ..rules import proposals as rules
from ..rules.clock import year_bounds
from .models import Proposal, ProposalCohandler, ProposalContact, ProposalExtension

SORTS = {
    "assigned_desc": (Proposal.assigned_on.desc(), Proposal.id.desc()),
    "assigned_asc": (Proposal.assigned_on.asc(), Proposal.id.asc()),
    "due_asc": (Proposal.due_date.asc(), Proposal.id.asc()),
}


def timeliness_expr(cols, today: date):
    """SQL for rules.proposals.TIMELINESS: the latest reply against its round's deadline, or an open item's
    deadline against today. ``cols`` is the Proposal class or a subquery's ``.c``. The one definition:
    the list column, its filter and the summary all use it."""
    is_open = cols.status.in_(rules.OPEN_STATUSES)
    replied = and_(~is_open, cols.reply_date.is_not(None), cols.due_date.is_not(None))
    return case(
        (and_(replied, cols.reply_date <= cols.due_date), "on_time"),
        (replied, "late"),
        (and_(is_open, cols.due_date.is_not(None), cols.due_date < today), "open_overdue"),
        (and_(is_open, cols.due_date.is_not(None)), "open_pending"),
        else_=None,
    )


def extension_requested():
    """Items whose extension request waits for approval: the leader's workbench panel and the list's
    ?awaiting=extension, one definition."""
    return exists().where(ProposalExtension.proposal_id == Proposal.id, ProposalExtension.state == "requested")


def open_due_before(day: date):
    """Open items whose deadline falls before ``day``: the workbench's 临期和超期 panel (``day`` = the first
    day no longer 临期) and the list's ?due_before=YYYY-MM-DD, one definition."""
    return and_(Proposal.status.in_(rules.OPEN_STATUSES), Proposal.due_date.is_not(None), Proposal.due_date < day)


def narrowing(args) -> dict[str, str]:
    """The workbench's filters that the list form has no control for, as {argument: what it keeps}, so the
    page can say what it shows and offer to clear them. Only those filtered_query applies."""
    out = {}
    if args.get("awaiting") == "extension":
        out["awaiting"] = "延期申请等待审批的件"
    if day := date_arg(args, "due_before"):
        out["due_before"] = f"未答复、办理期限早于 {day.isoformat()} 的件（临期和超期）"
    return out


def filtered_query(user, args, today: date, *, units: bool = True) -> tuple[Select, str]:
    """The list query for the filters in ``args`` (shared by the list page and the export)."""
    q = visible_proposals(user, units=units)
    bounds = year_bounds(int_arg(args, "year"))
    if bounds:
        q = q.where(Proposal.assigned_on.between(*bounds))
    kind = args.get("kind") or ""
    if kind in rules.KINDS:
        q = q.where(Proposal.kind == kind)
    section_id = id_arg(args, "section")
    if section_id:
        q = q.where(Proposal.lead_section_id == section_id)
    status = args.get("status") or ""
    if status in rules.STATUSES:
        q = q.where(Proposal.status == status)
    elif status == "open":
        q = q.where(Proposal.status.in_(rules.OPEN_STATUSES))
    result = args.get("result") or ""
    if result in rules.RESULT_CLASSES:
        q = q.where(Proposal.result_class == result)
    elif result == "none":
        q = q.where(Proposal.result_class.is_(None))
    satisfaction = args.get("satisfaction") or ""
    if satisfaction in rules.SATISFACTION:
        q = q.where(Proposal.satisfaction == satisfaction)
    elif satisfaction == "none":
        q = q.where(Proposal.satisfaction.is_(None))
    due = args.get("due") or ""
    if due in rules.TIMELINESS:
        q = q.where(timeliness_expr(Proposal, today) == due)
    if args.get("awaiting") == "extension":
        q = q.where(extension_requested())
    due_before = date_arg(args, "due_before")
    if due_before:
        q = q.where(open_due_before(due_before))
    q = searched(q, args, Proposal.number, Proposal.title, Proposal.lead_author, Proposal.session)
    return sorted_by(q, args, SORTS, "assigned_desc")


def page_rows(q: Select, today: date, page: int, per: int) -> tuple[int, list[tuple[Proposal, str | None]]]:
    """(total, [(item, timeliness)]) for one page; lead sections loaded with the rows (no query per row)."""
    total = db.session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0
    rows = db.session.execute(
        q.add_columns(timeliness_expr(Proposal, today).label("timeliness"))
        .options(joinedload(Proposal.lead_section))
        .limit(per)
        .offset((page - 1) * per)
    ).all()
    return total, [(p, t) for p, t in rows]


# --- the yearly summary -----------------------------------------------------------------------


@dataclass
class Summary:
    year: int
    total: int = 0
    replied: int = 0
    contacted: int = 0
    rehandled: int = 0
    published: int = 0
    timeliness: dict[str, int] = field(default_factory=dict)
    by_kind: list[tuple[str, int]] = field(default_factory=list)  # (label, n)
    by_result: list[tuple[str, str, int]] = field(default_factory=list)  # (class or '', label, n)
    by_satisfaction: list[tuple[str, int]] = field(default_factory=list)  # (label, n)
    by_section: list[dict] = field(default_factory=list)

    @property
    def contact_rate(self) -> float | None:
        return rules.rate(self.contacted, self.total)

    @property
    def on_time_rate(self) -> float | None:
        done = self.timeliness.get("on_time", 0) + self.timeliness.get("late", 0)
        return rules.rate(self.timeliness.get("on_time", 0), done)

    @property
    def satisfied_rate(self) -> float | None:
        """满意 and 基本满意 among the items with feedback."""
        answered = sum(n for label, n in self.by_satisfaction if label != "未反馈")
        good = sum(
            n
            for label, n in self.by_satisfaction
            if label in (rules.SATISFACTION[rules.SATISFIED], rules.SATISFACTION[rules.BASICALLY])
        )
        return rules.rate(good, answered)


def _flag(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def summary(user, year: int, today: date, labels: dict[str, str]) -> Summary:
    """The year's figures for the items the user may see, counted by 交办日期 in the year.

    Five aggregate queries over the same scoped subquery; no item is loaded into Python.
    """
    base = visible_proposals(user, units=False).where(Proposal.assigned_on.between(*year_bounds(year))).subquery()
    c = base.c
    t = timeliness_expr(c, today)
    contacted = exists().where(ProposalContact.proposal_id == c.id)

    def counters():
        return [
            func.count().label("total"),
            _flag(c.reply_date.is_not(None)).label("replied"),
            _flag(contacted).label("contacted"),
            _flag(c.round >= 2).label("rehandled"),
            _flag(c.published.is_(True)).label("published"),
            *[_flag(t == key).label(key) for key in rules.TIMELINESS],
        ]

    row = db.session.execute(select(*counters()).select_from(base)).one()
    s = Summary(
        year=year,
        total=int(row.total),
        replied=int(row.replied),
        contacted=int(row.contacted),
        rehandled=int(row.rehandled),
        published=int(row.published),
        timeliness={key: int(getattr(row, key)) for key in rules.TIMELINESS},
    )

    kinds = dict(db.session.execute(select(c.kind, func.count()).group_by(c.kind)).all())
    s.by_kind = [(label, int(kinds.get(kind, 0))) for kind, label in rules.KINDS.items()]

    results = dict(db.session.execute(select(c.result_class, func.count()).group_by(c.result_class)).all())
    s.by_result = [(k, rules.result_label(k, labels), int(results.get(k, 0))) for k in rules.RESULT_CLASSES]
    s.by_result.append(("", "尚未答复", int(results.get(None, 0))))

    sats = dict(db.session.execute(select(c.satisfaction, func.count()).group_by(c.satisfaction)).all())
    s.by_satisfaction = [(label, int(sats.get(k, 0))) for k, label in rules.SATISFACTION.items()]
    s.by_satisfaction.append(("未反馈", int(sats.get(None, 0))))

    sections = db.session.execute(
        select(Section.name, *counters())
        .select_from(base)
        .outerjoin(Section, Section.id == c.lead_section_id)
        .group_by(Section.id, Section.name)
        .order_by(func.count().desc(), Section.name)
    ).all()
    s.by_section = [
        {
            "name": r.name or "未指定主办科室",
            "total": int(r.total),
            "replied": int(r.replied),
            "contacted": int(r.contacted),
            "rehandled": int(r.rehandled),
            **{key: int(getattr(r, key)) for key in rules.TIMELINESS},
        }
        for r in sections
    ]
    return s


# --- export -----------------------------------------------------------------------------------

EXPORT_COLUMNS = ("编号", "标题", "代表/委员", "主办", "协办", "交办日期", "答复日期", "类别", "满意度")


def export_items(user, args, today: date) -> list[Proposal]:
    """The filtered items with sections and co-handlers loaded in three queries, in number order per kind."""
    q, _ = filtered_query(user, args, today, units=False)  # the unit's own (issue 16)
    return list(
        db.session.scalars(
            q.order_by(None)
            .order_by(Proposal.kind, Proposal.session, Proposal.number, Proposal.id)
            .options(
                joinedload(Proposal.lead_section),
                selectinload(Proposal.cohandlers).joinedload(ProposalCohandler.section),
            )
        ).unique()
    )


def export_row(p: Proposal) -> list:
    """One line of the list offices hand to the congress / CPPCC (EXPORT_COLUMNS)."""
    return [
        p.number,
        p.title,
        p.lead_author,
        p.lead_section.name if p.lead_section else "",
        "、".join(c.section.name for c in p.cohandlers),
        p.assigned_on,
        p.reply_date,
        p.result_class or "",
        rules.SATISFACTION.get(p.satisfaction or "", ""),
    ]
