"""Running a reminder scan, and the notification centre's state changes.

A run has three steps, so that no database lock or transaction is held while talking to a mail server:

1. In one transaction: take the run lock (PostgreSQL: ``pg_try_advisory_xact_lock``; SQLite: the
   write lock taken by the run's first INSERT), work out what is owed (tracker.reminders.scan), insert
   the reminders with ON CONFLICT DO NOTHING on their unique key (so only the ones not recorded before
   come back), add an in-app notification for each of those, and claim every reminder whose mail is
   still owed (new ones, and ones a failed run left pending) with this run's token. Commit.
2. Send one digest per person (tracker.reminders.mail).
3. In one transaction: mark what the server accepted as sent; what it did not stays owed (pending,
   with the attempt count and the error) for the next run.

A pending mail is only sent while its situation still holds: if the deadline moved, the case was
concluded or the window closed in the meantime it is marked stale; an older overdue day is superseded
by the current one. A claim left by a crashed run is taken over after CLAIM_TIMEOUT.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from .. import audit, bulk
from ..accounts.models import User
from ..errors import NotFound
from ..extensions import db
from ..rules import deadlines
from ..rules.clock import today_cn, utcnow
from ..types import is_id
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import mail
from .models import (
    KEY_COLUMNS,
    MAIL_NO_ADDRESS,
    MAIL_OFF,
    MAIL_PENDING,
    MAIL_SENDING,
    MAIL_SENT,
    MAIL_STALE,
    MAIL_SUPERSEDED,
    Notification,
    Reminder,
    ReminderRun,
)
from .scan import KIND_LABELS, Owed, Policy, owed_at

CLAIM_TIMEOUT = timedelta(minutes=15)
# One fixed 64-bit key for "the reminder run" among the application's advisory locks.
ADVISORY_LOCK_KEY = 0x7472_6B72_6D6E_6472
CHUNK = 500

_LINKS = {"request": ("disclosure.detail", "request_id"), "proposal": ("proposals.detail", "proposal_id")}


@dataclass
class RunResult:
    as_of: datetime
    today: date
    skipped: str | None = None
    created: Counter = field(default_factory=Counter)  # kind -> reminders created
    sent: Counter = field(default_factory=Counter)  # kind -> reminders mailed
    mails_sent: int = 0
    mails_failed: int = 0
    handoffs_sent: int = 0  # handoff notifications mailed (tracker.notify.channels)
    stale: int = 0
    errors: list[str] = field(default_factory=list)
    run_id: int | None = None

    def lines(self) -> list[str]:
        """The CLI's report, in Chinese."""
        if self.skipped:
            return [self.skipped]
        out = []
        for kind, label in KIND_LABELS.items():
            if self.created[kind] or self.sent[kind]:
                out.append(f"  {label}：新建{self.created[kind]}条，邮件发出{self.sent[kind]}条")
        if not out:
            out.append("  没有新的提醒。")
        out.append(
            f"  共新建{sum(self.created.values())}条提醒；发出邮件{self.mails_sent}封"
            f"（含{sum(self.sent.values())}条提醒、{self.handoffs_sent}条交办通知），发送失败{self.mails_failed}封"
        )
        if self.stale:
            out.append(f"  {self.stale}条未发出的邮件提醒因期限或案件情况变化不再发送")
        out += [f"  邮件错误：{e}" for e in self.errors]
        return out


def _chunks(seq: list, n: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _policy() -> Policy:
    cfg = current_app.config
    return Policy(soon_days=int(cfg.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS)))


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _take_lock() -> bool:
    """PostgreSQL: one run at a time across hosts; released with the transaction (commit or rollback)."""
    if not _is_postgres():
        return True  # SQLite: the run's first INSERT takes the database's write lock until commit
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar())


def _insert(model):
    return (postgresql.insert if _is_postgres() else sqlite.insert)(model)


