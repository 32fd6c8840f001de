"""The in-app notification centre: list, mark read, mark all read; the unread badge in the navigation bar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..errors import FieldErrors, NotFound
from ..lists import local_path
from ..notify import channels, handoffs, prefs
from . import service
from .blueprint import bp
from .scan import KIND_LABELS

PER_PAGE = 50


@bp.app_context_processor
def notification_badge():
    def notification_count() -> str:
        # Called by base.html only where the navigation bar is drawn: one COUNT of at most 100 index
        # entries per page ('99+' beyond), however many notifications are unread.
        return service.unread_label(current_user) if current_user.is_authenticated else ""

    return {"notification_count": notification_count}


@bp.get("/")
@login_required
def notifications():
    unread_only = request.args.get("show") == "unread"
    paging = service.notifications_for(current_user, request.args, unread_only=unread_only, per_page=PER_PAGE)
    return render_template(
        "reminders/list.html",
        rows=paging.rows,
        paging=paging,
        args=request.args,
        unread_only=unread_only,
        kind_labels={**KIND_LABELS, **{h.kind: h.label for h in handoffs.HANDOFFS}},
        unread=service.unread_label(current_user) or "0",
    )


def _back():
    return redirect(local_path(request.form.get("next")) or url_for("reminders.notifications"))


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    try:
        service.mark_read(current_user, notification_id)
    except NotFound:
        abort(404)
    return _back()


@bp.post("/read-all")
@login_required
def mark_all_read():
    n = service.mark_all_read(current_user)
    flash(f"已将{n}条通知标为已读。" if n else "没有未读通知。", "success" if n else "info")
    return _back()


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Which notifications also come by mail; in-app ones always come."""
    from flask import current_app
    from flask_wtf import FlaskForm

    form = FlaskForm()  # the CSRF token
    status = 200
    may_choose = current_user.can("notifications.choose")
    if request.method == "POST":
        if not may_choose:
            abort(403)
        if not form.validate():
            flash("页面已过期，请刷新后重新提交。", "danger")
            status = 400
        else:
            chosen = {c.name: set(request.form.getlist(c.name)) for c in channels.CHANNELS}
            try:
                n = prefs.save(current_user, chosen)
            except FieldErrors as e:
                flash("；".join(e.errors.values()), "danger")
                status = 400
            else:
                flash(f"已保存（{n}项改动）。" if n else "没有改动。", "success" if n else "info")
                return redirect(url_for("reminders.settings"))
    available = {c.name: c.available(current_app.config) for c in channels.CHANNELS}
    return (
        render_template(
            "reminders/settings.html",
            form=form,
            rows=prefs.table(current_user),
            channels=channels.CHANNELS,
            available=available,
            may_choose=may_choose,
        ),
        status,
    )
