"""tracker: disclosure requests, NPC/CPPCC items and the year-end report for a Chinese government agency."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI. Nothing else happens here."""
    from config import Config

    from . import models  # noqa: F401  (registers every model with the metadata)
    from .cli import register_cli
    from .extensions import csrf, db, login_manager, migrate
    from .web import register_web

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("INSTANCE_PATH", str(ROOT / "instance")),
    )
    app.config.from_mapping(Config().as_dict())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("生产模式必须设置环境变量 SECRET_KEY（一个足够长的随机字符串）后再启动。")
        app.config["SECRET_KEY"] = "dev-only-not-secret"

    # Form messages in Chinese: WTForms' own zh catalogue (no Flask-Babel needed on an intranet).
    app.config.setdefault("WTF_I18N_ENABLED", False)
    from flask_wtf import FlaskForm

    FlaskForm.Meta.locales = ("zh",)
    from .forms import install_default_checks

    install_default_checks()  # clean text, dates in range, ids and numbers in range: on every field

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        # The embedded default lives under instance/, which a fresh clone does not have yet.
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    register_web(app)
    from .notify import handoffs

    handoffs.install()  # notifications at every handoff, in the action's transaction
    register_cli(app)
    return app