def _recorded_keys(keys: list[tuple]) -> set[tuple]:
    """Which of these reminder keys are recorded already: one query through the unique key's index,
    the keys passed as one JSON parameter (a rerun then inserts nothing and resends nothing)."""
    if not keys:
        return set()
    dialect = db.session.get_bind().dialect.name
    table = Reminder.__table__
    frm, exprs = bulk.source(table, list(KEY_COLUMNS), dialect)
    on = " AND ".join(f"r.{c} = {e}" for c, e in zip(KEY_COLUMNS, exprs, strict=True))
    join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"  # SQLite: the keys outside, the index probed
    sql = text(f"SELECT {', '.join('r.' + c for c in KEY_COLUMNS)} FROM {frm} {join} reminder r ON {on}").columns(
        *(table.c[c] for c in KEY_COLUMNS)
    )
    rows = [dict(zip(KEY_COLUMNS, k, strict=True)) for k in keys]
    return {tuple(r) for r in db.session.execute(sql, {"rows": bulk.payload(table, list(KEY_COLUMNS), rows, dialect)})}


class Links:
    """Paths of case pages, built from the URL map (works outside a request)."""

    def __init__(self) -> None:
        app = current_app
        self._adapter = app.url_map.bind("localhost", script_name=app.config.get("APPLICATION_ROOT") or "/")

    def path(self, case_type: str, case_id: int) -> str:
        endpoint, arg = _LINKS[case_type]
        return self._adapter.build(endpoint, {arg: case_id})


def _record(owed: list[Owed], today: date, mail_on: bool, ts: datetime) -> Counter:
    """Insert what was not recorded before; a notification for each new reminder. Returns kind counts."""
    by_key = {o.key: o for o in owed}
    if not by_key:
        return Counter()
    recipients = sorted({o.recipient_id for o in owed})
    emails = {}
    for ids in _chunks(recipients):
        emails.update(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())

    def mail_status(o: Owed) -> str:
        if not mail_on:
            return MAIL_OFF
        return MAIL_PENDING if (emails.get(o.recipient_id) or "").strip() else MAIL_NO_ADDRESS

    rows = [
        {
            "kind": o.kind,
            "subject_type": o.subject_type,
            "subject_id": o.subject_id,
            "deadline": o.deadline,
            "occurrence": o.occurrence,
            "recipient_id": o.recipient_id,
            "agency_id": o.agency_id,
            "case_type": o.case_type,
            "case_id": o.case_id,
            "run_on": today,
            "created_at": ts,
            "mail_status": mail_status(o),
            "mail_attempts": 0,
        }
        for o in by_key.values()
    ]
    recorded = _recorded_keys(list(by_key))
    rows = [r for r in rows if tuple(r[c] for c in KEY_COLUMNS) not in recorded]
    # one INSERT for all (rows as one JSON parameter); ON CONFLICT stays for a parallel run that
    # recorded the same key in the meantime
    inserted = bulk.insert_rows(Reminder.__table__, rows, conflict=KEY_COLUMNS, returning=("id", *KEY_COLUMNS))
    links = Links()
    notes = []
    for row in inserted:
        o = by_key[tuple(row[1:])]
        notes.append(
            {
                "agency_id": o.agency_id,
                "user_id": o.recipient_id,
                "reminder_id": row[0],
                "kind": o.kind,
                "text": o.text,
                "link": links.path(o.case_type, o.case_id),
                "created_at": ts,
            }
        )
    bulk.insert_rows(Notification.__table__, notes)
    return Counter(by_key[tuple(row[1:])].kind for row in inserted)


def _claimable(ts: datetime):
    return or_(
        Reminder.mail_status == MAIL_PENDING,
        and_(Reminder.mail_status == MAIL_SENDING, Reminder.claimed_at < ts - CLAIM_TIMEOUT),
    )


