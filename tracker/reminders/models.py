"""Reminders owed and sent, in-app notifications, and the record of scan runs.

A Reminder row is the fact "this person was reminded of this deadline at this stage"; its unique key
makes the fact exist at most once, whatever reruns, restarts or parallel schedulers do. The mail
delivery state lives on the same row, so a reminder whose mail could not go out stays owed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime

# Mail delivery states of a reminder.
MAIL_PENDING = "pending"  # owed: goes out with the next run's digest
MAIL_SENDING = "sending"  # claimed by a run that is sending it now
MAIL_SENT = "sent"
MAIL_STALE = "stale"  # the situation changed (new deadline, case done) before it could be sent
MAIL_SUPERSEDED = "superseded"  # a later stage of the same deadline replaces it (e.g. the next overdue day)
MAIL_NO_ADDRESS = "no_address"  # the recipient has no e-mail address: in-app only
MAIL_OFF = "off"  # mail was not configured when it was created: in-app only
MAIL_STATUS_LABELS: dict[str, str] = {
    MAIL_PENDING: "待发送",
    MAIL_SENDING: "发送中",
    MAIL_SENT: "已发送",
    MAIL_STALE: "情况已变化，未发送",
    MAIL_SUPERSEDED: "已由后续提醒替代",
    MAIL_NO_ADDRESS: "无邮箱，仅站内通知",
    MAIL_OFF: "未配置邮件，仅站内通知",
}

# The columns that make a reminder unique (also the ON CONFLICT target).
KEY_COLUMNS: tuple[str, ...] = ("kind", "subject_type", "subject_id", "deadline", "occurrence", "recipient_id")


class Reminder(db.Model):
    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint(*KEY_COLUMNS, name="uq_reminder_key"),
        Index("ix_reminder_mail_status", "mail_status"),
        Index("ix_reminder_claim_token", "claim_token"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # tracker.reminders.scan.KIND_LABELS
    # What the deadline belongs to: request | clock_action | proposal.
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    # 0 for a one-time reminder; overdue: working days late (one per working day); a clock window:
    # 0 before or on its last day, 1 once it has passed.
    occurrence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    # The case the reminder links to (request or proposal); equals the subject except for clock actions.
    case_type: Mapped[str] = mapped_column(String(20), nullable=False)
    case_id: Mapped[int] = mapped_column(Integer, nullable=False)
    run_on: Mapped[date] = mapped_column(Date, nullable=False)  # the legal date of the scan that owed it
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    mail_status: Mapped[str] = mapped_column(String(20), nullable=False, default=MAIL_PENDING)
    mail_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mailed_at = mapped_column(UTCDateTime)
    mail_error: Mapped[str | None] = mapped_column(Text)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at = mapped_column(UTCDateTime)

    recipient = relationship("User")

    @property
    def mail_status_label(self) -> str:
        return MAIL_STATUS_LABELS.get(self.mail_status, self.mail_status)


class Notification(db.Model):
    """An entry of a user's in-app notification centre (站内通知)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_user_id", "user_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    reminder_id: Mapped[int | None] = mapped_column(ForeignKey("reminder.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside the application
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at = mapped_column(UTCDateTime)
    # The case a handoff notification is about (tracker.notify.handoffs); reminders link by their reminder.
    case_type: Mapped[str | None] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(Integer)

    reminder = relationship("Reminder")


class NotificationDelivery(db.Model):
    """One notification's delivery through one channel other than in-app (tracker.notify.channels): mail
    today. Written in the transaction of the action that caused the notification; sent by the next
    reminder run (its digest), outside any transaction, claimed first so that two runs never send it twice."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel"),
        Index("ix_delivery_channel_status", "channel", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=MAIL_PENDING)  # MAIL_STATUS_LABELS
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at = mapped_column(UTCDateTime)
    sent_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    notification = relationship("Notification")


class ReminderRun(db.Model):
    """One scan: when, as of which moment, and what it created and sent."""

    __tablename__ = "reminder_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(UTCDateTime)
    as_of = mapped_column(UTCDateTime, nullable=False)  # the moment the scan was run "as if"
    run_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    created: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # kind -> reminders created
    sent: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # kind -> reminders mailed
    mails_sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mails_failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
