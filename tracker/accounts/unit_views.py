"""The platform administrator's unit pages (issue 16, docs/district.md): the tree of units, a new unit, a
unit's name, population and parent, and its first administrator. Thin: every change is a call of
tracker.accounts.tree; reading takes units.view, every POST units.manage."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..errors import FieldErrors, ServiceError
from ..extensions import db
from . import tree
from .blueprint import admin_bp
from .decorators import permission_required
from .forms import UnitAdminForm, UnitEditForm, UnitForm, UnitMoveForm
from .models import Agency

ROOT = 0  # the parent select's value for "no parent"
INDENT = "\u3000"  # a full-width space per level in the parent select


def _unit(agency_id: int) -> Agency:
    unit = db.session.get(Agency, agency_id)
    if unit is None:
        abort(404)
    return unit


def _parent_choices(rows, moving: Agency | None = None) -> list:
    """(id, label) of every unit in tree order, after 顶级单位; when ``moving``, the unit itself and its
    sub-units are listed disabled, with the reason (the service refuses them: a cycle)."""
    choices: list = [(ROOT, "（无，作为顶级单位）")]
    for row in rows:
        label = f"{INDENT * row.depth}{row.unit.name}"
        if moving is not None and (row.unit.path or "").startswith(moving.path or "/"):
            why = "本单位" if row.unit.id == moving.id else "其下级单位"
            choices.append((row.unit.id, f"{label}（{why}，不能移入）", {"disabled": True}))
        else:
            choices.append((row.unit.id, label))
    return choices


def _parent(parent_id: int | None) -> Agency | None:
    if not parent_id:
        return None
    parent = db.session.get(Agency, parent_id)
    if parent is None:
        raise ServiceError("所选的上级单位不存在，请刷新页面后重新选择。", "parent_id")
    return parent


def _show(form, e: ServiceError, default: str) -> None:
    """The refusal next to its field (the service's field names, the form's where they differ)."""
    errors = e.errors if isinstance(e, FieldErrors) else {e.field or default: e.message}
    for key, message in errors.items():
        key = {"parent": "parent_id"}.get(key, key)
        target = form[key] if key in form else form[default]
        target.errors = [*target.errors, message]


@admin_bp.route("/units", methods=["GET", "POST"])
@permission_required("units.view", "units.manage")
def units():
    rows = tree.tree_rows()
    form = UnitForm()
    form.parent_id.choices = _parent_choices(rows)
    if form.validate_on_submit():
        try:
            unit = tree.create_unit(
                form.name.data, parent=_parent(form.parent_id.data), population=form.population.data, actor=current_user
            )
            flash(f"已创建单位“{unit.name}”。下一步：为它创建系统管理员。", "success")
            return redirect(url_for("admin.edit_unit", agency_id=unit.id))
        except ServiceError as e:
            _show(form, e, "name")
    return render_template("admin/units.html", form=form, rows=rows)


@admin_bp.route("/units/<int:agency_id>", methods=["GET", "POST"])
@permission_required("units.view", "units.manage")
def edit_unit(agency_id: int):
    unit = _unit(agency_id)
    form = UnitEditForm(obj=unit)
    if form.validate_on_submit():
        try:
            diff = tree.update_unit(unit, name=form.name.data, population=form.population.data, actor=current_user)
            flash("单位已保存。" if diff else "没有修改任何内容。", "success" if diff else "info")
            return redirect(url_for("admin.edit_unit", agency_id=unit.id))
        except ServiceError as e:
            _show(form, e, "name")
    return _unit_page(unit, form=form)


@admin_bp.post("/units/<int:agency_id>/move")
@permission_required("units.manage")
def move_unit(agency_id: int):
    unit = _unit(agency_id)
    form = UnitMoveForm()
    form.parent_id.choices = _parent_choices(tree.tree_rows(), moving=unit)
    if form.validate_on_submit():
        try:
            parent = _parent(form.parent_id.data)
            tree.move_unit(unit, parent, reports="keep" if form.reports.data else None, actor=current_user)
            flash(f"已把“{unit.name}”移到{f'“{parent.name}”之下' if parent else '顶级'}。", "success")
            return redirect(url_for("admin.edit_unit", agency_id=unit.id))
        except ServiceError as e:
            db.session.rollback()
            _show(form, e, "parent_id")
    return _unit_page(unit, move_form=form), 400


@admin_bp.post("/units/<int:agency_id>/admin")
@permission_required("units.manage")
def create_unit_admin(agency_id: int):
    unit = _unit(agency_id)
    form = UnitAdminForm()
    if form.validate_on_submit():
        try:
            user, generated = tree.create_unit_admin(
                unit,
                form.username.data,
                display_name=form.display_name.data,
                email=form.email.data,
                password=form.password.data or None,
                actor=current_user,
            )
            flash(f"已为“{unit.name}”创建系统管理员“{user.username}”，其首次登录时须修改密码。", "success")
            if generated:
                flash(f"自动生成的初始密码（只显示这一次，请转告本人）：{generated}", "warning")
            return redirect(url_for("admin.edit_unit", agency_id=unit.id))
        except ServiceError as e:
            _show(form, e, "username")
    return _unit_page(unit, admin_form=form), 400


def _unit_page(unit: Agency, form=None, move_form=None, admin_form=None):
    rows = tree.tree_rows()
    form = form or UnitEditForm(obj=unit)
    if move_form is None:
        move_form = UnitMoveForm()
        move_form.parent_id.data = unit.parent_id or ROOT
    move_form.parent_id.choices = _parent_choices(rows, moving=unit)
    row = next(r for r in rows if r.unit.id == unit.id)
    return render_template(
        "admin/unit_edit.html",
        unit=unit,
        row=row,
        form=form,
        move_form=move_form,
        admin_form=admin_form or UnitAdminForm(),
        has_records=tree.has_records(unit),
        first_admin_problem=tree.first_admin_problem(unit),
        keep_note=tree.REPORT_CHOICES["keep"],
        sub_units=[r for r in rows if r.unit.parent_id == unit.id],
    )
