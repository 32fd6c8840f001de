"""The signed-in session on the web (docs/security.md): what the cookie carries and when it stops working.

- The cookie carries the user's id *and* current ``session_token`` (``User.get_id``); the user loader
  accepts it only while the token is still the user's and the user is active, so logout, a password
  change, disabling the user and "sign out everywhere" end every copy of the cookie at once.
- It also carries when the user signed in and was last seen: past ``SESSION_IDLE_MINUTES`` without a
  request or ``SESSION_MAX_HOURS`` after signing in, the session ends (checked on the server, on every
  request; a cookie's own expiry is the browser's word only).
- Flask-Login's session protection (``SESSION_PROTECTION``, "strong" by default) ends a session whose
  address or browser changed.
- A user whose password someone else chose is led to the change-password page from every page.
- Every response to a signed-in user is ``Cache-Control: no-store`` (pages and downloads hold personal
  data; the shared static assets are not touched); HSTS in production.
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_url, login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import db, login_manager
from ..types import to_id
from . import passwords
from .auth import Client
from .models import User

AUTH_AT, SEEN_AT = "auth_at", "seen_at"
# What a user who must change the password may still open.
WHILE_CHANGING = frozenset({"auth.change_password", "auth.logout", "static"})
ENDED = {
    "idle": "您已长时间未操作，为保护数据安全已自动退出登录，请重新登录。",
    "max": "本次登录已超过最长时限，为保护数据安全已自动退出登录，请重新登录。",
    "revoked": "您的登录已失效（已在别处退出、修改了密码或被管理员强制退出），请重新登录。",
}


def _now() -> int:
    """Seconds since the epoch (the clock of the session times; a test moves it)."""
    return int(time.time())


def client() -> Client:
    return Client.of(request.remote_addr, request.headers.get("User-Agent"))


def start(user: User) -> None:
    """Sign ``user`` in on this browser: a fresh session (nothing of the anonymous one carries over)."""
    session.clear()
    g.pop("csrf_token", None)  # the anonymous session's CSRF token went with it: forms get a new one
    login_user(user)
    now = _now()
    session[AUTH_AT] = session[SEEN_AT] = now


def renew(user: User) -> None:
    """Keep this browser signed in after the user's token changed (own password change, own sign-out
    everywhere): the cookie gets the new token, the sign-in time stays."""
    started = session.get(AUTH_AT)
    login_user(user)
    session[AUTH_AT] = started or _now()
    session[SEEN_AT] = _now()


def end() -> None:
    logout_user()
    session.clear()
    g.pop("csrf_token", None)


def _load_user(user_id: str):
    uid, _, token = (user_id or "").partition(":")
    uid = to_id(uid)  # a forged id beyond INTEGER is nobody's, not a query PostgreSQL refuses
    user = db.session.get(User, uid) if uid is not None else None
    if user is None or not user.active or not token or not hmac.compare_digest(token, user.session_token):
        g.session_ended = "revoked"
        session.clear()
        return None
    return user


def _check_session(app: Flask):
    if request.endpoint == "static" or request.blueprint in ("api", "status") or "_user_id" not in session:
        return None
    now = _now()
    started, seen = session.get(AUTH_AT), session.get(SEEN_AT)
    idle, most = app.config["SESSION_IDLE_MINUTES"] * 60, app.config["SESSION_MAX_HOURS"] * 3600
    why = None
    if not isinstance(started, int) or not isinstance(seen, int) or now - started > most:
        why = "max"
    elif now - seen > idle:
        why = "idle"
    if why:
        end()
        g.session_ended = why
        return None
    session[SEEN_AT] = now
    if current_user.is_authenticated and current_user.must_change_password:
        if request.endpoint not in WHILE_CHANGING:
            flash("您的密码由管理员设置或系统生成，请先修改为只有您自己知道的密码。", "warning")
            return redirect(url_for("auth.change_password"))
    return None


def register(app: Flask) -> None:
    if app.config.get("PROXY_COUNT"):
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    login_manager.session_protection = app.config.get("SESSION_PROTECTION") or None
    login_manager.user_loader(_load_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(ENDED.get(g.get("session_ended"), "请先登录。"), "warning")
        return redirect(login_url("auth.login", next_url=request.url))

    app.before_request(lambda: _check_session(app))
    app.context_processor(lambda: {"policy_help": passwords.help_text()})

    @app.after_request
    def no_store(resp):
        if request.endpoint != "static" and current_user.is_authenticated:
            resp.headers["Cache-Control"] = "no-store"
            resp.headers["Pragma"] = "no-cache"
        if app.config.get("HSTS_SECONDS"):
            resp.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
            )
        return resp
