"""The handling services of NPC suggestions / CPPCC proposals: lifecycle, preconditions, locking, events."""

from datetime import date as D

import pytest
from sqlalchemy import func, select

from tracker.attachments import Attachment
from tracker.audit import Event, timeline
from tracker.errors import ConflictError, PermissionDenied, ServiceError
from tracker.extensions import db
from tracker.proposals import services as svc
from tracker.proposals.models import Proposal, ProposalContact, ProposalReply


@pytest.fixture()
def org(make_section, make_user):
    lead, co, other = make_section("投资科"), make_section("价格科"), make_section("能源科")
    return {
        "lead": lead,
        "co": co,
        "other": other,
        "office": make_user("office"),
        "leader": make_user("leader"),
        "admin": make_user("admin"),
        "staff": make_user("staff", section=lead),
        "head": make_user("section_head", section=lead),
        "co_staff": make_user("staff", section=co),
        "other_staff": make_user("staff", section=other),
    }


def reg_data(org, **over):
    data = {
        "kind": "npc",
        "session": "区十九届人大三次会议",
        "number": "第0012号",
        "title": "关于加快老旧小区改造的建议",
        "content": "建议加快……",
        "lead_author": "张代表",
        "cosigners": "李代表、王代表",
        "assigned_on": D(2026, 3, 2),
        "lead_section_id": org["lead"].id,
        "assist_section_ids": [org["co"].id],
        "joint_section_ids": [],
    }
    data.update(over)
    return data


def register(org, today=D(2026, 3, 5), **over):
    return svc.register_proposal(org["office"], reg_data(org, **over), today=today)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def kinds(p):
    return [e.kind for e in timeline("proposal", p.id)]


def test_register_stores_deadlines_and_event(org):
    p = register(org)
    assert p.status == "assigned" and p.round == 1
    # 2026-06-02 (Tue) is a working day: 3 calendar months after 2026-03-02.
    assert p.due_date == D(2026, 6, 2) and not p.due_provisional
    (c,) = p.cohandlers
    assert c.section_id == org["co"].id and c.mode == "assist"
    assert c.opinion_due == D(2026, 4, 2)
    ev = timeline("proposal", p.id)[0]
    assert ev.kind == "proposal.registered" and ev.actor_id == org["office"].id
    assert ev.data["due_date"] == "2026-06-02" and ev.data["cohandlers"] == ["价格科（协办）"]


def test_assigned_on_month_end_and_holiday_edges(org):
    # Nov 30 + 3 months: Feb has no 30th -> its last day; 2026-02-28 is a make-up working day (Saturday).
    p = register(org, today=D(2026, 3, 5), assigned_on=D(2025, 11, 30), number="1")
    assert p.due_date == D(2026, 2, 28)
    # 2023-11-30 -> 2024-02-29 (leap year, Thursday, working).
    p = register(org, today=D(2026, 3, 5), assigned_on=D(2023, 11, 30), number="2")
    assert p.due_date == D(2024, 2, 29)
    # 2025-07-01 -> 2025-10-01, National Day: holiday until 10-08, next working day 10-09.
    p = register(org, today=D(2026, 3, 5), assigned_on=D(2025, 7, 1), number="3")
    assert p.due_date == D(2025, 10, 9)
    # The co-handler's month: 2025-12-31 -> 2026-01-31 (Saturday, not a make-up day) -> 2026-02-02 (Mon).
    p = register(org, today=D(2026, 3, 5), assigned_on=D(2025, 12, 31), number="4")
    assert p.cohandlers[0].opinion_due == D(2026, 2, 2)


