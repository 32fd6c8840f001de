"""Applicants' personal data (个人信息保护法): who may see it, the trail of who looked, and its end.

- ``shown`` / the Jinja filter ``personal``: the one helper every page, export and notification uses to
  show a personal-data field (tracker.rules.masking.PERSONAL_FIELDS): the full value for a role holding
  ``personal_data.view``, the masked one for everybody else.
- ``reveal``: on the case page every number is masked, also for the office; a role holding
  ``personal_data.view`` or ``personal_data.reveal`` may show one field, and that is an event
  (``personal_data.revealed``, with the field) in the same transaction.
- ``record_view``: who opened a case, one ``case_view`` row per user, case and China-time day, kept by one
  INSERT … ON CONFLICT DO UPDATE per page view (constant cost); ``views_of`` lists the newest for the
  case page (``personal_data.access_log``: admins and auditors).
- ``anonymise``: after the retention period the personal data of concluded cases is cleared, in one
  UPDATE per agency and one summary event per agency and run; events are never changed (they are
  append-only, and the fields they name are masked since this issue: tracker.audit.changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from . import audit
from .errors import PermissionDenied, ServiceError
from .extensions import db
from .rules import masking
from .rules.clock import today_cn, utcnow
from .types import UTCDateTime
from .unit_of_work import unit_of_work

VIEW = "personal_data.view"
REVEAL = "personal_data.reveal"
ACCESS_LOG = "personal_data.access_log"

# The fields the case page can reveal, with their labels.
REVEALABLE: dict[str, str] = {"id_number": "证件号码", "phone": "联系电话", "email": "电子邮箱", "address": "通信地址"}
VIEWS_SHOWN = 20


class CaseView(db.Model):
    """Who opened a case: one row per user, case and day (China time), first and last moment and count."""

    __tablename__ = "case_view"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_type", "subject_id", "day"),
        # the case page's 查阅记录: the case's rows, newest day first
        Index("ix_case_view_subject_day", "subject_type", "subject_id", "day"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)  # audit.SUBJECT_TYPES: request, proposal
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    day: Mapped[date] = mapped_column(db.Date, nullable=False)  # China time
    first_at = mapped_column(UTCDateTime, nullable=False)
    last_at = mapped_column(UTCDateTime, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    user = relationship("User")


# ------------------------------------------------------------------------------------------- showing


def _can(user, permission: str) -> bool:
    check = getattr(user, "can", None)  # the anonymous user of a page has no permissions at all
    return check is not None and check(permission)


def can_view(user) -> bool:
    return _can(user, VIEW)


def can_reveal(user) -> bool:
    return _can(user, VIEW) or _can(user, REVEAL)


def shown(user, field: str, value):
    """``value`` of ``field`` as ``user`` may see it outside the case page: full with personal_data.view,
    else masked (fields that are not personal data pass unchanged)."""
    if value is None or value == "":
        return value
    if field in masking.MASKED_ON_SCREEN and not can_view(user):
        return masking.mask(field, value)
    return value


def masked_row(user, row: dict) -> dict:
    """A dict of fields (an export row, a notification's data) with every personal-data field ``shown``."""
    return {k: shown(user, k, v) for k, v in row.items()}


def reveal(actor, req, field: str) -> str:
    """The full value of one personal-data field of ``req`` (already read through the scoped query), and
    the event that says who saw it."""
    if field not in REVEALABLE:
        raise ServiceError("只能显示证件号码、联系电话、电子邮箱或通信地址。")
    if not can_reveal(actor):
        raise PermissionDenied(f"您的角色（{actor.role_label}）不能查看申请人完整的{REVEALABLE[field]}。")
    if req.agency_id != actor.agency_id:  # issue 16: the district reads a sub-unit's case, masked
        raise PermissionDenied("其他单位的案件，只读：申请人的个人信息只有本单位可以显示。")
    value = getattr(req, field)
    if not value:
        raise ServiceError(f"本申请没有登记{REVEALABLE[field]}。")
    with unit_of_work():
        audit.log("personal_data.revealed", req, actor, {"field": field})
    return value


# ------------------------------------------------------------------------------------------ case views


def record_view(user, subject_type: str, subject) -> None:
    """One statement: the user's row of today for this case, created or counted up; committed at once (a
    page view changes nothing else). Called after the page is rendered, so that the commit's expiry of
    the session's objects costs nothing."""
    user_id = getattr(user, "id", None)
    if not user_id:
        return
    upsert_view(user_id, subject.agency_id, subject_type, subject.id)


def upsert_view(user_id: int, agency_id: int, subject_type: str, subject_id: int) -> None:
    now = utcnow()
    T = CaseView.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(T).values(
        agency_id=agency_id,
        user_id=user_id,
        subject_type=subject_type,
        subject_id=subject_id,
        day=today_cn(now),
        first_at=now,
        last_at=now,
        count=1,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[T.c.user_id, T.c.subject_type, T.c.subject_id, T.c.day],
        set_={"last_at": stmt.excluded.last_at, "count": T.c.count + 1},
    )
    db.session.execute(stmt)
    db.session.commit()


@dataclass(frozen=True)
class ViewsPage:
    rows: list
    more: bool


def views_of(user, subject_type: str, subject_id: int, limit: int = VIEWS_SHOWN) -> ViewsPage | None:
    """The newest ``limit`` rows of who opened the case (None for a role that may not read them)."""
    if not _can(user, ACCESS_LOG):
        return None
    rows = db.session.scalars(
        select(CaseView)
        .where(CaseView.subject_type == subject_type, CaseView.subject_id == subject_id)
        .options(joinedload(CaseView.user))
        .order_by(CaseView.day.desc(), CaseView.last_at.desc(), CaseView.id.desc())
        .limit(limit + 1)
    ).all()
    return ViewsPage(rows[:limit], len(rows) > limit)


# ------------------------------------------------------------------------------------------ anonymise


@dataclass(frozen=True)
class AnonymiseResult:
    cutoff: date
    per_agency: dict[int, int]  # agency id → cases anonymised (or that would be, on a dry run)
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.per_agency.values())


