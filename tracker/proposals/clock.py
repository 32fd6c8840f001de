"""Feeds an item's dates to the deadline engine and stores the result on the row.

The rules live in tracker.rules.deadlines (calendar months, next working day); this module only
chooses which rule applies to the item's current round and keeps the stored dates in step.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..rules import deadlines
from ..rules import proposals as rules
from .models import Proposal, ProposalCohandler


def config_months() -> dict[str, int]:
    """The configured periods (config.py), read when an item is registered or re-opened."""
    cfg = current_app.config
    return {
        "reply": int(cfg.get("PROPOSAL_REPLY_MONTHS", deadlines.PROPOSAL_MONTHS)),
        "max": int(cfg.get("PROPOSAL_MAX_MONTHS", deadlines.PROPOSAL_MAX_MONTHS)),
        "cohandler": int(cfg.get("PROPOSAL_COHANDLER_MONTHS", deadlines.COHANDLER_OPINION_MONTHS)),
        "rehandling": int(cfg.get("PROPOSAL_REHANDLING_MONTHS", deadlines.REHANDLING_MONTHS)),
    }


def max_months(p: Proposal) -> int:
    # An extension approved under a higher limit stays valid if the limit is lowered later.
    return max(config_months()["max"], p.extended_months or 0)


def reply_deadline(p: Proposal, calendar) -> deadlines.DeadlineResult:
    """The deadline of the item's current round: the reply period (extended if approved) or re-handling."""
    if p.round >= 2 and p.rehandling_from is not None:
        return deadlines.rehandling_deadline(
            p.rehandling_from, p.rehandling_months or deadlines.REHANDLING_MONTHS, calendar=calendar
        )
    return deadlines.proposal_deadline(
        p.assigned_on,
        months=p.period_months,
        extended_to_months=p.extended_months,
        max_months=max_months(p),
        calendar=calendar,
    )


def opinion_deadline(p: Proposal, calendar) -> deadlines.DeadlineResult:
    return deadlines.cohandler_opinion_deadline(p.assigned_on, p.cohandler_months, calendar=calendar)


def _set(obj, field: str, value, diff: dict, key: str | None = None) -> None:
    old = getattr(obj, field)
    if old != value:
        diff[key or field] = [old, value]
        setattr(obj, field, value)


def refresh(p: Proposal, calendar) -> dict:
    """Recompute and store the open item's deadlines; returns {field: [old, new]} of what changed.

    Replied and closed items keep the deadline their reply was measured against.
    """
    diff: dict = {}
    if p.status not in rules.OPEN_STATUSES:
        return diff
    result = reply_deadline(p, calendar)
    _set(p, "due_date", result.due, diff)
    _set(p, "due_provisional", result.provisional, diff)
    pending = [c for c in p.cohandlers if c.opinion_on is None]
    if pending:
        opinion = opinion_deadline(p, calendar)
        for c in pending:
            name = c.section.name if c.section is not None else str(c.section_id)
            _set(c, "opinion_due", opinion.due, diff, f"opinion_due:{name}")
            c.opinion_due_provisional = opinion.provisional
    return diff


def recompute_open_proposals(calendar, actor=None, reason: str = "") -> int:
    """Recompute every open item's deadlines (all agencies) after a calendar change; returns how many changed.

    Two queries for all items (items, then their co-handlers with sections), never one per item.
    """
    rows = db.session.scalars(
        select(Proposal)
        .where(Proposal.status.in_(rules.OPEN_STATUSES))
        .options(selectinload(Proposal.cohandlers).selectinload(ProposalCohandler.section))
    ).all()
    return audit.log_each(rows, lambda p: refresh(p, calendar), "proposal.deadline_recomputed", actor, reason or None)