@pytest.mark.parametrize(
    "over,field,message",
    [
        ({"kind": "other"}, "kind", "请选择类型"),
        ({"title": "  "}, "title", "请填写标题"),
        ({"assigned_on": D(2026, 3, 6)}, "assigned_on", "晚于今天"),
        ({"assigned_on": None}, "assigned_on", "请填写交办日期"),
        ({"lead_section_id": None}, "lead_section_id", "主办科室"),
        ({"assist_section_ids": ["x"]}, "cohandlers", "无法识别"),
        ({"title": "长" * 301}, "title", "不能超过300个字"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(org, over, field, message):
    with pytest.raises(svc.ProposalInvalid) as e:
        register(org, **over)
    assert message in e.value.errors[field]
    assert count(Proposal) == 0
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.subject_type == "proposal")) == 0


def test_register_refuses_lead_as_cohandler_and_duplicates(org):
    with pytest.raises(svc.ProposalInvalid) as e:
        register(org, assist_section_ids=[org["lead"].id])
    assert "不能同时是协办" in e.value.errors["cohandlers"]
    with pytest.raises(svc.ProposalInvalid) as e:
        register(org, assist_section_ids=[org["co"].id], joint_section_ids=[org["co"].id])
    assert "既是协办又是会办" in e.value.errors["cohandlers"]
    register(org)
    with pytest.raises(svc.ProposalInvalid) as e:
        register(org)
    assert "已经登记过" in e.value.errors["number"]
    # The same number in another session or of the other kind is a different item.
    register(org, kind="cppcc")
    register(org, session="区十九届人大二次会议")
    assert count(Proposal) == 3


def test_only_office_and_admin_register(org):
    for who in ("staff", "head", "leader"):
        with pytest.raises(PermissionDenied):
            svc.register_proposal(org[who], reg_data(org), today=D(2026, 3, 5))
    assert count(Proposal) == 0


def contact(org, p, on=D(2026, 3, 10), who="staff", form="phone", today=None):
    return svc.record_contact(
        org[who],
        p,
        {"form": form, "contacted_on": on, "note": "电话沟通办理思路"},
        version=p.version,
        today=today or on,
    )


def do_reply(org, p, on=D(2026, 5, 20), who="staff", result="B", today=None, upload=None):
    return svc.reply(
        org[who],
        p,
        {"result_class": result, "reply_date": on, "summary": "已列入计划"},
        upload,
        version=p.version,
        today=today or on,
    )


def feedback(org, p, sat, on, who="office"):
    return svc.record_feedback(org[who], p, {"satisfaction": sat, "feedback_on": on}, version=p.version, today=on)


def test_full_lifecycle_with_rehandling_keeps_history(org):
    p = register(org)
    svc.submit_opinion(
        org["co_staff"],
        p,
        {"opinion": "同意主办意见，价格方面无异议", "opinion_on": D(2026, 3, 20)},
        version=p.version,
        today=D(2026, 3, 20),
    )
    contact(org, p)
    r1 = do_reply(org, p, upload=svc.Upload("答复.pdf", b"%PDF-1.4 reply", "application/pdf"))
    assert p.status == "replied" and p.reply_date == D(2026, 5, 20) and p.result_class == "B"
    assert r1.due_date == D(2026, 6, 2) and r1.on_time
    assert r1.document is not None and r1.document.subject_type == "proposal" and r1.document.kind == "reply"
    svc.set_publication(
        org["staff"],
        p,
        {"published": True, "published_on": D(2026, 5, 25), "publish_link": "https://www.example.gov.cn/jyta/12.html"},
        version=p.version,
        today=D(2026, 5, 26),
    )
    assert p.published and p.published_on == D(2026, 5, 25)

    status = feedback(org, p, "unsatisfied", D(2026, 6, 10))
    assert status == "rehandling" and p.round == 2 and p.satisfaction == "unsatisfied"
    # One month after the 不满意 feedback: 2026-07-10 (Friday).
    assert p.due_date == D(2026, 7, 10) and p.rehandling_from == D(2026, 6, 10)

    # Round 2 needs its own contact before the second reply.
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, p, on=D(2026, 7, 1), result="A")
    assert "答复前须先与代表沟通" in e.value.errors["reply_date"]
    contact(org, p, on=D(2026, 6, 15), form="meeting")
    r2 = do_reply(org, p, on=D(2026, 7, 1), result="A")
    assert r2.round == 2 and r2.due_date == D(2026, 7, 10)
    assert p.result_class == "A" and p.reply_date == D(2026, 7, 1) and p.satisfaction is None and not p.published
    assert feedback(org, p, "satisfied", D(2026, 7, 8)) == "closed"
    assert p.status == "closed" and p.satisfaction == "satisfied"

    replies = db.session.scalars(select(ProposalReply).order_by(ProposalReply.round)).all()
    assert [(r.round, r.result_class, r.satisfaction, r.published) for r in replies] == [
        (1, "B", "unsatisfied", True),
        (2, "A", "satisfied", False),
    ]
    assert [c.round for c in db.session.scalars(select(ProposalContact).order_by(ProposalContact.id))] == [1, 2]
    assert kinds(p) == [
        "proposal.registered",
        "proposal.opinion_submitted",
        "proposal.contact_recorded",
        "proposal.replied",
        "proposal.published",
        "proposal.feedback_recorded",
        "proposal.rehandling_started",
        "proposal.contact_recorded",
        "proposal.replied",
        "proposal.feedback_recorded",
    ]


