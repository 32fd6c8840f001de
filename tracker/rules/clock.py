"""Time conventions: legal dates are calendar dates in China time; timestamps are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")

# The years a record, a filter or a report may name: those the working-day calendar covers. Any other
# year typed into an address or a form is a mistake, and date(year, 1, 1) would fail on most of them.
MIN_YEAR, MAX_YEAR = 1900, 2099


def valid_year(year: int | None) -> bool:
    return year is not None and MIN_YEAR <= year <= MAX_YEAR


def year_bounds(year: int | None) -> tuple[date, date] | None:
    """First and last day of `year`; None for no year or one outside MIN_YEAR–MAX_YEAR (the filter is ignored)."""
    return (date(year, 1, 1), date(year, 12, 31)) if valid_year(year) else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_cn(now: datetime | None = None) -> date:
    """The legal date of `now` (default: this instant) in China time."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime: legal dates need an aware timestamp")
    return now.astimezone(CHINA_TZ).date()


def to_cn(ts: datetime) -> datetime:
    if ts.tzinfo is None:  # SQLite drops tzinfo; we only ever store UTC
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(CHINA_TZ)
