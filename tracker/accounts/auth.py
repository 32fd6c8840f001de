"""Signing in and out, changing one's password, ending a user's sessions (docs/security.md).

Services, like every other: each checks what it must, changes the records and records its event in one
unit of work. The web wiring (the cookie, the timeouts) is tracker/accounts/sessions.py; the counters
are tracker/accounts/throttle.py; the policy is tracker/accounts/passwords.py.

Every sign-in attempt costs the same whether or not the name exists: an unknown or disabled user's
password is checked against a dummy hash made with the same method as real ones, and both paths write
the same rows. A name's bucket is kept whether or not the name exists, so a lock-out reveals nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..errors import FieldErrors, ServiceError
from ..extensions import db
from ..rules.clock import to_cn, utcnow
from ..unit_of_work import unit_of_work
from . import passwords, roles, throttle
from .models import User

FAILED = "用户名或密码不正确，或账号已停用。"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NAME_KEY, ADDR_KEY = "login:name:", "login:addr:"
# Security events are about a user (subject_id: the user's id; None for a name nobody has) under their
# own subject type, so that the security log reads them by index, apart from the case timelines.
SUBJECT = "security"


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the security log shows it."""

    address: str = ""
    user_agent: str = ""

    def data(self) -> dict:
        return {"address": self.address, "user_agent": self.user_agent}

    @classmethod
    def of(cls, address: str | None, user_agent: str | None) -> Client:
        return cls(CONTROL.sub("", address or "")[:64], CONTROL.sub("", user_agent or "")[:300])


@dataclass(frozen=True)
class SignIn:
    user: User | None
    message: str | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("no such user: this hash only costs time")


def _limits() -> tuple[throttle.Limit, throttle.Limit]:
    cfg = current_app.config
    window, lock = timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"]), timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    return (
        throttle.Limit(cfg["LOGIN_MAX_FAILURES"], window, lock),
        throttle.Limit(cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], window, lock),
    )


def cn_until(ts: datetime) -> str:
    """The end of a lock as the message says it: China time, to the minute (rounded up)."""
    local = to_cn(ts + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return f"{local:%Y-%m-%d %H:%M}（北京时间）"


def _locked_message(refusal: throttle.Refusal) -> str:
    if refusal.key.startswith(ADDR_KEY):
        return f"本机所在地址登录失败次数过多，已暂停从此地址登录，请于 {cn_until(refusal.until)} 之后再试。"
    return f"该账号登录失败次数过多，已被锁定至 {cn_until(refusal.until)}，请届时再试，或请系统管理员解除锁定。"


def _user_named(name: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.username) == name.lower())).first()


def security_event(kind: str, user: User | None, client: Client, data: dict | None = None, actor=None) -> None:
    """Record a security event about ``user`` (None: a name nobody has) in the caller's unit of work."""
    audit.record(
        kind,
        subject_type=SUBJECT,
        subject_id=user.id if user else None,
        actor=actor if actor is not None else user,
        agency_id=user.agency_id if user else None,
        data={**client.data(), **(data or {})},
    )


def sign_in(username: str, password: str, client: Client, now: datetime | None = None) -> SignIn:
    """The user whose name and password these are, signed in; else why not (one message for a wrong
    name, a wrong password and a disabled account; its own for a lock)."""
    now = now or utcnow()
    name = CONTROL.sub("", (username or "").strip())[:60]
    password = password or ""
    by_name, by_addr = _limits()
    name_key, addr_key = NAME_KEY + name.lower(), ADDR_KEY + client.address
    with unit_of_work():
        refusal = throttle.charge(addr_key, by_addr, now) or throttle.charge(name_key, by_name, now)
    if refusal is not None:
        return SignIn(None, _locked_message(refusal))
    user = _user_named(name) if name else None
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password[: passwords.MAX_LENGTH * 4])
    if user is not None and ok and user.active:
        with unit_of_work():
            throttle.succeed(name_key, addr_key)
            user.last_login_at = now
            security_event("auth.login", user, client)
        return SignIn(user)
    reason = "unknown_user" if user is None else ("inactive" if not user.active else "wrong_password")
    with unit_of_work():
        locks = [(k, throttle.fail(k, lim, now)) for k, lim in ((name_key, by_name), (addr_key, by_addr))]
        security_event("auth.login_failed", user, client, {"username": name, "reason": reason})
        for key, until in locks:
            if until is not None:
                scope = "address" if key == addr_key else "account"
                security_event(
                    "auth.locked",
                    user if scope == "account" else None,
                    client,
                    {"username": name, "scope": scope, "until": until},
                )
        throttle.prune(now, by_name.window + by_name.lock)
    locked = next((throttle.Refusal(k, u) for k, u in locks if u is not None), None)
    return SignIn(None, FAILED + (_locked_message(locked) if locked else ""))


