"""Rules with dates in force: each rule takes the date it applies to (tracker.rules.effective)."""

from datetime import date

import pytest

from tracker.rules import deadlines, fees
from tracker.rules.effective import Dated, NotInForce, Version
from tracker.rules.workdays import WorkCalendar

D = date
CAL = WorkCalendar()


def test_dated_picks_the_version_in_force_on_the_day():
    """A rule of 10 from 2020-01-01 and 12 from 2024-01-01: 2023-12-31 → 10, 2024-01-01 → 12, and before
    2020 the rule did not exist yet (a Chinese message naming the date in force)."""
    rule = Dated("示例规则", [Version(D(2024, 1, 1), 12, "新法"), Version(D(2020, 1, 1), 10, "旧法")])
    assert rule.at(D(2023, 12, 31)) == 10
    assert rule.at(D(2024, 1, 1)) == 12
    assert rule.version_at(D(2030, 5, 5)).source == "新法"
    assert rule.current.value == 12
    with pytest.raises(NotInForce, match="示例规则自2020-01-01起施行"):
        rule.at(D(2019, 12, 31))


def test_dated_refuses_two_versions_on_one_day_and_no_version():
    with pytest.raises(ValueError):
        Dated("x", [Version(D(2020, 1, 1), 1, "a"), Version(D(2020, 1, 1), 2, "b")])
    with pytest.raises(ValueError):
        Dated("x", [])


def test_answer_period_follows_the_receipt_date():
    """Received 2019-05-14 (2007 Regulation, Art. 24): 15 working days and at most 15 more; received
    2019-05-15 (2019 Regulation, Art. 33): 20 and 20. 2019-05-14 is a Tuesday: the 15th working day after
    it is 2019-06-04 (no holiday in between; 2019-06-07 is 端午)."""
    assert deadlines.answer_period(D(2019, 5, 14)) == 15
    assert deadlines.extension_limit(D(2019, 5, 14)) == 15
    assert deadlines.answer_period(D(2019, 5, 15)) == 20
    assert deadlines.extension_limit(D(2019, 5, 15)) == 20
    old = deadlines.answer_deadline(D(2019, 5, 14), calendar=CAL)
    assert old.due == D(2019, 6, 4) and old.period == 15 and old.extension_limit == 15
    new = deadlines.answer_deadline(D(2019, 5, 15), calendar=CAL)
    assert new.period == 20 and new.due == CAL.add_workdays(D(2019, 5, 15), 20)


def test_old_request_refuses_an_extension_beyond_its_own_limit():
    """A request received under the 2007 Regulation may be extended by at most 15 working days: an
    approved 16-day extension is applied (stored facts) but carries a warning naming the limit of 15."""
    r = deadlines.answer_deadline(D(2019, 3, 1), extensions=[deadlines.Extension(16, D(2019, 3, 5))], calendar=CAL)
    assert any("不得超过15个工作日" in w for w in r.warnings)
    assert deadlines.extension_check(D(2019, 3, 22), 0, 16, D(2019, 3, 5), max_total=r.extension_limit)


def test_receipt_before_the_regulation_uses_its_first_version_with_a_warning():
    r = deadlines.answer_deadline(D(2008, 4, 1), calendar=CAL)
    assert r.period == 15 and any("早于《政府信息公开条例》施行之日" in w for w in r.warnings)


def test_initial_deadline_ignores_later_clock_actions():
    """Received Monday 2026-03-02: the deadline in force at receipt is the 20th working day, 2026-03-30,
    whatever extension comes later."""
    assert deadlines.initial_answer_deadline(D(2026, 3, 2), CAL) == D(2026, 3, 30)


def test_calculator_refuses_an_extension_over_the_statutory_limit():
    """From 2026-03-02, extending by 20 working days is allowed (2026-04-28); by 21 it is refused, citing
    Art. 33 and the limit of 20. From 2018-03-02 the limit in force was 15."""
    assert deadlines.calculator(D(2026, 3, 2), calendar=CAL, extend=20).due == D(2026, 4, 28)
    with pytest.raises(ValueError, match="最长不得超过20个工作日"):
        deadlines.calculator(D(2026, 3, 2), calendar=CAL, extend=21)
    with pytest.raises(ValueError, match="最长不得超过15个工作日"):
        deadlines.calculator(D(2018, 3, 2), calendar=CAL, extend=16)
    # months (NPC/CPPCC items) have their own, configurable limit
    assert deadlines.calculator(D(2026, 2, 1), calendar=CAL, months=1, extend=24).due is not None


def test_fee_bands_follow_the_receipt_date():
    """109号 took effect 2021-01-01: a request received 2020-12-31 is charged nothing and the quote is
    refused with the date in force; one received 2021-01-04 as the 11th of its month costs 100 yuan."""
    with pytest.raises(ValueError, match="2021年1月1日起施行"):
        fees.fee_for("per_request", nth_in_month=11, received_on=D(2020, 12, 31))
    assert fees.fee_for("per_request", nth_in_month=11, received_on=D(2021, 1, 4)).amount_yuan == 100
    assert fees.schedule_for(D(2025, 6, 1)) is fees.CURRENT


def test_a_new_fee_schedule_applies_only_to_requests_received_after_it(monkeypatch):
    """Add a schedule from 2030-01-01 that charges 200 yuan from the 11th request: a request received
    2029-12-31 still pays 100, one received 2030-01-02 pays 200."""
    new = fees.FeeSchedule(10, 30, 200, 10, fees.CURRENT.page_bands, "假设的新办法")
    table = Dated("信息处理费", [*fees.SCHEDULES.versions, Version(D(2030, 1, 1), new, "假设的新办法")])
    monkeypatch.setattr(fees, "SCHEDULES", table)
    assert fees.fee_for("per_request", nth_in_month=11, received_on=D(2029, 12, 31)).amount_yuan == 100
    assert fees.fee_for("per_request", nth_in_month=11, received_on=D(2030, 1, 2)).amount_yuan == 200
