from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime

NPC = "npc"      # 人大代表建议
CPPCC = "cppcc"  # 政协提案
KIND_LABELS = {NPC: "人大代表建议", CPPCC: "政协提案"}


class Proposal(db.Model):
    """One NPC suggestion or CPPCC proposal assigned to the agency (交办)."""

    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("agency_id", "kind", "session", "number"),
        Index("ix_proposal_agency_assigned", "agency_id", "kind", "assigned_on"),
        Index("ix_proposal_agency_status_due", "agency_id", "status", "due_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    session: Mapped[str] = mapped_column(String(60), nullable=False)  # 届次会议, e.g. 区十九届人大三次会议
    number: Mapped[str] = mapped_column(String(30), nullable=False)   # the congress/CPPCC's own number
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    lead_author: Mapped[str] = mapped_column(String(60), nullable=False)  # 领衔代表/委员
    cosigners: Mapped[str | None] = mapped_column(Text)  # 附议/联名
    assigned_on: Mapped[date] = mapped_column(Date, nullable=False)  # 交办日期
    lead_section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="assigned", index=True)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    extended_months: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # 2 = re-handling after 不满意
    reply_date: Mapped[date | None] = mapped_column(Date, index=True)
    result_class: Mapped[str | None] = mapped_column(String(2))  # A/B/C/D
    satisfaction: Mapped[str | None] = mapped_column(String(20))  # satisfied | basically | unsatisfied
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    published_on: Mapped[date | None] = mapped_column(Date)
    publish_link: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    lead_section = relationship("Section")
    cohandlers = relationship("ProposalCohandler", cascade="all, delete-orphan")


class ProposalCohandler(db.Model):
    """A co-handling section (协办/会办) and its written opinion to the lead section."""

    __tablename__ = "proposal_cohandler"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), primary_key=True, index=True)
    opinion_due: Mapped[date | None] = mapped_column(Date)
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_on: Mapped[date | None] = mapped_column(Date)
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    section = relationship("Section")
