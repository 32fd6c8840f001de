"""Checks 1–6 on bad records: each fails, says why, and the report page lists the offending cases, linked."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.test_report_derive import add_request, add_review
from tracker.extensions import db
from tracker.reports.derive import derive, derive_full, problem_cases
from tracker.reports.models import ReportSnapshot
from tracker.rules.report_layout import empty_table3

TODAY = date(2024, 3, 1)


def _checks(agency, year=2023):
    return {c["id"]: c for c in derive(agency.id, year, today=TODAY)["checks"]}


@pytest.fixture()
def sound(agency):
    add_request(agency, date(2023, 2, 1), date(2023, 2, 20), "disclosed")
    add_request(agency, date(2023, 12, 20), None, None, "commercial_enterprise")
    db.session.commit()
    return agency


def test_sound_records_pass_every_check(sound):
    checks = _checks(sound)
    assert all(c["ok"] for c in checks.values())
    assert "carried_in_vs_frozen" not in checks  # no published 2022 report: not run rather than "passed"


def test_concluded_without_outcome(sound):
    bad = add_request(sound, date(2023, 3, 1), date(2023, 3, 5), None)
    db.session.commit()
    checks = _checks(sound)
    assert not checks["table3_total_row"]["ok"]
    assert "「总计」列：（七）总计为2件，21项办理结果合计为1件" in checks["table3_total_row"]["detail"]
    assert not checks["data_quality"]["ok"]
    assert "已办结但没有办理结果" in checks["data_quality"]["detail"] and "1件" in checks["data_quality"]["detail"]
    assert checks["table3_column_balance"]["ok"]  # still concluded: the identity holds
    cases = problem_cases(sound.id, 2023, "concluded_without_outcome", today=TODAY)
    assert [c.request_id for c in cases] == [bad.id] and cases[0].number == bad.number


def test_unknown_outcome_code_is_not_silently_dropped(sound):
    odd = add_request(sound, date(2023, 3, 1), date(2023, 3, 5), "approved")
    db.session.commit()
    [case] = problem_cases(sound.id, 2023, "concluded_without_outcome", today=TODAY)
    assert case.request_id == odd.id
    assert case.detail == "收到2023-03-01，办结2023-03-05，办理结果“approved”（不是有效的办理结果），申请人类型自然人"
    report = derive(sound.id, 2023, today=TODAY)
    assert report["table3"]["total"]["total"] == 2 and report["table3"]["disclosed"]["total"] == 1
    checks = {c["id"]: c for c in report["checks"]}
    assert not checks["table3_total_row"]["ok"] and not checks["data_quality"]["ok"]


def test_concluded_without_date_or_open_with_date(sound):
    a = add_request(sound, date(2023, 4, 1), None, "disclosed", status="concluded")
    b = add_request(sound, date(2023, 4, 2), date(2023, 4, 9), "disclosed", status="in_progress")
    db.session.commit()
    result = derive_full(sound.id, 2023, today=TODAY)
    assert result.problem_counts["concluded_without_date"] == 1
    assert result.problem_counts["dated_but_open"] == 1
    assert [c.request_id for c in problem_cases(sound.id, 2023, "concluded_without_date", today=TODAY)] == [a.id]
    assert [c.request_id for c in problem_cases(sound.id, 2023, "dated_but_open", today=TODAY)] == [b.id]
    assert not {c["id"]: c for c in result.report["checks"]}["data_quality"]["ok"]


def test_conclusion_before_receipt(sound):
    same_year = add_request(sound, date(2023, 5, 10), date(2023, 5, 1), "disclosed")
    across = add_request(sound, date(2024, 1, 5), date(2023, 12, 20), "disclosed")
    db.session.commit()
    checks = _checks(sound)
    # concluded in 2023 but received in 2024: counted in the results, not among the new ones
    assert not checks["table3_column_balance"]["ok"]
    assert "「自然人」列" in checks["table3_column_balance"]["detail"]
    cases = problem_cases(sound.id, 2023, "concluded_before_receipt", today=TODAY)
    assert {c.request_id for c in cases} == {same_year.id, across.id}


def test_receipt_in_the_future(sound):
    future = add_request(sound, date(2024, 6, 1), None, None)
    db.session.commit()
    assert not _checks(sound)["data_quality"]["ok"]
    assert "收到申请之日晚于今天1件" in _checks(sound)["data_quality"]["detail"]
    assert [c.request_id for c in problem_cases(sound.id, 2023, "received_in_future", today=TODAY)] == [future.id]


def test_unknown_applicant_type_fails_row_totals(sound):
    add_request(sound, date(2023, 6, 1), date(2023, 6, 9), "disclosed", "individual")
    db.session.commit()
    checks = _checks(sound)
    assert not checks["table3_row_totals"]["ok"]
    assert "总计为2件，六类申请人合计为1件" in checks["table3_row_totals"]["detail"]


def test_review_concluded_without_result_fails_table4(sound):
    req = add_request(sound, date(2023, 1, 3), date(2023, 1, 10), "withheld.third_party")
    add_review(sound, req, "reconsideration", date(2023, 2, 1), date(2023, 5, 1), None)
    add_review(sound, req, "litigation_direct", date(2023, 6, 1), date(2023, 5, 1), "upheld")
    db.session.commit()
    report = derive(sound.id, 2023, today=TODAY)
    checks = {c["id"]: c for c in report["checks"]}
    assert not checks["table4_totals"]["ok"] and "行政复议" in checks["table4_totals"]["detail"]
    assert report["table4"]["reconsideration"]["total"] == 1
    result = derive_full(sound.id, 2023, today=TODAY)
    assert result.problem_counts["review_without_result"] == 1
    assert result.problem_counts["review_concluded_before_filed"] == 1
    assert [c.request_id for c in problem_cases(sound.id, 2023, "review_without_result", today=TODAY)] == [req.id]


def test_carried_in_against_the_frozen_previous_year(sound):
    frozen = {"year": 2022, "table3": empty_table3()}
    frozen["table3"]["carried_out"]["natural_person"] = 2
    frozen["table3"]["carried_out"]["total"] = 2
    db.session.add(ReportSnapshot(agency_id=sound.id, year=2022, figures=frozen, narrative={}))
    db.session.commit()
    checks = _checks(sound)
    assert checks["carried_in_vs_previous"]["ok"]
    assert not checks["carried_in_vs_frozen"]["ok"]
    assert "已发布的2022年度报告“四、结转下年度继续办理”为2件" in checks["carried_in_vs_frozen"]["detail"]


def test_other_agencies_records_are_not_checked(sound, app_ctx):
    from tracker.accounts.models import Agency

    other = Agency(name="别的机关", settings={})
    db.session.add(other)
    db.session.commit()
    add_request(other, date(2023, 3, 1), date(2023, 3, 5), None)
    db.session.commit()
    assert all(c["ok"] for c in _checks(sound).values())


def test_page_lists_offending_cases_linked(sound, make_user, login, client):
    bad = add_request(sound, date(2024, 1, 5), date(2023, 12, 20), "disclosed")
    db.session.commit()
    login(make_user("office"))
    html = client.get("/reports/2023").get_data(as_text=True)
    assert 'data-check="table3_column_balance" data-ok="false"' in html
    assert f'href="/requests/{bad.id}"' in html and bad.number in html
    assert "办结日期早于收到申请之日" in html
