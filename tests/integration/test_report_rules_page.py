"""The counting rules of the report are a page of the product, rendered from the rules document it ships."""

from __future__ import annotations

from pathlib import Path

import tracker
from tracker.reports import rules_doc


def test_the_rules_page_renders_the_shipped_document_and_the_report_pages_link_it(client, make_user, login):
    login(make_user("office"))
    index = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/rules"' in index and "docs/report-rules.md" not in index
    assert 'href="/reports/rules"' in client.get("/reports/2025").get_data(as_text=True)
    resp = client.get("/reports/rules")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<h1" in page and "年度报告统计规则" in page
    assert page.count("<table") >= 5 and "<th>row</th>" in page or "<th>figure</th>" in page
    assert "There are 21 result rows" in page and "| figure |" not in page  # tables, not raw markdown
    assert 'id="check-1"' in page or "<h2" in page


def test_the_rules_page_is_for_those_who_see_the_report(client, make_user, make_section, login):
    login(make_user("staff", section=make_section("综合科")))
    assert client.get("/reports/rules").status_code == 403


def test_the_document_lives_in_the_package_and_raw_html_in_it_is_not_run():
    path = rules_doc.DOCUMENT
    assert path.is_file() and Path(tracker.__file__).parent in path.parents
    html = rules_doc.render_markdown(
        "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n| a |\n|---|\n| 1 |"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and '<table class="table' in html
