"""Pagination that never counts or skips more rows than a page shows.

- The count is capped: at most COUNT_CAP + 1 rows are counted (``SELECT count(*) FROM (… LIMIT
  COUNT_CAP + 1)``); beyond that the page says 超过1000件 instead of an exact figure.
- Pages 1 … COUNT_CAP / per_page are numbered and read with OFFSET (never more than COUNT_CAP rows
  skipped); the page links are the first and last known page and the ones around the current page.
- Deeper than that, a list is read by keyset: ``?after=`` (older, i.e. further in the sort order) and
  ``?before=`` (newer) carry the sort key of the page's last or first row, so page 50,000 costs what
  page 2 costs. A token that does not parse is ignored (page 1), never an error.

A sort is a list of ``Key``: the sort column with its direction, last the unique id. Keys that may be
NULL sort last in ascending order on both engines (``NULLS LAST``), so both give the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select

COUNT_CAP = 1000
LINKS_AROUND = 2  # page links either side of the current page


@dataclass(frozen=True)
class Key:
    column: Any
    desc: bool = False
    nullable: bool = False
    kind: type = int  # int, date or datetime: how a cursor value is read back

    def order(self, reverse: bool = False, unindexed: bool = False):
        desc = self.desc != reverse
        col = self.column
        if unindexed:  # SQLite's unary + : the same value, but no index may provide the order
            col = literal_column(f"+{col.table.name}.{col.name}")
        o = col.desc() if desc else col.asc()
        if self.nullable:  # NULLs after every value in the forward order, before them in reverse
            o = o.nulls_first() if reverse else o.nulls_last()
        return o


def order_by(keys: list[Key], unindexed: bool = False) -> list:
    return [k.order(unindexed=unindexed) for k in keys]


def _value(key: Key, raw: str):
    if raw == "":
        if not key.nullable:
            raise ValueError("null key")
        return None
    if key.kind is datetime:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:  # every stored timestamp is aware UTC; a naive one is no cursor of ours
            raise ValueError("naive timestamp")
        return moment
    return date.fromisoformat(raw) if key.kind is date else int(raw)


def encode(keys: list[Key], row) -> str:
    values = [getattr(row, k.column.key) for k in keys]
    return "~".join("" if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for v in values)


def decode(keys: list[Key], token: str | None) -> list | None:
    """The key values of a cursor token, or None when it is missing or does not parse."""
    if not token or len(token) > 200:
        return None
    parts = token.split("~")
    if len(parts) != len(keys):
        return None
    try:
        values = [_value(k, p) for k, p in zip(keys, parts, strict=True)]
    except ValueError:
        return None
    if any(isinstance(v, int) and not 0 <= v <= 2**31 - 1 for v in values):
        return None
    return values


def _beyond(key: Key, value, rest):
    """Rows past `value` of this key in the forward order, or equal to it and past `rest`."""
    col = key.column
    if value is None:  # NULLs come last: only NULLs with a later tie-break follow
        return and_(col.is_(None), rest)
    past = col < value if key.desc else col > value
    cond = or_(past, and_(col == value, rest))
    if key.nullable:
        cond = or_(cond, col.is_(None))
    # the plain range bound lets the index range start at the cursor on both engines
    bound = col <= value if key.desc else col >= value
    return and_(bound | col.is_(None), cond) if key.nullable else and_(bound, cond)


def _before(key: Key, value, rest):
    """Rows before `value` of this key in the forward order, or equal to it and before `rest`."""
    col = key.column
    if value is None:
        return or_(col.is_not(None), and_(col.is_(None), rest))
    prior = col > value if key.desc else col < value
    bound = col >= value if key.desc else col <= value
    return and_(bound, or_(prior, and_(col == value, rest)))


def after(keys: list[Key], values: list):
    *lead, last = keys
    cond = last.column < values[-1] if last.desc else last.column > values[-1]
    for k, v in zip(reversed(lead), reversed(values[:-1]), strict=True):
        cond = _beyond(k, v, cond)
    return cond


def before(keys: list[Key], values: list):
    *lead, last = keys
    cond = last.column > values[-1] if last.desc else last.column < values[-1]
    for k, v in zip(reversed(lead), reversed(values[:-1]), strict=True):
        cond = _before(k, v, cond)
    return cond


@dataclass
class Page:
    rows: list
    per_page: int
    count: int  # rows counted, at most COUNT_CAP + 1
    page: int | None  # the page number; None on a keyset page
    older: str | None = None  # ?after= token of the next page further in the order
    newer: str | None = None  # ?before= token of the previous page
    links: list[int | None] = field(default_factory=list)  # page numbers; None draws …

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def total_label(self) -> str:
        return f"超过{COUNT_CAP}" if self.capped else str(self.count)

    @property
    def pages(self) -> int:
        """Numbered pages (the ones within the counted rows)."""
        return max((min(self.count, COUNT_CAP) + self.per_page - 1) // self.per_page, 1)


def _links(page: int, pages: int) -> list[int | None]:
    wanted = {1, pages, *range(page - LINKS_AROUND, page + LINKS_AROUND + 1)}
    out: list[int | None] = []
    for p in sorted(x for x in wanted if 1 <= x <= pages):
        if out and p - (out[-1] or 0) > 1:
            out.append(None)
        out.append(p)
    return out


def capped_count(session, query, cap: int = COUNT_CAP) -> int:
    """How many rows the query has, counting at most ``cap`` + 1 of them."""
    limited = query.order_by(None).with_only_columns(query.selected_columns[0]).limit(cap + 1)
    return session.scalar(select(func.count()).select_from(limited.subquery())) or 0


def paginate(
    session,
    query,
    keys: list[Key],
    args,
    per_page: int,
    *,
    scalars: bool = True,
    max_page: int,
    selective: bool = False,
    known_count: int | None = None,
) -> Page:
    """One page of `query` (unordered) for ?page= / ?after= / ?before=: two queries, whatever the size.

    selective: the WHERE names few rows (a search): on SQLite the sort is then done on those rows
    instead of walking the sort index over every row of the agency in search of them.
    known_count: the caller knows the capped count already (no count query)."""
    unindexed = selective and session.get_bind().dialect.name == "sqlite"
    fetch = session.scalars if scalars else session.execute
    count = capped_count(session, query) if known_count is None else min(known_count, COUNT_CAP + 1)
    older_at, newer_at = decode(keys, args.get("after")), decode(keys, args.get("before"))
    if newer_at is not None:
        rev = [k.order(reverse=True, unindexed=unindexed) for k in keys]
        rows = list(fetch(query.where(before(keys, newer_at)).order_by(*rev).limit(per_page + 1)).all())
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        page = Page(rows, per_page, count, None)
        page.newer = encode(keys, rows[0]) if rows and more_newer else None
        page.older = encode(keys, rows[-1]) if rows else None
        return page
    if older_at is not None:
        rows = list(
            fetch(query.where(after(keys, older_at)).order_by(*order_by(keys, unindexed)).limit(per_page + 1)).all()
        )
        page = Page(rows[:per_page], per_page, count, None)
        page.older = encode(keys, rows[per_page - 1]) if len(rows) > per_page else None
        page.newer = encode(keys, rows[0]) if rows else None
        return page
    number = min(max(args.get("page", 1, type=int) or 1, 1), max_page)
    pages = max((min(count, COUNT_CAP) + per_page - 1) // per_page, 1)
    number = min(number, pages)
    rows = list(
        fetch(query.order_by(*order_by(keys, unindexed)).offset((number - 1) * per_page).limit(per_page + 1)).all()
    )
    page = Page(rows[:per_page], per_page, count, number, links=_links(number, pages))
    # past the numbered pages the list goes on by keyset
    if len(rows) > per_page and number == pages:
        page.older = encode(keys, rows[per_page - 1])
    return page
