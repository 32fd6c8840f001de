"""The annual report of one agency and year, derived from the records by a fixed handful of SQL aggregates.

Every figure is a conditional aggregate (SUM(CASE ...) grouped by applicant type and outcome, by review
kind, by register kind and category); no case row is ever loaded into Python, so the number of queries
and the Python work stay the same whatever the number of cases. The rules of counting are those of
report-format.md as written out in tracker/reports/report-rules.md; where this module decides something the format
does not say, the docs say so too.

Entry points: `derive(agency_id, year)` -> the report dict in the JSON form (rules.report_layout
.empty_report_dict filled in, checks included); `derive_full` also returns the data-quality problems, and
`problem_cases` lists the cases behind one problem (run only when that problem is present).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from ..extensions import db
from ..rules import outcomes
from ..rules import report_layout as rl
from ..rules.clock import today_cn
from ..rules.outcomes import CODES
from .models import DECISION, DOCUMENT, FEE, KIND_OF_TABLE2_BLOCK, PROACTIVE, PROACTIVE_CATEGORIES, RegisterEntry

MAIN_TOPICS = 3  # how many request topics the summary names


def _bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _in(column, year: int):
    start, end = _bounds(year)
    return and_(column >= start, column <= end)


_ONE, _ZERO = literal_column("1"), literal_column("0")  # literals, not bound parameters: typed alike on both engines


def _flag(condition):
    return case((condition, _ONE), else_=_ZERO)


# ------------------------------------------------------------------------------------------- table 三


def _of(model, agency_ids):
    """The rows of the agency (one id) or of several agencies (a roll-up over units); or of the agency a
    column names (the roll-up's join from the units: each arm then has the agency's equality, the plan
    of one unit's report for each unit)."""
    if isinstance(agency_ids, ColumnElement) or hasattr(agency_ids, "__clause_element__"):
        return model.agency_id == agency_ids
    ids = _ids(agency_ids)
    return model.agency_id == ids[0] if len(ids) == 1 else model.agency_id.in_(ids)


def _ids(agency_ids) -> tuple[int, ...]:
    return (agency_ids,) if isinstance(agency_ids, int) else tuple(agency_ids)


class _NoIndex(ColumnElement):
    """A column SQLite must not answer by an index (its unary +, the same value); plain elsewhere.

    In the carried rows' arms the receipt bound is a filter, not a range: SQLite would otherwise walk the
    receipt-date index over the whole history before the year end instead of the small partial index of
    unconcluded cases and the conclusion-date range after the year end (issue 16, bench_report_cells)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # the column is part of the cache key

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(_NoIndex)
def _no_index_default(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(_NoIndex, "sqlite")
def _no_index_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def _carried_in(R, year: int, agency_id=None):
    """Received before Jan 1 of the year and not concluded before Jan 1 (report-format.md).

    Written as two index ranges (no conclusion date: the partial index of unconcluded cases; concluded
    from Jan 1 on: the conclusion-date index), each with the agency when one is given, so that the
    same expression both flags the row in the grouped sums and selects its list of cases."""
    start, _ = _bounds(year)
    mine = [_of(R, agency_id)] if agency_id is not None else []
    received = _NoIndex(R.received_on)
    return or_(
        and_(*mine, R.concluded_on.is_(None), R.received_on < start),
        and_(*mine, R.concluded_on >= start, received < start),
    )


def _carried_out(R, year: int, agency_id=None):
    """Received on or before Dec 31 of the year and not concluded on or before Dec 31 (report-format.md).

    Two index ranges like _carried_in (unconcluded, or concluded after Dec 31)."""
    _, end = _bounds(year)
    mine = [_of(R, agency_id)] if agency_id is not None else []
    received = _NoIndex(R.received_on)
    return or_(
        and_(*mine, R.concluded_on.is_(None), R.received_on <= end),
        and_(*mine, R.concluded_on > end, received <= end),
    )


def year_rows(R, year: int, agency_id):
    """The requests a year's report counts anywhere, as index ranges bounded by the year (issue 15).

    Received in the year, concluded in it, or open across it: received before Jan 1 and not concluded
    by Dec 31 (no conclusion date: the partial index ix_request_unconcluded_received; concluded after
    the year: the conclusion-date index from Dec 31 on). Equal to "received by Dec 31 and not
    concluded before Jan 1, or concluded in the year", but each arm is one index range, so the cost
    grows with the year's cases, not with all the history before it. The agency is part of each arm,
    so that SQLite answers the OR with one index range per arm (else it reads the agency's every row).
    `agency_id` is one id or a collection of ids (several units).
    """
    start, end = _bounds(year)
    mine = _of(R, agency_id)
    return or_(
        and_(mine, _in(R.received_on, year)),
        and_(mine, _in(R.concluded_on, year)),
        and_(mine, R.concluded_on.is_(None), R.received_on < start),
        # the receipt bound a filter (like _carried_out): SQLite otherwise answers this arm by the
        # receipt-date index over the agency's whole history before Jan 1 instead of the conclusion-date
        # range after Dec 31 (the roll-up's table 三 0.6-0.8 s -> 0.3-0.4 s at 200,000, issue 16)
        and_(mine, R.concluded_on > end, _NoIndex(R.received_on) < start),
    )


# The parts of table 三: each row's and each column's condition, ONE expression each. The grouped query
# sums them as CASE flags, and a figure's list of cases (figure_condition, tracker.reports.cells) selects
# by the very same expressions: a row's condition AND its column's.
T3_PARTS = ("new", "carried_in", "total", "carried_out")  # the rows summed over the outcomes


def table3_part(R, part: str, year: int, agency_id=None):
    """The condition of a row of table 三 that adds up over the outcomes (new, carried_in, total, carried_out);
    with an agency (or several) given, limited to its rows."""
    if part == "carried_in":
        return _carried_in(R, year, agency_id)
    if part == "carried_out":
        return _carried_out(R, year, agency_id)
    mine = [_of(R, agency_id)] if agency_id is not None else []
    if part == "new":
        return and_(*mine, _in(R.received_on, year))
    if part == "total":  # （七）总计: concluded in the year, whatever the outcome
        return and_(*mine, _in(R.concluded_on, year))
    raise KeyError(part)


def table3_row(R, row: str, year: int, version: rl.LayoutVersion | None = None, agency_id=None):
    """A row of table 三: one of T3_PARTS, or an outcome row (concluded in the year with that outcome)."""
    if row in T3_PARTS:
        return table3_part(R, row, year, agency_id)
    if row in (version or rl.layout_for_year(year)).table3_result_row_ids:
        return and_(table3_part(R, "total", year, agency_id), R.outcome == row)
    raise KeyError(row)


def table3_column(R, col: str, version: rl.LayoutVersion):
    """A column of table 三: one applicant type, or 总计 (None: every request, whatever its type)."""
    if col == "total":
        return None
    if col in version.applicant_type_ids:
        return R.applicant_type == col
    raise KeyError(col)


def _table3_query(agency_id, year: int, today: date | None = None):
    """One grouped query: per (applicant type, outcome) how many requests fall in each row.

    Grouping by the stored columns themselves (not by an expression) lets both engines estimate the
    few groups and hash them. The result row of an outcome is the `concluded` count of its group; the
    other rows add up over the outcomes. The WHERE clause takes the year's rows (year_rows); each
    row's own condition is in its CASE (table3_part, the same expression a figure's case list uses).
    """
    from ..disclosure.models import DisclosureRequest as R

    sums = [func.sum(_flag(table3_part(R, part, year))) for part in T3_PARTS]
    scope = year_rows(R, year, agency_id)
    if today is not None:
        # the data-quality counts of the requests in the same pass: their scope adds the rows dated in
        # the future, each of which adds 0 to every table 三 sum above (every row with a non-zero sum is
        # one of year_rows)
        sums += [func.sum(_flag(c)) for c in _request_conditions(today).values()]
        scope = _request_scope(year, today, agency_id)
    # grouped by outcome first: no index starts with it, so SQLite answers the year's OR with one range
    # per arm (MULTI-INDEX OR) instead of walking the applicant_type index over every request for its
    # order (2.4 × slower at 1,000,000 once ANALYZE has run); PostgreSQL hashes either way
    return select(R.applicant_type, R.outcome, *sums).where(scope).group_by(R.outcome, R.applicant_type)


def derive_table3(agency_id: int, year: int, version: rl.LayoutVersion | None = None) -> dict:
    """Table 三 in the year's layout (or the one given). One query."""
    return _table3_and_problems(agency_id, year, None, version)[0]


def _table3_and_problems(
    agency_id: int, year: int, today: date | None, version: rl.LayoutVersion | None = None
) -> tuple[dict, dict[str, int]]:
    """Table 三 in the layout ``version`` (default: the year's) and (with today) the requests' data-quality
    counts, in one pass over the year's rows.

    The 总计 column counts every request, whatever its recorded applicant type, and the （七）总计 row
    every request concluded in the year, whatever its outcome: a record outside the official vocabulary
    then shows up as a failed check instead of silently vanishing from the totals.
    """
    v = version or rl.layout_for_year(year)
    table = rl.empty_table3(v)
    result_rows = frozenset(v.table3_result_row_ids)
    types = frozenset(v.applicant_type_ids)
    problem_ids = list(_request_conditions(today)) if today is not None else []
    problems = dict.fromkeys(problem_ids, 0)
    for atype, outcome, *sums in db.session.execute(_table3_query(agency_id, year, today)):
        add_table3_group(table, problems, problem_ids, result_rows, types, atype, outcome, sums)
    return table, problems


def add_table3_group(table, problems, problem_ids, result_rows, types, atype, outcome, sums) -> None:
    """Add one group (applicant type, outcome) of the table 三 query to ``table`` and the problem counts:
    the one place a group's sums become cells, for one unit's report and for each unit of a roll-up."""
    counts = dict(zip(T3_PARTS, sums[: len(T3_PARTS)], strict=True))
    flags = sums[len(T3_PARTS) :]
    if outcome in result_rows:
        counts[outcome] = counts["total"]
    for row, n in counts.items():
        if atype in types:
            table[row][atype] += int(n or 0)
        table[row]["total"] += int(n or 0)
    for pid, n in zip(problem_ids, flags, strict=True):
        problems[pid] += int(n or 0)


def carried_out_by_type(agency_id: int, year: int) -> dict:
    """The row 四、结转下年度继续办理 of `year` alone (for check 5 on the next year). One query.

    Same condition as in table 三, written as two index ranges: no conclusion date (the partial
    index of unconcluded cases) or concluded after Dec 31 (the conclusion-date index), each received by
    Dec 31. One sum per column rather than GROUP BY applicant_type, which would tempt SQLite into
    walking the applicant_type index over every case.
    """
    from ..disclosure.models import DisclosureRequest as R

    _, end = _bounds(year)
    sums = [func.sum(_flag(R.applicant_type == t)) for t in rl.APPLICANT_TYPE_IDS]
    mine = R.agency_id == agency_id
    open_at_end = or_(
        and_(mine, R.concluded_on.is_(None), R.received_on <= end),
        and_(mine, R.concluded_on > end, R.received_on <= end),
    )
    values = db.session.execute(select(*sums, func.count()).where(open_at_end)).one()
    return {col: int(n or 0) for col, n in zip(rl.TABLE3_COLUMN_IDS, values, strict=True)}


def received_in(agency_id: int, year: int) -> int:
    """Requests received in the year (the previous year's figure in 一). One index-range count."""
    from ..disclosure.models import DisclosureRequest as R

    return int(db.session.scalar(select(func.count()).where(R.agency_id == agency_id, _in(R.received_on, year))))


def fees_paid(R, year: int, agency_id):
    """The requests whose processing fee was paid in the year (the 件数 of 六（一）)."""
    return and_(_of(R, agency_id), _in(R.fee_paid_on, year))


def processing_fees(agency_id: int, year: int) -> dict:
    """信息处理费: requests whose fee was paid in the year, and the total paid (yuan). One query."""
    from ..disclosure.models import DisclosureRequest as R

    cases, amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(R.fee_amount), _ZERO)).where(fees_paid(R, year, agency_id))
    ).one()
    return {"cases": int(cases), "amount_yuan": int(amount or 0)}


