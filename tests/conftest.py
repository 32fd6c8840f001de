"""Shared fixtures. The same suite runs on SQLite (default) and on PostgreSQL (TEST_DATABASE_URL).

On PostgreSQL each run creates its own throwaway database, so parallel runs never collide.
The schema is built with db.create_all(); tests/integration/test_migrations.py checks that the
migrations build the very same schema.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        import psycopg

        base, _, _db = url.rpartition("/")
        name = f"tracker_test_{uuid.uuid4().hex[:10]}"
        admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{base}/{name}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from tracker import create_app
    from tracker.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
            "AGENCY_NAME": "测试区发展和改革局",
            "MAIL_SERVER": "",
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _clear(db):
    """Empty every table. The database refuses to delete events (issue 14): the triggers are dropped for
    the DELETE and made again in the same transaction."""
    from tracker.audit import create_guard, drop_guard

    with db.engine.begin() as conn:
        drop_guard(conn)
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        create_guard(conn)


@pytest.fixture()
def app_ctx(app):
    from tracker.extensions import db
    from tracker.workcal.service import invalidate

    with app.app_context():
        _clear(db)
        invalidate()
        yield app
        from tracker.ledger import jobs

        jobs.wait()  # ledger checks and imports run in background threads: let them end before clearing
        db.session.rollback()
        db.session.remove()
        _clear(db)
        invalidate()


@pytest.fixture()
def agency(app_ctx):
    from tracker.accounts.models import Agency
    from tracker.extensions import db

    a = Agency(name="测试区发展和改革局", settings={})
    db.session.add(a)
    db.session.commit()
    return a


@pytest.fixture()
def make_section(agency):
    from tracker.accounts import services

    def make(name: str, ag=None):
        return services.create_section(name, agency=ag or agency)

    return make


@pytest.fixture()
def make_user(agency):
    from tracker.accounts import services

    counter = {"n": 0}

    def make(
        role: str,
        section=None,
        username: str | None = None,
        password: str = "Test-pass-2026",
        ag=None,
        email: str | None = None,
    ):
        counter["n"] += 1
        user, _ = services.create_user(
            username or f"{role}{counter['n']}",
            role=role,
            password=password,
            section=section,
            agency=ag or agency,
            display_name=f"{role}用户{counter['n']}",
            email=email,
            must_change=False,  # a fixture's password is its own; tests of the forced change set it
        )
        return user

    return make


@pytest.fixture()
def client(app_ctx):
    return app_ctx.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in page"
    return m.group(1) or m.group(2)


@pytest.fixture()
def login(client):
    def do(user, password: str = "Test-pass-2026"):
        # a signed-in browser is sent on by the login page (issue 14): forget the previous user first —
        # the cookie, and what Flask-Login and Flask-WTF cached in the tests' shared app context
        from flask import g

        client.delete_cookie("session")
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        page = client.get("/login").get_data(as_text=True)
        resp = client.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": csrf_token(page)}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return client

    return do


@pytest.fixture()
def form_post(client):
    """POST a form the way a browser does: fetch the page first and send its CSRF token."""

    def post(url: str, data: dict, page_url: str | None = None, **kw):
        page = client.get(page_url or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_token(page), **data}
        return client.post(url, data=payload, **kw)

    return post
