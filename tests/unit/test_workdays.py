"""The working-day calendar against the State Council's notices, written out here independently."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.rules.workdays import (
    CONFIRMED,
    PACKAGE,
    PACKAGE_MAX_YEAR,
    PROVISIONAL,
    WorkCalendar,
    statutory_holidays,
)


def span(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def D(y: int, m: int, d: int) -> date:
    return date(y, m, d)


# Copied from the State Council's notices (国办发明电), not from the package.
OFFICIAL: dict[int, tuple[list[date], list[date]]] = {
    2024: (
        [D(2024, 1, 1)]
        + span(D(2024, 2, 10), D(2024, 2, 17))
        + span(D(2024, 4, 4), D(2024, 4, 6))
        + span(D(2024, 5, 1), D(2024, 5, 5))
        + [D(2024, 6, 10)]
        + span(D(2024, 9, 15), D(2024, 9, 17))
        + span(D(2024, 10, 1), D(2024, 10, 7)),
        [
            D(2024, 2, 4),
            D(2024, 2, 18),
            D(2024, 4, 7),
            D(2024, 4, 28),
            D(2024, 5, 11),
            D(2024, 9, 14),
            D(2024, 9, 29),
            D(2024, 10, 12),
        ],
    ),
    2025: (
        [D(2025, 1, 1)]
        + span(D(2025, 1, 28), D(2025, 2, 4))
        + span(D(2025, 4, 4), D(2025, 4, 6))
        + span(D(2025, 5, 1), D(2025, 5, 5))
        + span(D(2025, 5, 31), D(2025, 6, 2))
        + span(D(2025, 10, 1), D(2025, 10, 8)),
        [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)],
    ),
    2026: (
        span(D(2026, 1, 1), D(2026, 1, 3))
        + span(D(2026, 2, 15), D(2026, 2, 23))
        + span(D(2026, 4, 4), D(2026, 4, 6))
        + span(D(2026, 5, 1), D(2026, 5, 5))
        + span(D(2026, 6, 19), D(2026, 6, 21))
        + span(D(2026, 9, 25), D(2026, 9, 27))
        + span(D(2026, 10, 1), D(2026, 10, 7)),
        [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
    ),
}


def expected_workday(d: date) -> bool:
    off, work = OFFICIAL[d.year]
    return d in work or (d.weekday() < 5 and d not in off)


def entered(year: int) -> dict[date, bool]:
    off, work = OFFICIAL[year]
    return {**{d: False for d in off}, **{d: True for d in work}}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_package_matches_the_official_arrangement_every_day(year: int) -> None:
    cal = WorkCalendar()
    assert cal.year_status(year) == PACKAGE
    days = span(D(year, 1, 1), D(year, 12, 31))
    mismatches = [d for d in days if cal.is_workday(d) != expected_workday(d)]
    assert mismatches == []
    # The official make-up days really are weekend days, so the check above tested the override.
    assert all(d.weekday() >= 5 for d in OFFICIAL[year][1])


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_entered_arrangement_alone_gives_the_same_year(year: int) -> None:
    cal = WorkCalendar(entries=entered(year), confirmed_years=[year], use_package=False)
    assert cal.year_status(year) == CONFIRMED
    days = span(D(year, 1, 1), D(year, 12, 31))
    assert [d for d in days if cal.is_workday(d) != expected_workday(d)] == []


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_days_off_and_makeup_lists_for_display(year: int) -> None:
    cal = WorkCalendar()
    off, work = OFFICIAL[year]
    assert [d for d, _ in cal.days_off(year)] == sorted(off)
    assert [d for d, _ in cal.makeup_workdays(year)] == sorted(work)
    assert all(name for _, name in cal.days_off(year))


def test_year_status() -> None:
    cal = WorkCalendar(confirmed_years=[2025])
    assert cal.year_status(2024) == PACKAGE
    assert cal.year_status(2025) == CONFIRMED
    assert cal.year_status(PACKAGE_MAX_YEAR) == PACKAGE
    assert cal.year_status(PACKAGE_MAX_YEAR + 1) == PROVISIONAL
    assert cal.is_provisional_year(2027)
    assert not cal.is_provisional_year(2026)
    assert WorkCalendar(use_package=False).year_status(2026) == PROVISIONAL


def test_the_package_covers_2004_to_2026() -> None:
    # If a newer chinesecalendar adds 2027 these expectations (and the provisional tests) must move.
    assert PACKAGE_MAX_YEAR == 2026
    assert WorkCalendar().year_status(2004) == PACKAGE
    assert WorkCalendar().year_status(2003) == PROVISIONAL


# --- provisional years --------------------------------------------------------------------------


def test_provisional_2027_lunar_and_solar_term_holidays() -> None:
    hol = statutory_holidays(2027)
    assert hol[D(2027, 2, 5)] == "春节"  # 除夕 (腊月二十九: the twelfth month of 2026 has 29 days)
    assert hol[D(2027, 2, 6)] == "春节"  # 正月初一
    assert [d for d, n in hol.items() if n == "春节"] == span(D(2027, 2, 5), D(2027, 2, 8))
    assert hol[D(2027, 4, 5)] == "清明节"
    assert hol[D(2027, 6, 9)] == "端午节"
    assert hol[D(2027, 9, 15)] == "中秋节"
    assert [d for d, n in hol.items() if n == "劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]
    assert [d for d, n in hol.items() if n == "国庆节"] == span(D(2027, 10, 1), D(2027, 10, 3))
    assert hol[D(2027, 1, 1)] == "元旦"
    assert len(hol) == 13  # 2024 amendment: 13 statutory days


def test_provisional_2027_is_weekends_plus_statutory_days_never_plain_weekdays() -> None:
    cal = WorkCalendar()
    hol = statutory_holidays(2027)
    for d in span(D(2027, 1, 1), D(2027, 12, 31)):
        assert cal.is_workday(d) == (d.weekday() < 5 and d not in hol), d
    # Weekdays inside Spring Festival are off even though nothing was entered.
    assert not cal.is_workday(D(2027, 2, 5))  # Friday, 除夕
    assert not cal.is_workday(D(2027, 2, 8))  # Monday, 初三
    assert not cal.is_workday(D(2027, 9, 15))  # Wednesday, 中秋
    assert cal.makeup_workdays(2027) == []
    assert cal.day_name(D(2027, 2, 8)) == "春节"


def test_before_the_2024_amendment_spring_festival_had_three_days_and_labour_day_one() -> None:
    hol = statutory_holidays(2024)
    assert [d for d, n in hol.items() if n == "春节"] == span(D(2024, 2, 10), D(2024, 2, 12))
    assert [d for d, n in hol.items() if n == "劳动节"] == [D(2024, 5, 1)]


def test_mid_autumn_on_national_day_carries_both_names() -> None:
    hol = statutory_holidays(2031)
    assert hol[D(2031, 10, 1)] == "中秋节、国庆节"
    assert len(hol) == 12


@pytest.mark.parametrize("year", range(2014, 2027))
def test_computed_statutory_days_are_off_in_the_official_data(year: int) -> None:
    """Cross-check of the lunar and solar-term arithmetic against 13 years of real notices."""
    official = WorkCalendar()
    not_off = [d for d in statutory_holidays(year) if official.is_workday(d)]
    assert not_off == []


@pytest.mark.parametrize(
    ("year", "qingming"),
    [
        (2024, D(2024, 4, 4)),
        (2025, D(2025, 4, 4)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 4, 5)),
        (2028, D(2028, 4, 4)),
        (2029, D(2029, 4, 4)),
        (2030, D(2030, 4, 5)),
    ],
)
def test_qingming_dates(year: int, qingming: date) -> None:
    assert statutory_holidays(year)[qingming] == "清明节"


def test_year_beyond_the_lunar_tables_is_refused_with_a_chinese_message() -> None:
    cal = WorkCalendar()
    with pytest.raises(ValueError, match="2100年"):
        cal.is_workday(D(2100, 3, 1))


# --- entered data -------------------------------------------------------------------------------


def test_entered_day_overrides_the_package_in_an_unconfirmed_year() -> None:
    base = WorkCalendar()
    assert base.is_workday(D(2026, 3, 2))
    cal = WorkCalendar(entries={D(2026, 3, 2): False, D(2026, 3, 7): True}, names={D(2026, 3, 2): "特别休假"})
    assert cal.year_status(2026) == PACKAGE
    assert not cal.is_workday(D(2026, 3, 2))
    assert cal.is_workday(D(2026, 3, 7))  # a Saturday
    assert cal.day_name(D(2026, 3, 2)) == "特别休假"
    assert cal.day_name(D(2026, 3, 7)) == "调休上班"
    # The rest of the package year is untouched.
    assert not cal.is_workday(D(2026, 10, 1))


def test_confirmed_year_ignores_the_package() -> None:
    cal = WorkCalendar(entries={D(2026, 10, 2): False}, confirmed_years=[2026])
    assert cal.is_workday(D(2026, 10, 1))  # Thursday; the package's National Day not entered
    assert not cal.is_workday(D(2026, 10, 2))
    assert not cal.is_workday(D(2026, 2, 14))  # package make-up Saturday not entered: a weekend
    assert cal.day_name(D(2026, 10, 1)) is None


def test_confirmed_2027_is_no_longer_provisional() -> None:
    entries = {d: False for d in span(D(2027, 2, 5), D(2027, 2, 11))} | {D(2027, 2, 20): True}
    cal = WorkCalendar(entries=entries, confirmed_years=[2027])
    assert cal.year_status(2027) == CONFIRMED
    assert cal.provisional_years_touched(D(2026, 12, 1), D(2027, 3, 1)) == []
    assert not cal.is_workday(D(2027, 2, 10))
    assert cal.is_workday(D(2027, 2, 20))
    assert cal.is_workday(D(2027, 9, 15))  # no statutory estimate in a confirmed year


# --- arithmetic -----------------------------------------------------------------------------------


def test_add_workdays_basics() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(D(2026, 3, 2), 0) == D(2026, 3, 2)
    assert cal.add_workdays(D(2026, 3, 2), 1) == D(2026, 3, 3)
    assert cal.add_workdays(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday -> Monday
    assert cal.add_workdays(D(2026, 3, 2), 20) == D(2026, 3, 30)
    with pytest.raises(ValueError):
        cal.add_workdays(D(2026, 3, 2), -1)


def test_add_workdays_from_a_holiday_counts_from_the_first_working_day_after() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(D(2026, 10, 1), 1) == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 10, 1), 2) == D(2026, 10, 9)
    assert cal.add_workdays(D(2026, 10, 1), 3) == D(2026, 10, 10)  # make-up Saturday counts


def test_add_workdays_across_years_and_many_years() -> None:
    cal = WorkCalendar()
    assert cal.add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 4)  # Jan 1-3 off, Sunday Jan 4 works
    total = sum(cal.workday_count(y) for y in (2024, 2025, 2026))
    assert cal.add_workdays(D(2023, 12, 31), total) == max(
        d for d in span(D(2026, 12, 1), D(2026, 12, 31)) if cal.is_workday(d)
    )


def test_workdays_after_until() -> None:
    cal = WorkCalendar()
    assert cal.workdays_after_until(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.workdays_after_until(D(2026, 3, 2), D(2026, 3, 1)) == 0
    assert cal.workdays_after_until(D(2026, 3, 2), D(2026, 3, 9)) == 5
    assert cal.workdays_after_until(D(2026, 9, 30), D(2026, 10, 10)) == 3  # Oct 8, 9, 10
    assert cal.workdays_after_until(D(2025, 12, 31), D(2026, 1, 5)) == 2  # Jan 4 and 5
    assert cal.workdays_after_until(D(2023, 12, 31), D(2026, 12, 31)) == sum(
        cal.workday_count(y) for y in (2024, 2025, 2026)
    )


def test_provisional_years_touched_excludes_the_start_day() -> None:
    cal = WorkCalendar()
    assert cal.provisional_years_touched(D(2026, 12, 30), D(2026, 12, 31)) == []
    assert cal.provisional_years_touched(D(2026, 12, 31), D(2027, 1, 1)) == [2027]
    assert cal.provisional_years_touched(D(2027, 12, 31), D(2029, 1, 2)) == [2028, 2029]
    assert cal.provisional_years_touched(D(2027, 12, 31), D(2027, 12, 31)) == []


def test_day_names() -> None:
    cal = WorkCalendar()
    assert cal.day_name(D(2026, 2, 17)) == "春节"
    assert cal.day_name(D(2026, 2, 14)) == "调休上班"
    assert cal.day_name(D(2026, 3, 3)) is None
    assert cal.day_name(D(2026, 3, 7)) is None  # an ordinary Saturday
    assert cal.day_name(D(2025, 10, 6)) == "中秋节"
