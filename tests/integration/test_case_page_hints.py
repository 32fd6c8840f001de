"""Status labels and hints that are right in every state: after approval the case no longer reads 待审核,
and the Art. 30 hint stops saying 应于…前 once that date has passed."""

from __future__ import annotations

from datetime import timedelta

from tracker.disclosure import services as s
from tracker.disclosure.workflow import status_label
from tracker.rules.clock import today_cn

from .test_workflow_pages import login_as


def test_an_approved_draft_reads_approved_not_in_review(w, client):
    today = today_cn()
    case = w.new_case(received_on=today, applicant_name="审核状态")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, case, version=case.version, today=today, outcome="disclosed")
    assert status_label(case) == "待审核"
    s.approve_draft(w.leader, case, version=case.version, today=today)
    assert status_label(case) == "已审核，待办结"
    login_as(client, w.office)
    assert "已审核，待办结" in client.get(f"/requests/{case.id}").get_data(as_text=True)


def test_the_clarification_hint_follows_the_date(w, client):
    today = today_cn()
    fresh = w.new_case(received_on=today, applicant_name="刚收到")
    old = w.new_case(received_on=today - timedelta(days=30), applicant_name="早收到")
    login_as(client, w.office)
    page = client.get(f"/requests/{fresh.id}").get_data(as_text=True)
    assert "如需补正，应于" in page and "已过" not in page.split('id="clarification-hint"')[1][:200]
    page = client.get(f"/requests/{old.id}").get_data(as_text=True)
    hint = page.split('id="clarification-hint"')[1][:300]
    assert "已过" in hint and "应于" not in hint


def test_the_extension_decision_previews_the_new_deadline(w, client):
    from tracker.disclosure import clock
    from tracker.workcal.service import current_calendar

    today = today_cn()
    case = w.new_case(received_on=today - timedelta(days=3), applicant_name="延期预览")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
    s.request_extension(
        w.staff_a, case, version=case.version, workdays=7, reason="档案调取", requested_on=today, today=today
    )
    expected = current_calendar().add_workdays(case.due_date, 7)
    ext = s.pending_extensions(case)[0]
    assert clock.preview_extension(case, current_calendar(), ext, today).due == expected
    before = case.due_date
    login_as(client, w.leader)
    page = client.get(f"/requests/{case.id}/act/decide_extension").get_data(as_text=True)
    assert f"批准后答复期限为{expected.isoformat()}" in page
    assert case.due_date == before and ext.state == "requested"  # the preview changed nothing
    s.decide_extension(
        w.leader, case, version=case.version, clock_action_id=ext.id, approve=True, decided_on=today, today=today
    )
    assert case.due_date == expected


def test_the_case_page_shows_what_the_service_would_refuse_disabled_with_its_reason(w, client):
    """Issue 13: 逾期未补正 before the correction period ends, an extension once one is pending, are shown
    disabled with the service's own reason; the service refuses them with that reason; once possible
    they are offered."""
    import re

    import pytest

    from tracker.errors import ServiceError

    today = today_cn()
    case = w.new_case(received_on=today - timedelta(days=1), applicant_name="前置条件")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
    s.clarify(w.office, case, version=case.version, notice_on=today, items="请写明文号", today=today)
    login_as(client, w.office)
    page = client.get(f"/requests/{case.id}").get_data(as_text=True)
    why = s.precondition(case, "clarification_lapsed", today)
    assert why and "期限届满后才能" in why
    assert 'data-refused="clarification_lapsed"' in page and why in page
    assert f"/requests/{case.id}/act/clarification_lapsed" not in page  # no link to a page that would refuse
    with pytest.raises(ServiceError) as e:
        s.clarification_lapsed(w.office, case, version=case.version, today=today)
    assert e.value.errors == {"answer_date": why}
    # a typed URL shows the page refused, with the same reason, its button disabled
    resp = client.get(f"/requests/{case.id}/act/clarification_lapsed").get_data(as_text=True)
    assert 'id="refusal"' in resp and why.rstrip("。") in resp and 'disabled aria-disabled="true"' in resp
    # after the period the action is offered and accepted by the service's precondition
    end = case.clock_actions[-1].window_end
    assert s.precondition(case, "clarification_lapsed", end + timedelta(days=1)) is None
    # an extension while one is pending
    s.clarification_received(w.staff_a, case, version=case.version, received_on=today, today=today)
    s.request_extension(
        w.staff_a, case, version=case.version, workdays=3, reason="调档", requested_on=today, today=today
    )
    login_as(client, w.staff_a)
    page = client.get(f"/requests/{case.id}").get_data(as_text=True)
    assert 'data-refused="request_extension"' in page and "已有一项延期申请等待审批" in page
    assert re.search(r'data-refused="request_extension"[^>]*>\s*<button[^>]*disabled', page)
