"""The demo's cases are driven through the real services to a realistic spread of states and outcomes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from tracker.accounts.models import Section
from tracker.disclosure.demo import advance_demo_cases
from tracker.disclosure.intake import register_request
from tracker.disclosure.models import ClockAction, DisclosureRequest, Review
from tracker.extensions import db
from tracker.rules import outcomes

from .workflow_fixtures import intake

TODAY = date(2026, 11, 25)


def test_demo_cases_reach_realistic_conclusions(agency, fast_user):
    sections = {}
    for name in ["办公室", "规划科", "投资科", "价格科", "能源科"]:
        sections[name] = Section(agency_id=agency.id, name=name)
        db.session.add(sections[name])
    db.session.commit()
    users = {
        "demo_office": fast_user("office"),
        "demo_leader": fast_user("leader"),
        "demo_head": fast_user("section_head", section=sections["投资科"]),
        "demo_staff": fast_user("staff", section=sections["投资科"]),
        "demo_staff2": fast_user("staff", section=sections["价格科"]),
    }
    day = date(2025, 9, 1)
    while day <= TODAY - timedelta(days=2):
        register_request(users["demo_office"], intake(received_on=day, applicant_name=f"申请人{day}"), today=TODAY)
        day += timedelta(days=9)
    advance_demo_cases(random.Random(2026), agency, users, sections, today=TODAY)

    def count(*where):
        return db.session.scalar(select(func.count()).select_from(DisclosureRequest).where(*where))

    total = count()
    concluded = count(DisclosureRequest.status == "concluded")
    assert total - concluded >= 3  # recent ones stay open
    assert concluded >= total * 0.7
    codes = set(db.session.scalars(select(DisclosureRequest.outcome).where(DisclosureRequest.outcome.is_not(None))))
    assert len(codes) >= 6 and codes <= set(outcomes.CODES)
    assert count(DisclosureRequest.status == "concluded", DisclosureRequest.concluded_on.is_(None)) == 0
    assert count(DisclosureRequest.concluded_on < DisclosureRequest.received_on) == 0
    assert count(DisclosureRequest.concluded_on > TODAY) == 0
    assert count(
        DisclosureRequest.received_on >= TODAY - timedelta(days=20), DisclosureRequest.status == "concluded"
    ) < count(DisclosureRequest.received_on >= TODAY - timedelta(days=20))
    kinds = {(k, st) for k, st in db.session.execute(select(ClockAction.kind, ClockAction.state))}
    assert ("extension", "approved") in kinds and ("clarification", "closed") in kinds and ("fee", "closed") in kinds
    assert ("consult_third_party", "closed") in kinds
    assert count(DisclosureRequest.withdrawn.is_(True)) >= 1
    assert db.session.scalar(select(func.count()).select_from(Review)) >= 1


def test_every_field_of_the_demo_case_logs_has_a_chinese_label(agency, fast_user):
    """The case log names each changed field in Chinese: a field without a label showed its column name
    (internal_due on every assignment)."""
    import re

    from tracker.audit import Event
    from tracker.disclosure.action_views import event_rows

    test_demo_cases_reach_realistic_conclusions(agency, fast_user)
    events = db.session.scalars(select(Event).where(Event.subject_type == "request")).all()
    assert len(events) > 100
    shown = {label for e in events for label, _text in event_rows(e)}
    assert any(label.startswith("内部办理期限") for label in shown)
    raw = sorted(label for label in shown if re.fullmatch(r"[a-z_]+", label))
    assert raw == [], raw
