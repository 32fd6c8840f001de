"""Feeds an item's dates to the deadline engine and stores the result on the row.

The rules live in tracker.rules.deadlines (calendar months, next working day); this module only
chooses which rule applies to the item's current round and keeps the stored dates in step.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

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


def _planned(p, pending, calendar) -> tuple[dict, dict, list[dict]]:
    """The item's recomputed deadlines, nothing written: (new column values of the item, {field: [old,
    new]} of what differs, the co-handler rows to write). ``p`` is an item or a row with its columns;
    ``pending``: (co-handler, section name) of the co-handlers whose opinion is not in yet."""
    result = reply_deadline(p, calendar)
    new = {"due_date": result.due, "due_provisional": result.provisional}
    diff = {f: [getattr(p, f), v] for f, v in new.items() if getattr(p, f) != v}
    cohandlers = []
    if pending:
        opinion = opinion_deadline(p, calendar)
        for c, name in pending:
            if c.opinion_due != opinion.due:
                diff[f"opinion_due:{name}"] = [c.opinion_due, opinion.due]
            if c.opinion_due != opinion.due or c.opinion_due_provisional != opinion.provisional:
                cohandlers.append(
                    {
                        "proposal_id": p.id,
                        "section_id": c.section_id,
                        "opinion_due": opinion.due,
                        "opinion_due_provisional": opinion.provisional,
                    }
                )
    return new, diff, cohandlers


def refresh(p: Proposal, calendar) -> dict:
    """Recompute and store the open item's deadlines; returns {field: [old, new]} of what changed.

    Replied and closed items keep the deadline their reply was measured against.
    """
    if p.status not in rules.OPEN_STATUSES:
        return {}
    pending = [(c, c.section.name if c.section is not None else str(c.section_id)) for c in p.cohandlers]
    new, diff, cohandlers = _planned(p, [(c, n) for c, n in pending if c.opinion_on is None], calendar)
    for f, v in new.items():
        if getattr(p, f) != v:
            setattr(p, f, v)
    by_section = {c.section_id: c for c in p.cohandlers}
    for row in cohandlers:
        c = by_section[row["section_id"]]
        c.opinion_due, c.opinion_due_provisional = row["opinion_due"], row["opinion_due_provisional"]
    return diff


def plan_open_proposals(calendar) -> list:
    """What a recompute with ``calendar`` would change on every open item (all agencies), nothing
    written: one PlannedChange (tracker.workcal.impact) per item whose stored deadlines differ.

    The one computation of both the calendar preview and the apply. Two queries for all items (the
    items' dates, then their pending co-handlers with section names: plain rows), never one per item.
    """
    from ..accounts.models import Section
    from ..workcal.impact import PlannedChange

    P, C = Proposal, ProposalCohandler
    is_open = P.status.in_(rules.OPEN_STATUSES)
    pending: dict[int, list] = {}
    for c in db.session.execute(
        select(C.proposal_id, C.section_id, C.opinion_due, C.opinion_due_provisional, Section.name)
        .join(P, P.id == C.proposal_id)
        .outerjoin(Section, Section.id == C.section_id)
        .where(is_open, C.opinion_on.is_(None))
        .order_by(C.proposal_id, C.section_id)
    ):
        pending.setdefault(c.proposal_id, []).append((c, c.name if c.name is not None else str(c.section_id)))
    planned = []
    for p in db.session.execute(
        select(
            P.id,
            P.agency_id,
            P.kind,
            P.session,
            P.number,
            P.lead_section_id,
            P.assigned_on,
            P.round,
            P.rehandling_from,
            P.rehandling_months,
            P.period_months,
            P.cohandler_months,
            P.extended_months,
            P.due_date,
            P.due_provisional,
        ).where(is_open)
    ):
        co = pending.get(p.id, [])
        new, diff, cohandlers = _planned(p, co, calendar)
        if diff or cohandlers:
            planned.append(PlannedChange.for_proposal(p, new, diff, cohandlers, co))
    return planned


def recompute_open_proposals(calendar, actor=None, reason: str = "") -> int:
    """Recompute every open item's deadlines (all agencies) after a calendar change; returns how many changed.

    Writes exactly what plan_open_proposals() plans, set-based: one UPDATE of the items, one of their
    co-handlers and one event INSERT (tracker.workcal.service.store_recomputed).
    """
    from .. import bulk
    from ..workcal.service import store_recomputed

    planned = plan_open_proposals(calendar)
    bulk.update_rows(
        ProposalCohandler.__table__,
        ("proposal_id", "section_id"),
        [row for change in planned for row in change.cohandlers],
    )
    return store_recomputed(
        Proposal,
        planned,
        event_kind="proposal.deadline_recomputed",
        subject_type="proposal",
        actor=actor,
        reason=reason,
    )
