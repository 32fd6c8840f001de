"""Bulk actions from the request list: 分办 the selected cases to one section, all or none."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.decorators import permission_required
from ..errors import ServiceError
from ..lists import local_path
from . import services, workflow
from .blueprint import bp


@bp.app_context_processor
def bulk_helpers():
    act = workflow.action("assign_section")

    def bulk_refusal(req) -> str | None:
        """Why the list's bulk 分办 cannot take this case (shown on its disabled checkbox), or None."""
        return workflow.permission_error(current_user, req, act) or workflow.state_error(req, act)

    return {"bulk_refusal": bulk_refusal}


def _back():
    return redirect(local_path(request.form.get("next")) or url_for("disclosure.list_requests"))


@bp.post("/bulk/assign")
@permission_required("request.assign_section")
def bulk_assign():
    if not FlaskForm().validate():
        flash("页面已过期，请刷新后重新提交。", "danger")
        return _back()
    items = [tuple(v.split(":", 1)) if ":" in v else (v, None) for v in request.form.getlist("case")]
    try:
        done = services.bulk_assign_section(
            current_user,
            items,
            section_id=request.form.get("section_id"),
            instruction=request.form.get("instruction", ""),
        )
    except services.BulkRefused as e:
        flash(e.message, "danger")
    except ServiceError as e:
        flash(e.message, "danger")
    else:
        flash(done.message, "success")
    return _back()
