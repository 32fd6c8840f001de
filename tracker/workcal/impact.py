"""What a change of the working-day calendar does to the open deadlines, before and when it is applied.

One computation serves both: ``plan_open_deadlines(calendar)`` asks each capability with deadlines
(tracker.disclosure.clock.plan_open_requests, tracker.proposals.clock.plan_open_proposals) which stored
deadlines differ from the ones the calendar gives, and returns them as PlannedChange values, writing
nothing. The preview (``preview``) runs it on the calendar as it would be with the proposed arrangement
and lists the moves; the apply (tracker.workcal.service.apply_year) runs it on the calendar just written
and stores exactly those changes (tracker.workcal.service.store_recomputed). So the preview lists what
the apply moves by construction, as long as no case changed in between.

The calendar is shared by every agency of the installation, so both cover every unit.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..rules import deadlines
from ..rules import proposals as proposal_rules

REQUEST_KIND = "依申请公开申请"
# How the preview and the case's timeline name each recomputed date (the case pages' own labels).
REQUEST_DATES = {"due_date": ("答复期限", True), "clarification_due": ("补正告知期限", False)}
PROPOSAL_DATES = {"due_date": ("办理期限", True)}

# The marks of a moved deadline, by its new date and the new calendar (tracker.rules.deadlines).
OVERDUE = deadlines.OVERDUE
SOON = "soon"  # due today or within DUE_SOON_WORKDAYS working days
MARK_LABELS = {OVERDUE: "调整后已超期", SOON: f"调整后{deadlines.DUE_SOON_WORKDAYS}个工作日内到期"}


@dataclass(frozen=True)
class Move:
    """One stored deadline of a case that the recompute changes from ``old`` to ``new``."""

    field: str  # the event's key: due_date, clarification_due, opinion_due:<section name>
    label: str
    statutory: bool  # the statutory answer/handling deadline (else an internal one)
    section_id: int | None  # the section that owes it (a co-handler's opinion: the co-handler)
    old: date | None
    new: date | None

    @property
    def text(self) -> str:
        return f"{self.label}由{day_text(self.old)}改为{day_text(self.new)}"


@dataclass
class PlannedChange:
    """What the recompute writes on one case: its new column values, the {field: [old, new]} its event
    records, the co-handler rows to update (items), and the dates that move."""

    subject_type: str  # request | proposal
    id: int
    agency_id: int
    kind_label: str
    number: str
    section_id: int | None
    new: dict
    diff: dict
    moves: list[Move]
    cohandlers: list[dict] = field(default_factory=list)
    clarified: bool = False  # a request that has had a clarification notice

    @classmethod
    def for_request(cls, r, new: dict, diff: dict, *, clarified: bool) -> PlannedChange:
        moves = [
            Move(f, label, statutory, r.section_id, *diff[f])
            for f, (label, statutory) in REQUEST_DATES.items()
            if f in diff
        ]
        return cls("request", r.id, r.agency_id, REQUEST_KIND, r.number, r.section_id, new, diff, moves, [], clarified)

    @classmethod
    def for_proposal(cls, p, new: dict, diff: dict, cohandlers: list[dict], pending) -> PlannedChange:
        moves = [
            Move(f, label, statutory, p.lead_section_id, *diff[f])
            for f, (label, statutory) in PROPOSAL_DATES.items()
            if f in diff
        ]
        for c, name in pending:
            key = f"opinion_due:{name}"
            if key in diff:
                moves.append(Move(key, f"协办意见期限（{name}）", False, c.section_id, *diff[key]))
        number = f"{p.session}第{p.number}号"
        kind = proposal_rules.kind_label(p.kind)
        return cls("proposal", p.id, p.agency_id, kind, number, p.lead_section_id, new, diff, moves, cohandlers)

    def note(self, reason: str) -> str:
        """The timeline's words for this change: why, and each date from and to."""
        what = "；".join(m.text for m in self.moves) or "期限日期不变，按已确认的放假安排不再是暂定期限"
        return f"{reason}：{what}" if reason else what


def day_text(d: date | None) -> str:
    return d.isoformat() if d else "无（计时暂停）"


def plan_open_deadlines(calendar) -> list[PlannedChange]:
    """Every open case of every agency whose stored deadlines differ from those ``calendar`` gives."""
    from ..disclosure.clock import plan_open_requests
    from ..proposals.clock import plan_open_proposals

    return plan_open_requests(calendar) + plan_open_proposals(calendar)


def counts(planned: list[PlannedChange]) -> dict[str, int]:
    """The apply's summary: changed cases per capability (tracker.workcal.service.RECOMPUTE_LABELS)."""
    return {
        "requests_changed": sum(1 for c in planned if c.subject_type == "request" and c.diff),
        "proposals_changed": sum(1 for c in planned if c.subject_type == "proposal" and c.diff),
    }


# --- the preview ------------------------------------------------------------------------------


@dataclass
class Row:
    """One moved deadline as the preview lists it."""

    unit: str
    section: str
    subject_type: str
    case_id: int
    kind_label: str
    number: str
    label: str
    statutory: bool
    old: date | None
    new: date | None
    mark: str | None  # OVERDUE | SOON | None
    was_overdue: bool  # the old date had already passed

    @property
    def mark_label(self) -> str:
        return MARK_LABELS.get(self.mark or "", "")


