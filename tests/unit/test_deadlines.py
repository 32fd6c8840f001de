"""Deadline rules at their edges. Every expected date was counted by hand on the official calendars
(2024-2026: see test_workdays.OFFICIAL; 2027: weekends plus the statutory days, 除夕 2027-02-05)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.rules.deadlines import (
    DUE_SOON,
    DUE_TODAY,
    OK,
    OVERDUE,
    PAUSED,
    STATUS_LABELS,
    ExplicitDeadline,
    Extension,
    Pause,
    Restart,
    add_months,
    answer_deadline,
    calculator,
    clarification_notice_deadline,
    cohandler_opinion_deadline,
    consultation_window_end,
    correction_period_end,
    due_status,
    extension_check,
    fee_payment_deadline,
    months_deadline,
    proposal_deadline,
    proposal_extension_check,
    rehandling_deadline,
    workdays_deadline,
    workdays_remaining,
)
from tracker.rules.workdays import WorkCalendar

CAL = WorkCalendar()


def D(y: int, m: int, d: int) -> date:
    return date(y, m, d)


def due(receipt: date, **kw) -> date | None:
    return answer_deadline(receipt, calendar=CAL, **kw).due


# --- the base period -----------------------------------------------------------------------------


def test_twenty_working_days_after_receipt() -> None:
    r = answer_deadline(D(2026, 3, 2), calendar=CAL)
    assert r.due == D(2026, 3, 30)
    assert not r.paused and not r.provisional and r.provisional_years == ()
    assert r.warnings == []
    assert "2026-03-02" in r.explanation[0] and "2026-03-30" in r.explanation[0]
    assert r.provisional_note is None


def test_receipt_on_a_holiday_counts_from_the_first_working_day_after() -> None:
    # Oct 8 (1), 9 (2), Saturday Oct 10 make-up (3), ..., Nov 3 (20)
    assert due(D(2026, 10, 1)) == D(2026, 11, 3)
    assert due(D(2026, 10, 7)) == D(2026, 11, 3)
    assert due(D(2026, 9, 30)) == D(2026, 11, 3)


def test_receipt_on_the_eve_of_spring_festival() -> None:
    # Friday before the break: Saturday Feb 14 is a make-up day (1), then Feb 24 (2) ... Mar 19 (20)
    assert due(D(2026, 2, 13)) == D(2026, 3, 19)
    # 除夕 itself (a day off): Feb 24 (1) ... Feb 28 Saturday make-up (5) ... Mar 20 (20)
    assert due(D(2026, 2, 16)) == D(2026, 3, 20)
    # 2025 除夕 Jan 28: Feb 5 (1) ... Feb 8 Saturday (4) ... Mar 3 (20)
    assert due(D(2025, 1, 28)) == D(2025, 3, 3)


def test_counting_across_make_up_saturday_and_sunday() -> None:
    # 2024: Sunday Sep 29 works (1), Sep 30 (2), Oct 8-11 (3-6), Saturday Oct 12 (7), ..., Oct 30 (20)
    assert due(D(2024, 9, 27)) == D(2024, 10, 30)


def test_deadline_landing_on_a_make_up_working_day() -> None:
    r = answer_deadline(D(2026, 1, 26), calendar=CAL)
    assert r.due == D(2026, 2, 28)
    assert r.due.weekday() == 5  # a Saturday, and a working day
    assert due_status(r.due, D(2026, 2, 28), CAL) == DUE_TODAY


def test_entered_day_off_moves_the_deadline() -> None:
    cal = WorkCalendar(entries={D(2026, 3, 16): False})
    assert answer_deadline(D(2026, 3, 2), calendar=cal).due == D(2026, 3, 31)


def test_other_period_lengths() -> None:
    assert answer_deadline(D(2026, 3, 2), calendar=CAL, period=7).due == D(2026, 3, 11)


# --- provisional years ----------------------------------------------------------------------------


def test_december_2026_receipt_is_provisional_in_2027() -> None:
    r = answer_deadline(D(2026, 12, 15), calendar=CAL)
    # Dec 16-31: 12 working days; Jan 1 2027 off; Jan 4-8 (17), Jan 11-13 (20)
    assert r.due == D(2027, 1, 13)
    assert r.provisional and r.provisional_years == (2027,)
    assert r.provisional_note is not None
    assert "暂定" in r.provisional_note and "2027年" in r.provisional_note
    assert any("2027年" in step for step in r.explanation)


def test_deadline_on_the_last_day_of_2026_is_not_provisional() -> None:
    r = answer_deadline(D(2026, 12, 3), calendar=CAL)
    assert r.due == D(2026, 12, 31)
    assert not r.provisional


def test_confirming_2027_removes_the_flag_and_uses_the_entered_days() -> None:
    confirmed = WorkCalendar(entries={D(2027, 1, 1): False}, confirmed_years=[2027])
    r = answer_deadline(D(2026, 12, 15), calendar=confirmed)
    assert r.due == D(2027, 1, 13) and not r.provisional
    longer = WorkCalendar(entries={D(2027, 1, 1): False, D(2027, 1, 4): False}, confirmed_years=[2027])
    assert answer_deadline(D(2026, 12, 15), calendar=longer).due == D(2027, 1, 14)


def test_pause_into_a_provisional_year_makes_the_result_provisional() -> None:
    r = answer_deadline(D(2026, 11, 2), pauses=[Pause(D(2026, 11, 20), D(2027, 1, 8), "third_party")], calendar=CAL)
    assert r.provisional_years == (2027,)


# --- pauses ---------------------------------------------------------------------------------------


def test_pause_spanning_holidays() -> None:
    # Receipt Mon 2026-09-14: base Oct 16 (Sep 20 Sunday and Oct 10 Saturday work).
    assert due(D(2026, 9, 14)) == D(2026, 10, 16)
    r = answer_deadline(D(2026, 9, 14), pauses=[Pause(D(2026, 9, 24), D(2026, 10, 9), "third_party")], calendar=CAL)
    # Working days in (Sep 24, Oct 9]: Sep 28, 29, 30, Oct 8, 9 -> 5; Oct 16 + 5 = Oct 23
    assert r.due == D(2026, 10, 23)
    assert "扣除5个工作日" in r.explanation[1]
    assert "征求第三方意见" in r.explanation[1]


def test_pause_start_day_does_not_count_end_day_does() -> None:
    base = due(D(2026, 3, 2))
    assert base == D(2026, 3, 30)
    # (Mar 5, Mar 6]: one working day
    assert due(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 5), D(2026, 3, 6), "fee")]) == D(2026, 3, 31)
    # same-day pause removes nothing
    assert due(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 5), D(2026, 3, 5), "fee")]) == base
    # (Fri Mar 6, Sun Mar 8]: no working day
    assert due(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 6), D(2026, 3, 8), "fee")]) == base


def test_overlapping_pauses_count_each_day_once() -> None:
    a = Pause(D(2026, 3, 5), D(2026, 3, 12), "third_party")  # 5 working days
    b = Pause(D(2026, 3, 10), D(2026, 3, 16), "other_agency")  # adds Mar 13, 16
    r = answer_deadline(D(2026, 3, 2), pauses=[b, a], calendar=CAL)
    assert r.due == D(2026, 4, 9)  # Mar 30 + 7 (Apr 4-6 off)
    inner = Pause(D(2026, 3, 6), D(2026, 3, 10), "fee")
    assert due(D(2026, 3, 2), pauses=[a, inner]) == due(D(2026, 3, 2), pauses=[a]) == D(2026, 4, 7)


def test_open_pause_stops_the_clock() -> None:
    r = answer_deadline(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 20), None, "fee")], calendar=CAL, today=D(2026, 3, 27))
    assert r.due is None and r.paused
    assert r.base_due == D(2026, 3, 30)
    assert r.paused_since == D(2026, 3, 20)
    assert r.remaining_workdays == 6  # Mar 23-27, Mar 30
    assert r.due_if_resumed_today == D(2026, 4, 7)  # Mar 27 + 6 working days, Apr 4-6 off
    assert r.display_date == D(2026, 4, 7)
    assert due_status(r.due, D(2026, 3, 27), CAL) == PAUSED
    closed = due(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 20), D(2026, 3, 27), "fee")])
    assert closed == r.due_if_resumed_today


def test_open_pause_without_today_still_gives_the_base_date() -> None:
    r = answer_deadline(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 20), None, "fee")], calendar=CAL)
    assert r.paused and r.due_if_resumed_today is None and r.display_date == D(2026, 3, 30)


def test_pause_after_the_deadline_is_still_applied_with_a_warning() -> None:
    r = answer_deadline(D(2026, 3, 2), pauses=[Pause(D(2026, 4, 1), D(2026, 4, 3), "third_party")], calendar=CAL)
    assert r.due == D(2026, 4, 1)  # Mar 30 + (Apr 2, Apr 3)
    assert any("晚于当时的答复期限2026-03-30" in w for w in r.warnings)


def test_pause_before_receipt_only_removes_days_after_receipt() -> None:
    r = answer_deadline(D(2026, 3, 2), pauses=[Pause(D(2026, 2, 25), D(2026, 3, 4), "fee")], calendar=CAL)
    assert r.due == D(2026, 4, 1)  # only Mar 3, 4 removed
    assert r.warnings


def test_invalid_clock_inputs_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="早于开始日期"):
        Pause(D(2026, 3, 5), D(2026, 3, 4), "fee")
    with pytest.raises(ValueError, match="未知的暂停类型"):
        Pause(D(2026, 3, 5), None, "holiday")
    with pytest.raises(ValueError, match="至少为1个工作日"):
        Extension(0, D(2026, 3, 5))
    with pytest.raises(ValueError, match="理由"):
        ExplicitDeadline(D(2026, 6, 30), "  ")


# --- extensions -----------------------------------------------------------------------------------


def test_extension_moves_from_the_current_deadline() -> None:
    r = answer_deadline(D(2026, 3, 2), extensions=[Extension(20, D(2026, 3, 25))], calendar=CAL)
    assert r.due == D(2026, 4, 28)  # Mar 30 + 20, Apr 4-6 off
    assert r.extension_total == 20 and r.warnings == []
    split = [Extension(10, D(2026, 3, 20)), Extension(10, D(2026, 4, 10))]
    assert due(D(2026, 3, 2), extensions=split) == D(2026, 4, 28)


def test_extension_and_pause_combine_in_any_order() -> None:
    pause = Pause(D(2026, 3, 5), D(2026, 3, 12), "third_party")
    ext = Extension(5, D(2026, 3, 3))
    assert due(D(2026, 3, 2), pauses=[pause], extensions=[ext]) == D(2026, 4, 14)  # Mar 30 + 10


def test_late_or_excessive_extensions_are_applied_but_flagged() -> None:
    late = answer_deadline(D(2026, 3, 2), extensions=[Extension(5, D(2026, 3, 31))], calendar=CAL)
    assert late.due == D(2026, 4, 7)
    assert any("届满" in w for w in late.warnings)
    too_much = answer_deadline(
        D(2026, 3, 2), extensions=[Extension(15, D(2026, 3, 10)), Extension(10, D(2026, 3, 11))], calendar=CAL
    )
    assert too_much.extension_total == 25
    assert any("不得超过20个工作日" in w for w in too_much.warnings)


def test_extension_check() -> None:
    assert extension_check(D(2026, 3, 30), 0, 20, D(2026, 3, 30)) is None
    assert extension_check(D(2026, 3, 30), 10, 10, D(2026, 3, 1)) is None
    assert "届满" in extension_check(D(2026, 3, 30), 0, 5, D(2026, 3, 31))
    msg = extension_check(D(2026, 3, 30), 15, 10, D(2026, 3, 20))
    assert "不得超过20个工作日" in msg and "还能延期5个工作日" in msg
    assert "至少为1个工作日" in extension_check(D(2026, 3, 30), 0, 0, D(2026, 3, 20))
    assert extension_check(None, 0, 5, D(2026, 5, 1)) is None  # clock stopped: cannot be late


# --- clarification and restart --------------------------------------------------------------------


def test_restart_after_correction_ignores_earlier_events() -> None:
    earlier = [Pause(D(2026, 3, 3), D(2026, 3, 10), "third_party"), Pause(D(2026, 3, 11), None, "correction")]
    r = answer_deadline(
        D(2026, 3, 2),
        pauses=earlier,
        extensions=[Extension(10, D(2026, 3, 5))],
        restart=Restart(D(2026, 3, 16)),
        calendar=CAL,
    )
    # Mar 16 + 20: Mar 17-20 (4), 23-27 (9), 30-Apr 3 (14), Apr 7-10 (18), Apr 13-14 (20)
    assert r.due == D(2026, 4, 14) and not r.paused
    assert r.start == D(2026, 3, 16) and r.extension_total == 0
    assert any("不再计算" in s for s in r.explanation)
    later = answer_deadline(
        D(2026, 3, 2),
        pauses=earlier + [Pause(D(2026, 3, 20), D(2026, 3, 24), "fee")],
        restart=D(2026, 3, 16),
        calendar=CAL,
    )
    assert later.due == D(2026, 4, 16)  # Mar 23, 24 removed


def test_open_correction_pause_stops_the_clock_until_restart() -> None:
    r = answer_deadline(D(2026, 3, 2), pauses=[Pause(D(2026, 3, 6), None, "correction")], calendar=CAL)
    assert r.paused and r.due is None


def test_clarification_and_other_short_periods() -> None:
    assert clarification_notice_deadline(D(2026, 3, 2), CAL) == D(2026, 3, 11)
    # Sep 22-24 (3), Sep 28-30 (6), Oct 8-10 (9), Oct 12-16 (14), Oct 19 (15)
    assert correction_period_end(D(2026, 9, 21), CAL) == D(2026, 10, 19)
    assert correction_period_end(D(2026, 9, 21), CAL, days=3) == D(2026, 9, 24)
    # May 1-5 off; May 6-8 (3), Saturday May 9 (4), 11-15 (9), 18-22 (14), May 25 (15)
    assert consultation_window_end(D(2026, 4, 30), CAL) == D(2026, 5, 25)
    assert fee_payment_deadline(D(2026, 12, 20), CAL) == D(2027, 1, 18)
    r = workdays_deadline(D(2026, 12, 20), 20, CAL, what="缴费期限")
    assert r.due == D(2027, 1, 18) and r.provisional_years == (2027,)


# --- Art. 35 --------------------------------------------------------------------------------------


def test_explicit_deadline_overrides_everything() -> None:
    r = answer_deadline(
        D(2026, 3, 2),
        pauses=[Pause(D(2026, 3, 20), None, "fee")],
        explicit=ExplicitDeadline(D(2026, 6, 30), "申请数量巨大，需逐件检索"),
        calendar=CAL,
    )
    assert r.due == D(2026, 6, 30) and not r.paused and not r.provisional
    assert r.explicit_reason == "申请数量巨大，需逐件检索"
    assert "第三十五条" in r.explanation[-1] and "申请数量巨大" in r.explanation[-1]


# --- calendar months ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),
        (D(2026, 8, 31), 1, D(2026, 9, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 5, 31), 6, D(2026, 11, 30)),
        (D(2026, 3, 15), 0, D(2026, 3, 15)),
    ],
)
def test_add_months(start: date, n: int, expected: date) -> None:
    assert add_months(start, n) == expected


def test_month_deadline_on_a_holiday_moves_to_the_next_working_day() -> None:
    r = proposal_deadline(D(2026, 7, 1), calendar=CAL)
    assert r.due == D(2026, 10, 8)
    assert "国庆节" in r.explanation[1] and "2026-10-08" in r.explanation[1]
    # feedback on a holiday; one month later is Labour Day
    assert rehandling_deadline(D(2026, 4, 5), calendar=CAL).due == D(2026, 5, 6)
    # an ordinary Saturday
    assert proposal_deadline(D(2025, 10, 31), calendar=CAL).due == D(2026, 2, 2)


def test_month_deadline_on_a_make_up_working_day_stays() -> None:
    assert proposal_deadline(D(2025, 11, 14), calendar=CAL).due == D(2026, 2, 14)
    # month-end: Nov 30 + 3 months = Feb 28, a make-up Saturday in 2026
    assert proposal_deadline(D(2025, 11, 30), calendar=CAL).due == D(2026, 2, 28)
    assert cohandler_opinion_deadline(D(2026, 1, 31), calendar=CAL).due == D(2026, 2, 28)
    assert proposal_deadline(D(2023, 11, 30), calendar=CAL).due == D(2024, 2, 29)


def test_month_deadline_in_a_provisional_year() -> None:
    r = proposal_deadline(D(2026, 11, 14), calendar=CAL)  # 2027-02-14 is a Sunday
    assert r.due == D(2027, 2, 15) and r.provisional_years == (2027,)
    r = proposal_deadline(D(2026, 11, 5), calendar=CAL)  # 2027-02-05 is 除夕 (Friday)
    assert r.due == D(2027, 2, 9) and r.provisional
    assert not proposal_deadline(D(2026, 6, 30), calendar=CAL).provisional


def test_proposal_extension() -> None:
    r = proposal_deadline(D(2026, 3, 15), extended_to_months=6, calendar=CAL)
    assert r.due == D(2026, 9, 15)
    assert proposal_extension_check(3, 6) is None
    with pytest.raises(ValueError, match="最长为交办后6个月"):
        proposal_deadline(D(2026, 3, 15), extended_to_months=7, calendar=CAL)
    with pytest.raises(ValueError, match="应长于原期限"):
        proposal_deadline(D(2026, 3, 15), extended_to_months=3, calendar=CAL)
    with pytest.raises(ValueError):
        months_deadline(D(2026, 3, 15), 0, CAL)


# --- status ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 3, 20), OK),
        (D(2026, 3, 23), OK),  # Mon: Mar 24-27 remain (4)
        (D(2026, 3, 24), DUE_SOON),  # Tue: Mar 25, 26, 27 remain
        (D(2026, 3, 26), DUE_SOON),
        (D(2026, 3, 27), DUE_TODAY),
        (D(2026, 3, 28), OVERDUE),
    ],
)
def test_due_status_around_a_friday(today: date, status: str) -> None:
    assert due_status(D(2026, 3, 27), today, CAL) == status


def test_due_status_counts_working_days_not_calendar_days() -> None:
    assert due_status(D(2026, 3, 30), D(2026, 3, 28), CAL) == DUE_SOON  # Saturday before a Monday
    assert due_status(D(2026, 10, 9), D(2026, 9, 29), CAL) == DUE_SOON  # Sep 30, Oct 8, Oct 9
    assert due_status(D(2026, 10, 9), D(2026, 9, 28), CAL) == OK
    assert due_status(D(2026, 3, 27), D(2026, 3, 23), CAL, soon_days=4) == DUE_SOON
    assert set(STATUS_LABELS) == {PAUSED, OK, DUE_SOON, DUE_TODAY, OVERDUE}


def test_workdays_remaining() -> None:
    assert workdays_remaining(D(2026, 3, 27), D(2026, 3, 23), CAL) == 4
    assert workdays_remaining(D(2026, 3, 27), D(2026, 3, 27), CAL) == 0
    assert workdays_remaining(D(2026, 3, 27), D(2026, 3, 30), CAL) == -1


# --- the staff calculator -------------------------------------------------------------------------


def test_calculator() -> None:
    assert calculator(D(2026, 3, 2), calendar=CAL).due == D(2026, 3, 30)
    assert calculator(D(2026, 3, 2), calendar=CAL, working_days=7).due == D(2026, 3, 11)
    assert calculator(D(2026, 3, 2), calendar=CAL, extend=5).due == D(2026, 4, 7)
    paused = calculator(D(2026, 3, 2), calendar=CAL, pauses=[(D(2026, 3, 5), D(2026, 3, 12))])
    assert paused.due == D(2026, 4, 7)
    assert calculator(D(2026, 7, 1), calendar=CAL, months=3).due == D(2026, 10, 8)
    assert calculator(D(2026, 7, 1), calendar=CAL, months=2, extend=1).due == D(2026, 10, 8)
    assert calculator(D(2026, 12, 15), calendar=CAL).provisional_years == (2027,)
    with pytest.raises(ValueError, match="只能选择一种"):
        calculator(D(2026, 3, 2), calendar=CAL, months=3, working_days=20)
    with pytest.raises(ValueError, match="不适用暂停"):
        calculator(D(2026, 3, 2), calendar=CAL, months=3, pauses=[(D(2026, 3, 5), D(2026, 3, 6))])


def test_pause_starting_on_the_deadline_day() -> None:
    """The rule as written: the deadline moves by the working days in (start, end] — here to the last
    working day of the pause, flagged, because the answer may arrive after it (docs/deadlines.md)."""
    on_working_end = answer_deadline(
        D(2026, 3, 2), pauses=[Pause(D(2026, 3, 30), D(2026, 4, 2), "third_party")], calendar=CAL
    )
    assert on_working_end.due == D(2026, 4, 2) and on_working_end.warnings == []
    on_holiday_end = answer_deadline(
        D(2026, 3, 2), pauses=[Pause(D(2026, 3, 30), D(2026, 4, 5), "third_party")], calendar=CAL
    )
    assert on_holiday_end.due == D(2026, 4, 3)  # Mar 31, Apr 1, 2, 3 removed
    assert any("早于暂停结束日2026-04-05" in w for w in on_holiday_end.warnings)


def test_pause_starting_during_an_open_pause_removes_nothing_more() -> None:
    open_fee = Pause(D(2026, 3, 10), None, "fee")
    inside = Pause(D(2026, 3, 12), D(2026, 3, 20), "third_party")
    r = answer_deadline(D(2026, 3, 2), pauses=[open_fee, inside], calendar=CAL, today=D(2026, 3, 24))
    alone = answer_deadline(D(2026, 3, 2), pauses=[open_fee], calendar=CAL, today=D(2026, 3, 24))
    assert r.paused and r.base_due == alone.base_due == D(2026, 3, 30)
    assert r.due_if_resumed_today == alone.due_if_resumed_today
    assert any("重叠，不另扣除" in s for s in r.explanation)


def test_pause_starting_on_the_restart_day_counts() -> None:
    r = answer_deadline(
        D(2026, 3, 2),
        pauses=[Pause(D(2026, 3, 16), D(2026, 3, 18), "third_party")],
        restart=D(2026, 3, 16),
        calendar=CAL,
    )
    assert r.due == D(2026, 4, 16)  # Apr 14 + (Mar 17, 18)
