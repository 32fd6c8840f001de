"""The security log page (issue 14): an agency's sign-ins, failures, lock-outs, logouts, password changes,
sign-outs and refusals, with address and browser; filters by kind, user and date; pages; who may read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tracker import audit
from tracker.accounts import security_log
from tracker.accounts.auth import SUBJECT, Client, sign_in
from tracker.accounts.models import Agency
from tracker.audit import Event
from tracker.extensions import db

from .session_helpers import PASSWORD, Tab

pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture()
def people(make_user, make_section):
    sec = make_section("投资科")
    return {
        "admin": make_user("admin", username="boss"),
        "office": make_user("office", username="wang"),
        "staff": make_user("staff", section=sec, username="qian"),
        "auditor": make_user("auditor", username="zhou"),
    }


def _rows(html: str) -> int:
    body = html.split('id="security-log"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>") - body.count("没有符合条件的记录")


def test_a_refusal_is_recorded_with_path_address_and_browser(app_ctx, people):
    tab = Tab(app_ctx, address="10.3.3.3", agent="Refused/1")
    tab.login("qian")
    assert tab.get("/admin/users").status_code == 403
    [ev] = db.session.scalars(select(Event).where(Event.kind == "auth.forbidden")).all()
    assert ev.subject_id == people["staff"].id and ev.agency_id == people["staff"].agency_id
    assert ev.data == {"address": "10.3.3.3", "user_agent": "Refused/1", "path": "/admin/users", "method": "GET"}


@pytest.mark.parametrize("role,status", [("admin", 200), ("auditor", 200), ("office", 403), ("staff", 403)])
def test_who_reads_the_security_log(app_ctx, people, role, status):
    tab = Tab(app_ctx)
    tab.login(people[role].username)
    resp = tab.get("/admin/security-log")
    assert resp.status_code == status
    if status == 200:
        assert "安全日志" in resp.get_data(as_text=True)


def test_the_log_shows_every_kind_with_its_details_and_filters(app_ctx, people):
    admin, office = people["admin"], people["office"]
    sign_in("wang", "wrong", Client("10.0.0.7", "UA-7"))
    sign_in("wang", PASSWORD, Client("10.0.0.7", "UA-7"))
    sign_in("ghost", "wrong", Client("10.0.0.8", "UA-8"))
    boss = Tab(app_ctx, address="10.0.0.1")
    boss.login("boss")
    boss.post(f"/admin/users/{office.id}/sign-out", page=f"/admin/users/{office.id}")

    page = boss.get("/admin/security-log").get_data(as_text=True)
    for text in ("登录失败", "密码错误", "10.0.0.7", "UA-7", "强制退出全部会话", "wang", admin.display_name):
        assert text in page, text
    assert "ghost" not in page  # a name of no agency: under its own scope
    ghost = boss.get(f"/admin/security-log?user={security_log.AGENCYLESS}").get_data(as_text=True)
    assert "ghost" in ghost and "用户名不存在" in ghost and _rows(ghost) == 1

    only_failed = boss.get("/admin/security-log?kind=auth.login_failed").get_data(as_text=True)
    assert _rows(only_failed) == 1
    of_wang = boss.get(f"/admin/security-log?user={office.id}").get_data(as_text=True)
    assert _rows(of_wang) == 3  # failed, signed in, signed out everywhere
    of_boss = boss.get(f"/admin/security-log?user={admin.id}").get_data(as_text=True)
    assert _rows(of_boss) == 1


def test_another_agencys_events_are_not_shown(app_ctx, people):
    other = Agency(name="别的局", settings={})
    db.session.add(other)
    db.session.commit()
    audit.record("auth.login", subject_type=SUBJECT, subject_id=None, agency_id=other.id, data={"address": "9.9.9.9"})
    db.session.commit()
    boss = Tab(app_ctx)
    boss.login("boss")
    assert "9.9.9.9" not in boss.get("/admin/security-log").get_data(as_text=True)


def _event_at(ts: datetime, agency_id: int, kind: str = "auth.login") -> None:
    db.session.add(
        Event(
            kind=kind, subject_type=SUBJECT, subject_id=None, agency_id=agency_id, data={"address": "x"}, created_at=ts
        )
    )


def test_date_filters_are_china_days(app_ctx, people):
    agency_id = people["admin"].agency_id
    # 2026-03-01 23:30 and 2026-03-02 00:30 in Beijing; 2026-03-03 08:00
    for ts in (
        datetime(2026, 3, 1, 15, 30, tzinfo=UTC),
        datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
        datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
    ):
        _event_at(ts, agency_id)
    db.session.commit()

    def count(**kw):
        return len(db.session.scalars(security_log.query(agency_id, **kw)).all())

    assert count(day_from=date(2026, 3, 2), day_to=date(2026, 3, 2)) == 1
    assert count(day_from=date(2026, 3, 2)) == 2
    assert count(day_to=date(2026, 3, 1)) == 1
    assert count(day_from=date(2026, 3, 4)) == 0
    boss = Tab(app_ctx)
    boss.login("boss")  # one more event, today
    html = boss.get("/admin/security-log?from=2026-03-02&to=2026-03-03").get_data(as_text=True)
    assert _rows(html) == 2
    bad = boss.get("/admin/security-log?from=2026-02-30&to=0001-01-01").get_data(as_text=True)
    assert "格式不正确" in bad and "之间" in bad


def test_the_log_pages_newest_first(app_ctx, people):
    agency_id = people["admin"].agency_id
    start = datetime(2026, 3, 2, tzinfo=UTC)
    for i in range(security_log.PER_PAGE + 5):
        _event_at(start + timedelta(minutes=i), agency_id)
    db.session.commit()
    boss = Tab(app_ctx)
    boss.login("boss")
    first = boss.get("/admin/security-log").get_data(as_text=True)
    assert _rows(first) == security_log.PER_PAGE and "page=2" in first
    second = boss.get("/admin/security-log?page=2").get_data(as_text=True)
    assert _rows(second) == 6  # 55 events and the admin's sign-in
    assert "2026-03-02 08:00" in second  # the oldest last


def test_garbage_filters_are_ignored_or_explained(app_ctx, people):
    boss = Tab(app_ctx)
    boss.login("boss")
    for q in (
        "kind=%00",
        "user=2147483648",
        "user=-1",
        "user=abc",
        "page=99999999999",
        "after=x~y",
        "from=%00",
        "after=2026-03-02T00:00:00~5",
        "before=2026-13-02T00:00:00%2B00:00~5",
        "after=2026-03-02T00:00:00%2B00:00~5",
    ):
        resp = boss.get(f"/admin/security-log?{q}")
        if "%00" in q:  # a NUL never reaches a view: issue 14's one text rule refuses it first, in Chinese
            assert resp.status_code == 400 and "无法识别的字符" in resp.get_data(as_text=True), q
        else:
            assert resp.status_code == 200, q
