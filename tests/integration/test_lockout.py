"""Login throttling in the database (issue 14): 5 failures of a name in 15 minutes lock it for 15
minutes, 20 failures from an address lock the address; an unknown name costs and answers the same as a
known one; every attempt is a security event. The counters hold under parallel attempts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tracker.accounts import auth, throttle
from tracker.accounts.auth import Client, sign_in
from tracker.accounts.models import RateBucket
from tracker.audit import Event
from tracker.extensions import db

from .session_helpers import PASSWORD, Tab

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
HERE = Client("10.0.0.5", "TestBrowser/1.0")


def _events(kind: str) -> list[Event]:
    return db.session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)).all()


@pytest.fixture()
def office(make_user, cheap_hashes):
    return make_user("office", username="wang")


def test_five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password(app_ctx, office):
    for i in range(4):
        r = sign_in("wang", "wrong", HERE, now=T0 + timedelta(minutes=i))
        assert r.user is None and r.message == auth.FAILED
    fifth = sign_in("wang", "wrong", HERE, now=T0 + timedelta(minutes=4))
    assert "已被锁定至 2026-03-02 09:19（北京时间）" in fifth.message
    right = sign_in("wang", PASSWORD, HERE, now=T0 + timedelta(minutes=10))
    assert right.user is None and "已被锁定至 2026-03-02 09:19（北京时间）" in right.message
    assert sign_in("wang", PASSWORD, HERE, now=T0 + timedelta(minutes=19, seconds=1)).user == office
    [lock] = _events("auth.locked")
    assert lock.subject_id == office.id and lock.agency_id == office.agency_id and lock.data["scope"] == "account"
    assert [e.data["reason"] for e in _events("auth.login_failed")] == ["wrong_password"] * 5
    assert len(_events("auth.login")) == 1


def test_failures_spread_over_more_than_the_window_do_not_lock(app_ctx, office):
    for i in range(8):
        assert sign_in("wang", "wrong", HERE, now=T0 + timedelta(minutes=4 * i)).message == auth.FAILED
    assert sign_in("wang", PASSWORD, HERE, now=T0 + timedelta(minutes=33)).user == office


def test_a_success_starts_the_name_afresh(app_ctx, office):
    for i in range(4):
        sign_in("wang", "wrong", HERE, now=T0 + timedelta(seconds=i))
    assert sign_in("wang", PASSWORD, HERE, now=T0 + timedelta(seconds=5)).user == office
    for i in range(4):
        assert sign_in("wang", "wrong", HERE, now=T0 + timedelta(seconds=10 + i)).message == auth.FAILED


def test_an_unknown_name_is_locked_the_same_way_and_answers_the_same(app_ctx, office):
    known = [sign_in("wang", "wrong", HERE, now=T0).message for _ in range(5)]
    unknown = [sign_in("nobody", "wrong", Client("10.0.0.6"), now=T0).message for _ in range(5)]
    assert known == unknown
    failed = _events("auth.login_failed")
    assert {e.data["reason"] for e in failed} == {"wrong_password", "unknown_user"}
    nobody = [e for e in failed if e.data["reason"] == "unknown_user"]
    assert all(e.agency_id is None and e.subject_id is None and e.data["username"] == "nobody" for e in nobody)


def test_a_disabled_user_with_the_right_password_is_refused_like_a_wrong_one(app_ctx, office):
    office.active = False
    db.session.commit()
    assert sign_in("wang", PASSWORD, HERE, now=T0).message == auth.FAILED
    assert _events("auth.login_failed")[0].data["reason"] == "inactive"


def test_an_unknown_name_costs_a_password_check_with_the_same_method(app_ctx, make_user, monkeypatch):
    user = make_user("office", username="wang")  # the real default hash (no cheap_hashes here)
    seen = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: seen.append(h.split("$")[0]) or real(h, p))
    sign_in("wang", "wrong", HERE, now=T0)
    sign_in("nobody", "wrong", HERE, now=T0)
    assert seen[0] == seen[1] == user.password_hash.split("$")[0]
    assert seen[0].startswith("scrypt")  # werkzeug's default, not the tests' one-round hash


def test_twenty_failures_from_one_address_stop_every_login_from_it(app_ctx, make_user, cheap_hashes):
    user = make_user("office", username="li")
    for i in range(20):  # 20 different names, so no name is locked
        sign_in(f"guess{i}", "wrong", HERE, now=T0 + timedelta(seconds=i))
    refused = sign_in("li", PASSWORD, HERE, now=T0 + timedelta(minutes=1))
    assert refused.user is None and "本机所在地址" in refused.message and "09:16（北京时间）" in refused.message
    assert sign_in("li", PASSWORD, Client("10.0.0.9"), now=T0 + timedelta(minutes=1)).user == user
    assert sign_in("li", PASSWORD, HERE, now=T0 + timedelta(minutes=16)).user == user
    [lock] = _events("auth.locked")
    assert lock.agency_id is None and lock.data["scope"] == "address" and lock.data["address"] == "10.0.0.5"


def test_the_login_page_refuses_with_the_lock_message_and_records_address_and_browser(app_ctx, office):
    tab = Tab(app_ctx, address="10.1.2.3", agent="Mozilla/5.0 (X11) Test")
    for _ in range(5):
        assert tab.login("wang", "wrong").status_code == 200
    page = tab.login("wang").get_data(as_text=True)
    assert "该账号登录失败次数过多，已被锁定至" in page and "北京时间" in page
    assert not tab.signed_in()
    ev = _events("auth.login_failed")[0]
    assert ev.data["address"] == "10.1.2.3" and ev.data["user_agent"] == "Mozilla/5.0 (X11) Test"


def test_control_characters_and_huge_names_are_refused_without_an_error(app_ctx, office):
    """Refused with a Chinese message on the login page (the service's, or the form's where a field
    check refuses the characters first), never a 500, and nobody is signed in."""
    tab = Tab(app_ctx)
    for name in ("wa\x00ng", "x" * 10_000, "\x01"):
        resp = tab.login(name, "wrong\x00")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'name="password"' in html, name
        assert "用户名或密码不正确" in html or "字符" in html, name
        assert not tab.signed_in()
    assert sign_in("x" * 10_000, "wrong", HERE).message == auth.FAILED  # the service alone: names cut to 60
    assert max(len(k) for k in db.session.scalars(select(RateBucket.key))) <= len("login:name:") + 60


def test_an_admin_lifts_a_lock(app_ctx, office, make_user):
    make_user("admin", username="boss")
    for _ in range(5):
        sign_in("wang", "wrong", HERE)
    assert auth.lock_of(office) is not None
    boss = Tab(app_ctx)
    boss.login("boss")
    page = boss.get(f"/admin/users/{office.id}").get_data(as_text=True)
    assert "已锁定至" in page
    listing = boss.get("/admin/users").get_data(as_text=True)
    assert listing.count("锁定至") == 1  # wang's row only
    assert boss.post(f"/admin/users/{office.id}/unlock", page=f"/admin/users/{office.id}").status_code == 302
    assert auth.lock_of(office) is None and sign_in("wang", PASSWORD, HERE).user == office
    assert _events("auth.unlocked")[0].actor.username == "boss"


def test_old_buckets_are_pruned(app_ctx, office):
    sign_in("wang", "wrong", HERE, now=T0)
    sign_in("other", "wrong", Client("10.9.9.9"), now=T0 + timedelta(hours=2))
    keys = set(db.session.scalars(select(RateBucket.key)).all())
    assert keys == {"login:name:other", "login:addr:10.9.9.9"}


def _parallel(app, n: int, work) -> list:
    """Run ``work()`` in n threads at once, each with its own application context (its own session)."""
    results, barrier = [], threading.Barrier(n)

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(work())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_parallel_charges_lose_no_count(app_ctx):
    limit = throttle.Limit(1000, timedelta(minutes=15), timedelta(minutes=15))

    def work():
        for _ in range(10):
            throttle.charge("test:key", limit, T0)
            db.session.commit()
        return True

    assert _parallel(app_ctx, 8, work) == [True] * 8
    db.session.expire_all()
    assert db.session.get(RateBucket, "test:key").count == 80


def test_parallel_guesses_get_no_more_than_the_limit_of_password_checks(app_ctx, office, monkeypatch):
    checked = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: checked.append(1) or real(h, p))
    results = _parallel(app_ctx, 12, lambda: sign_in("wang", "wrong", HERE).message)
    assert len(results) == 12 and len(checked) <= 5
    assert sum("锁定" in m for m in results) >= 7
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "auth.locked")) == 1
