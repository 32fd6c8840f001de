"""Issue 16 (a): the unit tree and isolation across units (docs/district.md, "单位与权限").

Three units: a district 区政府办 with two sub-units 甲街道 and 乙镇 (siblings), each with a section, a user
of every role, a request and an NPC item. Every case URL of every unit, requested as every role of every
unit: the allowed readers get the page, everybody else exactly the stranger's 404; the district's
agency-wide roles read the sub-units' cases and every POST of theirs on them is refused with nothing
changed. The command line's refusals (name taken, missing parent, cycle, move without a word on the
published reports, too deep) exit non-zero in Chinese and change nothing.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tracker.accounts import roles, tree
from tracker.accounts.models import Agency, Section, User, subtree_ids
from tracker.disclosure import services as s
from tracker.disclosure.intake import register_request
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.proposals import services as psvc

from .test_no_server_errors import Browser, _counts
from .workflow_fixtures import _HASH, RECEIVED, do, intake

ROLES = tuple(roles.ROLES)
MISSING = 999999


def _unit(name, parent=None):
    unit = tree.create_unit(name, parent=parent)
    section = Section(agency_id=unit.id, name="综合科")
    db.session.add(section)
    db.session.commit()
    users = {}
    for role in ROLES:
        user = User(
            agency_id=unit.id,
            username=f"u{unit.id}_{role}",
            display_name=f"{name}{role}",
            password_hash=_HASH,
            role=role,
            section_id=section.id if role in roles.SECTION_BOUND else None,
            active=True,
        )
        db.session.add(user)
        users[role] = user
    db.session.commit()
    req = register_request(users["office"], intake(subject=f"{name}的申请"), today=RECEIVED)
    do(s.assign_section, users["office"], req, section_id=section.id)
    item = psvc.register_proposal(
        users["office"],
        {
            "kind": "npc",
            "session": "区十九届人大三次会议",
            "number": str(unit.id),
            "title": f"{name}的建议",
            "lead_author": "张代表",
            "assigned_on": date(2026, 3, 2),
            "lead_section_id": section.id,
            "assist_section_ids": [],
        },
        today=date(2026, 3, 3),
    )
    return {"unit": unit, "section": section, "users": users, "req": req, "item": item}


@pytest.fixture()
def units(app_ctx):
    district = _unit("区政府办")
    return {
        "district": district,
        "jia": _unit("甲街道", district["unit"]),
        "yi": _unit("乙镇", district["unit"]),
    }


def _may_read(reader_unit: str, reader_role: str, case_unit: str) -> bool:
    """The expected rule: a unit reads its own; the district's agency-wide roles read the sub-units'."""
    if roles.ROLE_TABLE[reader_role].reach == roles.PLATFORM:
        return False
    if reader_unit == case_unit:
        return True
    return reader_unit == "district" and reader_role in roles.AGENCY_WIDE


def _case_get_urls(app, case) -> list[str]:
    """Every GET page of the app about one request or item, its id filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments)
        if "GET" not in rule.methods or not args or args - {"request_id", "proposal_id"}:
            continue
        value = case["req"].id if "request_id" in args else case["item"].id
        urls.append(re.sub(r"<(?:\w+:)?(\w+)>", str(value), rule.rule))
    return sorted(urls)


def _case_post_urls(app, case) -> list[str]:
    """Every POST of the app about one request or item, the action's name filled in where it has one."""
    from tracker.disclosure.action_pages import PAGES
    from tracker.proposals.workflow import ACTION_IDS

    urls = []
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments)
        if "POST" not in rule.methods or not args & {"request_id", "proposal_id"}:
            continue
        if args - {"request_id", "proposal_id", "action_id"}:
            continue  # attachment ids, review ids: their pages are reached only through the case
        actions = (PAGES if "request_id" in args else ACTION_IDS) if "action_id" in args else [None]
        for action in actions:
            values = {"request_id": case["req"].id, "proposal_id": case["item"].id, "action_id": action}
            urls.append(_fill(rule.rule, values))
    return sorted(urls)


