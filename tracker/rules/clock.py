"""Time conventions: legal dates are calendar dates in China time; timestamps are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")

# The years a record, a filter or a report may name: those the working-day calendar covers. Any other
# year typed into an address or a form is a mistake, and date(year, 1, 1) would fail on most of them.
MIN_YEAR, MAX_YEAR = 1900, 2099


# A date typed into a form, an import cell or a command: within the calendar's years, leaving its last year
# for the deadlines that run on from it (the longest period with every extension stays within a year), so
# no date accepted here can carry a deadline beyond the calendar. Before this bound, 0001-01-01 or
# 1899-12-31 reached the deadline calculator and failed there (a 500).
FIRST_INPUT_DATE, LAST_INPUT_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR - 1, 12, 31)
DATE_RANGE_MESSAGE = (
    f"日期须在 {FIRST_INPUT_DATE.isoformat()} 至 {LAST_INPUT_DATE.isoformat()} 之间（工作日历支持的年份），"
    "请检查年份是否写错。"
)


def date_problem(d: date | None) -> str | None:
    """Why a typed date cannot be accepted (outside the calendar's range), None when it can (or is empty)."""
    if isinstance(d, datetime):
        d = d.date()
    if d is None or FIRST_INPUT_DATE <= d <= LAST_INPUT_DATE:
        return None
    return DATE_RANGE_MESSAGE


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
