"""Sessions end on the server (issue 14): a copied cookie stops working after logout, a password change,
disabling the user and "sign out everywhere"; idle and absolute timeouts; the forced password change;
no-store on what a signed-in user receives; Secure cookies and HSTS in production."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config import Config
from tracker.accounts import sessions
from tracker.accounts.auth import SUBJECT
from tracker.audit import Event
from tracker.extensions import db

from .session_helpers import PASSWORD, Tab

pytestmark = pytest.mark.usefixtures("cheap_hashes")

NEW = "Neu-Passw0rt"


def _kinds(user) -> list[str]:
    return db.session.scalars(
        select(Event.kind).where(Event.subject_type == SUBJECT, Event.subject_id == user.id).order_by(Event.id)
    ).all()


@pytest.fixture()
def office(make_user):
    return make_user("office", username="wang")


@pytest.fixture()
def admin(make_user):
    return make_user("admin", username="boss")


def test_a_cookie_kept_from_before_logout_no_longer_works(app_ctx, office):
    tab = Tab(app_ctx)
    assert tab.login("wang").status_code == 302
    kept = tab.copy()
    assert kept.signed_in()  # the copy works while the session lives
    tab.post("/logout", page="/requests/")
    assert not tab.signed_in()
    resp = kept.get("/requests/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert "登录已失效" in kept.get(resp.headers["Location"]).get_data(as_text=True)
    assert _kinds(office) == ["auth.login", "auth.logout"]


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app_ctx, office):
    here, there = Tab(app_ctx), Tab(app_ctx, agent="OtherBrowser/2.0")
    here.login("wang"), there.login("wang")
    resp = here.post("/account/password", {"current": PASSWORD, "new": NEW, "confirm": NEW})
    assert resp.status_code == 302
    assert here.signed_in() and not there.signed_in()
    db.session.refresh(office)
    assert office.check_password(NEW) and office.password_changed_at is not None
    assert not office.must_change_password
    assert "auth.password_changed" in _kinds(office)
    assert Tab(app_ctx).login("wang", NEW).status_code == 302


@pytest.mark.parametrize(
    "data,field_message",
    [
        ({"current": "wrong", "new": NEW, "confirm": NEW}, "当前密码不正确"),
        ({"current": PASSWORD, "new": "short1A", "confirm": "short1A"}, "至少需要 10 个字符"),
        ({"current": PASSWORD, "new": "alllowercase1", "confirm": "alllowercase1"}, "至少 3 类"),
        ({"current": PASSWORD, "new": "Wang-2026-xy", "confirm": "Wang-2026-xy"}, "不能包含用户名"),
        ({"current": PASSWORD, "new": NEW, "confirm": NEW + "x"}, "两次输入的新密码不一致"),
        ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD}, "不能与当前密码相同"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app_ctx, office, data, field_message):
    tab = Tab(app_ctx)
    tab.login("wang")
    before = (office.password_hash, office.session_token)
    resp = tab.post("/account/password", data)
    assert resp.status_code == 200 and field_message in resp.get_data(as_text=True)
    db.session.refresh(office)
    assert (office.password_hash, office.session_token) == before and tab.signed_in()


def test_an_admin_set_password_ends_the_users_sessions_and_forces_a_change_on_every_page(
    app_ctx, office, admin, form_post
):
    victim = Tab(app_ctx)
    victim.login("wang")
    boss = Tab(app_ctx)
    boss.login("boss")
    set_pw = "Temp-Passw0rd"
    form = {"display_name": "王", "role": "office", "section_id": "0", "active": "y", "password": set_pw}
    assert boss.post(f"/admin/users/{office.id}", form).status_code == 302
    assert not victim.signed_in()
    db.session.refresh(office)
    assert office.must_change_password
    ev = db.session.scalars(select(Event).where(Event.kind == "auth.password_set")).one()
    assert ev.subject_id == office.id and ev.actor_id == admin.id and ev.data["address"] == "127.0.0.1"

    fresh = Tab(app_ctx)
    resp = fresh.login("wang", set_pw)
    assert resp.headers["Location"].endswith("/account/password")
    for url in ("/requests/", "/proposals/", "/reports/", "/requests/new", "/"):
        resp = fresh.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password"), url
    page = fresh.get("/account/password").get_data(as_text=True)
    assert 'id="must-change"' in page
    assert fresh.post("/account/password", {"current": set_pw, "new": NEW, "confirm": NEW}).status_code == 302
    assert fresh.signed_in()
    db.session.refresh(office)
    assert not office.must_change_password


def test_a_generated_password_is_forced_too(app_ctx, admin):
    from tracker.accounts.services import create_user

    user, generated = create_user("zhao", role="office", actor=admin)
    assert generated and user.must_change_password
    tab = Tab(app_ctx)
    assert tab.login("zhao", generated).headers["Location"].endswith("/account/password")
    boss = Tab(app_ctx)
    boss.login("boss")
    assert boss.get("/admin/users").get_data(as_text=True).count("待改密") == 1  # zhao's row


def test_disabling_a_user_ends_their_sessions(app_ctx, office, admin):
    victim, boss = Tab(app_ctx), Tab(app_ctx)
    victim.login("wang"), boss.login("boss")
    form = {"display_name": "王", "role": "office", "section_id": "0", "password": ""}  # active unticked
    assert boss.post(f"/admin/users/{office.id}", form).status_code == 302
    assert not victim.signed_in()
    assert "auth.disabled" in _kinds(office)


def test_an_admin_signs_a_user_out_everywhere(app_ctx, office, admin):
    a, b, boss = Tab(app_ctx), Tab(app_ctx, agent="Phone/1"), Tab(app_ctx)
    a.login("wang"), b.login("wang"), boss.login("boss")
    page = boss.get(f"/admin/users/{office.id}").get_data(as_text=True)
    assert 'id="sign-out-everywhere"' in page
    assert boss.post(f"/admin/users/{office.id}/sign-out", page=f"/admin/users/{office.id}").status_code == 302
    assert not a.signed_in() and not b.signed_in() and boss.signed_in()
    ev = db.session.scalars(select(Event).where(Event.kind == "auth.signed_out_everywhere")).one()
    assert ev.subject_id == office.id and ev.actor_id == admin.id and ev.data["address"] == "127.0.0.1"
    # a user of another role may not
    c = Tab(app_ctx)
    c.login("wang")
    assert c.post(f"/admin/users/{admin.id}/sign-out", page="/requests/").status_code == 403
    assert boss.signed_in()


def test_a_user_signs_out_their_other_sessions(app_ctx, office):
    here, there = Tab(app_ctx), Tab(app_ctx, agent="Phone/1")
    here.login("wang"), there.login("wang")
    assert here.post("/account/sign-out-everywhere", page="/account/password").status_code == 302
    assert here.signed_in() and not there.signed_in()


def test_a_forged_token_or_id_in_the_cookie_is_nobody(app_ctx, office):
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app_ctx)
    now = sessions._now()
    for uid in (f"{office.id}:{'0' * 64}", f"{office.id}", "x:y", "99999999999999:a", "9999999999:a", "-1:a", ""):
        tab = Tab(app_ctx)
        tab.client.set_cookie("session", serializer.dumps({"_user_id": uid, "auth_at": now, "seen_at": now}))
        resp = tab.get("/requests/")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], uid  # nobody, never a 500


def test_idle_timeout_and_absolute_lifetime(app_ctx, office, monkeypatch):
    clock = {"t": 1_800_000_000}
    monkeypatch.setattr(sessions, "_now", lambda: clock["t"])
    tab = Tab(app_ctx)
    tab.login("wang")
    clock["t"] += 29 * 60  # idle for 29 minutes: still signed in, and the request counts as activity
    assert tab.signed_in()
    clock["t"] += 30 * 60 + 1
    resp = tab.get("/requests/")
    assert resp.status_code == 302
    assert "长时间未操作" in tab.get(resp.headers["Location"]).get_data(as_text=True)

    start = clock["t"]
    tab = Tab(app_ctx)
    tab.login("wang")
    while tab.signed_in():  # busy all day, a request every 20 minutes
        clock["t"] += 20 * 60
        assert clock["t"] - start <= 13 * 3600
    assert 12 * 3600 < clock["t"] - start <= 12 * 3600 + 20 * 60
    resp = tab.get("/requests/")
    assert resp.status_code == 302
    assert "最长时限" in tab.get(resp.headers["Location"]).get_data(as_text=True)


def test_timeouts_come_from_the_configuration(app_ctx, office, monkeypatch):
    clock = {"t": 1_800_000_000}
    monkeypatch.setattr(sessions, "_now", lambda: clock["t"])
    monkeypatch.setitem(app_ctx.config, "SESSION_IDLE_MINUTES", 5)
    tab = Tab(app_ctx)
    tab.login("wang")
    clock["t"] += 5 * 60 + 1
    assert not tab.signed_in()


def test_a_changed_browser_ends_the_session(app_ctx, office):
    tab = Tab(app_ctx)
    tab.login("wang")
    thief = tab.copy()
    thief.environ["HTTP_USER_AGENT"] = "Elsewhere/9"
    assert not thief.signed_in()  # Flask-Login's "strong" session protection


def test_signed_in_responses_are_not_stored_but_static_assets_and_the_login_page_may_be(app_ctx, office):
    tab = Tab(app_ctx)
    assert "no-store" not in tab.get("/login").headers.get("Cache-Control", "")
    tab.login("wang")
    for url in ("/requests/", "/account/password", "/ledger/export/requests.xlsx"):
        resp = tab.get(url)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store", url
    static = tab.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_production_defaults_secure_cookie_and_hsts(tmp_path):
    cfg = Config({"TRACKER_ENV": "production", "SECRET_KEY": "x"})
    assert cfg.SESSION_COOKIE_SECURE and cfg.HSTS_SECONDS == 31536000
    assert not Config(
        {"TRACKER_ENV": "production", "SESSION_COOKIE_SECURE": "0", "HSTS_SECONDS": "0"}
    ).SESSION_COOKIE_SECURE
    dev = Config({})
    assert not dev.SESSION_COOKIE_SECURE and dev.HSTS_SECONDS == 0
    assert (dev.SESSION_IDLE_MINUTES, dev.SESSION_MAX_HOURS) == (30, 12)

    from tracker import create_app

    app = create_app(
        {"ENV_NAME": "production", "SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"}
    )
    app.config.update(SESSION_COOKIE_SECURE=True, HSTS_SECONDS=31536000)  # as Config gives production
    resp = app.test_client().get("/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_session_cookie_is_secure_when_configured(app_ctx, office, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SESSION_COOKIE_SECURE", True)
    resp = Tab(app_ctx).login("wang")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # over plain HTTP that cookie would never come back: the login page says so
    assert 'id="insecure"' in Tab(app_ctx).get("/login").get_data(as_text=True)
    assert 'id="insecure"' not in Tab(app_ctx).get("/login", base_url="https://localhost").get_data(as_text=True)
    monkeypatch.setitem(app_ctx.config, "SESSION_COOKIE_SECURE", False)
    assert 'id="insecure"' not in Tab(app_ctx).get("/login").get_data(as_text=True)
