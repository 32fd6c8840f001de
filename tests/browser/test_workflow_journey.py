"""A disclosure request from registration to the answer letter, passed between the users who handle it,
in a real browser under the strict CSP; and an extension approved by the leader."""

import io
import re
from datetime import date

from docx import Document

from tracker.rules.clock import today_cn

from .conftest import act, register_request


def _submit(page, label: str):
    page.locator("main form button[type=submit]", has_text=label).click()
    page.wait_for_load_state()


def _flash(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def _log(page) -> str:
    """The case's 办理记录 column."""
    return page.locator(".list-group").inner_text()


def test_request_from_registration_to_answer_letter(user_page):
    office = user_page("demo_office")
    request_id, number = register_request(office, "流程测试：某产业园规划环评报告", "流程测试申请人")

    act(office, request_id, "分办至科室")
    office.select_option("#section_id", label="投资科")
    office.fill("#instruction", "请投资科按期办理。")
    _submit(office, "分办至科室")
    assert "投资科" in office.inner_text("main") and "待指定承办人" in office.inner_text("main")
    assert "办理中" in office.inner_text("h1")

    head = user_page("demo_head")
    act(head, request_id, "指定承办人")
    head.select_option("#handler_id", label="钱科员")
    _submit(head, "指定承办人")
    assert "承办人 钱科员" in head.inner_text("main")

    staff = user_page("demo_staff")
    act(staff, request_id, "提交答复稿审核")
    staff.select_option("#outcome", "disclosed")
    staff.fill("#answer_summary", "所申请信息予以公开，随答复书附规划环评报告。")
    _submit(staff, "提交答复稿审核")
    assert "待审核" in staff.inner_text("h1"), _flash(staff)
    assert "答复要点：所申请信息予以公开" in staff.inner_text("main")
    # the handler may no longer approve his own draft nor conclude
    assert staff.locator("#actions a", has_text="审核通过答复稿").count() == 0

    leader = user_page("demo_leader")
    act(leader, request_id, "审核通过答复稿")
    leader.fill("#note", "同意。")
    _submit(leader, "审核通过答复稿")
    assert "已审核通过" in leader.inner_text("main"), _flash(leader)

    act(office, request_id, "办结（答复申请人）")
    # the approved draft is carried into the conclusion form
    assert office.input_value("#outcome") == "disclosed"
    office.select_option("#delivery_method", label="邮寄")
    office.fill("#delivered_on", today_cn().isoformat())  # 交邮日期: the delivery decides timeliness
    _submit(office, "办结（答复申请人）")
    main = office.inner_text("main")
    assert "已办结" in office.inner_text("h1"), _flash(office)
    assert "予以公开" in main and "邮寄送达" in main
    assert f"办结日期：{today_cn().isoformat()}" in main

    answer = office.locator("#letters select[name=key] option", has_text="答复").first
    assert "送审稿" not in answer.inner_text()
    office.select_option("#letters select[name=key]", answer.get_attribute("value"))
    # 生成并下载: the letter is saved as a new version and downloads at once
    with office.expect_download() as dl:
        office.click("#letters button:has-text('生成并下载')")
    download = dl.value
    office.goto(f"/requests/{request_id}")
    assert "已生成" in _flash(office)
    assert download.suggested_filename.endswith(".docx")
    doc = Document(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert number in text, text[:800]
    assert "流程测试申请人" in text

    office.goto(f"/requests/{request_id}")
    log = _log(office)
    for step in ("登记申请", "分办至科室", "指定承办人", "提交答复稿审核", "审核通过答复稿", "办结", "生成告知书"):
        assert step in log, (step, log)
    for who in ("王公开", "赵科长", "钱科员", "李局长"):
        assert who in log, (who, log)
    assert "领导批示：" in log and "承办人：空 → 钱科员" in log

    other = user_page("demo_staff2")
    resp = other.goto(f"/requests/{request_id}")
    assert resp is not None and resp.status == 404
    assert "页面不存在" in other.inner_text("body")
    resp = other.goto(f"/requests/{request_id}/act/submit_draft")
    assert resp is not None and resp.status == 404
    # the browser logs each 404 it was answered; nothing else went wrong on those pages
    assert [e for e in other.csp_errors if "status of 404" not in e] == [], other.csp_errors

    for pg in (office, head, staff, leader):
        assert not pg.csp_errors, pg.csp_errors


def _due(page) -> date:
    """The deadline shown at the top of the case page (答复期限：YYYY-MM-DD)."""
    text = page.locator("div", has_text=re.compile("^答复期限：")).first.inner_text()
    m = re.search(r"答复期限：\s*(\d{4}-\d{2}-\d{2})", text)
    assert m, text
    return date.fromisoformat(m.group(1))


def test_extension_requested_by_staff_and_approved_by_leader_moves_the_deadline(user_page):
    office = user_page("demo_office")
    request_id, _ = register_request(office, "延期测试：历年价格监测数据汇编", "延期测试申请人")
    act(office, request_id, "分办至科室")
    office.select_option("#section_id", label="投资科")
    _submit(office, "分办至科室")
    head = user_page("demo_head")
    act(head, request_id, "指定承办人")
    head.select_option("#handler_id", label="钱科员")
    _submit(head, "指定承办人")

    staff = user_page("demo_staff")
    staff.goto(f"/requests/{request_id}")
    before = _due(staff)
    act(staff, request_id, "申请延期")
    staff.fill("#workdays", "15")
    staff.fill("#reason", "需调取多年档案，工作量大。")
    _submit(staff, "申请延期")
    assert "延期15个工作日" in staff.inner_text("main") and "待审批" in staff.inner_text("main"), _flash(staff)
    assert _due(staff) == before  # not yet approved

    leader = user_page("demo_leader")
    act(leader, request_id, "审批延期")
    assert leader.locator("#clock_action_id option", has_text="延期15个工作日").count() == 1
    leader.select_option("#decision", label="批准")
    leader.fill("#note", "同意延期。")
    _submit(leader, "审批延期")
    assert "批准" in leader.inner_text("main"), _flash(leader)
    after = _due(leader)
    # 15 working days are at least 3 calendar weeks later
    assert (after - before).days >= 21, (before, after)
    log = _log(leader)
    assert "申请延期" in log and "批准延期" in log
    staff.goto(f"/requests/{request_id}")
    assert _due(staff) == after
    # the approved extension now offers its letter
    assert staff.locator("#letters option", has_text="延期答复告知书（延期15个工作日）").count() == 1

    for pg in (office, head, staff, leader):
        assert not pg.csp_errors, pg.csp_errors