# ------------------------------------------------------------------------------------------- table 四


T4_RESULTS = ("upheld", "corrected", "other")  # the result columns; then pending and total


def table4_scope(V, year: int, agency_id):
    """The reviews table 四 counts (its 总计 column): filed by Dec 31 and not concluded before Jan 1."""
    start, end = _bounds(year)
    return and_(_of(V, agency_id), V.filed_on <= end, or_(V.concluded_on.is_(None), V.concluded_on >= start))


def table4_column(V, col: str, year: int):
    """A column of table 四 within its scope: a result (concluded in the year with it), 尚未审结 (not
    concluded by Dec 31), or 总计 (None: every review of the scope)."""
    _, end = _bounds(year)
    if col in T4_RESULTS:
        return and_(_in(V.concluded_on, year), V.result == col)
    if col == "pending":
        return or_(V.concluded_on.is_(None), V.concluded_on > end)
    if col == "total":
        return None
    raise KeyError(col)


def derive_table4(agency_id, year: int, version: rl.LayoutVersion | None = None) -> dict:
    """Reviews filed by Dec 31 and not concluded before Jan 1; by result if concluded in the year. One query.

    Every review of the agency counts, whether or not it follows a registered request (issue 11). Each
    column's condition is table4_column, the one a figure's case list uses too.
    """
    from ..disclosure.models import Review as V

    lv = version or rl.layout_for_year(year)
    parts = [func.sum(_flag(table4_column(V, c, year))) for c in (*T4_RESULTS, "pending")]
    q = select(V.kind, *parts, func.count()).where(table4_scope(V, year, agency_id)).group_by(V.kind)
    table = {b: {c: 0 for c in lv.table4_column_ids} for b in lv.table4_block_ids}
    for kind, upheld, corrected, other, pending, total in db.session.execute(q):
        if kind in table:
            table[kind].update(
                upheld=int(upheld or 0),
                corrected=int(corrected or 0),
                other=int(other or 0),
                pending=int(pending or 0),
                total=int(total or 0),
            )
    return table


