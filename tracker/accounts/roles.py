"""Roles and what each may do: the one place permissions are decided (pure, no Flask).

Two tables. PERMISSIONS_TABLE names every permission once, with what it allows in Chinese (the refusal
message says it). ROLE_TABLE gives each role its Chinese label, its reach and the permissions it holds.
Adding a role is one entry in ROLE_TABLE: the user form, the scoped queries (by reach), the navigation
and the tests that sweep every page for every role (tests/integration/test_no_server_errors.py) all
read it from here.

Where a page both reads and writes (the admin pages, the calendar, letter templates, proposal
settings, registers), reading and writing are two permissions, ``<area>.view`` and ``<area>.manage``:
a read-only role holds the first only, and the page's POST asks for the second
(tracker.accounts.decorators.permission_required), as does the service (``require``).

An action without a user (``actor`` None) is the server's operator: the ``flask`` command line, the
scheduler, the demo loader. It holds exactly COMMAND_LINE; everything else needs a signed-in user.
``allows``/``require`` decide this, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import PermissionDenied

ADMIN = "admin"
OFFICE = "office"
LEADER = "leader"
SECTION_HEAD = "section_head"
STAFF = "staff"
AUDITOR = "auditor"
PLATFORM_ADMIN = "platform_admin"

# Reach: which cases a role sees. AGENCY: every case and item of its agency. SECTION: the cases its
# section handles or co-handles; a user of such a role must belong to a section.
AGENCY = "agency"
SECTION = "section"
# PLATFORM: no case or item at all; the role serves every agency of the installation (the shared calendar).
PLATFORM = "platform"

PERMISSIONS_TABLE: dict[str, str] = {
    # system administration: users, sections, the agency's name
    "admin.view": "查看用户、科室和机关设置",
    "admin.manage": "管理用户、科室和机关设置",
    # the security log: sign-ins, failures, lock-outs, refusals (issue 14, docs/security.md)
    "security.view": "查看安全日志",
    # the unit tree of the installation (issue 16, tracker/accounts/tree.py, docs/district.md): units,
    # their parents, names and population, and each unit's first administrator
    "units.view": "查看单位（机关）列表",
    "units.manage": "创建、修改和移动单位，创建单位的管理员",
    # the working-day calendar
    "calendar.view": "查看工作日历",
    "calendar.manage": "修改工作日历",
    # disclosure requests (tracker/disclosure/workflow.py decides which action needs which of these)
    "request.register": "登记政府信息公开申请",
    "request.edit_intake": "更正申请的登记信息",
    "request.assign_section": "分办、改派申请",
    "request.assign_handler": "指定承办人",
    "request.handle": "承办申请",
    "request.clock": "办理补正、征求意见、延期等计时事项",
    "request.approve": "审批延期",
    "request.conclude": "办结申请",
    "request.reopen": "重新办理已办结的申请",
    "request.export": "导出申请台账（含申请人个人信息）",
    "request.cohandle": "增加协办科室",
    "request.opinion": "提交协办意见",
    "request.act_unassigned": "办理未指定给本人的案件",
    "request.review_draft": "审核答复稿",
    "request.fee": "核算和登记信息处理费",
    "request.deadline_explicit": "另行确定答复期限",
    "request.letters": "生成告知书",
    "review.view": "查看未对应登记申请的行政复议和行政诉讼",
    "review.manage": "登记行政复议和行政诉讼",
    "letters.view": "查看告知书模板",
    "letters.manage": "修改告知书模板",
    # NPC suggestions and CPPCC proposals (tracker/proposals/workflow.py)
    "proposal.register": "登记和修改建议提案",
    "proposal.handle": "办理建议提案",
    "proposal.attach": "上传建议提案的附件",
    "proposal.approve": "审批建议提案的延期",
    "proposal.export": "导出建议提案（含代表委员信息）",
    "proposal_settings.view": "查看建议提案的答复类别设置",
    "proposal_settings.manage": "修改建议提案的答复类别名称",
    # the year-end report and the registers it counts
    "report.view": "查看年度报告",
    "report.edit": "编辑年度报告文字",
    "report.publish": "发布年度报告",
    "register.view": "查看登记簿",
    "register.manage": "维护登记簿",
    "ledger.import": "导入台账",
    # deadline reminders (tracker/reminders, docs/reminders.md): who hears of a section's cases without
    # a handler and of its overdue cases, and who hears of every overdue case of the agency
    "reminders.section": "接收本科室的期限提醒",
    "reminders.office": "接收全机关的超期提醒",
    # handoff notifications (tracker/notify): everyone who may be handed a case chooses its channels
    "notifications.choose": "选择哪些交办通知同时发送邮件",
    # applicants' personal data (个人信息保护法, tracker/personal.py, docs/security.md): masked for everybody
    # else in lists, search results, notifications and exports; on the case page masked for everybody,
    # and showing one field there is an event
    "personal_data.view": "查看申请人完整的证件号码和联系方式（列表、导出、通知）",
    "personal_data.reveal": "在案件页面显示申请人完整的证件号码和联系方式（留痕）",
    "personal_data.access_log": "查看案件的查阅记录",
}


@dataclass(frozen=True)
class Role:
    label: str
    reach: str
    grants: frozenset[str]


def _role(label: str, reach: str, *grants: str) -> Role:
    unknown = set(grants) - set(PERMISSIONS_TABLE)
    if unknown:
        raise KeyError(f"unknown permissions {sorted(unknown)}")
    return Role(label, reach, frozenset(grants))


# What reading the whole agency takes: every case and item (by reach), and every report, register and
# settings page. The auditor holds exactly this.
READ_ALL = (
    "admin.view",
    "personal_data.access_log",
    "security.view",
    "calendar.view",
    "letters.view",
    "proposal_settings.view",
    "report.view",
    "register.view",
    "review.view",
)

# Personal data (docs/security.md, "Personal data"): personal_data.view — full numbers outside the case
# page — is held by the roles that register and correct intake (office, admin: the correction form shows
# the values); personal_data.reveal — one field at a time on the case page, recorded — by those who handle
# or decide a case and may need to reach the applicant (leader, section_head, staff); the auditor holds
# neither, but reads the record of who opened a case (personal_data.access_log, also the admin's).
ROLE_TABLE: dict[str, Role] = {
    ADMIN: _role(
        "系统管理员",
        AGENCY,
        "notifications.choose",
        "admin.view",
        "admin.manage",
        "security.view",
        "calendar.view",
        "request.register",
        "request.edit_intake",
        "personal_data.view",
        "personal_data.access_log",
        "request.reopen",
        "request.export",
        "letters.view",
        "letters.manage",
        "proposal.register",
        "proposal.attach",
        "proposal.export",
        "proposal_settings.view",
        "proposal_settings.manage",
        "report.view",
        "register.view",
        "register.manage",
        "review.view",
        "ledger.import",
    ),
    OFFICE: _role(
        "政务公开办",
        AGENCY,
        "notifications.choose",
        "request.register",
        "request.edit_intake",
        "personal_data.view",
        "request.assign_section",
        "request.assign_handler",
        "request.handle",
        "request.clock",
        "request.conclude",
        "request.export",
        "request.cohandle",
        "request.act_unassigned",
        "request.review_draft",
        "request.fee",
        "request.deadline_explicit",
        "request.letters",
        "review.view",
        "review.manage",
        "letters.view",
        "letters.manage",
        "proposal.register",
        "proposal.handle",
        "proposal.attach",
        "proposal.export",
        "proposal_settings.view",
        "proposal_settings.manage",
        "report.view",
        "report.edit",
        "report.publish",
        "register.view",
        "register.manage",
        "ledger.import",
        "reminders.office",
    ),
    LEADER: _role(
        "领导",
        AGENCY,
        "notifications.choose",
        "request.approve",
        "request.export",
        "personal_data.reveal",
        "request.review_draft",
        "request.deadline_explicit",
        "proposal.approve",
        "proposal.export",
        "report.view",
        "report.publish",
        "register.view",
        "review.view",
    ),
    SECTION_HEAD: _role(
        "科室负责人",
        SECTION,
        "notifications.choose",
        "request.assign_handler",
        "request.handle",
        "request.clock",
        "request.export",
        "personal_data.reveal",
        "request.cohandle",
        "request.opinion",
        "request.act_unassigned",
        "request.letters",
        "proposal.handle",
        "proposal.attach",
        "proposal.export",
        "reminders.section",
    ),
    STAFF: _role(
        "科室工作人员",
        SECTION,
        "notifications.choose",
        "request.handle",
        "request.clock",
        "request.opinion",
        "request.letters",
        "personal_data.reveal",
        "proposal.handle",
        "proposal.attach",
    ),
    # Reads the whole agency, changes nothing, exports nothing: the two exports (request.export,
    # proposal.export) carry applicants' and deputies' personal data, so the auditor holds neither
    # (docs/architecture.md, "Roles").
    AUDITOR: _role("审计监督", AGENCY, *READ_ALL),
    # The working-day calendar is one for the whole installation (every agency's deadlines count on it),
    # so one owner enters and changes it: the platform administrator, not an agency's admin (who reads it).
    # Created only at the server's command line (ASSIGNABLE below), and sees no case of any agency.
    # Issue 16: it also keeps the unit tree — creates units and their first administrators — and still sees
    # no case: what happens inside a unit is the unit's administrator's.
    PLATFORM_ADMIN: _role(
        "平台管理员（单位和工作日历）", PLATFORM, "calendar.view", "calendar.manage", "units.view", "units.manage"
    ),
}

# What the operator at the server's command line may do without a user (see the module docstring).
COMMAND_LINE: frozenset[str] = frozenset({"admin.manage", "calendar.manage", "ledger.import", "units.manage"})

# Derived from the tables above; nothing else lists roles.
ROLES: dict[str, str] = {role: r.label for role, r in ROLE_TABLE.items()}
AGENCY_WIDE = frozenset(role for role, r in ROLE_TABLE.items() if r.reach == AGENCY)
SECTION_BOUND = frozenset(role for role, r in ROLE_TABLE.items() if r.reach == SECTION)
NEEDS_SECTION = SECTION_BOUND  # roles that must belong to a section
# The roles an agency's administrator may give on the user pages; the others only `flask create-user`.
ASSIGNABLE: dict[str, str] = {role: label for role, label in ROLES.items() if ROLE_TABLE[role].reach != PLATFORM}
PERMISSIONS: dict[str, frozenset[str]] = {
    perm: frozenset(role for role, r in ROLE_TABLE.items() if perm in r.grants) for perm in PERMISSIONS_TABLE
}


def can(role: str | None, permission: str) -> bool:
    """Whether the role holds the permission; role None is the command line."""
    if permission not in PERMISSIONS_TABLE:
        raise KeyError(f"unknown permission {permission!r}")
    if role is None:
        return permission in COMMAND_LINE
    return role in PERMISSIONS[permission]


def allows(actor, permission: str) -> bool:
    """Whether ``actor`` (a User, or None for the command line) may use the permission now."""
    if actor is None:
        return can(None, permission)
    return actor.can(permission)


def require(actor, permission: str, message: str | None = None) -> None:
    """PermissionDenied with ``message`` (default: what the permission allows) unless ``allows``."""
    if not allows(actor, permission):
        if message is None:
            who = "没有登录用户时" if actor is None else f"您的角色（{role_label(actor.role)}）"
            message = f"{who}不能{PERMISSIONS_TABLE[permission]}。"
        raise PermissionDenied(message)


def require_assignable(actor, role: str, current: str | None = None) -> None:
    """PermissionDenied when ``actor`` (None: the command line) may not give ``role`` to a user, or change a
    user whose ``current`` role is one only the command line gives."""
    if actor is None:
        return
    for r in (role, current):
        if r is not None and r in ROLES and r not in ASSIGNABLE:
            raise PermissionDenied(f"“{role_label(r)}”账号只能由服务器管理员在命令行（flask create-user）创建和修改。")


def role_label(role: str) -> str:
    return ROLES.get(role, role)
