"""The fee calculator on real records: the month count in SQL, who counts as the same applicant, band edges."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.disclosure import fees
from tracker.disclosure import services as s
from tracker.disclosure.intake import register_request
from tracker.extensions import db
from tracker.rules.ids import resident_id_check_char

from .workflow_fixtures import do, intake


def _id_with_checksum(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


ID_A = _id_with_checksum("11010519800101123")
ID_B = _id_with_checksum("11010519800101456")


def series(w, n: int, *, day=lambda i: date(2026, 3, 1 + i % 28), **over):
    return [register_request(w.office, intake(received_on=day(i), **over), today=date(2026, 4, 1)) for i in range(n)]


def test_per_request_bands_at_their_edges(app_ctx, w):
    cases = series(w, 41, id_type="resident_id", id_number=ID_A)
    cases.sort(key=lambda r: (r.received_on, r.id))
    expected = {1: 0, 10: 0, 11: 100, 30: 100, 31: 200, 40: 200, 41: 300}
    for nth, fee in expected.items():
        calc = s.fee_quote(w.office, cases[nth - 1], method="per_request")
        assert calc.position.nth == nth
        assert calc.amount == fee, (nth, calc.quote.explanation)
        assert len(calc.position.earlier_numbers) == nth - 1


def test_split_request_counts_each_unit(app_ctx, w):
    cases = series(w, 9, id_type="resident_id", id_number=ID_A)
    last = max(cases, key=lambda r: (r.received_on, r.id))
    calc = s.fee_quote(w.office, last, method="per_request", units=3)  # units 9, 10, 11
    assert calc.position.nth == 9 and calc.amount == 100
    assert any("第11件" in line for line in calc.quote.explanation)


def test_only_the_same_applicant_in_the_same_month_counts(app_ctx, w):
    target = register_request(
        w.office, intake(received_on=date(2026, 3, 20), id_type="resident_id", id_number=ID_A), today=date(2026, 4, 1)
    )
    series(w, 3, id_type="resident_id", id_number=ID_A, day=lambda i: date(2026, 3, 2 + i))  # counted
    series(w, 2, id_type="resident_id", id_number=ID_A, day=lambda i: date(2026, 2, 20 + i))  # other month
    series(w, 2, id_type="resident_id", id_number=ID_A, day=lambda i: date(2026, 3, 25 + i))  # later
    series(w, 2, id_type="resident_id", id_number=ID_B, day=lambda i: date(2026, 3, 2 + i))  # other person
    pos = fees.month_position(target)
    assert (pos.nth, pos.matched_by) == (4, "id_number")
    assert pos.month_start == date(2026, 3, 1) and pos.month_end == date(2026, 3, 31)


def test_without_id_number_matches_name_and_applicant_type(app_ctx, w):
    series(w, 2, applicant_name="李四", day=lambda i: date(2026, 3, 2 + i))
    series(w, 1, applicant_name="李四", applicant_type="commercial_enterprise", day=lambda i: date(2026, 3, 3))
    series(w, 1, applicant_name="王五", day=lambda i: date(2026, 3, 3))
    target = register_request(
        w.office, intake(applicant_name="李四", received_on=date(2026, 3, 10)), today=date(2026, 4, 1)
    )
    pos = fees.month_position(target)
    assert (pos.nth, pos.matched_by) == (3, "name")


def test_same_day_requests_are_ordered_by_registration(app_ctx, w):
    first, second = series(w, 2, day=lambda i: date(2026, 3, 5))
    assert fees.month_position(first).nth == 1 and fees.month_position(second).nth == 2


@pytest.mark.parametrize("pages,amount", [(0, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740)])
def test_per_page_bands_at_their_edges(app_ctx, w, pages, amount):
    req = w.new_case()
    assert s.fee_quote(w.office, req, method="per_page", pages=pages).amount == amount


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"method": "per_page", "pages": -1}, "pages"),
        ({"method": "per_page", "pages": "十"}, "pages"),
        ({"method": "per_page", "pages": None}, "pages"),
        ({"method": "per_request", "units": 0}, "units"),
        ({"method": "by_weight"}, "method"),
    ],
)
def test_bad_fee_figures_have_chinese_messages(app_ctx, w, kw, field):
    req = w.new_case()
    with pytest.raises(s.Invalid) as e:
        s.fee_quote(w.office, req, **kw)
    assert field in e.value.errors


def test_the_office_confirms_the_amount_the_records_give(app_ctx, w):
    """If the records change between calculation and confirmation, the confirmed amount is refused."""
    cases = series(w, 31, id_type="resident_id", id_number=ID_A, day=lambda i: date(2026, 3, 2))
    last = cases[-1]
    do(s.assign_section, w.office, last, section_id=w.sec_a.id)
    assert s.fee_quote(w.office, last, method="per_request").amount == 200
    cases[0].id_number = ID_B  # an earlier request turns out to be someone else's and is corrected
    db.session.commit()
    with pytest.raises(s.Invalid, match="核算金额为100元，与确认的200元不一致"):
        do(s.fee_notice, w.office, last, method="per_request", confirm_amount=200, notice_on=date(2026, 3, 10))
    do(s.fee_notice, w.office, last, method="per_request", confirm_amount=100, notice_on=date(2026, 3, 10))
    assert last.fee_amount == 100 and last.clock_actions[0].details["nth"] == 30


def test_zero_fee_needs_no_notice(app_ctx, w):
    req = w.new_case()
    do(s.assign_section, w.office, req, section_id=w.sec_a.id)
    with pytest.raises(s.Invalid, match="按件计收核算，本申请不收费"):
        do(s.fee_notice, w.office, req, method="per_request", confirm_amount=0, notice_on=date(2026, 3, 10))
