"""Invariants of the calendar and the deadline engine, over real and randomly entered calendars."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.rules.deadlines import (
    DUE_SOON,
    DUE_TODAY,
    OK,
    OVERDUE,
    Extension,
    Pause,
    add_months,
    answer_deadline,
    due_status,
    months_deadline,
)
from tracker.rules.workdays import WorkCalendar

settings.register_profile("deadlines", deadline=None, max_examples=150)
settings.load_profile("deadlines")

REAL = WorkCalendar()  # package 2024-2026, provisional 2027 onwards

dates = st.dates(min_value=date(2023, 6, 1), max_value=date(2029, 12, 31))
counts = st.integers(min_value=0, max_value=260)
positive = st.integers(min_value=1, max_value=260)


@st.composite
def calendars(draw) -> WorkCalendar:
    """Random administrator entries (including weekday make-up days the CSV would refuse)."""
    entered = draw(
        st.dictionaries(st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 6, 30)), st.booleans(), max_size=80)
    )
    confirmed = draw(st.sets(st.sampled_from([2025, 2026, 2027, 2028]), max_size=2))
    return WorkCalendar(entries=entered, confirmed_years=confirmed, use_package=draw(st.booleans()))


any_calendar = st.one_of(st.just(REAL), calendars())


def naive_add(cal: WorkCalendar, d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        n -= cal.is_workday(d)
    return d


def naive_count(cal: WorkCalendar, a: date, b: date) -> int:
    return sum(cal.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


@given(any_calendar, dates, counts)
def test_add_workdays_matches_day_by_day_counting(cal: WorkCalendar, d: date, n: int) -> None:
    assert cal.add_workdays(d, n) == naive_add(cal, d, n)


@given(any_calendar, dates, dates)
def test_workdays_after_until_matches_day_by_day_counting(cal: WorkCalendar, a: date, b: date) -> None:
    assert cal.workdays_after_until(a, b) == (naive_count(cal, a, b) if b > a else 0)


@given(any_calendar, dates, positive)
def test_result_is_a_working_day_strictly_after_start(cal: WorkCalendar, d: date, n: int) -> None:
    result = cal.add_workdays(d, n)
    assert result > d and cal.is_workday(result)


@given(any_calendar, dates, counts, counts)
def test_monotone_in_n(cal: WorkCalendar, d: date, n: int, m: int) -> None:
    if n < m:
        assert cal.add_workdays(d, n) < cal.add_workdays(d, m)


@given(any_calendar, dates, dates, positive)
def test_monotone_in_start(cal: WorkCalendar, a: date, b: date, n: int) -> None:
    if a <= b:
        assert cal.add_workdays(a, n) <= cal.add_workdays(b, n)


@given(any_calendar, dates, counts, counts)
def test_adding_n_then_m_equals_adding_n_plus_m(cal: WorkCalendar, d: date, n: int, m: int) -> None:
    assert cal.add_workdays(cal.add_workdays(d, n), m) == cal.add_workdays(d, n + m)


@given(any_calendar, dates, counts)
def test_count_inverts_add(cal: WorkCalendar, d: date, n: int) -> None:
    assert cal.workdays_after_until(d, cal.add_workdays(d, n)) == n


# --- the deadline engine --------------------------------------------------------------------------

kinds = st.sampled_from(["third_party", "other_agency", "fee"])


@st.composite
def closed_pauses(draw, receipt: date) -> Pause:
    start = receipt + timedelta(days=draw(st.integers(min_value=-5, max_value=60)))
    end = start + timedelta(days=draw(st.integers(min_value=0, max_value=45)))
    return Pause(start, end, draw(kinds))


@st.composite
def cases(draw):
    receipt = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
    pauses = draw(st.lists(closed_pauses(receipt), max_size=4))
    extensions = [
        Extension(k, receipt + timedelta(days=off))
        for k, off in draw(st.lists(st.tuples(st.integers(1, 10), st.integers(0, 40)), max_size=2))
    ]
    return receipt, pauses, extensions


@given(any_calendar, cases(), st.data())
def test_pauses_only_ever_move_a_deadline_later(cal: WorkCalendar, case, data) -> None:
    receipt, pauses, extensions = case
    without = answer_deadline(receipt, extensions=extensions, calendar=cal).due
    current = without
    for i in range(1, len(pauses) + 1):
        later = answer_deadline(receipt, pauses=pauses[:i], extensions=extensions, calendar=cal).due
        assert later >= current >= without
        current = later
    extra = data.draw(closed_pauses(receipt))
    assert answer_deadline(receipt, pauses=[*pauses, extra], extensions=extensions, calendar=cal).due >= current


@given(any_calendar, cases(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(cal: WorkCalendar, case, rnd: random.Random) -> None:
    receipt, pauses, extensions = case
    first = answer_deadline(receipt, pauses=pauses, extensions=extensions, calendar=cal).due
    rnd.shuffle(pauses)
    rnd.shuffle(extensions)
    assert answer_deadline(receipt, pauses=pauses, extensions=extensions, calendar=cal).due == first


@given(any_calendar, dates, st.integers(0, 30), st.integers(0, 30))
def test_single_pause_equals_stopping_the_clock(cal: WorkCalendar, receipt: date, s: int, length: int) -> None:
    """Moving the deadline by the removed days == resuming with the days left when the clock stopped.

    Holds whenever at least one working day was left (start < deadline); a pause that starts on the
    deadline itself is covered by test_deadlines.test_pause_starting_on_the_deadline_day.
    """
    base = cal.add_workdays(receipt, 20)
    start = receipt + timedelta(days=s)
    if start >= base:
        return
    end = start + timedelta(days=length)
    left = cal.workdays_after_until(start, base)
    moved = answer_deadline(receipt, pauses=[Pause(start, end, "fee")], calendar=cal).due
    assert moved == cal.add_workdays(end, left)


@given(any_calendar, cases(), st.integers(0, 60))
def test_open_pause_resumed_today_equals_closing_it_today(cal: WorkCalendar, case, wait: int) -> None:
    receipt, pauses, extensions = case
    open_start = receipt + timedelta(days=30)
    closed = [p for p in pauses if p.start < open_start]  # an open pause hides later ones
    today = open_start + timedelta(days=wait)
    r = answer_deadline(
        receipt, pauses=[*closed, Pause(open_start, None, "fee")], extensions=extensions, calendar=cal, today=today
    )
    assert r.paused and r.due is None
    assert r.due_if_resumed_today >= r.base_due
    closed_today = answer_deadline(
        receipt, pauses=[*closed, Pause(open_start, today, "fee")], extensions=extensions, calendar=cal
    )
    assert closed_today.due == r.due_if_resumed_today


@given(cases())
def test_provisional_exactly_when_a_counted_day_is_in_2027_or_later(case) -> None:
    receipt, _, extensions = case
    r = answer_deadline(receipt, extensions=extensions, calendar=REAL)
    assert r.provisional == (r.due.year >= 2027)
    first_counted = (receipt + timedelta(days=1)).year
    assert r.provisional_years == tuple(range(max(2027, first_counted), r.due.year + 1))


# --- months and status ----------------------------------------------------------------------------


@given(dates, st.integers(min_value=-36, max_value=36))
def test_add_months_corresponding_day_or_month_end(d: date, n: int) -> None:
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n
    if r.day != d.day:
        assert r.day < d.day and (r + timedelta(days=1)).day == 1  # clipped to the month's last day


@given(any_calendar, dates, st.integers(min_value=1, max_value=6))
def test_month_deadline_is_the_first_working_day_on_or_after_the_target(cal: WorkCalendar, d: date, n: int) -> None:
    target = add_months(d, n)
    due = months_deadline(d, n, cal).due
    assert due >= target and cal.is_workday(due)
    assert cal.workdays_after_until(target - timedelta(days=1), due - timedelta(days=1)) == 0


ORDER = {OK: 0, DUE_SOON: 1, DUE_TODAY: 2, OVERDUE: 3}


@given(any_calendar, dates, st.integers(-20, 20), st.integers(0, 10))
def test_status_never_goes_back_as_days_pass(cal: WorkCalendar, due: date, offset: int, step: int) -> None:
    today = due + timedelta(days=offset)
    later = today + timedelta(days=step)
    assert ORDER[due_status(due, today, cal)] <= ORDER[due_status(due, later, cal)]
