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
        ({"kind": "litigation_after_reconsideration"}, "kind", "须先登记行政复议"),
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


# --- reviews not tied to a registered request, and history that predates the records --------------------


def test_a_review_about_proactive_disclosure_is_registered_and_counted(app_ctx, w):
    """A reconsideration about 主动公开 (no request) filed 2026-04-01 and pending: table 四 of 2026 counts it."""
    from tracker.disclosure.reviews import record_unattached_review, unattached_reviews
    from tracker.reports.derive import derive_table4

    review = record_unattached_review(
        w.office,
        today=LATER,
        subject="proactive",
        subject_note="对本机关主动公开的某规划文件不服",
        kind="reconsideration",
        filed_on=date(2026, 4, 1),
        body="区人民政府",
    )
    assert review.request_id is None and unattached_reviews(w.office.agency_id) == [review]
    t4 = derive_table4(w.office.agency_id, 2026)
    assert t4["reconsideration"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}


@pytest.mark.parametrize(
    "data,field",
    [
        ({"subject": "request"}, "subject"),
        ({"subject_note": ""}, "subject_note"),
        ({"filed_on": date(2026, 9, 2)}, "filed_on"),
        ({"concluded_on": date(2026, 3, 31), "result": "upheld"}, "concluded_on"),
        ({"kind": "litigation_after_reconsideration"}, "kind"),
    ],
)
def test_unattached_review_refusals_change_nothing(app_ctx, w, data, field):
    from tracker.disclosure.models import Review
    from tracker.disclosure.reviews import record_unattached_review
    from tracker.extensions import db

    values = {
        "subject": "not_received",
        "subject_note": "申请人称曾邮寄申请，本机关未收到",
        "kind": "reconsideration",
        "filed_on": date(2026, 4, 1),
        **data,
    }
    with pytest.raises(s.Invalid) as e:
        record_unattached_review(w.office, today=LATER, **values)
    assert field in e.value.errors
    assert db.session.query(Review).count() == 0
    with pytest.raises(PermissionDenied):
        record_unattached_review(w.staff_a, today=LATER, **{**values, **{"subject": "proactive"}})


def test_unattached_lawsuit_after_an_unattached_reconsideration(app_ctx, w):
    """A reconsideration about 主动公开 concluded 2026-04-20 (recorded, not tied to a request): a 复议后起诉
    filed 2026-05-06 needs no explanation and gets no data note; one filed 2026-04-10, before that
    reconsideration ended, is refused without an explanation."""
    from tracker.disclosure.reviews import record_unattached_review

    common = {"subject": "proactive", "subject_note": "对某规划文件的主动公开不服"}
    record_unattached_review(
        w.office,
        today=LATER,
        **common,
        kind="reconsideration",
        filed_on=date(2026, 4, 1),
        concluded_on=date(2026, 4, 20),
        result="upheld",
    )
    with pytest.raises(s.Invalid) as e:
        record_unattached_review(
            w.office, today=LATER, **common, kind="litigation_after_reconsideration", filed_on=date(2026, 4, 10)
        )
    assert "行政复议情况说明" in e.value.errors["kind"]
    suit = record_unattached_review(
        w.office, today=LATER, **common, kind="litigation_after_reconsideration", filed_on=date(2026, 5, 6)
    )
    assert suit.data_note is None


def test_lawsuit_after_a_reconsideration_outside_the_records_gets_a_data_note(app_ctx, w, answered):
    """A 复议后起诉 whose reconsideration predates the records: recorded with the explanation given, counted in
    table 四, listed as a data note of the year — not a failed check."""
    from tracker.reports.derive import data_notes, derive

    done = do(
        record_review,
        w.office,
        answered,
        today=LATER,
        kind="litigation_after_reconsideration",
        filed_on=date(2026, 5, 6),
        prior_reconsideration="2026年4月区人民政府作出复议决定，未在本系统登记",
        body="区人民法院",
    )
    review = answered.reviews[0]
    assert review.data_note and "未在本系统登记" in review.data_note and done.warnings
    report = derive(w.office.agency_id, 2026, today=LATER)
    assert report["table4"]["litigation_after_reconsideration"]["total"] == 1
    assert all(c["ok"] for c in report["checks"] if c["id"] in ("table4_totals", "data_quality"))
    notes = data_notes(w.office.agency_id, 2026)
    assert [(n.number, n.note) for n in notes] == [(answered.number, review.data_note)]


def test_unattached_review_pages(app_ctx, w, login, client, form_post):
    login(w.office)
    assert client.get("/requests/reviews/").status_code == 200
    resp = form_post(
        "/requests/reviews/new",
        {
            "subject": "proactive",
            "subject_note": "对主动公开的某文件不服",
            "kind": "litigation_direct",
            "filed_on": "2026-04-01",
            "body": "区人民法院",
        },
        follow_redirects=True,
    )
    assert "已登记复议诉讼记录" in resp.get_data(as_text=True)
    assert "对主动公开的某文件不服" in client.get("/requests/reviews/").get_data(as_text=True)
    bad = form_post("/requests/reviews/new", {"subject": "proactive", "kind": "x", "filed_on": "2026-02-30"})
    assert "未保存" in bad.get_data(as_text=True)
