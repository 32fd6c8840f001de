"""Delivery (送达) decides timeliness: each letter's delivery, the answer's mirrored on the request, the
recipient's receipt starting its window, late extension notices flagged, impossible dates refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import csrf_token
from tracker.attachments import Upload
from tracker.disclosure import letters, workflow
from tracker.disclosure import services as s
from tracker.disclosure.delivery import record_delivery
from tracker.disclosure.models import Letter
from tracker.extensions import db
from tracker.reminders.scan import Policy, collect
from tracker.rules import deadlines
from tracker.workcal.service import current_calendar

from .workflow_fixtures import PASSWORD, TODAY, do, kinds, snapshot

DUE = date(2026, 3, 30)  # received Monday 2026-03-02: 20 working days


@pytest.fixture()
def case(w):
    req = w.new_case()
    do(s.assign_section, w.office, req, section_id=w.sec_a.id)
    do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id)
    return req


def _conclude_undelivered(w, req, answer_date=date(2026, 3, 27), today=date(2026, 3, 27)):
    return do(s.conclude, w.office, req, today=today, outcome="disclosed", answer_date=answer_date)


def test_concluded_but_not_delivered_shows_as_such(app_ctx, w, case):
    """Concluded on 2026-03-27 without a delivery: 已办结（答复未送达）, on the case, in the list filter, and the
    timeliness is open until delivered."""
    done = _conclude_undelivered(w, case)
    assert any("尚未登记送达" in m for m in done.warnings)
    assert case.status == "concluded" and case.delivered_on is None and case.delivery_method is None
    assert workflow.is_undelivered(case) and workflow.status_label(case) == "已办结（答复未送达）"
    assert deadlines.answer_timeliness(case.due_date, None, date(2026, 3, 27)) == deadlines.UNDELIVERED
    assert deadlines.answer_timeliness(case.due_date, None, date(2026, 3, 31)) == deadlines.UNDELIVERED_LATE
    assert db.session.query(Letter).count() == 0  # nothing delivered yet: no letter row needed


def test_the_delivery_date_not_the_letter_date_decides_timeliness(app_ctx, w, case):
    """Letter dated 2026-03-27 (before the deadline 2026-03-30), posted only on 2026-03-31: answered late.
    The answer letter's delivery is mirrored on the request."""
    _conclude_undelivered(w, case)
    done = do(
        record_delivery,
        w.office,
        case,
        today=date(2026, 4, 1),
        key="answer",
        delivery_method="post",
        delivered_on=date(2026, 3, 31),
        tracking_number="XA123456789CN",
    )
    assert any("晚于答复期限" in m for m in done.warnings)
    assert (case.delivery_method, case.delivered_on) == ("post", date(2026, 3, 31))
    row = letters.letter_row(case, "answer")
    assert (row.delivery_method, row.delivered_on, row.tracking_number) == ("post", date(2026, 3, 31), "XA123456789CN")
    assert deadlines.answer_timeliness(case.due_date, case.delivered_on, date(2026, 4, 1)) == deadlines.ANSWERED_LATE
    assert not workflow.is_undelivered(case) and kinds(case)[-1] == "request.letter_delivered"


def test_delivery_recorded_at_conclusion_fills_the_answer_letter(app_ctx, w, case):
    do(
        s.conclude,
        w.office,
        case,
        outcome="disclosed",
        answer_date=TODAY,
        delivery_method="in_person",
        delivered_on=TODAY,
    )
    row = letters.letter_row(case, "answer")
    assert row is not None and (row.delivery_method, row.delivered_on, row.version) == ("in_person", TODAY, 0)
    assert deadlines.answer_timeliness(case.due_date, case.delivered_on, TODAY) == deadlines.ANSWERED_ON_TIME


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"delivered_on": date(2026, 3, 26)}, "delivered_on", "早于告知书的日期"),  # before the letter's date
        ({"delivered_on": date(2026, 4, 30)}, "delivered_on", "不能是将来的日期"),
        ({"delivery_method": "pigeon"}, "delivery_method", "请选择送达方式"),
        ({"tracking_number": "单号 1"}, "tracking_number", "邮件单号"),
        ({"served_on": date(2026, 3, 28)}, "served_on", "只有征求意见书和收费通知书"),
        ({"key": "fee:999"}, "key", "请选择要登记送达的告知书"),
    ],
)
def test_impossible_deliveries_are_refused_and_change_nothing(app_ctx, w, case, data, field, message):
    _conclude_undelivered(w, case)
    before = snapshot(case)
    values = {"key": "answer", "delivery_method": "post", "delivered_on": date(2026, 3, 28), **data}
    with pytest.raises(s.Invalid) as e:
        do(record_delivery, w.office, case, today=date(2026, 4, 1), **values)
    assert field in e.value.errors and message in e.value.errors[field], e.value.errors
    assert snapshot(case) == before and db.session.query(Letter).count() == 0


