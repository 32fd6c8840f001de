"""The ledger upload page in a real browser: the upload and processing progress bars are driven by
static/js/ledger.js under the strict CSP, and the preview is followed by the confirmation."""

from .conftest import login

HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"


def _upload(page, path, signed_in: bool = False) -> None:
    """Send a file from the ledger page as the office (上传并检查)."""
    if not signed_in:
        login(page, "demo_office")
        page.goto("/ledger/")
    page.set_input_files("#ledger-file", str(path))
    page.click("button:has-text('上传并检查')")


def test_upload_preview_confirm_with_progress(page, tmp_path):
    rows = [
        f"BR-{i},2023-03-{1 + i % 28:02d},自然人,浏览器申请人{i},,内容{i},浏览器科,2023-04-03,予以公开,"
        for i in range(1, 4001)
    ]
    path = tmp_path / "浏览器台账.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    _upload(page, path)
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
    _upload(page, path)
    page.wait_for_selector("text=未导入，数据库没有任何改动", timeout=60_000)
    assert "第2行 申请人类型: 无法识别“外星人”" in page.inner_text("main")
    assert not page.csp_errors, page.csp_errors


def test_a_refused_upload_shows_the_refusal_instead_of_the_progress(page, tmp_path):
    """Issue 18: after a refused upload (400) the bar kept saying 上传完成，正在处理…… ."""
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    _upload(page, path)
    page.wait_for_selector("#ledger-upload-error:not(.d-none)", timeout=30_000)
    assert "上传的文件是空的" in page.inner_text("#ledger-upload-error")
    main = page.inner_text("main")
    assert "正在处理" not in main and "正在上传" not in main, main
    assert not page.is_visible("#ledger-upload-bar")
    # a second try starts clean: the old refusal goes while the new file is checked
    good = tmp_path / "好.csv"
    good.write_text(HEADER + "\nRF-1,2023-03-01,自然人,张三,,内容,,,,\n", encoding="utf-8")
    _upload(page, good, signed_in=True)
    page.wait_for_selector("text=检查通过，尚未写入", timeout=60_000)
    assert [e for e in page.csp_errors if "status of 400" not in e] == [], page.csp_errors