def test_second_unsatisfied_closes_without_third_round(org):
    p = register(org)
    contact(org, p)
    do_reply(org, p)
    feedback(org, p, "unsatisfied", D(2026, 6, 1))
    contact(org, p, on=D(2026, 6, 2))
    do_reply(org, p, on=D(2026, 6, 20))
    assert feedback(org, p, "unsatisfied", D(2026, 6, 25)) == "closed"
    assert p.round == 2 and p.satisfaction == "unsatisfied"
    assert "不再重新办理" in timeline("proposal", p.id)[-1].data["final"]


def test_contact_must_precede_reply(org):
    p = register(org)
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, p)
    assert "答复前须先与代表沟通" in e.value.errors["reply_date"]
    contact(org, p, on=D(2026, 5, 22))
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, p, on=D(2026, 5, 20), today=D(2026, 5, 22))
    assert "晚于答复日期" in e.value.errors["reply_date"]
    assert count(ProposalReply) == 0 and p.status == "assigned"
    # A CPPCC item speaks of 委员.
    q = register(org, kind="cppcc")
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, q)
    assert "委员" in e.value.errors["reply_date"]


@pytest.mark.parametrize(
    "action,data,field,message",
    [
        ("contact", {"form": "fax", "contacted_on": D(2026, 3, 10)}, "form", "沟通方式"),
        ("contact", {"form": "phone", "contacted_on": D(2026, 3, 1)}, "contacted_on", "早于交办日期"),
        ("contact", {"form": "phone", "contacted_on": D(2026, 3, 11)}, "contacted_on", "晚于今天"),
        ("contact", {"form": "phone", "contacted_on": "2026-03-10"}, "contacted_on", "请填写沟通日期"),
    ],
)
def test_contact_bad_input(org, action, data, field, message):
    p = register(org)
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.record_contact(org["staff"], p, data, version=p.version, today=D(2026, 3, 10))
    assert message in e.value.errors[field]
    assert count(ProposalContact) == 0


