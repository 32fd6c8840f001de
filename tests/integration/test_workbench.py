"""The workbench (/): each role lands on the panels its permissions give, each panel holds exactly its
cases (its count opens the same cases in the list), and the page costs a fixed number of statements."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from tracker.accounts import roles
from tracker.disclosure import services as s
from tracker.disclosure.intake import register_request
from tracker.extensions import db
from tracker.rules.clock import today_cn
from tracker.workbench import panels

from .test_workflow_pages import login_as
from .workflow_fixtures import intake


def _page(client, user, *, again: bool = False) -> str:
    if not again:
        login_as(client, user)
    resp = client.get("/")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _panel(html: str, panel_id: str) -> str | None:
    m = re.search(rf'<section class="card[^"]*" id="panel-{panel_id}".*?</section>', html, re.S)
    return m.group(0) if m else None


def _count(section_html: str) -> int:
    m = re.search(r'title="查看全部">(\d+)</a>', section_html)
    assert m, section_html[:400]
    return int(m.group(1))


def _list_total(client, section_html: str) -> int:
    href = re.search(r'href="([^"]+)" title="查看全部"', section_html).group(1).replace("&amp;", "&")
    html = client.get(href).get_data(as_text=True)
    m = re.search(r"共 (\d+) 件", html)
    if m:
        return int(m.group(1))
    return len(re.findall(r'<tr>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td><a href="/proposals/\d+"', html))


@pytest.fixture()
def day(app_ctx, w):
    """A handful of cases in the states the panels look for, all relative to today."""
    today = today_cn()
    new = w.new_case(received_on=today, applicant_name="今日来信者")
    routed = w.new_case(received_on=today - timedelta(days=3), applicant_name="待指定者")
    s.assign_section(w.office, routed, version=routed.version, section_id=w.sec_a.id, today=today)
    mine = w.new_case(received_on=today - timedelta(days=5), applicant_name="承办者")
    s.assign_section(w.office, mine, version=mine.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, mine, version=mine.version, handler_id=w.staff_a.id, today=today)
    s.add_cohandler(w.office, mine, version=mine.version, section_id=w.sec_b.id, today=today)
    s.request_extension(
        w.staff_a, mine, version=mine.version, workdays=10, reason="需要调取档案", requested_on=today, today=today
    )
    draft = w.new_case(received_on=today - timedelta(days=6), applicant_name="送审者")
    s.assign_section(w.office, draft, version=draft.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, draft, version=draft.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, draft, version=draft.version, today=today, outcome="disclosed")
    back = w.new_case(received_on=today - timedelta(days=7), applicant_name="退回者")
    s.assign_section(w.office, back, version=back.version, section_id=w.sec_a.id, today=today)
    s.assign_handler(w.head_a, back, version=back.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, back, version=back.version, today=today, outcome="disclosed")
    s.return_draft(w.office, back, version=back.version, reason="请补充依据", today=today)
    late = w.new_case(received_on=today - timedelta(days=60), applicant_name="超期者")
    s.assign_section(w.office, late, version=late.version, section_id=w.sec_b.id, today=today)
    return {"new": new, "routed": routed, "mine": mine, "draft": draft, "back": back, "late": late}


def test_every_role_sees_the_panels_its_permissions_give(w, day, client):
    for role in roles.ROLES:
        user = w.of_role(role)
        if roles.ROLE_TABLE[role].reach == roles.PLATFORM:  # reaches no case: lands on the calendar
            login_as(client, user)
            assert client.get("/").location.endswith("/calendar/years")
            continue
        html = _page(client, user)
        shown = set(re.findall(r'id="panel-([a-z_]+)"', html)) & set(panels.PANEL_IDS)
        assert shown == {p.id for p in panels_for_user(user)}, role


def panels_for_user(user):
    return panels.panels_for(user)


def test_each_panel_holds_its_cases(w, day, client):
    html = _page(client, w.office)
    assert "今日来信者" in _panel(html, "to_route") and "今日来信者" in _panel(html, "received_today")
    assert "超期者" in _panel(html, "overdue") and "超期者" not in _panel(html, "to_route")
    assert "送审者" in _panel(html, "review") and "退回者" not in _panel(html, "review")

    html = _page(client, w.head_a)
    unassigned = _panel(html, "unassigned")
    assert "待指定者" in unassigned and "承办者" not in unassigned
    assert _panel(html, "to_route") is None  # the office routes; a section head does not
    assert "钱" not in (_panel(html, "load") or "") and "承办人在办件数" in html

    html = _page(client, w.head_b)
    assert "待指定者" not in html  # section A's case: section B's head sees nothing of it
    assert "承办者" in _panel(html, "opinion")  # co-handling asked of section B

    html = _page(client, w.staff_a)
    mine = _panel(html, "mine")
    assert "承办者" in mine and "送审者" in mine and "待指定者" not in mine
    assert re.search(r'data-countdown="[a-z_]+">(剩余\d+个工作日|今日到期)</span>', mine)
    assert "退回者" in _panel(html, "returned") and "承办者" not in _panel(html, "returned")
    assert "承办者" not in _page(client, w.staff_a2).split('id="panel-mine"')[1].split("</section>")[0]

    html = _page(client, w.leader)
    assert "承办者" in _panel(html, "extensions") and "送审者" in _panel(html, "review")
    assert "各科室超期情况" in html and "投资科" in _panel(html, "lateness")

    # approving the draft moves it from the reviewers' queue to the office's "to conclude"
    s.approve_draft(w.leader, day["draft"], version=day["draft"].version, today=today_cn())
    assert "送审者" not in _panel(_page(client, w.leader), "review")
    assert "送审者" in _panel(_page(client, w.office), "approved")


def test_every_count_opens_the_same_cases_in_the_list(w, day, client):
    for user in (w.office, w.leader, w.head_a, w.head_b, w.staff_a):
        html = _page(client, user)
        for p in panels.panels_for(user):
            part = _panel(html, p.id)
            if p.kind == "requests":
                assert _count(part) == _list_total(client, part), (user.role, p.id)


def test_admin_sees_system_health(w, day, client):
    html = _page(client, w.admin)
    health = _panel(html, "health")
    assert health is not None and "期限提醒" in health
    assert "从未运行" in health  # no reminder run in this database yet
    year = today_cn().year
    assert f"{year + 1}年" in health
    assert _panel(_page(client, w.office), "health") is None


def test_workbench_costs_the_same_statements_at_any_size(w, day, client):
    def statements(user) -> int:
        login_as(client, user)
        client.get("/")
        seen: list[str] = []
        listener = lambda conn, cur, stmt, *a: seen.append(stmt)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    users = (w.office, w.leader, w.head_a, w.staff_a, w.admin)
    before = {u.id: statements(u) for u in users}
    today = today_cn()
    for i in range(12):
        case = register_request(w.office, intake(received_on=today - timedelta(days=i)), today=today)
        s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
        if i % 2:
            s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
    db.session.commit()
    after = {u.id: statements(u) for u in users}
    assert after == before


NAMES = ("今日来信者", "待指定者", "承办者", "送审者", "退回者", "超期者")


def _names(client, query: str) -> set[str]:
    resp = client.get(f"/requests/?{query}")
    assert resp.status_code == 200, query
    html = resp.get_data(as_text=True)
    return {n for n in NAMES if n in html}


def test_list_filters_the_panels_link_to(w, day, client):
    login_as(client, w.staff_a)
    assert _names(client, "handler=me") == {"承办者", "送审者", "退回者"}
    assert _names(client, "handler=me&awaiting=returned") == {"退回者"}
    login_as(client, w.office)
    assert _names(client, "handler=none&status=open") == {"今日来信者", "待指定者", "超期者"}
    assert _names(client, f"handler={w.staff_a.id}") == {"承办者", "送审者", "退回者"}
    assert _names(client, f"received={today_cn().isoformat()}") == {"今日来信者"}
    assert _names(client, "awaiting=extension") == {"承办者"}
    assert _names(client, "awaiting=review") == {"送审者"}
    login_as(client, w.head_b)
    assert _names(client, "awaiting=opinion") == {"承办者"}
    # the list says which extra condition it applies, and offers to drop it
    html = client.get("/requests/?awaiting=opinion").get_data(as_text=True)
    assert 'id="extra-filters"' in html and "待本科室提交协办意见" in html
    # values that are no filter are ignored, never an error
    login_as(client, w.office)
    everything = _names(client, "")
    for junk in ("handler=abc", "handler=99999999999", "received=2026-02-30", "received=0001-01-01", "awaiting=x"):
        assert _names(client, junk) == everything, junk


def test_list_shows_the_handler_and_offers_mine(w, day, client):
    login_as(client, w.staff_a)
    html = client.get("/requests/").get_data(as_text=True)
    assert ">承办人</th>" in html and w.staff_a.display_name in html
    assert '<option value="me"' in html and "我承办的" in html


def test_the_office_gives_the_section_an_internal_deadline(w, client):
    from tracker.errors import FieldErrors
    from tracker.rules.deadlines import internal_deadline
    from tracker.workcal.service import current_calendar

    today = today_cn()
    cal = current_calendar()
    case = w.new_case(received_on=today, applicant_name="内部期限者")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    assert case.internal_due == internal_deadline(case.due_date, today, cal, 5) < case.due_date
    # a date of the office's own, checked against today and the statutory deadline
    other = w.new_case(received_on=today, applicant_name="自定期限者")
    for bad in (today - timedelta(days=1), case.due_date + timedelta(days=1), "明天"):
        version = other.version
        with pytest.raises(FieldErrors) as e:
            s.assign_section(w.office, other, version=version, section_id=w.sec_a.id, internal_due=bad, today=today)
        assert "internal_due" in e.value.errors and other.version == version and other.section_id is None
        db.session.rollback()
    s.assign_section(w.office, other, version=other.version, section_id=w.sec_a.id, internal_due=today, today=today)
    assert other.internal_due == today
    # the case page shows it with its countdown; the section's workbench lists a case whose date has come
    login_as(client, w.staff_a)
    s.assign_handler(w.head_a, other, version=other.version, handler_id=w.staff_a.id, today=today)
    page = client.get(f"/requests/{other.id}").get_data(as_text=True)
    assert 'id="internal-due"' in page and "今日到期" in page.split('id="internal-due"')[1][:400]
    part = _panel(_page(client, w.staff_a), "internal_due")
    assert "自定期限者" in part
    # the panel counts down to the internal date (today), not to the statutory one
    assert 'data-countdown="due_today">今日到期</span>' in part
    # the first submission is kept; a draft submitted after the internal deadline counts as late per section
    later = today + timedelta(days=1)
    s.submit_draft(w.staff_a, other, version=other.version, today=later, outcome="disclosed")
    assert other.draft_submitted_on == later
    s.return_draft(w.office, other, version=other.version, reason="请补充", today=later)
    s.submit_draft(w.staff_a, other, version=other.version, today=later + timedelta(days=1), outcome="disclosed")
    assert other.draft_submitted_on == later
    from tracker.workbench import panels as p

    t = p.Today(later, cal, 3)
    rows = {name: row for _, name, *row in p.lateness_by_section(w.leader, t)}
    assert rows[w.sec_a.name][2] == 1


def test_bulk_assignment_takes_every_selected_case_or_none(w, client):
    from tests.conftest import csrf_token
    from tracker.audit import Event
    from tracker.extensions import db as _db

    today = today_cn()
    a = w.new_case(received_on=today, applicant_name="批量甲")
    b = w.new_case(received_on=today, applicant_name="批量乙")
    done = w.new_case(received_on=today, applicant_name="已分办者")
    s.assign_section(w.office, done, version=done.version, section_id=w.sec_b.id, today=today)
    login_as(client, w.office)
    html = client.get("/requests/").get_data(as_text=True)
    token = csrf_token(html)
    # the page offers what the service takes: an already routed case's box is disabled with the reason
    box = re.search(rf'value="{done.id}:{done.version}"[^>]*>', html).group(0)
    assert "disabled" in box and "待分办" in box
    assert "disabled" not in re.search(rf'value="{a.id}:{a.version}"[^>]*>', html).group(0)

    def events() -> int:
        return _db.session.scalar(select_count(Event))

    before = events()
    resp = client.post(
        "/requests/bulk/assign",
        data={
            "csrf_token": token,
            "section_id": w.sec_a.id,
            "case": [f"{a.id}:{a.version}", f"{done.id}:{done.version}"],
        },
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert "本次未作任何改动" in page and done.number in page
    _db.session.expire_all()
    assert a.section_id is None and events() == before  # none taken
    # a case changed since the list was drawn is refused with the others untouched
    stale = f"{b.id}:{b.version}"
    s.assign_section(w.office, b, version=b.version, section_id=w.sec_b.id, today=today)
    resp = client.post(
        "/requests/bulk/assign",
        data={"csrf_token": token, "section_id": w.sec_a.id, "case": [f"{a.id}:{a.version}", stale]},
        follow_redirects=True,
    )
    assert "本次未作任何改动" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert a.section_id is None
    c = w.new_case(received_on=today, applicant_name="批量丙")
    resp = client.post(
        "/requests/bulk/assign",
        data={"csrf_token": token, "section_id": w.sec_a.id, "case": [f"{a.id}:{a.version}", f"{c.id}:{c.version}"]},
        follow_redirects=True,
    )
    assert "已将2件申请分办至" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert a.section_id == c.section_id == w.sec_a.id
    # only the office routes: a section head is refused the page
    login_as(client, w.head_a)
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    assert client.post("/requests/bulk/assign", data={"csrf_token": token}).status_code == 403


def select_count(model):
    from sqlalchemy import func, select

    return select(func.count()).select_from(model)


def test_the_agency_sets_its_internal_deadline_days(w, client, agency):
    from tests.conftest import csrf_token
    from tracker.rules.deadlines import internal_deadline
    from tracker.workcal.service import current_calendar

    login_as(client, w.admin)
    page = client.get("/admin/agency").get_data(as_text=True)
    token = csrf_token(page)
    form = {"csrf_token": token, "name": agency.name}
    bad = client.post("/admin/agency", data={**form, "internal_due_workdays": "abc"})
    assert bad.status_code == 200 and "0到15之间的整数" in bad.get_data(as_text=True)
    db.session.refresh(agency)
    assert "internal_due_workdays" not in (agency.settings or {})
    client.post("/admin/agency", data={**form, "internal_due_workdays": "2"})
    db.session.refresh(agency)
    assert agency.settings["internal_due_workdays"] == 2
    today = today_cn()
    case = w.new_case(received_on=today, applicant_name="两日内部期限")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, today=today)
    assert case.internal_due == internal_deadline(case.due_date, today, current_calendar(), 2)


def test_the_section_head_assigns_a_handler_in_the_row(w, day, client):
    from tests.conftest import csrf_token

    html = _page(client, w.head_a)
    part = _panel(html, "unassigned")
    routed = day["routed"]
    assert f'data-assign="{routed.id}"' in part and w.staff_a.display_name in part
    assert w.staff_b.display_name not in part  # only the section's own handlers
    resp = client.post(
        f"/requests/{routed.id}/act/assign_handler",
        data={"csrf_token": csrf_token(html), "version": routed.version, "handler_id": w.staff_a.id, "next": "/"},
    )
    assert resp.status_code == 302 and resp.location.endswith("/")
    db.session.refresh(routed)
    assert routed.handler_id == w.staff_a.id
    html = _page(client, w.head_a, again=True)
    assert "待指定者" not in (_panel(html, "unassigned") or "")
    # a stale row (the case changed since the workbench was drawn) is refused and changes nothing
    stale = client.post(
        f"/requests/{routed.id}/act/assign_handler",
        data={"csrf_token": csrf_token(html), "version": routed.version - 1, "handler_id": w.staff_a2.id, "next": "/"},
    )
    assert stale.status_code == 409
    db.session.refresh(routed)
    assert routed.handler_id == w.staff_a.id


def test_the_proposal_panels_open_exactly_their_items_in_the_list(w, client):
    """The leader's 待审批延期 and the handler's 临期和超期 panels count the same items their link lists (the
    list's ?awaiting=extension and ?due_before= use the panels' own clauses), and say so on the list."""
    from tracker.proposals import services as psvc

    today = today_cn()

    def item(n: str, days_ago: int):
        data = {
            "kind": "npc",
            "session": "区十九届人大三次会议",
            "number": n,
            "title": f"关于第{n}号事项的建议",
            "content": "建议……",
            "lead_author": "张代表",
            "assigned_on": today - timedelta(days=days_ago),
            "lead_section_id": w.sec_a.id,
            "assist_section_ids": [],
            "joint_section_ids": [],
        }
        return psvc.register_proposal(w.office, data, today=today)

    late = item("第0101号", 120)  # three months passed: overdue
    item("第0102号", 5)  # neither overdue nor near
    asked = item("第0103号", 40)
    psvc.request_extension(
        w.staff_a, asked, {"to_months": 5, "reason": "需协调资金"}, version=asked.version, today=today
    )

    html = _page(client, w.leader)
    ext = _panel(html, "proposal_extensions")
    assert "第0103号" in ext and "第0101号" not in ext and _count(ext) == 1 == _list_total(client, ext)
    assert "人大代表建议 第0103号" in ext and "区十九届人大三次会议" in ext  # the row names its kind and session
    href = re.search(r'href="([^"]+)" title="查看全部"', ext).group(1).replace("&amp;", "&")
    page = client.get(href).get_data(as_text=True)
    assert "延期申请等待审批的件" in page and "清除此条件" in page and "第0102号" not in page

    html = _page(client, w.staff_a)
    due = _panel(html, "proposals_due")
    assert late.number in due and "第0102号" not in due
    assert _count(due) == _list_total(client, due) >= 1
    # a malformed date is no filter, and the page does not claim one
    assert "临期和超期" not in client.get("/proposals/?due_before=2026-13-45").get_data(as_text=True)
