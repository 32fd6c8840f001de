"""The one scoped query: what a user may see. Every case lookup goes through here."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from ..accounts import roles
from ..errors import NotFound
from ..types import is_id


def visible_requests(user) -> Select:
    """DisclosureRequest rows the user may see: the agency's for agency-wide roles, else own/co-handled section."""
    from ..disclosure.models import DisclosureRequest, RequestCohandler

    q = select(DisclosureRequest).where(DisclosureRequest.agency_id == user.agency_id)
    if user.role in roles.AGENCY_WIDE:
        return q
    if user.role in roles.SECTION_BOUND and user.section_id is not None:
        cohandled = exists().where(
            RequestCohandler.request_id == DisclosureRequest.id, RequestCohandler.section_id == user.section_id
        )
        return q.where(or_(DisclosureRequest.section_id == user.section_id, cohandled))
    return q.where(False)


def is_lead_section(user, req) -> bool:
    """True when the user may act on the case (not only read it as a co-handler)."""
    if user.role in roles.AGENCY_WIDE:
        return req.agency_id == user.agency_id
    return req.agency_id == user.agency_id and user.section_id is not None and req.section_id == user.section_id


def get_request_for(user, request_id: int):
    """The case if the user may see it; otherwise NotFound, exactly as for a case that does not exist."""
    from ..disclosure.models import DisclosureRequest
    from ..extensions import db

    # An id beyond the INTEGER column (e.g. a typed URL) would be a database error on PostgreSQL.
    req = (
        db.session.scalars(visible_requests(user).where(DisclosureRequest.id == request_id)).first()
        if is_id(request_id)
        else None
    )
    if req is None:
        raise NotFound("案件不存在或您无权查看。")
    return req


def visible_proposals(user) -> Select:
    """Proposal rows the user may see: the agency's for agency-wide roles, else items whose lead or
    co-handling section is the user's (co-handlers read and submit their opinion, nothing more)."""
    from ..proposals.models import Proposal, ProposalCohandler

    q = select(Proposal).where(Proposal.agency_id == user.agency_id)
    if user.role in roles.AGENCY_WIDE:
        return q
    if user.role in roles.SECTION_BOUND and user.section_id is not None:
        cohandled = exists().where(
            ProposalCohandler.proposal_id == Proposal.id, ProposalCohandler.section_id == user.section_id
        )
        return q.where(or_(Proposal.lead_section_id == user.section_id, cohandled))
    return q.where(False)


def is_proposal_lead(user, proposal) -> bool:
    """True when the user may act for the lead section (主办) on the item, not only read it."""
    from types import SimpleNamespace

    # The same rule as for a request's handling section; a proposal names it lead_section_id.
    return is_lead_section(user, SimpleNamespace(agency_id=proposal.agency_id, section_id=proposal.lead_section_id))


def get_proposal_for(user, proposal_id: int):
    """The item if the user may see it; otherwise NotFound, exactly as for an item that does not exist."""
    from ..extensions import db
    from ..proposals.models import Proposal

    p = (
        db.session.scalars(visible_proposals(user).where(Proposal.id == proposal_id)).first()
        if is_id(proposal_id)
        else None
    )
    if p is None:
        raise NotFound("建议提案不存在或您无权查看。")
    return p
