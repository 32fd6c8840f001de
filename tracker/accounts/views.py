from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..errors import FieldErrors, ServiceError
from ..extensions import db
from ..lists import local_path
from . import services
from .blueprint import admin_bp, auth_bp
from .decorators import permission_required
from .forms import AgencyForm, LoginForm, SectionForm, UserForm
from .models import Section, User


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("index")


@auth_bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.sign_in(form.username.data, form.password.data)
        if user is None:
            flash("用户名或密码不正确，或账号已停用。", "danger")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    demo_logins = []
    if current_app.config.get("ENV_NAME") == "development":
        from ..demo import logins_on_file

        demo_logins = logins_on_file()
    return render_template("auth/login.html", form=form, demo_logins=demo_logins)


@auth_bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))


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
    return render_template("admin/users.html", form=form, users=_of_agency(User, User.username))


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
            )
            flash("用户已保存。", "success")
            return redirect(url_for("admin.users"))
        except ServiceError as e:
            getattr(form, e.field if e.field in form else "display_name").errors.append(e.message)
    return render_template("admin/user_edit.html", form=form, user=user)
