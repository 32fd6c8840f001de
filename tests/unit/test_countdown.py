"""The countdown beside a deadline (rules.deadlines.countdown), counted by hand on the 2025 calendar:
2025-10-01..08 is the 国庆/中秋 holiday, 2025-09-28 (Sunday) and 2025-10-11 (Saturday) are make-up
working days (国办发明电〔2024〕12号)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.rules.deadlines import DUE_SOON, DUE_TODAY, OK, OVERDUE, PAUSED, countdown
from tracker.rules.workdays import WorkCalendar

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("due", "today", "status", "days", "label"),
    [
        # 2025-09-26 (Fri) → due 2025-10-13 (Mon): 9-28 (make-up Sunday), 9-29, 9-30, 10-9, 10-10,
        # 10-11 (make-up Saturday), 10-13
        (date(2025, 10, 13), date(2025, 9, 26), OK, 7, "剩余7个工作日"),
        # the holiday counts nothing: on 10-03 three working days remain (10-09, 10-10, 10-11) and 10-13
        (date(2025, 10, 13), date(2025, 10, 3), DUE_SOON, 4, "剩余4个工作日"),
        (date(2025, 10, 13), date(2025, 10, 10), DUE_SOON, 2, "剩余2个工作日"),
        (date(2025, 10, 13), date(2025, 10, 13), DUE_TODAY, 0, "今日到期"),
        # the day after: one working day late
        (date(2025, 10, 13), date(2025, 10, 14), OVERDUE, 1, "超期1个工作日"),
        # due Friday 2025-09-26: on Saturday it is late, but no working day has passed yet
        (date(2025, 9, 26), date(2025, 9, 27), OVERDUE, 0, "已超期"),
        (date(2025, 9, 26), date(2025, 9, 29), OVERDUE, 2, "超期2个工作日"),  # 9-28 (make-up) and 9-29
        # across the holiday: 9-28, 9-29, 9-30, 10-09 are the working days after a 9-26 deadline
        (date(2025, 9, 26), date(2025, 10, 9), OVERDUE, 4, "超期4个工作日"),
    ],
)
def test_countdown_counts_working_days(due, today, status, days, label):
    c = countdown(due, today, CAL, soon_days=4)
    assert (c.status, c.days, c.label) == (status, days, label)
    assert c.provisional is False


def test_due_soon_threshold_is_the_configured_one():
    # seven working days left: ok with the default 3, 临期 with a threshold of 7
    assert countdown(date(2025, 10, 13), date(2025, 9, 26), CAL).status == OK
    assert countdown(date(2025, 10, 13), date(2025, 9, 26), CAL, soon_days=7).status == DUE_SOON


def test_paused_shows_what_was_left_when_known():
    assert countdown(None, date(2025, 10, 9), CAL).label == "暂停中"
    c = countdown(None, date(2025, 10, 9), CAL, remaining_when_paused=7)
    assert (c.status, c.days, c.label) == (PAUSED, 7, "暂停中（剩余7个工作日）")


def test_provisional_is_carried():
    assert countdown(date(2027, 10, 13), date(2027, 9, 1), CAL, provisional=True).provisional is True


def test_internal_deadline_counts_back_working_days():
    from tracker.rules.deadlines import internal_deadline

    # due 2025-10-13 (Mon): five working days back are 10-11 (make-up Sat), 10-10, 10-09, 09-30, 09-29
    assert internal_deadline(date(2025, 10, 13), date(2025, 9, 1), CAL, 5) == date(2025, 9, 29)
    assert internal_deadline(date(2025, 10, 13), date(2025, 9, 1), CAL, 1) == date(2025, 10, 11)
    assert internal_deadline(date(2025, 10, 13), date(2025, 9, 1), CAL, 0) == date(2025, 10, 13)
    # assigned on 10-09 with the deadline four working days away: the draft is owed the day it arrives
    assert internal_deadline(date(2025, 10, 13), date(2025, 10, 9), CAL, 5) == date(2025, 10, 9)
    with pytest.raises(ValueError):
        internal_deadline(date(2025, 10, 13), date(2025, 9, 1), CAL, -1)