def test_reply_publication_and_feedback_dates_in_order(org):
    p = register(org)
    contact(org, p)
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, p, result="E")
    assert "请选择答复类别" in e.value.errors["result_class"] and "A类（所提问题已经解决或基本解决）" in e.value.message
    do_reply(org, p)
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.set_publication(
            org["staff"],
            p,
            {"published": True, "published_on": D(2026, 5, 19)},
            version=p.version,
            today=D(2026, 5, 30),
        )
    assert "早于答复日期" in e.value.errors["published_on"]
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.set_publication(
            org["staff"],
            p,
            {"published": True, "published_on": D(2026, 5, 21), "publish_link": "www.example.gov.cn"},
            version=p.version,
            today=D(2026, 5, 30),
        )
    assert "http" in e.value.errors["publish_link"]
    with pytest.raises(svc.ProposalInvalid) as e:
        feedback(org, p, "satisfied", D(2026, 5, 19))
    assert "早于答复日期" in e.value.errors["feedback_on"]
    with pytest.raises(svc.ProposalInvalid) as e:
        feedback(org, p, "happy", D(2026, 5, 21))
    assert "满意" in e.value.errors["satisfaction"]
    assert p.status == "replied" and p.satisfaction is None and not p.published
    # Setting “not published” clears date and link; an unchanged setting writes no event.
    before = len(kinds(p))
    assert (
        svc.set_publication(
            org["staff"],
            p,
            {"published": False, "published_on": D(2026, 5, 21)},
            version=p.version,
            today=D(2026, 5, 30),
        )
        == {}
    )
    assert len(kinds(p)) == before


def test_state_preconditions(org):
    p = register(org)
    with pytest.raises(ServiceError, match="已答复、等待反馈"):
        feedback(org, p, "satisfied", D(2026, 3, 10))
    with pytest.raises(ServiceError, match="尚未答复"):
        svc.set_publication(
            org["staff"],
            p,
            {"published": True, "published_on": D(2026, 3, 10)},
            version=p.version,
            today=D(2026, 3, 10),
        )
    contact(org, p)
    do_reply(org, p)
    with pytest.raises(ServiceError, match="只有办理中的建议提案可以答复"):
        do_reply(org, p, on=D(2026, 5, 21))
    with pytest.raises(ServiceError, match="尚未答复"):
        svc.request_extension(
            org["staff"], p, {"to_months": 4, "reason": "复杂"}, version=p.version, today=D(2026, 5, 21)
        )
    feedback(org, p, "basically", D(2026, 5, 25))
    with pytest.raises(ServiceError, match="当前状态为“已办结”"):
        contact(org, p, on=D(2026, 5, 26))


def test_cohandler_opinion_rules(org):
    p = register(org)
    # Not a co-handler of this item: refused (the view gives 404 before, the service refuses anyway).
    with pytest.raises(PermissionDenied):
        svc.submit_opinion(
            org["other_staff"], p, {"opinion": "x", "opinion_on": D(2026, 3, 5)}, version=p.version, today=D(2026, 3, 5)
        )
    # Co-handlers read and give their opinion, nothing else.
    for action in (lambda: contact(org, p, who="co_staff"), lambda: do_reply(org, p, who="co_staff")):
        with pytest.raises(PermissionDenied):
            action()
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.submit_opinion(
            org["co_staff"], p, {"opinion": "", "opinion_on": D(2026, 3, 5)}, version=p.version, today=D(2026, 3, 5)
        )
    assert "请填写协办意见" in e.value.errors["opinion"]
    row = svc.submit_opinion(
        org["co_staff"], p, {"opinion": "无异议", "opinion_on": D(2026, 4, 8)}, version=p.version, today=D(2026, 4, 8)
    )
    assert row.opinion_on == D(2026, 4, 8) and row.opinion_by_id == org["co_staff"].id
    assert timeline("proposal", p.id)[-1].data["late"] is True  # due 2026-04-02
    with pytest.raises(ServiceError, match="不能重复提交"):
        svc.submit_opinion(
            org["co_staff"],
            p,
            {"opinion": "再补充", "opinion_on": D(2026, 4, 9)},
            version=p.version,
            today=D(2026, 4, 9),
        )
    # The office can record an opinion on a co-handler's behalf, naming the section.
    q = register(org, number="13", joint_section_ids=[org["other"].id])
    with pytest.raises(svc.ProposalInvalid):
        svc.submit_opinion(
            org["office"], q, {"opinion": "x", "opinion_on": D(2026, 3, 5)}, version=q.version, today=D(2026, 3, 5)
        )
    row = svc.submit_opinion(
        org["office"],
        q,
        {"section_id": org["other"].id, "opinion": "会办意见", "opinion_on": D(2026, 3, 5)},
        version=q.version,
        today=D(2026, 3, 5),
    )
    assert row.mode == "joint" and row.opinion == "会办意见"


