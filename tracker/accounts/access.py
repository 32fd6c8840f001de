"""The one scoped query: what a user may see. Every case lookup goes through here."""
from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from ..accounts import roles
from ..errors import NotFound


def visible_requests(user) -> Select:
    """DisclosureRequest rows the user may see: the agency's for agency-wide roles, else own/co-handled section."""
    from ..disclosure.models import DisclosureRequest, RequestCohandler

    q = select(DisclosureRequest).where(DisclosureRequest.agency_id == user.agency_id)
    if user.role in roles.AGENCY_WIDE:
        return q
    if user.role in roles.SECTION_BOUND and user.section_id is not None:
        cohandled = exists().where(RequestCohandler.request_id == DisclosureRequest.id,
                                   RequestCohandler.section_id == user.section_id)
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

    req = db.session.scalars(visible_requests(user).where(DisclosureRequest.id == request_id)).first()
    if req is None:
        raise NotFound("案件不存在或您无权查看。")
    return req