def _fill(pattern: str, values: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern)


def _missing(url: str, case) -> str:
    url = re.sub(rf"^/requests/{case['req'].id}(?=/|$)", f"/requests/{MISSING}", url)
    return re.sub(rf"^/proposals/{case['item'].id}(?=/|$)", f"/proposals/{MISSING}", url)


def _norm(resp) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", resp.get_data(as_text=True))


def test_subtree_and_paths(units):
    d, jia = units["district"]["unit"], units["jia"]["unit"]
    assert d.path == f"/{d.id}/" and jia.path == f"/{d.id}/{jia.id}/" and jia.parent_id == d.id
    ids = set(db.session.scalars(subtree_ids(d.id)))
    assert ids == {d.id, jia.id, units["yi"]["unit"].id}
    assert set(db.session.scalars(subtree_ids(jia.id))) == {jia.id}


@pytest.mark.parametrize("reader_unit", ["district", "jia", "yi"])
def test_every_case_page_as_every_role_of_every_unit(app_ctx, units, reader_unit):
    """Only the allowed readers open a case's pages; everybody else gets exactly the stranger's 404."""
    for role in ROLES:
        user = units[reader_unit]["users"][role]
        browser = Browser(app_ctx, user)
        for case_unit, case in units.items():
            allowed = _may_read(reader_unit, role, case_unit)
            for url in _case_get_urls(app_ctx, case):
                resp = browser.get(url)
                what = (reader_unit, role, case_unit, url, resp.status_code)
                if allowed:
                    assert resp.status_code != 404, what
                    if url in (f"/requests/{case['req'].id}", f"/proposals/{case['item'].id}"):
                        assert resp.status_code == 200, what
                else:
                    missing = browser.get(_missing(url, case))
                    assert resp.status_code == missing.status_code, what
                    if resp.status_code == 404:
                        assert _norm(resp) == _norm(missing), what
            listing = browser.get("/requests/?status=").get_data(as_text=True)
            assert (case["req"].subject in listing) == (allowed and role in roles.AGENCY_WIDE | roles.SECTION_BOUND), (
                reader_unit,
                role,
                case_unit,
            )


def test_the_district_reads_a_sub_unit_case_read_only(app_ctx, units):
    jia = units["jia"]
    office = Browser(app_ctx, units["district"]["users"]["office"])
    page = office.get(f"/requests/{jia['req'].id}").get_data(as_text=True)
    assert "其他单位的案件，只读" in page and "甲街道" in page
    listing = office.get("/requests/?status=").get_data(as_text=True)
    assert "甲街道" in listing and "乙镇" in listing  # the list names each case's unit
    item_page = office.get(f"/proposals/{jia['item'].id}").get_data(as_text=True)
    assert "其他单位的案件，只读" in item_page


@pytest.mark.parametrize("role", sorted(roles.AGENCY_WIDE))
def test_every_post_of_the_district_on_a_sub_unit_case_is_refused(app_ctx, units, role):
    jia = units["jia"]
    browser = Browser(app_ctx, units["district"]["users"][role])
    token = csrf_token(browser.get("/requests/").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "version": str(jia["req"].version),
        "section_id": str(jia["section"].id),
        "handler_id": str(jia["users"]["staff"].id),
        "reason": "理由",
        "opinion": "意见",
        "key": "receipt",
        "field": "phone",
        "note": "备注",
        "workdays": "5",
    }
    before = _counts()
    for url in _case_post_urls(app_ctx, jia):
        resp = browser.post(url, data=data)
        assert resp.status_code in (302, 400, 403, 404), (role, url, resp.status_code)
        assert _counts() == before, (role, url)
    # the same form from the sub-unit's own office is accepted: the refusal above is the unit, not the data
    own = Browser(app_ctx, jia["users"]["office"])
    resp = own.post(
        f"/requests/{jia['req'].id}/act/assign_handler",
        data={**data, "csrf_token": csrf_token(own.get("/requests/").get_data(as_text=True))},
    )
    assert resp.status_code == 302


