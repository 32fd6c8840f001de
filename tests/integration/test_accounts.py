"""Accounts: login, roles enforced in one place, admin pages, command line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.accounts import roles
from tracker.accounts.access import visible_requests
from tracker.accounts.models import User
from tracker.disclosure.intake import register_request
from tracker.extensions import db
from tracker.rules.clock import today_cn

ROOT = Path(__file__).resolve().parents[2]


def test_login_logout_and_wrong_password(client, make_user, login):
    user = make_user("office", username="office_a")
    page = client.get("/login").get_data(as_text=True)
    from tests.conftest import csrf_token

    bad = client.post("/login", data={"username": "office_a", "password": "wrong-pass", "csrf_token": csrf_token(page)})
    assert "用户名或密码不正确" in bad.get_data(as_text=True)
    login(user)
    assert client.get("/requests/").status_code == 200
    page = client.get("/requests/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert client.get("/requests/").status_code == 302


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user("office", username="gone")
    user.active = False
    db.session.commit()
    from tests.conftest import csrf_token

    page = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login", data={"username": "gone", "password": "Test-pass-2026", "csrf_token": csrf_token(page)}
    )
    assert resp.status_code == 200 and "已停用" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "role,status", [("admin", 200), ("office", 403), ("leader", 403), ("section_head", 403), ("staff", 403)]
)
def test_admin_pages_only_for_admin(client, make_user, make_section, login, role, status):
    section = make_section("投资科")
    login(make_user(role, section=section if role in roles.SECTION_BOUND else None))
    resp = client.get("/admin/users")
    assert resp.status_code == status
    if status == 403:
        assert "无权操作" in resp.get_data(as_text=True)


@pytest.mark.parametrize("role,status", [("office", 200), ("admin", 200), ("leader", 403), ("staff", 403)])
def test_only_registering_roles_see_intake_form(client, make_user, make_section, login, role, status):
    section = make_section("投资科")
    login(make_user(role, section=section if role in roles.SECTION_BOUND else None))
    assert client.get("/requests/new").status_code == status


def test_section_users_see_only_their_section_and_strangers_get_404(client, make_user, make_section, login):
    a, b = make_section("投资科"), make_section("价格科")
    office = make_user("office")
    req = register_request(
        office,
        {
            "applicant_type": "natural_person",
            "applicant_name": "甲",
            "id_type": "none",
            "channel": "online",
            "received_on": today_cn(),
            "subject": "s",
            "content": "c",
        },
    )
    req.section_id = a.id
    db.session.commit()
    staff_a, staff_b = make_user("staff", section=a), make_user("staff", section=b)
    head_b = make_user("section_head", section=b)
    leader = make_user("leader")
    ids = lambda u: [r.id for r in db.session.scalars(visible_requests(u))]  # noqa: E731
    assert ids(staff_a) == [req.id] and ids(leader) == [req.id] and ids(office) == [req.id]
    assert ids(staff_b) == [] and ids(head_b) == []
    login(staff_b)
    missing = client.get("/requests/999999")
    forbidden = client.get(f"/requests/{req.id}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.get_data(as_text=True) == missing.get_data(as_text=True)
    assert "页面不存在" in forbidden.get_data(as_text=True)


def test_admin_creates_section_and_user_through_forms(client, make_user, login, form_post):
    login(make_user("admin"))
    assert form_post("/admin/sections", {"name": "能源科"}).status_code == 302
    dup = form_post("/admin/sections", {"name": "能源科"})
    assert "已存在" in dup.get_data(as_text=True)
    from tracker.accounts.models import Section

    sec = db.session.scalars(select(Section).where(Section.name == "能源科")).one()
    missing_section = form_post(
        "/admin/users", {"username": "staffx", "role": "staff", "section_id": "0", "display_name": "某人"}
    )
    assert "必须指定所属科室" in missing_section.get_data(as_text=True)
    ok = form_post(
        "/admin/users",
        {"username": "staffx", "role": "staff", "section_id": str(sec.id), "display_name": "某人", "password": ""},
    )
    assert ok.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    assert "初始密码" in page
    assert db.session.scalars(select(User).where(User.username == "staffx")).one().section_id == sec.id


def test_permissions_table_is_the_single_source():
    assert roles.can("leader", "request.approve") and not roles.can("office", "request.approve")
    assert roles.can("office", "request.register") and not roles.can("staff", "request.register")
    with pytest.raises(KeyError):
        roles.can("office", "no.such.permission")


def _cli(args, env, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tracker", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_creates_sections_and_users_and_rejects_bad_arguments(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "AGENCY_NAME": "命令行测试局",
        "INSTANCE_PATH": str(tmp_path),
    }
    assert _cli(["db", "upgrade"], env).returncode == 0
    ok = _cli(["create-section", "投资科"], env)
    assert ok.returncode == 0 and "投资科" in ok.stdout
    dup = _cli(["create-section", "投资科"], env)
    assert dup.returncode != 0 and "已存在" in dup.stderr
    gen = _cli(["create-user", "zhang", "--role", "staff", "--section", "投资科"], env)
    assert gen.returncode == 0 and "初始密码" in gen.stdout
    piped = _cli(["create-user", "li", "--role", "office", "--password-stdin"], env, stdin="A-good-password1\n")
    assert piped.returncode == 0 and "初始密码" not in piped.stdout
    bad_role = _cli(["create-user", "wang", "--role", "boss"], env)
    assert bad_role.returncode != 0 and "未知角色" in bad_role.stderr
    bad_section = _cli(["create-user", "zhao", "--role", "staff", "--section", "不存在科"], env)
    assert bad_section.returncode != 0 and "找不到科室" in bad_section.stderr
    short = _cli(["create-user", "qian", "--role", "office", "--password-stdin"], env, stdin="short\n")
    assert short.returncode != 0 and "至少需要" in short.stderr
