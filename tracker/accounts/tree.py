"""The unit tree (issue 16, docs/district.md): the one service that creates, renames, sets and moves units.

An installation serves a district and its departments, towns and streets; each is an ``Agency`` row with
its parent and its materialised path (``/1/5/12/``, tracker.accounts.models). Every change here checks
the permission (``units.manage``: the platform administrator, or the server's command line), validates
first — a refusal changes nothing — and records an event in the same transaction.

Moving a unit moves its whole subtree: one UPDATE rewrites the path prefix of the unit and of every
descendant (``new_prefix || substr(path, len(old_prefix) + 1)``, the same SQL on SQLite and PostgreSQL).
A unit that has cases or published reports (itself or below) is moved only with an explicit choice of
what becomes of its published reports; the one choice offered is ``keep`` (REPORT_CHOICES): published
reports are legal documents, so the unit's own snapshots stay as published and the published roll-ups of
its old and new parents are not changed — they keep the unit snapshots they summed; roll-ups published
after the move sum the unit under its new parent. The event of the move says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, literal, select, update

from .. import audit
from ..errors import FieldErrors, ServiceError
from ..extensions import db
from ..rules.text import problem
from ..unit_of_work import unit_of_work
from . import roles
from .models import Agency, Section, User, subtree_ids

NAME_MAX = 100
PATH_MAX = 200  # agency.path is String(200)
POPULATION_MAX = 100_000_000  # more residents than any district has; an Integer column holds it
# What may become of a moving unit's published reports (see the module docstring).
REPORT_CHOICES: dict[str, str] = {
    "keep": "本单位已发布的年度报告保持原样；原上级和新上级已发布的汇总报告不变（仍为发布时汇总的单位），"
    "此后发布的汇总报告按新的隶属关系汇总",
}


# ---------------------------------------------------------------------- pure checks


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a unit's name (Chinese), or None."""
    if not isinstance(name, str) or not name.strip():
        return "单位名称不能为空，请填写单位的全称，例如“示例区教育局”。"
    name = name.strip()
    if why := problem(name):
        return f"单位名称{why}"
    if len(name) > NAME_MAX:
        return f"单位名称不能超过{NAME_MAX}个字（现为{len(name)}个字）。"
    return None


