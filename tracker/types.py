"""Column types shared by every model, and the one limit on a record id."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.types import DateTime, TypeDecorator

# Every key is an INTEGER column: PostgreSQL refuses a larger number in a query (a 500 for a typed URL or
# a forged form), SQLite anything beyond 2**63. The URL converter, the scoped queries and the form id
# checks all use this one limit.
MAX_ID = 2**31 - 1


def is_id(value: object) -> bool:
    """True for a number that can be some record's id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def to_id(value: object) -> int | None:
    """An id from a form or query value (a number or its digits), None when it cannot be any record's."""
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
            return None
        value = int(value)
    return value if is_id(value) else None


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every engine (SQLite stores naive text; we re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored: use tracker.rules.clock.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
