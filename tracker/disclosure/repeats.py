"""The same applicant's earlier requests (重复申请 Art. 36(6), many requests Art. 35), from the records.

The same applicant: the same identity number when the request carries one; otherwise the same name and
phone number; without a phone, the same name and applicant type (the fee calculator's fallback). Only
earlier requests of the same agency count. The lists are bounded queries (at most `LIMIT` rows, newest
first); the similarity of their content is tracker.rules.repeats, for a person to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, false, func, or_, select

from ..extensions import db
from ..rules import repeats as rules
from .models import CONCLUDED, DisclosureRequest

LIMIT = 200  # earlier requests compared per case
SHOWN = 5
WINDOW_DAYS = 365


def _same_applicant_condition(req: DisclosureRequest):
    """An anonymised case (tracker.personal.anonymise) has no applicant to compare: it matches nothing and
    nothing matches it — else every anonymised natural person (name 已匿名, no number) would be one."""
    R = DisclosureRequest
    if req.anonymised_at is not None:
        return false()
    kept = R.anonymised_at.is_(None)
    if req.id_number:
        return and_(R.id_number == req.id_number, kept)
    if req.phone:
        return and_(R.applicant_name == req.applicant_name, R.phone == req.phone, kept)
    return and_(R.applicant_name == req.applicant_name, R.applicant_type == req.applicant_type, kept)


def same_applicant(a: DisclosureRequest, b: DisclosureRequest) -> bool:
    """The rule of `_same_applicant_condition`, for two loaded requests."""
    if a.anonymised_at is not None or b.anonymised_at is not None:
        return False
    if a.id_number and b.id_number:
        return a.id_number == b.id_number
    if a.phone and b.phone:
        return a.applicant_name == b.applicant_name and a.phone == b.phone
    return a.applicant_name == b.applicant_name and a.applicant_type == b.applicant_type


@dataclass(frozen=True)
class Earlier:
    request: DisclosureRequest
    score: float

    @property
    def answered_on(self) -> date | None:
        r = self.request
        return r.answer_date or r.concluded_on if r.status == CONCLUDED and not r.withdrawn else None


def earlier_requests(req: DisclosureRequest, *, limit: int = LIMIT) -> list[DisclosureRequest]:
    """The same applicant's requests received on or before this one (not itself, not its own split parts)."""
    R = DisclosureRequest
    family = req.split_from_id or req.id
    q = (
        select(R)
        .where(
            R.agency_id == req.agency_id,
            R.id != req.id,
            R.received_on <= req.received_on,
            _same_applicant_condition(req),
            or_(R.split_from_id.is_(None), R.split_from_id != family),
            R.id != family,
        )
        .order_by(R.received_on.desc(), R.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(q))


def similar_earlier(req: DisclosureRequest, *, shown: int = SHOWN) -> list[Earlier]:
    """The most similar of the applicant's earlier requests, best first (score at least rules.SIMILAR)."""
    text = f"{req.subject} {req.content}"
    scored = [Earlier(r, rules.similarity(text, f"{r.subject} {r.content}")) for r in earlier_requests(req)]
    similar = [e for e in scored if e.score >= rules.SIMILAR]
    similar.sort(key=lambda e: (-e.score, -e.request.id))
    return similar[:shown]


def repeat_candidates(req: DisclosureRequest) -> list[Earlier]:
    """The earlier answered requests a 重复申请 can point to: most similar first, then newest."""
    text = f"{req.subject} {req.content}"
    out = [
        Earlier(r, rules.similarity(text, f"{r.subject} {r.content}"))
        for r in earlier_requests(req)
        if r.status == CONCLUDED and not r.withdrawn and (r.answer_date or r.concluded_on)
    ]
    out.sort(key=lambda e: (-round(e.score, 2), -e.request.id))
    return out[:50]


def requests_in_last_year(req: DisclosureRequest) -> int:
    """How many requests the applicant made in the 12 months up to this one's receipt date (this one included)."""
    R = DisclosureRequest
    since = req.received_on - timedelta(days=WINDOW_DAYS)
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(R)
            .where(
                R.agency_id == req.agency_id,
                R.received_on > since,
                R.received_on <= req.received_on,
                or_(R.id == req.id, _same_applicant_condition(req)),
            )
        )
    )
