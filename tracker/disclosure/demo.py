"""Demo: drive the demo requests through the real workflow services, as staff would have done on each date.

Every step calls the service with ``today`` set to the day it happens, so each is checked like a real
action (dates, states, limits). A step that would fall after today is not taken: recent requests stay
open at whatever point they reached, older ones end with a realistic spread of outcomes, with some
clarifications, consultations, fees, extensions, a withdrawal, a late answer and a few reviews.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..rules import outcomes
from ..rules.clock import today_cn
from ..workcal.service import current_calendar
from . import services as s
from .models import DisclosureRequest
from .reviews import record_review, update_review

# (outcome, weight); withdrawal and the two lapses are produced by their own paths below.
OUTCOME_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("disclosed", 50),
    ("partially_disclosed", 10),
    ("withheld.third_party", 3),
    ("withheld.process_info", 3),
    ("withheld.internal_affairs", 2),
    ("withheld.state_secret", 1),
    ("withheld.query_matter", 1),
    ("unavailable.not_held", 12),
    ("unavailable.needs_creation", 3),
    ("not_processed.petition", 3),
    ("not_processed.repeat", 2),
    ("not_processed.publication", 1),
)
GROUNDS = {
    "partially_disclosed": "申请公开的文件中涉及个人信息的部分，公开会对第三方合法权益造成损害，已作区分处理。",
    "withheld.third_party": "该信息涉及第三方商业秘密，经征求意见第三方不同意公开，公开会对其合法权益造成损害。",
    "withheld.process_info": "该信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿，依法可以不予公开。",
    "withheld.internal_affairs": "该信息属于本机关内部管理信息，依法可以不予公开。",
    "withheld.state_secret": "该信息已依法确定为国家秘密。",
    "withheld.query_matter": "该信息属于依照法律、行政法规规定办理查询的事项，请按相关规定查询。",
    "unavailable.not_held": "经检索本机关档案和业务系统，未找到申请的信息。",
    "unavailable.needs_creation": "申请的信息需要对现有信息进行加工、分析，本机关没有现成信息。",
    "unavailable.unclear_after_correction": "补正后的申请仍未写明所需信息的名称、文号或其他特征性描述。",
    "not_processed.petition": "申请的内容属于信访、投诉事项，应通过相应渠道办理。",
    "not_processed.repeat": "申请人就同一信息重复申请，本机关已于此前作出答复。",
    "not_processed.publication": "申请的信息为公开出版物，请通过公开渠道获取。",
}
DETAILS = {  # the fields the letters of these outcomes state (rules.outcomes.OUTCOME_DETAILS)
    "proper_channel": "区信访局（示例区人民路8号）或12345政务服务便民热线",
    "procedure": "《不动产登记暂行条例》第二十七条的规定，向区不动产登记中心申请查询",
}
RECENT_DAYS = 60  # requests received in the last 60 days stay open, each stopped at some point
OPEN_STOPS = ("registered", "assigned", "consulting", "in_review", None)


def _workdays_before(cal, d: date, n: int) -> date:
    """The n-th working day before d (the rules only count forwards)."""
    while n > 0:
        d -= timedelta(days=1)
        n -= cal.is_workday(d)
    return d


class _Stop(Exception):
    """The next step would happen after today."""


class _Case:
    def __init__(self, req: DisclosureRequest, cal, today: date):
        self.req, self.cal, self.today = req, cal, today
        self.day = req.received_on

    def next_day(self, workdays: int = 1) -> date:
        day = self.cal.add_workdays(self.day, workdays)
        if day > self.today:
            raise _Stop
        self.day = day
        return day

    def do(self, fn, user, **kw):
        return fn(user, self.req, version=self.req.version, today=self.day, **kw)


def _requests_of(agency_id: int) -> list:
    """The agency's demo requests in the order they were received."""
    q = (
        select(DisclosureRequest)
        .where(DisclosureRequest.agency_id == agency_id)
        .order_by(DisclosureRequest.received_on, DisclosureRequest.id)
    )
    return list(db.session.scalars(q))


