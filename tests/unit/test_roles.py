"""The roles table (tracker.accounts.roles): one place decides who may do what, also without a user."""

from types import SimpleNamespace

import pytest

from tracker.accounts import roles
from tracker.errors import PermissionDenied


def _user(role, active=True):
    return SimpleNamespace(role=role, can=lambda p: active and roles.can(role, p))


def test_an_action_without_a_user_is_the_command_line_and_holds_only_its_permissions():
    for perm in roles.PERMISSIONS_TABLE:
        if perm in roles.COMMAND_LINE:
            roles.require(None, perm)
        else:
            with pytest.raises(PermissionDenied, match="没有登录用户时不能"):
                roles.require(None, perm)


def test_require_says_what_the_role_may_not_do():
    with pytest.raises(PermissionDenied, match=r"您的角色（科室工作人员）不能登记政府信息公开申请。"):
        roles.require(_user(roles.STAFF), "request.register")
    with pytest.raises(PermissionDenied, match="只有政务公开办"):
        roles.require(_user(roles.STAFF), "request.register", "只有政务公开办可以登记申请。")
    roles.require(_user(roles.OFFICE), "request.register")
    with pytest.raises(PermissionDenied):
        roles.require(_user(roles.OFFICE, active=False), "request.register")
    with pytest.raises(KeyError):
        roles.require(_user(roles.OFFICE), "no.such.permission")


def test_the_derived_tables_come_from_the_roles_table():
    assert set(roles.ROLES) == set(roles.ROLE_TABLE)
    platform = {r for r, role in roles.ROLE_TABLE.items() if role.reach == roles.PLATFORM}
    assert roles.AGENCY_WIDE | roles.SECTION_BOUND | platform == set(roles.ROLE_TABLE)
    assert not roles.AGENCY_WIDE & roles.SECTION_BOUND
    assert set(roles.ASSIGNABLE) == set(roles.ROLE_TABLE) - platform
    for perm, holders in roles.PERMISSIONS.items():
        assert holders == {r for r, role in roles.ROLE_TABLE.items() if perm in role.grants}
    assert roles.COMMAND_LINE <= set(roles.PERMISSIONS_TABLE)


def test_the_shared_calendar_has_one_owner():
    """Issue 14: the working-day calendar serves every agency, so only the platform administrator (and the
    server's command line) enters it; an agency's admin reads it."""
    assert roles.PERMISSIONS["calendar.manage"] == {roles.PLATFORM_ADMIN}
    assert roles.ADMIN in roles.PERMISSIONS["calendar.view"]
    assert roles.can(None, "calendar.manage")
    assert roles.ROLE_TABLE[roles.PLATFORM_ADMIN].grants == {
        "calendar.view",
        "calendar.manage",
        "units.view",
        "units.manage",
    }
    assert roles.PLATFORM_ADMIN not in roles.ASSIGNABLE  # an agency admin cannot make one


def test_the_unit_tree_has_one_owner():
    """Issue 16: units are created and moved by the platform administrator (and the command line) only;
    no role of a unit, not even its admin, changes the tree."""
    assert roles.PERMISSIONS["units.manage"] == {roles.PLATFORM_ADMIN}
    assert roles.PERMISSIONS["units.view"] == {roles.PLATFORM_ADMIN}
    assert roles.can(None, "units.manage")
    assert roles.ROLE_TABLE[roles.PLATFORM_ADMIN].reach == roles.PLATFORM  # and so it sees no case


def test_who_sees_applicants_full_numbers():
    """Issue 14 (docs/security.md, "Personal data"): full numbers outside the case page only for the roles
    that register and correct intake (whose form shows them); the auditor neither sees nor reveals them."""
    assert roles.PERMISSIONS["personal_data.view"] == {roles.OFFICE, roles.ADMIN}
    for perm in ("request.register", "request.edit_intake"):
        assert roles.PERMISSIONS[perm] <= roles.PERMISSIONS["personal_data.view"]
    assert roles.PERMISSIONS["personal_data.reveal"] == {roles.LEADER, roles.SECTION_HEAD, roles.STAFF}
    assert not roles.can(roles.AUDITOR, "personal_data.view") and not roles.can(roles.AUDITOR, "personal_data.reveal")
    assert roles.PERMISSIONS["personal_data.access_log"] == {roles.ADMIN, roles.AUDITOR}
    assert not roles.can(None, "personal_data.view")  # the command line anonymises; it reads nobody's numbers
