"""The one scoped query: what a user may see. Every case lookup goes through here.

One rule for requests and NPC/CPPCC items alike: an agency-wide role sees its agency's; a section role
sees what its section handles (leads) or co-handles; anybody else nothing. A user of another section or
agency gets what a stranger gets: NotFound, exactly as for a record that does not exist.

Units (issue 16, docs/district.md): an agency-wide role of a unit with sub-units also READS the cases and
items of all its sub-units (``units=True``, the default: case pages, lists, search, exports, a report
figure's case list). What is the unit's own work — the workbench's to-do panels, its counters, the
proposal summary's figures — asks ``units=False``. Writing never crosses a unit: ``_leads`` (and so
every action's permission check) is the user's own agency only, so a district office reads a sub-unit's
case and is refused every change on it. A section role reads its own unit only; a user of a sub-unit or
of a sibling unit gets the stranger's NotFound for the parent's and the siblings' cases.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from ..accounts import roles
from ..errors import NotFound
from ..types import is_id

# Why a case of a sub-unit offers no action to the district's staff (shown with the disabled actions).
OTHER_UNIT = "其他单位的案件，只读"


def has_sub_units(agency_id: int) -> bool:
    """Whether the unit has at least one sub-unit (one indexed lookup)."""
    from ..extensions import db
    from .models import Agency

    return bool(db.session.scalar(select(exists().where(Agency.parent_id == agency_id))))


def reads_sub_units(user) -> bool:
    """Whether the user reads more than its own unit: an agency-wide role of a unit with sub-units."""
    return user.role in roles.AGENCY_WIDE and has_sub_units(user.agency_id)


def _unit_scope(user, column, units: bool):
    """The agencies whose rows the user reads: its own, and for an agency-wide role (``units``) its
    sub-units too (one LIKE on the path; the plain equality when the unit has none)."""
    if units and reads_sub_units(user):
        from .models import subtree_ids

        return column.in_(subtree_ids(user.agency_id))
    return column == user.agency_id


def unit_names(user) -> dict[int, str]:
    """{agency id: name} of the units the user reads when they are more than its own (so that a list
    names each row's unit); {} when the user reads one unit only. One query."""
    if not reads_sub_units(user):
        return {}
    from ..extensions import db
    from .models import Agency, subtree_ids

    return dict(
        db.session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(subtree_ids(user.agency_id)))).all()
    )


def is_other_unit(user, record) -> bool:
    """The record belongs to another unit than the user's (a sub-unit's case the district reads)."""
    return record.agency_id != user.agency_id


def _visible(user, model, lead_section, cohandler, cohandler_of, units: bool = True) -> Select:
    """``model`` rows of the user's reach; ``lead_section``: the model's handling section column,
    ``cohandler``/``cohandler_of``: the co-handling sections' table and its column naming the row."""
    if user.role in roles.AGENCY_WIDE:
        return select(model).where(_unit_scope(user, model.agency_id, units))
    q = select(model).where(model.agency_id == user.agency_id)
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


def visible_requests(user, *, units: bool = True) -> Select:
    """DisclosureRequest rows the user may see: the agency's (and with ``units`` its sub-units') for
    agency-wide roles, else own/co-handled section."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import RequestCohandler as C

    return _visible(user, R, R.section_id, C, C.request_id, units)


def visible_reviews(user, *, units: bool = True) -> Select:
    """Review rows (table 四's cases) the user may see: those of the requests the user may see, and for an
    agency-wide role also the agency's (sub-units') reviews not tied to a registered request (issue 11)."""
    from ..disclosure.models import DisclosureRequest as R
    from ..disclosure.models import Review as V

    if user.role in roles.AGENCY_WIDE:
        return select(V).where(_unit_scope(user, V.agency_id, units))
    q = select(V).where(V.agency_id == user.agency_id)
    return q.where(V.request_id.in_(visible_requests(user).with_only_columns(R.id)))


def visible_proposals(user, *, units: bool = True) -> Select:
    """Proposal rows the user may see: the agency's (and with ``units`` its sub-units') for agency-wide
    roles, else items whose lead or co-handling section is the user's (co-handlers read and submit their
    opinion, nothing more)."""
    from ..proposals.models import Proposal as P
    from ..proposals.models import ProposalCohandler as C

    return _visible(user, P, P.lead_section_id, C, C.proposal_id, units)


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
