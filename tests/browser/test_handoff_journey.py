"""Issue 13's handoffs walked through the workbenches in Chromium: the office registers and routes → the
section head sees it at once (workbench and badge) and assigns a handler in the row → the handler finds it
with its countdown and asks for an extension → the leader finds it in the approval queue and approves with
the new deadline previewed → the handler drafts → the reviewer approves → the office concludes, delivers
and downloads the letter."""

from __future__ import annotations

import re

from tracker.rules.clock import today_cn

from .conftest import act, register_request


def _submit(page, label: str):
    page.locator("main form button[type=submit]", has_text=label).click()
    page.wait_for_load_state()


def _badge(page) -> int:
    badge = page.locator("#nav-notifications .badge")
    return int(badge.inner_text().rstrip("+")) if badge.count() else 0


def test_the_day_passes_the_case_from_workbench_to_workbench(user_page):
    office = user_page("demo_office")
    head = user_page("demo_head")
    head.goto("/")
    badge_before = _badge(head)
    request_id, number = register_request(office, "交办测试：某片区控制性详细规划", "交办测试申请人")
    office.goto("/")
    assert number in office.locator("#panel-to_route").inner_text()
    act(office, request_id, "分办至科室")
    office.select_option("#section_id", label="投资科")
    _submit(office, "分办至科室")

    # the section head: told at once, the case on the workbench, a handler assigned in the row
    head.goto("/")
    assert _badge(head) == badge_before + 1
    row = head.locator(f"form[data-assign='{request_id}']")
    assert number in head.locator("#panel-unassigned").inner_text()
    row.locator("select").select_option(label="钱科员")
    row.locator("button", has_text="指定").click()
    head.wait_for_load_state()
    assert head.locator("h1", has_text="工作台").count() == 1 and "已指定" in head.inner_text("main")

    # the handler: the case is his, with its countdown; he asks for an extension
    staff = user_page("demo_staff")
    staff.goto("/")
    mine = staff.locator("#panel-mine").inner_text()
    assert number in mine and re.search(r"剩余\d+个工作日|今日到期", mine), mine
    act(staff, request_id, "申请延期")
    staff.fill("#workdays", "10")
    staff.fill("#reason", "需调取规划档案。")
    _submit(staff, "申请延期")

    # the leader: the approval queue holds it, the decision page previews the new deadline
    leader = user_page("demo_leader")
    leader.goto("/")
    queue = leader.locator("#panel-extensions")
    assert number in queue.inner_text()
    queue.locator("a", has_text=number).click()
    leader.wait_for_load_state()
    leader.locator("#actions a", has_text="审批延期").click()
    leader.wait_for_load_state()
    option = leader.locator("#clock_action_id option").first.inner_text()
    previewed = re.search(r"批准后答复期限为(\d{4}-\d{2}-\d{2})", option).group(1)
    leader.select_option("#decision", label="批准")
    leader.fill("#note", "同意。")
    _submit(leader, "审批延期")
    assert f"答复期限：{previewed}" in leader.inner_text("main").replace(" ", "")

    # the handler drafts; the reviewer (the leader) finds it in the queue and approves
    act(staff, request_id, "提交答复稿审核")
    staff.select_option("#outcome", "disclosed")
    staff.fill("#answer_summary", "予以公开。")
    _submit(staff, "提交答复稿审核")
    leader.goto("/")
    assert number in leader.locator("#panel-review").inner_text()
    act(leader, request_id, "审核通过答复稿")
    leader.fill("#note", "同意。")
    _submit(leader, "审核通过答复稿")

    # the office: told the answer is approved, concludes with the delivery and downloads the letter
    office.goto("/")
    assert number in office.locator("#panel-approved").inner_text()
    act(office, request_id, "办结（答复申请人）")
    office.fill("#answer_date", today_cn().isoformat())
    office.select_option("#delivery_method", "post")
    office.fill("#delivered_on", today_cn().isoformat())
    _submit(office, "办结（答复申请人）")
    assert "已办结" in office.inner_text("h1")
    answer = office.locator("#letters select[name=key] option", has_text="答复").first
    office.select_option("#letters select[name=key]", answer.get_attribute("value"))
    with office.expect_download() as dl:
        office.click("#letters button:has-text('生成并下载')")
    assert dl.value.suggested_filename.endswith(".docx")
    for pg in (office, head, staff, leader):
        assert not pg.csp_errors, pg.csp_errors
