"""Which units' reports a user may read (issue 16): the reports package's own small check.

A user reads the report of their own unit; an agency-wide role (office, leader, admin, auditor… — those
that see their whole unit's cases) also reads, never changes, the reports of every sub-unit below its
unit and the roll-up of its unit with its sub-units. Anybody else — a sub-unit's user asking for the
parent's or a sibling's report, a stranger — gets a 404, exactly as for a unit that does not exist.
"""

from __future__ import annotations

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..types import is_id


def readable_unit(user, unit_id: int | None, *, with_units: bool = False) -> int:
    """The id of the unit whose report (or roll-up) the user asks for, or NotFound."""
    from ..accounts.models import Agency, subtree_ids

    if not user.can("report.view"):
        raise NotFound("找不到该单位的年度报告。")
    if unit_id is None or unit_id == user.agency_id:
        if with_units and not user.agency_wide:
            raise NotFound("找不到该单位的汇总报告。")
        return user.agency_id
    if not is_id(unit_id) or not user.agency_wide:
        raise NotFound("找不到该单位的年度报告。")
    found = db.session.scalar(select(Agency.id).where(Agency.id == unit_id, Agency.id.in_(subtree_ids(user.agency_id))))
    if found is None:
        raise NotFound("找不到该单位的年度报告。")
    return found


def unit_ids(agency_id: int) -> list[int]:
    """The ids of the unit and all its sub-units."""
    from ..accounts.models import subtree_ids

    return list(db.session.scalars(subtree_ids(agency_id)))