# ------------------------------------------------------------------------------- a figure's condition


def concluded_row(row: str) -> bool:
    """Whether a table 三 row counts conclusions in the year (（七）总计 and the outcome rows): its list
    is in the order of conclusion, which the conclusion-date index gives; the others by receipt."""
    return row not in ("new", "carried_in", "carried_out")


FEE_CASES_REF = ("other_matters", "processing_fees", "cases")


def figure_condition(ref: tuple[str, ...], year: int, agency_id, version: rl.LayoutVersion | None = None):
    """(model, condition) selecting exactly the cases a figure of the report counts, or KeyError.

    `ref` is the figure's path in the report JSON (("table3", row, column), ("table4", kind, column),
    FEE_CASES_REF). The condition is built from the same parts as the sums that count the figure
    (table3_part/table3_row/table3_column, table4_scope/table4_column, fees_paid) — limited to the agency
    (table3_part with agency_id: the carried rows are two index ranges with the agency in each): a 总计
    column is its row's condition alone (every type, or every review of the scope), the （七）总计 row every
    request concluded in the year. Figures that are not counts of cases (table 二, amounts) have none.
    """
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    v = version or rl.layout_for_year(year)
    if tuple(ref) == FEE_CASES_REF:
        return R, fees_paid(R, year, agency_id)
    if len(ref) != 3:
        raise KeyError(ref)
    table, row, col = ref
    if table == "table3":
        if row not in v.table3_row_ids:
            raise KeyError(ref)
        parts = [table3_row(R, row, year, v, agency_id), table3_column(R, col, v)]
        return R, and_(*(p for p in parts if p is not None))
    if table == "table4":
        if row not in v.table4_block_ids or col not in v.table4_column_ids:
            raise KeyError(ref)
        parts = [table4_scope(V, year, agency_id), V.kind == row, table4_column(V, col, year)]
        return V, and_(*(p for p in parts if p is not None))
    raise KeyError(ref)


