"""A published report survives a change of the official format; the report states only what the records
support (the comparison with last year, the agency's contact details)."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date

import docx
import pytest
from openpyxl import load_workbook

from tests.integration.test_report_derive import add_request, build_history
from tests.integration.test_report_freeze import WRITTEN
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.derive import derive
from tracker.reports.models import ReportSnapshot
from tracker.reports.narrative import drafts
from tracker.rules import report_layout as rl

TODAY = date(2025, 3, 1)
NEW_LABEL = "4.测试用新增情形"


@pytest.fixture()
def office(make_user, agency):
    build_history(agency)
    return make_user("office")


def _outputs(client, year: int, query: str = "") -> dict:
    """Every output of the year: the page, the .xlsx cell values, the .docx text and tables, the JSON."""
    page = client.get(f"/reports/{year}{query}").get_data(as_text=True)
    body = page[page.index('id="report-body"') :]
    wb = load_workbook(io.BytesIO(client.get(f"/reports/{year}/report.xlsx{query}").data))
    cells = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    document = docx.Document(io.BytesIO(client.get(f"/reports/{year}/report.docx{query}").data))
    words = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    data = json.loads(client.get(f"/reports/{year}/report.json{query}").get_data(as_text=True))
    return {"page": body, "xlsx": cells, "docx": words, "json": data}


def _with_a_new_row(version_id: int, from_year: int) -> rl.LayoutVersion:
    """A later official format that adds a row to （六）其他处理 of table 三."""
    rows = list(rl.V1.table3_rows)
    at = rows.index(next(r for r in rows if r.id == "total"))
    rows.insert(at, rl.Table3Row("other.test_new", NEW_LABEL, 3, "other", True))
    return dataclasses.replace(
        rl.V1, id=version_id, from_year=from_year, source="测试用新格式", table3_rows=tuple(rows)
    )


def test_a_frozen_year_renders_in_its_own_layout_in_every_output(office, login, client, monkeypatch):
    """Freeze 2023 under layout 1, then add layout 2 (a new row in table 三) applying from 2023 itself: the
    published 2023 renders unchanged in the page, the .xlsx, the .docx and the JSON, and shows no
    differences; the current derivation of 2023 and the unpublished 2024 use layout 2."""
    services.save_narrative(office, 2023, WRITTEN, today=TODAY)
    snap = services.publish(office, 2023, today=TODAY)
    assert snap.layout_version == 1 and snap.figures["layout_version"] == 1
    login(office)
    before = _outputs(client, 2023)
    assert NEW_LABEL not in before["page"]

    monkeypatch.setitem(rl.LAYOUT_VERSIONS, 2, _with_a_new_row(2, 2023))
    assert rl.layout_for_year(2023).id == 2 and rl.layout_for_year(2022).id == 1
    after = _outputs(client, 2023)
    assert after == before  # page, xlsx, docx and JSON: the published report, unchanged
    view = services.year_report(office.agency_id, 2023, today=TODAY)
    assert view.frozen and view.diffs == [] and rl.version_of(view.report).id == 1
    assert "other.test_new" not in view.report["table3"]

    current = _outputs(client, 2023, "?view=current")
    assert NEW_LABEL in current["page"] and NEW_LABEL in current["docx"]
    assert current["json"]["layout_version"] == 2 and current["json"]["table3"]["other.test_new"]["total"] == 0
    assert any(NEW_LABEL in (row[2] or "") for row in current["xlsx"]["表三 依申请公开"] if len(row) > 2)
    checks = {c["id"]: c["ok"] for c in derive(office.agency_id, 2024, today=TODAY)["checks"]}
    assert all(ok for cid, ok in checks.items() if cid != "carried_in_vs_frozen"), checks
    assert NEW_LABEL in _outputs(client, 2024)["page"]


def test_a_snapshot_of_the_previous_release_renders_as_layout_one(office):
    """Snapshots frozen before layout versions existed carry the version only in their column."""
    services.save_narrative(office, 2023, WRITTEN, today=TODAY)
    snap = services.publish(office, 2023, today=TODAY)
    figures = dict(snap.figures)
    figures.pop("layout_version")
    snap.figures = figures
    db.session.commit()
    view = services.year_report(office.agency_id, 2023, today=TODAY)
    assert view.report["layout_version"] == 1 and view.diffs == []


def test_an_unknown_layout_version_is_named(office):
    with pytest.raises(KeyError, match="未知的年度报告表格版本：9"):
        rl.layout_version(9)


# --- the comparison with last year --------------------------------------------------------------------


def test_no_comparison_when_the_records_start_this_year(app_ctx, agency):
    """The agency's first request was received in 2024: its 2024 report states no "比上年增加N件"."""
    add_request(agency, date(2024, 3, 1), date(2024, 3, 20), "disclosed")
    add_request(agency, date(2024, 4, 1))
    db.session.commit()
    report = derive(agency.id, 2024, today=TODAY)
    assert report["summary"]["requests_received_previous_year"] is None
    assert report["summary"]["previous_year_basis"] is None
    text = drafts(report)["overview.on_request"]
    assert text.startswith("2024年度共收到政府信息公开申请2件。") and "比上年" not in text and "持平" not in text