def advance_demo_cases(rng: random.Random, agency, users: dict, sections: dict, *, today: date | None = None) -> None:
    office, leader, head = users["demo_office"], users["demo_leader"], users["demo_head"]
    staff, staff2 = users["demo_staff"], users["demo_staff2"]
    today = today or today_cn()
    cal = current_calendar()
    reqs = _requests_of(agency.id)
    # Who handles: 投资科 has a head and staff, 价格科 only staff (the office names the handler), the
    # other sections have no users here, so the office answers their cases itself.
    routes = [("投资科", head, staff), ("价格科", office, staff2), ("规划科", None, None), ("能源科", None, None)]
    specials = {
        "clarification": 3,
        "lapsed_clarification": 1,
        "consultation": 3,
        "fee": 2,
        "lapsed_fee": 1,
        "withdrawal": 2,
        "extension": 5,
        "late": 1,
        "review": 3,
    }
    for i, req in enumerate(reqs):
        case = _Case(req, cal, today)
        section, assigner, handler = rng.choices(routes, weights=[6, 3, 1, 1])[0]
        recent = (today - req.received_on).days <= RECENT_DAYS
        special = None if recent or i % 4 != 1 else _take_special(rng, specials)
        stop = rng.choice(OPEN_STOPS) if recent else None
        if stop in ("consulting", "in_review") and handler is None:
            section, assigner, handler = routes[0]
        try:
            _drive(case, rng, office, leader, assigner, handler, sections[section], special, stop)
        except _Stop:
            continue


def _take_special(rng: random.Random, specials: dict[str, int]) -> str | None:
    """One of the special endings still owed (its count taken down), or None once all are used."""
    wanted = [k for k, n in specials.items() if n > 0]
    if not wanted:
        return None
    special = rng.choice(wanted)
    specials[special] -= 1
    return special


UNIT_OPEN_STOPS = ("registered", "assigned", None)  # a sub-unit's office handles alone: no draft to review


def advance_unit_cases(rng: random.Random, unit, office, sections: list, *, today: date | None = None) -> None:
    """A demo sub-unit's requests, driven like the demo agency's but by its one office user, who assigns
    each to a section and answers it itself (as the demo agency's office does for sections with no user);
    a few end in a withdrawal, a clarification, a late answer or a review."""
    today = today or today_cn()
    cal = current_calendar()
    reqs = _requests_of(unit.id)
    specials = {"clarification": 1, "withdrawal": 1, "late": 1, "review": 2}
    for i, req in enumerate(reqs):
        case = _Case(req, cal, today)
        recent = (today - req.received_on).days <= RECENT_DAYS
        special = None if recent or i % 3 != 1 else _take_special(rng, specials)
        stop = rng.choice(UNIT_OPEN_STOPS) if recent else None
        try:
            _drive(case, rng, office, None, None, None, rng.choice(sections), special, stop)
        except _Stop:
            continue


