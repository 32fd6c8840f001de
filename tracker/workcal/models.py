from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime


class CalendarYear(db.Model):
    """A year whose State Council arrangement an administrator entered (confirmed).

    ``revision`` goes up by one (in SQL, ``revision + 1``) on every change of the year's data. Every
    process keys its cached calendar on (number of years, sum of revisions, number of days): that sum
    changes with each committed change whatever order concurrent transactions commit in, which a
    max(updated_at) or max(id) would not guarantee.
    """

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    source: Mapped[str | None] = mapped_column(String(200))
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    updated_by = relationship("User")


class CalendarDay(db.Model):
    """An entered day: off (休, a weekday off) or work (班, a make-up working weekend day)."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year"), nullable=False, index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, nullable=False)
    name: Mapped[str | None] = mapped_column(String(40))
