from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime

# Status ids; the workflow module owns the transitions between them.
REGISTERED = "registered"  # 待分办
IN_PROGRESS = "in_progress"  # 办理中
PAUSED = "paused"  # 暂停 (pause_reason says why)
IN_REVIEW = "in_review"  # 待审核
CONCLUDED = "concluded"  # 已办结 (incl. withdrawn: outcome other.other)


class DisclosureRequest(db.Model):
    """One government-information-disclosure request (一件申请)."""

    __tablename__ = "disclosure_request"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "seq"),
        UniqueConstraint("agency_id", "number"),
        # The list's sort (with the id: keyset pages) and the report's receipt-date ranges; both carry
        # every other column of the report's table 三 query, so that SQLite answers it from the index
        # without visiting the rows, the roll-up's delivery date included (issue 16, bench_report_rollup;
        # migrations e16b7c0a4f21, e16c5d2f8a90).
        Index(
            "ix_request_agency_received",
            "agency_id",
            "received_on",
            "id",
            "concluded_on",
            "outcome",
            "applicant_type",
            "status",
            "due_date",
            "delivered_on",
        ),
        Index(
            "ix_request_agency_concluded",
            "agency_id",
            "concluded_on",
            "outcome",
            "received_on",
            "applicant_type",
            "status",
            "due_date",
            "delivered_on",
        ),
        Index("ix_request_agency_status_due", "agency_id", "status", "due_date"),
        Index("ix_request_agency_status_pause", "agency_id", "status", "pause_reason"),
        # Open cases (about 5 % of all): partial indexes whose WHERE is the queries' own predicate
        # (tracker.disclosure.queries.is_open), so the open list, the deadline filters and the
        # reminder scan never read concluded history (issue 15).
        Index(
            "ix_request_open_received",
            "agency_id",
            "received_on",
            "id",
            postgresql_where=text("status <> 'concluded'"),
            sqlite_where=text("status <> 'concluded'"),
        ),
        Index(
            "ix_request_open_due",
            "due_date",
            "agency_id",
            postgresql_where=text("status <> 'concluded'"),
            sqlite_where=text("status <> 'concluded'"),
        ),
        # Cases without a conclusion date: the report's cases carried across the year boundary.
        Index(
            "ix_request_unconcluded_received",
            "agency_id",
            "received_on",
            postgresql_where=text("concluded_on IS NULL"),
            sqlite_where=text("concluded_on IS NULL"),
        ),
        Index("ix_request_agency_id_number", "agency_id", "id_number"),
        Index("ix_request_agency_fee_paid", "agency_id", "fee_paid_on"),
        Index("ix_request_agency_applicant", "agency_id", "applicant_name"),
        # concluded answers not yet delivered (lists, reminders): status = concluded and delivered_on null
        Index("ix_request_agency_status_delivered", "agency_id", "status", "delivered_on"),
        # The online platform's id: the intake API is idempotent on it (issue 17); NULLs (other channels) repeat.
        UniqueConstraint("agency_id", "submission_id"),
        # /status finds a case by its number alone (the applicant names no agency).
        Index("ix_request_number", "number"),
        # the list's channel filter (the workbench's 网上申请 待分办 links to it)
        Index("ix_request_agency_status_channel", "agency_id", "status", "channel"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)  # numbering year
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(60), nullable=False)

    # Applicant (the name in which the request was filed decides the report column)
    applicant_type: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_person: Mapped[str | None] = mapped_column(String(60))
    id_type: Mapped[str] = mapped_column(String(30), nullable=False, default="none")
    id_number: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(120))
    # When the personal data above was cleared after the retention period (tracker.personal.anonymise).
    anonymised_at = mapped_column(UTCDateTime)

    # The request
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    sent_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)  # 收到申请之日 (Art. 31)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)  # 申请内容摘要 (letters, lists)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    purpose: Mapped[str | None] = mapped_column(Text)
    provision_form: Mapped[str | None] = mapped_column(String(20))
    obtain_way: Mapped[str | None] = mapped_column(String(20))
    remarks: Mapped[str | None] = mapped_column(Text)

    # Handling
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=REGISTERED, index=True)
    pause_reason: Mapped[str | None] = mapped_column(String(30))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    leader_instruction: Mapped[str | None] = mapped_column(Text)
    # The status to return to when the last open pause ends (set when a pause starts).
    paused_from: Mapped[str | None] = mapped_column(String(20))
    # The handler's draft answer while it is reviewed: outcome, letter_kind, legal_ground,
    # responsible_agency, summary, submitted_by/on, approved_by/on (tracker.disclosure.services).
    draft: Mapped[dict | None] = mapped_column(JSON)

    # The clock: computed by tracker.rules.deadlines from the clock actions; stored for queries.
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    clarification_due: Mapped[date | None] = mapped_column(Date)
    # The office's own date for the section's draft answer (内部办理期限), before the statutory one, so the
    # office keeps time to review and deliver (tracker.rules.deadlines.internal_deadline); and the day
    # the draft was first submitted, to report drafts returned late per section.
    internal_due: Mapped[date | None] = mapped_column(Date, index=True)
    draft_submitted_on: Mapped[date | None] = mapped_column(Date)

    # Conclusion
    outcome: Mapped[str | None] = mapped_column(String(40))
    concluded_on: Mapped[date | None] = mapped_column(Date)
    answer_date: Mapped[date | None] = mapped_column(Date)  # the date printed on the answer letter
    # Mirror of the answer letter's delivery (Letter key "answer"): null while concluded but not yet
    # delivered. The delivery date, not the letter's date, decides whether the answer was on time.
    delivery_method: Mapped[str | None] = mapped_column(String(20))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    legal_ground: Mapped[str | None] = mapped_column(Text)
    responsible_agency: Mapped[str | None] = mapped_column(String(200))
    answer_summary: Mapped[str | None] = mapped_column(Text)
    letter_kind: Mapped[str | None] = mapped_column(String(20))  # tracker.rules.outcomes.LETTER_KINDS
    # Fields of the outcome its letter states (tracker.rules.outcomes.OUTCOME_DETAILS): the proper channel
    # of an Art. 39 answer, the procedure of an Art. 36(7) answer.
    outcome_details: Mapped[dict | None] = mapped_column(JSON)
    # The earlier answered request a 重复申请 (Art. 36(6)) repeats; its letter cites its number and answer date.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_request.id"))
    # Withdrawn by the applicant: concluded as other.other, shown as 已撤回.
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    # Information processing fee (信息处理费)
    fee_method: Mapped[str | None] = mapped_column(String(20))
    fee_amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    fee_paid_on: Mapped[date | None] = mapped_column(Date, index=True)

    # A request formally split into several counts as several (report-format.md): the requests split off
    # an application point to it (services.split_request); all keep its receipt date.
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_request.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")  # manual | import | api
    # Issue 17: a request from the online platform (在线申请平台) carries the platform's submission id and the
    # moment both sides confirmed it (Art. 31(三), the receipt date's source); status_code_hash is the
    # applicant's verification code for /status (tracker.api.codes), never the code itself.
    submission_id: Mapped[str | None] = mapped_column(String(64))
    confirmed_at = mapped_column(UTCDateTime)
    status_code_hash: Mapped[str | None] = mapped_column(String(128))

    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def receipt_explanation(self) -> str | None:
        """Why the receipt date is what it is, for a request from the online platform (Art. 31(三))."""
        from ..rules.intake import online_receipt_explanation

        return online_receipt_explanation(self.confirmed_at) if self.confirmed_at else None

    agency = relationship("Agency")
    section = relationship("Section")
    handler = relationship("User", foreign_keys=[handler_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    tags = relationship("RequestTag", cascade="all, delete-orphan", order_by="RequestTag.tag")
    cohandlers = relationship("RequestCohandler", cascade="all, delete-orphan")
    clock_actions = relationship("ClockAction", cascade="all, delete-orphan", order_by="ClockAction.id")
    reviews = relationship("Review", cascade="all, delete-orphan", order_by="Review.filed_on", back_populates="request")
    letters = relationship("Letter", cascade="all, delete-orphan", order_by="Letter.id")
    split_from = relationship("DisclosureRequest", remote_side=[id], foreign_keys=[split_from_id])
    repeat_of = relationship("DisclosureRequest", remote_side=[id], foreign_keys=[repeat_of_id])

    @property
    def is_open(self) -> bool:
        return self.status != CONCLUDED


class RequestTag(db.Model):
    """Topic tags (e.g. 项目立项); the year-end report's 'main topics' group by these in SQL."""

    __tablename__ = "request_tag"
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class RequestCohandler(db.Model):
    """A co-handling section (协办科室): reads the case and contributes an opinion."""

    __tablename__ = "request_cohandler"
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), primary_key=True, index=True)
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_at = mapped_column(UTCDateTime)
    opinion_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    section = relationship("Section")


