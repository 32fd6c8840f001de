"""Issue 16: the request list's search covers the units the list reads (docs/district.md, "单位与权限").

A district 区政府办 with two sub-units 甲街道 and 乙镇 and a unit 丙社区 below 甲街道; each unit numbers its
cases with its own prefix and has one searchable case in its section. A district office's search finds
the sub-units' cases by a number prefix, an applicant-name prefix and a phrase of the subject, with the
row naming the unit; a sub-unit's office finds its own and its sub-unit's, never the parent's or a
sibling's; a section role finds its own unit's (its section's) only. Both search plans are checked: the
few matches listed by id, and the many left as a filter on the list's walk (search.FEW forced to 0).
"""

from __future__ import annotations

import re

import pytest

from tracker.accounts.access import readable_agencies
from tracker.disclosure import search
from tracker.disclosure import services as s
from tracker.disclosure.intake import register_request
from tracker.disclosure.models import DisclosureRequest as R
from tracker.extensions import db

from .test_agency_tree import _unit
from .test_no_server_errors import Browser
from .workflow_fixtures import RECEIVED, do, intake

# unit key: (name, parent key, number prefix, applicant, subject)
UNITS = {
    "district": ("区政府办", None, "区依申", "居民区某", "区政府办公楼维修经费"),
    "jia": ("甲街道", "district", "甲依申", "居民甲某", "甲街道路灯维修方案"),
    "yi": ("乙镇", "district", "乙依申", "居民乙某", "乙镇路灯维修方案"),
    "bing": ("丙社区", "jia", "丙依申", "居民丙某", "丙社区路灯维修方案"),
}


@pytest.fixture()
def world(app_ctx):
    built = {}
    for key, (name, parent, prefix, applicant, subject) in UNITS.items():
        unit = _unit(name, built[parent]["unit"] if parent else None)
        unit["unit"].settings = {
            **(unit["unit"].settings or {}),
            "case_number_pattern": prefix + "〔{year}〕第{seq:04d}号",
        }
        db.session.commit()
        office = unit["users"]["office"]
        req = register_request(office, intake(applicant_name=applicant, subject=subject), today=RECEIVED)
        do(s.assign_section, office, req, section_id=unit["section"].id)
        assert req.number.startswith(prefix)
        unit["case"] = req
        built[key] = unit
    return built


def _found(app, user, q: str) -> set[str]:
    """The unit keys whose searchable case the user's list shows for q."""
    html = Browser(app, user).get("/requests/", query_string={"q": q}).get_data(as_text=True)
    return {
        key for key, (_n, _p, prefix, _a, _s) in UNITS.items() if re.search(re.escape(prefix) + r"〔\d{4}〕第", html)
    }


@pytest.fixture(params=["few", "many"])
def plan(request, monkeypatch):
    if request.param == "many":
        monkeypatch.setattr(search, "FEW", 0)  # every search takes the filter-on-the-walk plan
    return request.param


def test_the_district_office_finds_the_sub_units_cases(app_ctx, world, plan):
    office = world["district"]["users"]["office"]
    assert _found(app_ctx, office, "甲依") == {"jia"}  # a number prefix (two characters: the prefix way only)
    assert _found(app_ctx, office, "丙依申〔") == {"bing"}  # a sub-unit's sub-unit
    assert _found(app_ctx, office, "居民") == set(UNITS)  # an applicant-name prefix, every unit
    assert _found(app_ctx, office, "居民乙某") == {"yi"}
    assert _found(app_ctx, office, "路灯维修") == {"jia", "yi", "bing"}  # a phrase inside the subject
    assert _found(app_ctx, office, "路灯维修 居民甲") == {"jia"}  # terms ANDed
    html = Browser(app_ctx, office).get("/requests/?q=甲依").get_data(as_text=True)
    row = html[html.index("甲依申〔") :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge text-bg-light border">甲街道</span>' in row  # the row names its unit


def test_a_sub_unit_finds_its_own_and_below_never_the_parents_or_a_siblings(app_ctx, world, plan):
    jia = world["jia"]["users"]["office"]
    assert _found(app_ctx, jia, "居民") == {"jia", "bing"}
    assert _found(app_ctx, jia, "路灯维修") == {"jia", "bing"}
    assert _found(app_ctx, jia, "区依") == set() and _found(app_ctx, jia, "乙依") == set()
    assert _found(app_ctx, jia, "区政府办公楼") == set() and _found(app_ctx, jia, "乙镇路灯") == set()
    bing = world["bing"]["users"]["office"]
    assert _found(app_ctx, bing, "居民") == {"bing"}
    assert _found(app_ctx, bing, "甲依") == set() and _found(app_ctx, bing, "甲街道路灯") == set()


@pytest.mark.parametrize("key", ["district", "jia"])
def test_a_section_role_finds_its_own_units_only(app_ctx, world, plan, key):
    head = world[key]["users"]["section_head"]
    assert _found(app_ctx, head, "居民") == {key}
    assert _found(app_ctx, head, "路灯维修") == ({"jia"} if key == "jia" else set())


def test_the_search_predicate_covers_the_readable_agencies(app_ctx, world):
    """The predicate alone (no scoped query): the prefix ways are bounded by the units given."""
    dialect = db.session.get_bind().dialect.name
    numbers = {}
    for key in ("district", "jia", "section"):
        user = world["district" if key == "section" else key]["users"]["office" if key != "section" else "staff"]
        where = search.search_predicate("居民", readable_agencies(user), dialect)
        numbers[key] = {n[:3] for n in db.session.scalars(db.select(R.number).where(where))}
    assert numbers == {
        "district": {"区依申", "甲依申", "乙依申", "丙依申"},
        "jia": {"甲依申", "丙依申"},
        "section": {"区依申"},
    }
    # with units=False (the ledger exports) the search is the own unit's only
    own = readable_agencies(world["district"]["users"]["office"], units=False)
    assert own == world["district"]["unit"].id
