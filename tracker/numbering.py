"""Case numbers: unique per agency, kind and year, never reused, safe under concurrent registration."""

from __future__ import annotations

from sqlalchemy import select, update

from .disclosure.models import CaseCounter
from .extensions import db


def _insert_ignore(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(CaseCounter).values(**values).on_conflict_do_nothing()


def next_seq(agency_id: int, kind: str, year: int) -> int:
    """Take the next sequence number inside the caller's transaction.

    The counter row is created if missing (ignored when another transaction created it first) and then
    incremented with one UPDATE ... RETURNING: PostgreSQL's row lock and SQLite's single writer make two
    simultaneous registrations wait for each other instead of taking the same number. A rolled-back
    registration gives its number back only if nobody took a later one; a committed number is never reused.
    """
    db.session.execute(_insert_ignore({"agency_id": agency_id, "kind": kind, "year": year, "last_seq": 0}))
    seq = db.session.execute(
        update(CaseCounter)
        .where(CaseCounter.agency_id == agency_id, CaseCounter.kind == kind, CaseCounter.year == year)
        .values(last_seq=CaseCounter.last_seq + 1)
        .returning(CaseCounter.last_seq)
    ).scalar_one()
    return seq


def format_number(pattern: str, year: int, seq: int) -> str:
    return pattern.format(year=year, seq=seq)


def peek_last(agency_id: int, kind: str, year: int) -> int:
    return (
        db.session.scalar(
            select(CaseCounter.last_seq).where(
                CaseCounter.agency_id == agency_id, CaseCounter.kind == kind, CaseCounter.year == year
            )
        )
        or 0
    )
