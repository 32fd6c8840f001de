"""NPC suggestions / CPPCC proposals: the item, its co-handlers, contacts, replies per round, extensions.

The Proposal row carries the current state for queries (status, due date of the current round, the
latest reply's date, class, publication and feedback); the history lives in the child rows
(ProposalReply per round, ProposalContact, ProposalExtension) and on the event timeline.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules import proposals as rules
from ..rules.clock import utcnow
from ..types import UTCDateTime

NPC = rules.NPC  # 人大代表建议
CPPCC = rules.CPPCC  # 政协提案
KIND_LABELS = rules.KINDS


class Proposal(db.Model):
    """One NPC suggestion or CPPCC proposal assigned to the agency (交办)."""

    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("agency_id", "kind", "session", "number"),
        Index("ix_proposal_agency_assigned", "agency_id", "kind", "assigned_on"),
        Index("ix_proposal_agency_status_due", "agency_id", "status", "due_date"),
        # The year filter and the yearly summary without a kind.
        Index("ix_proposal_agency_year", "agency_id", "assigned_on"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    session: Mapped[str] = mapped_column(String(60), nullable=False)  # 届次会议, e.g. 区十九届人大三次会议
    number: Mapped[str] = mapped_column(String(30), nullable=False)  # the congress/CPPCC's own number
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    lead_author: Mapped[str] = mapped_column(String(60), nullable=False)  # 领衔代表/委员
    cosigners: Mapped[str | None] = mapped_column(Text)  # 附议/联名
    assigned_on: Mapped[date] = mapped_column(Date, nullable=False)  # 交办日期
    lead_section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=rules.ASSIGNED, index=True)
    # The deadline of the current round (round 1: reply period, 2: re-handling), kept after the reply
    # so that the timeliness of the latest reply stays a comparison of two columns.
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Periods fixed when the item was registered, so a later change of configuration does not move
    # the deadline of an item already assigned.
    period_months: Mapped[int] = mapped_column(Integer, nullable=False, default=3, server_default=text("3"))
    cohandler_months: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default=text("1"))
    extended_months: Mapped[int | None] = mapped_column(Integer)  # approved total period, months after 交办
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # 2 = re-handling after 不满意
    rehandling_from: Mapped[date | None] = mapped_column(Date)  # the 不满意 feedback date
    rehandling_months: Mapped[int | None] = mapped_column(Integer)
    # The latest reply (mirrors ProposalReply of the latest round) for lists, filters and reports.
    reply_date: Mapped[date | None] = mapped_column(Date, index=True)
    result_class: Mapped[str | None] = mapped_column(String(2), index=True)  # A/B/C/D
    satisfaction: Mapped[str | None] = mapped_column(String(20), index=True)  # satisfied | basically | unsatisfied
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    published_on: Mapped[date | None] = mapped_column(Date)
    publish_link: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Every service touches this, so adding a contact or an opinion also bumps the version and two
    # people acting on the same item at once cannot both succeed.
    updated_at = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow, server_default=text("CURRENT_TIMESTAMP")
    )  # existing rows when migrating
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    lead_section = relationship("Section")
    cohandlers = relationship(
        "ProposalCohandler", cascade="all, delete-orphan", order_by="ProposalCohandler.section_id"
    )
    contacts = relationship(
        "ProposalContact",
        cascade="all, delete-orphan",
        order_by=lambda: [ProposalContact.contacted_on, ProposalContact.id],
    )
    replies = relationship("ProposalReply", cascade="all, delete-orphan", order_by="ProposalReply.round")
    extensions = relationship("ProposalExtension", cascade="all, delete-orphan", order_by="ProposalExtension.id")

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_STATUSES

    @property
    def kind_label(self) -> str:
        return rules.kind_label(self.kind)

    @property
    def status_label(self) -> str:
        return rules.status_label(self.status)

    @property
    def author_title(self) -> str:
        return rules.author_title(self.kind)

    @property
    def latest_reply(self) -> ProposalReply | None:
        return self.replies[-1] if self.replies else None

    def contacts_in_round(self, round_no: int | None = None) -> list[ProposalContact]:
        n = self.round if round_no is None else round_no
        return [c for c in self.contacts if c.round == n]

    @property
    def pending_extension(self) -> ProposalExtension | None:
        return next((e for e in self.extensions if e.state == "requested"), None)


class ProposalCohandler(db.Model):
    """A co-handling section (协办/会办) and its written opinion to the lead section."""

    __tablename__ = "proposal_cohandler"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), primary_key=True, index=True)
    mode: Mapped[str] = mapped_column(String(10), nullable=False, default="assist", server_default="assist")
    opinion_due: Mapped[date | None] = mapped_column(Date)
    opinion_due_provisional: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_on: Mapped[date | None] = mapped_column(Date)
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    section = relationship("Section")
    opinion_by = relationship("User")

    @property
    def mode_label(self) -> str:
        return rules.COHANDLER_MODES.get(self.mode, self.mode)


class ProposalContact(db.Model):
    """The lead section's contact with the deputy or member (见面/电话/书面沟通) in one round."""

    __tablename__ = "proposal_contact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False, index=True)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    form: Mapped[str] = mapped_column(String(20), nullable=False)  # rules.CONTACT_FORMS
    contacted_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    recorded_by = relationship("User")

    @property
    def form_label(self) -> str:
        return rules.CONTACT_FORMS.get(self.form, self.form)


class ProposalReply(db.Model):
    """The written reply of one round, its publication and the deputy's or member's feedback on it."""

    __tablename__ = "proposal_reply"
    __table_args__ = (UniqueConstraint("proposal_id", "round"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False, index=True)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    result_class: Mapped[str] = mapped_column(String(2), nullable=False)
    reply_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)  # the deadline in force for this round
    summary: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    published_on: Mapped[date | None] = mapped_column(Date)
    publish_link: Mapped[str | None] = mapped_column(String(500))
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    feedback_on: Mapped[date | None] = mapped_column(Date)
    feedback_note: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    document = relationship("Attachment")
    replied_by = relationship("User")

    @property
    def on_time(self) -> bool | None:
        return None if self.due_date is None else self.reply_date <= self.due_date

    @property
    def satisfaction_label(self) -> str:
        return rules.SATISFACTION.get(self.satisfaction or "", "")


class ProposalExtension(db.Model):
    """A request to extend the reply period to ``to_months`` after assignment, and the leader's decision."""

    __tablename__ = "proposal_extension"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), nullable=False, index=True)
    to_months: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requested_on: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="requested")  # requested|approved|refused
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return rules.EXTENSION_STATES.get(self.state, self.state)
