"""tracker.rules.proposals (vocabulary and order of steps) and the month periods it relies on."""

from datetime import date as D
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules import proposals as r
from tracker.rules.deadlines import (
    add_months,
    cohandler_opinion_deadline,
    proposal_deadline,
    proposal_extension_check,
    rehandling_deadline,
)
from tracker.rules.workdays import WorkCalendar

CAL = WorkCalendar()


def test_vocabularies():
    assert r.KINDS == {"npc": "人大代表建议", "cppcc": "政协提案"}
    assert list(r.CONTACT_FORMS.values()) == ["见面沟通", "电话沟通", "书面沟通"]
    assert list(r.SATISFACTION.values()) == ["满意", "基本满意", "不满意"]
    assert r.RESULT_CLASSES == ("A", "B", "C", "D")
    assert r.DEFAULT_RESULT_LABELS["B"] == "正在解决或已列入计划逐步解决"
    assert set(r.OPEN_STATUSES) < set(r.STATUSES)
    assert r.author_title("npc") == "代表" and r.author_title("cppcc") == "委员"


def test_result_labels_merge_configured_over_defaults():
    assert r.result_labels(None) == r.DEFAULT_RESULT_LABELS
    labels = r.result_labels({"A": " 已解决 ", "B": "", "E": "不存在的类别", "C": 3})
    assert labels == {**r.DEFAULT_RESULT_LABELS, "A": "已解决"}
    assert r.result_label("A", labels) == "A类（已解决）"
    assert r.result_label(None, labels) == ""


def test_result_labels_errors():
    ok = {"A": "甲", "B": "乙", "C": "丙", "D": "丁"}
    assert r.result_labels_errors(ok) == {}
    errors = r.result_labels_errors({**ok, "B": " ", "C": "长" * 41, "D": "甲"})
    assert set(errors) == {"B", "C", "D"}
    assert "请填写B类" in errors["B"] and "不能超过40个字" in errors["C"] and "与A类的名称相同" in errors["D"]


def test_spreadsheet_spellings():
    assert r.code_from_label(r.SATISFACTION, "基本满意") == "basically"
    assert r.code_from_label(r.SATISFACTION, "satisfied") == "satisfied"
    assert r.code_from_label(r.KINDS, " 政协提案 ") == "cppcc"
    assert r.code_from_label(r.SATISFACTION, "很满意") is None
    assert [r.result_class_from_text(t) for t in ("a", "B类", " C ", "E", None)] == ["A", "B", "C", None, None]


def test_feedback_reopens_once():
    assert r.status_after_feedback("unsatisfied", 1) == r.REHANDLING
    assert r.status_after_feedback("unsatisfied", 2) == r.CLOSED
    assert r.status_after_feedback("basically", 1) == r.CLOSED
    assert r.status_after_feedback("satisfied", 1) == r.CLOSED
    assert r.status_after_feedback("unsatisfied", 2, max_rounds=3) == r.REHANDLING


@pytest.mark.parametrize(
    "action,allowed",
    [
        ("contact", {"assigned", "rehandling"}),
        ("reply", {"assigned", "rehandling"}),
        ("opinion", {"assigned", "rehandling"}),
        ("extension", {"assigned"}),
        ("feedback", {"replied"}),
    ],
)
def test_state_error(action, allowed):
    for status in r.STATUSES:
        err = r.state_error(action, status)
        assert (err is None) == (status in allowed), (action, status)
        if err:
            assert r.STATUSES[status] in err


def test_date_error():
    today = D(2026, 5, 10)
    assert r.date_error("答复日期", D(2026, 5, 10), today) is None
    assert "请填写答复日期" in r.date_error("答复日期", None, today)
    assert "晚于今天" in r.date_error("答复日期", D(2026, 5, 11), today)
    msg = r.date_error("答复日期", D(2026, 3, 1), today, not_before=D(2026, 3, 2), not_before_label="交办日期")
    assert "早于交办日期（2026-03-02）" in msg
    assert r.date_error("答复日期", D(2026, 3, 2), today, not_before=D(2026, 3, 2)) is None


def test_publish_link_error():
    assert r.publish_link_error("") is None and r.publish_link_error(None) is None
    assert r.publish_link_error("https://www.example.gov.cn/a.html") is None
    assert "http" in r.publish_link_error("www.example.gov.cn")
    assert "http" in r.publish_link_error("javascript:alert(1)")
    assert "500" in r.publish_link_error("https://x.cn/" + "a" * 500)


def test_rate():
    assert r.rate(5, 6) == 83.3 and r.rate(3, 4) == 75.0 and r.rate(0, 0) is None


# --- the month periods as the proposals use them ----------------------------------------------


@pytest.mark.parametrize(
    "assigned,due",
    [
        (D(2025, 11, 30), D(2026, 2, 28)),  # no Feb 30 -> last day; a make-up working Saturday in 2026
        (D(2023, 11, 30), D(2024, 2, 29)),  # leap year
        (D(2025, 11, 29), D(2026, 2, 28)),  # no Feb 29 in 2026 either -> Feb 28
        (D(2026, 11, 30), D(2027, 3, 1)),  # 2027-02-28 is a Sunday (estimated year) -> Monday
        (D(2025, 7, 1), D(2025, 10, 9)),  # 10-01 to 10-08 National Day and Mid-autumn -> 10-09
        (D(2025, 10, 31), D(2026, 2, 2)),  # Jan 31 2026 is a Saturday -> Monday
        (D(2026, 3, 2), D(2026, 6, 2)),
    ],
)
def test_reply_deadline_edges(assigned, due):
    assert proposal_deadline(assigned, calendar=CAL).due == due


def test_cohandler_and_rehandling_month_ends():
    # One month after Jan 31 is Feb 28 (2026: a make-up working day).
    assert cohandler_opinion_deadline(D(2026, 1, 31), calendar=CAL).due == D(2026, 2, 28)
    # Re-handling from a 不满意 on 2025-12-31: 2026-01-31 is a Saturday -> 2026-02-02.
    res = rehandling_deadline(D(2025, 12, 31), calendar=CAL)
    assert res.due == D(2026, 2, 2) and "反馈不满意日期" in res.explanation[0]
    # From 2026-01-01 (元旦): one month is 2026-02-01 (Sunday) -> 2026-02-02.
    assert rehandling_deadline(D(2026, 1, 1), calendar=CAL).due == D(2026, 2, 2)


def test_extension_limits():
    assert proposal_extension_check(3, 6) is None
    assert "最长为交办后6个月" in proposal_extension_check(3, 7)
    assert "应长于原期限" in proposal_extension_check(5, 5)
    assert proposal_extension_check(3, 8, max_months=8) is None


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 9, 30)), st.integers(min_value=1, max_value=6))
def test_reply_deadline_is_a_working_day_on_or_after_the_corresponding_day(assigned, months):
    due = proposal_deadline(assigned, months=months, extended_to_months=None, max_months=6, calendar=CAL).due
    target = add_months(assigned, months)
    assert due >= target and CAL.is_workday(due)
    # The first working day on or after the corresponding day: nothing in between is a working day.
    day = target
    while day < due:
        assert not CAL.is_workday(day)
        day += timedelta(days=1)
