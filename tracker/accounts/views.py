from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import FieldErrors, ServiceError
from ..extensions import db
from ..lists import local_path
from . import auth, services, sessions
from . import security_log as security_log_q
from .blueprint import admin_bp, auth_bp
from .decorators import permission_required
from .forms import AgencyForm, ChangePasswordForm, LoginForm, SectionForm, UserForm
from .models import Section, User


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("index")


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        result = auth.sign_in(form.username.data, form.password.data, sessions.client())
        if result.user is None:
            flash(result.message, "danger")
        else:
            sessions.start(result.user)
            if result.user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    # a Secure-only cookie over plain HTTP never comes back: say so instead of failing silently
    insecure = current_app.config.get("SESSION_COOKIE_SECURE") and not request.is_secure
    demo_logins = []
    if current_app.config.get("ENV_NAME") == "development":
        from ..demo import logins_on_file

        demo_logins = logins_on_file()
    return render_template("auth/login.html", form=form, insecure=insecure, demo_logins=demo_logins)


@auth_bp.post("/logout")
@login_required
def logout():
    auth.sign_out(current_user._get_current_object(), sessions.client())
    sessions.end()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))


@auth_bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            auth.change_password(user, form.current.data, form.new.data, form.confirm.data, sessions.client())
        except FieldErrors as e:
            for name, message in e.errors.items():
                getattr(form, name).errors.append(message)
        else:
            sessions.renew(user)
            flash("密码已修改。您在其他设备上的登录已全部失效。", "success")
            return redirect(url_for("index"))
    return render_template("auth/password.html", form=form, user=user)


@auth_bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_other_sessions():
    user = current_user._get_current_object()
    auth.sign_out_everywhere(user, actor=user, client=sessions.client())
    sessions.renew(user)
    flash("已退出您在其他设备和浏览器上的全部登录，本页面保持登录。", "success")
    return redirect(url_for("auth.change_password"))


def _of_agency(model, order) -> list:
    return db.session.scalars(select(model).where(model.agency_id == current_user.agency_id).order_by(order)).all()


def _own(model, record_id: int):
    """A section or user of the administrator's own agency; 404 for any other, as for none."""
    found = db.session.get(model, record_id)
    if found is None or found.agency_id != current_user.agency_id:
        abort(404)
    return found


@admin_bp.get("/")
@permission_required("admin.view")
def home():
    return redirect(url_for("admin.sections"))


