"""How a notification reaches a person: in-app at once, and through every other channel that person
chose for its kind. A channel is one adapter of this interface; adding one (SMS, 政务微信) is one class
in CHANNELS, and touches neither the reminder scan nor the services.

- ``queue`` runs inside the transaction of the action that caused the notification: it only writes a
  NotificationDelivery row (so a failed action leaves nothing queued, and a committed one never loses
  its message).
- ``flush`` runs in the reminder run after the scan, outside any transaction while it talks to the
  outside world: it claims what is owed (so two runs never send the same thing), sends it, and marks
  each delivery sent or failed (failed ones are tried again by the next run).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Protocol

from sqlalchemy import and_, or_, select, update

from ..extensions import db
from ..reminders import mail
from ..reminders.models import (
    MAIL_NO_ADDRESS,
    MAIL_PENDING,
    MAIL_SENDING,
    MAIL_SENT,
    Notification,
    NotificationDelivery,
)
from ..rules.clock import utcnow
from ..unit_of_work import unit_of_work

CLAIM_TIMEOUT = timedelta(minutes=30)  # a claim older than this belonged to a run that died
INTRO = "以下事项已交到您手中或等待您处理"


@dataclass
class Flushed:
    sent: int = 0  # deliveries sent
    messages: int = 0  # messages (one digest per person)
    failed: int = 0  # messages that failed (their deliveries stay owed)


class Channel(Protocol):
    name: str
    label: str

    def available(self, config) -> bool:
        """Whether the deployment has this channel at all (e.g. a mail server is configured)."""

    def queue(self, notification: Notification, user) -> None:
        """Owe the notification to the user through this channel (in the action's transaction)."""

    def flush(self, config, today: date, base_url: str) -> Flushed:
        """Send what is owed (outside any transaction)."""


class MailChannel:
    """Mail: what is owed goes out with the next reminder run, one digest per person (reminders.mail)."""

    name = "mail"
    label = "邮件"

    def available(self, config) -> bool:
        return mail.MailSettings.from_config(config) is not None

    def queue(self, notification: Notification, user) -> None:
        status = MAIL_PENDING if (user.email or "").strip() else MAIL_NO_ADDRESS
        db.session.add(NotificationDelivery(notification=notification, channel=self.name, status=status, attempts=0))

    def _claimable(self, ts: datetime):
        d = NotificationDelivery
        return and_(
            d.channel == self.name,
            or_(d.status == MAIL_PENDING, and_(d.status == MAIL_SENDING, d.claimed_at < ts - CLAIM_TIMEOUT)),
        )

    def flush(self, config, today: date, base_url: str) -> Flushed:
        from ..accounts.models import User
        from .handoffs import kind_label

        out = Flushed()
        settings = mail.MailSettings.from_config(config)
        if settings is None:
            return out
        d, n = NotificationDelivery, Notification
        token, ts = uuid.uuid4().hex, utcnow()
        with unit_of_work():
            db.session.execute(
                update(d)
                .where(self._claimable(ts))
                .values(status=MAIL_SENDING, claim_token=token, claimed_at=ts)
                .execution_options(synchronize_session=False)
            )
        rows = db.session.execute(
            select(
                d.id,
                n.user_id.label("recipient_id"),
                n.kind,
                n.text,
                n.link,
                User.display_name,
                User.email,
                User.active,
            )
            .join(n, n.id == d.notification_id)
            .join(User, User.id == n.user_id)
            .where(d.claim_token == token, d.status == MAIL_SENDING)
            .order_by(n.user_id, d.id)
        ).all()
        # a user disabled since the notification was queued is mailed nothing (treated as having no address)
        rows = [SimpleNamespace(**{**r._asdict(), "email": r.email if r.active else None}) for r in rows]
        digests, no_address = mail.digests(rows, base_url, kind_of=lambda r: kind_label(r.kind))
        ids: dict[int, list[int]] = {}
        for r in rows:
            if (r.email or "").strip():
                ids.setdefault(r.recipient_id, []).append(r.id)
        outcome: dict[int, str | None] = {}
        if digests:
            try:
                messages = [
                    (dg.recipient_id, mail.compose(dg, today, settings.sender, heading="交办通知", intro=INTRO))
                    for dg in digests
                ]
                outcome = mail.send(settings, messages)
            except Exception as e:  # never leave claimed deliveries hanging
                outcome = {dg.recipient_id: f"{type(e).__name__}: {e}" for dg in digests}
        finished = utcnow()
        with unit_of_work():
            if no_address:
                db.session.execute(
                    update(d).where(d.id.in_(no_address)).values(status=MAIL_NO_ADDRESS, claim_token=None)
                )
            for user_id, error in outcome.items():
                mine = ids[user_id]
                if error is None:
                    db.session.execute(
                        update(d)
                        .where(d.id.in_(mine), d.claim_token == token)
                        .values(
                            status=MAIL_SENT, sent_at=finished, error=None, claim_token=None, attempts=d.attempts + 1
                        )
                    )
                    out.sent += len(mine)
                    out.messages += 1
                else:
                    db.session.execute(
                        update(d)
                        .where(d.id.in_(mine), d.claim_token == token)
                        .values(status=MAIL_PENDING, error=error[:1000], claim_token=None, attempts=d.attempts + 1)
                    )
                    out.failed += 1
        return out


CHANNELS: tuple[Channel, ...] = (MailChannel(),)
