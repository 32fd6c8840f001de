"""The calendar as the product uses it: entered data from the database over the package's data."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..rules.workdays import WorkCalendar
from .models import CalendarDay, CalendarYear

_cache: dict[str, object] = {}


def _fingerprint() -> tuple:
    """Changes whenever entered calendar data changes (cheap: one aggregate query)."""
    row = db.session.execute(select(func.count(CalendarYear.year), func.max(CalendarYear.updated_at))).one()
    return (db.session.get_bind().url.render_as_string(), row[0], str(row[1]))


def current_calendar() -> WorkCalendar:
    fp = _fingerprint()
    if _cache.get("fp") != fp:
        entries = {d.day: d.is_workday for d in db.session.scalars(select(CalendarDay))}
        confirmed = [y.year for y in db.session.scalars(select(CalendarYear).where(CalendarYear.confirmed))]
        _cache["cal"] = WorkCalendar(entries=entries, confirmed_years=confirmed)
        _cache["fp"] = fp
    return _cache["cal"]  # type: ignore[return-value]


def invalidate() -> None:
    _cache.clear()


def apply_year(year: int, days: list[tuple], *, actor=None, source: str = "") -> dict:
    """Replace a year's entered arrangement, mark it confirmed and recompute every open deadline.

    days: (date, is_workday, name) for each day off and make-up working day of the year, already
    validated by tracker.rules.calendar_csv. Returns counts for the caller to report.
    """
    from .. import audit
    from ..errors import PermissionDenied

    if actor is not None and not actor.can("calendar.manage"):
        raise PermissionDenied("只有系统管理员可以修改工作日历。")
    old = {d.day: d.is_workday for d in db.session.scalars(select(CalendarDay).where(CalendarDay.year == year))}
    db.session.execute(CalendarDay.__table__.delete().where(CalendarDay.year == year))
    entry = db.session.get(CalendarYear, year)
    from ..rules.clock import utcnow
    if entry is None:
        entry = CalendarYear(year=year)
        db.session.add(entry)
    entry.confirmed = True
    entry.source = source[:200] if source else None
    entry.updated_at = utcnow()
    entry.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    for day, is_workday, name in days:
        db.session.add(CalendarDay(day=day, year=year, is_workday=is_workday, name=name or None))
    new = {d: w for d, w, _ in days}
    audit.record("calendar.changed", subject_type="calendar", subject_id=year, actor=actor,
                 agency_id=getattr(actor, "agency_id", None),
                 data={"year": year, "days_off": sum(1 for w in new.values() if not w),
                       "makeup_workdays": sum(1 for w in new.values() if w),
                       "changed_days": len(set(old.items()) ^ set(new.items())), "source": source})
    db.session.flush()
    invalidate()
    counts = recompute_open_deadlines(current_calendar(), actor=actor, reason=f"{year}年工作日历变更")
    db.session.commit()
    invalidate()
    return {"year": year, "days": len(days), **counts}


def recompute_open_deadlines(calendar, *, actor=None, reason: str = "") -> dict:
    """Recompute the stored deadline of every open case; each change goes on that case's timeline.

    Each capability with deadlines contributes one function here.
    """
    from ..disclosure.clock import recompute_open_requests

    counts = {"requests_changed": recompute_open_requests(calendar, actor=actor, reason=reason)}
    return counts