class ClockAction(db.Model):
    """An action that moves the answer clock: clarification, consultation, fee, extension, Art. 35 deadline.

    kind: clarification | consult_third_party | consult_agency | fee | extension | excessive
    For pauses started_on/ended_on bound the pause; for an extension `workdays` is the requested length
    and `state` says whether a leader approved it.
    """

    __tablename__ = "clock_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)  # open | closed | requested | approved | refused
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    window_end: Mapped[date | None] = mapped_column(Date)  # correction / answer / payment window
    # The day the recipient received the letter (its recorded delivery): a third party's 15 working days
    # (Art. 32/34) and the applicant's 20 for a fee (109号) run from it; null while not yet known.
    served_on: Mapped[date | None] = mapped_column(Date)
    workdays: Mapped[int | None] = mapped_column(Integer)
    explicit_due: Mapped[date | None] = mapped_column(Date)
    party: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


REVIEW_SUBJECTS: dict[str, str] = {
    "request": "本机关登记的政府信息公开申请",
    "proactive": "主动公开",
    "not_received": "本机关未收到的申请",
    "other": "其他政府信息公开工作",
}


class Review(db.Model):
    """Administrative reconsideration or lawsuit about the agency's disclosure work (the inputs of table 四).

    Most follow an answer to a registered request (`request_id`); some are about 主动公开 or about a request
    the agency says it never received: then `request_id` is null and `subject`/`subject_note` say what.
    """

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_agency_filed", "agency_id", "filed_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_request.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20), nullable=False, default="request", server_default="request")
    subject_note: Mapped[str | None] = mapped_column(Text)  # what it is about when not a registered request
    # A data-quality note shown in the report's data-quality list (e.g. a 复议后起诉 whose reconsideration
    # predates the records); it does not fail a check.
    data_note: Mapped[str | None] = mapped_column(Text)
    # reconsideration | litigation_direct | litigation_after_reconsideration (table 四 block ids)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(20))  # upheld | corrected | other
    body: Mapped[str | None] = mapped_column(String(200))  # 复议机关 / 法院
    note: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    request = relationship("DisclosureRequest", back_populates="reviews")