# ------------------------------------------------------------------------------------ table 二 / 主动公开

WAN = Decimal(1_000_000)  # cents in 1 万元
WAN_YUAN_PLACES = Decimal("0.0001")  # 万元 to four places: exact to the yuan


def wan_yuan(cents: int) -> int | float:
    """Cents as 万元, rounded half up to four places (the yuan); an int when whole (0, not 0.0)."""
    value = (Decimal(cents) / WAN).quantize(WAN_YUAN_PLACES, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def derive_registers(
    agency_id: int, year: int, version: rl.LayoutVersion | None = None
) -> tuple[dict, int, dict[str, int]]:
    """Table 二 and the proactive items by category, from register_entry. One query."""
    v = version or rl.layout_for_year(year)
    E = RegisterEntry
    start, end = _bounds(year)
    in_year = _in(E.entry_date, year)
    cents = cast(func.round(E.amount_yuan * literal_column("100")), BigInteger)
    q = (
        select(
            E.kind,
            E.category,
            func.sum(_flag(in_year)),
            func.sum(_flag(_in(E.abolished_on, year))),
            func.sum(_flag(or_(E.abolished_on.is_(None), E.abolished_on > end))),
            func.sum(case((in_year, E.quantity), else_=_ZERO)),
            func.sum(case((and_(in_year, E.amount_yuan.is_not(None)), cents), else_=_ZERO)),
        )
        .where(E.agency_id == agency_id, E.entry_date <= end)
        .group_by(E.kind, E.category)
    )
    table2 = {row.id: {c.id: 0 for c in block.columns} for block in v.table2_blocks for row in block.rows}
    kind_of_row = {
        row.id: KIND_OF_TABLE2_BLOCK[block.id]
        for block in v.table2_blocks
        for row in block.rows
        if block.id in KIND_OF_TABLE2_BLOCK
    }
    proactive: dict[str, int] = {}
    for kind, category, dated_in_year, abolished, in_force, quantity, cent_sum in db.session.execute(q):
        if kind == PROACTIVE:
            if dated_in_year:
                proactive[category] = int(dated_in_year)
            continue
        if kind_of_row.get(category) != kind:
            continue  # a category that is not a row of this register's block: refused on entry
        cells = table2[category]
        if kind == DOCUMENT:
            cells.update(issued=int(dated_in_year or 0), abolished=int(abolished or 0), in_force=int(in_force or 0))
        elif kind == DECISION:
            cells["decisions"] = int(quantity or 0)
        elif kind == FEE:
            cells["amount_wan_yuan"] = wan_yuan(int(cent_sum or 0))
    order = {c: i for i, c in enumerate(PROACTIVE_CATEGORIES)}
    by_category = dict(sorted(proactive.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return table2, sum(by_category.values()), by_category


# ------------------------------------------------------------------------------------------- summary


def main_topics(agency_id: int, year: int, limit: int = MAIN_TOPICS) -> list[dict]:
    """The most frequent topic tags of the requests received in the year. One grouped query.

    Ties are broken by the tag's code points in Python, because database collations order Chinese
    text differently (a PostgreSQL zh_CN collation vs SQLite's binary order).
    """
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import RequestTag as T

    q = (
        select(T.tag, func.count())
        .join(R, R.id == T.request_id)
        .where(R.agency_id == agency_id, _in(R.received_on, year))
        .group_by(T.tag)
    )
    counted = sorted(((tag, int(n)) for tag, n in db.session.execute(q)), key=lambda tn: (-tn[1], tn[0]))
    return [{"topic": tag, "requests": n} for tag, n in counted[:limit]]


def proposals_assigned(agency_id: int, year: int) -> dict[str, int]:
    """NPC suggestions and CPPCC proposals by kind, counted by 交办日期 in the year. One query."""
    from ..proposals.models import Proposal as P

    q = select(P.kind, func.count()).where(P.agency_id == agency_id, _in(P.assigned_on, year)).group_by(P.kind)
    return {kind: int(n) for kind, n in db.session.execute(q)}


# ------------------------------------------------------------------------------- check 6: data quality


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    subject: str  # request | review
    checks: tuple[str, ...]  # the checks this problem makes fail


PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "concluded_without_outcome",
        "已办结但没有办理结果，或办理结果不是表三的办理结果之一",
        "request",
        (rl.DATA_QUALITY_CHECK_ID, "table3_total_row"),
    ),
    Problem("concluded_without_date", "状态为已办结但没有办结日期", "request", (rl.DATA_QUALITY_CHECK_ID,)),
    Problem("dated_but_open", "填有办结日期但状态不是已办结", "request", (rl.DATA_QUALITY_CHECK_ID,)),
    Problem(
        "concluded_before_receipt",
        "办结日期早于收到申请之日",
        "request",
        (rl.DATA_QUALITY_CHECK_ID, "table3_column_balance"),
    ),
    Problem("received_in_future", "收到申请之日晚于今天", "request", (rl.DATA_QUALITY_CHECK_ID,)),
    Problem(
        "unknown_applicant_type",
        "申请人类型不是表三的六类申请人之一",
        "request",
        (rl.DATA_QUALITY_CHECK_ID, "table3_row_totals"),
    ),
    Problem(
        "review_without_result",
        "复议诉讼已审结但没有结果（维持、纠正、其他）",
        "review",
        (rl.DATA_QUALITY_CHECK_ID, "table4_totals"),
    ),
    Problem("review_concluded_before_filed", "复议诉讼审结日期早于立案日期", "review", (rl.DATA_QUALITY_CHECK_ID,)),
    Problem("review_unknown_kind", "复议诉讼类别不是表四的三类之一", "review", (rl.DATA_QUALITY_CHECK_ID,)),
)
PROBLEMS_BY_ID = {p.id: p for p in PROBLEMS}


def _request_conditions(today: date) -> dict:
    from ..disclosure.models import CONCLUDED
    from ..disclosure.models import DisclosureRequest as R

    is_concluded = or_(R.status == CONCLUDED, R.concluded_on.is_not(None))
    return {
        "concluded_without_outcome": and_(is_concluded, or_(R.outcome.is_(None), R.outcome.not_in(CODES))),
        "concluded_without_date": and_(R.status == CONCLUDED, R.concluded_on.is_(None)),
        "dated_but_open": and_(R.status != CONCLUDED, R.concluded_on.is_not(None)),
        "concluded_before_receipt": R.concluded_on < R.received_on,
        "received_in_future": R.received_on > today,
        "unknown_applicant_type": R.applicant_type.not_in(rl.APPLICANT_TYPE_IDS),
    }


def _review_conditions() -> dict:
    from ..disclosure.models import Review as V

    return {
        "review_without_result": and_(
            V.concluded_on.is_not(None), or_(V.result.is_(None), V.result.not_in(("upheld", "corrected", "other")))
        ),
        "review_concluded_before_filed": V.concluded_on < V.filed_on,
        "review_unknown_kind": V.kind.not_in(rl.TABLE4_BLOCK_IDS),
    }


def _request_scope(year: int, today: date, agency_id: int):
    """The requests that year's report counts anywhere, and every request dated in the future."""
    from ..disclosure.models import DisclosureRequest as R

    return or_(year_rows(R, year, agency_id), and_(_of(R, agency_id), R.received_on > today))


def _review_scope(year: int):
    from ..disclosure.models import Review as V

    start, end = _bounds(year)
    touches = or_(
        and_(V.filed_on <= end, or_(V.concluded_on.is_(None), V.concluded_on >= start)),
        _in(V.filed_on, year),
        _in(V.concluded_on, year),
    )
    return touches


def count_problems(agency_id: int, year: int, today: date, *, requests: bool = True) -> dict[str, int]:
    """How many records of the year show each data-quality problem. Two queries.

    The year's scope (year_rows, bounded index ranges) is the WHERE; only its rows with some problem
    reach the sums.
    """
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    counts: dict[str, int] = {}
    parts = [(R, _request_conditions(today), _request_scope(year, today, agency_id))] if requests else []
    for model, conds, scope in (*parts, (V, _review_conditions(), _review_scope(year))):
        ids = list(conds)
        q = (
            select(*(func.sum(_flag(conds[i])) for i in ids))
            .select_from(model)
            .where(model.agency_id == agency_id, scope, or_(*conds.values()))
        )
        row = db.session.execute(q).one()
        counts.update({i: int(n or 0) for i, n in zip(ids, row, strict=True)})
    return counts


@dataclass(frozen=True)
class ProblemCase:
    request_id: int
    number: str
    detail: str


def problem_cases(
    agency_id: int, year: int, problem_id: str, *, today: date | None = None, limit: int = 50
) -> list[ProblemCase]:
    """The cases (at most `limit`) behind one data-quality problem, each linked by its request id."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V
    from ..rules.report_layout import TABLE4_BLOCKS

    today = today or today_cn()
    problem = PROBLEMS_BY_ID[problem_id]
    if problem.subject == "request":
        q = (
            select(R.id, R.number, R.status, R.received_on, R.concluded_on, R.outcome, R.applicant_type)
            .where(
                R.agency_id == agency_id, _request_scope(year, today, agency_id), _request_conditions(today)[problem_id]
            )
            .order_by(R.received_on, R.id)
            .limit(limit)
        )
        return [
            ProblemCase(
                i,
                number,
                f"收到{received or '—'}，办结{concluded or '—'}，办理结果{_outcome_text(outcome)}，"
                f"申请人类型{_type_text(atype)}",
            )
            for i, number, _status, received, concluded, outcome, atype in db.session.execute(q)
        ]
    kinds = {b.id: (f"{b.parent_label}（{b.label}）" if b.parent_label else b.label) for b in TABLE4_BLOCKS}
    q = (
        select(V.request_id, R.number, V.kind, V.filed_on, V.concluded_on, V.result)
        .outerjoin(R, R.id == V.request_id)
        .where(V.agency_id == agency_id, _review_scope(year), _review_conditions()[problem_id])
        .order_by(V.filed_on, V.id)
        .limit(limit)
    )
    results = {c.id: c.label for c in rl.TABLE4_COLUMNS}
    return [
        ProblemCase(
            rid,
            number or "（未对应登记申请）",
            f"{kinds.get(kind, kind)}：立案{filed}，审结{concluded or '—'}，结果{results.get(result, result) or '—'}",
        )
        for rid, number, kind, filed, concluded, result in db.session.execute(q)
    ]


@dataclass(frozen=True)
class DataNote:
    """A record counted as it stands but explained in the data-quality list (it fails no check)."""

    request_id: int | None
    number: str | None
    note: str


def data_notes(agency_id: int, year: int, limit: int = 50) -> list[DataNote]:
    """The notes of the reviews the year counts (e.g. a 复议后起诉 whose reconsideration predates the records).
    One bounded query."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    q = (
        select(V.request_id, R.number, V.data_note)
        .outerjoin(R, R.id == V.request_id)
        .where(V.agency_id == agency_id, V.data_note.is_not(None), _review_scope(year))
        .order_by(V.filed_on, V.id)
        .limit(limit)
    )
    return [DataNote(rid, number, note) for rid, number, note in db.session.execute(q)]