def test_comparison_when_the_records_reach_back(app_ctx, agency):
    """Records from 2022 on, none received in 2023: 2024 (one request) compares with 0 — 比上年增加1件."""
    add_request(agency, date(2022, 5, 1), date(2022, 5, 20), "disclosed")
    add_request(agency, date(2024, 3, 1))
    db.session.commit()
    report = derive(agency.id, 2024, today=TODAY)
    assert (report["summary"]["requests_received_previous_year"], report["summary"]["previous_year_basis"]) == (
        0,
        "records",
    )
    assert "比上年增加1件" in drafts(report)["overview.on_request"]


def test_comparison_with_the_published_previous_year(app_ctx, agency):
    """No records before 2024, but 2023 was published (e.g. from the old system) saying 7 requests: the 2024
    report compares with the published 7."""
    add_request(agency, date(2024, 3, 1))
    published = rl.empty_report_dict(2023, agency.name)
    published["summary"]["requests_received"] = 7
    db.session.add(ReportSnapshot(agency_id=agency.id, year=2023, figures=published, narrative={}, layout_version=1))
    db.session.commit()
    report = derive(agency.id, 2024, today=TODAY)
    assert (report["summary"]["requests_received_previous_year"], report["summary"]["previous_year_basis"]) == (
        7,
        "frozen",
    )
    assert "比上年减少6件" in drafts(report)["overview.on_request"]


# --- the agency's contact details -------------------------------------------------------------------------


def test_preface_names_only_the_contact_details_set(app_ctx, agency):
    """No empty "（地址：；邮编：）": nothing set → no brackets; address and phone set → only those two."""
    text = drafts(derive(agency.id, 2024, today=TODAY))["preface"]
    assert text.endswith(f"如对报告内容有疑问，请与{agency.name}联系。") and "地址：" not in text
    agency.settings = {"address": "某市人民路1号", "phone": "010-62345678", "court": "某区人民法院"}
    db.session.commit()
    text = drafts(derive(agency.id, 2024, today=TODAY))["preface"]
    assert text.endswith(f"请与{agency.name}联系（地址：某市人民路1号；电话：010-62345678）。")


def test_admin_sets_the_contact_details_and_bodies(app_ctx, agency, make_user, login, client, form_post):
    from tracker.accounts import services as accounts

    admin = make_user("admin")
    login(admin)
    resp = form_post(
        "/admin/agency",
        {
            "name": agency.name,
            "address": "某市某区人民路1号",
            "postcode": "100000",
            "phone": "010-62345678",
            "email": "gk@example.gov.cn",
            "reconsideration_body": "某区人民政府",
            "court": "某区人民法院",
        },
        follow_redirects=True,
    )
    assert "已保存" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert agency.settings["reconsideration_body"] == "某区人民政府" and agency.settings["postcode"] == "100000"
    bad = form_post("/admin/agency", {"name": agency.name, "postcode": "12345", "email": "x@", "phone": "abc"})
    html = bad.get_data(as_text=True)
    assert "邮政编码应为6位数字" in html and "电子邮箱格式不正确" in html and "“abc”不是有效的电话号码" in html
    db.session.expire_all()
    assert agency.settings["postcode"] == "100000"  # nothing changed
    # the phone and postcode follow the one rule of tracker.rules.contact, also for a number without area code
    html = form_post("/admin/agency", {"name": agency.name, "phone": "62345678"}).get_data(as_text=True)
    assert "缺少区号" in html
    form_post("/admin/agency", {"name": agency.name, "phone": "０１０－６２３４５６７８", "postcode": "１０００００"})
    db.session.expire_all()
    assert (agency.settings["phone"], agency.settings["postcode"]) == ("010-62345678", "100000")  # stored half width
    with pytest.raises(Exception, match="控制字符"):
        accounts.update_agency(agency, {"name": agency.name, "address": "某路\x00"}, actor=admin)