def test_no_service_changes_another_units_case(app_ctx, units):
    """The services themselves refuse (not only the pages): the district office on 甲街道's case."""
    from tracker.disclosure import workflow

    office, req = units["district"]["users"]["office"], units["jia"]["req"]
    assert workflow.allowed_actions(office, req) == []
    with pytest.raises(ServiceError):
        do(s.assign_handler, office, req, handler_id=units["jia"]["users"]["staff"].id)
    with pytest.raises(ServiceError):
        from tracker import personal

        personal.reveal(units["district"]["users"]["leader"], req, "phone")


# ---------------------------------------------------------------------- the service and the command line


def _state():
    db.session.expire_all()
    rows = db.session.execute(select(Agency.name, Agency.parent_id, Agency.path).order_by(Agency.id)).all()
    return _counts(), [tuple(r) for r in rows]


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_agency_builds_the_tree(app_ctx):
    assert _cli(app_ctx, "create-agency", "示例区人民政府", "--population", "560000").exit_code == 0
    result = _cli(app_ctx, "create-agency", "示例区教育局", "--parent", "示例区人民政府")
    assert result.exit_code == 0, result.output
    assert "已创建单位：示例区教育局" in result.output
    edu = db.session.scalars(select(Agency).where(Agency.name == "示例区教育局")).one()
    gov = edu.parent
    assert gov.population == 560000 and edu.path == f"/{gov.id}/{edu.id}/"
    listing = _cli(app_ctx, "list-agencies").output
    assert listing.index("示例区人民政府") < listing.index("  示例区教育局")


@pytest.mark.parametrize(
    "args, says",
    [
        (["create-agency", "区政府办"], "已有名为“区政府办”的单位"),
        (["create-agency", "新单位", "--parent", "没有这个单位"], "找不到名为“没有这个单位”的上级单位"),
        (["create-agency", "新单位", "--population", "很多"], "不是整数"),
        (["create-agency", "  "], "单位名称不能为空"),
        (["create-agency", "长" * 101], "不能超过100个字"),
        (["move-agency", "区政府办", "--parent", "甲街道", "--reports", "keep"], "会形成循环"),
        (["move-agency", "区政府办", "--parent", "区政府办", "--reports", "keep"], "移到它自己之下"),
        (["move-agency", "甲街道", "--parent", "乙镇"], "--reports keep"),
        (["move-agency", "甲街道", "--parent", "乙镇", "--reports", "drop"], "处理方式“drop”无效"),
        (["move-agency", "甲街道", "--parent", "区政府办", "--reports", "keep"], "无需移动"),
        (["move-agency", "甲街道"], "--root"),
        (["move-agency", "甲街道", "--root", "--parent", "乙镇"], "二者选一"),
        (["move-agency", "没有这个单位", "--root"], "找不到名为“没有这个单位”的单位"),
        (["move-agency", "甲街道", "--no-such-option"], "没有选项"),
    ],
)
def test_command_line_refusals_change_nothing(app_ctx, units, args, says):
    before = _state()
    result = _cli(app_ctx, *args)
    assert result.exit_code != 0, result.output
    assert says in result.output, result.output
    assert _state() == before


def test_move_rewrites_the_paths_of_the_whole_subtree(app_ctx, units):
    d, jia, yi = (units[k]["unit"] for k in ("district", "jia", "yi"))
    deep = tree.create_unit("甲街道社区", parent=jia)
    result = _cli(app_ctx, "move-agency", "甲街道", "--parent", "乙镇", "--reports", "keep")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert jia.parent_id == yi.id
    assert jia.path == f"/{d.id}/{yi.id}/{jia.id}/"
    assert deep.path == f"/{d.id}/{yi.id}/{jia.id}/{deep.id}/"
    assert set(db.session.scalars(subtree_ids(yi.id))) == {yi.id, jia.id, deep.id}
    from tracker.audit import Event

    event = db.session.scalars(select(Event).where(Event.kind == "agency.moved")).one()
    assert event.data["reports"] == "keep" and event.data["units_moved"] == 2
    assert "汇总报告不变" in event.data["reports_note"]
    # back to the root: --root, and a unit without cases needs no word on reports
    assert _cli(app_ctx, "move-agency", "甲街道社区", "--root").exit_code == 0
    db.session.expire_all()
    assert deep.path == f"/{deep.id}/" and deep.parent_id is None


