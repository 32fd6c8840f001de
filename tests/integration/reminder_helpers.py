"""Shared set-up for the reminder tests: a real SMTP server on localhost, a fixed clock, cases as rows.

The world is the workflow tests' (tests/integration/workflow_fixtures.py: office, leader, admin, heads and
staff of sections A and B) with an e-mail address for everyone. Test modules wrap smtp_server() and
with_addresses() in their own fixtures.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from datetime import date, datetime

from aiosmtpd.controller import Controller

from tracker.disclosure.clock import refresh
from tracker.disclosure.models import ClockAction, DisclosureRequest
from tracker.extensions import db
from tracker.proposals import clock as proposal_clock
from tracker.proposals.models import Proposal, ProposalCohandler
from tracker.reminders import service
from tracker.reminders.models import Notification, Reminder
from tracker.rules.clock import CHINA_TZ
from tracker.workcal.service import current_calendar

BASE_URL = "http://tracker.example.gov.cn"


def at(d: date, hh: int = 8, mm: int = 30) -> datetime:
    """A fixed moment, China time, on day d."""
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=CHINA_TZ)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepted, parsed."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()  # addresses answered with 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]

    def body(self, msg) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()

    def clear(self):
        with self.lock:
            self.messages.clear()


def smtp_server(app, monkeypatch):
    """A real SMTP server on a free localhost port; the app is configured to use it (a fixture body)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "tracker@example.gov.cn")
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    inbox.port = port
    yield inbox
    controller.stop()


def mail_down(app, monkeypatch) -> None:
    """Point the app at a localhost port nobody listens on."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())


def with_addresses(w):
    """The workflow world with an address for everyone."""
    for name in ("office", "leader", "admin", "head_a", "staff_a", "staff_a2", "head_b", "staff_b"):
        u = getattr(w, name)
        u.email = f"{name}@example.gov.cn"
    db.session.commit()
    return w


_seq = {"n": 0}


def make_case(
    w,
    received: date,
    *,
    section="a",
    handler="staff_a",
    status="in_progress",
    subject="某项目立项批复",
    actions: list[ClockAction] | None = None,
    pause_reason: str | None = None,
) -> DisclosureRequest:
    """A request as rows, its deadline computed by tracker.disclosure.clock.refresh."""
    _seq["n"] += 1
    n = _seq["n"]
    sec = {"a": w.sec_a, "b": w.sec_b, None: None}[section]
    req = DisclosureRequest(
        agency_id=w.office.agency_id,
        year=received.year,
        seq=n,
        number=f"依申〔{received.year}〕第{n:04d}号",
        applicant_type="natural_person",
        applicant_name="张三",
        channel="online",
        received_on=received,
        subject=subject,
        content="请公开。",
        status=status,
        pause_reason=pause_reason,
        section_id=sec.id if sec else None,
        handler_id=getattr(w, handler).id if handler else None,
    )
    for a in actions or []:
        req.clock_actions.append(a)
    db.session.add(req)
    refresh(req, current_calendar())
    db.session.commit()
    return req


def make_proposal(
    w,
    assigned: date,
    *,
    lead="a",
    handler=None,
    cohandlers=("b",),
    number="12",
    title="关于加快老旧小区改造的建议",
    kind="npc",
) -> Proposal:
    sec = {"a": w.sec_a, "b": w.sec_b}
    p = Proposal(
        agency_id=w.office.agency_id,
        kind=kind,
        session="区十九届人大三次会议",
        number=number,
        title=title,
        lead_author="张代表",
        assigned_on=assigned,
        lead_section_id=sec[lead].id,
        handler_id=getattr(w, handler).id if handler else None,
        status="assigned",
    )
    for c in cohandlers:
        p.cohandlers.append(ProposalCohandler(section_id=sec[c].id, mode="assist"))
    db.session.add(p)
    db.session.flush()
    db.session.refresh(p)
    proposal_clock.refresh(p, current_calendar())
    db.session.commit()
    return p


def run_at(d: date, hh: int = 8, mm: int = 30) -> service.RunResult:
    return service.run(at(d, hh, mm))


def reminders(**where) -> list[Reminder]:
    db.session.expire_all()
    q = db.select(Reminder).order_by(Reminder.id)
    for k, v in where.items():
        q = q.where(getattr(Reminder, k) == v)
    return list(db.session.scalars(q))


def notes_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def recipients(rows) -> set[int]:
    return {r.recipient_id for r in rows}
