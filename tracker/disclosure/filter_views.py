"""The request list's saved filters (常用筛选): save the current filter, open one, delete one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import saved_filters
from ..errors import NotFound, ServiceError
from .blueprint import bp

LIST = "requests"


@bp.app_context_processor
def filter_helpers():
    def my_filters():
        return saved_filters.of(current_user, LIST) if current_user.is_authenticated else []

    return {"my_filters": my_filters}


@bp.post("/filters")
@login_required
def save_filter():
    if not FlaskForm().validate():
        flash("页面已过期，请刷新后重新提交。", "danger")
        return redirect(url_for("disclosure.list_requests"))
    args = {k: v for k, v in request.form.items() if k not in ("csrf_token", "name")}
    try:
        row = saved_filters.save(current_user, LIST, request.form.get("name"), args)
    except ServiceError as e:
        flash(e.message, "danger")
        kept, _ = saved_filters.clean(LIST, current_user.agency_id, args)  # only the list's own arguments
        return redirect(url_for("disclosure.list_requests", **kept))
    flash(f"已保存常用筛选“{row.name}”。", "success")
    return redirect(url_for("disclosure.list_requests", **row.query))


@bp.get("/filters/<int:filter_id>")
@login_required
def open_filter(filter_id: int):
    try:
        row, kept, dropped = saved_filters.open_(current_user, filter_id)
    except NotFound:
        abort(404)
    if dropped:
        flash(f"常用筛选“{row.name}”中的{'、'.join(dropped)}已不存在或不再有效，已去掉；其余条件照常使用。", "warning")
    return redirect(url_for("disclosure.list_requests", **kept))


@bp.post("/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int):
    if not FlaskForm().validate():
        flash("页面已过期，请刷新后重新提交。", "danger")
        return redirect(url_for("disclosure.list_requests"))
    try:
        name = saved_filters.delete(current_user, filter_id)
    except NotFound:
        abort(404)
    flash(f"已删除常用筛选“{name}”。", "success")
    return redirect(url_for("disclosure.list_requests"))
