"""/status on a phone (390×844) without JavaScript: an applicant looks up a request the platform
submitted, with the number and code the API gave back; the page fits the screen and breaks no CSP rule."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta

from tracker.rules.clock import CHINA_TZ, utcnow

PHONE = {"width": 390, "height": 844}


def _submit(live) -> dict:
    out = live.flask("api-token", "create", "--name", "浏览器测试平台")
    assert out.returncode == 0, out.stderr
    token = re.search(r"trk_[A-Za-z0-9_-]+", out.stdout).group()
    confirmed = (utcnow() - timedelta(hours=1)).astimezone(CHINA_TZ).isoformat(timespec="seconds")
    body = {
        "submission_id": "BROWSER-0001",
        "confirmed_at": confirmed,
        "applicant": {"type": "natural_person", "name": "王五", "phone": "13800138000"},
        "content": "请公开某道路改造工程的可研批复。",
    }
    req = urllib.request.Request(
        f"{live.url}/api/v1/requests",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - the local test server
        assert resp.status in (200, 201)
        return json.loads(resp.read())


def _fits(pg) -> None:
    for sel in ("main", "h1", "form button, #status-result"):
        box = pg.locator(sel).first.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (sel, box)


def test_an_applicant_looks_up_a_request_on_a_phone_without_javascript(browser, live):
    receipt = _submit(live)
    context = browser.new_context(
        base_url=live.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        pg.goto("/status/")
        assert pg.locator("h1").inner_text() == "政府信息公开申请 办理进度查询"
        _fits(pg)
        button = pg.get_by_role("button", name="查询").bounding_box()
        assert button["height"] >= 44  # a thumb's target

        pg.get_by_label("申请编号").fill(receipt["number"])
        pg.get_by_label("查询码").fill("AAAA-AAAA")
        pg.get_by_role("button", name="查询").click()
        assert "未找到与该编号和查询码相符的申请" in pg.locator("#status-message").inner_text()

        pg.get_by_label("查询码").fill(receipt["verification_code"].lower())
        pg.get_by_role("button", name="查询").click()
        result = pg.locator("#status-result")
        text = result.inner_text()
        assert receipt["number"] in text and "已受理" in text
        assert receipt["received_on"] in text and receipt["due_on"] in text
        assert "王五" not in pg.content() and "13800138000" not in pg.content()
        _fits(pg)
        assert not errors, errors
    finally:
        context.close()
