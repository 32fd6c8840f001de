"""/status: an applicant looks up a case with its number and the verification code of the 受理回执.

No login, no cookie, no JavaScript: a plain form (POST, so the code stays out of addresses and logs) and
an answer. A wrong number and a wrong code get the same answer. Attempts are counted per address in the
database (rate_bucket, tracker.accounts.throttle); a successful look-up gives its attempt back. The page's
style sheet is served under /status too, so the internet-facing proxy exposes /status and /api/ only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template, request, send_from_directory
from sqlalchemy import select

from ..accounts import sessions, throttle
from ..disclosure.models import DisclosureRequest
from ..extensions import csrf, db
from ..rules.clock import utcnow
from ..rules.text import problem
from . import codes, status

bp = Blueprint("status", __name__, url_prefix="/status")
csrf.exempt(bp)  # no session and no cookie authenticate anything here; a look-up changes no record

NOT_FOUND = "未找到与该编号和查询码相符的申请。请核对受理回执上的申请编号和查询码后重新输入。"
WINDOW = timedelta(hours=1)
MAX_NUMBER = 60


def _limit() -> throttle.Limit:
    return throttle.Limit(current_app.config["STATUS_ATTEMPTS_PER_HOUR"], WINDOW, timedelta(0))


def find(number: str, code: str) -> DisclosureRequest | None:
    """The case of this number whose code matches; the code is compared even when no case has the number."""
    rows = db.session.scalars(select(DisclosureRequest).where(DisclosureRequest.number == number).limit(20)).all()
    found = None
    for req in rows or [None]:
        if codes.matches(req.status_code_hash if req else None, code) and req is not None:
            found = req
    return found


def _page(**kw):
    resp = current_app.make_response(render_template("status/status.html", **kw))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get("/")
def form():
    return _page(number="", message=None, result=None)


@bp.post("/")
def lookup():
    number = (request.form.get("number") or "").strip()
    code = request.form.get("code") or ""
    errors = {}
    if not number:
        errors["number"] = "请填写申请编号（受理回执右上角，例如 依申〔2026〕第0001号）。"
    elif len(number) > MAX_NUMBER or problem(number):
        errors["number"] = "申请编号的格式不对，请照受理回执上的编号填写。"
    if not codes.normalize(code):
        errors["code"] = "请填写查询码（受理回执上的8位字母和数字，例如 7KQ4-M2XP）。"
    elif len(codes.normalize(code)) != codes.LENGTH or len(code) > 40:
        errors["code"] = f"查询码是{codes.LENGTH}位字母和数字（可带“-”），请核对。"
    if errors:
        return _page(number=number[:MAX_NUMBER], errors=errors, message=None, result=None), 400
    now = utcnow()
    key = f"status:addr:{sessions.client().address}"
    refusal = throttle.charge(key, _limit(), now)
    if refusal is not None:
        db.session.commit()
        minutes = max(1, int((refusal.until - now).total_seconds() // 60) + 1)
        return _page(number=number, message=f"查询次数过多，请{minutes}分钟后再试。", result=None), 429
    req = find(number, code)
    if req is None:
        db.session.commit()
        return _page(number=number, message=NOT_FOUND, result=None), 200
    throttle.succeed(f"status:none:{key}", key)  # a look-up that found its case gives the attempt back
    result = status.public_status(req)
    db.session.commit()
    return _page(number=number, message=None, result=result, lines=status.plain_words(result))


@bp.get("/style.css")
def style():
    """Bootstrap, from the product's own copy, under /status (see the module's docstring)."""
    return send_from_directory(current_app.static_folder, "vendor/bootstrap/bootstrap.min.css", max_age=86400)
