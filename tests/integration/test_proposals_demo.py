"""Demo items: two years, handled through the services, several replied, exactly one re-handled."""

import random
from datetime import date as D

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.proposals.demo import load_demo_proposals
from tracker.proposals.models import Proposal, ProposalExtension, ProposalReply


def demo_people(make_section, make_user):
    sections = {name: make_section(name) for name in ["办公室", "规划科", "投资科", "价格科", "能源科"]}
    users = {
        "demo_office": make_user("office"),
        "demo_leader": make_user("leader"),
        "demo_staff": make_user("staff", section=sections["投资科"]),
        "demo_staff2": make_user("staff", section=sections["价格科"]),
        "demo_head": make_user("section_head", section=sections["投资科"]),
    }
    return sections, users


def test_demo_items_over_two_years(agency, make_section, make_user):
    sections, users = demo_people(make_section, make_user)
    today = D(2026, 11, 25)
    n = load_demo_proposals(random.Random(7), agency, users, sections, today=today)
    assert n == 29 == db.session.scalar(select(func.count()).select_from(Proposal))
    # The three suggestions assigned in the autumn are still open; one waits for the leader's approval.
    assert db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.status == "assigned")) >= 3
    assert (
        db.session.scalar(
            select(func.count()).select_from(ProposalExtension).where(ProposalExtension.state == "requested")
        )
        == 1
    )
    sessions = set(db.session.scalars(select(Proposal.session)))
    assert sessions == {"区十九届人大二次会议", "区政协十五届二次会议", "区十九届人大三次会议", "区政协十五届三次会议"}
    replied = db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.reply_date.is_not(None)))
    assert replied >= 10
    assert db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.round == 2)) == 1
    assert db.session.scalar(select(func.count()).select_from(ProposalReply).where(ProposalReply.round == 2)) == 1
    assert db.session.scalar(select(func.max(ProposalReply.reply_date))) <= today


def test_demo_early_in_the_year_has_only_last_years_items(agency, make_section, make_user):
    sections, users = demo_people(make_section, make_user)
    n = load_demo_proposals(random.Random(1), agency, users, sections, today=D(2026, 2, 10))
    assert n == 13
    assert db.session.scalar(select(func.max(Proposal.assigned_on))) < D(2026, 1, 1)
