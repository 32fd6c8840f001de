"""Reconsideration and litigation records (table 四's inputs): validation and updates."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.disclosure import services as s
from tracker.disclosure.reviews import REVIEW_KINDS, REVIEW_RESULTS, record_review, update_review
from tracker.errors import PermissionDenied

from .workflow_fixtures import do, kinds, snapshot

LATER = date(2026, 9, 1)


@pytest.fixture()
def answered(w):
    req = w.new_case()
    do(
        s.conclude,
        w.office,
        req,
        outcome="withheld.process_info",
        legal_ground="属于过程性信息。",
        answer_date=date(2026, 3, 10),
        delivery_method="post",
        delivered_on=date(2026, 3, 10),
    )
    return req


def test_labels_come_from_table_four():
    assert REVIEW_KINDS == {
        "reconsideration": "行政复议",
        "litigation_direct": "行政诉讼（未经复议直接起诉）",
        "litigation_after_reconsideration": "行政诉讼（复议后起诉）",
    }
    assert REVIEW_RESULTS == {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果"}


def test_record_then_conclude_a_reconsideration_then_sue(app_ctx, w, answered):
    req = answered
    do(record_review, w.office, req, today=LATER, kind="reconsideration", filed_on=date(2026, 4, 1), body="区人民政府")
    review = req.reviews[0]
    assert (review.kind, review.result, review.agency_id) == ("reconsideration", None, req.agency_id)
    do(
        update_review,
        w.office,
        req,
        today=LATER,
        review_id=review.id,
        kind="reconsideration",
        filed_on=date(2026, 4, 1),
        concluded_on=date(2026, 6, 1),
        result="upheld",
        body="区人民政府",
    )
    assert (review.concluded_on, review.result) == (date(2026, 6, 1), "upheld")
    do(
        record_review,
        w.office,
        req,
        today=LATER,
        kind="litigation_after_reconsideration",
        filed_on=date(2026, 6, 10),
        body="区人民法院",
    )
    assert kinds(req)[-3:] == ["review.recorded", "review.concluded", "review.recorded"]


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"kind": "appeal"}, "kind", "请选择类型"),
        ({"filed_on": None}, "filed_on", "请填写"),
        ({"filed_on": date(2026, 9, 2)}, "filed_on", "将来"),
        ({"filed_on": date(2026, 3, 1)}, "filed_on", "早于收到政府信息公开申请之日"),
        ({"concluded_on": date(2026, 3, 31)}, "concluded_on", "早于申请（起诉）日期"),
        ({"concluded_on": date(2026, 9, 2), "result": "upheld"}, "concluded_on", "将来"),
        ({"concluded_on": date(2026, 5, 1)}, "result", "请选择审结结果"),
        ({"result": "upheld"}, "result", "尚未审结的不能填写结果"),
        ({"concluded_on": date(2026, 5, 1), "result": "won"}, "result", "只能是"),
        ({"kind": "litigation_after_reconsideration"}, "kind", "须先登记本申请的行政复议"),
    ],
)
def test_review_refusals_change_nothing(app_ctx, w, answered, data, field, message):
    before = snapshot(answered)
    with pytest.raises(s.Invalid) as e:
        do(
            record_review,
            w.office,
            answered,
            today=LATER,
            **{"kind": "reconsideration", "filed_on": date(2026, 4, 1), **data},
        )
    assert message in e.value.errors[field], e.value.errors
    assert snapshot(answered) == before


def test_only_the_office_records_reviews(app_ctx, w, answered):
    for user in (w.leader, w.head_a, w.staff_a, w.admin):
        with pytest.raises(PermissionDenied):
            do(record_review, user, answered, today=LATER, kind="reconsideration", filed_on=date(2026, 4, 1))
