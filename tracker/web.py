"""Web wiring: blueprints, login, error pages, security headers, template helpers."""

from __future__ import annotations

import io

from flask import Flask, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from . import countdowns
from .extensions import db, login_manager
from .rules.clock import to_cn, today_cn, utcnow
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


def _form_field_names() -> set[str]:
    """The name of every field of every form class of the product (WTForms checks those itself)."""
    from flask_wtf import FlaskForm
    from wtforms.fields.core import UnboundField

    names, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(n for n, v in vars(cls).items() if isinstance(v, UnboundField))
    return names


def unclean_input(req) -> str | None:
    """The Chinese reason the request's address, parameters, form or file names cannot be taken, or None.

    A form value under the name of a WTForms field is left to the field (tracker.forms.CleanText), which
    shows the same rule's message under the field with the rest of the form kept; every other value (one
    a view reads by itself, an unknown name) is refused here."""
    from .rules.text import problem, xml_safe

    fix = "请返回上一页（已填写的内容仍在），删除这些字符后重新提交。"
    if why := problem(req.path):
        return f"网址{why}"
    fields: set[str] | None = None
    for where, values, multiline in (("查询条件", req.args, False), ("表单", req.form, True)):
        for key, value in values.items(multi=True):
            why = problem(key) or problem(value, multiline)
            if why and multiline and not problem(key):
                fields = _form_field_names() if fields is None else fields
                if key in fields:
                    continue
            if why:
                return f"{where}中的“{xml_safe(key[:40])}”一项{why.rstrip('。')}。{fix}"
    for f in req.files.values():
        if f.filename and (why := problem(f.filename)):
            return f"上传的文件名{why.rstrip('。')}。请把文件改名后重新上传。"
    return None


def register_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    from .accounts import sessions
    from .accounts.blueprint import admin_bp, auth_bp
    from .api.admin_views import bp as api_tokens_bp
    from .api.blueprint import bp as api_bp
    from .api.status_views import bp as status_bp
    from .disclosure.blueprint import bp as disclosure_bp
    from .ledger.blueprint import bp as ledger_bp
    from .proposals.blueprint import bp as proposals_bp
    from .reminders.blueprint import bp as reminders_bp
    from .reports.blueprint import bp as reports_bp
    from .workbench.blueprint import bp as stats_bp
    from .workcal.blueprint import bp as calendar_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    sessions.register(app)  # the cookie's token, idle and absolute timeouts, no-store, HSTS

    for blueprint in (
        auth_bp,
        admin_bp,
        disclosure_bp,
        calendar_bp,
        reports_bp,
        proposals_bp,
        ledger_bp,
        reminders_bp,
        stats_bp,
        api_bp,
        api_tokens_bp,
        status_bp,
    ):
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        from .accounts import roles

        if roles.ROLE_TABLE[current_user.role].reach == roles.PLATFORM:  # no cases: its page is the calendar
            return redirect(url_for("calendar.admin_years"))
        from .workbench.views import render_workbench

        return render_workbench()

    @app.before_request
    def refuse_unclean_input():
        """Every query parameter, form value and file name meets tracker.rules.text before any view runs:
        NUL and control characters are refused here (400, in Chinese, nothing read or changed), so no view,
        query or service ever sees them — also on forms that read a value outside WTForms. Form fields add
        the one-line rule (no tab or line break outside a multi-line field) with the message under the field."""
        if why := unclean_input(request):
            return error_page(400, "提交的内容含有无法识别的字符", why)
        return None

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    def error_page(code: int, title: str, message: str):
        if request.blueprint == "api":  # the platform's door answers in JSON, whatever refused the call
            from .api.blueprint import error

            return error(code, "http_error", message)
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

    # globals, not a context processor: imported macros (templates/_countdown.html) see them too
    app.jinja_env.globals.update(
        countdown=countdowns.countdown,
        countdown_to=countdowns.countdown_to,
        countdown_class=countdowns.badge_class,
        today_cn=today_cn,
    )

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

    @app.template_filter("dict_without")
    def dict_without(args: dict, *keys: str) -> dict:
        """A list's arguments without some filters, and from its first page again."""
        return {k: v for k, v in args.items() if k not in keys and k not in ("page", "after", "before")}

    @app.template_filter("personal")
    def personal_filter(value, field: str):
        """A personal-data field as the signed-in user may see it (tracker.personal.shown)."""
        from flask_login import current_user

        from . import personal

        return personal.shown(current_user, field, value)

    @app.template_filter("masked")
    def masked_filter(value, field: str):
        """A personal-data field masked for everybody (the case page, until revealed)."""
        from .rules import masking

        return masking.mask(field, value)

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
            "unit_name": _unit_name,
        }

    def _unit_name(agency_id: int) -> str:
        """A unit's name (issue 16: the read-only notice on a sub-unit's case page)."""
        from .accounts.models import Agency
        from .extensions import db

        unit = db.session.get(Agency, agency_id)
        return unit.name if unit else ""
