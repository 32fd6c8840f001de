"""Timeliness analysis (办理时效分析, issue 16): how fast a unit — or a unit with all its sub-units — answers.

What is counted (docs/district.md, "办理时效分析"):

- **The cases**: requests concluded (办结) in the year — by conclusion date, as table 三 of the annual
  report counts them — of the chosen units, except withdrawals (撤回: the applicant ended the case, the
  agency gave no answer; they are counted apart).
- **The answer day**: the day the answer was delivered (送达日: posted = handed to the post, handed over
  = signed for, electronic = sent), the day that decides whether an answer was on time
  (tracker.rules.deadlines.answer_timeliness). Where no delivery is recorded (e.g. a case imported from
  a ledger), the conclusion date (the answer letter's date) stands in; how many did is shown.
- **Working days to answer** (答复用时，工作日): the statutory count, as the deadline engine counts
  (tracker.rules.deadlines.answer_deadline): the working days d with start < d <= answer day on the
  working-day calendar (tracker.workcal.current_calendar), the start day itself not counted; the start
  is the receipt date, or the day a corrected request arrived after a clarification (补正后重新起算,
  条例第三十条); the working days inside clock stops — the correction period of a clarification that was
  not corrected, consultations of a third party or another agency (条例第三十二条、第三十四条), waiting for
  a fee (109号) — are not counted (a stop runs over the days start < d <= end; overlapping stops are
  counted once; a stop still open at the answer ends on the answer day; stops before a restart are
  dropped, as the deadline engine drops them). Extensions do not stop the clock: an extended answer
  simply takes longer and shows as such.
- **Median and 90th percentile**: nearest rank — the value at rank ceil(p × n / 100) of the n counts
  in ascending order (the median is then the lower middle value for even n). Integers, so both engines
  give the same figure. `nearest_rank` below is the same rule in Python (the tests compare the two).
- **Within 20 working days**: the count is at most the answer period (20 working days, 条例第三十三条).
- **Extensions**: cases with at least one approved extension (延期答复).
- **Requests per 10,000 residents**: requests received in the year per 10,000 of the unit's population
  (常住人口, agency.population), blank where it is not set; the 合计 row of a unit with its sub-units
  divides all their requests by the chosen unit's own population (a district's residents include its
  towns' and streets').

Everything is computed in SQL in a fixed number of statements whatever the number of units, sections or
cases: the date range (1), the figures grouped by unit, section and outcome group in one statement (a
UNION ALL of the four groupings, ranked by window functions), the receipts per unit (1), and the names.
The working-day calendar lives in Python, so the statement carries a working-day ordinal for every date
of the range (a VALUES CTE: W(d) = working days from the range start to d; the working days in (a, b]
are W(b) - W(a)); both SQLite and PostgreSQL run the same SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
    values,
)

from ..accounts.models import Agency, Section, subtree_ids
from ..disclosure.clock import PAUSE_KINDS as CLOCK_PAUSE_KINDS
from ..disclosure.models import CONCLUDED, ClockAction, DisclosureRequest
from ..extensions import db
from ..rules import deadlines, outcomes

UNIT, WITH_UNITS = "unit", "with_units"
SCOPES = {UNIT: "本单位", WITH_UNITS: "本单位及下属单位"}
WITHIN_WORKDAYS = deadlines.ANSWER_PERIOD_WORKDAYS  # 条例第三十三条: 20 working days
PAUSE_KINDS = tuple(CLOCK_PAUSE_KINDS)  # clarification, consultations, fee: the clock stops (tracker.disclosure.clock)
NO_SECTION = "（未分办科室）"

# the groupings of the one statement
_ALL, _UNIT, _SECTION, _GROUP = 0, 1, 2, 3
_GROUP_KEYS = {g.id: i for i, g in enumerate(outcomes.GROUPS, start=1)}  # 0: an unknown code


def nearest_rank(values: list[int], p: int) -> int | None:
    """The p-th percentile by nearest rank: the value at rank ceil(p*n/100) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[(p * len(ordered) + 99) // 100 - 1]


def _share(part: int, whole: int) -> Decimal | None:
    """Per cent, one decimal, half up (None when there is nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def per_10k(received: int, population: int | None) -> Decimal | None:
    if not population or population <= 0:
        return None
    return (Decimal(received * 10000) / Decimal(population)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """The timeliness of one set of cases (a unit, a section, an outcome group, or all)."""

    key: int
    label: str
    answered: int = 0  # cases measured
    median: int | None = None
    p90: int | None = None
    total_workdays: int = 0
    within: int = 0  # at most WITHIN_WORKDAYS
    extended: int = 0
    undelivered: int = 0  # measured on the conclusion date: no delivery recorded
    unit_name: str | None = None  # for a section: its unit

    @property
    def mean(self) -> Decimal | None:
        if not self.answered:
            return None
        return (Decimal(self.total_workdays) / Decimal(self.answered)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def within_share(self) -> Decimal | None:
        return _share(self.within, self.answered)

    @property
    def extended_share(self) -> Decimal | None:
        return _share(self.extended, self.answered)


@dataclass
class UnitFigures(Figures):
    population: int | None = None
    received: int = 0  # requests received in the year
    withdrawn: int = 0  # concluded in the year by withdrawal, not measured

    @property
    def per_10k(self) -> Decimal | None:
        return per_10k(self.received, self.population)


@dataclass
class Analysis:
    year: int
    agency_id: int
    agency_name: str
    scope: str
    total: UnitFigures
    units: list[UnitFigures] = field(default_factory=list)
    sections: list[Figures] = field(default_factory=list)
    groups: list[Figures] = field(default_factory=list)
    provisional_years: tuple[int, ...] = ()

    @property
    def scope_label(self) -> str:
        return SCOPES[self.scope]


def _bigger(a, b):
    return case((a > b, a), else_=b)


def _smaller(a, b):
    return case((a < b, a), else_=b)


def _unit_ids(agency_id: int, scope: str):
    if scope == WITH_UNITS:
        return subtree_ids(agency_id)
    if scope == UNIT:
        return select(literal_column(str(int(agency_id))).label("id"))
    raise ValueError(f"未知的统计范围：{scope}")


def _group_key():
    return case(
        *[
            (DisclosureRequest.outcome.in_([o.code for o in outcomes.outcomes_in_group(g)]), k)
            for g, k in _GROUP_KEYS.items()
        ],
        else_=0,
    )


def _population(ids, year: int):
    """The measured cases: concluded in the year, not withdrawn."""
    R = DisclosureRequest
    return and_(
        R.agency_id.in_(ids),
        R.status == CONCLUDED,
        R.concluded_on.between(date(year, 1, 1), date(year, 12, 31)),
        R.withdrawn == false(),
    )


def _workday_table(calendar, first: date, last: date):
    """VALUES (d, W(d)) for every date first..last: W(d) = working days in [first, d]."""
    rows, n, d, one = [], 0, first, timedelta(days=1)
    while d <= last:
        if calendar.is_workday(d):
            n += 1
        rows.append((d, n))
        d += one
    return values(column("d", Date), column("w", Integer), name="wd").data(rows).cte("wd")


def figures_statement(ids, year: int, calendar, first: date, last: date):
    """The one grouped statement: (grouping, key, answered, median, p90, sum, within, extended, undelivered)."""
    R, A = DisclosureRequest, ClockAction
    wd = _workday_table(calendar, first, last)
    answer = func.coalesce(R.delivered_on, R.concluded_on)
    pop0 = (
        select(
            R.id.label("id"),
            R.agency_id.label("agency_id"),
            func.coalesce(R.section_id, 0).label("section_id"),
            _group_key().label("grp"),
            R.received_on.label("received_on"),
            answer.label("answer_on"),
            case((R.delivered_on.is_(None), 1), else_=0).label("undelivered"),
        )
        .where(_population(ids, year))
        .cte("pop0")
    )
    corrected = and_(A.kind == "clarification", A.end_reason == "corrected", A.ended_on.is_not(None))
    acts = (
        select(
            A.request_id.label("request_id"),
            func.max(case((corrected, A.ended_on))).label("restart"),
            func.max(case((and_(A.kind == "extension", A.state == "approved"), 1), else_=0)).label("extended"),
        )
        .join(pop0, pop0.c.id == A.request_id)
        .where(A.kind.in_(("clarification", "extension")))
        .group_by(A.request_id)
        .cte("acts")
    )
    restarted = case((acts.c.restart > pop0.c.received_on, acts.c.restart), else_=pop0.c.received_on)
    pop = (
        select(
            pop0,
            acts.c.restart.label("restart"),
            func.coalesce(acts.c.extended, 0).label("extended"),
            _smaller(restarted, pop0.c.answer_on).label("start_on"),
        )
        .outerjoin(acts, acts.c.request_id == pop0.c.id)
        .cte("pop")
    )
    # clock stops: (max(stop start, start), min(stop end or answer, answer)], each day counted once
    hi = _smaller(func.coalesce(A.ended_on, pop.c.answer_on), pop.c.answer_on)
    stops = (
        select(
            A.request_id.label("request_id"),
            _bigger(A.started_on, pop.c.start_on).label("lo0"),
            hi.label("hi"),
            func.max(hi)
            .over(partition_by=A.request_id, order_by=(A.started_on, A.id), rows=(None, -1))
            .label("prev_hi"),
        )
        .join(pop, pop.c.id == A.request_id)
        .where(A.kind.in_(PAUSE_KINDS), or_(pop.c.restart.is_(None), A.started_on >= pop.c.restart))
        .subquery("stops")
    )
    lo = _bigger(stops.c.lo0, func.coalesce(stops.c.prev_hi, stops.c.lo0))
    w_lo, w_hi = wd.alias("w_lo"), wd.alias("w_hi")
    stopped = (
        select(
            stops.c.request_id,
            func.sum(case((stops.c.hi > lo, w_hi.c.w - w_lo.c.w), else_=0)).label("stopped"),
        )
        .join(w_hi, w_hi.c.d == stops.c.hi)
        .join(w_lo, w_lo.c.d == lo)
        .group_by(stops.c.request_id)
        .cte("stopped")
    )
    w_start, w_answer = wd.alias("w_start"), wd.alias("w_answer")
    gross = w_answer.c.w - w_start.c.w - func.coalesce(stopped.c.stopped, 0)
    cases = (
        select(
            pop.c.agency_id,
            pop.c.section_id,
            pop.c.grp,
            pop.c.extended,
            pop.c.undelivered,
            case((gross > 0, gross), else_=0).label("days"),
        )
        .join(w_start, w_start.c.d == pop.c.start_on)
        .join(w_answer, w_answer.c.d == pop.c.answer_on)
        .outerjoin(stopped, stopped.c.request_id == pop.c.id)
        .cte("cases")
    )
    c = cases.c
    dims = union_all(
        *[
            select(literal_column(str(dim)).label("dim"), key.label("k"), c.days, c.extended, c.undelivered)
            for dim, key in (
                (_ALL, literal_column("0")),
                (_UNIT, c.agency_id),
                (_SECTION, c.section_id),
                (_GROUP, c.grp),
            )
        ]
    ).subquery("dims")
    part = (dims.c.dim, dims.c.k)
    ranked = select(
        dims,
        func.row_number().over(partition_by=part, order_by=dims.c.days).label("rn"),
        # the same window as the rank's (one sort per grouping, not two), over the whole partition
        func.count().over(partition_by=part, order_by=dims.c.days, rows=(None, None)).label("cnt"),
    ).subquery("ranked")
    r = ranked.c
    return select(
        r.dim,
        r.k,
        func.count(),
        func.max(case((r.rn == (r.cnt * 50 + 99) // 100, r.days))),
        func.max(case((r.rn == (r.cnt * 90 + 99) // 100, r.days))),
        func.sum(r.days),
        func.sum(case((r.days <= WITHIN_WORKDAYS, 1), else_=0)),
        func.sum(r.extended),
        func.sum(r.undelivered),
    ).group_by(r.dim, r.k)


def _date_range(ids, year: int) -> tuple[date | None, date | None]:
    R = DisclosureRequest
    answer = func.coalesce(R.delivered_on, R.concluded_on)
    lo, hi = db.session.execute(select(func.min(R.received_on), func.max(answer)).where(_population(ids, year))).one()
    if lo is None:
        return None, None
    lo, hi = _as_date(lo), _as_date(hi)
    return min(lo, hi), max(lo, hi)


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _receipts(ids, year: int) -> dict[int, tuple[int, int]]:
    """{unit: (received in the year, withdrawn among those concluded in the year)}: one GROUP BY."""
    R = DisclosureRequest
    received = R.received_on.between(date(year, 1, 1), date(year, 12, 31))
    concluded = R.concluded_on.between(date(year, 1, 1), date(year, 12, 31))
    withdrawn = and_(concluded, R.status == CONCLUDED, R.withdrawn.is_not(false()))
    rows = db.session.execute(
        select(
            R.agency_id,
            func.sum(case((received, 1), else_=0)),
            func.sum(case((withdrawn, 1), else_=0)),
        )
        .where(R.agency_id.in_(ids), or_(received, concluded))
        .group_by(R.agency_id)
    )
    return {a: (int(n or 0), int(w or 0)) for a, n, w in rows}


def _fill(target: Figures, row) -> None:
    _, _, n, med, p90, total, within, extended, undelivered = row
    target.answered, target.median, target.p90 = int(n), _int(med), _int(p90)
    target.total_workdays, target.within = int(total or 0), int(within or 0)
    target.extended, target.undelivered = int(extended or 0), int(undelivered or 0)


def _int(v) -> int | None:
    return None if v is None else int(v)


def analyse(agency_id: int, year: int, scope: str = UNIT, calendar=None) -> Analysis:
    """The timeliness of ``agency_id`` (``scope`` unit: itself; with_units: with all its sub-units) in ``year``."""
    if calendar is None:
        from ..workcal.service import current_calendar

        calendar = current_calendar()
    ids = _unit_ids(agency_id, scope)
    root = db.session.get(Agency, agency_id)
    units = db.session.execute(
        select(Agency.id, Agency.name, Agency.population).where(Agency.id.in_(ids)).order_by(Agency.path, Agency.id)
    ).all()
    unit_rows = {u.id: UnitFigures(key=u.id, label=u.name, population=u.population) for u in units}
    total = UnitFigures(key=0, label="合计", population=root.population)
    analysis = Analysis(year, agency_id, root.name, scope, total, units=list(unit_rows.values()))
    groups = {k: Figures(key=k, label=g.label) for g, k in ((g, _GROUP_KEYS[g.id]) for g in outcomes.GROUPS)}
    analysis.groups = list(groups.values())
    for unit, (received, withdrawn) in _receipts(ids, year).items():
        if unit in unit_rows:
            unit_rows[unit].received, unit_rows[unit].withdrawn = received, withdrawn
            total.received += received
            total.withdrawn += withdrawn
    first, last = _date_range(ids, year)
    if first is None:
        return analysis
    analysis.provisional_years = tuple(calendar.provisional_years_touched(first - timedelta(days=1), last))
    if db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL's cost estimate of the ranked UNION ALL passes the JIT threshold, and compiling it
        # took 2.7 of 4.2 s at 95,000 cases (bench/bench_timeliness.py): off for this transaction only
        db.session.execute(text("SET LOCAL jit = off"))
    sections: dict[int, Figures] = {}
    for row in db.session.execute(figures_statement(ids, year, calendar, first, last)):
        dim, key = int(row[0]), int(row[1])
        if dim == _ALL:
            _fill(total, row)
        elif dim == _UNIT and key in unit_rows:
            _fill(unit_rows[key], row)
        elif dim == _GROUP:
            if key not in groups:  # a code outside the official list: shown, not dropped
                groups[key] = Figures(key=key, label="（无效的办理结果代码）")
                analysis.groups.append(groups[key])
            _fill(groups[key], row)
        elif dim == _SECTION:
            sections[key] = Figures(key=key, label=NO_SECTION)
            _fill(sections[key], row)
    if sections:
        names = {
            s.id: (s.name, s.agency_id)
            for s in db.session.execute(
                select(Section.id, Section.name, Section.agency_id).where(Section.id.in_(sections))
            )
        }
        for key, f in sections.items():
            if key in names:
                f.label, unit = names[key]
                f.unit_name = unit_rows[unit].label if unit in unit_rows else None
        order = {u: i for i, u in enumerate(unit_rows)}
        analysis.sections = sorted(
            sections.values(),
            key=lambda f: (f.key == 0, order.get(names.get(f.key, ("", -1))[1], 0), f.label),
        )
    return analysis


# ------------------------------------------------------------------------------------------- the .xlsx

SHEET_NOTE = (
    "答复用时：自收到申请之日（补正后重新起算的，自收到补正后申请之日）起至答复送达之日的工作日数，当日不计入；"
    "补正、征求第三方或其他机关意见、等待缴纳信息处理费期间的工作日不计入；延期不扣除。未登记送达的按办结日期计算。"
    f"中位数、90%分位数按最近秩法（第 ceil(p×n/100) 个）。“{WITHIN_WORKDAYS}个工作日内”为用时不超过{WITHIN_WORKDAYS}个工作日。"
    "统计对象为当年办结（按办结日期）的申请，不含申请人撤回的。每万人申请数 = 当年收到的申请数 ÷ 常住人口 × 10000。"
)
_HEAD = ["答复件数", "用时中位数（工作日）", "用时90%分位数（工作日）", "平均用时（工作日）"]
_HEAD += [f"{WITHIN_WORKDAYS}个工作日内答复件数", f"{WITHIN_WORKDAYS}个工作日内答复占比（%）"]
_HEAD += ["延期答复件数", "延期答复占比（%）", "其中按办结日期计（未登记送达）"]


def _numbers(f: Figures) -> list:
    return [f.answered, f.median, f.p90, f.mean, f.within, f.within_share, f.extended, f.extended_share, f.undelivered]


def workbook(a: Analysis) -> bytes:
    """The analysis as an .xlsx: the figures of the page's tables, every text cell formula-safe."""
    import io

    from openpyxl import Workbook

    from .. import spreadsheet

    wb = Workbook(write_only=True)
    unit_head = ["单位", *_HEAD, "常住人口", "当年收到申请", "每万人申请数", "撤回（不计时效）"]

    def unit_row(ws, u: UnitFigures):
        return spreadsheet.row(ws, [u.label, *_numbers(u), u.population, u.received, u.per_10k, u.withdrawn])

    ws = wb.create_sheet("汇总")
    ws.append(spreadsheet.row(ws, [f"{a.agency_name}{a.year}年办理时效分析（{a.scope_label}）"]))
    ws.append(spreadsheet.row(ws, unit_head))
    ws.append(unit_row(ws, a.total))
    ws = wb.create_sheet("按单位")
    ws.append(spreadsheet.row(ws, unit_head))
    for u in a.units:
        ws.append(unit_row(ws, u))
    ws = wb.create_sheet("按科室")
    ws.append(spreadsheet.row(ws, ["单位", "科室", *_HEAD]))
    for s in a.sections:
        ws.append(spreadsheet.row(ws, [s.unit_name or "", s.label, *_numbers(s)]))
    ws = wb.create_sheet("按办理结果")
    ws.append(spreadsheet.row(ws, ["办理结果（年度报告表三）", *_HEAD]))
    for g in a.groups:
        ws.append(spreadsheet.row(ws, [g.label, *_numbers(g)]))
    ws = wb.create_sheet("说明")
    ws.append(spreadsheet.row(ws, [SHEET_NOTE]))
    if a.provisional_years:
        years = "、".join(str(y) for y in a.provisional_years)
        ws.append(spreadsheet.row(ws, [f"{years}年的放假安排尚未确认（暂定），用时按估算的工作日计算。"]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