def _outcome_text(code: str | None) -> str:
    return (
        outcomes.outcome(code).short_label
        if outcomes.is_valid(code)
        else (f"“{code}”（不是有效的办理结果）" if code else "—")
    )


def _type_text(type_id: str | None) -> str:
    return (
        rl.applicant_type_label(type_id)
        if rl.is_applicant_type(type_id)
        else (f"“{type_id}”（无效）" if type_id else "—")
    )


def data_quality_check(counts: dict[str, int]) -> dict:
    found = [f"{PROBLEMS_BY_ID[i].title}{n}件" for i, n in counts.items() if n]
    if found:
        return {"id": rl.DATA_QUALITY_CHECK_ID, "ok": False, "detail": "；".join(found) + "。"}
    return {
        "id": rl.DATA_QUALITY_CHECK_ID,
        "ok": True,
        "detail": "本年度涉及的申请和复议诉讼记录均有办理结果和办结日期，办结不早于收到申请，收到申请日期不在将来",
    }


# ------------------------------------------------------------------------------------------- the report


@dataclass
class Derivation:
    report: dict
    problem_counts: dict[str, int] = field(default_factory=dict)

    def failing_problems(self) -> list[Problem]:
        return [PROBLEMS_BY_ID[i] for i, n in self.problem_counts.items() if n]


