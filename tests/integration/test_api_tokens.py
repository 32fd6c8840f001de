"""API tokens: created on the admin page or the command line, shown once, stored hashed, revoked."""

from __future__ import annotations

import re

from sqlalchemy import select

from tracker.api.models import ApiToken
from tracker.api.tokens import digest
from tracker.audit import Event
from tracker.extensions import db

from .api_helpers import Api, body

SECRET = re.compile(r"trk_[A-Za-z0-9_-]{43}")


def test_admin_creates_a_token_shown_once_and_stored_hashed_then_revokes_it(client, make_user, login, form_post):
    admin = make_user("admin")
    login(admin)
    page = form_post("/admin/api-tokens/", {"name": "省政府门户网站在线申请平台"})
    assert page.status_code == 200
    secret = SECRET.search(page.get_data(as_text=True)).group()
    row = db.session.scalars(select(ApiToken)).one()
    assert row.token_hash == digest(secret) and secret not in (row.token_hash, row.prefix)
    assert row.created_by_id == admin.id and secret.startswith(row.prefix)
    again = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert secret not in again and row.prefix in again and "从未使用" in again
    assert Api(client, secret).post("/requests", json=body()).status_code == 201

    resp = form_post(f"/admin/api-tokens/{row.id}/revoke", {}, page_url="/admin/api-tokens/")
    assert resp.status_code == 302
    db.session.expire_all()
    assert row.revoked_at is not None
    assert Api(client, secret).get("/requests/ZX2026113000017").status_code == 401
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.subject_type == "agency"))]
    assert kinds == ["api_token.created", "api_token.revoked"]


def test_an_empty_name_is_refused_with_a_message(client, make_user, login, form_post):
    login(make_user("admin"))
    page = form_post("/admin/api-tokens/", {"name": "  "}).get_data(as_text=True)
    assert "请填写令牌名称" in page and db.session.scalars(select(ApiToken)).first() is None


def test_roles_without_admin_manage_cannot_create_or_revoke(client, make_user, login, form_post, token):
    row = db.session.scalars(select(ApiToken)).one()
    login(make_user("office"))
    assert client.get("/admin/api-tokens/").status_code == 403
    login(make_user("auditor"))
    page = client.get("/admin/api-tokens/")
    assert page.status_code == 200 and "disabled" in page.get_data(as_text=True)
    assert form_post("/admin/api-tokens/", {"name": "x"}).status_code == 403
    assert form_post(f"/admin/api-tokens/{row.id}/revoke", {}, page_url="/admin/api-tokens/").status_code == 403
    db.session.expire_all()
    assert row.revoked_at is None and len(db.session.scalars(select(ApiToken)).all()) == 1


def test_a_token_of_another_agency_cannot_be_revoked_from_here(client, make_user, login, form_post):
    from tracker.accounts.models import Agency
    from tracker.api import tokens

    other = Agency(name="测试区财政局", settings={})
    db.session.add(other)
    db.session.commit()
    theirs, _ = tokens.create_token(None, other, "平台")
    login(make_user("admin"))
    resp = form_post(f"/admin/api-tokens/{theirs.id}/revoke", {}, page_url="/admin/api-tokens/")
    assert resp.status_code == 302
    db.session.expire_all()
    assert theirs.revoked_at is None


def test_the_command_line_creates_lists_and_revokes(app_ctx, agency):
    runner = app_ctx.test_cli_runner()
    out = runner.invoke(args=["api-token", "create", "--name", "省平台", "--agency", agency.name])
    assert out.exit_code == 0, out.output
    secret = SECRET.search(out.output).group()
    row = db.session.scalars(select(ApiToken)).one()
    assert row.token_hash == digest(secret) and row.created_by_id is None
    listed = runner.invoke(args=["api-token", "list"]).output
    assert secret not in listed and row.prefix in listed and "有效" in listed
    assert runner.invoke(args=["api-token", "revoke", str(row.id)]).exit_code == 0
    assert "已吊销" in runner.invoke(args=["api-token", "list"]).output
    bad = runner.invoke(args=["api-token", "create", "--name", "a\x01b"])
    assert bad.exit_code != 0 and "错误" in bad.output
