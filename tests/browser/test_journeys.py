"""End-to-end journeys in a real browser under the strict Content-Security-Policy."""

from datetime import date

from .conftest import login


def test_office_registers_a_request_and_finds_it(page):
    login(page, "demo_office")
    page.click("text=登记申请 >> nth=0")
    page.select_option("#applicant_type", "natural_person")
    page.fill("#applicant_name", "浏览器测试申请人")
    page.select_option("#channel", "post")
    # The Art. 31 rule for the chosen channel is shown by static/js/app.js (no inline script).
    assert "签收" in page.inner_text("#channel-rule")
    page.fill("#received_on", date.today().isoformat())
    page.fill("#subject", "浏览器测试：某项目立项批复")
    page.fill("#content", "请公开某项目立项批复文件。")
    page.click("button:has-text('登记')")
    page.wait_for_load_state()
    assert "已登记" in page.inner_text("body"), page.inner_text("main")[:1500]
    number = page.inner_text("h1").split()[0]
    assert number.startswith("依申〔")
    page.goto("/requests/?q=浏览器测试申请人")
    assert page.locator(f"text={number}").count() == 1
    assert not page.csp_errors, page.csp_errors


def test_bad_intake_shows_chinese_messages_in_the_form(page):
    login(page, "demo_office")
    page.goto("/requests/new")
    page.click("button:has-text('登记')")
    text = page.inner_text("main")
    assert "请选择申请人类型" in text and "请填写申请内容" in text


def test_section_staff_get_404_for_cases_outside_their_section(page):
    login(page, "demo_staff2")
    visible: set[int] = set()
    for n in range(1, 100):  # every page of the list: all the cases this user may see
        page.goto(f"/requests/?page={n}")
        hrefs = page.eval_on_selector_all("td a[href^='/requests/']", "els => els.map(e => e.getAttribute('href'))")
        ids = {int(h.strip("/").split("/")[1]) for h in hrefs}
        if not ids or ids <= visible:
            break
        visible |= ids
    hidden = next(i for i in range(1, 500) if i not in visible)
    resp = page.goto(f"/requests/{hidden}")
    assert resp is not None and resp.status == 404
    assert "页面不存在" in page.inner_text("body")
