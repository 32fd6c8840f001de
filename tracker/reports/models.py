from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime

# Register kinds. `category` holds the table 二 row id for documents, decisions and fees
# (rules, normative_documents, administrative_licensing, administrative_penalty, administrative_coercion,
# administrative_fees) and the proactive-disclosure category (机构职能, 领导信息, ...) for proactive items.
PROACTIVE = "proactive"
DOCUMENT = "document"
DECISION = "decision"
FEE = "fee"


class RegisterEntry(db.Model):
    """An entry of the registers that are not disclosure requests (主动公开, 规章/规范性文件, 决定, 收费)."""

    __tablename__ = "register_entry"
    __table_args__ = (Index("ix_register_agency_kind_date", "agency_id", "kind", "entry_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    entry_date: Mapped[date] = mapped_column(Date, nullable=False)  # publication / issue / decision date
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    doc_number: Mapped[str | None] = mapped_column(String(100))  # 文号
    link: Mapped[str | None] = mapped_column(String(500))
    abolished_on: Mapped[date | None] = mapped_column(Date, index=True)  # documents only
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # decisions
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # fees
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
