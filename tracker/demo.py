"""Demo data: a demo agency with sections, one user per role and two years of requests.

Everything is created through the same services the pages use, so the demo exercises real rules.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from .accounts import roles, services
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
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄强", "赵敏", "周杰", "吴霞"]
ORG_NAMES = {
    "commercial_enterprise": "某某建设有限公司",
    "research_institution": "某某规划研究院",
    "public_interest_org": "某某环保公益基金会",
    "legal_service_org": "某某律师事务所",
    "other_org": "某某村民委员会",
}


def load_demo(seed: int = 2026) -> list[tuple[str, str, str]]:
    if db.session.scalars(select(Agency).where(Agency.name == DEMO_AGENCY)).first():
        raise ServiceError(f"示例机关“{DEMO_AGENCY}”已存在，示例数据只需载入一次。")
    rng = random.Random(seed)
    agency = db.session.scalars(select(Agency).order_by(Agency.id)).first()
    if agency is None or agency.name not in ("本机关", DEMO_AGENCY):
        agency = Agency(name=DEMO_AGENCY, settings={})
        db.session.add(agency)
    else:
        agency.name = DEMO_AGENCY
    db.session.commit()
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
    return [(u, DEMO_PASSWORD, f"{roles.role_label(r)}{'（' + s + '）' if s else ''}") for u, r, s, _ in USERS]


def _demo_requests(rng: random.Random, office_user) -> None:
    from .disclosure.intake import register_request

    today = today_cn()
    start = date(today.year - 1, 1, 3)
    type_ids = list(APPLICANT_TYPE_IDS)
    day = start
    while day <= today:
        day += timedelta(days=rng.randint(4, 12))
        if day > today:
            break
        atype = rng.choices(type_ids, weights=[70, 12, 3, 3, 7, 5])[0]
        tag, subject = rng.choice(SUBJECTS)
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
