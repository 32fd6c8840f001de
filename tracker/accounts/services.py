"""Account services: every change checks permission, records an event and commits once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from .. import audit
from ..errors import FieldErrors, PermissionDenied, ServiceError
from ..extensions import db
from ..rules import contact
from ..unit_of_work import unit_of_work
from . import passwords, roles
from .auth import Client, security_event, set_password
from .models import Agency, Section, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")


def default_agency() -> Agency:
    agency = db.session.scalars(select(Agency).order_by(Agency.id)).first()
    if agency is None:
        raise ServiceError("数据库中还没有机关，请先运行 flask --app tracker db upgrade。")
    return agency


def agency_by_name(name: str | None) -> Agency:
    if not name:
        return default_agency()
    agency = db.session.scalars(select(Agency).where(Agency.name == name)).first()
    if agency is None:
        raise ServiceError(f"找不到名为“{name}”的机关，请检查名称。")
    return agency


def password_error(password: str, username: str | None = None) -> str | None:
    """The policy of tracker.accounts.passwords, for every password set anywhere."""
    return passwords.error(password, username)


def generate_password() -> str:
    return passwords.generate()


def create_section(name: str, *, agency: Agency | None = None, actor=None) -> Section:
    roles.require(actor, "admin.manage")
    agency = agency or (actor.agency if actor else default_agency())
    name = (name or "").strip()
    if not name:
        raise ServiceError("科室名称不能为空。", "name")
    if len(name) > 60:
        raise ServiceError("科室名称不能超过60个字。", "name")
    if db.session.scalars(select(Section).where(Section.agency_id == agency.id, Section.name == name)).first():
        raise ServiceError(f"科室“{name}”已存在。", "name")
    with unit_of_work():
        section = Section(agency_id=agency.id, name=name)
        db.session.add(section)
        db.session.flush()
        audit.log("section.created", section, actor, {"name": name})
    return section


def rename_section(section: Section, name: str, active: bool, *, actor) -> None:
    roles.require(actor, "admin.manage")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ServiceError("科室名称不能为空，且不能超过60个字。", "name")
    clash = db.session.scalars(
        select(Section).where(Section.agency_id == section.agency_id, Section.name == name, Section.id != section.id)
    ).first()
    if clash:
        raise ServiceError(f"科室“{name}”已存在。", "name")
    with unit_of_work():
        diff = audit.changes(section, {"name": name, "active": active})
        if diff:
            audit.log("section.updated", section, actor, diff)


def section_by_name(agency: Agency, name: str) -> Section:
    section = db.session.scalars(select(Section).where(Section.agency_id == agency.id, Section.name == name)).first()
    if section is None:
        raise ServiceError(f"找不到科室“{name}”，请先创建该科室或检查名称。", "section")
    return section


def _validate_user_fields(agency: Agency, username: str, role: str, section: Section | None, email: str | None) -> None:
    if not USERNAME_RE.match(username or ""):
        raise ServiceError("用户名只能包含字母、数字、下划线、点和短横线，长度2到40个字符。", "username")
    if role not in roles.ROLES:
        raise ServiceError(
            f"未知角色“{role}”，可选：{'、'.join(f'{k}（{v}）' for k, v in roles.ROLES.items())}。", "role"
        )
    if role in roles.NEEDS_SECTION and section is None:
        raise ServiceError(f"角色“{roles.role_label(role)}”必须指定所属科室。", "section")
    if section is not None and section.agency_id != agency.id:
        raise ServiceError("所选科室不属于本机关。", "section")
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise ServiceError("电子邮箱格式不正确，例如 name@example.gov.cn。", "email")


def create_user(
    username: str,
    *,
    role: str,
    password: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    section: Section | None = None,
    agency: Agency | None = None,
    actor=None,
    must_change: bool = True,
) -> tuple[User, str | None]:
    """Create a user. Returns (user, generated_password) — the password only when one was generated.

    The password was chosen by someone other than the user (an administrator, the operator, the
    generator), so by default the user must change it at the first sign-in; ``must_change=False`` only
    for demo data and test fixtures, whose passwords are public anyway."""
    roles.require(actor, "admin.manage")
    return add_user(
        username,
        role=role,
        password=password,
        display_name=display_name,
        email=email,
        section=section,
        agency=agency or (actor.agency if actor else default_agency()),
        actor=actor,
        must_change=must_change,
    )


def add_user(
    username: str,
    *,
    role: str,
    agency: Agency,
    password: str | None,
    display_name: str | None,
    email: str | None,
    section: Section | None,
    actor,
    must_change: bool,
) -> tuple[User, str | None]:
    """The user creation itself (validation, password policy, event), for a caller that has checked its own
    permission: ``create_user`` (an agency's admin, admin.manage) and a unit's first administrator
    (tracker.accounts.tree.create_unit_admin, units.manage)."""
    roles.require_assignable(actor, role)
    username = (username or "").strip()
    email = (email or "").strip() or None
    _validate_user_fields(agency, username, role, section, email)
    if db.session.scalars(select(User).where(func.lower(User.username) == username.lower())).first():
        raise ServiceError(f"用户名“{username}”已被使用，请换一个。", "username")
    generated = None
    if password is None or password == "":
        password = generated = generate_password()
    elif err := password_error(password, username):
        raise ServiceError(err, "password")
    with unit_of_work():
        user = User(
            agency_id=agency.id,
            username=username,
            display_name=(display_name or username).strip()[:60],
            email=email,
            role=role,
            section_id=section.id if section else None,
            active=True,
        )
        set_password(user, password, chosen_by_user=False)
        user.must_change_password = must_change
        db.session.add(user)
        db.session.flush()
        audit.log(
            "user.created",
            user,
            actor,
            {"username": username, "role": role, "section": section.name if section else None},
        )
    return user, generated


def update_user(
    user: User,
    *,
    actor,
    display_name: str,
    role: str,
    section: Section | None,
    email: str | None,
    active: bool,
    password: str | None = None,
    client: Client | None = None,
) -> None:
    """``client``: where the administrator works from, for the security events of a password set or a
    user disabled (the sessions that end)."""
    roles.require(actor, "admin.manage")
    if user.agency_id != actor.agency_id:
        raise PermissionDenied("不能修改其他机关的用户。")
    roles.require_assignable(actor, role, user.role)
    email = (email or "").strip() or None
    _validate_user_fields(actor.agency, user.username, role, section, email)
    if user.id == actor.id and (not active or not roles.can(role, "admin.manage")):
        raise ServiceError("不能停用自己或取消自己的管理员角色，以免无人管理系统。", "role")
    if password and (err := password_error(password, user.username)):
        raise ServiceError(err, "password")
    with unit_of_work():
        diff = audit.changes(
            user,
            {
                "display_name": (display_name or user.username).strip()[:60],
                "role": role,
                "section_id": section.id if section else None,
                "email": email,
                "active": active,
            },
        )
        if password:  # an administrator's password: the user's sessions end, and the user must change it
            set_password(user, password, chosen_by_user=False)
            diff["password"] = ["***", "***"]
            security_event("auth.password_set", user, client or Client(), actor=actor)
        elif "active" in diff and not active:  # disabled: every session of the user ends now
            user.rotate_session_token()
            security_event("auth.disabled", user, client or Client(), actor=actor)
        if diff:
            audit.log("user.updated", user, actor, diff)


# Agency settings used by letters (contact line, remedies bodies) and the report preface (contact line).
CONTACT_SETTINGS: dict[str, tuple[str, int]] = {
    "address": ("通讯地址", 200),
    "postcode": ("邮政编码", 6),
    "phone": ("联系电话", 40),
    "email": ("电子邮箱", 120),
    "website": ("政府网站", 200),
    "reconsideration_body": ("行政复议机关", 100),
    "court": ("管辖法院", 100),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def contact_errors(data: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Clean contact settings and their problems ({key: Chinese message}); blank means not set."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, (label, limit) in CONTACT_SETTINGS.items():
        value = data.get(key)
        text = value.strip() if isinstance(value, str) else ""
        if key == "phone":  # the one phone rule (tracker.rules.contact), stored as it normalises it
            errors_of = contact.phone_error(text)
            text = "" if errors_of else contact.normalize_phone(text) or ""
        elif key == "postcode":
            errors_of = contact.postcode_error(text)
            text = "" if errors_of else contact.normalize_postcode(text) or ""
        else:
            errors_of = None
        if errors_of:
            errors[key] = errors_of
        elif _CONTROL.search(text):
            errors[key] = f"{label}含有不可见的控制字符，请重新输入。"
        elif len(text) > limit:
            errors[key] = f"{label}不能超过{limit}个字（现为{len(text)}个字）。"
        elif text and key == "email" and not _EMAIL.match(text):
            errors[key] = "电子邮箱格式不正确，例如 gk@example.gov.cn。"
        elif text and key == "website" and not re.match(r"^https?://\S+$", text):
            errors[key] = "政府网站请以 http:// 或 https:// 开头，例如 https://www.example.gov.cn。"
        if text:
            clean[key] = text
    return clean, errors


def update_agency(agency: Agency, data: dict, *, actor) -> dict:
    """Save the agency's name and its contact and remedies settings in one transaction; returns the diff.

    The contact details appear in the letters and in the report preface (only those filled in); the
    reconsideration body and the court are named in the remedies of the answer letters.
    """
    roles.require(actor, "admin.manage")
    if agency.id != actor.agency_id:
        raise PermissionDenied("只能修改本机关的设置。")
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "机关名称不能为空，且不能超过100个字。"
    elif db.session.scalars(select(Agency).where(Agency.name == name, Agency.id != agency.id)).first():
        errors["name"] = f"已有名为“{name}”的机关。"
    contact, contact_problems = contact_errors(data)
    errors.update(contact_problems)
    internal = str(data.get("internal_due_workdays") or "").strip()
    if internal and not (internal.isascii() and internal.isdigit() and int(internal) <= 15):
        errors["internal_due_workdays"] = "请填写0到15之间的整数（工作日数），或留空按系统默认。"
    elif internal:
        contact["internal_due_workdays"] = int(internal)
    if errors:
        raise FieldErrors(errors)
    with unit_of_work():
        diff = audit.changes(agency, {"name": name})
        if diff:
            audit.log("agency.renamed", agency, actor, diff)
        old = dict(agency.settings or {})
        owned = (*CONTACT_SETTINGS, "internal_due_workdays")
        new = {k: v for k, v in old.items() if k not in owned} | contact
        changed = {k: [old.get(k), new.get(k)] for k in owned if old.get(k) != new.get(k)}
        if changed:
            agency.settings = new
            audit.log("agency.settings_changed", agency, actor, changed)
    return {**diff, **changed}
