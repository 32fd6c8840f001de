"""Set-based writes of many rows in ONE statement, whatever their number (issue 15).

The rows travel as one JSON text parameter and are unpacked by the database itself
(``jsonb_to_recordset`` on PostgreSQL, ``json_each`` on SQLite). Compared with an executemany or
SQLAlchemy's multi-row VALUES batches this sends one short statement that each engine parses once,
instead of thousands of placeholders per batch, and the statement count of a job does not grow with
the rows: 124,000 reminders are one INSERT, 10,000 recomputed deadlines one UPDATE.

Values are written as each engine stores them: dates as ISO text, timestamps (aware, UTC) as
``YYYY-MM-DD HH:MM:SS.ffffff`` on SQLite (SQLAlchemy's storage format) and ISO 8601 with the offset on
PostgreSQL, booleans as JSON booleans, JSON columns as JSON values.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, text

from .extensions import db


def _pg_type(col) -> str:
    t = col.type
    t = getattr(t, "impl", t)  # TypeDecorator (UTCDateTime)
    if isinstance(t, Boolean):
        return "boolean"
    if isinstance(t, Integer):
        return "integer"
    if isinstance(t, DateTime):
        return "timestamptz"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, JSON):
        return "json"
    return "text"


def _value(v, dialect: str, col):
    if isinstance(v, datetime):
        v = v.astimezone(UTC)
        return v.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if dialect == "sqlite" and isinstance(getattr(col.type, "impl", col.type), JSON) and v is not None:
        return json.dumps(v, ensure_ascii=False)  # stored as JSON text; json_extract returns the text
    return v


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def source(table, names: list[str], dialect: str) -> tuple[str, list[str]]:
    """(FROM clause over the :rows parameter, the expression of each column in it)."""
    cols = [table.c[n] for n in names]
    if dialect == "postgresql":
        spec = ", ".join(f"{c.name} {_pg_type(c)}" for c in cols)
        return f"jsonb_to_recordset(CAST(:rows AS jsonb)) AS j({spec})", [f"j.{c.name}" for c in cols]
    return "json_each(:rows) AS j", [f"json_extract(j.value, '$.{c.name}')" for c in cols]


def payload(table, names: list[str], rows: list[dict], dialect: str) -> str:
    cols = [table.c[n] for n in names]
    return json.dumps([{c.name: _value(r.get(c.name), dialect, c) for c in cols} for r in rows], ensure_ascii=False)


def insert_rows(
    table, rows: list[dict], *, conflict: tuple[str, ...] | None = None, returning: tuple[str, ...] = ()
) -> list:
    """INSERT every row in one statement; with ``conflict``, rows whose key exists are skipped
    (ON CONFLICT DO NOTHING). Returns the RETURNING rows (of the inserted rows only)."""
    if not rows:
        return []
    dialect = _dialect()
    names = list(rows[0])
    frm, exprs = source(table, names, dialect)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM {frm}"
    if conflict:
        sql += f" WHERE true ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    stmt = text(sql)
    if returning:
        stmt = stmt.columns(*(table.c[n] for n in returning))
    result = db.session.execute(stmt, {"rows": payload(table, names, rows, dialect)})
    return result.all() if returning else []


def update_rows(table, key: str | tuple[str, ...], rows: list[dict], *, also: str = "") -> int:
    """UPDATE the rows named by ``key`` (a column, or the columns of a composite key) with their other
    values, in one statement; ``also`` adds SQL assignments for every updated row (e.g.
    ``version = version + 1``)."""
    if not rows:
        return 0
    keys = (key,) if isinstance(key, str) else key
    dialect = _dialect()
    names = list(rows[0])
    frm, exprs = source(table, names, dialect)
    by = dict(zip(names, exprs, strict=True))
    sets = ", ".join(f"{n} = {by[n]}" for n in names if n not in keys) + (f", {also}" if also else "")
    where = " AND ".join(f"{table.name}.{k} = {by[k]}" for k in keys)
    sql = f"UPDATE {table.name} SET {sets} FROM {frm} WHERE {where}"
    return db.session.execute(text(sql), {"rows": payload(table, names, rows, dialect)}).rowcount