def test_a_draft_answer_cannot_be_delivered(app_ctx, w, case):
    do(s.submit_draft, w.staff_a, case, outcome="disclosed")
    with pytest.raises(s.Invalid, match="送审稿不能登记送达"):
        do(record_delivery, w.office, case, key="answer", delivery_method="post", delivered_on=TODAY)


def test_consultation_window_runs_from_the_party_receipt(app_ctx, w, case):
    """Sent by post on 2026-03-04 (交邮), received by the third party on 2026-03-09: its 15 working days end on
    the 15th working day after 2026-03-09, not after 2026-03-04. A receipt before the posting is refused."""
    do(s.consult, w.staff_a, case, kind="consult_third_party", party="甲公司", sent_on=date(2026, 3, 4))
    act = case.clock_actions[0]
    key = f"consultation:{act.id}"
    with pytest.raises(s.Invalid) as e:
        do(
            record_delivery,
            w.staff_a,
            case,
            key=key,
            delivery_method="post",
            delivered_on=date(2026, 3, 5),
            served_on=date(2026, 3, 4),
        )
    assert "早于交邮日期" in e.value.errors["served_on"] and act.served_on is None
    do(
        record_delivery,
        w.staff_a,
        case,
        key=key,
        delivery_method="post",
        delivered_on=date(2026, 3, 4),
        served_on=date(2026, 3, 9),
    )
    cal = current_calendar()
    assert act.served_on == date(2026, 3, 9)
    assert act.window_end == cal.add_workdays(date(2026, 3, 9), 15) != cal.add_workdays(date(2026, 3, 4), 15)


def test_handed_over_consultation_is_received_the_same_day(app_ctx, w, case):
    do(s.consult, w.staff_a, case, kind="consult_agency", party="区财政局", sent_on=date(2026, 3, 4))
    act = case.clock_actions[0]
    do(
        record_delivery,
        w.staff_a,
        case,
        key=f"consultation:{act.id}",
        delivery_method="in_person",
        delivered_on=date(2026, 3, 5),
    )
    assert act.served_on == date(2026, 3, 5)


def test_fee_window_follows_the_recorded_receipt_until_the_fee_ends(app_ctx, w, case):
    do(s.fee_notice, w.office, case, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 4))
    act = case.clock_actions[0]
    assert act.served_on == date(2026, 3, 4)  # the notice form's default: received the day it was issued
    do(
        record_delivery,
        w.office,
        case,
        key=f"fee:{act.id}",
        delivery_method="post",
        delivered_on=date(2026, 3, 4),
        served_on=date(2026, 3, 6),
    )
    assert act.window_end == current_calendar().add_workdays(date(2026, 3, 6), 20)
    do(s.fee_paid, w.office, case, paid_on=date(2026, 3, 9), amount=100)
    with pytest.raises(s.Invalid, match="缴费已经结束"):
        do(
            record_delivery,
            w.office,
            case,
            key=f"fee:{act.id}",
            delivery_method="post",
            delivered_on=date(2026, 3, 4),
            served_on=date(2026, 3, 7),
        )


def test_extension_notice_delivered_after_the_original_deadline_is_flagged(app_ctx, w, case):
    """Approved on 2026-03-27 (deadline 2026-03-30), the notice reached the applicant on 2026-03-31: flagged."""
    do(
        s.request_extension,
        w.staff_a,
        case,
        workdays=5,
        reason="档案调取",
        requested_on=date(2026, 3, 26),
        today=date(2026, 3, 26),
    )
    ext = s.pending_extensions(case)[0]
    do(
        s.decide_extension,
        w.leader,
        case,
        clock_action_id=ext.id,
        approve=True,
        decided_on=date(2026, 3, 27),
        today=date(2026, 3, 27),
    )
    done = do(
        record_delivery,
        w.office,
        case,
        today=date(2026, 4, 1),
        key=f"extension:{ext.id}",
        delivery_method="post",
        delivered_on=date(2026, 3, 31),
    )
    assert any("晚于原答复期限" in m for m in done.warnings)
    listed = {cl.key: cl for cl in letters.case_letters(case)}
    assert listed[f"extension:{ext.id}"].late_notice and "2026年3月30日" in listed[f"extension:{ext.id}"].late_notice


