"""Shared set-up for the workflow tests: one agency, two sections, one user per role and a registered case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tracker.accounts import roles
from tracker.accounts.models import Section, User
from tracker.audit import Event
from tracker.disclosure.intake import register_request
from tracker.disclosure.models import ClockAction, DisclosureRequest
from tracker.extensions import db

PASSWORD = "Test-pass-2026"
RECEIVED = date(2026, 3, 2)  # Monday; 20 working days later: 2026-03-30
TODAY = date(2026, 3, 10)


def intake(**over) -> dict:
    d = {
        "applicant_type": "natural_person",
        "applicant_name": "张三",
        "id_type": "none",
        "channel": "online",
        "received_on": RECEIVED,
        "subject": "某项目立项批复",
        "content": "请公开某项目的立项批复文件。",
        "tags": "项目立项",
        "address": "某市某路1号",
    }
    d.update(over)
    return d


@dataclass
class World:
    office: object
    leader: object
    admin: object
    head_a: object
    staff_a: object
    staff_a2: object
    head_b: object
    staff_b: object
    sec_a: object
    sec_b: object
    sec_c: object
    make: object = None  # fast_user, for a role the world has no user of

    def new_case(self, **over) -> DisclosureRequest:
        return register_request(self.office, intake(**over), today=over.get("received_on", RECEIVED))

    def of_role(self, role: str):
        """The world's user of ``role`` (of section A for a section role); a role added to
        tracker.accounts.roles later gets a new user, so sweeps over roles.ROLES cover it unchanged."""
        for user in (self.office, self.leader, self.admin, self.head_a, self.staff_a):
            if user.role == role:
                return user
        return self.make(role, section=self.sec_a if role in roles.SECTION_BOUND else None)


# A cheap hash: the default one costs ~0.1 s per user, and every test here needs eight users.
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


@pytest.fixture()
def fast_user(agency):
    """Like conftest's make_user (same password), without the slow password hash."""
    counter = {"n": 0}

    def make(role: str, section=None):
        counter["n"] += 1
        user = User(
            agency_id=agency.id,
            username=f"{role}_{counter['n']}",
            display_name=f"{role}用户{counter['n']}",
            password_hash=_HASH,
            role=role,
            section_id=section.id if section else None,
            active=True,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture()
def w(fast_user, agency):
    a, b, c = (Section(agency_id=agency.id, name=n) for n in ("规划科", "投资科", "价格科"))
    db.session.add_all([a, b, c])
    db.session.commit()
    return World(
        office=fast_user("office"),
        leader=fast_user("leader"),
        admin=fast_user("admin"),
        head_a=fast_user("section_head", section=a),
        staff_a=fast_user("staff", section=a),
        staff_a2=fast_user("staff", section=a),
        head_b=fast_user("section_head", section=b),
        staff_b=fast_user("staff", section=b),
        sec_a=a,
        sec_b=b,
        sec_c=c,
        make=fast_user,
    )


def snapshot(req: DisclosureRequest) -> tuple:
    """Everything an action could change: the case's columns, its events and clock actions."""
    db.session.expire_all()
    row = {c.name: getattr(req, c.name) for c in DisclosureRequest.__table__.columns}
    events = db.session.scalar(select(func.count()).select_from(Event).where(Event.subject_id == req.id))
    actions = db.session.execute(
        select(ClockAction.id, ClockAction.state, ClockAction.ended_on)
        .where(ClockAction.request_id == req.id)
        .order_by(ClockAction.id)
    ).all()
    cohandlers = [(c.section_id, c.opinion) for c in req.cohandlers]
    reviews = [(r.id, r.kind, r.filed_on, r.concluded_on, r.result) for r in req.reviews]
    return row, events, actions, cohandlers, reviews


def do(fn, user, req, today: date = TODAY, **kw):
    """Call a service with the case's current version, as a fresh form would."""
    return fn(user, req, version=req.version, today=today, **kw)


def kinds(req) -> list[str]:
    from tracker.audit import timeline

    return [e.kind for e in timeline("request", req.id)]


DETAIL_SAMPLES = {
    "proper_channel": "区信访局（某路1号）或12345政务服务便民热线",
    "procedure": "《不动产登记暂行条例》第二十七条的规定，向区不动产登记中心申请查询",
}


def reason(code: str) -> str:
    """A reason in words, as the answer letter needs it (a bare citation is refused)."""
    from tracker.rules import outcomes

    return f"经审查，本申请属于“{outcomes.outcome(code).short_label}”的情形，有关事实已核实"


def outcome_extras(w, req, code: str) -> dict:
    """What the answer form needs for `code` besides the outcome: the reason, the outcome's own fields, and
    for a 重复申请 an earlier answered request of the same applicant (created here)."""
    from tracker.disclosure import services as s
    from tracker.rules import outcomes

    o = outcomes.outcome(code)
    extra: dict = {}
    if o.needs_legal_ground:
        extra["legal_ground"] = reason(code)
    for f in outcomes.detail_fields(code):
        extra[f.id] = DETAIL_SAMPLES[f.id]
    if code == outcomes.REPEAT:
        earlier = w.new_case(
            applicant_name=req.applicant_name, subject=req.subject, content=req.content, received_on=req.received_on
        )
        do(
            s.conclude,
            w.office,
            earlier,
            outcome="disclosed",
            answer_date=req.received_on,
            delivery_method="email",
            delivered_on=req.received_on,
            today=req.received_on,
        )
        extra["repeat_of_id"] = earlier.id
    return extra
