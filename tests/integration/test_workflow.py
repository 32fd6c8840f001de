"""The handling workflow through its services: every transition, every refusal, every outcome."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from tracker.accounts import roles
from tracker.disclosure import services as s
from tracker.disclosure import workflow
from tracker.disclosure.reviews import record_review
from tracker.errors import ConflictError, PermissionDenied
from tracker.extensions import db
from tracker.rules import outcomes
from tracker.workcal.service import current_calendar

from .workflow_fixtures import TODAY, do, kinds, outcome_extras, reason, snapshot

ANSWER = {"answer_date": TODAY, "delivery_method": "email", "delivered_on": TODAY}


def assigned(w, req, section=None, handler=None):
    do(s.assign_section, w.office, req, section_id=(section or w.sec_a).id)
    do(
        s.assign_handler,
        w.head_a if section in (None, w.sec_a) else w.office,
        req,
        handler_id=(handler or w.staff_a).id,
    )
    return req


def ground(code: str) -> str:
    return reason(code)


# --- the normal path ------------------------------------------------------------------------------


def test_assignment_draft_review_and_answer(app_ctx, w):
    req = w.new_case()
    assert workflow.status_label(req) == "待分办"
    do(s.assign_section, w.office, req, section_id=w.sec_a.id, instruction="请规划科依法办理。——李局长")
    assert (req.status, req.section_id, req.leader_instruction) == (
        "in_progress",
        w.sec_a.id,
        "请规划科依法办理。——李局长",
    )
    do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id)
    assert req.handler_id == w.staff_a.id
    do(
        s.submit_draft,
        w.staff_a,
        req,
        outcome="partially_disclosed",
        legal_ground="涉及个人隐私的部分不予公开。",
        answer_summary="公开批复，遮盖个人信息。",
    )
    assert req.status == "in_review" and req.draft["outcome"] == "partially_disclosed"
    assert req.draft["letter_kind"] == "partial" and req.draft["approved"] is False
    do(s.approve_draft, w.leader, req, note="同意")
    assert req.status == "in_review" and req.draft["approved"] is True
    done = do(
        s.conclude, w.office, req, outcome="partially_disclosed", legal_ground="涉及个人隐私的部分不予公开。", **ANSWER
    )
    assert "部分公开" in done.message and done.warnings == []
    assert (req.status, req.outcome, req.concluded_on, req.delivery_method, req.letter_kind) == (
        "concluded",
        "partially_disclosed",
        TODAY,
        "email",
        "partial",
    )
    assert kinds(req) == [
        "request.registered",
        "request.assigned",
        "request.handler_assigned",
        "request.draft_submitted",
        "request.draft_approved",
        "request.concluded",
    ]


def test_returned_draft_goes_back_to_the_handler(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.submit_draft, w.staff_a, req, outcome="disclosed")
    with pytest.raises(s.Invalid, match="退回原因"):
        do(s.return_draft, w.office, req, reason=" ")
    do(s.return_draft, w.office, req, reason="请补充公开范围。")
    assert req.status == "in_progress" and req.draft["returned_reason"] == "请补充公开范围。"
    do(s.submit_draft, w.staff_a, req, outcome="disclosed")
    assert req.status == "in_review"


def test_conclude_from_review_needs_an_approved_draft(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.submit_draft, w.staff_a, req, outcome="disclosed")
    before = snapshot(req)
    with pytest.raises(s.Invalid, match="尚未审核通过"):
        do(s.conclude, w.office, req, outcome="disclosed", **ANSWER)
    assert snapshot(req) == before
    do(s.approve_draft, w.office, req)
    with pytest.raises(s.Invalid, match="已审核通过"):
        do(s.approve_draft, w.leader, req)


def test_office_may_answer_directly_from_registration(app_ctx, w):
    """E.g. a petition closed by the office at once, without a section."""
    req = w.new_case()
    do(
        s.conclude,
        w.office,
        req,
        outcome="not_processed.petition",
        **outcome_extras(w, req, "not_processed.petition"),
        **ANSWER,
    )
    assert req.outcome == "not_processed.petition" and req.section_id is None


def test_reassign_needs_reason_clears_handler_and_moves_access(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.add_cohandler, w.office, req, section_id=w.sec_b.id)
    with pytest.raises(s.Invalid) as e:
        do(s.reassign_section, w.office, req, section_id=w.sec_a.id, reason="")
    assert set(e.value.errors) == {"section_id", "reason"}
    do(s.reassign_section, w.office, req, section_id=w.sec_b.id, reason="属于投资科职责。")
    assert (req.section_id, req.handler_id) == (w.sec_b.id, None)
    assert req.cohandlers == []  # the new lead section no longer co-handles
    with pytest.raises(PermissionDenied):  # the old section lost the case
        do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id)
    with pytest.raises(s.Invalid, match="承办科室的工作人员"):  # handler must be in the section
        do(s.assign_handler, w.head_b, req, handler_id=w.staff_a.id)
    do(s.assign_handler, w.head_b, req, handler_id=w.staff_b.id)
    assert kinds(req)[-2:] == ["request.reassigned", "request.handler_assigned"]


def test_cohandler_reads_and_gives_opinion_but_cannot_act(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.add_cohandler, w.head_a, req, section_id=w.sec_b.id)
    with pytest.raises(s.Invalid, match="已是协办科室"):
        do(s.add_cohandler, w.office, req, section_id=w.sec_b.id)
    with pytest.raises(s.Invalid, match="承办科室"):
        do(s.add_cohandler, w.office, req, section_id=w.sec_a.id)
    do(s.submit_opinion, w.staff_b, req, opinion="建议公开，无涉密内容。")
    assert req.cohandlers[0].opinion == "建议公开，无涉密内容。" and req.cohandlers[0].opinion_by_id == w.staff_b.id
    for user, fn, kw in [
        (w.staff_b, s.submit_draft, {"outcome": "disclosed"}),
        (w.head_b, s.submit_draft, {"outcome": "disclosed"}),
        (w.head_b, s.assign_handler, {"handler_id": w.staff_b.id}),
        (w.head_b, s.add_cohandler, {"section_id": w.sec_c.id}),
        (w.staff_b, s.request_extension, {"workdays": 5, "reason": "x", "requested_on": TODAY}),
    ]:
        with pytest.raises(PermissionDenied, match="协办科室只能查看和提交协办意见"):
            do(fn, user, req, **kw)
    with pytest.raises(PermissionDenied):  # the lead section does not give a co-handler opinion
        do(s.submit_opinion, w.staff_a, req, opinion="x")


def test_staff_act_only_on_cases_they_handle(app_ctx, w):
    req = assigned(w, w.new_case())
    with pytest.raises(PermissionDenied, match="承办人或科室负责人"):
        do(s.submit_draft, w.staff_a2, req, outcome="disclosed")
    do(s.submit_draft, w.head_a, req, outcome="disclosed")  # the section head may


def test_submit_draft_needs_a_handler(app_ctx, w):
    req = w.new_case()
    do(s.assign_section, w.office, req, section_id=w.sec_a.id)
    with pytest.raises(s.Invalid, match="承办人"):
        do(s.submit_draft, w.head_a, req, outcome="disclosed")


def test_inactive_section_and_foreign_section_refused(app_ctx, w, make_section):
    from tracker.accounts.models import Agency
    from tracker.accounts.services import create_section

    req = w.new_case()
    w.sec_c.active = False
    db.session.commit()
    with pytest.raises(s.Invalid, match="已停用"):
        do(s.assign_section, w.office, req, section_id=w.sec_c.id)
    other = Agency(name="另一机关", settings={})
    db.session.add(other)
    db.session.commit()
    foreign = create_section("外机关科室", agency=other)
    with pytest.raises(s.Invalid, match="本机关"):
        do(s.assign_section, w.office, req, section_id=foreign.id)


# --- clarification -------------------------------------------------------------------------------


def test_clarification_pauses_and_corrected_request_restarts_the_period(app_ctx, w):
    req = assigned(w, w.new_case())
    cal = current_calendar()
    done = do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 5), items="请写明项目名称。")
    assert done.warnings == []
    assert (req.status, req.pause_reason, req.due_date) == ("paused", "clarification", None)
    assert workflow.status_label(req) == "暂停（补正中）"
    act = req.clock_actions[0]
    assert act.window_end == cal.add_workdays(date(2026, 3, 5), 15)
    do(s.clarification_received, w.staff_a, req, received_on=date(2026, 3, 9), today=date(2026, 3, 9))
    assert (req.status, req.pause_reason) == ("in_progress", None)
    assert req.due_date == cal.add_workdays(date(2026, 3, 9), 20) == date(2026, 4, 7)
    assert act.end_reason == "corrected"
    with pytest.raises(s.Invalid, match="只能发出一次"):
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 10), items="再次补正")


def test_clarification_from_registration_returns_to_registered(app_ctx, w):
    req = w.new_case()
    do(s.clarify, w.office, req, notice_on=date(2026, 3, 3), items="请写明文号。", period_workdays=10)
    assert req.clock_actions[0].window_end == current_calendar().add_workdays(date(2026, 3, 3), 10)
    do(s.clarification_received, w.office, req, received_on=date(2026, 3, 6))
    assert req.status == "registered"


def test_late_clarification_notice_is_recorded_with_a_warning(app_ctx, w):
    req = assigned(w, w.new_case())
    done = do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 12), items="请写明项目名称。", today=date(2026, 3, 12))
    assert done.warnings and "7个工作日" in done.warnings[0] and "2026年3月11日" in done.warnings[0]
    assert req.clock_actions[0].details["late_notice"] is True


def test_late_correction_needs_a_reason(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
    end = req.clock_actions[0].window_end
    late = end + timedelta(days=3)
    with pytest.raises(s.Invalid, match="正当理由"):
        do(s.clarification_received, w.staff_a, req, received_on=late, today=late)
    do(s.clarification_received, w.staff_a, req, received_on=late, today=late, note="申请人住院，提供了证明。")
    assert req.status == "in_progress"


def test_lapsed_clarification_concludes_no_correction_only_after_the_period(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
    end = req.clock_actions[0].window_end
    before = snapshot(req)
    with pytest.raises(s.Invalid, match="期限届满后"):
        do(s.clarification_lapsed, w.office, req, today=end, answer_date=end, delivery_method="post", delivered_on=end)
    assert snapshot(req) == before
    after = end + timedelta(days=1)
    while not current_calendar().is_workday(after):
        after += timedelta(days=1)
    with pytest.raises(PermissionDenied):  # staff may not conclude
        do(
            s.clarification_lapsed,
            w.staff_a,
            req,
            today=after,
            answer_date=after,
            delivery_method="post",
            delivered_on=after,
        )
    do(
        s.clarification_lapsed,
        w.office,
        req,
        today=after,
        answer_date=after,
        delivery_method="post",
        delivered_on=after,
    )
    assert (req.status, req.outcome, req.concluded_on) == ("concluded", "other.no_correction", after)
    assert req.clock_actions[0].end_reason == "lapsed" and req.clock_actions[0].ended_on == end


def test_still_unclear_after_correction(app_ctx, w):
    req = assigned(w, w.new_case())
    code = "unavailable.unclear_after_correction"
    with pytest.raises(s.Invalid, match="已收到补正材料"):
        do(s.conclude, w.office, req, outcome=code, legal_ground=ground(code), **ANSWER)
    do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
    do(s.clarification_received, w.staff_a, req, received_on=date(2026, 3, 6))
    do(s.conclude, w.office, req, outcome=code, legal_ground=ground(code), **ANSWER)
    assert req.outcome == code


# --- consultation -----------------------------------------------------------------------------------


def test_consultation_answer_moves_the_deadline(app_ctx, w):
    req = assigned(w, w.new_case())
    cal = current_calendar()
    do(
        s.consult,
        w.staff_a,
        req,
        kind="consult_third_party",
        party="某建设有限公司",
        sent_on=date(2026, 3, 5),
        served_on=date(2026, 3, 6),
        matter="是否同意公开投标文件",
    )
    assert (req.status, req.pause_reason, req.due_date) == ("paused", "consultation", None)
    act = req.clock_actions[0]
    # the 15 working days run from the party's receipt (Art. 32), not from the sending
    assert act.window_end == cal.add_workdays(date(2026, 3, 6), 15)
    do(
        s.consultation_closed,
        w.staff_a,
        req,
        clock_action_id=act.id,
        end_reason="answered",
        ended_on=date(2026, 3, 9),
        position="objected",
        opinion="不同意公开",
    )
    removed = cal.workdays_after_until(date(2026, 3, 5), date(2026, 3, 9))
    assert removed == 2
    assert req.status == "in_progress" and req.due_date == cal.add_workdays(date(2026, 3, 30), 2)
    assert act.details["opinion"] == "不同意公开" and act.details["objected"] is True


def test_two_consultations_keep_the_clock_stopped_until_both_end(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.consult, w.staff_a, req, kind="consult_third_party", party="甲公司", sent_on=date(2026, 3, 4))
    do(s.consult, w.staff_a, req, kind="consult_agency", party="区自然资源局", sent_on=date(2026, 3, 5))
    first, second = req.clock_actions
    do(
        s.consultation_closed,
        w.staff_a,
        req,
        clock_action_id=first.id,
        end_reason="answered",
        ended_on=date(2026, 3, 6),
        position="agreed",
    )
    assert req.status == "paused" and req.due_date is None
    do(
        s.consultation_closed,
        w.staff_a,
        req,
        clock_action_id=second.id,
        end_reason="answered",
        ended_on=date(2026, 3, 10),
        position="none",
    )
    assert req.status == "in_progress" and req.due_date is not None


def test_consultation_window_close_and_late_answer(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.consult, w.staff_a, req, kind="consult_third_party", party="甲公司", sent_on=date(2026, 3, 4))
    act = req.clock_actions[0]
    assert act.window_end is None  # not yet known: the party's receipt is not recorded
    with pytest.raises(s.Invalid, match="尚未登记对方收到征求意见书的日期"):
        do(s.consultation_closed, w.staff_a, req, clock_action_id=act.id, end_reason="window_closed", today=TODAY)
    with pytest.raises(s.Invalid, match="早于征求意见书发出日期"):  # a receipt before sending is refused
        do(
            s.consult,
            w.staff_a,
            req,
            kind="consult_agency",
            party="乙",
            sent_on=date(2026, 3, 5),
            served_on=date(2026, 3, 4),
        )
    from tracker.disclosure.delivery import record_delivery

    do(
        record_delivery,
        w.staff_a,
        req,
        key=f"consultation:{act.id}",
        delivery_method="post",
        delivered_on=date(2026, 3, 4),
        served_on=date(2026, 3, 6),
        tracking_number="XA123456789CN",
    )
    assert act.served_on == date(2026, 3, 6)
    assert act.window_end == current_calendar().add_workdays(date(2026, 3, 6), 15)
    with pytest.raises(s.Invalid, match="尚未届满"):
        do(
            s.consultation_closed,
            w.staff_a,
            req,
            clock_action_id=act.id,
            end_reason="window_closed",
            today=act.window_end,
        )
    later = act.window_end + timedelta(days=2)
    with pytest.raises(s.Invalid, match="期限届满未答复"):
        do(
            s.consultation_closed,
            w.staff_a,
            req,
            clock_action_id=act.id,
            end_reason="answered",
            ended_on=later,
            today=later,
        )
    with pytest.raises(s.Invalid, match="请选择要处理的征求意见"):
        do(s.consultation_closed, w.staff_a, req, clock_action_id=999999, end_reason="window_closed", today=later)
    do(s.consultation_closed, w.staff_a, req, clock_action_id=act.id, end_reason="window_closed", today=later)
    assert act.ended_on == act.window_end and req.status == "in_progress"


# --- fee --------------------------------------------------------------------------------------------


def test_fee_notice_payment_and_resume(app_ctx, w):
    req = assigned(w, w.new_case())
    calc = s.fee_quote(w.office, req, method="per_page", pages=150)
    assert calc.amount == 70 * 10 + 50 * 20
    with pytest.raises(s.Invalid, match="不一致"):
        do(s.fee_notice, w.office, req, method="per_page", pages=150, confirm_amount=100, notice_on=TODAY)
    do(
        s.fee_notice,
        w.office,
        req,
        method="per_page",
        pages=150,
        confirm_amount=calc.amount,
        notice_on=date(2026, 3, 6),
    )
    assert (req.status, req.pause_reason, req.fee_amount, req.fee_method) == ("paused", "fee", 1700, "per_page")
    act = req.clock_actions[0]
    assert act.window_end == current_calendar().add_workdays(date(2026, 3, 6), 20)
    with pytest.raises(s.Invalid, match="1700元"):
        do(s.fee_paid, w.office, req, paid_on=TODAY, amount=1000)
    do(s.fee_paid, w.office, req, paid_on=TODAY, amount=1700)
    assert (req.status, req.fee_paid_on) == ("in_progress", TODAY)
    assert req.due_date == current_calendar().add_workdays(
        date(2026, 3, 30), current_calendar().workdays_after_until(date(2026, 3, 6), TODAY)
    )
    with pytest.raises(s.Invalid, match="只收取一次"):
        do(s.fee_notice, w.office, req, method="per_page", pages=150, confirm_amount=1700, notice_on=TODAY)


def test_free_fee_notice_refused_and_only_office_issues(app_ctx, w):
    req = assigned(w, w.new_case())
    with pytest.raises(s.Invalid, match="不收费"):
        do(s.fee_notice, w.office, req, method="per_page", pages=30, confirm_amount=0, notice_on=TODAY)
    with pytest.raises(PermissionDenied):
        do(s.fee_notice, w.head_a, req, method="per_page", pages=300, confirm_amount=0, notice_on=TODAY)


def test_fee_notice_after_the_deadline_refused(app_ctx, w):
    req = assigned(w, w.new_case())
    late = date(2026, 3, 31)
    with pytest.raises(s.Invalid, match="答复期限"):
        do(s.fee_notice, w.office, req, method="per_page", pages=100, confirm_amount=700, notice_on=late, today=late)


def test_unpaid_fee_lapses_to_other_unpaid_fee(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.fee_notice, w.office, req, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 6))
    end = req.clock_actions[0].window_end
    with pytest.raises(s.Invalid, match="期限届满后"):
        do(s.fee_lapsed, w.office, req, today=end, answer_date=end, delivery_method="post", delivered_on=end)
    day = end + timedelta(days=1)
    do(s.fee_lapsed, w.office, req, today=day, answer_date=day, delivery_method="post", delivered_on=day)
    assert (req.outcome, req.fee_paid_on) == ("other.unpaid_fee", None)
    late = day + timedelta(days=1)
    assert req.clock_actions[0].ended_on == end
    with pytest.raises(workflow.StateError):
        do(s.fee_paid, w.office, req, paid_on=late, amount=100, today=late)


def test_late_payment_needs_a_reason(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.fee_notice, w.office, req, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 6))
    late = req.clock_actions[0].window_end + timedelta(days=2)
    with pytest.raises(s.Invalid, match="正当理由"):
        do(s.fee_paid, w.office, req, paid_on=late, amount=100, today=late)
    do(s.fee_paid, w.office, req, paid_on=late, amount=100, today=late, note="银行系统故障，已核实。")
    assert req.fee_paid_on == late


# --- extension and Art. 35 -------------------------------------------------------------------------


def test_extension_request_and_approval(app_ctx, w):
    req = assigned(w, w.new_case())
    with pytest.raises(s.Invalid, match="延期理由"):
        do(s.request_extension, w.staff_a, req, workdays=10, reason="", requested_on=TODAY)
    do(s.request_extension, w.staff_a, req, workdays=15, reason="涉及档案调取，需要时间。", requested_on=TODAY)
    assert req.due_date == date(2026, 3, 30)  # unchanged until approved
    with pytest.raises(s.Invalid, match="等待领导审批"):
        do(s.request_extension, w.staff_a, req, workdays=5, reason="x", requested_on=TODAY)
    ext = s.pending_extensions(req)[0]
    with pytest.raises(PermissionDenied):
        do(s.decide_extension, w.office, req, clock_action_id=ext.id, approve=True, decided_on=TODAY)
    done = do(s.decide_extension, w.leader, req, clock_action_id=ext.id, approve=True, decided_on=TODAY)
    assert req.due_date == current_calendar().add_workdays(date(2026, 3, 30), 15)
    assert "延至" in done.message and ext.details["new_due"] == req.due_date.isoformat()
    with pytest.raises(s.Invalid, match="最多还能延期5个工作日"):
        do(s.request_extension, w.staff_a, req, workdays=6, reason="再延", requested_on=TODAY)
    do(s.request_extension, w.staff_a, req, workdays=5, reason="再延", requested_on=TODAY)
    ext2 = s.pending_extensions(req)[0]
    do(s.decide_extension, w.leader, req, clock_action_id=ext2.id, approve=False, decided_on=TODAY, note="不同意")
    assert ext2.state == "refused"
    assert kinds(req)[-4:] == [
        "request.extension_requested",
        "request.extension_approved",
        "request.extension_requested",
        "request.extension_refused",
    ]


def test_extension_only_before_the_deadline(app_ctx, w):
    req = assigned(w, w.new_case())
    after = date(2026, 3, 31)
    with pytest.raises(s.Invalid, match="不能再延期"):
        do(s.request_extension, w.staff_a, req, workdays=5, reason="x", requested_on=after, today=after)
    do(
        s.request_extension,
        w.staff_a,
        req,
        workdays=5,
        reason="x",
        requested_on=date(2026, 3, 27),
        today=date(2026, 3, 27),
    )
    ext = s.pending_extensions(req)[0]
    before = snapshot(req)
    with pytest.raises(s.Invalid, match="不能再延期"):  # the leader answers too late
        do(s.decide_extension, w.leader, req, clock_action_id=ext.id, approve=True, decided_on=after, today=after)
    assert snapshot(req) == before


def test_extension_longer_than_20_workdays_refused(app_ctx, w):
    req = assigned(w, w.new_case())
    for days in (0, 21, "x"):
        with pytest.raises(s.Invalid, match="延期天数"):
            do(s.request_extension, w.staff_a, req, workdays=days, reason="x", requested_on=TODAY)


def test_extension_of_a_request_received_under_the_2007_regulation_is_limited_to_15_workdays(app_ctx, w):
    """A request received on 2019-03-01 (before the 2019 Regulation took effect on 2019-05-15) keeps the
    2007 Regulation's limit (Art. 24: 15 working days): 16 days are refused with that limit, nothing is
    recorded; 15 are accepted and approved."""
    received = date(2019, 3, 1)
    on = date(2019, 3, 5)
    req = assigned(w, w.new_case(received_on=received))
    before = snapshot(req)
    with pytest.raises(s.Invalid, match="延期累计不得超过15个工作日"):
        do(s.request_extension, w.staff_a, req, workdays=16, reason="x", requested_on=on, today=on)
    assert snapshot(req) == before
    do(s.request_extension, w.staff_a, req, workdays=15, reason="涉及档案调取", requested_on=on, today=on)
    ext = s.pending_extensions(req)[0]
    do(s.decide_extension, w.leader, req, clock_action_id=ext.id, approve=True, decided_on=on, today=on)
    assert s.pending_extensions(req) == []


def test_explicit_deadline_art35(app_ctx, w):
    req = assigned(w, w.new_case())
    with pytest.raises(s.Invalid) as e:
        do(s.set_explicit_deadline, w.office, req, due=date(2026, 3, 20), reason="", set_on=TODAY)
    assert set(e.value.errors) == {"reason", "due"}
    with pytest.raises(PermissionDenied):
        do(s.set_explicit_deadline, w.head_a, req, due=date(2026, 5, 29), reason="x", set_on=TODAY)
    do(
        s.set_explicit_deadline,
        w.leader,
        req,
        due=date(2026, 5, 29),
        reason="申请涉及近十年全部项目，数量巨大。",
        set_on=TODAY,
    )
    assert req.due_date == date(2026, 5, 29)


# --- conclusion -------------------------------------------------------------------------------------


def _close_with(w, req, code):
    """Drive a case to `code` by the action the workflow requires for it."""
    o = outcomes.outcome(code)
    if code == outcomes.NO_CORRECTION:
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
        day = req.clock_actions[0].window_end + timedelta(days=1)
        return do(
            s.clarification_lapsed, w.office, req, today=day, answer_date=day, delivery_method="post", delivered_on=day
        )
    if code == outcomes.UNPAID_FEE:
        do(s.fee_notice, w.office, req, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 4))
        day = req.clock_actions[0].window_end + timedelta(days=1)
        return do(s.fee_lapsed, w.office, req, today=day, answer_date=day, delivery_method="post", delivered_on=day)
    if code == "unavailable.unclear_after_correction":
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
        do(s.clarification_received, w.staff_a, req, received_on=date(2026, 3, 5))
    extra = {"answer_summary": "经研究，按其他方式处理。"} if code == outcomes.WITHDRAWN else {}
    extra.update(outcome_extras(w, req, code))
    kind = o.letter_kinds[-1]
    if kind == "not_ours":
        extra["responsible_agency"] = "区自然资源局"
    return do(s.conclude, w.office, req, outcome=code, letter_kind=kind, **extra, **ANSWER)


@pytest.mark.parametrize("code", outcomes.CODES)
def test_every_outcome_code_closes_a_case(app_ctx, w, code):
    req = assigned(w, w.new_case())
    _close_with(w, req, code)
    db.session.expire_all()
    assert req.status == "concluded" and req.outcome == code and req.concluded_on is not None
    assert req.letter_kind in outcomes.outcome(code).letter_kinds
    assert (req.responsible_agency is not None) == (req.letter_kind == "not_ours")
    assert not req.withdrawn and workflow.status_label(req) == "已办结"


@pytest.mark.parametrize("code", [o.code for o in outcomes.OUTCOMES if o.needs_legal_ground])
def test_outcome_needing_a_ground_is_refused_without_one(app_ctx, w, code):
    req = assigned(w, w.new_case())
    if code == "unavailable.unclear_after_correction":
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
        do(s.clarification_received, w.staff_a, req, received_on=date(2026, 3, 5))
    extras = {k: v for k, v in outcome_extras(w, req, code).items() if k != "legal_ground"}
    before = snapshot(req)
    with pytest.raises(s.Invalid) as e:
        do(s.conclude, w.office, req, outcome=code, legal_ground="  ", **extras, **ANSWER)
    assert set(e.value.errors) == {"legal_ground"} and "须写明理由" in e.value.errors["legal_ground"]
    assert snapshot(req) == before
    with pytest.raises(s.Invalid):  # the draft is checked the same way
        do(s.submit_draft, w.staff_a, req, outcome=code)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"outcome": "nonsense"}, "outcome", "请选择办理结果"),
        ({"outcome": ""}, "outcome", "请选择办理结果"),
        ({"outcome": "other.no_correction"}, "outcome", "逾期未补正，办结"),
        ({"outcome": "other.unpaid_fee"}, "outcome", "逾期未缴费，办结"),
        ({"outcome": "disclosed", "letter_kind": "withhold"}, "letter_kind", "只能是"),
        ({"outcome": "other.other"}, "answer_summary", "其他处理"),
        ({"outcome": "disclosed", "answer_date": date(2026, 3, 11)}, "answer_date", "将来"),
        ({"outcome": "disclosed", "answer_date": date(2026, 3, 1)}, "answer_date", "早于收到申请之日"),
        ({"outcome": "disclosed", "answer_date": None}, "answer_date", "请填写答复日期"),
        ({"outcome": "disclosed", "delivered_on": date(2026, 3, 9)}, "delivered_on", "早于答复日期"),
        ({"outcome": "disclosed", "delivered_on": date(2026, 3, 11)}, "delivered_on", "将来"),
        ({"outcome": "disclosed", "delivery_method": "pigeon"}, "delivery_method", "送达方式"),
        ({"outcome": "disclosed", "answer_summary": "长" * 5001}, "answer_summary", "5000"),
    ],
)
def test_conclusion_refusals(app_ctx, w, data, field, message):
    req = assigned(w, w.new_case())
    before = snapshot(req)
    with pytest.raises(s.Invalid) as e:
        do(s.conclude, w.office, req, **{**ANSWER, **data})
    assert field in e.value.errors and message in e.value.errors[field], e.value.errors
    assert snapshot(req) == before


def test_late_answer_is_recorded_with_a_warning(app_ctx, w):
    req = assigned(w, w.new_case())
    day = date(2026, 4, 2)
    done = do(
        s.conclude,
        w.office,
        req,
        outcome="disclosed",
        today=day,
        answer_date=day,
        delivery_method="post",
        delivered_on=day,
    )
    assert done.warnings and "晚于答复期限" in done.warnings[0]


def test_answer_date_not_before_the_last_clock_action(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.consult, w.staff_a, req, kind="consult_agency", party="区财政局", sent_on=date(2026, 3, 5))
    do(
        s.consultation_closed,
        w.staff_a,
        req,
        clock_action_id=req.clock_actions[0].id,
        end_reason="answered",
        ended_on=date(2026, 3, 9),
        position="agreed",
    )
    with pytest.raises(s.Invalid, match="最后一次计时操作"):
        do(
            s.conclude,
            w.office,
            req,
            outcome="disclosed",
            answer_date=date(2026, 3, 6),
            delivery_method="post",
            delivered_on=date(2026, 3, 6),
        )


@pytest.mark.parametrize("state", ["registered", "in_progress", "paused:consultation", "paused:fee", "in_review"])
def test_withdrawal_from_any_open_state(app_ctx, w, state):
    req = w.new_case()
    if state != "registered":
        assigned(w, req)
    if state == "paused:consultation":
        do(s.consult, w.staff_a, req, kind="consult_third_party", party="甲", sent_on=date(2026, 3, 5))
    elif state == "paused:fee":
        do(s.fee_notice, w.office, req, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 5))
    elif state == "in_review":
        do(s.request_extension, w.staff_a, req, workdays=5, reason="x", requested_on=TODAY)
        do(s.submit_draft, w.staff_a, req, outcome="disclosed")
    assert workflow.state_key(req) == state
    with pytest.raises(s.Invalid, match="早于"):
        do(s.withdraw, w.office, req, withdrawn_on=date(2026, 3, 1))
    do(s.withdraw, w.office, req, withdrawn_on=TODAY, reason="申请人书面撤回。")
    assert (req.status, req.outcome, req.withdrawn, req.concluded_on) == ("concluded", "other.other", True, TODAY)
    assert workflow.status_label(req) == "已撤回"
    assert all(a.state in ("closed", "cancelled") for a in req.clock_actions)
    assert kinds(req)[-1] == "request.withdrawn"


def test_admin_reopens_with_a_reason(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.conclude, w.office, req, outcome="disclosed", **ANSWER)
    with pytest.raises(PermissionDenied):
        do(s.reopen, w.office, req, reason="复议决定责令重新答复")
    with pytest.raises(s.Invalid, match="原因"):
        do(s.reopen, w.admin, req, reason="")
    do(s.reopen, w.admin, req, reason="复议决定责令重新答复")
    assert (req.status, req.outcome, req.concluded_on, req.answer_date) == ("in_progress", None, None, None)
    from tracker.audit import timeline

    ev = timeline("request", req.id)[-1]
    assert ev.kind == "request.reopened" and ev.note == "复议决定责令重新答复"
    assert ev.data["outcome"] == ["disclosed", None]
    with pytest.raises(workflow.StateError):
        do(s.reopen, w.admin, req, reason="again")


# --- the table: wrong state, wrong role ------------------------------------------------------------


def _fake(state: str, agency_id: int, section_id: int | None, handler_id: int | None):
    status, _, reason = state.partition(":")
    return SimpleNamespace(
        status=status,
        pause_reason=reason or None,
        agency_id=agency_id,
        section_id=section_id,
        handler_id=handler_id,
        cohandlers=[],
        outcome=None,
        withdrawn=False,
    )


def _holder(w, act):
    for user in (w.of_role(role) for role in roles.ROLES):
        if user.can(act.permission) and act.scope == workflow.LEAD:
            return user
    return None


@pytest.mark.parametrize("action_id", workflow.ACTION_IDS)
def test_every_action_is_refused_in_every_state_not_in_the_table(app_ctx, w, action_id):
    act = workflow.action(action_id)
    user = _holder(w, act)
    if user is None:  # the co-handler opinion: covered by test_cohandler_reads_and_gives_opinion_but_cannot_act
        assert act.scope == workflow.COHANDLER
        return
    for state in sorted(workflow.ALL_STATES):
        req = _fake(state, w.office.agency_id, w.sec_a.id, user.id)
        if state in act.sources:
            assert workflow.check(user, req, action_id) is act
        else:
            with pytest.raises(workflow.StateError, match="不能进行"):
                workflow.check(user, req, action_id)


@pytest.mark.parametrize("action_id", workflow.ACTION_IDS)
def test_every_action_is_refused_to_roles_without_its_permission(app_ctx, w, action_id):
    act = workflow.action(action_id)
    for user in (w.of_role(role) for role in roles.ROLES):
        req = _fake(next(iter(act.sources)), w.office.agency_id, w.sec_a.id, w.staff_a.id)
        if not user.can(act.permission):
            with pytest.raises(PermissionDenied, match="您的角色不能"):
                workflow.check(user, req, action_id)


def test_wrong_state_through_the_service_changes_nothing(app_ctx, w):
    req = w.new_case()
    before = snapshot(req)
    with pytest.raises(workflow.StateError, match="待分办"):
        do(s.submit_draft, w.office, req, outcome="disclosed")
    with pytest.raises(workflow.StateError):
        do(s.fee_paid, w.office, req, paid_on=TODAY, amount=1)
    assert snapshot(req) == before


@pytest.mark.parametrize(
    "fn,kw,field",
    [
        (s.clarify, {"notice_on": date(2026, 3, 11), "items": "x"}, "notice_on"),
        (s.consult, {"kind": "consult_agency", "party": "x", "sent_on": date(2026, 3, 11)}, "sent_on"),
        (
            s.fee_notice,
            {"method": "per_page", "pages": 40, "confirm_amount": 100, "notice_on": date(2026, 3, 11)},
            "notice_on",
        ),
        (s.request_extension, {"workdays": 3, "reason": "x", "requested_on": date(2026, 3, 11)}, "requested_on"),
        (s.set_explicit_deadline, {"due": date(2026, 6, 1), "reason": "x", "set_on": date(2026, 3, 11)}, "set_on"),
        (s.withdraw, {"withdrawn_on": date(2026, 3, 11)}, "withdrawn_on"),
    ],
)
def test_future_dates_refused(app_ctx, w, fn, kw, field):
    req = assigned(w, w.new_case())
    user = w.office if fn in (s.fee_notice, s.set_explicit_deadline, s.withdraw) else w.staff_a
    before = snapshot(req)
    with pytest.raises(s.Invalid) as e:
        do(fn, user, req, **kw)
    assert "将来" in e.value.errors[field]
    assert snapshot(req) == before


def test_dates_before_receipt_refused(app_ctx, w):
    req = assigned(w, w.new_case())
    with pytest.raises(s.Invalid, match="早于收到申请之日"):
        do(s.consult, w.staff_a, req, kind="consult_agency", party="x", sent_on=date(2026, 2, 27))
    do(s.consult, w.staff_a, req, kind="consult_agency", party="x", sent_on=date(2026, 3, 5))
    with pytest.raises(s.Invalid, match="早于征求意见书发出日期"):
        do(
            s.consultation_closed,
            w.staff_a,
            req,
            clock_action_id=req.clock_actions[0].id,
            end_reason="answered",
            ended_on=date(2026, 3, 4),
        )


# --- optimistic locking ---------------------------------------------------------------------------


def test_stale_version_is_refused_and_nothing_lost(app_ctx, w):
    req = assigned(w, w.new_case())
    form_version = req.version  # two people open the case
    s.assign_handler(w.head_a, req, version=form_version, handler_id=w.staff_a2.id, today=TODAY)
    with pytest.raises(ConflictError, match="已被他人修改，请刷新后重试"):
        s.conclude(w.office, req, version=form_version, today=TODAY, outcome="disclosed", **ANSWER)
    db.session.expire_all()
    assert req.handler_id == w.staff_a2.id and req.status == "in_progress"


def test_concurrent_write_detected_by_the_version_counter(app_ctx, w):
    """The form's version matched when read, but another transaction committed before ours wrote."""
    req = assigned(w, w.new_case())
    before_events = len(kinds(req))
    version = req.version  # loaded in our session; the other writer commits on its own connection
    with db.engine.begin() as other:
        other.execute(
            text("UPDATE disclosure_request SET version = version + 1, remarks = 'other' WHERE id = :id"),
            {"id": req.id},
        )
    assert req.version == version  # our session has not seen it: the form check passes
    with pytest.raises(ConflictError, match="已被他人修改"):
        s.request_extension(w.staff_a, req, version=version, workdays=3, reason="x", requested_on=TODAY, today=TODAY)
    db.session.expire_all()
    assert req.remarks == "other" and req.version == version + 1
    assert len(kinds(req)) == before_events and req.clock_actions == []


def test_missing_or_garbage_version_is_a_conflict(app_ctx, w):
    req = w.new_case()
    for bad in (None, "", "abc"):
        with pytest.raises(ConflictError):
            s.assign_section(w.office, req, version=bad, section_id=w.sec_a.id, today=TODAY)


# --- reviews ------------------------------------------------------------------------------------------


def test_reviews_are_recorded_on_the_case(app_ctx, w):
    req = assigned(w, w.new_case())
    do(s.conclude, w.office, req, outcome="withheld.state_secret", legal_ground="属于国家秘密。", **ANSWER)
    later = date(2026, 6, 1)
    do(record_review, w.office, req, today=later, kind="reconsideration", filed_on=date(2026, 4, 1), body="区政府")
    assert req.reviews[0].result is None
    assert kinds(req)[-1] == "review.recorded"


def test_every_action_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "workflow.md").read_text(encoding="utf-8")
    for action_id in workflow.ACTION_IDS:
        assert f"`{action_id}`" in doc, action_id
