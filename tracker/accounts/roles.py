"""Roles and what each may do: the one place permissions are decided (pure, no Flask)."""

from __future__ import annotations

ADMIN = "admin"
OFFICE = "office"
LEADER = "leader"
SECTION_HEAD = "section_head"
STAFF = "staff"

ROLES: dict[str, str] = {
    ADMIN: "系统管理员",
    OFFICE: "政务公开办",
    LEADER: "领导",
    SECTION_HEAD: "科室负责人",
    STAFF: "科室工作人员",
}

# Roles that see every case of their agency; the others see only their section's cases.
AGENCY_WIDE = frozenset({ADMIN, OFFICE, LEADER})
SECTION_BOUND = frozenset({SECTION_HEAD, STAFF})

# Permission -> roles holding it. Services ask `can(role, perm)`; no view tests a role by itself.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin.manage": frozenset({ADMIN}),
    "calendar.manage": frozenset({ADMIN}),
    "request.register": frozenset({OFFICE, ADMIN}),
    "request.edit_intake": frozenset({OFFICE, ADMIN}),
    "request.assign_section": frozenset({OFFICE}),
    "request.assign_handler": frozenset({SECTION_HEAD, OFFICE}),
    "request.handle": frozenset({STAFF, SECTION_HEAD, OFFICE}),
    "request.clock": frozenset({OFFICE, SECTION_HEAD, STAFF}),
    "request.approve": frozenset({LEADER}),
    "request.conclude": frozenset({OFFICE}),
    "request.reopen": frozenset({ADMIN}),
    "request.export": frozenset({OFFICE, LEADER, ADMIN, SECTION_HEAD}),
    "review.manage": frozenset({OFFICE}),
    "proposal.register": frozenset({OFFICE, ADMIN}),
    "proposal.handle": frozenset({STAFF, SECTION_HEAD, OFFICE}),
    "proposal.approve": frozenset({LEADER}),
    "proposal.export": frozenset({OFFICE, LEADER, ADMIN, SECTION_HEAD}),  # the year's list as .xlsx
    "proposal.configure": frozenset({OFFICE, ADMIN}),  # the agency's result class labels
    "report.view": frozenset({OFFICE, LEADER, ADMIN}),
    "report.edit": frozenset({OFFICE}),
    "report.publish": frozenset({OFFICE, LEADER}),
    "register.manage": frozenset({OFFICE, ADMIN}),
    "ledger.import": frozenset({OFFICE, ADMIN}),
    # Handling workflow (tracker/disclosure/workflow.py decides which action needs which of these).
    "request.cohandle": frozenset({OFFICE, SECTION_HEAD}),  # add a co-handling section
    "request.opinion": frozenset({STAFF, SECTION_HEAD}),  # a co-handling section's opinion
    "request.act_unassigned": frozenset({OFFICE, SECTION_HEAD}),  # act on a case without being its handler
    "request.review_draft": frozenset({OFFICE, LEADER}),  # approve or return a draft answer
    "request.fee": frozenset({OFFICE}),  # confirm the fee, issue the notice, record payment
    "request.deadline_explicit": frozenset({OFFICE, LEADER}),  # Art. 35 explicit deadline
    "request.letters": frozenset({OFFICE, SECTION_HEAD, STAFF}),  # generate letters of a case
    "letters.manage": frozenset({OFFICE, ADMIN}),  # edit the agency's letter templates
    # Deadline reminders (tracker/reminders): who hears of a section's cases without a handler and of
    # its overdue cases, and who hears of every overdue case of the agency (docs/reminders.md).
    "reminders.section": frozenset({SECTION_HEAD}),
    "reminders.office": frozenset({OFFICE}),
}

# Roles that must belong to a section.
NEEDS_SECTION = SECTION_BOUND


def can(role: str | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role in PERMISSIONS[permission]


def role_label(role: str) -> str:
    return ROLES.get(role, role)
