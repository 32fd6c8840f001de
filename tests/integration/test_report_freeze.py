"""Narrative, publishing (freezing) and the differences between a frozen report and today's records."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.integration.test_report_derive import EXPECTED_T3, add_request, build_history
from tracker.audit import Event, timeline
from tracker.disclosure.models import DisclosureRequest
from tracker.errors import PermissionDenied, ServiceError
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.derive import derive
from tracker.reports.models import ReportNarrative, ReportSnapshot
from tracker.reports.structure import NARRATIVE_PART_IDS

TODAY = date(2025, 3, 1)
WRITTEN = {
    "overview": "本年度，我局认真贯彻《条例》。",
    "overview.management": "完善了工作制度。",
    "overview.platform": "依托政府门户网站。",
    "overview.oversight": "加强监督。",
    "problems": "一是流程仍需规范。",
    "other.more": "（三）无其他事项。",
}


@pytest.fixture()
def history(agency):
    open_case = build_history(agency)
    agency.open_case_id = open_case.id
    return agency


@pytest.fixture()
def office(make_user, history):
    return make_user("office")


def _publish_2023(office):
    services.save_narrative(office, 2023, WRITTEN, today=TODAY)
    return services.publish(office, 2023, today=TODAY)


# ------------------------------------------------------------------------------------------- narrative


def test_unsaved_parts_show_generated_drafts(office):
    report = derive(office.agency_id, 2023, today=TODAY)
    texts = services.narrative_for(office.agency_id, 2023, report)
    assert list(texts) == list(NARRATIVE_PART_IDS)
    assert not texts["overview.on_request"].saved
    assert texts["overview.on_request"].text.startswith("2023年度共收到政府信息公开申请28件，比上年增加22件")
    assert texts["problems"].text == ""


def test_saving_narrative_keeps_text_records_event_and_ignores_no_change(office):
    diff = services.save_narrative(office, 2023, {"problems": "一是……\r\n二是……", "overview": ""}, today=TODAY)
    assert diff == {"problems": [None, "一是……\n二是……"], "overview": [None, ""]}
    texts = services.narrative_for(office.agency_id, 2023, derive(office.agency_id, 2023, today=TODAY))
    assert texts["problems"].saved and texts["problems"].text == "一是……\n二是……"
    assert services.save_narrative(office, 2023, {"problems": "一是……\n二是……"}, today=TODAY) == {}
    assert [e.kind for e in timeline("report", 2023)] == ["report.narrative_saved"]


def test_narrative_refused_for_other_roles_unknown_parts_and_too_long(office, make_user, make_section):
    staff = make_user("staff", section=make_section("综合科"))
    with pytest.raises(PermissionDenied):
        services.save_narrative(staff, 2023, {"problems": "x"}, today=TODAY)
    with pytest.raises(ServiceError, match="未知的报告部分"):
        services.save_narrative(office, 2023, {"bogus": "x"}, today=TODAY)
    with pytest.raises(ServiceError, match="超过20000字"):
        services.save_narrative(office, 2023, {"problems": "字" * 20001}, today=TODAY)
    assert db.session.scalar(select(ReportNarrative.id)) is None


def test_narrative_page_prefills_and_saves(office, login, client, form_post):
    login(office)
    page = client.get("/reports/2023/narrative").get_data(as_text=True)
    assert "系统生成的草稿" in page and "比上年增加22件" in page
    resp = form_post("/reports/2023/narrative", {"part-problems": "一是台账需完善。"}, follow_redirects=True)
    assert "报告文字已保存" in resp.get_data(as_text=True)
    html = client.get("/reports/2023").get_data(as_text=True)
    assert "一是台账需完善。" in html


# ------------------------------------------------------------------------------------------- publishing


def test_publish_freezes_figures_and_text(office):
    snap = _publish_2023(office)
    assert snap.figures == derive(office.agency_id, 2023, today=TODAY)
    assert snap.figures["table3"] == EXPECTED_T3[2023]
    assert snap.narrative["problems"] == "一是流程仍需规范。"
    assert snap.narrative["other.proposals"].endswith("共办理人大代表建议3件，政协提案4件。")  # the draft, frozen
    assert snap.published_by_id == office.id and snap.published_at.tzinfo is not None
    event = db.session.scalars(select(Event).where(Event.kind == "report.published")).one()
    assert event.data == {"year": 2023, "snapshot_id": snap.id} and event.actor_id == office.id


def test_publish_refusals(office, make_user, make_section):
    staff = make_user("staff", section=make_section("综合科"))
    with pytest.raises(PermissionDenied):
        services.publish(staff, 2023, today=TODAY)
    with pytest.raises(ServiceError, match="2025年尚未结束"):
        services.publish(office, 2025, today=TODAY)
    with pytest.raises(ServiceError, match="请先填写以下部分再发布：一、总体情况（导语）"):
        services.publish(office, 2023, today=TODAY)
    _publish_2023(office)
    with pytest.raises(ServiceError, match="不能重复发布"):
        services.publish(office, 2023, today=TODAY)
    with pytest.raises(ServiceError, match="文字已冻结"):
        services.save_narrative(office, 2023, {"problems": "改"}, today=TODAY)
    assert db.session.scalar(select(ReportSnapshot.year).where(ReportSnapshot.year != 2023)) is None


def test_publish_refused_while_a_check_fails(office):
    add_request(office.agency, date(2023, 6, 1), date(2023, 6, 5), None)  # concluded without an outcome
    db.session.commit()
    services.save_narrative(office, 2023, WRITTEN, today=TODAY)
    with pytest.raises(ServiceError, match="核对未通过，不能发布"):
        services.publish(office, 2023, today=TODAY)
    assert db.session.scalar(select(ReportSnapshot.id)) is None


def test_later_edits_show_as_differences_never_change_the_frozen_report(office, login, client):
    _publish_2023(office)
    # an old case is corrected after publication: 予以公开 (natural person) becomes 部分公开
    case = db.session.scalars(select(DisclosureRequest).where(DisclosureRequest.received_on == date(2023, 1, 5))).one()
    case.outcome = "partially_disclosed"
    db.session.commit()

    view = services.year_report(office.agency_id, 2023, today=TODAY)
    assert view.frozen and view.report["table3"] == EXPECTED_T3[2023]
    changed = {d.label: (d.frozen, d.current) for d in view.diffs}
    assert changed == {
        "表三「（一）予以公开」自然人": (3, 2),
        "表三「（一）予以公开」总计": (4, 3),
        "表三「（二）部分公开（区分处理的，只计这一情形，不计其他情形）」自然人": (1, 2),
        "表三「（二）部分公开（区分处理的，只计这一情形，不计其他情形）」总计": (2, 3),
    }
    current = services.year_report(office.agency_id, 2023, current=True, today=TODAY)
    assert current.report["table3"]["disclosed"]["natural_person"] == 2

    login(office)
    html = client.get("/reports/2023").get_data(as_text=True)
    assert 'id="differences"' in html and "以下 4 个数字" in html
    assert '<td data-ref="table3/disclosed/natural_person" class="table-warning"' in html  # marked in the table
    frozen_json = json.loads(client.get("/reports/2023/report.json").get_data(as_text=True))
    assert frozen_json["table3"]["disclosed"]["natural_person"] == 3
    current_json = json.loads(client.get("/reports/2023/report.json?view=current").get_data(as_text=True))
    assert current_json["table3"]["disclosed"]["natural_person"] == 2


def test_cases_changed_after_publication_are_listed(office):
    from tracker import audit

    snap = _publish_2023(office)
    case = db.session.scalars(select(DisclosureRequest).where(DisclosureRequest.received_on == date(2023, 2, 1))).one()
    case.outcome = "withheld.third_party"
    audit.record(
        "request.intake_edited",
        subject_type="request",
        subject_id=case.id,
        actor=office,
        data={"outcome": ["disclosed", "withheld.third_party"]},
    )
    db.session.commit()
    changed = services.cases_changed_since(office.agency_id, 2023, snap.published_at)
    assert [c.request_id for c in changed] == [case.id]


def test_cross_year_check_against_the_frozen_year(office):
    _publish_2023(office)
    # the case open since 31 Dec 2023 turns out to have been concluded on 30 Dec 2023
    case = db.session.get(DisclosureRequest, office.agency.open_case_id)
    case.status, case.concluded_on, case.outcome = "concluded", date(2023, 12, 30), "disclosed"
    db.session.commit()
    checks = {c["id"]: c for c in derive(office.agency_id, 2024, today=TODAY)["checks"]}
    assert checks["carried_in_vs_previous"]["ok"]  # today's records agree with themselves
    assert not checks["carried_in_vs_frozen"]["ok"]
    assert (
        "「法人或其他组织（其他）」列：本年“二、上年结转”为0件，已发布的2023年度报告“四、结转下年度继续办理”为1件"
        in checks["carried_in_vs_frozen"]["detail"]
    )
    # and 2023 itself now differs from what was published
    view = services.year_report(office.agency_id, 2023, today=TODAY)
    assert {"表三「四、结转下年度继续办理」法人或其他组织（其他）"} <= {d.label for d in view.diffs}


def test_publish_page(office, make_user, login, client, form_post):
    services.save_narrative(office, 2023, WRITTEN)
    leader = make_user("leader")
    login(leader)
    resp = form_post("/reports/2023/publish", {}, page_url="/reports/2023", follow_redirects=True)
    assert "请先勾选确认" in resp.get_data(as_text=True)
    assert db.session.scalar(select(ReportSnapshot.id)) is None
    resp = form_post("/reports/2023/publish", {"confirm": "y"}, page_url="/reports/2023", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "2023年度报告已发布" in html and "数字和文字已冻结" in html and 'id="publish-form"' not in html
    assert db.session.scalar(select(ReportSnapshot.published_by_id)) == leader.id


def test_narrative_page_of_a_published_year_is_closed(office, login, client):
    _publish_2023(office)
    login(office)
    resp = client.get("/reports/2023/narrative", follow_redirects=True)
    assert "文字已冻结，不能再修改" in resp.get_data(as_text=True) and 'name="part-problems"' not in resp.get_data(
        as_text=True
    )
