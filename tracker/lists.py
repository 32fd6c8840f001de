"""How a list page reads its arguments (?q=, ?sort=, ?page=, id filters) and what its template gets.

Used by the list queries (tracker/*/queries.py) and views; no Flask import: ``args`` is request.args or
a plain dict.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_

from .rules.clock import valid_year
from .types import is_id

# Pages beyond this are no list's (a thousand rows a page would still be 10^8 rows); capping keeps the
# OFFSET of a typed ?page=99999999999999 a number every database accepts.
MAX_PAGE = 100_000


def searched(q, args, *columns):
    """The list filtered by its ?q= text: rows where any of ``columns`` contains it."""
    text = (args.get("q") or "").strip()
    if not text:
        return q
    like = f"%{text}%"
    return q.where(or_(*(c.like(like) for c in columns)))


def sorted_by(q, args, sorts: dict, default: str):
    """(the list in its ?sort= order, that order's name); an unknown one is the default."""
    sort = args.get("sort") if args.get("sort") in sorts else default
    return q.order_by(*sorts[sort]), sort


def listing(rows, total: int, page: int, per: int) -> dict:
    """A paged list's rows, their total, the page shown and the number of pages, for its template."""
    return {"rows": rows, "total": total, "page": page, "pages": max((total + per - 1) // per, 1)}


def page_arg(args) -> int:
    """The ?page= number of a list: 1 when missing or not a number, at most MAX_PAGE."""
    return min(max(args.get("page", 1, type=int), 1), MAX_PAGE)


def int_arg(args, name: str) -> int | None:
    """args[name] as a number, None when missing or not one (args: request.args or a plain dict)."""
    try:
        return int(args.get(name) or "")
    except (TypeError, ValueError):
        return None


def id_arg(args, name: str) -> int | None:
    """A ?name= id filter: None (no filter) when missing, not a number or no possible id."""
    value = int_arg(args, name)
    return value if is_id(value) else None


def date_arg(args, name: str) -> date | None:
    """A ?name=YYYY-MM-DD date filter: None (no filter) when missing, not a date or outside the years the
    product counts (rules.clock.MIN_YEAR–MAX_YEAR)."""
    try:
        value = date.fromisoformat(str(args.get(name) or ""))
    except ValueError:
        return None
    return value if valid_year(value.year) else None


def local_path(target) -> str | None:
    """A ``next=`` value that is a path of this site (never another host: no open redirect), else None."""
    from urllib.parse import urlparse

    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if not urlparse(target).netloc else None