def cutoff_for(years: int, before: date | None = None, today: date | None = None) -> date:
    """The day before which concluded cases are anonymised: the retention cutoff, or an earlier ``before``."""
    if err := masking.retention_error(years):
        raise ServiceError(err)
    limit = masking.retention_cutoff(today or today_cn(), int(years))
    if before is None:
        return limit
    if before > limit:
        raise ServiceError(
            f"指定的日期 {before.isoformat()} 晚于保存期限（{int(years)}年）的截止日 {limit.isoformat()}："
            "保存期限内的个人信息不能匿名化。请指定不晚于该日的日期，或不指定日期。"
        )
    return before


def _due_condition(cutoff: date):
    from .disclosure.models import CONCLUDED
    from .disclosure.models import DisclosureRequest as R

    return and_(R.status == CONCLUDED, R.concluded_on < cutoff, R.anonymised_at.is_(None))


def anonymise(cutoff: date, *, dry_run: bool = False) -> AnonymiseResult:
    """Clear the personal data of every concluded case concluded before ``cutoff`` and not yet anonymised
    (the server's command line: every agency). One UPDATE per agency and kind of applicant, one summary
    event per agency (``personal_data.anonymised``: the cutoff, the count, the run's moment, which is
    the cases' ``anonymised_at``), all in one transaction. The applicant type, dates, outcome and every
    other column the report reads stay."""
    from .disclosure.models import DisclosureRequest as R
    from .rules.report_layout import APPLICANT_TYPES

    person = APPLICANT_TYPES[0].id  # natural_person: the one type whose name is personal data
    due = _due_condition(cutoff)
    counts = dict(
        db.session.execute(select(R.agency_id, func.count()).where(due).group_by(R.agency_id).order_by(R.agency_id))
        .tuples()
        .all()
    )
    if dry_run or not counts:
        db.session.rollback()
        return AnonymiseResult(cutoff, counts, dry_run)
    now = utcnow()
    with unit_of_work():
        for is_person in (True, False):
            kind = R.applicant_type == person if is_person else R.applicant_type != person
            values = masking.anonymised_values(is_person)
            db.session.execute(
                update(R)
                .where(due, kind)
                .values(**values, anonymised_at=now, version=R.version + 1)
                .execution_options(synchronize_session=False)
            )
        for agency_id, n in counts.items():
            audit.record(
                "personal_data.anonymised",
                subject_type="agency",
                subject_id=agency_id,
                agency_id=agency_id,
                data={"cutoff": cutoff, "count": n, "anonymised_at": now, "fields": sorted(masking.PERSONAL_FIELDS)},
            )
    return AnonymiseResult(cutoff, counts, dry_run)