def test_a_tree_too_deep_for_the_path_is_refused(app_ctx):
    parent = None
    with pytest.raises(ServiceError, match="单位层级过深"):
        for level in range(tree.PATH_MAX):
            parent = tree.create_unit(f"第{level}级", parent=parent)
    assert tree.PATH_MAX - 10 < len(parent.path) <= tree.PATH_MAX  # as deep as the path holds, no deeper
    before = _state()
    with pytest.raises(ServiceError, match="单位层级过深"):
        tree.create_unit("再深一级", parent=parent)
    assert _state() == before
    top = tree.create_unit("另一个顶级单位")
    under = tree.create_unit("其下级", parent=tree.create_unit("其中间级", parent=top))
    before = _state()
    first = db.session.scalars(select(Agency).where(Agency.name == "第0级")).one()
    with pytest.raises(ServiceError, match="单位层级过深"):
        tree.move_unit(first, under)
    assert _state() == before


def test_only_the_platform_administrator_changes_the_tree(app_ctx, units):
    from tracker.errors import PermissionDenied

    for role in ROLES:
        user = units["district"]["users"][role]
        if role == roles.PLATFORM_ADMIN:
            continue
        with pytest.raises(PermissionDenied):
            tree.create_unit("某单位", actor=user)
    unit = tree.create_unit("某单位", actor=units["district"]["users"][roles.PLATFORM_ADMIN])
    assert unit.parent_id is None


# ---------------------------------------------------------------------- the platform administrator's pages


def _form_post(browser, page_url, url, data):
    token = csrf_token(browser.get(page_url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **data})


def test_unit_pages_are_the_platform_administrators(app_ctx, units):
    for role in ROLES:
        resp = Browser(app_ctx, units["district"]["users"][role]).get("/admin/units")
        assert resp.status_code == (200 if role == roles.PLATFORM_ADMIN else 403), role
    page = Browser(app_ctx, units["district"]["users"][roles.PLATFORM_ADMIN]).get("/admin/units")
    html = page.get_data(as_text=True)
    assert html.index("区政府办") < html.index("甲街道") and "unit-depth-1" in html
    assert "<script>" not in html and " onclick=" not in html