def test_proof_is_stored_with_the_delivery(app_ctx, w, case):
    _conclude_undelivered(w, case)
    do(
        record_delivery,
        w.office,
        case,
        today=date(2026, 3, 28),
        key="answer",
        delivery_method="post",
        delivered_on=date(2026, 3, 28),
        proof=Upload("回执.pdf", b"%PDF-1.4 receipt", "application/pdf"),
    )
    row = letters.letter_row(case, "answer")
    from tracker.attachments import Attachment

    att = db.session.get(Attachment, row.proof_attachment_id)
    assert att.original_name == "回执.pdf" and att.kind == "delivery_proof" and att.subject_id == case.id


def test_reopening_clears_the_answer_delivery(app_ctx, w, case):
    do(s.conclude, w.office, case, outcome="disclosed", answer_date=TODAY, delivery_method="email", delivered_on=TODAY)
    do(s.reopen, w.admin, case, reason="复议决定责令重新答复")
    row = letters.letter_row(case, "answer")
    assert row.delivered_on is None and case.delivered_on is None


def test_undelivered_answers_are_reminded_to_the_office(app_ctx, w, case):
    """Concluded 2026-03-27, not delivered: the office and the handler hear of it before the deadline and
    once more after it (2026-03-31); once delivered, nothing is owed."""
    _conclude_undelivered(w, case)
    cal = current_calendar()
    owed = [o for o in collect(date(2026, 3, 27), cal, Policy()) if o.kind == "undelivered"]
    assert {o.recipient_id for o in owed} == {w.office.id, w.staff_a.id} and {o.occurrence for o in owed} == {0}
    later = [o for o in collect(date(2026, 3, 31), cal, Policy()) if o.kind == "undelivered"]
    assert {o.occurrence for o in later} == {1} and "已超期" in later[0].text
    do(
        record_delivery,
        w.office,
        case,
        today=date(2026, 3, 31),
        key="answer",
        delivery_method="email",
        delivered_on=date(2026, 3, 31),
    )
    assert not [o for o in collect(date(2026, 4, 1), cal, Policy()) if o.kind == "undelivered"]


def test_case_page_lists_letters_with_a_delivery_form_each(app_ctx, w, case, client, form_post):
    _conclude_undelivered(w, case)
    client.post(
        "/login",
        data={
            "username": w.office.username,
            "password": PASSWORD,
            "csrf_token": csrf_token(client.get("/login").get_data(as_text=True)),
        },
    )
    html = client.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "已办结（答复未送达）" in html and 'data-letter="answer"' in html and 'data-letter="receipt"' in html
    assert f"/requests/{case.id}/act/record_delivery?letter=answer" in html
    page = client.get(f"/requests/{case.id}/act/record_delivery?letter=answer").get_data(as_text=True)
    assert (
        'name="served_on"' not in page and 'enctype="multipart/form-data"' in page
    )  # the answer takes no receipt date
    listing = client.get("/requests/?status=undelivered").get_data(as_text=True)
    assert case.number in listing
    resp = form_post(
        f"/requests/{case.id}/act/record_delivery",
        {"version": str(case.version), "key": "answer", "delivery_method": "email", "delivered_on": "2026-03-27"},
        page_url=f"/requests/{case.id}/act/record_delivery?letter=answer",
        follow_redirects=True,
    )
    body = resp.get_data(as_text=True)
    assert "已登记答复书的送达" in body, body[:2000]
    db.session.expire_all()
    assert case.delivered_on == date(2026, 3, 27)
    assert case.number not in client.get("/requests/?status=undelivered").get_data(as_text=True)


def test_consultation_delivery_page_asks_for_the_receipt_date(app_ctx, w, case, login, client):
    do(s.consult, w.staff_a, case, kind="consult_third_party", party="甲公司", sent_on=TODAY)
    login(w.staff_a)
    key = f"consultation:{case.clock_actions[0].id}"
    page = client.get(f"/requests/{case.id}/act/record_delivery?letter={key}").get_data(as_text=True)
    assert 'name="served_on"' in page and "对方收到日期" in page


def test_timestamps_of_the_delivery_record_are_aware(app_ctx, w, case):
    do(s.conclude, w.office, case, outcome="disclosed", answer_date=TODAY)
    do(record_delivery, w.office, case, key="answer", delivery_method="email", delivered_on=TODAY)
    row = letters.letter_row(case, "answer")
    assert row.delivery_recorded_at.tzinfo is not None and row.delivery_recorded_at <= datetime.now(UTC)
