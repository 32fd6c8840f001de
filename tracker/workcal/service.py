"""The calendar as the product uses it: entered data from the database over the package's data.

Every part of the product gets its calendar from ``current_calendar()`` and changes it only through
``apply_year()`` / ``import_csv()``, which recompute every open deadline in the same transaction.
"""

from __future__ import annotations

import calendar as _gregorian
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.roles import require
from ..errors import ConflictError, ServiceError
from ..extensions import db
from ..rules import calendar_csv
from ..rules.clock import today_cn, utcnow
from ..rules.workdays import (
    CONFIRMED,
    LUNAR_MAX_YEAR,
    LUNAR_MIN_YEAR,
    PROVISIONAL,
    YEAR_STATUS_BADGES,
    YEAR_STATUS_LABELS,
    YEAR_STATUS_NOTES,
    WorkCalendar,
)
from ..unit_of_work import unit_of_work
from . import impact
from .models import CalendarDay, CalendarYear

MIN_YEAR = LUNAR_MIN_YEAR
MAX_YEAR = LUNAR_MAX_YEAR
WEEKDAYS_CN = calendar_csv.WEEKDAYS_CN

# What recompute_open_deadlines() counts, as the summary shows it.
RECOMPUTE_LABELS = {"requests_changed": "依申请公开申请", "proposals_changed": "建议提案"}

# (fingerprint, calendar): replaced as one tuple, so a reader never pairs one fingerprint with
# another calendar.
_cache: tuple[tuple, WorkCalendar] | None = None


MANAGE_REFUSED = "只有平台管理员可以修改工作日历（全部机关共用一份工作日历，机关的系统管理员只能查看）。"