def test_extension_request_and_leader_approval(org):
    p = register(org)
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.request_extension(
            org["staff"], p, {"to_months": 7, "reason": "涉及多个部门"}, version=p.version, today=D(2026, 5, 1)
        )
    assert "最长为交办后6个月" in e.value.errors["to_months"]
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.request_extension(org["staff"], p, {"to_months": 3, "reason": "x"}, version=p.version, today=D(2026, 5, 1))
    assert "应长于原期限" in e.value.errors["to_months"]
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.request_extension(org["staff"], p, {"to_months": 5, "reason": ""}, version=p.version, today=D(2026, 5, 1))
    assert "理由" in e.value.errors["reason"]
    with pytest.raises(ServiceError, match="届满"):
        svc.request_extension(
            org["staff"], p, {"to_months": 5, "reason": "复杂"}, version=p.version, today=D(2026, 6, 3)
        )
    ext = svc.request_extension(
        org["staff"], p, {"to_months": 5, "reason": "需协调资金"}, version=p.version, today=D(2026, 5, 1)
    )
    with pytest.raises(ServiceError, match="等待领导审批"):
        svc.request_extension(org["staff"], p, {"to_months": 6, "reason": "x"}, version=p.version, today=D(2026, 5, 1))
    for who in ("staff", "office", "admin"):
        with pytest.raises(PermissionDenied):
            svc.decide_extension(org[who], p, ext.id, {"decision": "approve"}, version=p.version, today=D(2026, 5, 2))
    assert p.due_date == D(2026, 6, 2)
    svc.decide_extension(
        org["leader"], p, ext.id, {"decision": "approve", "note": "同意"}, version=p.version, today=D(2026, 5, 2)
    )
    # 5 months after 2026-03-02: 2026-08-02 is a Sunday -> Monday 08-03.
    assert p.extended_months == 5 and p.due_date == D(2026, 8, 3) and ext.state == "approved"
    ev = timeline("proposal", p.id)[-1]
    assert ev.kind == "proposal.extension_approved" and ev.data["due_date"] == ["2026-06-02", "2026-08-03"]
    # A second extension up to the maximum of 6 months; a refusal needs a reason and moves nothing.
    ext2 = svc.request_extension(
        org["head"], p, {"to_months": 6, "reason": "仍需协调"}, version=p.version, today=D(2026, 7, 1)
    )
    with pytest.raises(svc.ProposalInvalid):
        svc.decide_extension(org["leader"], p, ext2.id, {"decision": "refuse"}, version=p.version, today=D(2026, 7, 2))
    svc.decide_extension(
        org["leader"], p, ext2.id, {"decision": "refuse", "note": "请按期办结"}, version=p.version, today=D(2026, 7, 2)
    )
    assert p.extended_months == 5 and p.due_date == D(2026, 8, 3) and ext2.state == "refused"
    ext3 = svc.request_extension(
        org["staff"], p, {"to_months": 6, "reason": "再次申请"}, version=p.version, today=D(2026, 7, 3)
    )
    svc.decide_extension(org["leader"], p, ext3.id, {"decision": "approve"}, version=p.version, today=D(2026, 7, 3))
    assert p.due_date == D(2026, 9, 2)
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.request_extension(org["staff"], p, {"to_months": 7, "reason": "x"}, version=p.version, today=D(2026, 7, 4))
    assert "最长为交办后6个月" in e.value.errors["to_months"]


