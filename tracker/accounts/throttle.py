"""Counters of login attempts in the database, shared by every worker (docs/security.md, 身份鉴别).

A bucket (``rate_bucket``) counts attempts under one key — ``login:name:<login name>`` or
``login:addr:<address>`` — in a window that begins at its first attempt. Every step is one atomic
statement, so no interleaving of workers loses a count:

- ``charge`` counts an attempt *before* the password is checked (an upsert with RETURNING: PostgreSQL's
  ``INSERT … ON CONFLICT DO UPDATE`` takes the row lock, SQLite runs one writer at a time) and says
  whether the key is refused: locked, or already past its limit in this window (attempts in parallel
  beyond the limit are refused without trying their password, so parallel guessing gains nothing);
- ``fail`` locks the key once a failure brings it to the limit (an UPDATE … RETURNING that only one
  worker can win, so one lock-out event is recorded);
- ``succeed`` clears a login name's bucket, and gives an address back the attempt it was charged.

A bucket of a name that does not exist is kept like any other, so a lock-out says nothing about
whether the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..types import UTCDateTime
from .models import RateBucket

T = RateBucket.__table__


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` failures in ``window``; then the key is locked for ``lock``."""

    attempts: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Refusal:
    key: str
    until: datetime  # aware UTC


def _at(value: datetime, name: str):
    return bindparam(name, value, type_=UTCDateTime())


def charge(key: str, limit: Limit, now: datetime) -> Refusal | None:
    """Count one attempt under ``key``; a Refusal when the key is locked or past its limit."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(T).values(key=key, window_start=now, count=1, locked_until=None)
    expired = T.c.window_start < _at(now - limit.window, "cutoff")
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.c.key],
        set_={
            "count": case((expired, 1), else_=T.c.count + 1),
            "window_start": case((expired, _at(now, "now_")), else_=T.c.window_start),
        },
    ).returning(T.c.count, T.c.window_start, T.c.locked_until)
    count, window_start, locked_until = db.session.execute(stmt).one()
    if locked_until is not None and locked_until > now:
        return Refusal(key, locked_until)
    if count > limit.attempts:  # attempts in parallel beyond the limit, before the lock is written
        return Refusal(key, max(window_start + limit.window, now + limit.lock))
    return None


def fail(key: str, limit: Limit, now: datetime) -> datetime | None:
    """After a failed attempt: lock the key when it has reached its limit. Returns the end of the lock
    this failure started (None when it started none)."""
    until = now + limit.lock
    stmt = (
        update(T)
        .where(
            T.c.key == key,
            T.c.count >= limit.attempts,
            or_(T.c.locked_until.is_(None), T.c.locked_until <= _at(now, "now_")),
        )
        .values(locked_until=_at(until, "until"))
        .returning(T.c.key)
    )
    return until if db.session.execute(stmt).first() is not None else None


def succeed(name_key: str, addr_key: str) -> None:
    """After a successful attempt: the name starts afresh, the address gets its attempt back."""
    db.session.execute(delete(T).where(T.c.key == name_key))
    db.session.execute(update(T).where(T.c.key == addr_key, T.c.count > 0).values(count=T.c.count - 1))


def prune(now: datetime, keep: timedelta) -> None:
    """Delete buckets whose window ended more than ``keep`` ago and that hold no lock (index on window_start)."""
    db.session.execute(
        delete(T).where(
            and_(
                T.c.window_start < _at(now - keep, "cutoff"),
                or_(T.c.locked_until.is_(None), T.c.locked_until < _at(now, "now_")),
            )
        )
    )


def clear(key: str) -> None:
    """Lift a lock (an administrator's unlock)."""
    db.session.execute(delete(T).where(T.c.key == key))