# Letter kinds (the first part of a letter's key); tracker.disclosure.letters decides their templates.
LETTER_FAMILIES: dict[str, str] = {
    "receipt": "受理回执",
    "clarification": "补正告知书",
    "extension": "延期答复告知书",
    "consultation": "征求意见书",
    "fee": "收费通知书",
    "answer": "答复书",
    "objection_notice": "决定公开告知书（第三方）",
}


class Letter(db.Model):
    """One letter of a case and how it reached its recipient.

    Keyed per case: `answer`, `receipt`, `clarification:<clock action id>`, `extension:<id>`,
    `consultation:<id>`, `fee:<id>`, `objection_notice:<id>`. Generating it again makes a new version of
    the same letter (LetterVersion; `attachment_id` is the latest text), never a second letter. A letter
    written outside the system can still have its delivery recorded (version 0, no text).
    """

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("request_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_request.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # LETTER_FAMILIES
    clock_action_id: Mapped[int | None] = mapped_column(ForeignKey("clock_action.id"))
    recipient: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 0: no text generated yet
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))  # the latest text
    generated_at = mapped_column(UTCDateTime)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Delivery (送达): posted (交邮 date, tracking number), handed over (签收 date), e-mail/online (sent date).
    delivery_method: Mapped[str | None] = mapped_column(String(20))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    proof_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    delivery_recorded_at = mapped_column(UTCDateTime)
    delivery_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    versions = relationship("LetterVersion", cascade="all, delete-orphan", order_by="LetterVersion.version")
    clock_action = relationship("ClockAction")

    @property
    def delivered(self) -> bool:
        return self.delivered_on is not None


class LetterVersion(db.Model):
    """Every generated text of a letter."""

    __tablename__ = "letter_version"
    __table_args__ = (UniqueConstraint("letter_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), nullable=False)
    generated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CaseCounter(db.Model):
    """Last sequence number given per agency, kind and year: numbers are never reused."""

    __tablename__ = "case_counter"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class LetterTemplate(db.Model):
    """An agency's own wording of one letter kind; kinds without a row use the defaults shipped in
    tracker.disclosure.letters."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("agency_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
