from __future__ import annotations

import secrets

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, event, false, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime
from . import roles


class Agency(db.Model):
    """A government agency (机关), a unit of the installation's tree (issue 16, docs/data-model.md): a
    district above its departments, towns and streets. ``path`` is the materialised path of ids from the
    root, ``/1/5/12/``, so that "a unit and all its sub-units" is one ``LIKE '/1/5/%'``; it is set when the
    unit is inserted (``_set_path`` below) and changed only by ``tracker.accounts.tree``."""

    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    path: Mapped[str | None] = mapped_column(String(200), index=True)
    # Residents (常住人口), for requests per 10,000 residents in the timeliness analysis; None: not set.
    population: Mapped[int | None] = mapped_column(Integer)
    # Agency-level settings (e.g. case number pattern, proposal result labels); absent keys use config.
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    parent = relationship("Agency", remote_side=[id])


def subtree_ids(agency_id: int):
    """SELECT of the ids of the unit ``agency_id`` and all its sub-units (one LIKE on the path)."""
    root_path = select(Agency.path).where(Agency.id == agency_id).scalar_subquery()
    return select(Agency.id).where(Agency.path.like(root_path.concat("%")))


@event.listens_for(Agency, "after_insert")
def _set_path(mapper, connection, target: Agency) -> None:
    """The new unit's path is its parent's path and its own id; the id exists only after the INSERT."""
    table = Agency.__table__
    parent_path = "/"
    if target.parent_id is not None:
        parent_path = connection.execute(select(table.c.path).where(table.c.id == target.parent_id)).scalar_one()
    path = f"{parent_path}{target.id}/"
    connection.execute(update(table).where(table.c.id == target.id).values(path=path))
    set_committed_value(target, "path", path)


class Section(db.Model):
    """A section (科室) of an agency that handles cases."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    agency = relationship(Agency)


def new_session_token() -> str:
    return secrets.token_hex(32)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(60), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = mapped_column(UTCDateTime)
    # Which notifications also come by mail: {kind: {"mail": bool}}; a kind absent takes its default
    # (tracker.notify.handoffs.HANDOFFS, edited on the notification settings page).
    notify_prefs: Mapped[dict | None] = mapped_column(JSON)
    # Issue 14 (docs/security.md): the session cookie carries this token; rotating it ends every session
    # of the user at once (logout, password change, disable, "sign out everywhere").
    session_token: Mapped[str] = mapped_column(String(64), nullable=False, default=new_session_token)
    password_changed_at = mapped_column(UTCDateTime)
    # Set when somebody else chose the password (an administrator, the command line, a generated one):
    # every page leads to the change-password page until the user has chosen their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    agency = relationship(Agency)
    section = relationship(Section)

    def get_id(self) -> str:  # Flask-Login: what the session cookie carries — the id and the current token
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can(self, permission: str) -> bool:
        return self.active and roles.can(self.role, permission)

    @property
    def role_label(self) -> str:
        return roles.role_label(self.role)

    @property
    def agency_wide(self) -> bool:
        return self.role in roles.AGENCY_WIDE


class SavedFilter(db.Model):
    """A user's saved list filter: a name and the list's query arguments (tracker/lists.py reads them)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "list", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    list: Mapped[str] = mapped_column(String(20), nullable=False)  # requests | proposals
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    query: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class RateBucket(db.Model):
    """A counter shared by every worker (tracker/accounts/throttle.py): failures under one key (a login
    name, an address) in the window that began at window_start, and until when the key is locked."""

    __tablename__ = "rate_bucket"
    __table_args__ = (Index("ix_rate_bucket_window_start", "window_start"),)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start = mapped_column(UTCDateTime, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until = mapped_column(UTCDateTime)
