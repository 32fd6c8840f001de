"""Report services: the year's view (current or frozen), narrative saving, publishing (freezing).

Every state change checks the permission and preconditions, then writes its rows and its event in one
transaction. A published year is never recomputed in place: its snapshot is what the page, the files and
the command print, and the current derivation is shown beside it as differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from .. import audit
from ..accounts.roles import require
from ..errors import ServiceError
from ..extensions import db
from ..rules.clock import today_cn, utcnow
from ..rules.report_layout import CHECK_TITLES, LayoutVersion, cell_value, version_of
from ..unit_of_work import unit_of_work
from . import derive as derivation
from .models import ReportNarrative, ReportSnapshot
from .narrative import drafts
from .structure import FIGURE_LABELS, MAX_NARRATIVE_CHARS, NARRATIVE_PARTS, cell_labels

MIN_YEAR = 2008  # 《政府信息公开条例》 took effect on 1 May 2008; no annual report before that
# A frozen previous year may legitimately disagree with today's records (that is what the check shows),
# so that one check warns but does not stop publishing; every other failing check does.
NON_BLOCKING_CHECKS = frozenset({"carried_in_vs_frozen"})


def check_year(year: int, today: date | None = None) -> None:
    today = today or today_cn()
    if not MIN_YEAR <= year <= today.year:
        raise ServiceError(f"年份应在{MIN_YEAR}年至{today.year}年之间（现为{year}）。")


# ------------------------------------------------------------------------------------------- snapshot


def snapshot_for(agency_id: int, year: int, scope: str = "unit") -> ReportSnapshot | None:
    """The published report of the unit alone (``unit``) or of the unit with its sub-units (``with_units``)."""
    return db.session.scalar(
        select(ReportSnapshot).where(
            ReportSnapshot.agency_id == agency_id, ReportSnapshot.year == year, ReportSnapshot.scope == scope
        )
    )


def published_years(agency_id: int, scope: str = "unit") -> list[ReportSnapshot]:
    return list(
        db.session.scalars(
            select(ReportSnapshot)
            .where(ReportSnapshot.agency_id == agency_id, ReportSnapshot.scope == scope)
            .order_by(ReportSnapshot.year.desc())
        )
    )


@dataclass(frozen=True)
class Difference:
    path: tuple[str, ...]
    label: str
    frozen: object
    current: object


def _figure_paths(version: LayoutVersion | None = None) -> dict[tuple[str, ...], str]:
    return {**cell_labels(version), **FIGURE_LABELS}


def differences(frozen: dict, current: dict) -> list[Difference]:
    """Every figure whose current derivation differs from the frozen report, in the report's order.

    The figures compared are those of the frozen report's own layout: a row a later layout added is not a
    difference of a report published before it existed.
    """
    out = []
    for path, label in _figure_paths(version_of(frozen)).items():
        before, now = _get(frozen, path), _get(current, path)
        if before != now:
            out.append(Difference(path, label, before, now))
    before, now = (
        frozen["summary"].get("proactive_by_category", {}),
        current["summary"].get("proactive_by_category", {}),
    )
    for category in [*before, *(c for c in now if c not in before)]:
        if before.get(category, 0) != now.get(category, 0):
            out.append(
                Difference(
                    ("summary", "proactive_by_category", category),
                    f"主动公开“{category}”条数",
                    before.get(category, 0),
                    now.get(category, 0),
                )
            )
    return out


def _get(report: dict, path: tuple[str, ...]):
    try:
        return cell_value(report, path)
    except (KeyError, TypeError):
        return None


@dataclass(frozen=True)
class ChangedCase:
    request_id: int
    number: str
    last_change: datetime


def cases_changed_since(agency_id: int, year: int, since: datetime, limit: int = 100) -> list[ChangedCase]:
    """Requests counted in `year` (or now dated in it) with a recorded change after `since`. One query.

    These are the edits that can explain a difference between the frozen report and today's records.
    """
    from ..audit import Event
    from ..disclosure.models import DisclosureRequest as R

    start, end = date(year, 1, 1), date(year, 12, 31)
    touches = or_(
        and_(R.received_on <= end, or_(R.concluded_on.is_(None), R.concluded_on >= start)),
        and_(R.concluded_on >= start, R.concluded_on <= end),
    )
    q = (
        select(R.id, R.number, func.max(Event.created_at))
        .join(Event, and_(Event.subject_type == "request", Event.subject_id == R.id))
        .where(
            R.agency_id == agency_id,
            touches,
            Event.created_at > since,
            Event.kind.not_in(("request.exported", "request.letter_generated", "request.attachment_added")),
        )
        .group_by(R.id, R.number)
        .order_by(func.max(Event.created_at).desc())
        .limit(limit)
    )
    return [ChangedCase(i, number, when) for i, number, when in db.session.execute(q)]


# ------------------------------------------------------------------------------------------- narrative


@dataclass(frozen=True)
class NarrativeText:
    part: str
    text: str
    saved: bool  # False: the generated draft, not yet saved by staff
    draft: str


def narrative_for(agency_id: int, year: int, report: dict) -> dict[str, NarrativeText]:
    saved = {
        n.part: n.text
        for n in db.session.scalars(
            select(ReportNarrative).where(ReportNarrative.agency_id == agency_id, ReportNarrative.year == year)
        )
    }
    generated = drafts(report)
    return {
        p.id: NarrativeText(p.id, saved.get(p.id, generated[p.id]), p.id in saved, generated[p.id])
        for p in NARRATIVE_PARTS
    }


def save_narrative(actor, year: int, texts: dict[str, str], *, today: date | None = None) -> dict[str, list]:
    """Save the prose parts of a year's report; returns {part: [old, new]} of what changed."""
    require(actor, "report.edit", "您的角色不能编辑年度报告文字。如需修改，请联系政务公开办。")
    check_year(year, today)
    snap = snapshot_for(actor.agency_id, year)
    if snap is not None:
        raise ServiceError(f"{year}年度报告已于{snap.published_at:%Y-%m-%d}发布，文字已冻结，不能再修改。")
    unknown = [p for p in texts if p not in {q.id for q in NARRATIVE_PARTS}]
    if unknown:
        raise ServiceError(f"未知的报告部分：{'、'.join(unknown)}")
    labels = {p.id: p.label for p in NARRATIVE_PARTS}
    too_long = [f"“{labels[p]}”（{len(t)}字）" for p, t in texts.items() if len(t or "") > MAX_NARRATIVE_CHARS]
    if too_long:
        raise ServiceError(f"以下部分超过{MAX_NARRATIVE_CHARS}字，请精简：{'、'.join(too_long)}。")
    existing = {
        n.part: n
        for n in db.session.scalars(
            select(ReportNarrative).where(ReportNarrative.agency_id == actor.agency_id, ReportNarrative.year == year)
        )
    }
    diff: dict[str, list] = {}
    with unit_of_work():
        for part, text in texts.items():
            text = (text or "").replace("\r\n", "\n").strip()
            row = existing.get(part)
            if row is None:
                db.session.add(
                    ReportNarrative(
                        agency_id=actor.agency_id,
                        year=year,
                        part=part,
                        text=text,
                        updated_by_id=actor.id,
                        updated_at=utcnow(),
                    )
                )
                diff[part] = [None, text]
            elif row.text != text:
                diff[part] = [row.text, text]
                row.text, row.updated_by_id, row.updated_at = text, actor.id, utcnow()
        if diff:
            audit.record(
                "report.narrative_saved",
                subject_type="report",
                subject_id=year,
                actor=actor,
                data={"year": year, **diff},
            )
    return diff