@dataclass
class Group:
    unit: str
    section: str
    rows: list[Row]

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.mark == OVERDUE)

    @property
    def soon(self) -> int:
        return sum(1 for r in self.rows if r.mark == SOON)


@dataclass
class Impact:
    """The preview: the moved deadlines grouped by unit and section, with totals."""

    today: date
    groups: list[Group]
    cases: int  # cases with a moved date
    provisional_only: int  # cases whose dates stay, only no longer 暂定
    planned: list[PlannedChange]

    @property
    def rows(self) -> list[Row]:
        return [r for g in self.groups for r in g.rows]

    @property
    def moves(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def overdue(self) -> int:
        return sum(g.overdue for g in self.groups)

    @property
    def soon(self) -> int:
        return sum(g.soon for g in self.groups)

    @property
    def units(self) -> list[tuple[str, int, int]]:
        """(unit, cases, deadlines) per unit."""
        cases: dict[str, set] = defaultdict(set)
        moves: dict[str, int] = defaultdict(int)
        for r in self.rows:
            cases[r.unit].add((r.subject_type, r.case_id))
            moves[r.unit] += 1
        return [(u, len(cases[u]), moves[u]) for u in sorted(cases)]

    def capped(self, limit: int) -> list[Group]:
        """The groups with no more than ``limit`` rows in all (a page shows the first; the download has all)."""
        out, left = [], limit
        for g in self.groups:
            if left <= 0:
                break
            out.append(g if len(g.rows) <= left else Group(g.unit, g.section, g.rows[:left]))
            left -= len(g.rows)
        return out

    def summary_lines(self) -> list[str]:
        if not self.moves:
            lines = ["没有未办结事项的期限会因此改变。"]
        else:
            lines = [
                f"将调整期限的未办结事项：{self.cases}件，共{self.moves}个期限"
                f"（{len(self.units)}个机关）；按调整后的日历，其中{self.overdue}个期限已超期，"
                f"{self.soon}个期限在{deadlines.DUE_SOON_WORKDAYS}个工作日内（含今日）到期（今日为{self.today.isoformat()}）。"
            ]
        if self.provisional_only:
            lines.append(f"另有{self.provisional_only}件事项的期限日期不变，只是不再标为暂定。")
        return lines

    def table(self) -> list[list[str]]:
        """Header and one line per moved deadline, for the .csv/.xlsx download."""
        head = ["机关", "科室", "类型", "编号", "期限", "原期限", "调整后期限", "提示"]
        body = [
            [r.unit, r.section, r.kind_label, r.number, r.label, day_text(r.old), day_text(r.new), r.mark_label]
            for r in self.rows
        ]
        return [head, *body]


def _mark(move: Move, change: PlannedChange, today: date, calendar) -> str | None:
    if move.new is None:
        return None
    status = deadlines.due_status(move.new, today, calendar)
    if move.field == "clarification_due":
        # As the reminders treat it (tracker.reminders.scan.clarification_owed): once a notice was sent,
        # or its limit has passed, nothing more is owed, so only a coming limit is marked.
        if change.clarified or status == OVERDUE:
            return None
    if status == OVERDUE:
        return OVERDUE
    if status in (deadlines.DUE_TODAY, deadlines.DUE_SOON):
        return SOON
    return None


def describe(planned: list[PlannedChange], calendar, today: date) -> Impact:
    """The planned changes as the preview lists them: names of units and sections (two small reads of
    the agency and section tables, whatever the number of cases), marks by the new calendar."""
    from ..accounts.models import Agency, Section

    units = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    sections = dict(db.session.execute(select(Section.id, Section.name)).all())
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    moved = 0
    for change in planned:
        moved += bool(change.moves)
        unit = units.get(change.agency_id, str(change.agency_id))
        for m in change.moves:
            section = sections.get(m.section_id, "未分办") if m.section_id else "未分办"
            grouped[(unit, section)].append(
                Row(
                    unit=unit,
                    section=section,
                    subject_type=change.subject_type,
                    case_id=change.id,
                    kind_label=change.kind_label,
                    number=change.number,
                    label=m.label,
                    statutory=m.statutory,
                    old=m.old,
                    new=m.new,
                    mark=_mark(m, change, today, calendar),
                    was_overdue=m.old is not None and m.old < today,
                )
            )
    groups = [
        Group(unit, section, sorted(rows, key=lambda r: (r.new or date.max, r.number, r.label)))
        for (unit, section), rows in sorted(grouped.items())
    ]
    return Impact(
        today=today,
        groups=groups,
        cases=moved,
        provisional_only=sum(1 for c in planned if not c.moves),
        planned=planned,
    )


def to_csv(impact: Impact) -> str:
    from .. import spreadsheet

    out = io.StringIO()
    w = csv.writer(out)
    for line in impact.table():
        w.writerow(spreadsheet.csv_row(line))
    return "\ufeff" + out.getvalue()  # with a BOM, so that Excel opens the Chinese names correctly


def to_xlsx(impact: Impact, title: str) -> bytes:
    from openpyxl import Workbook

    from .. import spreadsheet

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("期限调整预览")
    ws.append(spreadsheet.row(ws, [title]))
    for line in impact.summary_lines():
        ws.append(spreadsheet.row(ws, [line]))
    for line in impact.table():
        ws.append(spreadsheet.row(ws, line))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
