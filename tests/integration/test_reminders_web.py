"""The in-app notification centre: unread badge, list, mark read, mark all read, isolation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import g

from tests.conftest import csrf_token
from tracker.audit import Event
from tracker.extensions import db
from tracker.reminders.models import Notification

from .reminder_helpers import make_case, make_proposal, notes_of, run_at, with_addresses
from .workflow_fixtures import PASSWORD

LATE_RECEIVED = date(2026, 8, 31)  # due 2026-09-28


@pytest.fixture()
def people(w):
    return with_addresses(w)


class Browser:
    """A test client whose requests do not inherit the previous request's user or CSRF token through ``g``
    (the tests run inside one app context, which Flask reuses for each request)."""

    def __init__(self, client):
        self.client = client

    def _fresh(self):
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    def get(self, *a, **kw):
        self._fresh()
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        self._fresh()
        return self.client.post(*a, **kw)


def login_as(app, user) -> Browser:
    """A fresh browser logged in as ``user``."""
    b = Browser(app.test_client())
    page = b.get("/login").get_data(as_text=True)
    resp = b.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token(page)})
    assert resp.status_code == 302
    return b


def badge(html: str) -> int | None:
    m = re.search(r'id="nav-notifications">通知(?: <span class="badge[^"]*"[^>]*>(\d+)</span>)?</a>', html)
    assert m, "no notification link in the navigation bar"
    return int(m.group(1)) if m.group(1) else None


def token(html: str) -> str:
    return csrf_token(html)


@pytest.fixture()
def world(people):
    w = people
    a = make_case(w, LATE_RECEIVED, subject="甲项目批复")
    b = make_case(w, LATE_RECEIVED, subject="乙项目批复")
    c = make_case(w, LATE_RECEIVED, section="b", handler="staff_b", subject="丙项目批复")
    run_at(date(2026, 9, 29))
    return w, a, b, c


def test_badge_list_and_links(app_ctx, client, world):
    w, a, b, c = world
    client = login_as(app_ctx, w.staff_a)
    html = client.get("/notifications/").get_data(as_text=True)
    assert badge(html) == 2
    assert "2 条未读" in html
    assert f'href="/requests/{a.id}"' in html and f'href="/requests/{b.id}"' in html
    assert a.number in html and "2026-09-28" in html and "超期" in html
    assert c.number not in html  # another section's case, another person's notification
    # The badge is on every page, e.g. the case list; the linked case page opens for its handler.
    assert badge(client.get("/requests/").get_data(as_text=True)) == 2
    assert client.get(f"/requests/{a.id}").status_code == 200


def test_mark_read_and_mark_all_read(app_ctx, client, world):
    w, a, b, c = world
    client = login_as(app_ctx, w.staff_a)
    html = client.get("/notifications/").get_data(as_text=True)
    first = notes_of(w.staff_a)[0]
    resp = client.post(f"/notifications/{first.id}/read", data={"csrf_token": token(html), "next": "/notifications/"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/notifications/")
    assert notes_of(w.staff_a)[0].read_at is not None and notes_of(w.staff_a)[1].read_at is None
    html = client.get("/notifications/").get_data(as_text=True)
    assert badge(html) == 1
    # Marking it again changes nothing and records nothing more.
    client.post(f"/notifications/{first.id}/read", data={"csrf_token": token(html)})
    assert db.session.query(Event).filter_by(kind="notification.read").count() == 1
    unread = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert b.number in unread and a.number not in unread
    resp = client.post("/notifications/read-all", data={"csrf_token": token(html)}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "已将1条通知标为已读" in page and badge(page) is None
    assert all(n.read_at is not None for n in notes_of(w.staff_a))
    # Others' notifications untouched.
    assert all(n.read_at is None for n in notes_of(w.head_a))
    assert all(n.read_at is None for n in notes_of(w.staff_b))


def test_a_user_never_sees_or_touches_anothers_notifications(app_ctx, client, world):
    w, a, b, c = world
    theirs = notes_of(w.staff_b)[0]
    client = login_as(app_ctx, w.staff_a)
    html = client.get("/notifications/").get_data(as_text=True)
    assert c.number not in html
    resp = client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token(html)})
    assert resp.status_code == 404
    assert notes_of(w.staff_b)[0].read_at is None
    for bad in (0, 2**31, 2**40):
        assert client.post(f"/notifications/{bad}/read", data={"csrf_token": token(html)}).status_code == 404
    # Mark all read touches only one's own.
    client.post("/notifications/read-all", data={"csrf_token": token(html)})
    assert notes_of(w.staff_b)[0].read_at is None and notes_of(w.head_b)[0].read_at is None
    # The office sees only its own (none yet: day 1 late), even though it may see every case.
    client = login_as(app_ctx, w.office)
    html = client.get("/notifications/").get_data(as_text=True)
    assert badge(html) is None and "还没有通知" in html


def test_posts_need_the_csrf_token_and_a_login(app_ctx, client, world):
    w, a, b, c = world
    mine = notes_of(w.staff_a)[0]
    assert client.get("/notifications/").status_code == 302  # to the login page
    assert client.post("/notifications/read-all").status_code in (302, 400)
    client = login_as(app_ctx, w.staff_a)
    assert client.post(f"/notifications/{mine.id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert all(n.read_at is None for n in notes_of(w.staff_a))


def test_next_never_leaves_the_site(app_ctx, client, world):
    w, *_ = world
    client = login_as(app_ctx, w.staff_a)
    html = client.get("/notifications/").get_data(as_text=True)
    resp = client.post("/notifications/read-all", data={"csrf_token": token(html), "next": "//evil.example/x"})
    assert resp.headers["Location"].endswith("/notifications/")
    resp = client.post("/notifications/read-all", data={"csrf_token": token(html), "next": "https://evil.example/"})
    assert "evil" not in resp.headers["Location"]


def test_proposal_notification_links_to_the_item(app_ctx, client, people):
    w = people
    p = make_proposal(w, date(2026, 6, 30))
    # Sep 24: 临期 of the reply (Sep 30) to the lead section's head, who also hears that the co-handler's
    # opinion (due Jul 30) is late.
    run_at(date(2026, 9, 24))
    client = login_as(app_ctx, w.head_a)
    html = client.get("/notifications/").get_data(as_text=True)
    assert f'href="/proposals/{p.id}"' in html and badge(html) == 2
    assert "临期" in html and "协办意见已逾期" in html and "价格科" not in html and "投资科" in html
    assert client.get(f"/proposals/{p.id}").status_code == 200


def test_pagination(app_ctx, client, people):
    w = people
    for i in range(55):
        db.session.add(
            Notification(
                agency_id=w.staff_a.agency_id, user_id=w.staff_a.id, kind="due_soon", text=f"第{i}条测试通知", link=None
            )
        )
    db.session.commit()
    client = login_as(app_ctx, w.staff_a)
    first = client.get("/notifications/").get_data(as_text=True)
    assert "第54条测试通知" in first and "第0条测试通知" not in first and 'href="/notifications/?page=2"' in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "第0条测试通知" in second and "第54条测试通知" not in second