# ------------------------------------------------------------------------------------------- publishing


def publish(actor, year: int, *, scope: str = "unit", today: date | None = None) -> ReportSnapshot:
    """Freeze the year's figures and text as published. Refused while the year runs, twice, or on failed checks.

    ``scope="with_units"`` publishes the roll-up of the actor's unit with all its sub-units
    (tracker.reports.rollup): each sub-unit's published figures where it has published the year, its
    current records where not; the snapshot's unit_snapshots records which. Its text is the draft
    generated from the roll-up's figures (the prose the unit saved is its own report's)."""
    from .rollup import WITH_UNITS

    require(actor, "report.publish", "您的角色不能发布年度报告。")
    today = today or today_cn()
    check_year(year, today)
    if scope not in ("unit", WITH_UNITS):
        raise ServiceError("报告范围应为“本单位”或“本单位及下属单位”。")
    what = "汇总报告（本单位及下属单位）" if scope == WITH_UNITS else "年度报告"
    if year >= today.year:
        raise ServiceError(f"{year}年尚未结束，{what}应在{year + 1}年1月1日以后发布。")
    existing = snapshot_for(actor.agency_id, year, scope)
    if existing is not None:
        raise ServiceError(f"{year}年度{what}已于{existing.published_at:%Y-%m-%d}发布，不能重复发布。")
    unit_snapshots = None
    if scope == WITH_UNITS:
        from .narrative import drafts
        from .rollup import derive_rollup, figures_to_publish

        rollup = derive_rollup(actor.agency_id, year, today=today)
        if len(rollup.units) < 2:
            raise ServiceError("本单位没有下属单位，不需要发布汇总报告；请发布本单位的年度报告。")
        report, unit_snapshots = figures_to_publish(rollup)
        narrative = drafts(report)
    else:
        report = derivation.derive(actor.agency_id, year, today=today)
    failing = [c for c in report["checks"] if not c["ok"] and c["id"] not in NON_BLOCKING_CHECKS]
    if failing:
        names = "；".join(f"{CHECK_TITLES.get(c['id'], c['id'])}：{c['detail']}" for c in failing)
        raise ServiceError(f"核对未通过，不能发布。请先更正相关记录：{names}")
    if scope != WITH_UNITS:
        texts = narrative_for(actor.agency_id, year, report)
        labels = {p.id: p.label for p in NARRATIVE_PARTS}
        missing = [labels[p] for p, t in texts.items() if not t.text.strip()]
        if missing:
            raise ServiceError(f"请先填写以下部分再发布：{'、'.join(missing)}。")
        narrative = {p: t.text for p, t in texts.items()}
    snap = ReportSnapshot(
        agency_id=actor.agency_id,
        year=year,
        scope=scope,
        unit_snapshots=unit_snapshots,
        layout_version=version_of(report).id,
        figures=report,
        narrative=narrative,
        published_at=utcnow(),
        published_by_id=actor.id,
    )
    db.session.add(snap)
    with unit_of_work():
        db.session.flush()
        # a report is known by (agency, year): its events carry the year as subject id
        data = {"year": year, "snapshot_id": snap.id}
        if scope == WITH_UNITS:
            data.update(scope=scope, unit_snapshots=unit_snapshots)
        audit.record("report.published", subject_type="report", subject_id=year, actor=actor, data=data)
    return snap


