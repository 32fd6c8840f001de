"""The deadline calculator and the admin's entry of next year's holiday schedule, in the browser."""

import re
from datetime import date, timedelta

from tracker.rules.clock import today_cn

from .conftest import login


def test_calculator_counts_twenty_working_days_across_national_day(page):
    login(page, "demo_staff")
    page.click("nav >> text=期限计算器")
    page.fill("#start", "2026-09-30")
    page.fill("#n", "20")
    page.select_option("#mode", label="个工作日")
    page.click("main button[type=submit]:has-text('计算')")
    page.wait_for_load_state()
    # 2026: 10月1日至7日放假, 10月10日（星期六）上班 (国办发明电〔2025〕7号); counting starts the next day:
    # 10/8, 10/9, 10/10, then 17 working days of weeks without holidays end on 11/3.
    assert page.inner_text("#due-date") == "2026-11-03"
    steps = page.locator("ol li").all_inner_texts()
    assert steps, page.inner_text("main")
    explanation = "\n".join(steps)
    assert "2026-09-30" in explanation and "20" in explanation, explanation
    assert "暂定" not in page.inner_text(".card")

    page.fill("#extend", "5")
    page.click("main button[type=submit]:has-text('计算')")
    page.wait_for_load_state()
    assert page.inner_text("#due-date") == "2026-11-10"  # five more working days (11/4–11/6, 11/9, 11/10)

    page.fill("#start", "")
    page.click("main button[type=submit]:has-text('计算')")
    page.wait_for_load_state()
    assert "未能计算" in page.inner_text("main")
    assert page.locator(".invalid-feedback").count() >= 1
    assert not page.csp_errors, page.csp_errors


def _weekday(year: int, weekday: int, after: date) -> date:
    d = max(after, date(year, 1, 1))
    while d.weekday() != weekday:
        d += timedelta(days=1)
    return d


def test_admin_enters_next_years_schedule_by_pasting_csv_and_open_deadlines_are_recomputed(user_page):
    year = today_cn().year + 1
    office = user_page("demo_office")
    # an open suggestion: its deadline is three months after assignment, in next year from October on
    office.goto("/proposals/new")
    office.select_option("#kind", label="政协提案")
    office.fill("#session", "浏览器测试政协会议")
    office.fill("#number", str(year) + str(date.today().toordinal() % 1000))
    office.fill("#title", "关于完善工作日历的提案")
    office.fill("#lead_author", "测试委员")
    office.fill("#assigned_on", today_cn().isoformat())
    office.select_option("#lead_section_id", label="投资科")
    office.click("main button[type=submit]:has-text('登记')")
    office.wait_for_load_state()
    proposal_url = office.url
    due = date.fromisoformat(re.search(r"办理期限：\s*(\d{4}-\d{2}-\d{2})", office.inner_text("main")).group(1))

    # next year's schedule: New Year's Day, a made-up working Saturday and the suggestion's deadline as a
    # holiday when it falls in that year (so the recompute has something to move)
    saturday = _weekday(year, 5, date(year, 1, 2))
    lines = [f"{year}-01-01,off,元旦", f"{saturday.isoformat()},work,调休上班"]
    moves = due.year == year and due != date(year, 1, 1) and due.weekday() < 5
    if moves:
        lines.append(f"{due.isoformat()},off,测试放假")
    admin = user_page("demo_platform")  # the calendar's one owner (issue 14); agency admins only read it
    admin.click("nav >> text=工作日历")
    admin.goto("/calendar/import")  # the page behind the years list's 录入 button
    assert admin.input_value("#csv_text").strip() == "date,kind,name"
    admin.fill("#csv_text", "date,kind,name\n" + "\n".join(lines) + "\n")
    admin.fill("#source", "浏览器测试：下一年度放假安排")
    # first checked, nothing changed yet; then the confirmation shows what will change (issue 18)
    admin.click("main button[type=submit]:has-text('检查')")
    admin.wait_for_load_state()
    preview = admin.inner_text("#calendar-preview")
    assert "检查通过，尚未应用" in preview and "调休上班1天" in preview, preview
    # the impact preview (issue 16): the suggestion's deadline listed with its move, when it moves
    assert "对未办结事项期限的影响" in preview
    if moves:
        assert due.isoformat() in admin.inner_text("#impact-list"), preview
    admin.click("#calendar-confirm button:has-text('确认应用')")
    admin.wait_for_load_state()
    message = " ".join(admin.locator(".alert").all_inner_texts())
    assert f"已录入{year}年放假安排并标记为已确认" in message, admin.inner_text("main")[:1500]
    assert "调休上班1天" in message
    m = re.search(r"已重新计算全部未办结事项的期限，(\d+)件的期限发生变化", message)
    assert m, message
    assert f"/calendar/{year}" in admin.url or str(year) in admin.inner_text("h1")

    office.goto(proposal_url)
    new_due = date.fromisoformat(re.search(r"办理期限：\s*(\d{4}-\d{2}-\d{2})", office.inner_text("main")).group(1))
    if moves:
        assert int(m.group(1)) >= 1
        assert new_due > due, (due, new_due)
    else:
        assert new_due == due

    # a bad line changes nothing and says what is wrong
    admin.goto("/calendar/import")
    admin.fill("#csv_text", f"date,kind,name\n{year}-02-30,off,不存在的日期\n")
    admin.click("main button[type=submit]:has-text('检查')")
    admin.wait_for_load_state()
    assert "未导入，工作日历没有任何改动" in admin.inner_text("main")
    assert admin.locator("#calendar-confirm").count() == 0  # nothing to confirm
    for pg in (office, admin):
        assert not pg.csp_errors, pg.csp_errors
