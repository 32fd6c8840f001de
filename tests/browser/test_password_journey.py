"""The forced password change in a real browser (issue 14): a user created with a generated password is
led to the change page from every page until they choose their own, under the strict CSP."""

from __future__ import annotations

import re


def test_a_generated_password_must_be_changed_before_anything_else(page, live):
    made = live.flask("create-user", "newbie", "--role", "office", "--display-name", "新同事")
    assert made.returncode == 0, made.stderr
    generated = re.search(r"初始密码（只显示这一次）：(\S+)", made.stdout).group(1)

    page.goto("/login")
    page.fill("#username", "newbie")
    page.fill("#password", generated)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/password")
    assert page.locator("#must-change").is_visible()
    page.goto("/requests/")  # any other page leads back
    assert page.url.endswith("/account/password")

    page.fill("#current", generated)
    page.fill("#new", "newbie-2026-X")  # contains the username
    page.fill("#confirm", "newbie-2026-X")
    page.click("#password-form button[type=submit]")
    assert "密码不能包含用户名" in page.inner_text("main")

    page.fill("#current", generated)
    page.fill("#new", "Own-choice-2026")
    page.fill("#confirm", "Own-choice-2026")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("h1:has-text('工作台')")  # home: the workbench
    assert "密码已修改" in page.inner_text("body")

    page.click("button:has-text('退出')")
    page.wait_for_url("**/login**")
    page.fill("#username", "newbie")
    page.fill("#password", "Own-choice-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('工作台')")  # home: the workbench
    assert not page.csp_errors, page.csp_errors