def test_the_platform_administrator_creates_a_unit_and_its_first_admin(app_ctx, units):
    from tracker.audit import Event

    pa = Browser(app_ctx, units["district"]["users"][roles.PLATFORM_ADMIN])
    district = units["district"]["unit"]
    resp = _form_post(
        pa, "/admin/units", "/admin/units", {"name": "丙社区", "parent_id": str(district.id), "population": "12000"}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    unit = db.session.scalars(select(Agency).where(Agency.name == "丙社区")).one()
    assert unit.parent_id == district.id and unit.population == 12000 and unit.path == f"/{district.id}/{unit.id}/"
    # a name taken: the page again with the reason, nothing created
    before = _state()
    resp = _form_post(pa, "/admin/units", "/admin/units", {"name": "甲街道", "parent_id": "0", "population": ""})
    assert resp.status_code == 200 and "已有名为“甲街道”的单位" in resp.get_data(as_text=True)
    assert _state() == before
    # its first administrator: a generated password shown once, to be changed at the first sign-in
    page = f"/admin/units/{unit.id}"
    resp = _form_post(pa, page, f"{page}/admin", {"username": "bing_admin", "display_name": "丙管理员"})
    assert resp.status_code == 302
    admin = db.session.scalars(select(User).where(User.username == "bing_admin")).one()
    assert admin.agency_id == unit.id and admin.role == roles.ADMIN and admin.must_change_password
    assert db.session.scalars(select(Event).where(Event.kind == "user.created", Event.subject_id == admin.id)).one()
    # a second one is the unit's own administrator's to create: the form is disabled with the reason
    html = pa.get(page).get_data(as_text=True)
    assert "已有系统管理员" in html and "<fieldset disabled>" in html
    before = _state()
    resp = _form_post(pa, page, f"{page}/admin", {"username": "bing_admin2", "password": "Another-pass-2026x"})
    assert resp.status_code == 400 and "已有系统管理员" in resp.get_data(as_text=True)
    assert _state() == before
    # a weak password: the policy's message
    other = tree.create_unit("丁单位")
    resp = _form_post(
        pa, f"/admin/units/{other.id}", f"/admin/units/{other.id}/admin", {"username": "d1", "password": "123"}
    )
    assert resp.status_code == 400 and not db.session.scalars(select(User).where(User.username == "d1")).first()


def test_the_unit_page_edits_and_moves(app_ctx, units):
    pa = Browser(app_ctx, units["district"]["users"][roles.PLATFORM_ADMIN])
    jia, yi, district = (units[k]["unit"] for k in ("jia", "yi", "district"))
    page = f"/admin/units/{jia.id}"
    html = pa.get(page).get_data(as_text=True)
    assert "（其下级单位，不能移入）" not in html and "（本单位，不能移入）" in html
    assert "已发布的年度报告保持原样" in html  # 甲街道 has cases: the choice is asked for
    resp = _form_post(pa, page, page, {"name": "甲街道办事处", "population": "45,000"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert jia.name == "甲街道办事处" and jia.population == 45000
    before = _state()
    for data, says in (
        ({"parent_id": str(yi.id)}, "--reports keep"),
        ({"parent_id": str(jia.id), "reports": "y"}, "移到它自己之下"),
        ({"parent_id": str(district.id), "reports": "y"}, "无需移动"),
    ):
        resp = _form_post(pa, page, f"{page}/move", data)
        assert resp.status_code == 400 and says in resp.get_data(as_text=True), data
        assert _state() == before
    html = pa.get(f"/admin/units/{district.id}").get_data(as_text=True)
    assert "甲街道办事处（其下级单位，不能移入）" in html
    resp = _form_post(pa, page, f"{page}/move", {"parent_id": str(yi.id), "reports": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert jia.parent_id == yi.id and jia.path == f"/{district.id}/{yi.id}/{jia.id}/"


def test_exports_are_the_units_own(app_ctx, units):
    """The ledger exports carry applicants' and deputies' personal data: a district exports its own cases
    only, though its list shows the sub-units' too."""
    from tracker.audit import Event

    office = Browser(app_ctx, units["district"]["users"]["office"])
    assert office.get("/ledger/export/requests.xlsx").status_code == 200
    assert office.get("/ledger/export/proposals.xlsx").status_code == 200
    counts = db.session.scalars(
        select(Event.data).where(Event.kind.in_(["request.exported", "proposal.exported"]))
    ).all()
    assert [c["count"] for c in counts] == [1, 1]


def test_the_workbench_is_the_units_own_work(app_ctx, units):
    """A sub-unit's unassigned request waits on the sub-unit's workbench, not on the district's: the
    district cannot assign it (the lists still show it, read-only)."""
    jia_office = units["jia"]["users"]["office"]
    register_request(jia_office, intake(subject="甲街道待分办的申请"), today=RECEIVED)
    own = Browser(app_ctx, jia_office).get("/").get_data(as_text=True)
    district = Browser(app_ctx, units["district"]["users"]["office"]).get("/").get_data(as_text=True)
    assert "甲街道待分办的申请" in own and "甲街道待分办的申请" not in district
