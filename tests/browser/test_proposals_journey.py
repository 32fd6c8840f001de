"""An NPC deputy's suggestion in the browser: the office registers it, the lead section contacts the deputy
and replies, and the deputy's 不满意 sends it back for handling with a new deadline."""

import re
import time

from tracker.rules.clock import today_cn


def _post(page, card: str, button: str):
    page.locator(f"#{card} button[type=submit]", has_text=button).click()
    page.wait_for_load_state()


def _alerts(page) -> str:
    return " ".join(page.locator(".alert").all_inner_texts())


def test_suggestion_registered_replied_and_reopened_by_unsatisfied_feedback(user_page):
    today = today_cn().isoformat()
    number = str(int(time.time() * 1000) % 10_000_000)  # unique within the session name below
    office = user_page("demo_office")
    office.click("nav >> text=建议提案")
    office.goto("/proposals/new")
    office.select_option("#kind", label="人大代表建议")
    office.fill("#session", "浏览器测试人大会议")
    office.fill("#number", number)
    office.fill("#title", "关于加快产业园区配套建设的建议")
    office.fill("#lead_author", "测试代表")
    office.fill("#content", "建议加快园区道路和供水配套建设。")
    office.fill("#assigned_on", today)
    office.select_option("#lead_section_id", label="投资科")
    office.click("main button[type=submit]:has-text('登记')")
    office.wait_for_load_state()
    assert f"已登记人大代表建议浏览器测试人大会议第{number}号" in _alerts(office), _alerts(office)
    url = office.url
    assert re.search(r"/proposals/\d+$", url), url
    first_due = re.search(r"办理期限：\s*(\d{4}-\d{2}-\d{2})", office.inner_text("main")).group(1)
    assert "投资科" in office.inner_text("main")

    staff = user_page("demo_staff")
    staff.goto(url)
    # no reply before the deputy has been contacted in this round
    assert "须先沟通并登记，才能登记答复" in staff.inner_text("#reply")
    staff.select_option("#contact_form", label="电话沟通")
    staff.fill("#contacted_on", today)
    staff.fill("#contact_note", "电话听取代表意见，代表希望年内开工。")
    _post(staff, "contact", "登记沟通")
    assert "已登记沟通情况" in _alerts(staff), _alerts(staff)
    assert "电话沟通" in staff.inner_text("main") and "钱科员" in staff.inner_text("main")

    staff.select_option("#result_class", "B")
    staff.fill("#reply_date", today)
    staff.fill("#reply_summary", "已列入明年计划逐步解决。")
    _post(staff, "reply", "登记答复")
    assert "已登记第1次答复（B类，按期答复）" in _alerts(staff), _alerts(staff)

    office.goto(url)
    office.select_option("#satisfaction", label="不满意")
    office.fill("#feedback_on", today)
    office.fill("#feedback_note", "代表认为进度太慢。")
    _post(office, "feedback", "登记反馈")
    message = _alerts(office)
    assert "已登记不满意的反馈，该件重新办理" in message, message
    h1 = office.inner_text("h1")
    assert "重新办理中" in h1 and "第2轮办理" in h1
    main = office.inner_text("main")
    assert "重新办理期限" in main and "不满意" in main
    new_due = re.search(r"重新办理期限：\s*(\d{4}-\d{2}-\d{2})", main).group(1)
    assert new_due in message and new_due > today
    assert first_due != new_due or first_due > today
    log = office.locator(".list-group").inner_text()
    for step in ("登记建议提案", "登记与代表委员沟通情况", "答复建议提案", "登记代表委员反馈意见"):
        assert step in log, (step, log)
    # the second round needs a new contact before a new reply
    staff.goto(url)
    assert "本轮尚未登记与代表的沟通情况" in staff.inner_text("#reply") or "须先沟通" in staff.inner_text("#reply")

    other = user_page("demo_staff2")  # 价格科 neither leads nor co-handles it
    resp = other.goto(url)
    assert resp is not None and resp.status == 404
    assert [e for e in other.csp_errors if "status of 404" not in e] == [], other.csp_errors

    for pg in (office, staff):
        assert not pg.csp_errors, pg.csp_errors
