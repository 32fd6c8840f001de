"""API tokens of the online application platform (在线申请平台), one agency each, stored hashed."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime


class ApiToken(db.Model):
    """A platform's token: the secret is printed once (tracker.api.tokens.create_token) and only its
    SHA-256 is kept; ``prefix`` (the first characters) lets an administrator tell tokens apart."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at = mapped_column(UTCDateTime)
    last_used_at = mapped_column(UTCDateTime)

    agency = relationship("Agency")
    created_by = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
