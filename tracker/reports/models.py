from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


# The four registers, in the order the pages list them.
KIND_LABELS: dict[str, str] = {
    PROACTIVE: "主动公开登记",
    DOCUMENT: "规章和行政规范性文件",
    DECISION: "行政许可、处罚、强制决定",
    FEE: "行政事业性收费",
}

# Which register feeds which block of table 二: the rows of that block are the register's categories
# (their ids and labels come from rules.report_layout, never restated here).
KIND_OF_TABLE2_BLOCK: dict[str, str] = {
    "article20_1": DOCUMENT,
    "article20_5": DECISION,
    "article20_6": DECISION,
    "article20_8": FEE,
}

# Suggested proactive-disclosure categories (issue 7's list); staff may type any other.
PROACTIVE_CATEGORIES: tuple[str, ...] = (
    "机构职能",
    "领导信息",
    "规划信息",
    "会议公开",
    "行政权力",
    "建议提案",
    "财政信息",
    "重点领域信息",
)


class ReportNarrative(db.Model):
    """A prose part of one year's report (一's sub-parts, 五, 六's items), written by staff."""

    __tablename__ = "report_narrative"
    __table_args__ = (UniqueConstraint("agency_id", "year", "part"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    part: Mapped[str] = mapped_column(String(40), nullable=False)  # tracker.reports.structure part id
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReportSnapshot(db.Model):
    """A published (frozen) report: its figures and text as they were when it was published."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("agency_id", "year", "scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    # Issue 16: "unit" — the unit alone; "with_units" — the unit with all its sub-units (the roll-up).
    scope: Mapped[str] = mapped_column(String(20), nullable=False, default="unit", server_default="unit")
    # For a roll-up: which unit snapshots it summed, [{"agency_id", "snapshot_id", "published_at"}, ...];
    # a unit without a published report of the year is summed from its records and listed with snapshot_id None.
    unit_snapshots: Mapped[list | None] = mapped_column(JSON)
    figures: Mapped[dict] = mapped_column(JSON, nullable=False)  # the report dict (JSON form)
    narrative: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # part id -> text
    # The layout (tracker.rules.report_layout.LAYOUT_VERSIONS) the figures were frozen under: the snapshot
    # always renders in it, whatever layout later years use.
    layout_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    published_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    published_by = relationship("User")