def frozen_figures(agency_id: int, year: int, scope: str = "unit") -> dict | None:
    """The figures of the published report of `year` (the unit alone, or ``with_units``: the roll-up), with
    the layout version they were frozen under."""
    from .models import ReportSnapshot

    row = db.session.execute(
        select(ReportSnapshot.figures, ReportSnapshot.layout_version).where(
            ReportSnapshot.agency_id == agency_id, ReportSnapshot.year == year, ReportSnapshot.scope == scope
        )
    ).first()
    if row is None:
        return None
    figures, version = row
    return {**figures, "layout_version": figures.get("layout_version", version)}


def previous_year_figure(agency_id: int, year: int, frozen: dict | None) -> tuple[int | None, str | None]:
    """(requests received in year−1, where the figure comes from), or (None, None) when nothing supports a
    comparison: "比上年增加N件" only when the previous year was published (then the published figure is the
    one compared against) or the records reach back to it (the earliest receipt date is in or before
    year−1). `frozen` is the published report of year−1 or None. One statement of two index lookups on
    (agency, received_on): the year−1 range and the earliest receipt — never the history before it."""
    from ..disclosure.models import DisclosureRequest as R

    if frozen is not None and isinstance((frozen.get("summary") or {}).get("requests_received"), int):
        return frozen["summary"]["requests_received"], "frozen"
    mine = R.agency_id == agency_id
    count, first = db.session.execute(
        select(
            select(func.count()).select_from(R).where(mine, _in(R.received_on, year - 1)).scalar_subquery(),
            select(func.min(R.received_on)).where(mine).scalar_subquery(),
        )
    ).one()
    if first is None or first > date(year - 1, 12, 31):
        return None, None
    return int(count or 0), "records"


