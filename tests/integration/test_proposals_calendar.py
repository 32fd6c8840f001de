"""A calendar change recomputes the deadlines of open NPC/CPPCC items, with an event on each changed item."""

from datetime import date as D

from tracker.audit import timeline
from tracker.extensions import db
from tracker.proposals import services as svc
from tracker.proposals.models import Proposal
from tracker.workcal import service as calendar_service


def test_entering_a_year_recomputes_open_items_only(make_section, make_user):
    lead, co = make_section("投资科"), make_section("价格科")
    office, staff, admin = make_user("office"), make_user("staff", section=lead), make_user("platform_admin")
    base = {
        "kind": "cppcc",
        "session": "区政协十五届五次会议",
        "title": "关于优化营商环境的提案",
        "lead_author": "刘委员",
        "lead_section_id": lead.id,
        "assist_section_ids": [co.id],
    }
    # 2026-12-01 + 3 months = 2027-03-01 (Monday): 2027 has no confirmed arrangement yet.
    open_item = svc.register_proposal(
        office, {**base, "number": "1", "assigned_on": D(2026, 12, 1)}, today=D(2026, 12, 1)
    )
    assert open_item.due_date == D(2027, 3, 1) and open_item.due_provisional
    # Co-handler opinion: 2027-01-01 is 元旦 in the statutory estimate -> Monday 2027-01-04.
    assert open_item.cohandlers[0].opinion_due == D(2027, 1, 4)
    assert open_item.cohandlers[0].opinion_due_provisional

    replied = svc.register_proposal(
        office, {**base, "number": "2", "assigned_on": D(2026, 12, 1)}, today=D(2026, 12, 1)
    )
    svc.record_contact(
        staff, replied, {"form": "phone", "contacted_on": D(2026, 12, 2)}, version=replied.version, today=D(2026, 12, 2)
    )
    svc.reply(
        staff,
        replied,
        {"result_class": "A", "reply_date": D(2026, 12, 3)},
        version=replied.version,
        today=D(2026, 12, 3),
    )
    open_id, replied_id = open_item.id, replied.id

    # The (fictional) arrangement makes 2027-03-01 a day off and leaves 2027-01-01 a working day.
    result = calendar_service.apply_year(2027, [(D(2027, 3, 1), False, "测试放假")], actor=admin, source="测试通知")
    assert result.recomputed["proposals_changed"] == 1

    db.session.expire_all()
    p = db.session.get(Proposal, open_id)
    assert p.due_date == D(2027, 3, 2) and not p.due_provisional
    assert p.cohandlers[0].opinion_due == D(2027, 1, 1) and not p.cohandlers[0].opinion_due_provisional
    ev = timeline("proposal", open_id)[-1]
    assert ev.kind == "proposal.deadline_recomputed" and ev.actor_id == admin.id
    assert ev.data["due_date"] == ["2027-03-01", "2027-03-02"]
    assert ev.data["opinion_due:价格科"] == ["2027-01-04", "2027-01-01"]
    assert "2027年放假安排" in ev.note
    # The replied item keeps the deadline its reply was measured against, and gets no event.
    r = db.session.get(Proposal, replied_id)
    assert r.due_date == D(2027, 3, 1)
    assert timeline("proposal", replied_id)[-1].kind == "proposal.replied"

    # Entering the same arrangement again changes nothing and writes no event.
    n = len(timeline("proposal", open_id))
    again = calendar_service.apply_year(2027, [(D(2027, 3, 1), False, "测试放假")], actor=admin)
    assert again.recomputed["proposals_changed"] == 0
    assert len(timeline("proposal", open_id)) == n


def test_rehandling_deadline_is_recomputed_too(make_section, make_user):
    lead = make_section("投资科")
    office, staff, admin = make_user("office"), make_user("staff", section=lead), make_user("platform_admin")
    p = svc.register_proposal(
        office,
        {
            "kind": "npc",
            "session": "区十九届人大三次会议",
            "number": "9",
            "title": "关于增设公交线路的建议",
            "lead_author": "陈代表",
            "assigned_on": D(2026, 9, 1),
            "lead_section_id": lead.id,
        },
        today=D(2026, 9, 1),
    )
    svc.record_contact(
        staff, p, {"form": "meeting", "contacted_on": D(2026, 9, 2)}, version=p.version, today=D(2026, 9, 2)
    )
    svc.reply(staff, p, {"result_class": "C", "reply_date": D(2026, 11, 20)}, version=p.version, today=D(2026, 11, 20))
    # 不满意 on 2026-12-01: one month later is 2027-01-01 (元旦, estimated) -> 2027-01-04.
    svc.record_feedback(
        office,
        p,
        {"satisfaction": "unsatisfied", "feedback_on": D(2026, 12, 1)},
        version=p.version,
        today=D(2026, 12, 1),
    )
    assert p.status == "rehandling" and p.due_date == D(2027, 1, 4) and p.due_provisional
    pid = p.id
    calendar_service.apply_year(2027, [(D(2027, 3, 1), False, "测试放假")], actor=admin)
    db.session.expire_all()
    p = db.session.get(Proposal, pid)
    assert p.due_date == D(2027, 1, 1) and not p.due_provisional