@admin_bp.route("/agency", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def agency():
    agency = current_user.agency
    form = AgencyForm(obj=agency)
    if request.method == "GET":
        for key in (*services.CONTACT_SETTINGS, "internal_due_workdays"):
            form[key].data = (agency.settings or {}).get(key, "")
    if form.validate_on_submit():
        try:
            diff = services.update_agency(agency, {f.name: f.data for f in form}, actor=current_user)
            flash("机关名称和联系方式已保存。" if diff else "没有修改任何内容。", "success" if diff else "info")
            return redirect(url_for("admin.agency"))
        except FieldErrors as e:
            for key, message in e.errors.items():
                form[key].errors = [*form[key].errors, message]
        except ServiceError as e:
            form.name.errors.append(e.message)
    return render_template("admin/agency.html", form=form)


@admin_bp.route("/sections", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def sections():
    form = SectionForm()
    if form.validate_on_submit():
        try:
            services.create_section(form.name.data, actor=current_user)
            flash(f"已创建科室“{form.name.data.strip()}”。", "success")
            return redirect(url_for("admin.sections"))
        except ServiceError as e:
            form.name.errors.append(e.message)
    return render_template("admin/sections.html", form=form, sections=_of_agency(Section, Section.name))


@admin_bp.route("/sections/<int:section_id>", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def edit_section(section_id: int):
    section = _own(Section, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            services.rename_section(section, form.name.data, form.active.data, actor=current_user)
            flash("科室已保存。", "success")
            return redirect(url_for("admin.sections"))
        except ServiceError as e:
            form.name.errors.append(e.message)
    return render_template("admin/section_edit.html", form=form, section=section)


def _section_choices():
    rows = db.session.scalars(
        select(Section)
        .where(Section.agency_id == current_user.agency_id, Section.active.is_(True))
        .order_by(Section.name)
    ).all()
    return [(0, "（无）")] + [(s.id, s.name) for s in rows]


def _section_or_none(section_id: int) -> Section | None:
    if not section_id:
        return None
    section = db.session.get(Section, section_id)
    if section is None or section.agency_id != current_user.agency_id:
        raise ServiceError("所选科室不存在。", "section_id")
    return section


@admin_bp.route("/users", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def users():
    form = UserForm()
    form.section_id.choices = _section_choices()
    generated = None
    if form.validate_on_submit():
        try:
            user, generated = services.create_user(
                form.username.data,
                role=form.role.data,
                password=form.password.data or None,
                display_name=form.display_name.data,
                email=form.email.data,
                section=_section_or_none(form.section_id.data),
                actor=current_user,
            )
            flash(f"已创建用户“{user.username}”。", "success")
            if generated:
                flash(f"自动生成的初始密码（只显示这一次，请转告本人并要求修改）：{generated}", "warning")
            return redirect(url_for("admin.users"))
        except ServiceError as e:
            getattr(form, e.field if e.field in form else "username").errors.append(e.message)
    everyone = _of_agency(User, User.username)
    return render_template("admin/users.html", form=form, users=everyone, locks=auth.locks_of(everyone))


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("admin.view", "admin.manage")
def edit_user(user_id: int):
    user = _own(User, user_id)
    form = UserForm(obj=user)
    form.section_id.choices = _section_choices()
    if request.method == "GET":
        form.section_id.data = user.section_id or 0
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                actor=current_user,
                display_name=form.display_name.data,
                role=form.role.data,
                section=_section_or_none(form.section_id.data),
                email=form.email.data,
                active=form.active.data,
                password=form.password.data or None,
                client=sessions.client(),
            )
            flash("用户已保存。", "success")
            return redirect(url_for("admin.users"))
        except ServiceError as e:
            getattr(form, e.field if e.field in form else "display_name").errors.append(e.message)
    return render_template("admin/user_edit.html", form=form, user=user, locked_until=auth.lock_of(user))


def _on_user(user_id: int, service, done: str):
    """A session action of an administrator on a user of the agency (no form: the button is the request)."""
    user = _own(User, user_id)
    service(user, actor=current_user, client=sessions.client())
    flash(done.format(user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin_bp.post("/users/<int:user_id>/sign-out")
@permission_required("admin.manage")
def sign_out_user(user_id: int):
    return _on_user(user_id, auth.sign_out_everywhere, "已强制退出用户“{}”的全部登录。")


@admin_bp.post("/users/<int:user_id>/unlock")
@permission_required("admin.manage")
def unlock_user(user_id: int):
    return _on_user(user_id, auth.unlock, "已解除用户“{}”的登录锁定。")


@admin_bp.get("/security-log")
@permission_required("security.view")
def security_log():
    args = request.args
    day_from, err_from = security_log_q.parse_day(args.get("from"))
    day_to, err_to = security_log_q.parse_day(args.get("to"))
    for err in (err_from, err_to):
        if err:
            flash(err, "danger")
    users = _of_agency(User, User.username)
    filters = {
        "kind": args.get("kind") or None,
        "user": args.get("user") or None,
        "day_from": day_from,
        "day_to": day_to,
    }
    return render_template(
        "admin/security_log.html",
        paging=security_log_q.page(current_user.agency_id, args, **filters),
        filters=filters,
        kinds=security_log_q.KINDS,
        agencyless=security_log_q.AGENCYLESS,
        users=users,
        names={u.id: u for u in users},  # subject and actor of each row, without a query per row
        detail=security_log_q.detail,
        args=args,
    )
