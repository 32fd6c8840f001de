"""The one unit of work of every service: what a service writes commits together, or nothing does.

    with unit_of_work(CONFLICT):
        ...check, change, audit.record(...)
    # committed here

The block commits when it ends (also on ``return``), and rolls back on any exception — a refusal
included, so a half-made change never stays in the session for some later commit to write. A concurrent
change found by SQLAlchemy's version counter (StaleDataError, at a flush or the commit) is refused like
a stale form: ConflictError with the caller's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from .errors import ConflictError
from .extensions import db

STALE = "该记录已被他人修改，请刷新页面查看最新内容后重试。"


@contextmanager
def unit_of_work(conflict: str = STALE) -> Iterator[None]:
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(conflict) from None
    except BaseException:
        db.session.rollback()
        raise