# ------------------------------------------------------------------------------------------- the year's view


@dataclass
class YearReport:
    """What the page, the files and the command show for a year."""

    year: int
    report: dict  # the figures shown: frozen if published (unless current was asked for), else current
    narrative: dict[str, str]
    current: derivation.Derivation
    snapshot: ReportSnapshot | None = None
    showing_current: bool = True
    diffs: list[Difference] = field(default_factory=list)
    texts: dict[str, NarrativeText] = field(default_factory=dict)

    @property
    def frozen(self) -> bool:
        return self.snapshot is not None and not self.showing_current


def year_report(agency_id: int, year: int, *, current: bool = False, today: date | None = None) -> YearReport:
    today = today or today_cn()
    check_year(year, today)
    now = derivation.derive_full(agency_id, year, today=today)
    texts = narrative_for(agency_id, year, now.report)
    snap = snapshot_for(agency_id, year)
    if snap is None:
        return YearReport(year, now.report, {p: t.text for p, t in texts.items()}, now, texts=texts)
    frozen = frozen_report(snap)
    diffs = differences(frozen, now.report)
    if current:
        return YearReport(year, now.report, {p: t.text for p, t in texts.items()}, now, snap, True, diffs, texts)
    return YearReport(year, frozen, dict(snap.narrative), now, snap, False, diffs, texts)


def frozen_report(snap: ReportSnapshot) -> dict:
    """The snapshot's figures, naming the layout version it was frozen under (snapshots of the release
    before layout versions carry it only in the column)."""
    figures = dict(snap.figures)
    figures.setdefault("layout_version", snap.layout_version)
    return figures


# ------------------------------------------------------------------------------------------- the roll-up's view


@dataclass
class RollupView:
    """What the page, the files and the command show for the roll-up of a unit with its sub-units."""

    year: int
    rollup: object  # tracker.reports.rollup.Rollup: the sum and each unit as the records give them now
    report: dict  # the figures shown: the published roll-up (unless current was asked for), else current
    narrative: dict[str, str]
    snapshot: ReportSnapshot | None = None
    showing_current: bool = True
    diffs: list[Difference] = field(default_factory=list)  # published roll-up vs current records

    @property
    def frozen(self) -> bool:
        return self.snapshot is not None and not self.showing_current

    @property
    def unit_diffs(self) -> list:
        """The units whose published report differs from what their records give now."""
        return [u for u in self.rollup.units if u.diffs]


def year_rollup(agency_id: int, year: int, *, current: bool = False, today: date | None = None) -> RollupView:
    """The roll-up of `year` for the unit with all its sub-units (tracker.reports.rollup); the published
    roll-up (scope with_units) if there is one, with its differences from the current sum."""
    from .narrative import drafts
    from .rollup import WITH_UNITS, derive_rollup

    today = today or today_cn()
    check_year(year, today)
    now = derive_rollup(agency_id, year, today=today)
    snap = snapshot_for(agency_id, year, WITH_UNITS)
    if snap is None:
        return RollupView(year, now, now.report, drafts(now.report))
    frozen = frozen_report(snap)
    diffs = differences(frozen, now.report)
    if current:
        return RollupView(year, now, now.report, drafts(now.report), snap, True, diffs)
    return RollupView(year, now, frozen, dict(snap.narrative), snap, False, diffs)