def population_problem(value: object) -> tuple[int | None, str | None]:
    """(population, None) for a blank (not set) or a whole number of residents; (None, why) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    text = str(value).strip().replace(",", "").replace("，", "")
    if not (text.isascii() and text.isdigit()):
        return None, f"常住人口“{str(value)[:20]}”不是整数，请填写人数，例如 560000；不知道可留空。"
    number = int(text)
    if number <= 0 or number > POPULATION_MAX:
        return None, f"常住人口应在1到{POPULATION_MAX}之间；不知道可留空。"
    return number, None


def cycle_problem(unit_path: str, unit_name: str, parent_path: str | None, parent_name: str | None) -> str | None:
    """Why putting the unit (path ``unit_path``) under the parent (``parent_path``, None: the root) would
    make a cycle: the parent is the unit itself or one of its sub-units."""
    if parent_path is None:
        return None
    if parent_path == unit_path:
        return f"不能把“{unit_name}”移到它自己之下，请选择另一个上级单位。"
    if parent_path.startswith(unit_path):
        return f"“{parent_name}”是“{unit_name}”的下级单位，移过去会形成循环，请选择不在其下的上级单位。"
    return None


def depth_problem(longest_path: int) -> str | None:
    """Why a path of ``longest_path`` characters cannot be stored (the tree would be too deep)."""
    if longest_path > PATH_MAX:
        return (
            f"单位层级过深：移动或创建后最深一级的单位路径将有{longest_path}个字符，超过上限{PATH_MAX}，"
            "请选择层级较浅的上级单位。"
        )
    return None


# ---------------------------------------------------------------------- queries


def unit_by_name(name: str | None, what: str = "单位") -> Agency:
    """The unit of that exact name; ServiceError naming it otherwise."""
    text = (name or "").strip()
    unit = db.session.scalars(select(Agency).where(Agency.name == text)).first() if text else None
    if unit is None:
        raise ServiceError(
            f"找不到名为“{text[:NAME_MAX]}”的{what}，请检查名称（flask --app tracker list-agencies 可列出全部单位）。"
        )
    return unit


def _taken(name: str, except_id: int | None = None) -> bool:
    q = select(exists().where(Agency.name == name, *([Agency.id != except_id] if except_id else [])))
    return bool(db.session.scalar(q))


@dataclass(frozen=True)
class TreeRow:
    """A unit as the tree page lists it: its depth, and its sections, users and population."""

    unit: Agency
    depth: int
    sections: int
    users: int


def tree_rows() -> list[TreeRow]:
    """Every unit in tree order (a parent before its sub-units, siblings by name), with counts: three
    aggregate queries whatever the number of units."""
    units = db.session.scalars(select(Agency)).all()
    sections = dict(db.session.execute(select(Section.agency_id, func.count()).group_by(Section.agency_id)).all())
    users = dict(db.session.execute(select(User.agency_id, func.count()).group_by(User.agency_id)).all())
    children: dict[int | None, list[Agency]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out: list[TreeRow] = []

    def walk(parent_id, depth):
        for u in sorted(children.get(parent_id, []), key=lambda a: a.name):
            out.append(TreeRow(u, depth, sections.get(u.id, 0), users.get(u.id, 0)))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def has_records(unit: Agency) -> bool:
    """Whether the unit or any of its sub-units has requests, items or published reports."""
    from ..disclosure.models import DisclosureRequest
    from ..proposals.models import Proposal
    from ..reports.models import ReportSnapshot

    ids = subtree_ids(unit.id)
    return any(
        db.session.scalar(select(exists().where(model.agency_id.in_(ids))))
        for model in (DisclosureRequest, Proposal, ReportSnapshot)
    )


# ---------------------------------------------------------------------- services


def create_unit(name: str, *, parent: Agency | None = None, population: object = None, actor=None) -> Agency:
    """A new unit, a root or under ``parent``; its path is set on insert (models._set_path)."""
    roles.require(actor, "units.manage")
    errors: dict[str, str] = {}
    if why := name_problem(name):
        errors["name"] = why
    elif _taken(name.strip()):
        errors["name"] = f"已有名为“{name.strip()}”的单位，单位名称不能重复，请换一个名称。"
    number, why = population_problem(population)
    if why:
        errors["population"] = why
    if parent is not None:
        next_id = (db.session.scalar(select(func.max(Agency.id))) or 0) + 1
        if why := depth_problem(len(parent.path or "/") + len(str(next_id)) + 1):
            errors["parent"] = why
    if errors:
        raise FieldErrors(errors)
    with unit_of_work():
        unit = Agency(name=name.strip(), parent_id=parent.id if parent else None, population=number, settings={})
        db.session.add(unit)
        db.session.flush()
        audit.log(
            "agency.created",
            unit,
            actor,
            {"name": unit.name, "parent": parent.name if parent else None, "population": number, "path": unit.path},
        )
    return unit


def update_unit(unit: Agency, *, name: str, population: object, actor) -> dict:
    """Rename the unit and set its population, in one transaction; returns the change."""
    roles.require(actor, "units.manage")
    errors: dict[str, str] = {}
    if why := name_problem(name):
        errors["name"] = why
    elif _taken(name.strip(), except_id=unit.id):
        errors["name"] = f"已有名为“{name.strip()}”的单位，单位名称不能重复，请换一个名称。"
    number, why = population_problem(population)
    if why:
        errors["population"] = why
    if errors:
        raise FieldErrors(errors)
    with unit_of_work():
        diff = audit.changes(unit, {"name": name.strip()})
        if diff:
            audit.log("agency.renamed", unit, actor, diff)
        pop = audit.changes(unit, {"population": number})
        if pop:
            audit.log("agency.population_set", unit, actor, pop)
    return {**diff, **pop}


def move_unit(unit: Agency, parent: Agency | None, *, reports: str | None = None, actor=None) -> dict:
    """Put the unit (with its whole subtree) under ``parent`` (None: make it a root unit).

    ``reports``: what becomes of the published reports (REPORT_CHOICES), required when the unit or a
    sub-unit has cases or published reports. Returns the event's data."""
    roles.require(actor, "units.manage")
    old_prefix = unit.path
    if why := cycle_problem(old_prefix, unit.name, parent.path if parent else None, parent.name if parent else None):
        raise ServiceError(why, "parent")
    if unit.parent_id == (parent.id if parent else None):
        where = f"“{parent.name}”之下" if parent else "顶级单位"
        raise ServiceError(f"“{unit.name}”已经是{where}，无需移动。", "parent")
    if reports is not None and reports not in REPORT_CHOICES:
        raise ServiceError(
            f"已发布报告的处理方式“{str(reports)[:20]}”无效，可选：{'、'.join(REPORT_CHOICES)}。", "reports"
        )
    recorded = has_records(unit)
    if recorded and reports is None:
        raise ServiceError(
            f"“{unit.name}”（或其下级单位）已有案件或已发布的年度报告，移动前须说明已发布报告如何处理："
            "命令行请加上 --reports keep，页面上请勾选“已发布的年度报告保持原样”"
            "（本单位已发布的报告保持原样，原上级和新上级已发布的汇总报告不变）。",
            "reports",
        )
    new_prefix = f"{parent.path if parent else '/'}{unit.id}/"
    longest = db.session.scalar(select(func.max(func.length(Agency.path))).where(Agency.path.like(f"{old_prefix}%")))
    if why := depth_problem((longest or len(old_prefix)) - len(old_prefix) + len(new_prefix)):
        raise ServiceError(why, "parent")
    moved = db.session.scalar(select(func.count()).where(Agency.path.like(f"{old_prefix}%")))
    old_parent = unit.parent
    data = {
        "from_parent": old_parent.name if old_parent else None,
        "to_parent": parent.name if parent else None,
        "path": [old_prefix, new_prefix],
        "units_moved": moved,
        "had_records": recorded,
        "reports": reports,
    }
    if reports:
        data["reports_note"] = REPORT_CHOICES[reports]
    with unit_of_work():
        db.session.execute(
            update(Agency)
            .where(Agency.path.like(f"{old_prefix}%"))
            .values(path=literal(new_prefix).concat(func.substr(Agency.path, len(old_prefix) + 1)))
            .execution_options(synchronize_session=False)
        )
        unit.parent_id = parent.id if parent else None
        audit.log("agency.moved", unit, actor, data)
    db.session.expire_all()  # the UPDATE rewrote paths the session may hold
    return data


def unit_admins(unit: Agency) -> int:
    """How many active administrators (role admin) the unit has."""
    q = select(func.count()).where(User.agency_id == unit.id, User.role == roles.ADMIN, User.active.is_(True))
    return int(db.session.scalar(q) or 0)


def first_admin_problem(unit: Agency) -> str | None:
    """Why the platform administrator may not create an administrator of the unit: it has one already
    (from then on the unit's own administrator manages its users)."""
    if unit_admins(unit):
        return f"“{unit.name}”已有系统管理员；该单位的其他用户由其系统管理员在“系统管理 → 用户”中创建。"
    return None


def create_unit_admin(
    unit: Agency,
    username: str,
    *,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    actor=None,
):
    """The unit's first administrator (role admin of the unit), through the one user creation
    (services.add_user: the username rules and the password policy); the password — given, or generated
    and returned once — must be changed at the first sign-in. Returns (user, generated password or None)."""
    from . import services

    roles.require(actor, "units.manage")
    if why := first_admin_problem(unit):
        raise ServiceError(why, "username")
    return services.add_user(
        username,
        role=roles.ADMIN,
        agency=unit,
        password=password or None,
        display_name=display_name,
        email=email,
        section=None,
        actor=actor,
        must_change=True,
    )
