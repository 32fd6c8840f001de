"""Web wiring: blueprints, login, error pages, security headers, template helpers."""

from __future__ import annotations

import io

from flask import Flask, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from .extensions import db, login_manager
from .rules.clock import to_cn, utcnow
from .types import MAX_ID

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(data: bytes, name: str):
    """A workbook as a download under its (Chinese) file name."""
    return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX_MIME)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """<int:...> in every route: an id beyond the database's INTEGER is no record's, so the address does not
    match (404) instead of PostgreSQL refusing the query (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    from .accounts import sessions
    from .accounts.blueprint import admin_bp, auth_bp
    from .disclosure.blueprint import bp as disclosure_bp
    from .ledger.blueprint import bp as ledger_bp
    from .proposals.blueprint import bp as proposals_bp
    from .reminders.blueprint import bp as reminders_bp
    from .reports.blueprint import bp as reports_bp
    from .workcal.blueprint import bp as calendar_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    sessions.register(app)  # the cookie's token, idle and absolute timeouts, no-store, HSTS

    for blueprint in (auth_bp, admin_bp, disclosure_bp, calendar_bp, reports_bp, proposals_bp, ledger_bp, reminders_bp):
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for("disclosure.list_requests"))

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    def error_page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(e):
        return error_page(400, "请求有误", "提交的内容无法识别，请返回上一页重新填写。")

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_page(400, "页面已过期", "表单安全校验未通过（页面可能已过期），请刷新页面后重新提交。")

    @app.errorhandler(403)
    def forbidden(e):
        if current_user.is_authenticated:  # a permission refusal is a security event (docs/security.md)
            from .accounts import auth

            auth.refused(current_user, request.path, request.method, sessions.client())
        return error_page(403, "无权操作", "您的角色不能进行此项操作。如需办理，请联系政务公开办或系统管理员。")

    @app.errorhandler(404)
    def not_found(e):
        return error_page(404, "页面不存在", "您访问的页面或案件不存在，或您无权查看。")

    @app.errorhandler(413)
    def too_large(e):
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error_page(413, "文件过大", f"上传的文件超过 {mb} MB 的上限，请压缩或拆分后重新上传。")

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return error_page(500, "系统错误", "系统处理时出现错误，本次操作未保存。请稍后重试或联系系统管理员。")

    @app.template_filter("cn_datetime")
    def cn_datetime(ts):
        return to_cn(ts).strftime("%Y-%m-%d %H:%M") if ts else ""

    @app.template_filter("cn_when")
    def cn_when(ts):
        """A moment as people say it: 10:02 today, 3月2日 10:02 this year, else with the year."""
        if not ts:
            return ""
        local, now = to_cn(ts), to_cn(utcnow())
        if local.date() == now.date():
            return local.strftime("%H:%M")
        if local.year == now.year:
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"

    @app.template_filter("cn_date")
    def cn_date(d):
        return d.isoformat() if d else ""

    @app.context_processor
    def globals_():
        from .accounts import roles

        return {
            "roles": roles,
            "request_path": request.path,
            "has_view": lambda endpoint: endpoint in app.view_functions,
        }
