"""The pure part of the reminder scan: stages, recipients and escalation, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.reminders.scan import (
    Case,
    Directory,
    Item,
    Opinions,
    Person,
    Policy,
    Window,
    answer_owed,
    clarification_owed,
    decide,
    item_owed,
    opinions_owed,
    window_owed,
)
from tracker.rules.workdays import WorkCalendar

CAL = WorkCalendar()
DUE = date(2026, 10, 9)  # Friday after the National Day week

OFFICE, LEADER, HEAD_A, STAFF_A, STAFF_A2, HEAD_B, STAFF_B, OTHER_OFFICE = 1, 2, 3, 4, 5, 6, 7, 8
SEC_A, SEC_B, SEC_EMPTY = 10, 20, 30


def directory(*, without: tuple[int, ...] = ()) -> Directory:
    people = [
        Person(OFFICE, 1, None, "office", "公开办"),
        Person(LEADER, 1, None, "leader", "领导"),
        Person(HEAD_A, 1, SEC_A, "section_head", "甲科长"),
        Person(STAFF_A, 1, SEC_A, "staff", "甲科员"),
        Person(STAFF_A2, 1, SEC_A, "staff", "甲科员二"),
        Person(HEAD_B, 1, SEC_B, "section_head", "乙科长"),
        Person(STAFF_B, 1, SEC_B, "staff", "乙科员"),
        Person(OTHER_OFFICE, 2, None, "office", "他机关"),
    ]
    return Directory([p for p in people if p.id not in without], {SEC_A: "规划科", SEC_B: "投资科"})


def case(**over) -> Case:
    d = {
        "id": 1,
        "agency_id": 1,
        "number": "依申〔2026〕第0001号",
        "subject": "某项目立项批复",
        "section_id": SEC_A,
        "handler_id": STAFF_A,
        "due_date": DUE,
        "clarification_due": None,
    }
    d.update(over)
    return Case(**d)


def who(owed) -> set[int]:
    return {o.recipient_id for o in owed}


@pytest.mark.parametrize(
    "today, kind, occurrence",
    [
        (date(2026, 9, 28), None, None),  # 4 working days left
        (date(2026, 9, 29), "due_soon", 0),  # Sep 30, Oct 8, Oct 9
        (date(2026, 10, 8), "due_soon", 0),
        (date(2026, 10, 9), "due_today", 0),
        (date(2026, 10, 10), "overdue", 1),  # make-up Saturday
        (date(2026, 10, 11), "overdue", 1),  # Sunday: still the 1st working day late (same key as Sat)
        (date(2026, 10, 12), "overdue", 2),
    ],
)
def test_answer_stages(today, kind, occurrence):
    owed = answer_owed(case(), today, CAL, Policy(), directory())
    assert [(o.kind, o.occurrence) for o in owed][:1] == ([(kind, occurrence)] if kind else [])


def test_escalation_levels_are_configurable():
    people = directory()
    assert who(answer_owed(case(), date(2026, 10, 10), CAL, Policy(), people)) == {STAFF_A, HEAD_A}
    assert who(answer_owed(case(), date(2026, 10, 12), CAL, Policy(), people)) == {STAFF_A, HEAD_A, OFFICE}
    strict = Policy(head_from=3, office_from=4)
    assert who(answer_owed(case(), date(2026, 10, 12), CAL, strict, people)) == {STAFF_A}
    assert who(answer_owed(case(), date(2026, 10, 14), CAL, strict, people)) == {STAFF_A, HEAD_A, OFFICE}
    # Another agency's office never hears of this agency's cases.
    assert OTHER_OFFICE not in who(answer_owed(case(), date(2026, 10, 20), CAL, Policy(), people))


def test_responsible_person_fallbacks():
    people = directory()
    today = date(2026, 9, 29)
    assert who(answer_owed(case(handler_id=None), today, CAL, Policy(), people)) == {HEAD_A}
    assert who(answer_owed(case(handler_id=STAFF_B), today, CAL, Policy(), people)) == {HEAD_A}  # moved away
    assert who(answer_owed(case(handler_id=OFFICE), today, CAL, Policy(), people)) == {OFFICE}
    assert who(answer_owed(case(section_id=None, handler_id=None), today, CAL, Policy(), people)) == {OFFICE}
    headless = directory(without=(HEAD_A,))
    assert who(answer_owed(case(handler_id=None), today, CAL, Policy(), headless)) == {STAFF_A, STAFF_A2}
    # A section with nobody in it: the office, so the case is never silent.
    assert who(answer_owed(case(section_id=SEC_EMPTY, handler_id=None), today, CAL, Policy(), people)) == {OFFICE}


def test_texts_name_the_case_deadline_and_people():
    people = directory()
    soon = answer_owed(case(), date(2026, 9, 29), CAL, Policy(), people)[0]
    assert soon.text.startswith("临期：依申〔2026〕第0001号（某项目立项批复）的答复期限为2026-10-09，还剩3个工作日")
    assert "承办科室：规划科；承办人：甲科员" in soon.text
    late = answer_owed(case(handler_id=None), date(2026, 10, 12), CAL, Policy(), people)[0]
    assert "已超期2个工作日" in late.text and "承办人：尚未指定" in late.text
    long = answer_owed(case(subject="长" * 80), date(2026, 9, 29), CAL, Policy(), people)[0]
    assert "长" * 29 + "…" in long.text and "长" * 31 not in long.text


def test_a_day_off_right_after_the_deadline_is_not_late_yet():
    # Due Friday Sep 18; Saturday Sep 19 is off: no working day has passed since the deadline.
    assert answer_owed(case(due_date=date(2026, 9, 18)), date(2026, 9, 19), CAL, Policy(), directory()) == []


def test_paused_case_owes_no_answer_reminder():
    assert answer_owed(case(due_date=None), date(2026, 10, 12), CAL, Policy(), directory()) == []


def test_clarification_notice_only_ahead_of_the_limit():
    c = case(clarification_due=date(2026, 10, 13), due_date=date(2026, 10, 26))
    people = directory()
    assert clarification_owed(c, date(2026, 10, 8), CAL, Policy(), people) == []
    assert who(clarification_owed(c, date(2026, 10, 9), CAL, Policy(), people)) == {STAFF_A}
    assert clarification_owed(c, date(2026, 10, 13), CAL, Policy(), people)[0].deadline == date(2026, 10, 13)
    assert clarification_owed(c, date(2026, 10, 14), CAL, Policy(), people) == []


@pytest.mark.parametrize(
    "kind, before, after",
    [
        ("fee", {OFFICE, STAFF_A}, {OFFICE, STAFF_A}),
        ("clarification", {STAFF_A}, {STAFF_A, OFFICE}),
        ("consult_third_party", {STAFF_A}, {STAFF_A}),
        ("consult_agency", {STAFF_A}, {STAFF_A}),
    ],
)
def test_window_stages_and_recipients(kind, before, after):
    people = directory()
    win = Window(7, kind, date(2026, 10, 12), "某公司", case(due_date=None))
    assert window_owed(win, date(2026, 9, 30), CAL, Policy(), people) == []
    b = window_owed(win, date(2026, 10, 8), CAL, Policy(), people)
    assert who(b) == before and {(o.occurrence, o.subject_type, o.subject_id, o.case_id) for o in b} == {
        (0, "clock_action", 7, 1)
    }
    a = window_owed(win, date(2026, 10, 13), CAL, Policy(), people)
    assert who(a) == after and {o.occurrence for o in a} == {1} and all("届满" in o.text for o in a)
    # Still passed a week later: the same key, so nothing new would be recorded.
    assert {o.key for o in window_owed(win, date(2026, 10, 20), CAL, Policy(), people)} == {o.key for o in a}


def test_extension_and_other_clock_actions_owe_nothing():
    win = Window(7, "extension", date(2026, 10, 12), None, case())
    assert window_owed(win, date(2026, 10, 13), CAL, Policy(), directory()) == []


def item(**over) -> Item:
    d = {
        "id": 5,
        "agency_id": 1,
        "kind": "cppcc",
        "number": "88",
        "title": "关于公交线路优化的提案",
        "lead_section_id": SEC_A,
        "handler_id": None,
        "due_date": date(2026, 9, 30),
    }
    d.update(over)
    return Item(**d)


def test_proposal_reply_and_opinion():
    people = directory()
    soon = item_owed(item(), date(2026, 9, 24), CAL, Policy(), people)
    assert who(soon) == {HEAD_A} and soon[0].text.startswith(
        "临期：政协提案88号《关于公交线路优化的提案》的办理期限为2026-09-30"
    )
    assert who(item_owed(item(handler_id=STAFF_A), date(2026, 10, 9), CAL, Policy(), people)) == {
        STAFF_A,
        HEAD_A,
        OFFICE,
    }
    op = Opinions(item(), date(2026, 7, 30), ((SEC_B, "assist"),))
    assert who(opinions_owed(op, date(2026, 7, 27), CAL, Policy(), people)) == {HEAD_B}
    late = opinions_owed(op, date(2026, 7, 31), CAL, Policy(), people)
    assert who(late) == {HEAD_B, HEAD_A} and "投资科（协办）" in late[0].text


def test_decide_deduplicates_one_person_one_reminder():
    people = directory()
    # The handler is also the section head: one overdue reminder, not two.
    owed = decide(date(2026, 10, 10), CAL, Policy(), people, cases=[case(handler_id=HEAD_A)])
    assert [(o.recipient_id, o.kind) for o in owed] == [(HEAD_A, "overdue")]


def test_decide_does_not_depend_on_the_order_the_database_returned_the_candidates():
    """The candidate queries have no ORDER BY: on PostgreSQL a heap that reused freed space returns two
    cases with the same deadline either way round, and the notifications were numbered accordingly."""
    people = directory()
    cases = [case(id=i, number=f"依申〔2026〕第{i:04d}号") for i in (3, 1, 2)]
    windows = [Window(i, "clarification", date(2026, 10, 9), None, case(id=c)) for i, c in ((9, 2), (8, 1))]
    items = [item(id=i, number=str(i)) for i in (6, 5)]
    opinions = [Opinions(item(id=i), date(2026, 10, 9), ((SEC_B, "assist"),)) for i in (6, 5)]

    def owed(order):
        return decide(
            date(2026, 10, 10),
            CAL,
            Policy(),
            people,
            cases=order(cases),
            windows=order(windows),
            items=order(items),
            opinions=order(opinions),
        )

    forward = owed(list)
    assert forward == owed(lambda xs: list(reversed(xs)))
    assert [o.subject_id for o in forward if o.subject_type == "request" and o.recipient_id == STAFF_A] == [1, 2, 3]


@pytest.mark.parametrize(
    "today, owed_stage",
    [
        (date(2026, 9, 28), None),  # four working days before the internal date of 2026-10-09
        (date(2026, 9, 29), 0),  # Sep 30, Oct 8, Oct 9 left: 临期
        (date(2026, 10, 9), 0),  # the day itself: the same reminder, not a second one
        (date(2026, 10, 10), 1),  # the make-up Saturday after it: passed, once
        (date(2026, 10, 12), 1),
    ],
)
def test_internal_deadline_is_reminded_once_ahead_and_once_after(today, owed_stage):
    from tracker.reminders.scan import internal_owed

    c = case(internal_due=DUE, due_date=date(2026, 10, 16))
    owed = internal_owed(c, today, CAL, Policy(), directory())
    if owed_stage is None:
        assert owed == []
        return
    assert {o.kind for o in owed} == {"internal_due"} and {o.occurrence for o in owed} == {owed_stage}
    # ahead: the handler; once passed, the section's head too; never the office
    assert who(owed) == ({STAFF_A} if owed_stage == 0 else {STAFF_A, HEAD_A})
    assert all("2026-10-09" in o.text for o in owed)
    # decide() takes them with the other kinds, once per key
    assert {o.key for o in decide(today, CAL, Policy(), directory(), internal=[c, c])} == {o.key for o in owed}
