"""Issue 13: for every role and every state of a request, the case page offers exactly what the services
would take. Each action the page links to passes its service's own start (permission, scope, state,
version, precondition: `services._start`, which every service calls first); each action it shows disabled
is refused there with the reason the page shows; every other action is refused there. The form's own
input is each service's to check and is tested with each service."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest

from tracker.accounts import roles
from tracker.disclosure import services as s
from tracker.disclosure import workflow
from tracker.disclosure.action_pages import PAGES
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.rules.clock import today_cn

from .test_workflow_pages import login_as

OFFERED = re.compile(r'href="/requests/\d+/act/([a-z_]+)"')


def _refused(page: str) -> dict[str, str]:
    found = {}
    for m in re.finditer(r'<span[^>]*data-refused="([a-z_]+)"[^>]*>', page):
        title = re.search(r'title="([^"]*)"', m.group(0))
        found[m.group(1)] = html_lib.unescape(title.group(1)) if title else ""
    return found


def _gate(user, req, action_id) -> tuple[str, str]:
    """What the service's start answers, nothing kept: ('accepted', ''), ('refused', why) or ('denied', why)."""
    try:
        s._start(user, req, action_id, req.version)
        return "accepted", ""
    except ServiceError as e:
        kind = "denied" if isinstance(e, s.PermissionDenied) else "refused"
        return kind, getattr(e, "errors", None) and next(iter(e.errors.values())) or e.message
    finally:
        db.session.rollback()


@pytest.fixture()
def cases(w):
    """A request in each state the panel can meet."""
    today = today_cn()
    out = {}
    out["registered"] = w.new_case(received_on=today, applicant_name="待分办")
    c = w.new_case(received_on=today, applicant_name="无承办人")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    out["no_handler"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="办理中")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.add_cohandler(w.office, c, version=c.version, section_id=w.sec_b.id, today=today)
    out["in_progress"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="补正中")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.clarify(w.staff_a, c, version=c.version, notice_on=today, items="请写明文号", today=today)
    out["clarification"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="补正后")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.clarify(w.staff_a, c, version=c.version, notice_on=today, items="请写明文号", today=today)
    s.clarification_received(w.staff_a, c, version=c.version, received_on=today, today=today)
    out["clarified_resumed"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="待延期审批")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.request_extension(w.staff_a, c, version=c.version, workdays=5, reason="调档", requested_on=today, today=today)
    out["extension_pending"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="待审核")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, c, version=c.version, today=today, outcome="disclosed")
    out["in_review"] = c
    c = w.new_case(received_on=today - timedelta(days=2), applicant_name="已审核")
    s.assign_section(w.office, c, version=c.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, c, version=c.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, c, version=c.version, today=today, outcome="disclosed")
    s.approve_draft(w.leader, c, version=c.version, today=today)
    out["approved"] = c
    c = w.new_case(received_on=today, applicant_name="已撤回")
    s.withdraw(w.office, c, version=c.version, withdrawn_on=today, today=today)
    out["concluded"] = c
    return out


def test_the_case_page_offers_exactly_what_the_services_accept(w, cases, client):
    users = {role: w.of_role(role) for role in roles.ROLES}
    users["staff@B"] = w.staff_b  # a co-handler's staff
    users["staff@A2"] = w.staff_a2  # the section's other staff: not the handler
    mismatches: list[str] = []
    seen = {"accepted": set(), "refused": set()}
    for who, user in users.items():
        login_as(client, user)
        for state, req in cases.items():
            resp = client.get(f"/requests/{req.id}")
            page = resp.get_data(as_text=True) if resp.status_code == 200 else ""
            offered = set(OFFERED.findall(page))
            refused = _refused(page)
            db.session.expire_all()
            for action_id in workflow.ACTION_IDS:
                if action_id not in PAGES:
                    continue
                outcome, why = _gate(user, req, action_id)
                where = f"{who} / {state} / {action_id}"
                if action_id in offered:
                    seen["accepted"].add(action_id)
                    if outcome != "accepted":
                        mismatches.append(f"{where}: offered, but the service's start refused: {why}")
                elif action_id in refused:
                    seen["refused"].add(action_id)
                    if outcome != "refused" or why != refused[action_id]:
                        mismatches.append(f"{where}: shown refused “{refused[action_id]}”, service: {outcome} {why}")
                elif outcome == "accepted" and action_id not in ("record_delivery",):
                    mismatches.append(f"{where}: not offered, but the service's start accepts it")
    assert not mismatches, "\n".join(mismatches[:40])
    # the world reaches both answers, so the comparison is not vacuous
    assert {"assign_section", "assign_handler", "submit_draft", "approve_draft", "conclude"} <= seen["accepted"]
    assert {"submit_draft", "clarification_lapsed", "request_extension", "clarify", "conclude"} <= seen["refused"]
