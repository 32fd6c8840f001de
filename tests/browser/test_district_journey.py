"""The demo district (issue 16): the demo agency with its two sub-units, seen by the platform administrator
on 单位管理 and by the district's office and leader on the roll-up report, the timeliness of 本单位及下属单位
and a sub-unit's case (read only). Screenshots at 1366×768 and 390×844 go to tests/browser/artifacts/
(ignored by git) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tracker import demo

from .conftest import _watched, login

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
UNITS = [demo.DEMO_AGENCY, *(name for name, *_ in demo.SUB_UNITS)]


def _page(browser, live_server, username, size):
    width, height = SIZES[size]
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": width, "height": height})
    page = _watched(context.new_page())
    login(page, username)
    return context, page


def _shot(page, name: str, size: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"district_{name}_{size}.png"), full_page=True)


def _last_year(live) -> int:
    from tracker.rules.clock import today_cn

    with live.app.app_context():
        return today_cn().year - 1


@pytest.mark.parametrize("size", SIZES)
def test_platform_admin_sees_the_demo_district_on_unit_management(browser, live_server, size):
    context, page = _page(browser, live_server, "demo_platform", size)
    page.goto("/admin/units")
    assert page.inner_text("h1") == "单位管理" and page.inner_text(".nav-tabs .nav-link.active") == "单位管理"
    rows = page.locator("#unit-tree tbody tr")
    assert rows.count() == len(UNITS)
    text = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert text[0].startswith(demo.DEMO_AGENCY) and str(demo.DEMO_POPULATION) in text[0], text
    for name in UNITS[1:]:  # the sub-units, indented under the district
        row = page.locator("#unit-tree tbody tr", has_text=name)
        assert row.count() == 1 and row.locator("[class^='unit-depth-1']").count() == 1, text
    _shot(page, "units_platform", size)
    assert page.csp_errors == [], page.csp_errors
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_district_leader_reads_the_rollup_report(browser, live, size):
    year = _last_year(live)
    context, page = _page(browser, live.url, "demo_leader", size)
    page.goto(f"/reports/{year}")
    page.locator("#scope-switch a", has_text="本单位及下属单位").click()
    page.wait_for_load_state()
    assert "scope=with_units" in page.url
    assert f"{demo.DEMO_AGENCY}及下属单位汇总" in page.inner_text("h1")
    rows = page.locator("#unit-table tbody tr[data-unit]")
    assert rows.count() == len(UNITS), page.inner_text("#unit-table")
    heights = page.eval_on_selector_all(
        "#unit-table tbody td:first-child", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert max(heights) < 40, heights  # each unit's name on one line, on a phone too (the table scrolls)
    table = page.inner_text("#unit-table")
    assert all(name in table for name in UNITS), table
    assert "合计" in page.inner_text("#unit-table tfoot")
    _shot(page, f"rollup_{year}_leader", size)
    assert page.csp_errors == [], page.csp_errors
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_district_office_reads_the_timeliness_of_its_units(browser, live, size):
    year = _last_year(live)
    context, page = _page(browser, live.url, "demo_office", size)
    page.goto(f"/stats/timeliness?year={year}&scope=with_units")
    assert "本单位及下属单位" in page.inner_text("h1"), page.inner_text("main")[:1000]
    units = page.locator("#table-units tbody tr")
    assert units.count() == len(UNITS) + 1  # a row per unit and the 合计
    labels = [units.nth(i).locator("th").inner_text() for i in range(units.count())]
    assert labels == [*UNITS, "合计"], labels  # in tree order: the district first
    population = page.locator("#table-population tbody tr").first.inner_text()
    assert population.startswith(demo.DEMO_AGENCY) and str(demo.DEMO_POPULATION) in population, population
    page.wait_for_selector("#timeliness[data-drawn='1']")
    for chart in ("#chart-units", "#chart-groups", "#chart-sections"):
        box = page.locator(chart).bounding_box()
        assert box and box["height"] >= 200, (chart, box)  # room for the bars on a phone too
    # each unit's name and each table's headings on one line: the table scrolls sideways on a phone
    heights = page.eval_on_selector_all(
        "#table-units tbody th", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert max(heights) < 40, heights
    _shot(page, f"timeliness_{year}_office", size)
    assert page.csp_errors == [], page.csp_errors
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_district_office_opens_a_sub_units_case_read_only(browser, live, size):
    from sqlalchemy import func

    from tracker.accounts.models import Agency
    from tracker.disclosure.models import DisclosureRequest
    from tracker.extensions import db

    name = demo.SUB_UNITS[1][0]
    with live.app.app_context():
        unit_id = db.session.scalar(select(Agency.id).where(Agency.name == name))
        request_id = db.session.scalar(
            select(DisclosureRequest.id)
            .where(DisclosureRequest.agency_id == unit_id, DisclosureRequest.status == "registered")
            .order_by(DisclosureRequest.id)
        ) or db.session.scalar(select(DisclosureRequest.id).where(DisclosureRequest.agency_id == unit_id))
        district = db.session.scalar(
            select(func.count()).select_from(DisclosureRequest).join(Agency).where(Agency.name.in_(UNITS))
        )
        own = db.session.scalar(
            select(func.count()).select_from(DisclosureRequest).join(Agency).where(Agency.name == demo.DEMO_AGENCY)
        )
    assert request_id is not None and district > own, "the demo sub-units have no request"
    context, page = _page(browser, live.url, "demo_office", size)
    page.goto("/requests/")
    assert f"共 {district} 件" in page.inner_text("main")  # the district's list holds its sub-units' cases
    # each row names its unit: in the section column on a desktop, under the number on a phone
    assert name in page.inner_text("main")
    page.goto(f"/requests/{request_id}")
    notice = page.inner_text("#other-unit")
    assert name in notice and "其他单位的案件，只读" in notice
    assert page.locator(f"main a[href*='/requests/{request_id}/act/']").count() == 0  # no action offered
    assert page.locator("#actions button:not([disabled])").count() == 0
    _shot(page, "subunit_case_office", size)
    assert page.csp_errors == [], page.csp_errors
    context.close()
