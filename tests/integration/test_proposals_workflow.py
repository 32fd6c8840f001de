"""The item page offers exactly what the services accept, for every role and every state.

For each role of tracker.accounts.roles (a new role included, unchanged) — agency-wide roles once, section
roles in the lead section, in a co-handling section and in an unrelated one — and for items in every state
an action depends on, the page's offer is compared with what each service does when called as the page's
form would call it, with good data:

- an action offered as a form (``data-action``) is accepted by its service;
- an action shown disabled (``data-action-refused``) is refused by its service with the very reason shown;
- an action not shown at all is refused by its service as not the user's to take (PermissionDenied).

A probe writes nothing: the unit of work's commit becomes a flush, and each probe is rolled back.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.accounts import roles
from tracker.accounts.models import Section
from tracker.attachments import Upload
from tracker.errors import PermissionDenied, ServiceError
from tracker.extensions import db
from tracker.proposals import services as svc
from tracker.proposals import workflow
from tracker.proposals.models import Proposal
from tracker.rules.clock import today_cn

from .proposal_helpers import UserClient

# One refusal is on the form's data, not the action: before the round's contact with the deputy the reply
# form is offered with the warning that the contact comes first (its reply date is checked against the
# contacts). The page must show that warning in the form; the service's message says the same.
ON_THE_FORM = {"reply": ("答复前须先与", "须先沟通并登记，才能登记答复")}
OFFERED = re.compile(r'data-action="(\w+)"')
REFUSED = re.compile(r'data-action-refused="(\w+)">[^<]*</button>\s*<span[^>]*>([^<]*)</span>')


@pytest.fixture()
def people(agency, fast_user):
    a, b, c = (Section(agency_id=agency.id, name=n) for n in ("投资科", "价格科", "能源科"))
    db.session.add_all([a, b, c])
    db.session.commit()
    users = {}
    for role in roles.ROLES:
        if role in roles.SECTION_BOUND:
            for where, section in (("lead", a), ("co", b), ("other", c)):
                users[f"{role}@{where}"] = fast_user(role, section=section)
        else:
            users[role] = fast_user(role)
    return {"users": users, "A": a, "B": b}


def _items(people) -> dict[str, Proposal]:
    """One item per state that changes what may be done: lead section A, co-handling section B."""
    t = today_cn()
    u = people["users"]
    office, leader = u[roles.OFFICE], u[roles.LEADER]
    lead, co = u[f"{roles.STAFF}@lead"], u[f"{roles.STAFF}@co"]

    def new(number: str, assigned, contact=True):
        data = {
            "kind": "npc",
            "session": "区十九届人大三次会议",
            "number": number,
            "title": f"第{number}号建议",
            "lead_author": "张代表",
            "assigned_on": assigned,
            "lead_section_id": people["A"].id,
            "assist_section_ids": [people["B"].id],
        }
        p = svc.register_proposal(office, data, today=assigned)
        if contact:
            svc.record_contact(lead, p, {"form": "phone", "contacted_on": assigned}, version=p.version, today=t)
        return p

    def opinion(p):
        svc.submit_opinion(co, p, {"opinion": "同意", "opinion_on": t}, version=p.version, today=t)

    def extend(p, months, approve=False):
        ext = svc.request_extension(lead, p, {"to_months": months, "reason": "需协调"}, version=p.version, today=t)
        if approve:
            svc.decide_extension(leader, p, ext.id, {"decision": "approve"}, version=p.version, today=t)

    def reply(p):
        svc.reply(lead, p, {"result_class": "B", "reply_date": t}, version=p.version, today=t)

    def feedback(p, satisfaction):
        svc.record_feedback(office, p, {"satisfaction": satisfaction, "feedback_on": t}, version=p.version, today=t)

    items = {"fresh": new("1", t - timedelta(days=10), contact=False)}
    items["assigned"] = new("2", t - timedelta(days=10))
    p = items["pending_extension"] = new("3", t - timedelta(days=10))
    opinion(p), extend(p, 5)
    p = items["at_maximum"] = new("4", t - timedelta(days=10))
    extend(p, 6, approve=True)
    items["overdue"] = new("5", t - timedelta(days=130))
    p = items["replied"] = new("6", t - timedelta(days=10))
    reply(p)
    p = items["rehandling"] = new("7", t - timedelta(days=10))
    opinion(p), reply(p), feedback(p, "unsatisfied")
    svc.record_contact(lead, p, {"form": "meeting", "contacted_on": t}, version=p.version, today=t)
    p = items["closed"] = new("8", t - timedelta(days=10))
    reply(p), feedback(p, "satisfied")
    assert {k: v.status for k, v in items.items()} == {
        "fresh": "assigned",
        "assigned": "assigned",
        "pending_extension": "assigned",
        "at_maximum": "assigned",
        "overdue": "assigned",
        "replied": "replied",
        "rehandling": "rehandling",
        "closed": "closed",
    }
    return items


def _probe(actor, p, action_id: str, section_b: int):
    """Call the action's service as the page's form would, with good data."""
    t = today_cn()
    v = p.version
    if action_id == "edit":
        data = {
            "kind": p.kind,
            "session": p.session,
            "number": p.number,
            "title": p.title + "（更正）",
            "lead_author": p.lead_author,
            "assigned_on": p.assigned_on,
            "lead_section_id": p.lead_section_id,
            "assist_section_ids": [c.section_id for c in p.cohandlers],
        }
        return svc.edit_registration(actor, p, data, version=v, reason="更正标题")
    if action_id == "contact":
        return svc.record_contact(actor, p, {"form": "phone", "contacted_on": t}, version=v)
    if action_id == "opinion":
        return svc.submit_opinion(actor, p, {"opinion": "同意", "opinion_on": t, "section_id": section_b}, version=v)
    if action_id == "reply":
        return svc.reply(actor, p, {"result_class": "A", "reply_date": t}, version=v)
    if action_id == "publish":
        return svc.set_publication(actor, p, {"published": True, "published_on": t}, version=v)
    if action_id == "feedback":
        return svc.record_feedback(actor, p, {"satisfaction": "satisfied", "feedback_on": t}, version=v)
    if action_id == "extension":
        return svc.request_extension(actor, p, {"to_months": 6, "reason": "涉及多个部门"}, version=v)
    if action_id == "decide":
        ext = p.pending_extension
        return svc.decide_extension(actor, p, ext.id if ext else 0, {"decision": "approve"}, version=v)
    if action_id == "attach":
        return svc.add_attachment(actor, p, Upload("材料.pdf", b"%PDF-1.4 x", "application/pdf"), version=v)
    raise AssertionError(f"no probe for {action_id}: add one for the new action")


def _outcome(actor, proposal_id: int, action_id: str, section_b: int, monkeypatch) -> tuple[str, str]:
    """("accepted", "") | ("refused", message) | ("denied", message), writing nothing."""
    p = db.session.get(Proposal, proposal_id)
    with monkeypatch.context() as m:
        m.setattr(db.session, "commit", db.session.flush)
        try:
            _probe(actor, p, action_id, section_b)
            result = ("accepted", "")
        except PermissionDenied as e:
            result = ("denied", e.message)
        except ServiceError as e:
            result = ("refused", e.message)
        finally:
            db.session.rollback()
    return result


def test_the_page_offers_exactly_what_the_services_accept(app, people, monkeypatch):
    items = _items(people)
    ids = {name: p.id for name, p in items.items()}
    section_b = people["B"].id
    mismatches: list[str] = []
    seen = {"accepted": set(), "refused": set(), "denied": set()}
    for who, user in people["users"].items():
        client = UserClient(app, user)
        for state, pid in ids.items():
            resp = client.get(f"/proposals/{pid}")
            if resp.status_code == 404:  # the item is not the user's to see: nothing offered
                offered, refused = set(), {}
            else:
                page = resp.get_data(as_text=True)
                offered = set(OFFERED.findall(page))
                refused = {a: html.unescape(why) for a, why in REFUSED.findall(page)}
            for action_id in workflow.ACTION_IDS:
                outcome, message = _outcome(user, pid, action_id, section_b, monkeypatch)
                seen[outcome].add(action_id)
                where = f"{who} / {state} / {action_id}"
                if action_id in offered:
                    warned = ON_THE_FORM.get(action_id)
                    if outcome == "refused" and warned and message.startswith(warned[0]) and warned[1] in page:
                        continue
                    if outcome != "accepted":
                        mismatches.append(f"{where}: offered, but the service refused: {message}")
                elif action_id in refused:
                    if outcome != "refused" or message != refused[action_id]:
                        mismatches.append(
                            f"{where}: shown refused “{refused[action_id]}”, service: {outcome} {message}"
                        )
                elif outcome != "denied":
                    mismatches.append(f"{where}: not shown, but the service answered {outcome} {message}")
    assert not mismatches, "\n".join(mismatches[:40])
    # the world reaches every answer of every action, so the comparison above is not vacuous
    assert seen["accepted"] == seen["denied"] == set(workflow.ACTION_IDS)
    assert seen["refused"] >= {"decide", "opinion", "contact", "reply", "feedback", "publish", "extension"}


def test_nothing_was_written_by_the_probes(app, people, monkeypatch):
    items = _items(people)
    before = {p.id: (p.version, p.status) for p in db.session.scalars(select(Proposal))}
    office = people["users"][roles.OFFICE]
    for action_id in workflow.ACTION_IDS:
        _outcome(office, items["assigned"].id, action_id, people["B"].id, monkeypatch)
    db.session.expire_all()
    assert {p.id: (p.version, p.status) for p in db.session.scalars(select(Proposal))} == before


def test_every_refusal_reason_is_the_one_the_page_shows(app, people):
    """The page's reasons come from workflow.offer, the same table check() raises from."""
    items = _items(people)
    leader = people["users"][roles.LEADER]
    offer = workflow.offer(leader, items["assigned"])
    assert dict((a.id, why) for a, why in offer.refused) == {"decide": "没有等待审批的延期申请（可能已被审批）。"}
    offer = workflow.offer(people["users"][f"{roles.STAFF}@lead"], items["at_maximum"])
    assert "extension" not in offer.allowed
    assert "最长为交办后6个月" in dict((a.id, why) for a, why in offer.refused)["extension"]
