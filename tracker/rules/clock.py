"""Time conventions: legal dates are calendar dates in China time; timestamps are aware UTC."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today_cn(now: datetime | None = None) -> date:
    """The legal date of `now` (default: this instant) in China time."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime: legal dates need an aware timestamp")
    return now.astimezone(CHINA_TZ).date()


def to_cn(ts: datetime) -> datetime:
    if ts.tzinfo is None:  # SQLite drops tzinfo; we only ever store UTC
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(CHINA_TZ)
