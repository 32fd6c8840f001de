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


def plan_open_requests(calendar) -> list:
    """What a recompute with ``calendar`` would change on every open request (all agencies), nothing
    written: one PlannedChange per request whose stored deadline differs from the recomputed one.

    The one computation of both the calendar preview and the apply (tracker.workcal.impact), so the
    preview lists exactly what the apply writes. Set-based: two reads (the open requests' dates, their
    clock actions: plain rows, no ORM objects), the rules in Python; the query count does not depend on
    the number of cases.
    """
    from collections import defaultdict

    from sqlalchemy import select

    from ..extensions import db
    from ..workcal.impact import PlannedChange
    from .models import CONCLUDED

    R, A = DisclosureRequest, ClockAction
    is_open = R.status != CONCLUDED
    actions = defaultdict(list)
    for a in db.session.execute(select(A).join(R, R.id == A.request_id).where(is_open).order_by(A.id)).scalars():
        actions[a.request_id].append(a)
    planned = []
    for r in db.session.execute(
        select(
            R.id,
            R.agency_id,
            R.number,
            R.section_id,
            R.received_on,
            R.due_date,
            R.due_provisional,
            R.clarification_due,
        ).where(is_open)
    ):
        acts = actions.get(r.id, [])
        result = compute(r, calendar, acts)
        new = {
            "due_date": result.due,
            "due_provisional": result.provisional,
            "clarification_due": deadlines.clarification_notice_deadline(r.received_on, calendar),
        }
        diff = {f: [getattr(r, f), v] for f, v in new.items() if getattr(r, f) != v}
        if diff:
            planned.append(
                PlannedChange.for_request(r, new, diff, clarified=any(a.kind == "clarification" for a in acts))
            )
    return planned


def recompute_open_requests(calendar, *, actor=None, reason: str = "") -> int:
    """Recompute every open request's deadline (all agencies); returns how many changed.

    Writes exactly what plan_open_requests() plans: one UPDATE and one event INSERT for all changed
    rows (tracker.workcal.service.store_recomputed).
    """
    from ..workcal.service import store_recomputed

    return store_recomputed(
        DisclosureRequest,
        plan_open_requests(calendar),
        event_kind="request.deadline_recomputed",
        subject_type="request",
        actor=actor,
        reason=reason,
    )


def preview_extension(req: DisclosureRequest, calendar, extension: ClockAction, decided_on):
    """The deadline the case would have if ``extension`` (requested) were approved on ``decided_on``:
    computed from stand-ins of the clock actions, nothing changed."""
    from types import SimpleNamespace

    stand_ins = [
        SimpleNamespace(
            kind=a.kind,
            state="approved" if a is extension else a.state,
            started_on=a.started_on,
            ended_on=a.ended_on,
            end_reason=a.end_reason,
            workdays=a.workdays,
            decided_on=decided_on if a is extension else a.decided_on,
            explicit_due=a.explicit_due,
            reason=a.reason,
        )
        for a in req.clock_actions
    ]
    return compute(req, calendar, stand_ins)
