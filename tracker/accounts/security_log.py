"""The security log: an agency's security events (tracker/accounts/auth.py), newest first, filtered by
kind, user and date, one page at a time (tracker.paging). The order is (created_at, id), and each filter
has an index that ends in it (``ix_event_type_agency_time``, ``ix_event_agency_kind_time``,
``ix_event_subject_time``), so a page — of any date range — is read as one index range.

Events with no agency — a failed sign-in under a name nobody has, a lock-out of an address — belong to
no agency's users; they are read under their own scope (``agencyless``), which every agency's security
log offers (docs/security.md says why).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..audit import EVENT_LABELS, Event
from ..extensions import db
from ..lists import MAX_PAGE
from ..paging import Key, paginate
from ..rules.clock import CHINA_TZ, MAX_YEAR, MIN_YEAR
from ..types import to_id
from .auth import SUBJECT

KINDS: dict[str, str] = {k: v for k, v in EVENT_LABELS.items() if k.startswith("auth.")}
REASONS = {"wrong_password": "密码错误", "unknown_user": "用户名不存在", "inactive": "账号已停用"}
AGENCYLESS = "none"  # the user filter's value for the events of no agency
PER_PAGE = 50
ORDER = [Key(Event.created_at, desc=True, kind=datetime), Key(Event.id, desc=True)]


def parse_day(raw: str | None) -> tuple[date | None, str | None]:
    """A date filter: (the day, None), (None, None) when empty, (None, message) when it is not a date."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None, f"日期“{raw[:20]}”格式不正确，请按 2026-03-02 的格式填写。"
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, f"日期须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。"
    return day, None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CHINA_TZ)


def query(agency_id: int, *, kind: str | None = None, user: str | None = None, day_from=None, day_to=None):
    q = select(Event).where(Event.subject_type == SUBJECT)
    if user == AGENCYLESS:
        q = q.where(Event.agency_id.is_(None))
    else:
        q = q.where(Event.agency_id == agency_id)
        if (user_id := to_id(user)) is not None:
            q = q.where(Event.subject_id == user_id)
    if kind in KINDS:
        q = q.where(Event.kind == kind)
    if day_from is not None:
        q = q.where(Event.created_at >= _start_of(day_from))
    if day_to is not None:
        q = q.where(Event.created_at < _start_of(day_to + timedelta(days=1)))
    return q


def page(agency_id: int, args, **filters):
    return paginate(db.session, query(agency_id, **filters), ORDER, args, PER_PAGE, max_page=MAX_PAGE)


def detail(ev: Event) -> str:
    """What the log's last column says of an event."""
    d = ev.data or {}
    parts = []
    if ev.kind in ("auth.login_failed", "auth.locked") and d.get("username"):
        parts.append(f"登录名：{d['username']}")
    if reason := d.get("reason"):
        parts.append(REASONS.get(reason, reason))
    if d.get("scope"):
        parts.append("按地址锁定" if d["scope"] == "address" else "按账号锁定")
    if until := d.get("until"):
        from ..rules.clock import to_cn

        parts.append(f"至 {to_cn(datetime.fromisoformat(until)):%Y-%m-%d %H:%M}")
    if d.get("path"):
        parts.append(f"{d.get('method', '')} {d['path']}")
    return "；".join(parts)