def sign_out(user: User, client: Client) -> None:
    """Log out: the token every session of the user carries is replaced, so no copy of the cookie works."""
    with unit_of_work():
        user.rotate_session_token()
        security_event("auth.logout", user, client)


def change_password(user: User, current: str, new: str, confirm: str, client: Client) -> None:
    """The user's own change: the current password, a new one meeting the policy, typed twice. Every
    other session of the user ends (the token changes); the caller keeps this one with the new token."""
    errors = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current"] = "当前密码不正确。"
    if problem := passwords.error(new or "", user.username):
        errors["new"] = problem
    elif new == current:
        errors["new"] = "新密码不能与当前密码相同。"
    if not errors.get("new") and new != confirm:
        errors["confirm"] = "两次输入的新密码不一致，请重新输入。"
    if errors:
        raise FieldErrors(errors)
    with unit_of_work():
        set_password(user, new, chosen_by_user=True)
        security_event("auth.password_changed", user, client)


def set_password(user: User, password: str, *, chosen_by_user: bool) -> None:
    """Store a new password (inside the caller's unit of work): every session of the user ends, and a
    password someone else chose must be changed at the next sign-in."""
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = not chosen_by_user
    user.rotate_session_token()


def sign_out_everywhere(user: User, *, actor, client: Client) -> None:
    """End every session of ``user`` now: an administrator's action on a user of the agency, or a user's
    own (then the caller signs the current session in again)."""
    if actor.id != user.id:
        roles.require(actor, "admin.manage")
        if user.agency_id != actor.agency_id:
            raise ServiceError("不能操作其他机关的用户。")
    with unit_of_work():
        user.rotate_session_token()
        security_event("auth.signed_out_everywhere", user, client, actor=actor)


def unlock(user: User, *, actor, client: Client) -> None:
    """Lift a lock-out of the user's login name (the address stays as it is)."""
    roles.require(actor, "admin.manage")
    if user.agency_id != actor.agency_id:
        raise ServiceError("不能操作其他机关的用户。")
    with unit_of_work():
        throttle.clear(NAME_KEY + user.username.lower())
        security_event("auth.unlocked", user, client, actor=actor)


def locks_of(users: list[User], now: datetime | None = None) -> dict[int, datetime]:
    """Until when each locked user's login name is locked ({user id: end}), in one query."""
    now = now or utcnow()
    by_key = {NAME_KEY + u.username.lower(): u.id for u in users}
    if not by_key:
        return {}
    rows = db.session.execute(
        select(throttle.RateBucket.key, throttle.RateBucket.locked_until).where(
            throttle.RateBucket.key.in_(by_key), throttle.RateBucket.locked_until > now
        )
    ).all()
    return {by_key[key]: until for key, until in rows}


def lock_of(user: User, now: datetime | None = None) -> datetime | None:
    """Until when the user's login name is locked (None when it is not)."""
    return locks_of([user], now).get(user.id)


def refused(user: User, path: str, method: str, client: Client) -> None:
    """Record a permission refusal (403) of a signed-in user, in a transaction of its own."""
    db.session.rollback()
    with unit_of_work():
        security_event("auth.forbidden", user, client, {"path": path[:300], "method": method})
