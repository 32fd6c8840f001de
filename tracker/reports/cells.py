"""Every figure traceable: the cases behind one figure of the annual report (issue 16).

A figure is named by its path in the report JSON joined with dots, e.g. ``table3.new.total``,
``table3.withheld.third_party.natural_person`` (an outcome row's id holds a dot itself),
``table4.reconsideration.pending``, ``other_matters.processing_fees.cases``. Its cases are selected by
`derive.figure_condition` — the very expressions whose CASE flags count the figure — so a list and its
figure cannot disagree. Figures that are not counts of cases (table 二 and the proactive items, typed in
the registers; amounts in 元 or 万元; the previous year's figure) have no list.

Lists take `agency_id` as one id or several (a later roll-up over units passes the units' ids); a list
for a user goes through the one scoped query (accounts.access.visible_requests / visible_reviews).
Table 四 counts reviews: a review's case number is its request's number, or ``复议诉讼#<id>`` for a
review not tied to a registered request (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import case, func, literal_column, select, union_all

from ..errors import ServiceError
from ..extensions import db
from ..paging import Key
from ..rules import report_layout as rl
from ..rules.text import xml_safe
from . import derive
from .structure import FIGURE_LABELS, cell_labels

REQUEST, REVIEW = "request", "review"
EXAMPLE_IDS = ("table3.new.total", "table3.withheld.third_party.natural_person", "table4.reconsideration.pending")
UNATTACHED_PREFIX = "复议诉讼#"  # the case number printed for a review without a registered request


class UnknownFigure(ServiceError):
    """The id names no figure of the report that counts cases."""


@dataclass(frozen=True)
class Figure:
    id: str
    ref: tuple[str, ...]
    label: str  # in Chinese, from the official labels (report_layout)
    subject: str  # request | review

    @property
    def table(self) -> str:
        return self.ref[0]


def figure_id(ref: tuple[str, ...]) -> str:
    return ".".join(ref)


def traceable_refs(version: rl.LayoutVersion) -> list[tuple[str, ...]]:
    """The paths of every figure that counts cases, in the order of the report."""
    refs = [("table3", r, c) for r in version.table3_row_ids for c in version.table3_column_ids]
    refs += [("table4", b, c) for b in version.table4_block_ids for c in version.table4_column_ids]
    refs.append(derive.FEE_CASES_REF)
    return refs


def figures(version: rl.LayoutVersion) -> dict[str, Figure]:
    labels = {**cell_labels(version), **FIGURE_LABELS}
    return {
        figure_id(ref): Figure(figure_id(ref), ref, labels[ref], REVIEW if ref[0] == "table4" else REQUEST)
        for ref in traceable_refs(version)
    }


def _shown(raw: str) -> str:
    text = "".join(ch for ch in xml_safe(raw or "") if ch.isprintable())
    return text if len(text) <= 60 else text[:60] + "…"


def figure(cell_id: str, year: int) -> Figure:
    """The figure `cell_id` names in the report of `year` (its layout), or UnknownFigure (Chinese)."""
    version = rl.layout_for_year(year)
    found = figures(version).get((cell_id or "").strip()) if isinstance(cell_id, str) else None
    if found is None:
        raise UnknownFigure(
            f"“{_shown(cell_id)}”不是{year}年度报告中按案件计数的数字，无法列出案件。编号就是 JSON 形式报告中"
            f"数字的路径，各级用“.”连接，例如 {'、'.join(EXAMPLE_IDS)}；全部编号见"
            f" flask --app tracker report {year} --format json 的 table3（行.列）和 table4（类别.列）两节，"
            "以及 other_matters.processing_fees.cases（收费件数）。表二、主动公开条数和金额不是案件数，没有案件清单。"
        )
    return found


def condition(fig: Figure, year: int, agency_id):
    """(model, condition) of the figure's cases (derive.figure_condition)."""
    return derive.figure_condition(fig.ref, year, agency_id, rl.layout_for_year(year))


def case_query(fig: Figure, year: int, agency_id, user=None):
    """The figure's cases as an unordered select of DisclosureRequest or Review: of the agency (or
    agencies) for a command, through the user's scoped query for a page."""
    from ..accounts.access import visible_requests, visible_reviews

    model, cond = condition(fig, year, agency_id)
    if user is None:
        return select(model).where(cond)
    return (visible_reviews(user) if fig.subject == REVIEW else visible_requests(user)).where(cond)


def sort_keys(fig: Figure) -> list[Key]:
    """The list's order (paging keys), the one an index gives: conclusions in the year by conclusion date,
    the other requests by receipt, reviews by filing date; then id."""
    from datetime import date

    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    if fig.subject == REVIEW:
        return [Key(V.filed_on, kind=date), Key(V.id)]
    if fig.table == "table3" and derive.concluded_row(fig.ref[1]):
        return [Key(R.concluded_on, kind=date), Key(R.id)]
    return [Key(R.received_on, kind=date), Key(R.id)]


def count(query) -> int:
    """How many cases the list has: the exact figure (one aggregate over the same condition)."""
    return int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)


def review_number(request_number: str | None, review_id: int) -> str:
    return request_number or f"{UNATTACHED_PREFIX}{review_id}"


