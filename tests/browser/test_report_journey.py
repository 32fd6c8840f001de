"""The office reads last year's annual report in the browser and downloads it in its three formats."""

import io
import json

from docx import Document
from openpyxl import load_workbook

from tracker.rules.clock import today_cn

from .conftest import register_request


def _figure(page, ref: str) -> int:
    return int(page.inner_text(f"td[data-ref='{ref}']").strip())


def _download(page, label: str):
    with page.expect_download() as dl:
        page.click(f"a:has-text('{label}')")
    download = dl.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_last_years_report_shows_the_official_tables_and_downloads(user_page):
    year = today_cn().year - 1
    office = user_page("demo_office")
    office.click("nav >> text=年度报告")
    office.locator("tr", has_text=f"{year}年").locator("a:has-text('查看')").click()
    office.wait_for_load_state()
    assert f"{year}年政府信息公开工作年度报告" in office.inner_text("h1")
    before = _figure(office, "table3/new/total")

    # a late registration of a request received last year is counted in last year's report at once
    register_request(office, "年报测试：上年收到的申请", "年报测试申请人", received_on=f"{year}-12-15")
    office.goto(f"/reports/{year}")
    body = office.inner_text("#report-body")
    for heading in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "（七）总计",
        "一、本年新收政府信息公开申请数量",
        "四、政府信息公开行政复议、行政诉讼情况",
    ):
        assert heading in body, heading
    shown = _figure(office, "table3/new/total")
    assert shown == before + 1
    assert _figure(office, "table3/new/natural_person") >= 1
    assert "本年度报告尚未发布" in office.inner_text("#frozen-status")
    assert office.locator("#checks li").count() > 0

    name, raw = _download(office, "下载 JSON")
    assert name == f"report-{year}.json" or name.endswith(".json"), name
    report = json.loads(raw.decode("utf-8"))
    assert report["year"] == year
    assert report["table3"]["new"]["total"] == shown

    name, raw = _download(office, "下载表格 Excel")
    assert name.endswith(".xlsx"), name
    book = load_workbook(io.BytesIO(raw), read_only=True)
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert "（七）总计" in cells and shown in {int(c) for c in cells if c.isdigit()}

    name, raw = _download(office, "下载 Word")
    assert name.endswith(".docx"), name
    doc = Document(io.BytesIO(raw))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "三、收到和处理政府信息公开申请情况" in text and "（七）总计" in cells
    assert f"{year}" in text
    assert not office.csp_errors, office.csp_errors


def test_section_staff_have_no_report_pages(user_page):
    staff = user_page("demo_staff")
    assert staff.locator("nav >> text=年度报告").count() == 0
    resp = staff.goto(f"/reports/{today_cn().year - 1}")
    assert resp is not None and resp.status == 403
