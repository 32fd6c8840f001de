"""The charts page and its JSON (the page's script reads the JSON; the tables print the same figures)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from flask_login import current_user

from ..accounts.decorators import permission_required
from ..countdowns import request_calendar
from ..rules import deadlines
from ..rules.clock import today_cn
from . import panels, stats
from .blueprint import bp


def _today() -> panels.Today:
    return panels.Today(
        today_cn(), request_calendar(), current_app.config.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS)
    )


@bp.get("/")
@permission_required("report.view")
def charts():
    return render_template("stats/charts.html", f=stats.figures(current_user, _today()))


@bp.get("/data.json")
@permission_required("report.view")
def data():
    resp = jsonify(stats.figures(current_user, _today()))
    resp.headers["Cache-Control"] = "no-store"
    return resp
