"""Every demo role lands on its workbench: something to do on it, no CSP error, and neither the
workbench nor the case list overflows a phone screen (390 px). Screenshots of every workbench at
1366×768 and 390×844 go to tests/browser/artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import _watched, login

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEMO = ["demo_admin", "demo_office", "demo_leader", "demo_head", "demo_staff", "demo_staff2", "demo_auditor"]
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("username", DEMO)
def test_workbench_of_every_demo_role(browser, live_server, username):
    ARTIFACTS.mkdir(exist_ok=True)
    for name, (width, height) in SIZES.items():
        context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": width, "height": height})
        page = _watched(context.new_page())
        login(page, username)
        assert page.locator("h1", has_text="工作台").count() == 1
        if username != "demo_auditor":  # the auditor changes nothing, so nothing waits on it
            # the demo data gives every working role something on its workbench
            non_empty = page.locator("section.card table tr, #panel-health li").count()
            assert non_empty > 0, f"{username}: an empty workbench"
        page.screenshot(path=str(ARTIFACTS / f"workbench_{username}_{name}.png"), full_page=True)
        for url in ("/", "/requests/"):
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{username} {url} at {width}px: {overflow}px wider than the screen"
        assert page.csp_errors == [], page.csp_errors
        context.close()


def test_charts_draw_under_the_csp(user_page):
    page = user_page("demo_leader")
    page.goto("/stats/")
    page.wait_for_selector("#charts[data-drawn='1']")
    assert page.locator("canvas").count() == 4
    assert page.csp_errors == [], page.csp_errors
