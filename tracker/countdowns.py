"""The countdown beside every deadline the pages show: one helper, one colour scheme.

The words and the counting are rules.deadlines.countdown; this module only feeds it the app's calendar
(once per HTTP request, so a list of 50 rows asks the database about the calendar once), today in China
time and the configured 临期 threshold, and maps each status to one badge colour. Templates call
``countdown(item)`` for a request or a proposal (anything with due_date, due_provisional and is_open)
and render it with the macro in templates/_countdown.html.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, has_request_context, request

from .rules import deadlines
from .rules.clock import today_cn
from .rules.workdays import WorkCalendar
from .workcal.service import current_calendar

BADGES: dict[str, str] = {
    deadlines.OK: "text-bg-success",
    deadlines.DUE_SOON: "text-bg-warning",
    deadlines.DUE_TODAY: "text-bg-warning",
    deadlines.OVERDUE: "text-bg-danger",
    deadlines.PAUSED: "text-bg-secondary",
}


def request_calendar() -> WorkCalendar:
    """The calendar once per HTTP request: current_calendar() asks the database whether it changed."""
    if not has_request_context():
        return current_calendar()
    key = "tracker.countdowns.calendar"
    if key not in request.environ:
        request.environ[key] = current_calendar()
    return request.environ[key]


def countdown(item, today: date | None = None, deadline=None) -> deadlines.Countdown | None:
    """The countdown of an open request or proposal, None when it is concluded (nothing runs any more).

    ``deadline``: the case's computed DeadlineResult when the page has it (the case page), which knows
    the working days left when a pause began; lists pass none and show 暂停中 alone.
    """
    if not item.is_open:
        return None
    due = item.due_date
    remaining = getattr(deadline, "remaining_workdays", None) if deadline is not None else None
    if due is None and getattr(item, "status", None) != "paused":
        return None  # no deadline yet (e.g. a proposal not yet assigned)
    return deadlines.countdown(
        due,
        today or today_cn(),
        request_calendar(),
        remaining_when_paused=remaining,
        provisional=bool(getattr(item, "due_provisional", False)),
        soon_days=current_app.config.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS),
    )


def badge_class(c: deadlines.Countdown) -> str:
    return BADGES[c.status]


def countdown_to(day: date | None, today: date | None = None) -> deadlines.Countdown | None:
    """The countdown to a date that is not the case's statutory deadline (e.g. the internal one)."""
    if day is None:
        return None
    return deadlines.countdown(
        day,
        today or today_cn(),
        request_calendar(),
        soon_days=current_app.config.get("DUE_SOON_WORKDAYS", deadlines.DUE_SOON_WORKDAYS),
    )