def agency_contact(agency) -> dict[str, str]:
    """The contact details the report preface states: only those the agency filled in (admin settings)."""
    settings = (agency.settings or {}) if agency is not None else {}
    return {
        k: settings[k].strip() for k in ("address", "postcode", "phone", "email") if (settings.get(k) or "").strip()
    }


def derive_full(agency_id: int, year: int, *, today: date | None = None) -> Derivation:
    """The report dict plus the data-quality counts behind check 6."""
    from ..accounts.models import Agency

    today = today or today_cn()
    agency = db.session.get(Agency, agency_id)
    version = rl.layout_for_year(year)
    report = rl.empty_report_dict(year, agency.name if agency else "", version)
    report["agency"]["contact"] = agency_contact(agency)
    report["table3"], request_problems = _table3_and_problems(agency_id, year, today, version)
    report["table4"] = derive_table4(agency_id, year, version)
    table2, proactive_items, by_category = derive_registers(agency_id, year, version)
    report["table2"] = table2
    frozen_previous = frozen_figures(agency_id, year - 1)
    previous_figure, basis = previous_year_figure(agency_id, year, frozen_previous)
    report["summary"].update(
        proactive_items=proactive_items,
        proactive_by_category=by_category,
        requests_received=report["table3"]["new"]["total"],
        requests_received_previous_year=previous_figure,
        previous_year_basis=basis,
        main_topics=main_topics(agency_id, year),
    )
    proposals = proposals_assigned(agency_id, year)
    report["other_matters"].update(
        processing_fees=processing_fees(agency_id, year),
        npc_suggestions=proposals.get("npc", 0),
        cppcc_proposals=proposals.get("cppcc", 0),
    )
    # The previous year's row 四 counted from the records is, by definition, this year's carried-in
    # row (received by Dec 31 of year-1 and not concluded by then = received before Jan 1 and not
    # concluded before Jan 1): taken from table 三 (in this year's layout) instead of a second pass over
    # two years of rows. Check 5 is meaningful against the previous year's *published* figures.
    previous = {
        "year": year - 1,
        "layout_version": version.id,
        "table3": {"carried_out": dict(report["table3"]["carried_in"])},
    }
    checks = rl.run_checks(report, previous=previous, frozen_previous=frozen_previous)
    counts = {**request_problems, **count_problems(agency_id, year, today, requests=False)}
    checks.append(data_quality_check(counts))
    report["checks"] = checks
    return Derivation(report, counts)


def derive(agency_id: int, year: int, *, today: date | None = None) -> dict:
    """The report of `year` for the agency, in the JSON form of report-format.md, checks included."""
    return derive_full(agency_id, year, today=today).report
