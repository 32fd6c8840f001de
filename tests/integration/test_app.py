"""The application shell: configuration, error pages, atomic saves."""

import pytest
from sqlalchemy import func, select

from tracker import attachments, create_app
from tracker.disclosure import intake
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.rules.clock import today_cn


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    assert create_app().config["SECRET_KEY"] == "a-long-random-production-secret"


def test_configuration_comes_from_the_environment_at_creation(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("CASE_NUMBER_PATTERN", "依申公开〔{year}〕{seq:03d}号")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.db")
    assert app.config["CASE_NUMBER_PATTERN"] == "依申公开〔{year}〕{seq:03d}号"


def test_unknown_url_gets_chinese_404(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)


def test_failure_mid_save_leaves_no_half_written_case(app_ctx, make_user, monkeypatch):
    office = make_user("office")

    def broken_store(*a, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(attachments, "store_bytes", broken_store)
    data = {
        "applicant_type": "natural_person",
        "applicant_name": "甲",
        "id_type": "none",
        "channel": "online",
        "received_on": today_cn(),
        "subject": "s",
        "content": "c",
    }
    with pytest.raises(OSError):
        intake.register_request(office, data, intake.Upload("scan.pdf", b"%PDF"))
    assert db.session.scalar(select(func.count()).select_from(DisclosureRequest)) == 0
    # The number was not consumed either: the next registration still gets 0001.
    req = intake.register_request(office, data)
    assert req.seq == 1


def test_server_error_page_is_chinese_and_rolls_back(app_ctx, make_user, login, client, monkeypatch):
    login(make_user("office"))
    app_ctx.config["PROPAGATE_EXCEPTIONS"] = False
    from tracker.disclosure import views

    def boom(*a, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "unordered_query", boom)
    try:
        resp = client.get("/requests/")
    finally:
        app_ctx.config["PROPAGATE_EXCEPTIONS"] = None
    assert resp.status_code == 500 and "本次操作未保存" in resp.get_data(as_text=True)


def test_sqlite_folder_is_created_for_a_fresh_clone(monkeypatch, tmp_path):
    target = tmp_path / "not-yet" / "instance" / "tracker.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    create_app()
    assert target.parent.is_dir()
