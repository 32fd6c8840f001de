"""Demo data: a demo agency with sections, one user per role and two years of requests, and two sub-units
under it (each with its sections, its own office user and a few dozen requests over the same years), so
the demo shows a unit tree: 单位管理, the roll-up report and the timeliness of 本单位及下属单位.

Everything is created through the same services the pages use, so the demo exercises real rules.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from .accounts import roles, services, tree
from .accounts.models import Agency
from .errors import ServiceError
from .extensions import db
from .rules.clock import today_cn
from .rules.report_layout import APPLICANT_TYPE_IDS

DEMO_AGENCY = "示例区发展和改革局"
DEMO_PASSWORD = "Demo-pass-2026"  # meets the policy (accounts/passwords.py); demo users are not forced to change it
SECTIONS = ["办公室", "规划科", "投资科", "价格科", "能源科"]
USERS = [
    ("demo_admin", roles.ADMIN, None, "系统管理员"),
    ("demo_office", roles.OFFICE, None, "王公开"),
    ("demo_leader", roles.LEADER, None, "李局长"),
    ("demo_head", roles.SECTION_HEAD, "投资科", "赵科长"),
    ("demo_staff", roles.STAFF, "投资科", "钱科员"),
    ("demo_staff2", roles.STAFF, "价格科", "孙科员"),
    ("demo_auditor", roles.AUDITOR, None, "周审计"),
    ("demo_platform", roles.PLATFORM_ADMIN, None, "吴平台"),
]
SUBJECTS = [
    ("项目立项", "某产业园区基础设施项目的立项批复文件"),
    ("项目立项", "某道路改造工程可行性研究报告的批复"),
    ("价格", "本区居民用水阶梯价格调整的依据和听证材料"),
    ("能源", "本区2025年度能耗双控目标完成情况"),
    ("规划", "本区国民经济和社会发展第十五个五年规划编制过程材料"),
    ("项目立项", "某学校扩建项目的备案证明"),
    ("征地拆迁", "某片区旧城改造项目的立项及资金来源"),
]
# Residents (常住人口) of the district the demo agency serves; its sub-units serve the same district.
DEMO_POPULATION = 560_000
# The demo agency's sub-units (issue 16, docs/district.md): name, population, sections, office user
# (username, display name), the subjects of their requests.
SUB_UNITS = [
    (
        "示例区粮食和物资储备局",
        DEMO_POPULATION,
        ["办公室", "储备管理科"],
        ("demo_grain_office", "刘粮储"),
        [
            ("粮食储备", "本区地方储备粮年度轮换计划及执行情况"),
            ("粮食储备", "区级储备粮承储企业名单"),
            ("物资储备", "区应急物资储备库建设项目的资金使用情况"),
            ("粮食流通", "本区粮食收购企业备案名单"),
            ("质量检测", "2025年度本区库存粮油质量抽检结果"),
        ],
    ),
    (
        "示例区价格认证中心",
        DEMO_POPULATION,
        ["综合科", "价格认定科"],
        ("demo_price_office", "陈认定"),
        [
            ("价格认定", "某交通事故车辆损失价格认定结论书"),
            ("价格认定", "本中心价格认定工作规程及收费依据"),
            ("价格监测", "本区主要农副产品价格监测周报"),
            ("价格认定", "某涉案财物价格认定的依据材料"),
        ],
    ),
]
UNIT_USER_ROLE = roles.OFFICE
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄强", "赵敏", "周杰", "吴霞"]
ORG_NAMES = {
    "commercial_enterprise": "某某建设有限公司",
    "research_institution": "某某规划研究院",
    "public_interest_org": "某某环保公益基金会",
    "legal_service_org": "某某律师事务所",
    "other_org": "某某村民委员会",
}


PLACEHOLDER_AGENCY = "本机关"  # the one row a fresh `db upgrade` writes (migration 0002)


def refusal(env_name: str) -> str | None:
    """Why the demo may not be loaded here, None when it may: its accounts have published passwords (the
    administrator's included), so never in production, and never beside real records."""
    if env_name == "production":
        return (
            "生产环境（TRACKER_ENV=production）不能载入示例数据：示例账号（含系统管理员）的密码是公开的。"
            "如需演示，请在另一台机器或另一个数据库上以开发模式运行。"
        )
    if db.session.scalars(select(Agency).where(Agency.name == DEMO_AGENCY)).first():
        return f"示例机关“{DEMO_AGENCY}”已存在，示例数据只需载入一次。"
    held = []
    for table in db.metadata.sorted_tables:
        q = select(func.count()).select_from(table)
        if table.name == Agency.__tablename__:
            q = q.where(table.c.name != PLACEHOLDER_AGENCY)
        if n := db.session.scalar(q):
            held.append(f"{table.name} {n} 行")
    if held:
        return (
            "数据库中已有正式数据（" + "、".join(held[:5]) + ("等" if len(held) > 5 else "") + "），"
            "示例数据只能载入一个新建的空数据库，以免示例账号和示例案件混入正式数据。"
            "请另建一个数据库（设置 DATABASE_URL）后再运行。"
        )
    return None


def load_demo(seed: int = 2026, env_name: str = "development") -> list[tuple[str, str, str]]:
    if why := refusal(env_name):
        raise ServiceError(why)
    rng = random.Random(seed)
    agency = db.session.scalars(select(Agency).order_by(Agency.id)).first()
    if agency is None or agency.name not in ("本机关", DEMO_AGENCY):
        agency = Agency(
            name=DEMO_AGENCY,
            settings={
                "address": "示例区人民路1号",
                "postcode": "100000",
                "phone": "010-62345678",
                "email": "gk@example.gov.cn",
                "reconsideration_body": "示例区人民政府",
                "court": "示例区人民法院",
            },
        )
        db.session.add(agency)
    else:
        agency.name = DEMO_AGENCY
    db.session.commit()
    tree.update_unit(agency, name=DEMO_AGENCY, population=DEMO_POPULATION, actor=None)
    sections = {name: services.create_section(name, agency=agency) for name in SECTIONS}
    users = {}
    for username, role, section, display in USERS:
        users[username], _ = services.create_user(
            username,
            role=role,
            password=DEMO_PASSWORD,
            display_name=display,
            section=sections.get(section),
            agency=agency,
            email=f"{username}@example.gov.cn",
            must_change=False,  # demo accounts with public passwords, for trying the product out
        )
    _demo_requests(rng, users["demo_office"])
    try:  # the handling workflow, when present, drives part of the cases to a conclusion
        from .disclosure.demo import advance_demo_cases
    except ImportError:
        pass
    else:
        advance_demo_cases(rng, agency, users, sections)
    from .proposals.demo import load_demo_proposals

    load_demo_proposals(rng, agency, users, sections)  # noqa: E702, I001
    _settle_handoff_notifications(agency)
    for unit in _demo_sub_units(rng, agency):
        _settle_handoff_notifications(unit)
    return _logins()


def _logins(present: set[str] | None = None) -> list[tuple[str, str, str]]:
    """(username, password, role) of every demo account (or only those in ``present``): the demo agency's,
    then each sub-unit's office user with the unit's name."""
    rows = [(u, f"{roles.role_label(r)}{'（' + s + '）' if s else ''}") for u, r, s, _ in USERS]
    rows += [(u, f"{roles.role_label(UNIT_USER_ROLE)}（{name}）") for name, _, _, (u, _), _ in SUB_UNITS]
    return [(u, DEMO_PASSWORD, label) for u, label in rows if present is None or u in present]


def _demo_sub_units(rng: random.Random, agency: Agency) -> list[Agency]:
    """The demo agency's sub-units, through the unit tree's service (tree.create_unit sets ``path``), each
    with its sections, its office user and its requests driven through the real workflow."""
    from .disclosure.demo import advance_unit_cases

    units = []
    for name, population, section_names, (username, display), subjects in SUB_UNITS:
        unit = tree.create_unit(name, parent=agency, population=population, actor=None)
        sections = {s: services.create_section(s, agency=unit) for s in section_names}
        office, _ = services.create_user(
            username,
            role=UNIT_USER_ROLE,
            password=DEMO_PASSWORD,
            display_name=display,
            agency=unit,
            email=f"{username}@example.gov.cn",
            must_change=False,
        )
        _demo_requests(rng, office, subjects=subjects, gap=(15, 35))
        advance_unit_cases(rng, unit, office, list(sections.values()))
        units.append(unit)
    return units


UNREAD_HANDOFFS_KEPT = 5


def _settle_handoff_notifications(agency) -> int:
    """Two years of demo history notify every handoff at the moment the loader runs, so without this a
    demo leader would open the product to dozens of unread handoffs (74 for demo_leader) that a real user
    would have read long ago. Keep each user's newest few unread and mark the older ones read — one
    statement. Reminders are not touched (the reminder scan creates those)."""
    from .reminders.models import Notification
    from .rules.clock import utcnow

    ranked = (
        select(
            Notification.id,
            func.row_number().over(partition_by=Notification.user_id, order_by=Notification.id.desc()).label("rn"),
        )
        .where(Notification.agency_id == agency.id, Notification.case_type.is_not(None), Notification.read_at.is_(None))
        .subquery()
    )
    older = select(ranked.c.id).where(ranked.c.rn > UNREAD_HANDOFFS_KEPT)
    result = db.session.execute(
        Notification.__table__.update().where(Notification.id.in_(older)).values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def logins_on_file() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts this database holds, for the development login
    page (accounts.views.login shows them only when TRACKER_ENV is development). One query."""
    from sqlalchemy import select

    from .accounts.models import User

    names = [u for u, _, _ in _logins()]
    present = set(db.session.scalars(select(User.username).where(User.username.in_(names), User.active.is_(True))))
    return _logins(present)


def _demo_requests(rng: random.Random, office_user, *, subjects=SUBJECTS, gap: tuple[int, int] = (4, 12)) -> None:
    """Requests received every ``gap`` days (at random) from early last year to today, registered by the
    office user of their unit."""
    from .disclosure.intake import register_request

    today = today_cn()
    start = date(today.year - 1, 1, 3)
    type_ids = list(APPLICANT_TYPE_IDS)
    day = start
    while day <= today:
        day += timedelta(days=rng.randint(*gap))
        if day > today:
            break
        atype = rng.choices(type_ids, weights=[70, 12, 3, 3, 7, 5])[0]
        tag, subject = rng.choice(subjects)
        name = rng.choice(NAMES) if atype == "natural_person" else ORG_NAMES.get(atype, "某某单位")
        register_request(
            office_user,
            {
                "applicant_type": atype,
                "applicant_name": name,
                "id_type": "none",
                "channel": rng.choice(["online", "post", "in_person", "email"]),
                "sent_on": day - timedelta(days=rng.randint(0, 3)),
                "received_on": day,
                "subject": subject[:60],
                "content": f"申请公开：{subject}。",
                "tags": tag,
                "phone": "13800000000",
                "provision_form": "electronic",
                "obtain_way": "email",
            },
            today=today,
        )
