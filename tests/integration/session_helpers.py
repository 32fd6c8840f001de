"""A browser tab for the session tests: its own cookies, and none of the shared app context's cache."""

from __future__ import annotations

import pytest
from flask import g
from werkzeug.security import generate_password_hash

from tests.conftest import csrf_token

PASSWORD = "Test-pass-2026"  # conftest's make_user


def _cheap(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture()
def cheap_hashes(monkeypatch):
    """Passwords hashed with one round (the default costs ≈0.2 s per hash and per check on the shared
    machine, and these tests sign in hundreds of times); the unknown user's dummy hash likewise, so both
    paths still cost the same. test_lockout's test of the dummy's method runs without it."""
    from tracker.accounts import auth, models

    dummy = _cheap("no such user")
    monkeypatch.setattr(models, "generate_password_hash", _cheap)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: dummy)


class Tab:
    """A client of its own. The tests share one app context, whose `g` caches the signed-in user and the
    CSRF token across requests; every request here starts without them, as a real one does."""

    def __init__(self, app, address: str = "127.0.0.1", agent: str = "TestBrowser/1.0"):
        self.app = app
        self.client = app.test_client()
        self.environ = {"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent}

    def _fresh(self):
        g.pop("csrf_token", None), g.pop("_login_user", None)

    def get(self, url, **kw):
        self._fresh()
        return self.client.get(url, environ_base=self.environ, **kw)

    def post(self, url, data=None, page=None, **kw):
        """POST with the CSRF token of ``page`` (default: the same URL, fetched first)."""
        token = csrf_token(self.get(page or url).get_data(as_text=True))
        self._fresh()
        return self.client.post(url, data={"csrf_token": token, **(data or {})}, environ_base=self.environ, **kw)

    def login(self, username: str, password: str = PASSWORD):
        return self.post("/login", {"username": username, "password": password})

    def copy(self) -> Tab:
        """Another tab with a copy of this one's session cookie (a stolen or kept cookie)."""
        other = Tab(self.app, self.environ["REMOTE_ADDR"], self.environ["HTTP_USER_AGENT"])
        cookie = self.client.get_cookie("session")
        other.client.set_cookie("session", cookie.value)
        return other

    def signed_in(self) -> bool:
        resp = self.get("/requests/")
        return resp.status_code == 200
