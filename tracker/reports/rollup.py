"""The district roll-up report: a unit with all its sub-units (issue 16).

Every figure comes from the same grouped aggregates as one unit's report (tracker.reports.derive),
grouped by unit as well (GROUP BY agency_id): one statement per part of the report whatever the number
of units, and the per-unit figures and their sum come from the very same rows. Never one report per unit.

The statements (fixed, whatever the number of units or cases):
 1. the units (the subtree: agency.path LIKE the root's path) with their names and settings;
 2. table 三 + the requests' data-quality counts + answered late, by (unit, outcome, applicant type);
 3. table 四 by (unit, kind);  4. the reviews' data-quality counts by unit;
 5. table 二 and the proactive items by (unit, kind, category);  6. the main topics of the subtree;
 7. NPC/CPPCC items by (unit, kind);  8. processing fees by unit;
 9. per unit: requests received in year−1 and the earliest receipt (two index lookups each);
10. the published snapshots of the year and of year−1 of every unit of the subtree (both scopes).

The sum is the units' figures added cell by cell (amounts too: the sum of what each unit reports); the
official checks run on the sum and on each unit. The per-unit table:
  收到申请 = table3.new.total; 办结 = table3.total.total (（七）总计); 结转下年度 = table3.carried_out.total;
  逾期答复 = concluded in the year (（七）总计) and delivered after the recorded deadline
  (disclosure.queries.answered_late, the workbench's rule; a case not yet delivered or without a
  deadline is not counted) — no official row counts it, so it is its own CASE sum in the
  same grouped query as table 三; 复议诉讼 = the 总计 of the three blocks of table 四 added;
  被纠正 = the 结果纠正 column of table 四's three blocks added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, cast, func, literal_column, or_, select

from ..disclosure.queries import answered_late
from ..extensions import db
from ..rules import report_layout as rl
from ..rules.clock import today_cn
from . import derive as d
from .models import DECISION, DOCUMENT, FEE, KIND_OF_TABLE2_BLOCK, PROACTIVE, PROACTIVE_CATEGORIES, RegisterEntry
from .structure import FIGURE_LABELS, cell_labels

WITH_UNITS, UNIT = "with_units", "unit"

# The per-unit table: (key, Chinese heading, how it is defined), in the page's order.
UNIT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("received", "收到申请", "表三“一、本年新收政府信息公开申请数量”总计"),
    ("concluded", "办结", "表三“（七）总计”总计（本年办结）"),
    ("carried_out", "结转下年度", "表三“四、结转下年度继续办理”总计"),
    ("late", "逾期答复", "本年办结且送达日期晚于记录的答复期限（含延期）的申请；尚未送达或无期限的不计"),
    ("reviews", "复议诉讼", "表四三类（行政复议、未经复议直接起诉、复议后起诉）总计之和"),
    ("corrected", "被纠正", "表四三类“结果纠正”之和"),
)


@dataclass
class Unit:
    id: int
    name: str
    parent_id: int | None
    depth: int
    report: dict  # the unit's own figures as its records give them now, checks included
    problem_counts: dict[str, int]
    late: int = 0
    snapshot: dict | None = None  # {"id", "published_at", "figures"} of the unit's published report
    diffs: list = field(default_factory=list)  # services.Difference: frozen vs current

    @property
    def figures(self) -> dict[str, int]:
        return unit_figures(self.report, self.late)

    @property
    def failing_checks(self) -> list[dict]:
        return [c for c in self.report["checks"] if not c["ok"]]


@dataclass
class Rollup:
    agency_id: int
    year: int
    report: dict  # the sum, in the JSON form of one unit's report, checks included
    units: list[Unit]
    problem_counts: dict[str, int]
    late: int
    snapshot: dict | None = None  # the published roll-up of the year ({"id", "published_at", "figures", ...})
    previous_snapshot: dict | None = None

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(u.id for u in self.units)

    @property
    def figures(self) -> dict[str, int]:
        return unit_figures(self.report, self.late)

    def unit(self, agency_id: int) -> Unit | None:
        return next((u for u in self.units if u.id == agency_id), None)


def unit_figures(report: dict, late: int) -> dict[str, int]:
    t3, t4 = report["table3"], report["table4"]
    return {
        "received": t3["new"]["total"],
        "concluded": t3["total"]["total"],
        "carried_out": t3["carried_out"]["total"],
        "late": late,
        "reviews": sum(int(b.get("total", 0)) for b in t4.values()),
        "corrected": sum(int(b.get("corrected", 0)) for b in t4.values()),
    }


# ------------------------------------------------------------------------------------------- summing


def summed_paths(version: rl.LayoutVersion) -> list[tuple[str, ...]]:
    """Every figure that adds up over units: the three tables' cells and the counts of 一 and 六."""
    return [*cell_labels(version), *(p for p in FIGURE_LABELS if p != ("summary", "requests_received_previous_year"))]


