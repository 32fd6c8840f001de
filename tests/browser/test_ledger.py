"""The ledger upload page in a real browser: the upload and processing progress bars are driven by
static/js/ledger.js under the strict CSP, and the preview is followed by the confirmation."""

from .conftest import login

HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"


def test_upload_preview_confirm_with_progress(page, tmp_path):
    rows = [
        f"BR-{i},2023-03-{1 + i % 28:02d},自然人,浏览器申请人{i},,内容{i},浏览器科,2023-04-03,予以公开,"
        for i in range(1, 4001)
    ]
    path = tmp_path / "浏览器台账.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    login(page, "demo_office")
    page.goto("/ledger/")
    page.set_input_files("#ledger-file", str(path))
    page.click("button:has-text('上传并检查')")
    # the script shows the bars, then follows the job to its page
    page.wait_for_selector("#ledger-upload-progress:not(.d-none)")
    page.wait_for_url("**/ledger/jobs/**", timeout=60_000)
    page.wait_for_selector("text=检查通过，尚未写入", timeout=60_000)
    assert "将新增 4000 条" in page.inner_text("main")
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("text=导入完成", timeout=60_000)
    assert "已新增 4000 条" in page.inner_text("main") and "浏览器科" in page.inner_text("main")
    page.goto("/requests/?q=浏览器申请人3999")
    assert page.locator("text=BR-3999").count() == 1
    assert not page.csp_errors, page.csp_errors


def test_bad_ledger_lists_problems_in_the_browser(page, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\nX-1,2023-03-01,外星人,张三,,内容,,,,\n", encoding="utf-8")
    login(page, "demo_office")
    page.goto("/ledger/")
    page.set_input_files("#ledger-file", str(path))
    page.click("button:has-text('上传并检查')")
    page.wait_for_selector("text=未导入，数据库没有任何改动", timeout=60_000)
    assert "第2行 申请人类型: 无法识别“外星人”" in page.inner_text("main")
    assert not page.csp_errors, page.csp_errors
