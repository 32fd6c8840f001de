"""API tokens: create (printed once), revoke, authenticate. Only the token's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from .. import audit
from ..accounts.roles import require
from ..errors import FieldErrors, NotFound
from ..extensions import db
from ..rules.clock import utcnow
from ..rules.text import problem
from ..unit_of_work import unit_of_work
from .models import ApiToken

PREFIX = "trk_"
NAME_MAX = 60


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(actor, agency, name: str) -> tuple[ApiToken, str]:
    """A new token of ``agency`` named ``name`` (the platform's label); returns (row, the secret, shown once).

    ``actor`` None is the command line."""
    require(actor, "admin.manage", "只有系统管理员可以创建接口令牌。")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写令牌名称（例如“省政府门户网站在线申请平台”）。"
    elif len(name) > NAME_MAX:
        errors["name"] = f"令牌名称不能超过{NAME_MAX}个字（现为{len(name)}个字），请精简。"
    elif why := problem(name):
        errors["name"] = f"令牌名称{why}"
    if errors:
        raise FieldErrors(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work():
        row = ApiToken(
            agency_id=agency.id,
            name=name,
            token_hash=digest(secret),
            prefix=secret[:12],
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(row)
        db.session.flush()
        audit.log("api_token.created", agency, actor, {"token_id": row.id, "name": name, "prefix": row.prefix})
    return row, secret


def tokens_of(agency_id: int) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.agency_id == agency_id).order_by(ApiToken.id)))


def revoke_token(actor, agency, token_id: int) -> ApiToken:
    """Revoke a token of ``agency`` (from now on every call with it is refused, 401)."""
    require(actor, "admin.manage", "只有系统管理员可以吊销接口令牌。")
    with unit_of_work():
        row = db.session.get(ApiToken, token_id) if isinstance(token_id, int) else None
        if row is None or row.agency_id != agency.id:
            raise NotFound("没有这个接口令牌。")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            audit.log("api_token.revoked", agency, actor, {"token_id": row.id, "name": row.name, "prefix": row.prefix})
    return row


def authenticate(secret: str | None) -> ApiToken | None:
    """The token whose secret this is, revoked or not (the caller refuses a revoked one); None if unknown."""
    if not secret or len(secret) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
