"""/api/v1: the online platform's door. Token-authenticated (Authorization: Bearer), JSON in and out.

A session cookie authenticates nothing here (the views read only the token, and CSRF, which protects
cookie-authenticated forms, is exempt for this blueprint). Every refusal is JSON with a Chinese message
and the right status code, and writes nothing (docs/api.md lists them).
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import attachments
from ..accounts import throttle
from ..errors import FieldErrors, PermissionDenied, ServiceError
from ..extensions import csrf, db
from ..rules.clock import utcnow
from . import answers, intake, openapi, status, tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC = frozenset({"api.openapi_document"})
WINDOW = timedelta(minutes=1)


def reply(body: dict, code: int = 200):
    """JSON in UTF-8 as written (the Chinese messages readable in curl and in logs, not \\u escapes)."""
    return current_app.response_class(json.dumps(body, ensure_ascii=False), status=code, mimetype="application/json")


def error(code: int, kind: str, message: str, fields: dict | None = None, headers: dict | None = None):
    body = {"error": kind, "message": message}
    if fields:
        body["fields"] = fields
    resp = reply(body, code)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def unauthorized(message: str):
    return error(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="tracker"'})


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return unauthorized("缺少接口令牌：请在请求头中加入 Authorization: Bearer <令牌>（令牌由系统管理员创建）。")
    token = tokens.authenticate(secret.strip())
    if token is None:
        return unauthorized("接口令牌无效：请核对令牌是否完整，或请系统管理员重新创建。")
    if token.revoked_at is not None:
        return unauthorized("该接口令牌已被吊销，不能再使用，请向系统管理员申请新的令牌。")
    now = utcnow()
    limit = throttle.Limit(current_app.config["API_RATE_PER_MINUTE"], WINDOW, timedelta(0))
    refusal = throttle.charge(f"api:token:{token.id}", limit, now)
    token.last_used_at = now
    db.session.commit()  # the count stands whatever the call does next (it writes nothing else yet)
    if refusal is not None:
        wait = max(1, int((refusal.until - now).total_seconds()) + 1)
        return error(
            429,
            "rate_limited",
            f"调用过于频繁：每个令牌每分钟最多{limit.attempts}次，请{wait}秒后重试。",
            headers={"Retry-After": str(wait)},
        )
    g.api_token = token
    return None


def _json_body():
    if request.mimetype != "application/json":
        return None, error(400, "invalid_json", "请求体应为 JSON，并在请求头中注明 Content-Type: application/json。")
    limit = current_app.config["API_MAX_BODY_KB"] * 1024
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    raw = request.stream.read(limit + 1)  # also a body without Content-Length (chunked) stops at the limit
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, error(400, "invalid_json", "请求体不是 UTF-8 编码的文字，请以 UTF-8 编码发送 JSON。")
    except (ValueError, RecursionError) as e:
        where = f"（第{e.lineno}行第{e.colno}列）" if hasattr(e, "lineno") else ""
        return None, error(400, "invalid_json", f"请求体不是有效的 JSON{where}，请检查引号、逗号和括号。")


def _case(submission_id: str):
    """The token's agency's case of this submission; else an error response."""
    token = g.api_token
    if not intake.SUBMISSION_ID.match(submission_id):
        return None, error(404, "not_found", "没有这个申请编号的申请。")
    found = intake.existing(token.agency_id, submission_id)
    if found is not None:
        return found, None
    if intake.submitted_elsewhere(token.agency_id, submission_id):
        return None, error(403, "forbidden", "该申请不是向本令牌所属机关提交的，请使用受理机关的接口令牌查询。")
    return None, error(404, "not_found", "没有这个申请编号的申请。")


@bp.post("/requests")
def create_request():
    body, bad = _json_body()
    if bad is not None:
        return bad
    try:
        req, created = intake.submit(g.api_token, body)
    except FieldErrors as e:
        return error(400, "invalid", "提交的申请有误，请按各项的提示修改后重新提交。", e.errors)
    return reply(intake.receipt(req), 201 if created else 200)


@bp.get("/requests/<submission_id>")
def request_status(submission_id: str):
    req, bad = _case(submission_id)
    return bad if bad is not None else reply(status.public_status(req))


@bp.get("/requests/<submission_id>/answer")
def answer(submission_id: str):
    req, bad = _case(submission_id)
    if bad is not None:
        return bad
    try:
        att = answers.answer_attachment(req)
    except answers.NotReady as e:
        return error(409, "not_ready", e.message)
    return attachments.download("request", req.id, att.id)


@bp.post("/requests/<submission_id>/delivered")
def delivered(submission_id: str):
    req, bad = _case(submission_id)
    if bad is not None:
        return bad
    body, bad = _json_body()
    if bad is not None:
        return bad
    if not isinstance(body, dict) or set(body) - {"delivered_at"}:
        return error(
            400, "invalid", "请求体应为 JSON 对象，只含 delivered_at 一项。", {"delivered_at": "请填写展示时间。"}
        )
    try:
        _, message = answers.record_shown(intake.actor_for(g.api_token), req, body.get("delivered_at"))
    except answers.NotReady as e:
        return error(409, "not_ready", e.message)
    except FieldErrors as e:
        return error(400, "invalid", "回报的送达时间有误，请按提示修改后重新提交。", e.errors)
    db.session.refresh(req)
    return reply({"number": req.number, "delivered_on": req.delivered_on.isoformat(), "message": message})


@bp.get("/openapi.json")
def openapi_document():
    return reply(openapi.document())


@bp.errorhandler(RequestEntityTooLarge)
def too_large(e):
    kb = current_app.config["API_MAX_BODY_KB"]
    return error(413, "too_large", f"请求体超过{kb} KB 的上限，请精简申请内容后重新提交。")


@bp.errorhandler(PermissionDenied)
def denied(e):
    db.session.rollback()
    return error(403, "forbidden", e.message)


@bp.errorhandler(ServiceError)
def refused(e):
    db.session.rollback()
    fields = getattr(e, "errors", None)
    return error(409, "refused", e.message, fields)


@bp.errorhandler(HTTPException)
def http_error(e):
    messages = {404: "接口地址不存在，请核对（接口说明见 /api/v1/openapi.json）。", 405: "该接口不支持这种请求方法。"}
    return error(e.code or 400, "http_error", messages.get(e.code, "请求有误，请核对后重试。"))
