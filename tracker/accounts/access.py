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

The same rule says which units' reports and statistics a user reads (readable_units, readable_unit):
the own unit, and for an agency-wide role every unit below it, read-only; anybody else asking for a
parent's, a sibling's or another district's unit gets NotFound.
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


def _reads_subtree(user) -> bool:
    """The one rule of which units a user reads: an agency-wide role its unit and every unit below it
    (cases, reports, statistics); any other role its own unit only."""
    return user.role in roles.AGENCY_WIDE


def reads_sub_units(user) -> bool:
    """Whether the user reads more than its own unit: an agency-wide role of a unit with sub-units."""
    return _reads_subtree(user) and has_sub_units(user.agency_id)


def unit_ids(agency_id: int) -> list[int]:
    """The ids of the unit and all its sub-units (one query)."""
    from ..extensions import db
    from .models import subtree_ids

    return list(db.session.scalars(subtree_ids(agency_id)))


def readable_agencies(user, *, units: bool = True):
    """The agencies whose cases the user reads: its own id (an int) when that is all — no sub-units, a
    section role, or ``units=False`` — else the SELECT of its unit's subtree ids (one LIKE on the path)."""
    if units and reads_sub_units(user):
        from .models import subtree_ids

        return subtree_ids(user.agency_id)
    return user.agency_id


def of_agencies(column, agencies):
    """``column`` among ``agencies`` (readable_agencies' answer): the plain equality for one unit."""
    return column == agencies if isinstance(agencies, int) else column.in_(agencies)


def _unit_scope(user, column, units: bool):
    """The agencies whose rows the user reads: its own, and for an agency-wide role (``units``) its
    sub-units too (one LIKE on the path; the plain equality when the unit has none)."""
    return of_agencies(column, readable_agencies(user, units=units))


def readable_units(user) -> list[tuple[int, str, int]]:
    """(id, name, depth below the user's unit) of the units whose cases, reports and statistics the user
    reads, in tree order, the own unit first: the own unit alone for a role that is not agency-wide, the
    unit's whole subtree for an agency-wide role. One query."""
    from ..extensions import db
    from .models import Agency, subtree_ids

    if not _reads_subtree(user):
        own = db.session.get(Agency, user.agency_id)
        return [(own.id, own.name, 0)]
    rows = db.session.execute(
        select(Agency.id, Agency.name, Agency.path).where(Agency.id.in_(subtree_ids(user.agency_id)))
    ).all()
    base = min(r.path.count("/") for r in rows)
    rows.sort(key=lambda r: ([int(p) for p in r.path.strip("/").split("/")], r.id))
    return [(r.id, r.name, r.path.count("/") - base) for r in rows]


def readable_unit(user, unit_id: int | None, *, with_units: bool = False) -> int:
    """The id of the unit whose report (or, ``with_units``, roll-up) the user asks for (None: its own), or
    NotFound, exactly as for a unit that does not exist: without report.view; a roll-up for a role that is
    not agency-wide; a unit outside the user's readable units (a parent, a sibling, another district)."""
    from ..extensions import db
    from .models import Agency, subtree_ids

    if not user.can("report.view"):
        raise NotFound("找不到该单位的年度报告。")
    if unit_id is None or unit_id == user.agency_id:
        if with_units and not _reads_subtree(user):
            raise NotFound("找不到该单位的汇总报告。")
        return user.agency_id
    if not is_id(unit_id) or not _reads_subtree(user):
        raise NotFound("找不到该单位的年度报告。")
    found = db.session.scalar(select(Agency.id).where(Agency.id == unit_id, Agency.id.in_(subtree_ids(user.agency_id))))
    if found is None:
        raise NotFound("找不到该单位的年度报告。")
    return found


def unit_names(user) -> dict[int, str]:
    """{agency id: name} of the units the user reads when they are more than its own (so that a list
    names each row's unit); {} when the user reads one unit only (readable_units). At most one query."""
    if not _reads_subtree(user):
        return {}
    units = readable_units(user)
    return {} if len(units) == 1 else {unit_id: name for unit_id, name, _depth in units}


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
