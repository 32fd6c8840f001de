"""Demo NPC suggestions and CPPCC proposals over two years, handled through the real services.

Called by tracker.demo.load_demo; every date is on or before today, so the same rules apply as for
staff entering them by hand (contact before reply, feedback after reply, ...).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..rules import proposals as rules
from ..rules.clock import today_cn
from . import services

NPC_TITLES = [
    ("关于加快推进城乡供水一体化的建议", "规划科"),
    ("关于规范城区停车收费管理的建议", "价格科"),
    ("关于加大对中小微企业帮扶力度的建议", "投资科"),
    ("关于加快老旧小区改造项目审批的建议", "投资科"),
    ("关于完善农村电网建设的建议", "能源科"),
    ("关于稳定冬春季蔬菜价格的建议", "价格科"),
    ("关于加快重点项目建设进度的建议", "投资科"),
    ("关于推动新能源汽车充电设施建设的建议", "能源科"),
]
CPPCC_TITLES = [
    ("关于持续优化营商环境的提案", "投资科"),
    ("关于推动数字经济与实体经济融合发展的提案", "规划科"),
    ("关于完善公共服务价格监管的提案", "价格科"),
    ("关于推进重点领域节能降碳的提案", "能源科"),
    ("关于促进民营经济高质量发展的提案", "投资科"),
]
# Suggestions made between sessions (闭会期间), assigned in the autumn: still open in the demo.
LATE_TITLES = [
    ("npc", "关于加强迎峰度冬电力保障的建议", "能源科"),
    ("npc", "关于规范民办教育收费的建议", "价格科"),
    ("cppcc", "关于推进农贸市场升级改造的提案", "投资科"),
]
DEPUTIES = ["张建国", "李秀英", "王志强", "刘红梅", "陈伟", "杨丽", "黄海", "徐春燕"]
MEMBERS = ["赵明", "孙静", "周海涛", "吴芳", "郑晓东"]
_ORDINALS = "一二三四五"


def session_names(year: int) -> tuple[str, str]:
    """Plausible session names: one congress and one CPPCC plenary session a year."""
    n = _ORDINALS[(year - 2024) % 5]
    return f"区十九届人大{n}次会议", f"区政协十五届{n}次会议"


def load_demo_proposals(rng: random.Random, agency, users: dict, sections: dict, *, today: date | None = None) -> int:
    """Register and handle demo items for last year and this year; returns how many were registered."""
    today = today or today_cn()
    office = users["demo_office"]
    section_staff = {u.section_id: u for u in users.values() if u.section_id is not None and u.role == "staff"}
    count = 0
    rehandled = False
    for year in (today.year - 1, today.year):
        npc_session, cppcc_session = session_names(year)
        assigned = date(year, 3, 1) + timedelta(days=rng.randint(0, 14))
        if assigned > today:
            continue
        batch = [("npc", npc_session, t, s, rng.choice(DEPUTIES)) for t, s in NPC_TITLES]
        batch += [("cppcc", cppcc_session, t, s, rng.choice(MEMBERS)) for t, s in CPPCC_TITLES]
        numbers = {"npc": rng.randint(10, 40), "cppcc": rng.randint(5, 30)}
        for kind, session, title, lead_name, author in batch:
            numbers[kind] += rng.randint(1, 9)
            lead = sections[lead_name]
            others = [s for name, s in sections.items() if name not in (lead_name, "办公室")]
            co = [rng.choice(others).id] if rng.random() < 0.4 else []
            p = services.register_proposal(
                office,
                {
                    "kind": kind,
                    "session": session,
                    "number": f"{numbers[kind]:03d}",
                    "title": title,
                    "content": f"{title.removesuffix('的建议').removesuffix('的提案')}，具体建议如下：……",
                    "lead_author": author,
                    "cosigners": "、".join(rng.sample(DEPUTIES if kind == "npc" else MEMBERS, 2)),
                    "assigned_on": assigned,
                    "lead_section_id": lead.id,
                    "assist_section_ids": co,
                },
                today=today,
            )
            count += 1
            actor = section_staff.get(lead.id, office)
            rehandled = (
                _handle(
                    rng, p, actor, office, users, section_staff, today, rehandle=not rehandled and year < today.year
                )
                or rehandled
            )
    npc_session, cppcc_session = session_names(today.year)
    for i, (kind, title, lead_name) in enumerate(LATE_TITLES):
        assigned = today - timedelta(days=rng.randint(20, 70))
        if assigned < date(today.year, 7, 1):  # only once this year's session is well behind
            continue
        lead = sections[lead_name]
        p = services.register_proposal(
            office,
            {
                "kind": kind,
                "session": npc_session if kind == "npc" else cppcc_session,
                "number": f"{200 + i:03d}",
                "title": title,
                "lead_author": rng.choice(DEPUTIES if kind == "npc" else MEMBERS),
                "assigned_on": assigned,
                "lead_section_id": lead.id,
            },
            today=today,
        )
        count += 1
        actor = section_staff.get(lead.id, office)
        contacted = assigned + timedelta(days=rng.randint(5, 15))
        if contacted <= today:
            services.record_contact(
                actor,
                p,
                {"form": "phone", "contacted_on": contacted, "note": "电话沟通，了解代表委员的具体诉求。"},
                version=p.version,
                today=today,
            )
        if i == 0:
            services.request_extension(
                actor,
                p,
                {"to_months": 6, "reason": "需与供电企业协商，待年度计划确定后答复。"},
                version=p.version,
                today=today,
            )
    return count


def _at(day: date, today: date) -> bool:
    return day <= today


def _handle(rng, p, actor, office, users, section_staff, today: date, *, rehandle: bool) -> bool:
    """Walk one item as far as today allows; returns True when it was re-handled."""
    for c in p.cohandlers:
        on = p.assigned_on + timedelta(days=rng.randint(10, 28))
        if _at(on, today):
            who = section_staff.get(c.section_id, office)
            services.submit_opinion(
                who,
                p,
                {
                    "section_id": c.section_id,
                    "opinion_on": on,
                    "opinion": "经研究，同意主办科室的办理意见，本科室将配合做好相关工作。",
                },
                version=p.version,
                today=today,
            )
    contacted = p.assigned_on + timedelta(days=rng.randint(5, 25))
    if not _at(contacted, today):
        return False
    services.record_contact(
        actor,
        p,
        {
            "form": rng.choice(list(rules.CONTACT_FORMS)),
            "contacted_on": contacted,
            "note": "听取代表委员对办理工作的意见和建议。",
        },
        version=p.version,
        today=today,
    )
    if rng.random() < 0.15 and p.due_date and p.due_date >= today:
        ext = services.request_extension(
            actor, p, {"to_months": 5, "reason": "涉及多个部门，需协调资金和用地。"}, version=p.version, today=today
        )
        if rng.random() < 0.5:
            services.decide_extension(
                users["demo_leader"],
                p,
                ext.id,
                {"decision": "approve", "note": "同意延期"},
                version=p.version,
                today=today,
            )
    replied = p.assigned_on + timedelta(days=rng.randint(55, 95))
    if not _at(replied, today) or replied < contacted:
        return False
    cls = rng.choices(rules.RESULT_CLASSES, weights=[40, 35, 15, 10])[0]
    services.reply(
        actor,
        p,
        {"result_class": cls, "reply_date": replied, "summary": "已书面答复。"},
        version=p.version,
        today=today,
    )
    published = replied + timedelta(days=rng.randint(3, 10))
    if rng.random() < 0.6 and _at(published, today):
        services.set_publication(
            actor,
            p,
            {
                "published": True,
                "published_on": published,
                "publish_link": f"https://www.example.gov.cn/jyta/{p.id}.html",
            },
            version=p.version,
            today=today,
        )
    fed_back = replied + timedelta(days=rng.randint(7, 20))
    if not _at(fed_back, today):
        return False
    satisfaction = "unsatisfied" if rehandle else rng.choices(["satisfied", "basically"], weights=[60, 35])[0]
    services.record_feedback(
        office,
        p,
        {"satisfaction": satisfaction, "feedback_on": fed_back, "note": "希望进一步加快落实。" if rehandle else ""},
        version=p.version,
        today=today,
    )
    if not rehandle:
        return False
    again = fed_back + timedelta(days=3)
    second = fed_back + timedelta(days=20)
    if _at(again, today):
        services.record_contact(
            actor,
            p,
            {"form": "meeting", "contacted_on": again, "note": "上门当面沟通。"},
            version=p.version,
            today=today,
        )
        if _at(second, today):
            services.reply(
                actor,
                p,
                {"result_class": "B", "reply_date": second, "summary": "再次答复。"},
                version=p.version,
                today=today,
            )
            if _at(second + timedelta(days=10), today):
                services.record_feedback(
                    office,
                    p,
                    {"satisfaction": "basically", "feedback_on": second + timedelta(days=10)},
                    version=p.version,
                    today=today,
                )
    return True
