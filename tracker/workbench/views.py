"""The workbench page (/): the panels of tracker.workbench.panels for the signed-in user."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from ..accounts import roles
from ..countdowns import request_calendar
from ..rules import deadlines
from ..rules import proposals as proposal_rules
from ..rules.clock import today_cn
from . import panels


def render_workbench():
    t = panels.Today(
        today_cn(),
        request_calendar(),
        current_app.config.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS),
    )
    mine = panels.panels_for(current_user)
    filled = [panels.fill(p, current_user, t) for p in mine]
    # the section head assigns a handler in the row of the unassigned panel: the section's handlers, once
    handlers = (
        panels.section_handlers(current_user) if any(f.panel.id == "unassigned" and f.count for f in filled) else []
    )
    wide = current_user.role in roles.AGENCY_WIDE
    section_view = current_user.section_id is not None and current_user.can("request.assign_handler")
    context = {
        "t": t,
        "filled": filled,
        "handlers": handlers,
        "section_due": panels.due_summary(current_user, t, current_user.section_id) if section_view else None,
        "load": panels.handler_load(current_user, t) if section_view else None,
        "agency_due": panels.due_summary(current_user, t) if wide and current_user.can("request.approve") else None,
        "lateness": panels.open_late_by_section(current_user, t)
        if wide and (current_user.can("request.approve") or current_user.can("request.assign_section"))
        else None,
        "health": panels.system_health(current_user, t) if current_user.can("admin.manage") else None,
        # a proposal row names its kind and session: the congress/CPPCC's own number ("200") says little alone
        "proposal_kinds": proposal_rules.KINDS,
    }
    return render_template("workbench/index.html", **context)
