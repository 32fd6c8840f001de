"""Deadline reminders with a fixed clock and a real SMTP server on localhost (aiosmtpd).

The 2026 calendar around National Day: Sep 25-27 中秋 off, Sep 28-30 working, Oct 1-7 off,
Oct 8-9 working, Oct 10 (Saturday) a make-up working day, Oct 11 Sunday, Oct 12 Monday.
A request received on 2026-09-04 is due on 2026-10-09.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from tracker.disclosure.clock import refresh
from tracker.disclosure.models import ClockAction
from tracker.extensions import db
from tracker.reminders import service
from tracker.reminders.models import (
    MAIL_NO_ADDRESS,
    MAIL_OFF,
    MAIL_PENDING,
    MAIL_SENT,
    MAIL_STALE,
    Notification,
    Reminder,
    ReminderRun,
)
from tracker.reminders.scan import Policy, collect, owed_at
from tracker.workcal.service import current_calendar

from .reminder_helpers import (
    BASE_URL,
    at,
    mail_down,
    make_case,
    make_proposal,
    notes_of,
    recipients,
    reminders,
    run_at,
    smtp_server,
    with_addresses,
)

RECEIVED = date(2026, 9, 4)
DUE = date(2026, 10, 9)
LATE_RECEIVED = date(2026, 8, 31)  # due 2026-09-28: first working day late on Sep 29


@pytest.fixture()
def people(w):
    return with_addresses(w)


@pytest.fixture()
def smtp(app, monkeypatch):
    yield from smtp_server(app, monkeypatch)


def test_fixture_dates_are_what_the_tests_assume(app_ctx):
    cal = current_calendar()
    assert cal.add_workdays(RECEIVED, 20) == DUE
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 11))
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))


def test_reminders_fall_on_the_right_working_days_around_national_day(people):
    w = people
    req = make_case(w, RECEIVED)
    assert req.due_date == DUE
    by_day = {}
    d = date(2026, 9, 26)
    while d <= date(2026, 10, 13):
        result = run_at(d)
        by_day[d] = (result.skipped, dict(result.created))
        d += timedelta(days=1)
    # Days off: no run at all (中秋, the National Day week, Sunday Oct 11).
    for off in [date(2026, 9, 26), date(2026, 9, 27)] + [date(2026, 10, i) for i in range(1, 8)] + [date(2026, 10, 11)]:
        assert by_day[off][0] and "不是工作日" in by_day[off][0], off
    # Sep 28: 4 working days left -> nothing; Sep 29: 3 left (Sep 30, Oct 8, Oct 9) -> 临期, once.
    assert by_day[date(2026, 9, 28)] == (None, {})
    assert by_day[date(2026, 9, 29)] == (None, {"due_soon": 1})
    assert by_day[date(2026, 9, 30)] == (None, {})
    assert by_day[date(2026, 10, 8)] == (None, {})
    assert by_day[date(2026, 10, 9)] == (None, {"due_today": 1})
    # Saturday Oct 10 is a working day: first day late, handler and section head.
    assert by_day[date(2026, 10, 10)] == (None, {"overdue": 2})
    # Monday Oct 12: second working day late (Sunday does not count), the office too; Oct 13 again.
    assert by_day[date(2026, 10, 12)] == (None, {"overdue": 3})
    assert by_day[date(2026, 10, 13)] == (None, {"overdue": 3})

    soon = reminders(kind="due_soon")
    assert [(r.run_on, r.recipient_id, r.deadline) for r in soon] == [(date(2026, 9, 29), w.staff_a.id, DUE)]
    over = reminders(kind="overdue")
    assert {(r.occurrence, r.recipient_id) for r in over} == {
        (1, w.staff_a.id),
        (1, w.head_a.id),
        (2, w.staff_a.id),
        (2, w.head_a.id),
        (2, w.office.id),
        (3, w.staff_a.id),
        (3, w.head_a.id),
        (3, w.office.id),
    }
    # Nobody else heard of it: not the other section, not the leader.
    everyone = recipients(reminders())
    assert everyone == {w.staff_a.id, w.head_a.id, w.office.id}
    texts = [n.text for n in notes_of(w.office)]
    assert texts and all(req.number in t and "2026-10-09" in t for t in texts)
    assert "已超期2个工作日" in texts[0] and "已超期3个工作日" in texts[1]


def test_due_soon_respects_the_configured_number_of_working_days(people, app, monkeypatch):
    make_case(people, RECEIVED)
    monkeypatch.setitem(app.config, "DUE_SOON_WORKDAYS", 5)
    # Sep 24: after it Sep 28, 29, 30, Oct 8, 9 = 5 working days (Sep 25-27 off).
    assert dict(run_at(date(2026, 9, 23)).created) == {}
    assert dict(run_at(date(2026, 9, 24)).created) == {"due_soon": 1}


def test_one_digest_per_person_listing_all_their_cases(people, smtp):
    w = people
    soon = make_case(w, RECEIVED)  # due Oct 9: 临期 on Sep 29
    late = make_case(w, LATE_RECEIVED, subject="某规划文件")  # due Sep 28: overdue on Sep 29
    other = make_case(w, LATE_RECEIVED, section="b", handler="staff_b", subject="价格文件")
    assert late.due_date == date(2026, 9, 28)
    result = run_at(date(2026, 9, 29))
    assert dict(result.created) == {"due_soon": 1, "overdue": 4}
    # staff_a: soon + late; head_a: late; staff_b: other; head_b: other. One mail each.
    assert result.mails_sent == 4 and result.mails_failed == 0
    assert dict(result.sent) == {"due_soon": 1, "overdue": 4}
    assert len(smtp.messages) == 4
    mine = smtp.to("staff_a@example.gov.cn")
    assert len(mine) == 1
    body = smtp.body(mine[0])
    assert "临期" in mine[0]["Subject"] and "超期" in mine[0]["Subject"]
    assert soon.number in body and late.number in body and other.number not in body
    assert "2026-10-09" in body and "2026-09-28" in body
    assert f"{BASE_URL}/requests/{soon.id}" in body and f"{BASE_URL}/requests/{late.id}" in body
    # The overdue one is listed first in the digest.
    assert body.index(late.number) < body.index(soon.number)
    head = smtp.body(smtp.to("head_a@example.gov.cn")[0])
    assert late.number in head and soon.number not in head
    assert other.number in smtp.body(smtp.to("head_b@example.gov.cn")[0])
    assert smtp.to("office@example.gov.cn") == []
    assert all(r.mail_status == MAIL_SENT and r.mail_attempts == 1 and r.mailed_at for r in reminders())


def test_rerun_sends_nothing_twice(people, smtp):
    w = people
    make_case(w, RECEIVED)
    make_case(w, LATE_RECEIVED)
    first = run_at(date(2026, 9, 29))
    assert sum(first.created.values()) == 3 and first.mails_sent == 2
    for hh in (9, 10, 17):
        again = run_at(date(2026, 9, 29), hh)
        assert sum(again.created.values()) == 0 and again.mails_sent == 0
    assert len(smtp.messages) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3
    assert db.session.scalar(select(func.count()).select_from(ReminderRun)) == 4


@pytest.mark.parametrize("with_lock", [True, False], ids=["run-lock", "claims-only"])
def test_concurrent_runs_send_nothing_twice(people, smtp, app, monkeypatch, with_lock):
    """Four schedulers at the same moment. Without the run lock (claims-only) the unique key and the
    conditional claim alone still keep every reminder and every mail single."""
    w = people
    if not with_lock:
        monkeypatch.setattr(service, "_take_lock", lambda: True)
    cases = [make_case(w, RECEIVED) for _ in range(3)] + [make_case(w, LATE_RECEIVED, section="b", handler="staff_b")]
    db.session.commit()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                results.append(run_at(date(2026, 9, 29)))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(results) == 4
    # 3 临期 to staff_a; overdue of the B case to staff_b and head_b.
    assert sum(sum(r.created.values()) for r in results) == 5
    assert sum(r.mails_sent for r in results) == 3
    assert len(smtp.messages) == 3
    assert sorted(rc[0] for rc, _ in smtp.messages) == sorted(
        ["staff_a@example.gov.cn", "staff_b@example.gov.cn", "head_b@example.gov.cn"]
    )
    assert all(c.number in smtp.body(smtp.to("staff_a@example.gov.cn")[0]) for c in cases[:3])
    assert len(reminders()) == 5
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5


def test_a_failing_mail_server_loses_nothing(people, app, monkeypatch):
    w = people
    make_case(w, LATE_RECEIVED)  # overdue on Sep 29
    mail_down(app, monkeypatch)
    down = run_at(date(2026, 9, 29))
    assert dict(down.created) == {"overdue": 2}
    assert down.mails_sent == 0 and down.mails_failed == 2 and "无法连接邮件服务器" in down.errors[0]
    rows = reminders()
    assert all(r.mail_status == MAIL_PENDING and r.mail_attempts == 1 and r.mail_error for r in rows)
    # The in-app notifications exist regardless.
    assert len(notes_of(w.staff_a)) == 1 and len(notes_of(w.head_a)) == 1
    # Still down an hour later: still owed, tried again.
    assert run_at(date(2026, 9, 29), 9).mails_failed == 2
    assert all(r.mail_attempts == 2 and r.mail_status == MAIL_PENDING for r in reminders())


def test_owed_mail_goes_out_on_the_next_run(people, app, monkeypatch, smtp):
    w = people
    req = make_case(w, LATE_RECEIVED)
    port = smtp.port
    mail_down(app, monkeypatch)
    assert run_at(date(2026, 9, 29)).mails_failed == 2
    assert smtp.messages == []
    monkeypatch.setitem(app.config, "MAIL_PORT", port)  # the server is back
    back = run_at(date(2026, 9, 29), 10)
    assert dict(back.created) == {} and back.mails_sent == 2 and dict(back.sent) == {"overdue": 2}
    assert len(smtp.to("staff_a@example.gov.cn")) == 1 and len(smtp.to("head_a@example.gov.cn")) == 1
    assert req.number in smtp.body(smtp.to("staff_a@example.gov.cn")[0])
    assert all(r.mail_status == MAIL_SENT and r.mail_attempts == 2 and r.mail_error is None for r in reminders())
    assert run_at(date(2026, 9, 29), 11).mails_sent == 0
    assert len(smtp.messages) == 2


def test_a_refused_address_stays_owed_while_the_others_are_sent(people, smtp):
    w = people
    make_case(w, LATE_RECEIVED)
    smtp.refuse.add("head_a@example.gov.cn")
    result = run_at(date(2026, 9, 29))
    assert result.mails_sent == 1 and result.mails_failed == 1 and "head_a@example.gov.cn" in result.errors[0]
    status = {r.recipient_id: (r.mail_status, r.mail_attempts) for r in reminders()}
    assert status == {w.staff_a.id: (MAIL_SENT, 1), w.head_a.id: (MAIL_PENDING, 1)}
    smtp.refuse.clear()  # the address was fixed on the mail server
    again = run_at(date(2026, 9, 29), 10)
    assert again.mails_sent == 1 and len(smtp.to("head_a@example.gov.cn")) == 1
    assert len(smtp.to("staff_a@example.gov.cn")) == 1


def test_mail_owed_for_an_earlier_overdue_day_is_replaced_by_today(people, app, monkeypatch, smtp):
    w = people
    make_case(w, LATE_RECEIVED)  # due Sep 28
    port = smtp.port
    mail_down(app, monkeypatch)
    run_at(date(2026, 9, 29))  # day 1 late, mail fails
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    result = run_at(date(2026, 9, 30))  # day 2 late: one mail per person, only for day 2
    assert result.mails_sent == 3  # staff_a, head_a, and now the office
    body = smtp.body(smtp.to("staff_a@example.gov.cn")[0])
    assert "已超期2个工作日" in body and "已超期1个工作日" not in body
    day1 = reminders(occurrence=1)
    assert {r.mail_status for r in day1} == {"superseded"}


def test_reminders_follow_a_changed_deadline(people, app, monkeypatch, smtp):
    w = people
    req = make_case(w, RECEIVED)
    port = smtp.port
    mail_down(app, monkeypatch)
    assert dict(run_at(date(2026, 9, 29)).created) == {"due_soon": 1}  # for Oct 9; mail fails
    # An extension of 5 working days is approved: Oct 10 (make-up Saturday), 12-15: the deadline moves to Oct 15.
    req.clock_actions.append(
        ClockAction(
            kind="extension",
            state="approved",
            started_on=date(2026, 9, 29),
            decided_on=date(2026, 9, 29),
            workdays=5,
            details={},
        )
    )
    refresh(req, current_calendar())
    db.session.commit()
    assert req.due_date == date(2026, 10, 15)
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    moved = run_at(date(2026, 9, 30))
    assert dict(moved.created) == {} and moved.mails_sent == 0 and moved.stale == 1
    assert smtp.messages == []
    assert reminders(deadline=DUE)[0].mail_status == MAIL_STALE
    # The old date passes without a word; the new one is reminded of on its own days.
    assert dict(run_at(date(2026, 10, 9)).created) == {}
    assert dict(run_at(date(2026, 10, 10)).created) == {}
    assert dict(run_at(date(2026, 10, 12)).created) == {"due_soon": 1}
    assert dict(run_at(date(2026, 10, 15)).created) == {"due_today": 1}
    assert {r.deadline for r in reminders(mail_status=MAIL_SENT)} == {date(2026, 10, 15)}
    assert len(smtp.messages) == 2 and all("2026-10-15" in smtp.body(m) for _, m in smtp.messages)


def test_no_answer_reminders_while_the_clock_is_stopped_or_after_conclusion(people):
    w = people
    paused = make_case(
        w,
        LATE_RECEIVED,
        status="paused",
        pause_reason="consultation",
        actions=[
            ClockAction(
                kind="consult_third_party",
                state="open",
                started_on=date(2026, 9, 1),
                window_end=date(2026, 11, 30),
                party="某公司",
                details={},
            )
        ],
    )
    assert paused.due_date is None
    done = make_case(w, LATE_RECEIVED, status="concluded")
    assert done.due_date is not None
    assert dict(run_at(date(2026, 9, 29)).created) == {}


def test_escalation_reaches_the_right_people(people):
    w = people
    no_handler = make_case(w, LATE_RECEIVED, handler=None)
    unassigned = make_case(w, LATE_RECEIVED, section=None, handler=None, status="registered")
    moved = make_case(w, LATE_RECEIVED, handler="staff_b")  # handler now in another section
    agency_wide = make_case(w, LATE_RECEIVED, handler="office")
    w.staff_a2.active = False
    inactive = make_case(w, LATE_RECEIVED, handler="staff_a2")
    db.session.commit()
    run_at(date(2026, 9, 29))  # day 1 late
    day1 = {
        c.id: recipients(reminders(subject_id=c.id, occurrence=1))
        for c in (no_handler, unassigned, moved, agency_wide, inactive)
    }
    assert day1[no_handler.id] == {w.head_a.id}
    assert day1[unassigned.id] == {w.office.id}
    assert day1[moved.id] == {w.head_a.id}
    assert day1[agency_wide.id] == {w.office.id, w.head_a.id}
    assert day1[inactive.id] == {w.head_a.id}
    run_at(date(2026, 9, 30))  # day 2: the office joins
    assert recipients(reminders(subject_id=no_handler.id, occurrence=2)) == {w.head_a.id, w.office.id}
    assert w.leader.id not in recipients(reminders()) and w.staff_b.id not in recipients(reminders())
    assert w.head_b.id not in recipients(reminders())


def test_section_without_a_head_falls_back_to_its_staff(people):
    w = people
    w.head_a.active = False
    db.session.commit()
    req = make_case(w, RECEIVED, handler=None)
    run_at(date(2026, 9, 29))
    assert recipients(reminders(subject_id=req.id)) == {w.staff_a.id, w.staff_a2.id}


def test_clarification_notice_limit(people):
    w = people
    req = make_case(w, date(2026, 9, 28))
    assert req.clarification_due == date(2026, 10, 13)
    assert dict(run_at(date(2026, 10, 8)).created) == {}
    assert dict(run_at(date(2026, 10, 9)).created) == {"clarification_notice": 1}
    assert "2026-10-13" in notes_of(w.staff_a)[0].text and "补正告知" in notes_of(w.staff_a)[0].text
    assert dict(run_at(date(2026, 10, 13)).created) == {}
    assert dict(run_at(date(2026, 10, 14)).created) == {}  # once the limit passed, nothing more
    # A case whose notice was already sent owes nothing.
    sent = make_case(
        w,
        date(2026, 9, 28),
        status="paused",
        pause_reason="clarification",
        actions=[
            ClockAction(
                kind="clarification",
                state="open",
                started_on=date(2026, 9, 29),
                window_end=date(2026, 11, 30),
                workdays=15,
                details={},
            )
        ],
    )
    run_at(date(2026, 10, 9), 10)
    assert reminders(subject_id=sent.id, kind="clarification_notice") == []


def test_clock_windows_before_and_after_their_end(people):
    w = people
    cal = current_calendar()
    fee_end = cal.add_workdays(date(2026, 9, 8), 20)
    fee = make_case(
        w,
        date(2026, 9, 1),
        status="paused",
        pause_reason="fee",
        actions=[ClockAction(kind="fee", state="open", started_on=date(2026, 9, 8), window_end=fee_end, details={})],
    )
    correction = make_case(
        w,
        date(2026, 9, 1),
        status="paused",
        pause_reason="clarification",
        actions=[
            ClockAction(
                kind="clarification",
                state="open",
                started_on=date(2026, 9, 8),
                window_end=fee_end,
                workdays=20,
                details={},
            )
        ],
    )
    consult = make_case(
        w,
        date(2026, 9, 1),
        status="paused",
        pause_reason="consultation",
        actions=[
            ClockAction(
                kind="consult_agency",
                state="open",
                started_on=date(2026, 9, 8),
                window_end=fee_end,
                party="市规划局",
                details={},
            )
        ],
    )
    assert fee_end == date(2026, 10, 12)
    # Oct 8: after it Oct 9, 10, 12 = 3 working days -> before the end, once.
    created = run_at(date(2026, 10, 8)).created
    assert dict(created) == {"fee_end": 2, "correction_end": 1, "consultation_end": 1}
    assert recipients(reminders(kind="fee_end")) == {w.office.id, w.staff_a.id}
    assert recipients(reminders(kind="correction_end")) == {w.staff_a.id}
    assert any("向市规划局征求意见的期限于2026-10-12届满" in n.text for n in notes_of(w.staff_a))
    assert dict(run_at(date(2026, 10, 12)).created) == {}
    # Oct 13: passed, once; the office also hears of the lapsed correction (it concludes the case).
    passed = run_at(date(2026, 10, 13)).created
    assert dict(passed) == {"fee_end": 2, "correction_end": 2, "consultation_end": 1}
    assert recipients(reminders(kind="correction_end", occurrence=1)) == {w.staff_a.id, w.office.id}
    assert all(r.case_type == "request" for r in reminders())
    assert {r.case_id for r in reminders()} == {fee.id, correction.id, consult.id}
    assert dict(run_at(date(2026, 10, 14)).created) == {}
    assert any("已于2026-10-12届满" in n.text for n in notes_of(w.office))


def test_in_app_only_without_mail_server_or_address(people, app, smtp, monkeypatch):
    w = people
    w.head_a.email = None
    db.session.commit()
    make_case(w, LATE_RECEIVED)
    result = run_at(date(2026, 9, 29))
    assert result.mails_sent == 1
    assert {r.recipient_id: r.mail_status for r in reminders()} == {
        w.staff_a.id: MAIL_SENT,
        w.head_a.id: MAIL_NO_ADDRESS,
    }
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    result = run_at(date(2026, 9, 30))
    assert result.mails_sent == 0 and sum(result.created.values()) == 3
    assert {r.mail_status for r in reminders(occurrence=2)} == {MAIL_OFF}
    assert len(smtp.messages) == 1


def test_scan_query_count_does_not_grow_with_cases(people, app):
    w = people
    cal = current_calendar()
    statements = []

    def count(*args, **kw):
        statements.append(1)

    def queries() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            collect(date(2026, 9, 29), cal, Policy())
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_case(w, LATE_RECEIVED)
    few = queries()
    for i in range(15):
        make_case(
            w,
            LATE_RECEIVED if i % 2 else RECEIVED,
            section="b" if i % 3 else "a",
            handler="staff_b" if i % 3 else "staff_a",
        )
    assert queries() == few <= 9  # scan.collect: nine queries


def test_proposal_reply_deadline_and_cohandler_opinion(people):
    w = people
    p = make_proposal(w, date(2026, 6, 30))  # lead A (no handler), co-handler B
    assert p.due_date == date(2026, 9, 30)
    op = p.cohandlers[0]
    assert op.opinion_due == date(2026, 7, 30)
    # Opinion: Jul 27 -> 3 working days before Jul 30; the co-handling section's head.
    assert dict(run_at(date(2026, 7, 24)).created) == {}
    assert dict(run_at(date(2026, 7, 27)).created) == {"opinion_due": 1}
    assert recipients(reminders(kind="opinion_due")) == {w.head_b.id}
    # Passed: the co-handler again and the lead section (its head, no handler named).
    assert dict(run_at(date(2026, 7, 31)).created) == {"opinion_due": 2}
    assert recipients(reminders(kind="opinion_due", occurrence=1)) == {w.head_b.id, w.head_a.id}
    # Reply deadline Sep 30: 临期 on Sep 24 (Sep 28, 29, 30 after it; Sep 25-27 off).
    assert dict(run_at(date(2026, 9, 23)).created) == {}
    assert dict(run_at(date(2026, 9, 24)).created) == {"due_soon": 1}
    assert reminders(kind="due_soon")[0].subject_type == "proposal"
    assert dict(run_at(date(2026, 9, 30)).created) == {"due_today": 1}
    # Oct 8 first working day late: lead head (responsible and head: one reminder); Oct 9: the office too.
    assert dict(run_at(date(2026, 10, 8)).created) == {"overdue": 1}
    assert dict(run_at(date(2026, 10, 9)).created) == {"overdue": 2}
    assert recipients(reminders(kind="overdue", occurrence=2)) == {w.head_a.id, w.office.id}
    texts = [n.text for n in notes_of(w.office)]
    assert "人大代表建议12号" in texts[0] and "2026-09-30" in texts[0]
    assert notes_of(w.office)[0].link == f"/proposals/{p.id}"


def test_proposal_with_handler_and_given_opinion(people):
    w = people
    p = make_proposal(w, date(2026, 6, 30), handler="staff_a")
    p.cohandlers[0].opinion_on = date(2026, 7, 20)
    p.cohandlers[0].opinion = "同意"
    db.session.commit()
    assert dict(run_at(date(2026, 7, 31)).created) == {}
    run_at(date(2026, 9, 24))
    assert recipients(reminders(kind="due_soon")) == {w.staff_a.id}
    # A replied item owes nothing more.
    p.status = "replied"
    p.reply_date = date(2026, 9, 25)
    db.session.commit()
    assert dict(run_at(date(2026, 10, 8)).created) == {}


def test_run_log_and_event(people, smtp):
    w = people
    make_case(w, LATE_RECEIVED)
    result = run_at(date(2026, 9, 29))
    row = db.session.get(ReminderRun, result.run_id)
    assert row.run_on == date(2026, 9, 29) and row.created == {"overdue": 2} and row.sent == {"overdue": 2}
    assert row.mails_sent == 2 and row.finished_at is not None and row.error is None
    from tracker.audit import Event

    ev = db.session.scalars(select(Event).where(Event.kind == "reminders.created")).all()
    assert len(ev) == 1 and ev[0].data["created"] == {"overdue": 2}


def test_unique_key_refuses_a_duplicate_row(people):
    """The database itself, not only the code path, keeps a reminder unique."""
    from sqlalchemy.exc import IntegrityError

    w = people
    make_case(w, LATE_RECEIVED)
    run_at(date(2026, 9, 29))
    r = reminders()[0]
    dup = Reminder(
        agency_id=r.agency_id,
        kind=r.kind,
        subject_type=r.subject_type,
        subject_id=r.subject_id,
        deadline=r.deadline,
        occurrence=r.occurrence,
        recipient_id=r.recipient_id,
        case_type=r.case_type,
        case_id=r.case_id,
        run_on=r.run_on,
        mail_status="pending",
    )
    db.session.add(dup)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_moment_is_china_time(people):
    """00:30 on Sep 29 in Beijing is still Sep 28 in UTC: the legal date is the Chinese one."""
    make_case(people, RECEIVED)
    result = service.run(at(date(2026, 9, 29), 0, 30))
    assert result.today == date(2026, 9, 29) and dict(result.created) == {"due_soon": 1}


def test_owed_at_uses_the_chinese_date_and_the_calendar(people):
    make_case(people, RECEIVED)
    # 2026-09-28 20:00 UTC is already Sep 29 in Beijing: 临期.
    assert [o.kind for o in owed_at(datetime(2026, 9, 28, 20, 0, tzinfo=UTC))] == ["due_soon"]
    assert owed_at(datetime(2026, 9, 28, 10, 0, tzinfo=UTC)) == []  # Sep 28 in Beijing: 4 days left
    assert owed_at(at(date(2026, 10, 3))) == []  # National Day