def _set_status(ids: list[int], condition, **values) -> None:
    for chunk in _chunks(ids):
        db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(chunk), condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _claim(owed: list[Owed], token: str, ts: datetime) -> tuple[list, int]:
    """Claim the mails still owed; mark the ones whose situation changed. Returns (claimed rows, stale count)."""
    current: dict[tuple, int] = {}
    for o in owed:
        current[o.situation] = max(current.get(o.situation, -1), o.occurrence)
    claimable = _claimable(ts)
    valid, stale, superseded = [], [], []
    for r in db.session.execute(
        select(
            Reminder.id,
            Reminder.kind,
            Reminder.subject_type,
            Reminder.subject_id,
            Reminder.deadline,
            Reminder.recipient_id,
            Reminder.occurrence,
        ).where(claimable)
    ):
        latest = current.get((r.kind, r.subject_type, r.subject_id, r.deadline, r.recipient_id))
        if latest is None:
            stale.append(r.id)
        elif r.occurrence < latest:
            superseded.append(r.id)
        else:
            valid.append(r.id)
    _set_status(stale, claimable, mail_status=MAIL_STALE, claim_token=None)
    _set_status(superseded, claimable, mail_status=MAIL_SUPERSEDED, claim_token=None)
    # The condition is re-checked by the UPDATE itself, so two runs can never claim the same row.
    _set_status(valid, claimable, mail_status=MAIL_SENDING, claim_token=token, claimed_at=ts)
    claimed = db.session.execute(
        select(
            Reminder.id,
            Reminder.kind,
            Reminder.recipient_id,
            Notification.text,
            Notification.link,
            User.display_name,
            User.email,
        )
        .join(Notification, Notification.reminder_id == Reminder.id)
        .join(User, User.id == Reminder.recipient_id)
        .where(Reminder.claim_token == token)
        .order_by(Reminder.recipient_id, Reminder.deadline, Reminder.id)
    ).all()
    return claimed, len(stale)


def _deliver(claimed: list, settings: mail.MailSettings | None, today: date, token: str, result: RunResult) -> None:
    """Send the digests of the claimed reminders and record, per reminder, what the server accepted."""
    digests, no_address = mail.digests(claimed, (current_app.config.get("BASE_URL") or "").rstrip("/"))
    mine = Reminder.claim_token == token
    _set_status(no_address, mine, mail_status=MAIL_NO_ADDRESS, claim_token=None)
    if not digests or settings is None:
        return
    try:
        outcome = mail.send(settings, [(d.recipient_id, mail.compose(d, today, settings.sender)) for d in digests])
    except Exception as e:  # never leave claimed mails hanging on an unexpected error
        current_app.logger.exception("reminder mail failed")
        outcome = {d.recipient_id: f"发送时出错（{e}）" for d in digests}
    finished = utcnow()
    ids_of: dict[int, list[int]] = defaultdict(list)
    kind_of: dict[int, str] = {}
    for r in claimed:
        ids_of[r.recipient_id].append(r.id)
        kind_of[r.id] = r.kind
    for d in digests:
        ids = ids_of[d.recipient_id]
        error = outcome.get(d.recipient_id, "邮件服务器未返回结果")
        if error is None:
            _set_status(
                ids,
                mine,
                mail_status=MAIL_SENT,
                mailed_at=finished,
                mail_error=None,
                claim_token=None,
                mail_attempts=Reminder.mail_attempts + 1,
            )
            result.mails_sent += 1
            result.sent.update(kind_of[i] for i in ids)
        else:
            _set_status(
                ids,
                mine,
                mail_status=MAIL_PENDING,
                mail_error=error[:1000],
                claim_token=None,
                mail_attempts=Reminder.mail_attempts + 1,
            )
            result.mails_failed += 1
            if error not in result.errors:
                result.errors.append(error)