def test_optimistic_lock(org):
    p = register(org)
    seen = p.version
    contact(org, p)
    assert p.version > seen
    with pytest.raises(ConflictError, match="已被他人修改"):
        svc.record_contact(
            org["staff"], p, {"form": "phone", "contacted_on": D(2026, 3, 10)}, version=seen, today=D(2026, 3, 10)
        )
    assert count(ProposalContact) == 1


def test_concurrent_change_in_database_is_refused(org, app):
    """Another session changes the row between load and write: StaleDataError becomes ConflictError."""
    p = register(org)
    pid, v = p.id, p.version
    with db.engine.begin() as conn:
        conn.execute(Proposal.__table__.update().where(Proposal.id == pid).values(version=v + 1))
    with pytest.raises(ConflictError, match="已被他人修改"):
        svc.record_contact(
            org["staff"], p, {"form": "phone", "contacted_on": D(2026, 3, 10)}, version=v, today=D(2026, 3, 10)
        )
    assert count(ProposalContact) == 0


def test_edit_registration(org):
    p = register(org)
    diff = svc.edit_registration(
        org["office"],
        p,
        reg_data(
            org,
            title="关于老旧小区加装电梯的建议",
            assigned_on=D(2026, 3, 3),
            assist_section_ids=[],
            joint_section_ids=[org["other"].id],
        ),
        version=p.version,
        reason="交办单日期录错",
        today=D(2026, 3, 5),
    )
    assert diff["title"][1] == "关于老旧小区加装电梯的建议"
    assert diff["cohandlers"] == [["价格科（协办）"], ["能源科（会办）"]]
    assert p.due_date == D(2026, 6, 3) and diff["due_date"] == [D(2026, 6, 2), D(2026, 6, 3)]
    assert [(c.section_id, c.mode, c.opinion_due) for c in p.cohandlers] == [(org["other"].id, "joint", D(2026, 4, 3))]
    ev = timeline("proposal", p.id)[-1]
    assert ev.kind == "proposal.edited" and ev.note == "交办单日期录错"
    with pytest.raises(PermissionDenied):
        svc.edit_registration(org["staff"], p, reg_data(org), version=p.version, today=D(2026, 3, 5))
    contact(org, p, on=D(2026, 3, 4), today=D(2026, 3, 5))
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.edit_registration(
            org["office"], p, reg_data(org, assigned_on=D(2026, 3, 5)), version=p.version, today=D(2026, 3, 5)
        )
    assert "不能晚于已登记的办理步骤日期" in e.value.errors["assigned_on"]


def test_result_labels_per_agency(org, agency):
    labels = {"A": "已解决", "B": "正在解决", "C": "以后解决", "D": "参考"}
    with pytest.raises(PermissionDenied):
        svc.set_result_labels(org["staff"], agency, labels)
    with pytest.raises(svc.ProposalInvalid) as e:
        svc.set_result_labels(org["office"], agency, {**labels, "D": "已解决"})
    assert "名称相同" in e.value.errors["D"]
    diff = svc.set_result_labels(org["office"], agency, labels)
    assert diff["A"] == ["所提问题已经解决或基本解决", "已解决"]
    db.session.expire_all()
    assert svc.result_labels_for(agency)["A"] == "已解决"
    p = register(org)
    contact(org, p)
    with pytest.raises(svc.ProposalInvalid) as e:
        do_reply(org, p, result="")
    assert "A类（已解决）" in e.value.message


def test_attachment_upload_checks(org):
    p = register(org)
    with pytest.raises(ServiceError, match="不支持的文件类型"):
        svc.add_attachment(org["staff"], p, svc.Upload("x.exe", b"MZ"), version=p.version)
    with pytest.raises(PermissionDenied):
        svc.add_attachment(org["co_staff"], p, svc.Upload("x.pdf", b"%PDF"), version=p.version)
    svc.add_attachment(org["staff"], p, svc.Upload("说明.pdf", b"%PDF-1.4"), "other", version=p.version)
    assert (
        db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.subject_type == "proposal"))
        == 1
    )
