"""The one scoped query: what a user may see. Every case lookup goes through here.

One rule for requests and NPC/CPPCC items alike: an agency-wide role sees its agency's; a section role
sees what its section handles (leads) or co-handles; anybody else nothing. A user of another section or
agency gets what a stranger gets: NotFound, exactly as for a record that does not exist.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from ..accounts import roles
from ..errors import NotFound
from ..types import is_id


def _visible(user, model, lead_section, cohandler, cohandler_of) -> Select:
    """``model`` rows of the user's reach; ``lead_section``: the model's handling section column,
    ``cohandler``/``cohandler_of``: the co-handling sections' table and its column naming the row."""
    q = select(model).where(model.agency_id == user.agency_id)
    if user.role in roles.AGENCY_WIDE:
        return q
    if user.role in roles.SECTION_BOUND and user.section_id is not None:
        cohandled = exists().where(cohandler_of == model.id, cohandler.section_id == user.section_id)
        return q.where(or_(lead_section == user.section_id, cohandled))
    return q.where(False)


def _get(query: Select, model, record_id: int, missing: str):
    from ..extensions import db

    # An id beyond the INTEGER column (e.g. a typed URL) would be a database error on PostgreSQL.
    found = db.session.scalars(query.where(model.id == record_id)).first() if is_id(record_id) else None
    if found is None:
        raise NotFound(missing)
    return found


def visible_requests(user) -> Select:
    """DisclosureRequest rows the user may see: the agency's for agency-wide roles, else own/co-handled section."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import RequestCohandler as C

    return _visible(user, R, R.section_id, C, C.request_id)


def visible_reviews(user) -> Select:
    """Review rows (table 四's cases) the user may see: those of the requests the user may see, and for an
    agency-wide role also the agency's reviews not tied to a registered request (issue 11)."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    q = select(V).where(V.agency_id == user.agency_id)
    if user.role in roles.AGENCY_WIDE:
        return q
    return q.where(V.request_id.in_(visible_requests(user).with_only_columns(R.id)))


def visible_proposals(user) -> Select:
    """Proposal rows the user may see: the agency's for agency-wide roles, else items whose lead or
    co-handling section is the user's (co-handlers read and submit their opinion, nothing more)."""
    from ..proposals.models import Proposal as P
    from ..proposals.models import ProposalCohandler as C

    return _visible(user, P, P.lead_section_id, C, C.proposal_id)


def _leads(user, agency_id: int, section_id: int | None) -> bool:
    if user.role in roles.AGENCY_WIDE:
        return agency_id == user.agency_id
    return agency_id == user.agency_id and user.section_id is not None and section_id == user.section_id


def is_lead_section(user, req) -> bool:
    """True when the user may act on the case (not only read it as a co-handler)."""
    return _leads(user, req.agency_id, req.section_id)


def is_proposal_lead(user, proposal) -> bool:
    """True when the user may act for the lead section (主办) on the item, not only read it."""
    return _leads(user, proposal.agency_id, proposal.lead_section_id)


def get_request_for(user, request_id: int):
    """The case if the user may see it; otherwise NotFound, exactly as for a case that does not exist."""
    from ..disclosure.models import DisclosureRequest

    return _get(visible_requests(user), DisclosureRequest, request_id, "案件不存在或您无权查看。")


def get_proposal_for(user, proposal_id: int):
    """The item if the user may see it; otherwise NotFound, exactly as for an item that does not exist."""
    from ..proposals.models import Proposal

    return _get(visible_proposals(user), Proposal, proposal_id, "建议提案不存在或您无权查看。")