def _drive(c: _Case, rng, office, leader, assigner, handler, section, special, stop) -> None:
    if stop == "registered":
        raise _Stop
    c.next_day(1)
    if special == "withdrawal" and rng.random() < 0.5:
        c.next_day(2)
        c.do(s.withdraw, office, withdrawn_on=c.day, reason="申请人来电表示已通过其他途径获得信息，书面撤回申请。")
        return
    c.do(
        s.assign_section, office, section_id=section.id, instruction="请按规定时限办理。" if rng.random() < 0.3 else ""
    )
    if handler is not None:
        c.do(s.assign_handler, assigner, handler_id=handler.id)
    actor = handler or office  # who drafts
    if stop == "assigned":
        raise _Stop
    if stop == "consulting":
        c.next_day(rng.randint(1, 3))
        c.do(
            s.consult,
            actor,
            kind="consult_agency",
            party="区自然资源局",
            sent_on=c.day,
            served_on=c.day,  # handed over the same day: its 15 working days run from today
            matter="申请公开的规划图是否由贵局制作，是否同意公开？",
        )
        raise _Stop
    if special in ("clarification", "lapsed_clarification"):
        c.next_day(rng.randint(2, 5))
        c.do(s.clarify, actor, notice_on=c.day, items="请写明所需信息的名称、文号或者便于查询的其他特征性描述。")
        window = c.req.clock_actions[-1].window_end
        if special == "lapsed_clarification":
            c.day = window
            c.next_day(2)
            c.do(s.clarification_lapsed, office, answer_date=c.day, delivery_method="post", delivered_on=c.day)
            return
        c.next_day(rng.randint(3, 8))
        c.do(s.clarification_received, actor, received_on=c.day)
    if special == "consultation":
        c.next_day(rng.randint(2, 5))
        c.do(
            s.consult,
            actor,
            kind="consult_third_party",
            party="某某建设有限公司",
            sent_on=c.day,
            served_on=c.day,
            matter="申请公开的材料中含有贵公司的投标报价，是否同意公开？",
        )
        act = c.req.clock_actions[-1]
        c.next_day(rng.randint(4, 10))
        c.do(
            s.consultation_closed,
            actor,
            clock_action_id=act.id,
            end_reason="answered",
            ended_on=c.day,
            position="objected",
            opinion="不同意公开投标报价部分。",
        )
    if special in ("fee", "lapsed_fee"):
        c.next_day(rng.randint(3, 6))
        pages = rng.randint(60, 160)
        calc = s.fee_quote(office, c.req, method="per_page", pages=pages)
        c.do(s.fee_notice, office, method="per_page", pages=pages, confirm_amount=calc.amount, notice_on=c.day)
        window = c.req.clock_actions[-1].window_end
        if special == "lapsed_fee":
            c.day = window
            c.next_day(1)
            c.do(s.fee_lapsed, office, answer_date=c.day, delivery_method="post", delivered_on=c.day)
            return
        c.next_day(rng.randint(3, 12))
        c.do(s.fee_paid, office, paid_on=c.day, amount=calc.amount)
    if special == "extension":
        c.day = max(c.day, _workdays_before(c.cal, c.req.due_date, 3) if c.req.due_date else c.day)
        c.next_day(1)
        days = rng.choice([10, 15, 20])
        c.do(
            s.request_extension,
            actor,
            workdays=days,
            reason="申请涉及多个年度的档案，需要调取和审核。",
            requested_on=c.day,
        )
        c.do(
            s.decide_extension,
            leader,
            clock_action_id=s.pending_extensions(c.req)[0].id,
            approve=True,
            decided_on=c.day,
            note="同意延期。",
        )
    if special == "withdrawal":
        c.next_day(3)
        c.do(s.withdraw, office, withdrawn_on=c.day, reason="申请人书面撤回申请。")
        return
    code = rng.choices([o for o, _ in OUTCOME_WEIGHTS], weights=[w for _, w in OUTCOME_WEIGHTS])[0]
    if special == "clarification" and rng.random() < 0.5:
        code = "unavailable.unclear_after_correction"
    if special == "consultation":
        code = rng.choice(["partially_disclosed", "withheld.third_party"])
    if special == "review":
        code = rng.choice(["withheld.process_info", "unavailable.not_held", "partially_disclosed"])
    repeat_of = None
    if code == outcomes.REPEAT:
        from .repeats import repeat_candidates

        earlier = repeat_candidates(c.req)
        if earlier:
            repeat_of = earlier[0].request.id
        else:  # no earlier answer of this applicant to point to
            code = "not_processed.publication"
    o = outcomes.outcome(code)
    kind = rng.choice(o.letter_kinds)
    content = {
        "outcome": code,
        "letter_kind": kind,
        "legal_ground": GROUNDS.get(code),
        "responsible_agency": "区自然资源局" if kind == "not_ours" else None,
        "answer_summary": "已通过电子邮件提供相关文件。" if code == "disclosed" else None,
        "repeat_of_id": repeat_of,
        **{f.id: DETAILS[f.id] for f in outcomes.detail_fields(code)},
    }
    # Answer some working days before the deadline (one case late), never before the last action.
    due = c.req.due_date
    target = c.cal.add_workdays(due, 2) if special == "late" else _workdays_before(c.cal, due, rng.randint(1, 8))
    c.day = max(c.day, target) if stop is None else c.day
    if c.day > c.today:
        raise _Stop
    if handler is not None:
        c.do(s.submit_draft, handler, **content)
        if stop == "in_review":
            raise _Stop
        c.next_day(1)
        c.do(s.approve_draft, rng.choice([leader, office]), note="同意。")
    if c.day > c.today:
        raise _Stop
    c.do(
        s.conclude,
        office,
        **content,
        answer_date=c.day,
        delivery_method=rng.choice(["email", "post", "online"]),
        delivered_on=c.day,
    )
    if special == "review" and o.states_remedies:
        c.day = c.day + timedelta(days=rng.randint(20, 50))
        if c.day > c.today:
            return
        c.do(record_review, office, kind="reconsideration", filed_on=c.day, body="区人民政府")
        end = c.day + timedelta(days=rng.randint(40, 60))
        if end <= c.today and rng.random() < 0.7:
            review = c.req.reviews[-1]
            c.day = end
            c.do(
                update_review,
                office,
                review_id=review.id,
                kind="reconsideration",
                filed_on=review.filed_on,
                concluded_on=end,
                result=rng.choice(["upheld", "upheld", "corrected"]),
                body="区人民政府",
            )