class CalendarInvalid(ServiceError):
    """The arrangement was refused; ``errors`` lists every problem (第N行：……), nothing changed."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors[:3]) + ("……" if len(errors) > 3 else ""))
        self.errors = errors


# --- reading ----------------------------------------------------------------------------------


def _fingerprint() -> tuple:
    """Changes with every committed change of the entered data (one cheap aggregate query).

    Keyed on the database too: tests and tools may run several apps on different databases in one
    process.
    """
    days = select(func.count()).select_from(CalendarDay).scalar_subquery()
    row = db.session.execute(
        select(func.count(CalendarYear.year), func.coalesce(func.sum(CalendarYear.revision), 0), days)
    ).one()
    return (db.engine.url.render_as_string(hide_password=True), int(row[0]), int(row[1]), int(row[2]))


def state_fingerprint() -> str:
    """A digest of the entered calendar (every year's confirmation and revision, every entered day): a
    preview carries it, so that a confirmation of a preview made on another calendar is refused."""
    h = hashlib.sha256()
    for row in db.session.execute(
        select(CalendarYear.year, CalendarYear.confirmed, CalendarYear.revision).order_by(CalendarYear.year)
    ):
        h.update(f"y{row[0]}:{int(bool(row[1]))}:{row[2]};".encode())
    for row in db.session.execute(
        select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name).order_by(CalendarDay.day)
    ):
        h.update(f"d{row[0].isoformat()}:{int(bool(row[1]))}:{row[2] or ''};".encode())
    return h.hexdigest()


def preview_token(year: int, rows, state: str | None = None) -> str:
    """What a confirmation must send back: a digest of the proposed arrangement (``rows``: checked
    CalendarRow values) and of the calendar state the preview was computed on."""
    text = calendar_csv.format_calendar_csv((r.day, r.workday, r.name) for r in rows)
    state = state_fingerprint() if state is None else state
    return hashlib.sha256(f"{year}\n{text}\n{state}".encode()).hexdigest()[:32]


class CalendarStale(ConflictError):
    """The confirmation came from a preview computed on another calendar: nothing was applied."""


STALE_MESSAGE = (
    "预览之后工作日历已被修改（其他管理员录入或修改了放假安排），本次没有应用任何改动。"
    "下面是按现在的日历重新计算的影响预览，请重新核对后再确认。"
)


def _load_calendar(replace: tuple[int, list[calendar_csv.CalendarRow]] | None = None) -> WorkCalendar:
    """The calendar from the database; with ``replace`` = (year, rows), as it would be with that year's
    arrangement replaced and confirmed (the preview of an import, nothing written)."""
    entries: dict[date, bool] = {}
    names: dict[date, str] = {}
    days = select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name)
    if replace is not None:
        days = days.where(CalendarDay.year != replace[0])
    for day, working, name in db.session.execute(days):
        entries[day] = working
        if name:
            names[day] = name
    confirmed = list(db.session.scalars(select(CalendarYear.year).where(CalendarYear.confirmed)))
    if replace is not None:
        for r in replace[1]:
            entries[r.day] = r.workday
            if r.name:
                names[r.day] = r.name
        confirmed.append(replace[0])
    return WorkCalendar(entries=entries, confirmed_years=confirmed, names=names)


def current_calendar() -> WorkCalendar:
    """The calendar as committed (or as this transaction sees it); rebuilt only when the data changed."""
    global _cache
    fp = _fingerprint()
    cached = _cache
    if cached is not None and cached[0] == fp:
        return cached[1]
    cal = _load_calendar()
    _cache = (fp, cal)
    return cal


def invalidate() -> None:
    global _cache
    _cache = None


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ServiceError(f"年份应在{MIN_YEAR}–{MAX_YEAR}之间，当前为{year}", "year")


@dataclass
class YearInfo:
    year: int
    status: str
    status_label: str
    days_off: list[tuple[date, str]]
    makeup_days: list[tuple[date, str]]
    workday_count: int
    entry: CalendarYear | None

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL

    @property
    def badge(self) -> str:
        return YEAR_STATUS_BADGES[self.status]

    @property
    def note(self) -> str:
        return YEAR_STATUS_NOTES[self.status]

    @property
    def confirmed(self) -> bool:
        return self.status == CONFIRMED


_UNLOADED = object()


def year_info(year: int, calendar: WorkCalendar | None = None, entry=_UNLOADED) -> YearInfo:
    check_year(year)
    cal = calendar or current_calendar()
    status = cal.year_status(year)
    return YearInfo(
        year=year,
        status=status,
        status_label=YEAR_STATUS_LABELS[status],
        days_off=cal.days_off(year),
        makeup_days=cal.makeup_workdays(year),
        workday_count=cal.workday_count(year),
        entry=db.session.get(CalendarYear, year) if entry is _UNLOADED else entry,
    )


def years_overview(today: date) -> list[YearInfo]:
    """The years an administrator cares about: two back, next year, and every year ever entered."""
    cal = current_calendar()
    entered = {e.year: e for e in db.session.scalars(select(CalendarYear))}
    years = set(range(today.year - 2, today.year + 2)) | set(entered)
    return [year_info(y, cal, entered.get(y)) for y in sorted(years, reverse=True) if MIN_YEAR <= y <= MAX_YEAR]


@dataclass
class DayCell:
    day: date | None
    kind: str = "blank"  # blank | work | weekend | off | makeup
    name: str | None = None


@dataclass
class MonthGrid:
    month: int
    weeks: list[list[DayCell]] = field(default_factory=list)


def month_grids(year: int, calendar: WorkCalendar | None = None) -> list[MonthGrid]:
    """Twelve Monday-first month grids; each day classified for display."""
    check_year(year)
    cal = calendar or current_calendar()
    grids = []
    for month in range(1, 13):
        grid = MonthGrid(month)
        for week in _gregorian.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(DayCell(None))
                    continue
                working = cal.is_workday(d)
                weekend = d.weekday() >= 5
                if working:
                    kind = "makeup" if weekend else "work"
                else:
                    kind = "off" if (not weekend or cal.day_name(d)) else "weekend"
                row.append(DayCell(d, kind, cal.day_name(d) if kind in ("off", "makeup") else None))
            grid.weeks.append(row)
        grids.append(grid)
    return grids


def year_csv(year: int) -> str:
    """The year's current arrangement in the import format (a template to correct and import)."""
    info = year_info(year)
    rows = [(d, False, n) for d, n in info.days_off] + [(d, True, n) for d, n in info.makeup_days]
    return calendar_csv.format_calendar_csv(rows)


# --- changing ---------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    year: int
    days_off: int
    makeup_workdays: int
    changed_days: list[date]
    recomputed: dict[str, int]
    old_status: str

    @property
    def deadlines_changed(self) -> int:
        return sum(self.recomputed.values())

    def summary_lines(self) -> list[str]:
        lines = [
            f"已录入{self.year}年放假安排并标记为已确认（原为：{YEAR_STATUS_LABELS[self.old_status]}）：",
            f"放假{self.days_off}天，调休上班{self.makeup_workdays}天；"
            f"与原日历相比，{len(self.changed_days)}天的工作日/休息日属性发生变化。",
        ]
        detail = "，".join(f"{RECOMPUTE_LABELS.get(k, k)}{v}件" for k, v in self.recomputed.items())
        lines.append(f"已重新计算全部未办结事项的期限，{self.deadlines_changed}件的期限发生变化（{detail}）。")
        return lines


def _parse(data: bytes | str, expected_year: int | None, filename: str | None) -> calendar_csv.CalendarCsv:
    if filename and filename.lower().rsplit(".", 1)[-1] in ("xls", "xlsx", "et", "wps"):
        raise CalendarInvalid(["上传的是Excel工作簿，请在Excel中“另存为 → CSV UTF-8（逗号分隔）”后上传该CSV文件"])
    parsed = calendar_csv.parse_calendar_csv(data, expected_year=expected_year)
    if not parsed.ok:
        raise CalendarInvalid(parsed.errors)
    assert parsed.year is not None
    check_year(parsed.year)
    return parsed


@dataclass
class ImportPreview:
    """What an import would do, shown before the administrator confirms it; nothing is written."""

    year: int
    old_status: str
    rows: list[calendar_csv.CalendarRow]
    changed: list[tuple[date, bool]]  # (day, is a working day after the import) for each day that flips
    impact: impact.Impact | None = None  # the open deadlines that would move (tracker.workcal.impact)
    token: str = ""  # what the confirmation sends back (preview_token)

    @property
    def days_off(self) -> int:
        return sum(1 for r in self.rows if not r.workday)

    @property
    def makeup_workdays(self) -> int:
        return len(self.rows) - self.days_off

    @property
    def text(self) -> str:
        """The checked arrangement in the import format: what the confirmation sends back."""
        return calendar_csv.format_calendar_csv((r.day, r.workday, r.name) for r in self.rows)


def check_csv(
    data: bytes | str,
    *,
    actor=None,
    expected_year: int | None = None,
    filename: str | None = None,
    today: date | None = None,
) -> ImportPreview:
    """Step 1 of an import: check the file by the same rules as the import and compare it with the
    calendar in force, listing the open deadlines that would move (ImportPreview.impact).
    CalendarInvalid lists every problem; nothing is written either way."""
    require(actor, "calendar.manage", MANAGE_REFUSED)
    parsed = _parse(data, expected_year, filename)
    return _preview(parsed.year, parsed.rows, today)


def _preview(year: int, rows: list[calendar_csv.CalendarRow], today: date | None = None) -> ImportPreview:
    """The calendar as it would be with ``rows`` confirmed for ``year``, and what that does to the open
    deadlines: the very computation the apply runs (impact.plan_open_deadlines), nothing written."""
    state = state_fingerprint()
    old, new = current_calendar(), _load_calendar(replace=(year, rows))
    changed = [(d, new.is_workday(d)) for d in _days_of(year) if old.is_workday(d) != new.is_workday(d)]
    planned = impact.plan_open_deadlines(new)
    return ImportPreview(
        year=year,
        old_status=old.year_status(year),
        rows=rows,
        changed=changed,
        impact=impact.describe(planned, new, today or today_cn()),
        token=preview_token(year, rows, state),
    )


def preview_year(
    year: int, days: Iterable[tuple[date, bool, str | None]], *, actor=None, today: date | None = None
) -> ImportPreview:
    """The preview of apply_year(year, days): checked by the same rules, nothing written."""
    require(actor, "calendar.manage", MANAGE_REFUSED)
    check_year(year)
    return _preview(year, _check_days(year, days).rows, today)


def import_csv(
    data: bytes | str,
    *,
    actor=None,
    source: str = "",
    expected_year: int | None = None,
    filename: str | None = None,
    expected_token: str | None = None,
) -> ApplyResult:
    """Parse a calendar CSV (tracker.rules.calendar_csv) and apply it; all or nothing."""
    require(actor, "calendar.manage", MANAGE_REFUSED)
    parsed = _parse(data, expected_year, filename)
    days = [(r.day, r.workday, r.name) for r in parsed.rows]
    return apply_year(parsed.year, days, actor=actor, source=source, expected_token=expected_token)


def apply_year(
    year: int,
    days: Iterable[tuple[date, bool, str | None]],
    *,
    actor=None,
    source: str = "",
    expected_token: str | None = None,
) -> ApplyResult:
    """Replace a year's entered arrangement, mark it confirmed and recompute every open deadline.

    ``days``: (date, is_workday, name) for each day off and make-up working day of the year. They are
    checked by the one validator of the format (tracker.rules.calendar_csv), so a caller that did not
    come through a CSV gets exactly the same rules. One transaction: on any error nothing changes.

    ``expected_token``: the preview's token (preview_token); if the arrangement or the calendar differs
    from what the preview was computed on, CalendarStale is raised and nothing changes.
    """
    require(actor, "calendar.manage", MANAGE_REFUSED)
    check_year(year)
    checked = _check_days(year, days)
    source = (source or "").strip()
    if len(source) > 200:
        raise ServiceError(f"来源说明最多200个字（现为{len(source)}个字），请精简", "source")

    try:
        with unit_of_work():
            old_cal = current_calendar()
            old_status = old_cal.year_status(year)
            # Lock the year's row first (PostgreSQL), so two administrators replacing the same year
            # run one after the other instead of colliding on the days' primary keys.
            entry = db.session.get(CalendarYear, year, with_for_update=True)
            if expected_token is not None and expected_token != preview_token(year, checked.rows):
                raise CalendarStale(STALE_MESSAGE)
            if entry is None:
                entry = CalendarYear(year=year, revision=1)
                db.session.add(entry)
                db.session.flush()
            else:
                entry.revision = CalendarYear.revision + 1
            entry.confirmed = True
            entry.source = source or None
            entry.updated_at = utcnow()
            entry.updated_by_id = getattr(actor, "id", None)
            db.session.execute(CalendarDay.__table__.delete().where(CalendarDay.year == year))
            db.session.add_all(
                CalendarDay(day=r.day, year=year, is_workday=r.workday, name=r.name or None) for r in checked.rows
            )
            db.session.flush()

            new_cal = _load_calendar()  # not cached until committed
            changed = [d for d in _days_of(year) if old_cal.is_workday(d) != new_cal.is_workday(d)]
            off = sum(1 for r in checked.rows if not r.workday)
            audit.record(
                "calendar.changed",
                subject_type="calendar",
                subject_id=year,
                actor=actor,
                data={
                    "status": [YEAR_STATUS_LABELS[old_status], YEAR_STATUS_LABELS[CONFIRMED]],
                    "days_off": off,
                    "makeup_workdays": len(checked.rows) - off,
                    "changed_days": [d.isoformat() for d in changed],
                    "source": source,
                },
                note=f"{year}年放假安排" + (f"（{source}）" if source else ""),
            )
            recomputed = recompute_open_deadlines(new_cal, actor=actor, reason=_reason(year, source))
    except IntegrityError:
        raise ConflictError(f"其他管理员同时在录入{year}年的安排，本次未保存，请刷新页面查看后重试。") from None
    finally:
        invalidate()
    return ApplyResult(
        year=year,
        days_off=off,
        makeup_workdays=len(checked.rows) - off,
        changed_days=changed,
        recomputed=recomputed,
        old_status=old_status,
    )


def _check_days(year: int, days: Iterable[tuple[date, bool, str | None]]) -> calendar_csv.CalendarCsv:
    day_list = [(d, bool(w), (n or "").strip()) for d, w, n in days]
    checked = calendar_csv.parse_calendar_csv(calendar_csv.format_calendar_csv(day_list), expected_year=year)
    if not checked.ok:
        raise CalendarInvalid(checked.errors)
    return checked


def _reason(year: int, source: str) -> str:
    return f"工作日历调整：录入{year}年放假安排" + (f"（来源：{source}）" if source else "")


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def recompute_open_deadlines(calendar, *, actor=None, reason: str = "") -> dict:
    """Recompute the stored deadline of every open case; each change goes on that case's timeline.

    Each capability with deadlines contributes a planner to tracker.workcal.impact.plan_open_deadlines
    (the preview's computation too) and writes exactly what it planned; the keys are counted in the
    summary (labels in RECOMPUTE_LABELS).
    """
    from ..disclosure.clock import recompute_open_requests
    from ..proposals.clock import recompute_open_proposals

    counts = {"requests_changed": recompute_open_requests(calendar, actor=actor, reason=reason)}
    counts["proposals_changed"] = recompute_open_proposals(calendar, actor=actor, reason=reason)
    return counts


def store_recomputed(model, planned: list, *, event_kind: str, subject_type: str, actor=None, reason: str = "") -> int:
    """Write recomputed deadlines set-based: one UPDATE and one event INSERT, whatever the number of
    changed rows (tracker.bulk). ``planned``: tracker.workcal.impact.PlannedChange values; each case
    with a changed field gets an event whose note names why and each date from and to.

    The row's version is raised (a form opened before the change is then refused as 已被他人修改 instead
    of writing back the old deadline)."""
    from .. import bulk

    if not planned:
        return 0
    now = utcnow()
    bulk.update_rows(
        model.__table__,
        "id",
        [{"id": c.id, **c.new, "updated_at": now} for c in planned],
        also="version = version + 1",
    )
    logged = [c for c in planned if c.diff]
    audit.record_many(
        event_kind,
        subject_type,
        [{"subject_id": c.id, "agency_id": c.agency_id, "data": c.diff, "note": c.note(reason)} for c in logged],
        actor=actor,
        note=reason or None,
    )
    return len(logged)
