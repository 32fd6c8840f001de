"""The workflow through its pages: forms with CSRF, messages in Chinese, letters downloadable, edit conflicts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx
import pytest
from flask import g
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker.attachments import Attachment
from tracker.audit import Event
from tracker.disclosure.intake import register_request
from tracker.extensions import db
from tracker.rules.clock import today_cn

from .workflow_fixtures import PASSWORD, intake


class Browser:
    """A test client of its own. The tests' app context is shared by every request, and Flask-WTF (CSRF token)
    and Flask-Login (current user) cache in `g`; drop both before each request so each browser is itself."""

    def __init__(self, client):
        self.client = client

    def get(self, *a, **kw):
        self._forget()
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        self._forget()
        return self.client.post(*a, **kw)

    @staticmethod
    def _forget():
        g.pop("csrf_token", None)
        g.pop("_login_user", None)


def browser(app):
    return Browser(app.test_client())


def login_as(client, user):
    # a signed-in browser is sent on by the login page (issue 14): forget the old session first (the
    # cookie, and the user Flask-Login cached in the tests' shared app context)
    getattr(client, "client", client).delete_cookie("session")  # a Browser wraps its test client
    Browser._forget()
    page = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert resp.status_code == 302
    return client


def panel(html: str) -> str:
    """The action panel of a case page (not the log, whose event labels repeat action names)."""
    m = re.search(r'<div class="card mb-3" id="actions">(.*?)</div></div>', html, re.S)
    return m.group(1) if m else ""


def post_action(client, req, action, data, **kw):
    url = f"/requests/{req.id}/act/{action}"
    page = client.get(url)
    assert page.status_code == 200, (action, page.status_code)
    html = page.get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return client.post(url, data={"csrf_token": csrf_token(html), "version": version, **data}, **kw)


@pytest.fixture()
def case(w):
    today = today_cn()
    return register_request(w.office, intake(received_on=today - timedelta(days=2)), today=today)


def test_the_whole_path_through_the_pages(app_ctx, w, case):
    today = today_cn().isoformat()
    office, head, staff, leader = (browser(app_ctx) for _ in range(4))
    login_as(office, w.office), login_as(head, w.head_a), login_as(staff, w.staff_a), login_as(leader, w.leader)

    page = office.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "分办至科室" in panel(page) and "待分办" in page
    r = post_action(office, case, "assign_section", {"section_id": str(w.sec_a.id), "instruction": "请依法办理"})
    assert r.status_code == 302
    assert "已分办至规划科" in office.get(r.headers["Location"]).get_data(as_text=True)

    page = head.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "指定承办人" in panel(page) and "分办至科室" not in panel(page)
    assert post_action(head, case, "assign_handler", {"handler_id": str(w.staff_a.id)}).status_code == 302

    r = post_action(staff, case, "submit_draft", {"outcome": "withheld.internal_affairs", "legal_ground": ""})
    assert r.status_code == 200 and "须写明法律依据和理由" in r.get_data(as_text=True)
    assert (
        post_action(
            staff, case, "submit_draft", {"outcome": "withheld.internal_affairs", "legal_ground": "属于内部管理信息。"}
        ).status_code
        == 302
    )

    page = leader.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "审核通过答复稿" in panel(page) and "属于内部管理信息。" in page
    assert post_action(leader, case, "approve_draft", {"note": "同意"}).status_code == 302

    conclude_page = office.get(f"/requests/{case.id}/act/conclude").get_data(as_text=True)
    assert re.search(r"<option selected value=\"withheld.internal_affairs\">", conclude_page), re.findall(
        r"<option[^>]*selected[^>]*>", conclude_page
    )
    r = post_action(
        office,
        case,
        "conclude",
        {
            "outcome": "withheld.internal_affairs",
            "legal_ground": "属于内部管理信息。",
            "answer_date": today,
            "delivery_method": "email",
            "delivered_on": today,
        },
    )
    assert r.status_code == 302
    page = office.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "已办结" in page and "不予公开：内部事务信息" in page
    # the log reads in Chinese: labels and values, no ids
    assert "承办科室：空 → 规划科" in page and "状态：待分办 → 办理中" in page and "section_id" not in page
    assert "办理结果：空 → 不予公开：内部事务信息" in page

    html = office.get(f"/requests/{case.id}").get_data(as_text=True)
    preview = office.post(
        f"/requests/{case.id}/letters", data={"csrf_token": csrf_token(html), "key": "answer", "preview": "1"}
    )
    assert preview.status_code == 200 and 'id="letter-preview"' in preview.get_data(as_text=True)
    assert "60日内" in preview.get_data(as_text=True)
    assert db.session.scalars(select(Attachment).where(Attachment.kind == "letter")).all() == []  # nothing saved
    r = office.post(f"/requests/{case.id}/letters", data={"csrf_token": csrf_token(html), "key": "answer"})
    assert r.status_code == 302
    att = db.session.scalars(select(Attachment).where(Attachment.kind == "letter")).one()
    assert r.location.endswith(f"/requests/{case.id}/attachments/{att.id}")  # downloads at once
    dl = office.get(f"/requests/{case.id}/attachments/{att.id}")
    assert dl.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(dl.data)).paragraphs)
    assert case.number in text and "60日内" in text


def test_bad_date_keeps_input_and_explains(app_ctx, w, case, client):
    login_as(client, w.office)
    r = post_action(client, case, "withdraw", {"withdrawn_on": "2026-02-31", "reason": "申请人来电撤回"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "日期格式不正确" in html and "申请人来电撤回" in html
    future = (today_cn() + timedelta(days=3)).isoformat()
    r = post_action(client, case, "withdraw", {"withdrawn_on": future, "reason": "申请人来电撤回"})
    assert "不能是将来的日期" in r.get_data(as_text=True)
    db.session.expire_all()
    assert case.status == "registered"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="(\d*)"', html).group(1)


def test_edit_conflict_second_save_refused_nothing_lost(app_ctx, w, case):
    """Two people open the same action page; the first saves; the second is refused, keeps what they typed
    and is shown what changed meanwhile (who, when, old → new), from the events since the page was loaded."""
    first, second = browser(app_ctx), browser(app_ctx)
    login_as(first, w.office), login_as(second, w.office)
    url = f"/requests/{case.id}/act/assign_section"
    pages = [c.get(url).get_data(as_text=True) for c in (first, second)]
    version, seen = hidden(pages[0], "version"), hidden(pages[0], "seen")
    r1 = first.post(
        url,
        data={
            "csrf_token": csrf_token(pages[0]),
            "version": version,
            "seen": seen,
            "section_id": str(w.sec_a.id),
            "instruction": "第一人",
        },
    )
    assert r1.status_code == 302
    r2 = second.post(
        url,
        data={
            "csrf_token": csrf_token(pages[1]),
            "version": version,
            "seen": seen,
            "section_id": str(w.sec_b.id),
            "instruction": "第二人的批示",
        },
    )
    # the state moved on: the action is no longer possible, but the page stays with what was typed
    html = r2.get_data(as_text=True)
    assert r2.status_code == 409, html[:2000]
    assert "第二人的批示" in html and f'<option selected value="{w.sec_b.id}">' in html
    changed = html.split('id="changed-meanwhile"', 1)[1].split("</div>", 1)[0]
    assert "已被他人修改" in changed and "分办至科室" in changed
    assert "承办科室 空 → 规划科" in changed and "第一人" in changed
    assert w.office.display_name in changed and re.search(r"\d{2}:\d{2}", changed)
    assert re.search(r"<button[^>]*disabled[^>]*>分办至科室</button>", html) and "不能进行" in html
    db.session.expire_all()
    assert case.section_id == w.sec_a.id and case.leader_instruction == "第一人"

    # an action still allowed: refused once, shown the change, then saved on purpose from the same page
    url = f"/requests/{case.id}/act/withdraw"
    pages = [c.get(url).get_data(as_text=True) for c in (first, second)]
    version, seen = hidden(pages[0], "version"), hidden(pages[0], "seen")
    r1 = first.post(
        url.replace("withdraw", "add_cohandler"),
        data={"csrf_token": csrf_token(pages[0]), "version": version, "section_id": str(w.sec_b.id)},
    )
    assert r1.status_code == 302
    typed = {"withdrawn_on": today_cn().isoformat(), "reason": "第二人填写的撤回说明"}
    r2 = second.post(url, data={"csrf_token": csrf_token(pages[1]), "version": version, "seen": seen, **typed})
    html = r2.get_data(as_text=True)
    assert r2.status_code == 409 and "已被他人修改" in html and "第二人填写的撤回说明" in html
    changed = html.split('id="changed-meanwhile"', 1)[1].split("</div>", 1)[0]
    assert "增加协办科室" in changed and "投资科" in changed
    db.session.expire_all()
    assert case.status == "in_progress" and case.leader_instruction == "第一人"
    assert [c.section_id for c in case.cohandlers] == [w.sec_b.id]
    # the refused page now carries the current version: submitting it again is a deliberate decision
    again = {"csrf_token": csrf_token(html), "version": hidden(html, "version"), "seen": hidden(html, "seen"), **typed}
    assert second.post(url, data=again).status_code == 302
    db.session.expire_all()
    assert case.status == "concluded"


def test_fee_notice_two_steps(app_ctx, w, case, client):
    login_as(client, w.office)
    post_action(client, case, "assign_section", {"section_id": str(w.sec_a.id)})
    url = f"/requests/{case.id}/act/fee_notice"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    base = {
        "csrf_token": csrf_token(html),
        "version": version,
        "method": "per_page",
        "pages": "120",
        "notice_on": today_cn().isoformat(),
    }
    r = client.post(url, data={**base, "step": "quote"})
    html = r.get_data(as_text=True)
    assert "核算结果：1100元" in html and "确认1100元并发出收费通知" in html
    db.session.expire_all()
    assert case.status == "in_progress"  # the quote changes nothing
    r = client.post(url, data={**base, "step": "confirm", "confirm_amount": "1100"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (case.status, case.pause_reason, case.fee_amount) == ("paused", "fee", 1100)


def test_wrong_state_redirects_with_the_reason(app_ctx, w, case, client):
    login_as(client, w.office)
    r = client.get(f"/requests/{case.id}/act/conclude")
    assert r.status_code == 200
    r = client.get(f"/requests/{case.id}/act/fee_paid")
    assert r.status_code == 302
    assert "不能进行“登记缴费”操作" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/requests/{case.id}/act/no_such_action").status_code == 404


def test_panel_shows_only_allowed_actions(app_ctx, w, case, client):
    from tracker.disclosure import services as s

    login_as(client, w.leader)
    html = panel(client.get(f"/requests/{case.id}").get_data(as_text=True))
    assert "分办至科室" not in html and "办结（答复申请人）" not in html
    assert "另行确定答复期限" in html  # the leader may set an Art. 35 deadline
    assert "审批延期" not in html  # nothing to decide yet
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id)
    s.request_extension(w.office, case, version=case.version, workdays=5, reason="档案调取", requested_on=today_cn())
    assert "审批延期" in panel(client.get(f"/requests/{case.id}").get_data(as_text=True))


def test_panel_offers_the_draft_only_once_a_handler_is_assigned(app_ctx, w, case, client):
    from tracker.disclosure import services as s

    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id)
    login_as(client, w.head_a)
    # without a handler the action is shown disabled with the service's reason, never as a link
    html = panel(client.get(f"/requests/{case.id}").get_data(as_text=True))
    assert 'data-refused="submit_draft"' in html and "请科室负责人先指定承办人" in html
    assert f"/requests/{case.id}/act/submit_draft" not in html
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id)
    html = panel(client.get(f"/requests/{case.id}").get_data(as_text=True))
    assert f"/requests/{case.id}/act/submit_draft" in html and 'data-refused="submit_draft"' not in html


def test_letter_templates_pages(app_ctx, w, client):
    login_as(client, w.office)
    assert "受理回执" in client.get("/requests/letter-templates/").get_data(as_text=True)
    url = "/requests/letter-templates/receipt"
    html = client.get(url).get_data(as_text=True)
    assert "{{ applicant }}" in html and "示例效果" in html
    r = client.post(url, data={"csrf_token": csrf_token(html), "title": "回执", "body": "无称呼"})
    assert r.status_code == 200 and "必须保留" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf_token(html), "title": "回执", "body": "{{ applicant }}：已收到。"})
    assert r.status_code == 302
    listing = client.get("/requests/letter-templates/").get_data(as_text=True)
    assert "本机关模板" in listing
    r = client.post("/requests/letter-templates/receipt/reset", data={"csrf_token": csrf_token(listing)})
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "letter_template.reset")) == 1


def test_staff_cannot_open_letter_templates(app_ctx, w, client):
    login_as(client, w.staff_a)
    assert client.get("/requests/letter-templates/").status_code == 403


def test_no_inline_script_on_workflow_pages(app_ctx, w, case, client):
    login_as(client, w.office)
    for url in (f"/requests/{case.id}", f"/requests/{case.id}/act/conclude", "/requests/letter-templates/receipt"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html


def test_list_filters_by_pause_reason_due_status_and_withdrawal(app_ctx, w, client):
    from tracker.disclosure import services as s
    from tracker.workcal.service import current_calendar

    today = today_cn()
    cal = current_calendar()
    login_as(client, w.office)

    def new(days_ago: int, name: str):
        received = today - timedelta(days=days_ago)
        return register_request(w.office, intake(received_on=received, applicant_name=name), today=today)

    overdue = new(60, "超期者")
    soon = new(0, "临期者")
    # move `soon`'s receipt date back until its computed deadline is at most 2 working days away
    back = 0
    while True:
        soon.received_on = today - timedelta(days=back)
        s.clock.refresh(soon, cal)
        if soon.due_date is not None and cal.workdays_after_until(today, soon.due_date) <= 2:
            break
        back += 1
    db.session.commit()
    paused = new(1, "补正者")
    s.clarify(w.office, paused, version=paused.version, notice_on=today, items="请写明文号", today=today)
    gone = new(2, "撤回者")
    s.withdraw(w.office, gone, version=gone.version, withdrawn_on=today, today=today)

    def names(query: str) -> set[str]:
        html = client.get(f"/requests/?{query}").get_data(as_text=True)
        return {n for n in ("超期者", "临期者", "补正者", "撤回者") if n in html}

    assert names("due=overdue") == {"超期者"}
    assert names("due=soon") == {"临期者"}
    assert names("due=paused") == {"补正者"}
    assert names("status=paused:clarification") == {"补正者"}
    assert names("status=paused:fee") == set()
    assert names("status=withdrawn") == {"撤回者"}
    html = client.get("/requests/").get_data(as_text=True)
    # each open row counts its working days (rules.deadlines.countdown), the paused one says so
    late = cal.workdays_after_until(overdue.due_date, today)
    assert f'data-countdown="overdue">超期{late}个工作日</span>' in html or (
        late == 0 and 'data-countdown="overdue">已超期</span>' in html
    )
    left = cal.workdays_after_until(today, soon.due_date)
    assert f'data-countdown="due_soon">剩余{left}个工作日</span>' in html or (
        left == 0 and 'data-countdown="due_today">今日到期</span>' in html
    )
    assert 'data-countdown="paused">暂停中</span>' in html
    assert overdue.number in html


def test_list_badges_cost_no_query_per_row(app_ctx, w, client):
    from sqlalchemy import event

    today = today_cn()
    for i in range(3):
        register_request(w.office, intake(received_on=today - timedelta(days=i)), today=today)
    login_as(client, w.office)

    def queries_for_list() -> int:
        seen = []
        listener = lambda conn, cur, stmt, *a: seen.append(stmt[:90])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            client.get("/requests/")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return seen

    queries_for_list()  # the first request after commits reloads the session's expired objects
    few = queries_for_list()
    for i in range(10):
        register_request(w.office, intake(received_on=today - timedelta(days=i)), today=today)
    queries_for_list()
    assert len(queries_for_list()) == len(few), few


def test_case_page_renders_in_every_state(app_ctx, w, case, client):
    from tracker.disclosure import services as s
    from tracker.disclosure.reviews import record_review

    today = today_cn()
    login_as(client, w.office)

    def page() -> str:
        resp = client.get(f"/requests/{case.id}")
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    def do(fn, user, **kw):
        return fn(user, case, version=case.version, today=today, **kw)

    assert "待分办" in page()
    do(s.clarify, w.office, notice_on=today, items="请写明文号")
    assert "暂停（补正中）" in page() and "请写明文号" in page()
    do(s.clarification_received, w.office, received_on=today)
    do(s.assign_section, w.office, section_id=w.sec_a.id, instruction="请认真办理")
    assert "请认真办理" in page() and "待指定承办人" in page()
    do(s.assign_handler, w.head_a, handler_id=w.staff_a.id)
    do(s.consult, w.staff_a, kind="consult_agency", party="区财政局", sent_on=today)
    assert "暂停（征求意见中）" in page() and "区财政局" in page()
    do(
        s.consultation_closed,
        w.staff_a,
        clock_action_id=case.clock_actions[-1].id,
        end_reason="answered",
        ended_on=today,
        position="agreed",
        opinion="同意公开",
    )
    do(s.request_extension, w.staff_a, workdays=5, reason="档案调取", requested_on=today)
    assert "待审批" in page()
    do(s.decide_extension, w.leader, clock_action_id=s.pending_extensions(case)[0].id, approve=True, decided_on=today)
    do(s.fee_notice, w.office, method="per_page", pages=40, confirm_amount=100, notice_on=today)
    assert "暂停（待缴费）" in page() and "100元" in page()
    do(s.fee_paid, w.office, paid_on=today, amount=100)
    do(s.submit_draft, w.staff_a, outcome="not_processed.publication", legal_ground="所需资料为已出版的统计年鉴")
    assert "待审核" in page() and "答复稿" in page()
    do(s.approve_draft, w.office)
    do(
        s.conclude,
        w.office,
        outcome="not_processed.publication",
        legal_ground="所需资料为已出版的统计年鉴",
        answer_date=today,
        delivery_method="online",
        delivered_on=today,
    )
    html = page()
    assert "不予处理：要求提供公开出版物" in html and "网络平台送达" in html
    do(record_review, w.office, kind="litigation_direct", filed_on=today, body="区人民法院")
    assert "行政诉讼（未经复议直接起诉）" in page() and "尚未审结" in page()
    do(s.reopen, w.admin, reason="复议决定责令重新答复")
    do(s.withdraw, w.office, withdrawn_on=today, reason="撤回")
    assert "已撤回" in page()


def test_an_extension_decision_is_never_taken_for_the_leader(app_ctx, w, case, client):
    """The 审批结果 starts at 请选择: a form sent without a decision refuses nothing and approves nothing."""
    from tracker.disclosure import services

    services.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id)
    services.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id)
    services.request_extension(
        w.staff_a, case, version=case.version, workdays=5, reason="档案调取", requested_on=today_cn()
    )
    login_as(client, w.leader)
    html = client.get(f"/requests/{case.id}/act/decide_extension").get_data(as_text=True)
    assert '<option selected value="">请选择</option>' in html or '<option value="">请选择</option>' in html
    resp = post_action(client, case, "decide_extension", {"decided_on": today_cn().isoformat()})
    assert resp.status_code == 200 and "请选择审批结果" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert [a.state for a in case.clock_actions if a.kind == "extension"] == ["requested"]


def test_an_unreadable_date_does_not_hide_a_missing_field(app_ctx, w, case, client):
    login_as(client, w.office)
    resp = post_action(client, case, "withdraw", {"withdrawn_on": "2026-02-31", "reason": ""})
    html = resp.get_data(as_text=True)
    assert "日期格式不正确" in html
    post_action(client, case, "assign_section", {"section_id": str(w.sec_a.id)})
    resp = post_action(client, case, "request_extension", {"requested_on": "2026-02-31", "workdays": "", "reason": ""})
    html = resp.get_data(as_text=True)
    assert "日期格式不正确" in html and "请填写延期理由。" in html and "请填写延期天数" in html


def test_extension_page_names_the_limit_in_force_at_receipt(app_ctx, w, case):
    """The extension form states the request's own limit: 20 working days for a request received now,
    15 for one received on 2019-03-01 under the 2007 Regulation (what the service then accepts)."""
    from datetime import date

    from tracker.disclosure import services as s

    from .workflow_fixtures import do

    old = register_request(w.office, intake(received_on=date(2019, 3, 1)), today=date(2019, 3, 1))
    for req in (case, old):
        do(s.assign_section, w.office, req, section_id=w.sec_a.id, today=req.received_on)
        do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id, today=req.received_on)
    client = login_as(browser(app_ctx), w.staff_a)
    assert "累计不超过20个" in client.get(f"/requests/{case.id}/act/request_extension").get_data(as_text=True)
    assert "累计不超过15个" in client.get(f"/requests/{old.id}/act/request_extension").get_data(as_text=True)
