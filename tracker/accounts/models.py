from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime
from . import roles


class Agency(db.Model):
    """A government agency (机关). One per deployment by default; nothing assumes only one exists."""

    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    # Agency-level settings (e.g. case number pattern, proposal result labels); absent keys use config.
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


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

    agency = relationship(Agency)
    section = relationship(Section)

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
