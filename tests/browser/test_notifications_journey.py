"""Deadline reminders seen in the browser: after the operator's `flask remind`, the handler's navigation shows
the unread count, and marking notifications read clears it."""

import re
from datetime import timedelta

from tracker.rules.clock import to_cn, today_cn, utcnow

from .conftest import act, register_request


def _badge(page) -> int:
    """The unread count in the navigation (0 when no badge is shown)."""
    badge = page.locator("#nav-notifications .badge")
    return int(badge.inner_text().rstrip("+")) if badge.count() else 0  # 99+ beyond 99


def _scan_moment(live) -> str:
    """Now if today is a working day in the live calendar, else 09:00 of the next one (reminders are sent
    on working days only), as `remind --at` takes it."""
    with live.app.app_context():
        from tracker.workcal.service import current_calendar

        day = current_calendar().next_workday_on_or_after(today_cn())
    return f"{to_cn(utcnow()):%Y-%m-%dT%H:%M}" if day == today_cn() else f"{day.isoformat()}T09:00"


def test_overdue_case_reminder_shows_in_the_badge_until_read(user_page, live):
    office = user_page("demo_office")
    received = (today_cn() - timedelta(days=45)).isoformat()  # 20 working days are long past
    request_id, number = register_request(office, "提醒测试：某项目节能审查意见", "提醒测试申请人", received)
    act(office, request_id, "分办至科室")
    office.select_option("#section_id", label="投资科")
    office.locator("main form button[type=submit]", has_text="分办至科室").click()
    office.wait_for_load_state()
    head = user_page("demo_head")
    act(head, request_id, "指定承办人")
    head.select_option("#handler_id", label="钱科员")
    head.locator("main form button[type=submit]", has_text="指定承办人").click()
    head.wait_for_load_state()
    assert "超期" in head.inner_text("h1")

    # the demo data's handoffs already told the handler of many cases: read them first, so that what
    # follows counts only the reminder of this case
    staff = user_page("demo_staff")
    if _badge(staff):
        staff.goto("/notifications/")
        staff.click("button:has-text('全部标为已读')")
        staff.wait_for_load_state()
    assert _badge(staff) == 0

    r = live.flask("remind", "--at", _scan_moment(live))
    assert r.returncode == 0, r.stderr
    assert "提醒扫描" in r.stdout and "共新建" in r.stdout, r.stdout

    staff.goto("/")
    unread = _badge(staff)
    assert unread >= 1, staff.inner_text("nav")
    staff.click("#nav-notifications")
    staff.wait_for_load_state()
    assert f"{unread} 条未读" in staff.inner_text("h1")
    row = staff.locator("tr[data-notification]", has_text=f"超期：{number}")  # its internal deadline is reminded too
    assert row.count() == 1, staff.inner_text("main")[:2000]
    assert "超期" in row.inner_text() and "未读" in row.inner_text()
    assert row.locator(f"a[href$='/requests/{request_id}']").count() == 1

    row.locator("button:has-text('标为已读')").click()
    staff.wait_for_load_state()
    assert _badge(staff) == unread - 1
    row = staff.locator("tr[data-notification]", has_text=f"超期：{number}")  # its internal deadline is reminded too
    assert "已读" in row.inner_text() and row.locator("button").count() == 0

    if unread > 1:
        staff.click("button:has-text('全部标为已读')")
        staff.wait_for_load_state()
    assert _badge(staff) == 0
    assert "0 条未读" in staff.inner_text("h1")
    staff.click("text=只看未读")
    assert "没有未读通知" in staff.inner_text("main")

    # a second scan the same day owes nothing new: the badge stays clear
    r = live.flask("remind", "--at", _scan_moment(live))
    assert r.returncode == 0, r.stderr
    staff.reload()
    assert _badge(staff) == 0
    # the reminder went to this case's handler, not to staff of another section
    other = user_page("demo_staff2")
    other.click("#nav-notifications")
    assert other.locator("tr[data-notification]", has_text=number).count() == 0
    assert re.search(r"\d+ 条未读", other.inner_text("h1"))

    for pg in (office, head, staff, other):
        assert not pg.csp_errors, pg.csp_errors