def _put(report: dict, path: tuple[str, ...], value) -> None:
    node = report
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _get(report: dict, path: tuple[str, ...]):
    try:
        return rl.cell_value(report, path)
    except (KeyError, TypeError):
        return None


def _num(value):
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def add_reports(total: dict, reports: list[dict], version: rl.LayoutVersion) -> dict:
    """`total` (an empty report dict) with every summed figure of `reports` added cell by cell; 万元 amounts
    added as decimals (each unit's figure is exact to the yuan, so is the sum)."""
    for path in summed_paths(version):
        values = [_num(_get(r, path)) for r in reports]
        if any(isinstance(v, float) for v in values):
            s = sum((Decimal(str(v)) for v in values), Decimal(0))
            _put(total, path, int(s) if s == s.to_integral_value() else float(s))
        else:
            _put(total, path, sum(values))
    by_category: dict[str, int] = {}
    for r in reports:
        for cat, n in (r["summary"].get("proactive_by_category") or {}).items():
            by_category[cat] = by_category.get(cat, 0) + int(n or 0)
    order = {c: i for i, c in enumerate(PROACTIVE_CATEGORIES)}
    total["summary"]["proactive_by_category"] = dict(
        sorted(by_category.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    )
    return total


# ------------------------------------------------------------------------------------------- the queries


def _units(agency_id: int):
    from ..accounts.models import Agency, subtree_ids

    q = (
        select(Agency.id, Agency.name, Agency.parent_id, Agency.path, Agency.settings)
        .where(Agency.id.in_(subtree_ids(agency_id)))
        .order_by(Agency.path)
    )
    return db.session.execute(q).all()


def _table3_rows(ids, year: int, today: date):
    """Statement 2: derive._table3_query's sums and the data-quality flags, plus answered late, by unit.

    Every column it reads, the delivery date of 逾期答复 included, is in the covering indexes of
    migrations e16b7c0a4f21 and e16c5d2f8a90, so both engines answer it from an index alone. The shape
    differs by engine (bench_report_rollup at 1,000,000 requests over 50 units, table 三 alone):
    - SQLite: joined from the units with the unit's equality in each arm of the year's scope (derive._of
      with a column), so that each unit is answered by the index ranges of one unit's report; with
      ``agency_id IN (…)`` in every arm it walked the index over every row (1.8 s against 1.0 s).
    - PostgreSQL: ``agency_id = ANY (…)``, which it answers by one parallel index-only scan as it answers
      one unit's report; from the join it takes a nested loop over the units in one process (0.55 s
      against 0.34 s)."""
    from ..accounts.models import Agency as A
    from ..disclosure.models import DisclosureRequest as R

    sums = [func.sum(d._flag(d.table3_part(R, part, year))) for part in d.T3_PARTS]
    sums += [func.sum(d._flag(c)) for c in d._request_conditions(today).values()]
    sums.append(func.sum(d._flag(and_(d.table3_part(R, "total", year), answered_late()))))
    q = select(R.agency_id, R.applicant_type, R.outcome, *sums)
    if db.engine.dialect.name == "postgresql":
        q = q.where(d._request_scope(year, today, ids))
    else:
        q = q.select_from(A).join(R, R.agency_id == A.id).where(A.id.in_(ids), d._request_scope(year, today, A.id))
    return db.session.execute(q.group_by(R.agency_id, R.outcome, R.applicant_type)).all()


def _table4_rows(ids, year: int):
    from ..disclosure.models import Review as V

    parts = [func.sum(d._flag(d.table4_column(V, c, year))) for c in (*d.T4_RESULTS, "pending")]
    q = (
        select(V.agency_id, V.kind, *parts, func.count())
        .where(d.table4_scope(V, year, ids))
        .group_by(V.agency_id, V.kind)
    )
    return db.session.execute(q).all()


def _review_problem_rows(ids, year: int):
    from ..disclosure.models import Review as V

    conds = d._review_conditions()
    q = (
        select(V.agency_id, *(func.sum(d._flag(c)) for c in conds.values()))
        .where(d._of(V, ids), d._review_scope(year), or_(*conds.values()))
        .group_by(V.agency_id)
    )
    return list(conds), db.session.execute(q).all()


def _register_rows(ids, year: int):
    E = RegisterEntry
    _, end = d._bounds(year)
    in_year = d._in(E.entry_date, year)
    cents = cast(func.round(E.amount_yuan * literal_column("100")), BigInteger)
    q = (
        select(
            E.agency_id,
            E.kind,
            E.category,
            func.sum(d._flag(in_year)),
            func.sum(d._flag(d._in(E.abolished_on, year))),
            func.sum(d._flag(or_(E.abolished_on.is_(None), E.abolished_on > end))),
            func.sum(case((in_year, E.quantity), else_=d._ZERO)),
            func.sum(case((and_(in_year, E.amount_yuan.is_not(None)), cents), else_=d._ZERO)),
        )
        .where(d._of(E, ids), E.entry_date <= end)
        .group_by(E.agency_id, E.kind, E.category)
    )
    return db.session.execute(q).all()


def _topics(ids, year: int) -> list[dict]:
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import RequestTag as T

    q = (
        select(T.tag, func.count())
        .join(R, R.id == T.request_id)
        .where(d._of(R, ids), d._in(R.received_on, year))
        .group_by(T.tag)
    )
    counted = sorted(((tag, int(n)) for tag, n in db.session.execute(q)), key=lambda tn: (-tn[1], tn[0]))
    return [{"topic": tag, "requests": n} for tag, n in counted[: d.MAIN_TOPICS]]


def _proposal_rows(ids, year: int):
    from ..proposals.models import Proposal as P

    q = (
        select(P.agency_id, P.kind, func.count())
        .where(d._of(P, ids), d._in(P.assigned_on, year))
        .group_by(P.agency_id, P.kind)
    )
    return db.session.execute(q).all()


def _fee_rows(ids, year: int):
    from ..disclosure.models import DisclosureRequest as R

    q = (
        select(R.agency_id, func.count(), func.coalesce(func.sum(R.fee_amount), d._ZERO))
        .where(d.fees_paid(R, year, ids))
        .group_by(R.agency_id)
    )
    return db.session.execute(q).all()


def _previous_rows(ids, year: int):
    """Per unit: requests received in year−1 and its earliest receipt (two index lookups per unit)."""
    from ..accounts.models import Agency
    from ..disclosure.models import DisclosureRequest as R

    mine = R.agency_id == Agency.id
    count = select(func.count()).select_from(R).where(mine, d._in(R.received_on, year - 1)).scalar_subquery()
    first = select(func.min(R.received_on)).where(mine).scalar_subquery()
    return db.session.execute(select(Agency.id, count, first).where(Agency.id.in_(ids))).all()


def _snapshot_rows(ids, year: int):
    from .models import ReportSnapshot as S

    q = select(S.id, S.agency_id, S.year, S.scope, S.published_at, S.figures, S.layout_version, S.unit_snapshots)
    return db.session.execute(q.where(S.agency_id.in_(ids), S.year.in_((year, year - 1)))).all()


# ------------------------------------------------------------------------------------------- derivation


def derive_rollup(agency_id: int, year: int, *, today: date | None = None) -> Rollup:
    """The roll-up of `agency_id` with all its sub-units for `year`: the sum and each unit, checks included.
    A fixed number of statements (see the module's docstring), whatever the number of units."""
    from .services import differences, frozen_report

    today = today or today_cn()
    version = rl.layout_for_year(year)
    rows = _units(agency_id)
    if not rows:
        raise KeyError(agency_id)
    ids = tuple(r.id for r in rows)
    root = rows[0]
    depth0 = root.path.count("/")
    units: dict[int, Unit] = {}
    for r in rows:
        report = rl.empty_report_dict(year, r.name, version)
        report["agency"]["contact"] = d.agency_contact(r)
        units[r.id] = Unit(r.id, r.name, r.parent_id, r.path.count("/") - depth0, report, {})

    problem_ids = list(d._request_conditions(today))
    result_rows = frozenset(version.table3_result_row_ids)
    types = frozenset(version.applicant_type_ids)
    for u in units.values():
        u.problem_counts = dict.fromkeys(problem_ids, 0)
    for unit_id, atype, outcome, *sums in _table3_rows(ids, year, today):
        u = units[unit_id]
        u.late += int(sums[-1] or 0)
        d.add_table3_group(
            u.report["table3"], u.problem_counts, problem_ids, result_rows, types, atype, outcome, sums[:-1]
        )

    for unit_id, kind, upheld, corrected, other, pending, total in _table4_rows(ids, year):
        t4 = units[unit_id].report["table4"]
        if kind in t4:
            t4[kind].update(
                upheld=int(upheld or 0),
                corrected=int(corrected or 0),
                other=int(other or 0),
                pending=int(pending or 0),
                total=int(total or 0),
            )
    review_ids, review_rows = _review_problem_rows(ids, year)
    for u in units.values():
        u.problem_counts.update(dict.fromkeys(review_ids, 0))
    for unit_id, *ns in review_rows:
        units[unit_id].problem_counts.update({i: int(n or 0) for i, n in zip(review_ids, ns, strict=True)})

    _fill_registers(units, _register_rows(ids, year), version)
    for unit_id, kind, n in _proposal_rows(ids, year):
        key = {"npc": "npc_suggestions", "cppcc": "cppcc_proposals"}.get(kind)
        if key:
            units[unit_id].report["other_matters"][key] = int(n)
    for unit_id, cases, amount in _fee_rows(ids, year):
        units[unit_id].report["other_matters"]["processing_fees"] = {"cases": int(cases), "amount_yuan": int(amount)}

    snaps = {(s.agency_id, s.year, s.scope): s for s in _snapshot_rows(ids, year)}
    for unit_id, count, first in _previous_rows(ids, year):
        u = units[unit_id]
        prev = snaps.get((unit_id, year - 1, UNIT))
        frozen_prev = frozen_report(prev) if prev is not None else None
        figure, basis = _previous_figure(frozen_prev, count, first, year)
        u.report["summary"].update(
            requests_received=u.report["table3"]["new"]["total"],
            requests_received_previous_year=figure,
            previous_year_basis=basis,
        )
        u.report["checks"] = _checks(u.report, frozen_prev, u.problem_counts)
        mine = snaps.get((unit_id, year, UNIT))
        if mine is not None:
            u.snapshot = _snap_dict(mine)
            u.diffs = differences(u.snapshot["figures"], u.report)

    ordered = [units[i] for i in ids]
    total = add_reports(rl.empty_report_dict(year, root.name, version), [u.report for u in ordered], version)
    total["agency"]["contact"] = d.agency_contact(root)
    total["scope"] = WITH_UNITS
    counts = {pid: sum(u.problem_counts.get(pid, 0) for u in ordered) for pid in ordered[0].problem_counts}
    prev_rollup = snaps.get((agency_id, year - 1, WITH_UNITS))
    frozen_prev = frozen_report(prev_rollup) if prev_rollup is not None else None
    if frozen_prev is not None and isinstance(frozen_prev["summary"].get("requests_received"), int):
        figure, basis = frozen_prev["summary"]["requests_received"], "frozen"
    else:
        known = [u.report["summary"]["requests_received_previous_year"] for u in ordered]
        known = [n for n in known if isinstance(n, int)]
        figure, basis = (sum(known), "records") if known else (None, None)
    total["summary"].update(
        requests_received_previous_year=figure, previous_year_basis=basis, main_topics=_topics(ids, year)
    )
    total["checks"] = _checks(total, frozen_prev, counts)
    mine = snaps.get((agency_id, year, WITH_UNITS))
    return Rollup(
        agency_id,
        year,
        total,
        ordered,
        counts,
        sum(u.late for u in ordered),
        _snap_dict(mine) if mine is not None else None,
        _snap_dict(prev_rollup) if prev_rollup is not None else None,
    )


def _previous_figure(frozen_prev, count, first, year):
    if frozen_prev is not None and isinstance((frozen_prev.get("summary") or {}).get("requests_received"), int):
        return frozen_prev["summary"]["requests_received"], "frozen"
    if first is None or first > date(year - 1, 12, 31):
        return None, None
    return int(count or 0), "records"


def _checks(report: dict, frozen_prev: dict | None, counts: dict[str, int]) -> list[dict]:
    """The official checks of one report (derive_full's): 1–5 and the data-quality check."""
    previous = {
        "year": report["year"] - 1,
        "layout_version": report["layout_version"],
        "table3": {"carried_out": dict(report["table3"]["carried_in"])},
    }
    checks = rl.run_checks(report, previous=previous, frozen_previous=frozen_prev)
    checks.append(d.data_quality_check(counts))
    return checks


def _fill_registers(units: dict[int, Unit], rows, version: rl.LayoutVersion) -> None:
    kind_of_row = {
        row.id: KIND_OF_TABLE2_BLOCK[block.id]
        for block in version.table2_blocks
        for row in block.rows
        if block.id in KIND_OF_TABLE2_BLOCK
    }
    order = {c: i for i, c in enumerate(PROACTIVE_CATEGORIES)}
    for unit_id, kind, category, dated_in_year, abolished, in_force, quantity, cent_sum in rows:
        report = units[unit_id].report
        if kind == PROACTIVE:
            if dated_in_year:
                cats = report["summary"]["proactive_by_category"]
                cats[category] = int(dated_in_year)
                report["summary"]["proactive_items"] += int(dated_in_year)
                report["summary"]["proactive_by_category"] = dict(
                    sorted(cats.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
                )
            continue
        if kind_of_row.get(category) != kind:
            continue
        cells = report["table2"][category]
        if kind == DOCUMENT:
            cells.update(issued=int(dated_in_year or 0), abolished=int(abolished or 0), in_force=int(in_force or 0))
        elif kind == DECISION:
            cells["decisions"] = int(quantity or 0)
        elif kind == FEE:
            cells["amount_wan_yuan"] = d.wan_yuan(int(cent_sum or 0))


def _snap_dict(row) -> dict:
    from .services import frozen_report

    return {
        "id": row.id,
        "agency_id": row.agency_id,
        "published_at": row.published_at,
        "figures": frozen_report(row),
        "unit_snapshots": row.unit_snapshots,
    }


# ------------------------------------------------------------------------------------------- publishing


def figures_to_publish(rollup: Rollup) -> tuple[dict, list[dict]]:
    """The roll-up to freeze: each unit's published figures where it has published the year, its current
    records where not; and which (the report_snapshot.unit_snapshots list)."""
    version = rl.layout_for_year(rollup.year)
    reports, used = [], []
    for u in rollup.units:
        if u.snapshot is not None:
            reports.append(u.snapshot["figures"])
            used.append(
                {
                    "agency_id": u.id,
                    "name": u.name,
                    "snapshot_id": u.snapshot["id"],
                    "published_at": _iso(u.snapshot["published_at"]),
                }
            )
        else:
            reports.append(u.report)
            used.append({"agency_id": u.id, "name": u.name, "snapshot_id": None, "published_at": None})
    total = add_reports(rl.empty_report_dict(rollup.year, rollup.report["agency"]["name"], version), reports, version)
    for key in ("agency", "scope"):
        total[key] = rollup.report[key]
    total["summary"].update(
        requests_received_previous_year=rollup.report["summary"]["requests_received_previous_year"],
        previous_year_basis=rollup.report["summary"]["previous_year_basis"],
        main_topics=rollup.report["summary"].get("main_topics", []),
    )
    frozen_prev = rollup.previous_snapshot["figures"] if rollup.previous_snapshot else None
    # the data-quality counts are the records' (a frozen unit passed them when it was published)
    counts = {
        pid: sum(u.problem_counts.get(pid, 0) for u in rollup.units if u.snapshot is None)
        for pid in rollup.problem_counts
    }
    total["checks"] = _checks(total, frozen_prev, counts)
    return total, used


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def units_json(rollup: Rollup) -> list[dict]:
    """The `units` list of the roll-up's JSON: each unit's id, name, per-unit figures, failing checks and
    its differences (published vs current records)."""
    return [
        {
            "id": u.id,
            "name": u.name,
            "parent_id": u.parent_id,
            "figures": u.figures,
            "checks_failed": [c["id"] for c in u.failing_checks],
            "published": u.snapshot is not None,
            "published_at": _iso(u.snapshot["published_at"]) if u.snapshot else None,
            "differences": [
                {"figure": ".".join(x.path), "label": x.label, "published": x.frozen, "current": x.current}
                for x in u.diffs
            ],
        }
        for u in rollup.units
    ]


def unit_sheet(rollup: Rollup):
    """The .xlsx sheet 各单位汇总: the per-unit table, each unit's failed checks and its differences."""
    from .cells import CaseSheet

    def rows():
        for u in rollup.units:
            diffs = "；".join(f"{x.label}：已发布{x.frozen}，现为{x.current}" for x in u.diffs)
            failed = "、".join(rl.CHECK_TITLES.get(c["id"], c["id"]) for c in u.failing_checks)
            published = f"{u.snapshot['published_at']:%Y-%m-%d}" if u.snapshot else "未发布"
            yield (u.name, *u.figures.values(), failed or "全部通过", published, diffs)
        yield ("合计", *rollup.figures.values(), "", "", "")

    headers = ("单位", *(h for _k, h, _d in UNIT_COLUMNS), "核对未通过", "本单位报告发布", "已发布与现有记录不同")
    return CaseSheet("各单位汇总", headers, rows())
