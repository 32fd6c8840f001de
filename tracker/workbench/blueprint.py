"""The statistics blueprint (/stats): the office's and leaders' charts. The workbench itself is the app's
landing page (web.index renders tracker.workbench.views.render_workbench)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")

from . import stats_views, timeliness_views  # noqa: E402,F401