def run(now: datetime | None = None) -> RunResult:
    """One scan as of ``now`` (aware; default: this instant). Safe to run again and in parallel."""
    now = now or utcnow()
    today = today_cn(now)
    result = RunResult(as_of=now, today=today)
    cal = current_calendar()
    if not cal.is_workday(today):
        result.skipped = f"{today.isoformat()}不是工作日，不发送提醒。"
        return result
    cfg = current_app.config
    settings = mail.MailSettings.from_config(cfg)
    token = uuid.uuid4().hex
    started = utcnow()
    with unit_of_work():
        if not _take_lock():
            result.skipped = "另一个提醒任务正在运行（已持有数据库锁），本次跳过。"
            return result
        run_row = ReminderRun(started_at=started, as_of=now, run_on=today, created={}, sent={})
        db.session.add(run_row)
        db.session.flush()
        owed = owed_at(now, cal, _policy())
        result.created = _record(owed, today, settings is not None, started)
        claimed, result.stale = _claim(owed, token, started) if settings is not None else ([], 0)
        run_row.created = dict(result.created)
        if result.created:
            audit.log("reminders.created", run_row, None, {"run_on": today, "created": dict(result.created)})
        result.run_id = run_row.id

    _deliver(claimed, settings, today, token, result)
    # Handoff notifications owed to other channels (mail) go out with the same run.
    from ..notify import channels

    for channel in channels.CHANNELS:
        flushed = channel.flush(cfg, today, (cfg.get("BASE_URL") or "").rstrip("/"))
        result.mails_sent += flushed.messages
        result.mails_failed += flushed.failed
        result.handoffs_sent += flushed.sent
    with unit_of_work():
        run_row = db.session.get(ReminderRun, result.run_id)
        run_row.finished_at = utcnow()
        run_row.sent = dict(result.sent)
        run_row.mails_sent, run_row.mails_failed = result.mails_sent, result.mails_failed
        run_row.error = "；".join(result.errors)[:2000] or None
    if not _is_postgres():
        # SQLite keeps no statistics by itself: refresh those of tables that grew (a no-op otherwise),
        # so that its planner keeps choosing the search's and the lists' indexes (issue 15)
        # Best effort: another process writing at this moment (a second scheduler, a user) holds the
        # lock; the statistics are then refreshed by the next run, the reminders are already committed.
        try:
            with unit_of_work():
                db.session.execute(text("PRAGMA optimize"))
        except OperationalError:
            pass  # rolled back by the unit of work
    return result


# --- the notification centre ---------------------------------------------------------------------


def _mine(user):
    return select(Notification).where(Notification.user_id == user.id)


UNREAD_CAP = 99  # the badge says 99+ beyond this: the count never reads more rows than that


def unread_count(user, cap: int = UNREAD_CAP) -> int:
    """The user's unread notifications, counted up to cap + 1 (one bounded index range)."""
    first = (
        select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(cap + 1)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(first)) or 0


def unread_label(user, cap: int = UNREAD_CAP) -> str:
    """The badge text: '' for none, the number, or '99+'."""
    n = unread_count(user, cap)
    return "" if not n else (f"{cap}+" if n > cap else str(n))


def notifications_for(user, args, *, unread_only: bool = False, per_page: int = 50):
    """A page of the user's own notifications, newest first (tracker.paging: capped count, keyset)."""
    from ..lists import MAX_PAGE
    from ..paging import Key, paginate

    q = _mine(user)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    return paginate(db.session, q, [Key(Notification.id, desc=True)], args, per_page, max_page=MAX_PAGE)


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; anybody else's is NotFound, as if it did not exist."""
    note = (
        db.session.scalars(_mine(user).where(Notification.id == notification_id)).first()
        if is_id(notification_id)
        else None
    )
    if note is None:
        raise NotFound("通知不存在。")
    if note.read_at is None:
        with unit_of_work():
            note.read_at = utcnow()
            audit.log("notification.read", note, user, {"count": 1})
    return note


def mark_all_read(user) -> int:
    """Mark all the user's unread notifications read in one UPDATE; returns how many."""
    with unit_of_work():
        n = db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if n:
            audit.record(
                "notification.read", subject_type="notification", subject_id=None, actor=user, data={"count": n}
            )
    return n
