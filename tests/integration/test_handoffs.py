"""Notifications at every handoff (tracker.notify.handoffs): the person a case passes to is told in the
same transaction as the action, in-app at once and by mail with the next reminder run unless they
turned that kind off; the person who acted is not told; a refused action tells nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit import Event
from tracker.disclosure import services as s
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.notify import handoffs, prefs
from tracker.reminders import service as reminders
from tracker.reminders.models import MAIL_NO_ADDRESS, MAIL_PENDING, MAIL_SENT, Notification, NotificationDelivery
from tracker.rules.clock import today_cn, utcnow

from .reminder_helpers import smtp_server, with_addresses
from .test_workflow_pages import login_as


def told(user, kind: str | None = None) -> list[Notification]:
    q = select(Notification).where(Notification.user_id == user.id)
    if kind:
        q = q.where(Notification.kind == kind)
    return list(db.session.scalars(q.order_by(Notification.id)))


def everyone(w):
    return [w.office, w.leader, w.admin, w.head_a, w.staff_a, w.staff_a2, w.head_b, w.staff_b]


@pytest.fixture()
def case(app_ctx, w):
    today = today_cn()
    return w.new_case(received_on=today - timedelta(days=2), applicant_name="交办测试人")


def _counts(w) -> dict[str, int]:
    return {u.username: len(told(u)) for u in everyone(w)}


def test_each_handoff_tells_exactly_the_people_it_passes_to(w, case):
    today = today_cn()
    before = _counts(w)

    def new_for(fn, *args, **kw) -> dict[str, list[str]]:
        fn(*args, **kw)
        nonlocal before
        now = _counts(w)
        got = {name: n - before[name] for name, n in now.items() if n != before[name]}
        before = now
        return got

    assert new_for(s.assign_section, w.office, case, version=case.version, section_id=w.sec_a.id, today=today) == {
        w.head_a.username: 1
    }
    assert told(w.head_a, "handoff.section")[0].link == f"/requests/{case.id}"
    assert case.number in told(w.head_a, "handoff.section")[0].text
    assert new_for(s.assign_handler, w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today) == {
        w.staff_a.username: 1
    }
    # co-handling asks section B: its head and its staff (both may submit the opinion)
    assert new_for(s.add_cohandler, w.office, case, version=case.version, section_id=w.sec_b.id, today=today) == {
        w.head_b.username: 1,
        w.staff_b.username: 1,
    }
    assert new_for(
        s.request_extension,
        w.staff_a,
        case,
        version=case.version,
        workdays=5,
        reason="需要调取档案",
        requested_on=today,
        today=today,
    ) == {w.leader.username: 1}
    ext = s.pending_extensions(case)[0]
    assert new_for(
        s.decide_extension,
        w.leader,
        case,
        version=case.version,
        clock_action_id=ext.id,
        approve=True,
        decided_on=today,
        today=today,
    ) == {w.staff_a.username: 1}
    # the draft goes to the reviewers (office and leader), back to the handler, then on
    assert new_for(s.submit_draft, w.staff_a, case, version=case.version, today=today, outcome="disclosed") == {
        w.office.username: 1,
        w.leader.username: 1,
    }
    assert new_for(s.return_draft, w.leader, case, version=case.version, reason="请补充依据", today=today) == {
        w.staff_a.username: 1
    }
    s.submit_draft(w.staff_a, case, version=case.version, today=today, outcome="disclosed")
    before = _counts(w)
    # approved by the office: the handler hears of it; the office, who acted, is not told itself
    assert new_for(s.approve_draft, w.office, case, version=case.version, today=today) == {w.staff_a.username: 1}


def test_a_refused_action_tells_nobody(w, case):
    before = _counts(w)
    with pytest.raises(ServiceError):
        s.assign_section(w.office, case, version=case.version + 5, section_id=w.sec_a.id, today=today_cn())
    with pytest.raises(ServiceError):
        s.assign_handler(w.head_b, case, version=case.version, handler_id=w.staff_b.id, today=today_cn())
    db.session.rollback()
    assert _counts(w) == before


def test_the_badge_and_the_centre_show_a_handoff_at_once(w, case, client):
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today_cn())
    login_as(client, w.head_a)
    html = client.get("/requests/").get_data(as_text=True)
    assert 'id="nav-notifications">通知 <span class="badge' in html
    centre = client.get("/notifications/").get_data(as_text=True)
    assert "分办到本科室" in centre and case.number in centre


def test_mail_goes_with_the_next_run_unless_turned_off(app, w, case, monkeypatch):
    with_addresses(w)
    gen = smtp_server(app, monkeypatch)
    inbox = next(gen)
    try:
        w.staff_a2.email = None
        db.session.commit()
        prefs.save(w.head_a, {"mail": {h.kind for h in handoffs.HANDOFFS} - {"handoff.section"}})
        today = today_cn()
        s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
        s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
        deliveries = db.session.scalars(select(NotificationDelivery)).all()
        # head_a turned 分办 mails off: only staff_a's handoff is owed by mail
        assert [(d.notification.user_id, d.status) for d in deliveries] == [(w.staff_a.id, MAIL_PENDING)]
        case2 = w.new_case(received_on=today, applicant_name="无邮箱")
        s.assign_section(w.office, case2, version=case2.version, section_id=w.sec_a.id, today=today)
        s.assign_handler(w.head_a, case2, version=case2.version, handler_id=w.staff_a2.id, today=today)
        no_mail = db.session.scalars(
            select(NotificationDelivery).join(Notification).where(Notification.user_id == w.staff_a2.id)
        ).all()
        assert [d.status for d in no_mail] == [MAIL_NO_ADDRESS]
        from tracker.workcal.service import current_calendar

        cal = current_calendar()
        moment = utcnow()
        while not cal.is_workday(today_cn(moment)):
            moment += timedelta(days=1)
        result = reminders.run(moment)
        assert result.handoffs_sent == 1
        mails = inbox.to("staff_a@example.gov.cn")
        assert len(mails) == 1 and case.number in inbox.body(mails[0])
        assert "交办通知" in mails[0]["Subject"] and "期限提醒" not in mails[0]["Subject"]
        assert inbox.to("head_a@example.gov.cn") == []
        assert (
            db.session.scalar(select(NotificationDelivery.status).where(NotificationDelivery.id == deliveries[0].id))
            == MAIL_SENT
        )
        # a second run sends nothing again
        again = reminders.run(moment)
        assert again.handoffs_sent == 0 and len(inbox.to("staff_a@example.gov.cn")) == 1
    finally:
        next(gen, None)


def test_settings_page_saves_the_choice_and_refuses_unknown_kinds(w, client):
    login_as(client, w.staff_a)
    page = client.get("/notifications/settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for h in handoffs.HANDOFFS:
        assert f'value="{h.kind}"' in html and h.label in html
    from tests.conftest import csrf_token

    token = csrf_token(html)
    keep = [h.kind for h in handoffs.HANDOFFS if h.kind != "handoff.handler"]
    resp = client.post("/notifications/settings", data={"csrf_token": token, "mail": keep})
    assert resp.status_code == 302
    db.session.refresh(w.staff_a)
    assert handoffs.wants(w.staff_a, "handoff.handler", "mail") is False
    assert handoffs.wants(w.staff_a, "handoff.draft_back", "mail") is True
    before = dict(w.staff_a.notify_prefs)
    bad = client.post("/notifications/settings", data={"csrf_token": token, "mail": ["handoff.nope"]})
    assert bad.status_code == 400 and "无法识别" in bad.get_data(as_text=True)
    db.session.refresh(w.staff_a)
    assert w.staff_a.notify_prefs == before
    events = db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "user.notify_prefs_changed"))
    assert events == 1


def test_the_internal_deadline_is_reminded_until_the_draft_is_submitted(w, case):
    from tracker.workcal.service import current_calendar

    cal = current_calendar()
    moment = utcnow()
    while not cal.is_workday(today_cn(moment)):
        moment += timedelta(days=1)
    day = today_cn(moment)
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, internal_due=day, today=day)
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=day)
    reminders.run(moment)
    got = told(w.staff_a, "internal_due")
    assert len(got) == 1 and day.isoformat() in got[0].text and case.number in got[0].text
    s.submit_draft(w.staff_a, case, version=case.version, today=day, outcome="disclosed")
    reminders.run(moment + timedelta(hours=1))
    assert len(told(w.staff_a, "internal_due")) == 1  # submitted: nothing more


def test_a_reassigned_case_names_its_new_section_and_decisions_say_which(w, case):
    today = today_cn()
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    s.reassign_section(w.office, case, version=case.version, section_id=w.sec_b.id, reason="职责调整", today=today)
    note = told(w.head_b, "handoff.section")[-1]
    assert f"已分办到{w.sec_b.name}" in note.text and w.sec_a.name not in note.text
    s.assign_handler(w.head_b, case, version=case.version, handler_id=w.staff_b.id, today=today)
    for approve, kind, words in ((False, "handoff.ext_refused", "未获批准"), (True, "handoff.ext_approved", "已批准")):
        s.request_extension(
            w.staff_b, case, version=case.version, workdays=3, reason="调档", requested_on=today, today=today
        )
        ext = s.pending_extensions(case)[0]
        s.decide_extension(
            w.leader, case, version=case.version, clock_action_id=ext.id, approve=approve, decided_on=today, today=today
        )
        assert words in told(w.staff_b, kind)[-1].text


def test_a_user_disabled_after_the_handoff_is_mailed_nothing(app, w, case, monkeypatch):
    with_addresses(w)
    gen = smtp_server(app, monkeypatch)
    inbox = next(gen)
    try:
        today = today_cn()
        s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
        s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
        w.staff_a.active = False
        db.session.commit()
        from tracker.workcal.service import current_calendar

        moment = utcnow()
        while not current_calendar().is_workday(today_cn(moment)):
            moment += timedelta(days=1)
        reminders.run(moment)
        assert inbox.to("staff_a@example.gov.cn") == []
    finally:
        next(gen, None)
