"""Correcting a case's registration data (登记信息更正)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField, StringField

from .. import audit
from ..accounts.access import get_request_for, is_other_unit
from ..accounts.decorators import permission_required
from ..errors import ConflictError, NotFound, ServiceError
from ..rules import intake as intake_rules
from ..rules.clock import today_cn
from . import intake
from .action_views import event_rows
from .blueprint import bp
from .forms import IntakeForm


class EditIntakeForm(IntakeForm):
    version = HiddenField()
    seen = HiddenField()  # the case's newest event when the page was loaded
    reason = StringField("修改原因（已办结的案件必填）")


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@permission_required("request.edit_intake")
def edit_request(request_id: int):
    try:
        req = get_request_for(current_user, request_id)
    except NotFound:
        abort(404)
    if is_other_unit(current_user, req):  # issue 16: a sub-unit's case is read-only for the district
        abort(403)
    # The record fills the form only on GET: on POST a field the browser did not send (an unticked box, or a
    # missing field) is empty, not the stored value (for tags: RequestTag objects, not text).
    form = EditIntakeForm(obj=req if request.method == "GET" else None)
    if request.method == "GET":
        form.tags.data = "、".join(t.tag for t in req.tags)
        form.version.data = str(req.version)
        form.seen.data = str(audit.last_event_id("request", req.id))
    changes = None
    if form.is_submitted():
        loose: list[str] = []
        if not form.parse():
            loose = form.add_errors(intake.validate(form.data_dict(), today_cn()))
        else:
            try:
                diff = intake.edit_intake(
                    current_user, req, form.data_dict(), version=form.version.data, reason=form.reason.data
                )
                flash("登记信息已更正。" if diff else "没有修改任何内容。", "success" if diff else "info")
                return redirect(url_for("disclosure.detail", request_id=req.id))
            except intake.IntakeInvalid as e:
                loose = form.add_errors(e.errors)
            except ConflictError:
                # someone saved first: keep the typed form, show the changes, carry the current version
                changes = audit.changed_since("request", req.id, form.seen.data, event_rows) or []
                form.version.data = str(req.version)
                form.seen.data = str(audit.last_event_id("request", req.id))
            except ServiceError as e:
                loose = [e.message]
        for message in loose:
            flash(message, "danger")
        if changes is None:
            flash("未保存：请按提示修改后重新提交。", "danger")
    return render_template(
        "disclosure/edit.html", form=form, req=req, channel_rules=intake_rules.channel_rules(), changes=changes
    ), (409 if changes is not None else 200)
