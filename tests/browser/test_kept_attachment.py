"""The scan chosen on the registration form survives a validation error (issue 18): kept as a pending
upload bound to the form, said next to the field, and attached when the corrected form is sent."""

from __future__ import annotations

from datetime import date, timedelta

from .conftest import login


def _refused_with_a_scan(page, scan, applicant: str, **fields) -> None:
    """Fill in the registration form with a scan and one error (given in fields), and send it."""
    login(page, "demo_office")
    page.goto("/requests/new")
    page.select_option("#applicant_type", "natural_person")
    page.fill("#applicant_name", applicant)
    page.select_option("#channel", "in_person")
    for name, value in {"subject": "附件保留", "content": "请公开某文件。", **fields}.items():
        page.fill(f"#{name}", value)
    page.set_input_files("#attachment", str(scan))
    page.click("main button[type=submit]:has-text('登记')")
    page.wait_for_load_state()


def test_the_chosen_scan_is_kept_after_a_validation_error(page, tmp_path):
    scan = tmp_path / "申请书扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 kept scan")
    future = (date.today() + timedelta(days=5)).isoformat()  # a future date sent: refused
    _refused_with_a_scan(page, scan, "保留附件测试人", sent_on=future)
    assert "登记未保存" in page.inner_text("main")
    kept = page.locator("#attachment-kept")
    assert kept.is_visible(), page.inner_text("main")[:2000]
    assert "申请书扫描件.pdf" in kept.inner_text() and "无需重新选择" in kept.inner_text()

    page.fill("#sent_on", "")
    page.click("main button[type=submit]:has-text('登记')")
    page.wait_for_load_state()
    assert "已登记" in page.inner_text("body"), page.inner_text("main")[:2000]
    assert "申请书扫描件.pdf" in page.inner_text("main")  # attached to the new case
    with page.expect_download() as dl:
        page.locator("a", has_text="申请书扫描件.pdf").first.click()
    assert open(dl.value.path(), "rb").read() == b"%PDF-1.4 kept scan"
    assert not page.csp_errors, page.csp_errors


def test_a_kept_scan_can_be_dropped(page, tmp_path):
    scan = tmp_path / "不要的扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 unwanted")
    _refused_with_a_scan(page, scan, "不用附件测试人", subject="")  # missing: refused
    assert page.locator("#attachment-kept").is_visible()
    page.check("#attachment_drop")
    page.fill("#subject", "不要附件")
    page.click("main button[type=submit]:has-text('登记')")
    page.wait_for_load_state()
    assert "已登记" in page.inner_text("body")
    assert "不要的扫描件.pdf" not in page.inner_text("main")
