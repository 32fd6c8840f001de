"""Feeds a request's clock actions to the deadline engine and stores the result on the case.

The rules live in tracker.rules.deadlines; this module only translates rows into its inputs.
"""

from __future__ import annotations

from ..rules import deadlines
from .models import ClockAction, DisclosureRequest

PAUSE_KINDS = {
    "consult_third_party": "third_party",
    "consult_agency": "other_agency",
    "fee": "fee",
    # From the notice until the corrected request arrives (then the restart drops it).
    "clarification": "correction",
}


def deadline_inputs(req: DisclosureRequest, actions: list[ClockAction] | None = None) -> dict:
    actions = req.clock_actions if actions is None else actions
    restart = None
    for a in actions:
        if a.kind == "clarification" and a.end_reason == "corrected" and a.ended_on:
            restart = a.ended_on if restart is None else max(restart, a.ended_on)
    pauses = [
        deadlines.Pause(start=a.started_on, end=a.ended_on, kind=PAUSE_KINDS[a.kind])
        for a in actions
        if a.kind in PAUSE_KINDS
    ]
    extensions = [
        deadlines.Extension(workdays=a.workdays or 0, approved_on=a.decided_on or a.started_on)
        for a in actions
        if a.kind == "extension" and a.state == "approved"
    ]
    explicit = None
    for a in actions:
        if a.kind == "excessive" and a.explicit_due:
            explicit = deadlines.ExplicitDeadline(due=a.explicit_due, reason=a.reason or "")
    return {"pauses": pauses, "extensions": extensions, "restart": restart, "explicit": explicit}


def compute(req: DisclosureRequest, calendar, actions: list[ClockAction] | None = None):
    return deadlines.answer_deadline(req.received_on, calendar=calendar, **deadline_inputs(req, actions))


def refresh(req: DisclosureRequest, calendar) -> dict:
    """Recompute and store the deadline; returns {field: [old, new]} of what changed (for the event log)."""
    result = compute(req, calendar)
    new = {
        "due_date": result.due,
        "due_provisional": result.provisional,
        "clarification_due": deadlines.clarification_notice_deadline(req.received_on, calendar),
    }
    diff = {}
    for field, value in new.items():
        if getattr(req, field) != value:
            diff[field] = [getattr(req, field), value]
            setattr(req, field, value)
    return diff


def recompute_open_requests(calendar, *, actor=None, reason: str = "") -> int:
    """Recompute every open request's deadline (all agencies); returns how many changed.

    Loads open requests with their clock actions in two queries (no query per row).
    """
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from .. import audit
    from ..extensions import db
    from .models import CONCLUDED

    changed = 0
    rows = db.session.scalars(
        select(DisclosureRequest)
        .where(DisclosureRequest.status != CONCLUDED)
        .options(selectinload(DisclosureRequest.clock_actions))
    ).all()
    for req in rows:
        diff = refresh(req, calendar)
        if diff:
            changed += 1
            audit.record(
                "request.deadline_recomputed",
                subject_type="request",
                subject_id=req.id,
                actor=actor,
                agency_id=req.agency_id,
                data=diff,
                note=reason or None,
            )
    return changed