def case_numbers(fig: Figure, year: int, agency_id, user=None) -> Iterator[str]:
    """The case number of every case the figure counts, in the list's order: one per case, so their
    number equals the figure (a request's number; for a review its request's number, or 复议诉讼#id)."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    q = case_query(fig, year, agency_id, user)
    keys = [k.order() for k in sort_keys(fig)]
    if fig.subject == REVIEW:
        stmt = q.with_only_columns(R.number, V.id).outerjoin(R, R.id == V.request_id).order_by(*keys)
        for number, rid in db.session.execute(stmt.execution_options(yield_per=2000)):
            yield review_number(number, rid)
        return
    for (number,) in db.session.execute(
        q.with_only_columns(R.number).order_by(*keys).execution_options(yield_per=2000)
    ):
        yield number


# ---------------------------------------------------------------------- the .xlsx sheets of cells' cases

XLSX_MAX_ROWS = 1_048_576 - 2  # Excel's rows, less the heading and a closing note


def _int(i: int):
    return literal_column(str(int(i)))  # a literal, not a bound parameter: typed alike in every UNION arm


def _index(column, ids):
    return case({v: _int(i) for i, v in enumerate(ids)}, value=column)


def table3_cases(year: int, agency_id, user=None):
    """Every (figure, case) pair of table 三, ordered by row, column, receipt: one SQL statement of ten
    UNION ALL arms — each row part (new, carried_in, （七）总计, the outcome rows, carried_out) by an
    applicant type column and by 总计, built from the same expressions as the sums (table3_row with the
    agency; the outcome arm is （七）总计's condition with the outcome among the result rows).
    Rows: (row id, column id, number, applicant type, outcome, received, concluded)."""
    from ..accounts.access import visible_requests
    from ..disclosure.models import DisclosureRequest as R

    v = rl.layout_for_year(year)
    rows, cols, types = v.table3_row_ids, v.table3_column_ids, v.applicant_type_ids
    base = select(R) if user is None else visible_requests(user)
    fields = (R.number, R.applicant_type, R.outcome, R.received_on, R.concluded_on, R.id)
    arms = []
    for part in (*derive.T3_PARTS, "outcome"):
        if part == "outcome":
            row_at, cond = _index(R.outcome, rows), derive.table3_part(R, "total", year, agency_id)
            cond = cond & R.outcome.in_(v.table3_result_row_ids)
        else:
            row_at, cond = _int(rows.index(part)), derive.table3_row(R, part, year, v, agency_id)
        for col_at, col_cond in ((_index(R.applicant_type, cols), R.applicant_type.in_(types)), (None, None)):
            at = col_at if col_at is not None else _int(cols.index("total"))
            parts = [cond] + ([col_cond] if col_cond is not None else [])
            arms.append(base.with_only_columns(row_at.label("r"), at.label("c"), *fields).where(*parts).order_by(None))
    u = union_all(*arms).subquery()
    stmt = select(u).order_by(u.c.r, u.c.c, u.c.received_on, u.c.id).limit(XLSX_MAX_ROWS + 1)
    for r, c, number, atype, outcome, received, concluded, _id in db.session.execute(
        stmt.execution_options(yield_per=2000)
    ):
        yield rows[r], cols[c], number, atype, outcome, received, concluded


def table4_cases(year: int, agency_id, user=None):
    """Every (figure, review) pair of table 四, ordered by kind, column, filing date: one SQL statement of
    five UNION ALL arms (one per column, table4_column). Rows: (kind, column, number, filed, concluded, result)."""
    from ..accounts.access import visible_reviews
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    v = rl.layout_for_year(year)
    blocks, cols = v.table4_block_ids, v.table4_column_ids
    base = select(V) if user is None else visible_reviews(user)
    fields = (R.number, V.id, V.filed_on, V.concluded_on, V.result)
    arms = []
    for col in cols:
        parts = [derive.table4_scope(V, year, agency_id), V.kind.in_(blocks)]
        if (cond := derive.table4_column(V, col, year)) is not None:
            parts.append(cond)
        arms.append(
            base.with_only_columns(_index(V.kind, blocks).label("b"), _int(cols.index(col)).label("c"), *fields)
            .outerjoin(R, R.id == V.request_id)
            .where(*parts)
            .order_by(None)
        )
    u = union_all(*arms).subquery()
    stmt = select(u).order_by(u.c.b, u.c.c, u.c.filed_on, u.c.id).limit(XLSX_MAX_ROWS + 1)
    for b, c, number, rid, filed, concluded, result in db.session.execute(stmt.execution_options(yield_per=2000)):
        yield blocks[b], cols[c], review_number(number, rid), filed, concluded, result


@dataclass(frozen=True)
class CaseSheet:
    """A sheet of the report .xlsx: every (figure, case) pair of one table, ordered by figure."""

    name: str
    headers: tuple[str, ...]
    rows: Iterator[tuple]


def case_sheets(year: int, agency_id, user=None) -> list[CaseSheet]:
    """The sheets 表三/表四 各数所计案件 of the report .xlsx: one SQL statement per table (table3_cases,
    table4_cases), read as the file is written. The cases as the records stand now."""
    from ..rules import outcomes

    v = rl.layout_for_year(year)
    figs = figures(v)
    types = {t.id: t.full_label for t in v.applicant_types}
    results = {c.id: c.label for c in v.table4_columns}

    def outcome(code):
        return outcomes.outcome(code).short_label if outcomes.is_valid(code) else (code or "")

    def t3():
        for row, col, number, atype, code, received, concluded in table3_cases(year, agency_id, user):
            fid = figure_id(("table3", row, col))
            yield fid, figs[fid].label, number, types.get(atype, atype), outcome(code), received, concluded

    def t4():
        for block, col, number, filed, concluded, result in table4_cases(year, agency_id, user):
            fid = figure_id(("table4", block, col))
            yield fid, figs[fid].label, number, v.table4_label(block), filed, concluded, results.get(result, result)

    return [
        CaseSheet(
            "表三 各数所计案件",
            ("数字编号", "数字", "申请编号", "申请人类型", "办理结果", "收到申请日期", "办结日期"),
            t3(),
        ),
        CaseSheet(
            "表四 各数所计案件",
            ("数字编号", "数字", "申请编号", "类别", "提起日期", "审结日期", "结果"),
            t4(),
        ),
    ]
