"""The year-end report derived from a three-year case history, every cell checked against hand counts.

The history (written out below, row by row) spans 2022–2024: requests carried in and out across both
year ends, every one of the 21 outcome codes, all six applicant types, reviews pending across years,
documents issued and abolished, decision and fee registers, proposals, fees and topic tags; and rows of
another agency that must never be counted. The expected figures were counted by hand from these rows,
not computed by the code under test.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from tracker.accounts.models import Agency
from tracker.disclosure.models import DisclosureRequest, RequestTag, Review
from tracker.extensions import db
from tracker.proposals.models import Proposal
from tracker.reports.derive import derive, derive_full
from tracker.reports.models import RegisterEntry

NP, CE, RI, PI, LS, OO = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_interest_org",
    "legal_service_org",
    "other_org",
)
TYPES = (NP, CE, RI, PI, LS, OO)
COLUMNS = (*TYPES, "total")
D = date

_numbers = itertools.count(1)


# ------------------------------------------------------------------------------------------- factories


def add_request(agency, received, concluded=None, outcome=None, atype=NP, *, status=None, tags=(), **extra):
    """A request row written directly (the report reads only stored columns)."""
    n = next(_numbers)
    req = DisclosureRequest(
        agency_id=agency.id,
        year=received.year,
        seq=n,
        number=f"测试〔{received.year}〕{n:04d}号",
        applicant_type=atype,
        applicant_name=f"申请人{n}",
        channel="online",
        received_on=received,
        subject=f"申请{n}",
        content="内容",
        status=status or ("concluded" if concluded else "in_progress"),
        outcome=outcome,
        concluded_on=concluded,
        **extra,
    )
    req.tags = [RequestTag(tag=t) for t in tags]
    db.session.add(req)
    db.session.flush()
    return req


def add_review(agency, req, kind, filed, concluded=None, result=None):
    db.session.add(
        Review(agency_id=agency.id, request_id=req.id, kind=kind, filed_on=filed, concluded_on=concluded, result=result)
    )


def add_entry(agency, kind, category, entry_date, *, title="条目", abolished_on=None, quantity=1, amount=None):
    db.session.add(
        RegisterEntry(
            agency_id=agency.id,
            kind=kind,
            category=category,
            entry_date=entry_date,
            title=title,
            abolished_on=abolished_on,
            quantity=quantity,
            amount_yuan=Decimal(amount) if amount is not None else None,
            doc_number="文号" if kind == "document" else None,
        )
    )


def add_proposal(agency, kind, assigned_on):
    n = next(_numbers)
    db.session.add(
        Proposal(
            agency_id=agency.id,
            kind=kind,
            session="十九届三次",
            number=str(n),
            title=f"建议{n}",
            lead_author="代表",
            assigned_on=assigned_on,
        )
    )


def table3(**cells) -> dict:
    """A full table 三 with every cell zero except those given as row=(np, ce, ri, pi, ls, oo)."""
    from tracker.rules.report_layout import TABLE3_ROW_IDS  # only for the list of row ids

    out = {}
    for row in TABLE3_ROW_IDS:
        values = cells.get(row.replace(".", "__"), (0, 0, 0, 0, 0, 0))
        out[row] = dict(zip(COLUMNS, (*values, sum(values)), strict=True))
    return out


def block(upheld=0, corrected=0, other=0, pending=0, total=0):
    return {"upheld": upheld, "corrected": corrected, "other": other, "pending": pending, "total": total}


# ------------------------------------------------------------------------------------------- the history

# The 23 requests received and concluded in 2023, one per outcome code (two extra for 予以公开):
# (outcome, applicant type, received, concluded, tags)
CLOSED_2023 = [
    ("disclosed", NP, D(2023, 1, 5), D(2023, 1, 20), ("项目立项",)),
    ("disclosed", NP, D(2023, 2, 1), D(2023, 2, 15), ("项目立项",)),
    ("disclosed", CE, D(2023, 3, 1), D(2023, 3, 10), ("项目立项",)),
    ("partially_disclosed", RI, D(2023, 3, 2), D(2023, 3, 25), ("规划",)),
    ("withheld.state_secret", PI, D(2023, 3, 3), D(2023, 3, 30), ("规划",)),
    ("withheld.law_prohibited", LS, D(2023, 4, 3), D(2023, 4, 20), ("价格",)),
    ("withheld.three_safety_one_stability", OO, D(2023, 4, 4), D(2023, 4, 28), ("价格",)),
    ("withheld.third_party", NP, D(2023, 5, 4), D(2023, 5, 30), ("项目立项",)),
    ("withheld.internal_affairs", CE, D(2023, 5, 5), D(2023, 6, 1), ("收费",)),
    ("withheld.process_info", RI, D(2023, 6, 5), D(2023, 6, 30), ()),
    ("withheld.enforcement_file", PI, D(2023, 6, 6), D(2023, 7, 3), ()),
    ("withheld.query_matter", LS, D(2023, 7, 6), D(2023, 7, 31), ()),
    ("unavailable.not_held", OO, D(2023, 7, 7), D(2023, 8, 1), ()),
    ("unavailable.needs_creation", NP, D(2023, 8, 7), D(2023, 8, 30), ("规划",)),
    ("unavailable.unclear_after_correction", CE, D(2023, 8, 8), D(2023, 9, 28), ()),
    ("not_processed.petition", RI, D(2023, 9, 8), D(2023, 9, 20), ()),
    ("not_processed.repeat", PI, D(2023, 9, 9), D(2023, 9, 21), ()),
    ("not_processed.publication", LS, D(2023, 10, 9), D(2023, 10, 30), ()),
    ("not_processed.excessive", OO, D(2023, 10, 10), D(2023, 11, 30), ()),
    ("not_processed.confirm_or_reissue", NP, D(2023, 11, 10), D(2023, 11, 30), ()),
    ("other.no_correction", CE, D(2023, 11, 11), D(2023, 12, 20), ()),
    ("other.unpaid_fee", RI, D(2023, 12, 1), D(2023, 12, 29), ()),
    ("other.other", PI, D(2023, 12, 2), D(2023, 12, 31), ()),
]


def build_history(agency, other_agency=None):
    # 2021 → 2022: carried into 2022, withdrawn early in 2022
    add_request(agency, D(2021, 12, 30), D(2022, 1, 4), "other.other", OO)
    # 2022
    add_request(agency, D(2022, 3, 1), D(2022, 3, 20), "disclosed", NP, tags=("收费",))  # A1
    add_request(agency, D(2022, 12, 20), D(2023, 1, 10), "partially_disclosed", NP, tags=("收费",))  # A2
    add_request(agency, D(2022, 12, 28), D(2023, 2, 1), "withheld.state_secret", CE, tags=("收费",))  # A3
    a4 = add_request(agency, D(2022, 11, 30), D(2024, 1, 15), "withheld.third_party", RI)  # open through 2023
    add_request(agency, D(2022, 12, 31), D(2022, 12, 31), "unavailable.not_held", PI)  # A5: Dec 31 both
    add_request(agency, D(2022, 6, 1), D(2023, 1, 1), "not_processed.repeat", LS)  # A6: closed Jan 1
    # 2023
    closed = [add_request(agency, r, c, o, t, tags=tags) for o, t, r, c, tags in CLOSED_2023]
    closed[21].fee_amount = 300  # other.unpaid_fee: a fee was asked for and never paid: not counted
    add_request(
        agency,
        D(2023, 4, 1),
        D(2023, 5, 20),
        "disclosed",
        NP,
        fee_method="by_item",
        fee_amount=120,
        fee_paid_on=D(2023, 5, 10),
    )  # F1
    add_request(
        agency,
        D(2023, 12, 15),
        D(2024, 1, 20),
        "disclosed",
        LS,
        fee_method="by_item",
        fee_amount=60,
        fee_paid_on=D(2024, 1, 5),
    )  # F2
    b_open = add_request(agency, D(2023, 12, 31), None, None, OO, status="registered")  # still open
    add_request(agency, D(2023, 7, 1), D(2024, 3, 1), "other.no_correction", NP)  # B2 (paused long)
    add_request(agency, D(2023, 12, 30), D(2024, 1, 2), "other.other", CE)  # B3 withdrawn
    # 2024
    add_request(agency, D(2024, 2, 1), D(2024, 2, 20), "disclosed", NP)  # C1
    add_request(agency, D(2024, 12, 31), None, None, RI, status="paused")  # C2

    # reviews (复议/诉讼)
    add_review(agency, closed[0], "reconsideration", D(2022, 5, 1), D(2022, 8, 1), "upheld")  # R1
    add_review(agency, closed[1], "reconsideration", D(2022, 11, 1), D(2023, 2, 1), "corrected")  # R2
    add_review(agency, closed[2], "litigation_direct", D(2023, 3, 1), D(2023, 9, 1), "upheld")  # R3
    add_review(agency, closed[3], "litigation_direct", D(2023, 10, 1), D(2024, 4, 1), "other")  # R4
    add_review(agency, closed[4], "litigation_after_reconsideration", D(2023, 6, 1))  # R5
    add_review(agency, closed[5], "reconsideration", D(2023, 1, 1), D(2023, 12, 31), "other")  # R6
    add_review(agency, a4, "reconsideration", D(2024, 1, 1))  # R7

    # documents (规章 / 行政规范性文件)
    add_entry(agency, "document", "rules", D(2021, 5, 1))  # D1 in force
    add_entry(agency, "document", "rules", D(2023, 3, 1), abolished_on=D(2024, 6, 1))  # D2
    add_entry(agency, "document", "normative_documents", D(2022, 1, 10), abolished_on=D(2023, 7, 1))  # D3
    add_entry(agency, "document", "normative_documents", D(2023, 2, 2))  # D4
    add_entry(agency, "document", "normative_documents", D(2023, 12, 31), abolished_on=D(2023, 12, 31))  # D5
    add_entry(agency, "document", "normative_documents", D(2024, 1, 1))  # D6
    # decisions and fees
    add_entry(agency, "decision", "administrative_licensing", D(2023, 1, 31), quantity=10)
    add_entry(agency, "decision", "administrative_licensing", D(2023, 6, 30), quantity=6)
    add_entry(agency, "decision", "administrative_licensing", D(2024, 1, 31), quantity=5)
    add_entry(agency, "decision", "administrative_penalty", D(2023, 5, 5), quantity=3)
    add_entry(agency, "decision", "administrative_coercion", D(2022, 12, 31), quantity=2)
    add_entry(agency, "fee", "administrative_fees", D(2023, 3, 31), amount="12345.67")
    add_entry(agency, "fee", "administrative_fees", D(2023, 12, 31), amount="4654.33")
    add_entry(agency, "fee", "administrative_fees", D(2024, 2, 1), amount="50")
    # proactive disclosure register
    for category, n in (("机构职能", 3), ("领导信息", 1), ("财政信息", 2), ("专题：优化营商环境", 1)):
        for i in range(n):
            add_entry(agency, "proactive", category, D(2023, 1 + i, 10))
    add_entry(agency, "proactive", "机构职能", D(2022, 12, 31))
    # proposals (by 交办日期)
    for i in range(3):
        add_proposal(agency, "npc", D(2023, 3, 1 + i))
    for i in range(4):
        add_proposal(agency, "cppcc", D(2023, 4, 1 + i))
    add_proposal(agency, "npc", D(2022, 12, 31))
    add_proposal(agency, "cppcc", D(2024, 1, 1))

    if other_agency is not None:  # never counted in the first agency's report
        add_request(other_agency, D(2023, 6, 1), D(2023, 6, 20), "disclosed", NP, tags=("项目立项",))
        add_request(other_agency, D(2022, 6, 1), None, None, CE)
        r = add_request(other_agency, D(2023, 2, 1), D(2023, 3, 1), "withheld.state_secret", RI)
        add_review(other_agency, r, "reconsideration", D(2023, 4, 1))
        add_entry(other_agency, "decision", "administrative_licensing", D(2023, 5, 1), quantity=99)
        add_entry(other_agency, "proactive", "机构职能", D(2023, 5, 1))
        add_proposal(other_agency, "npc", D(2023, 5, 1))
    db.session.commit()
    return b_open


@pytest.fixture()
def history(agency):
    other = Agency(name="另一区发展和改革局", settings={})
    db.session.add(other)
    db.session.commit()
    build_history(agency, other)
    return agency


TODAY = D(2025, 3, 1)

# ------------------------------------------------------------------------------------------- expected, by hand

EXPECTED_T3 = {
    2022: table3(
        new=(2, 1, 1, 1, 1, 0),  # A1 A2 | A3 | A4 | A5 | A6
        carried_in=(0, 0, 0, 0, 0, 1),  # the 2021 request
        disclosed=(1, 0, 0, 0, 0, 0),  # A1
        unavailable__not_held=(0, 0, 0, 1, 0, 0),  # A5 (concluded Dec 31: not carried)
        other__other=(0, 0, 0, 0, 0, 1),  # the 2021 request, withdrawn
        total=(1, 0, 0, 1, 0, 1),
        carried_out=(1, 1, 1, 0, 1, 0),  # A2 A3 A4 A6
    ),
    2023: table3(
        new=(7, 5, 4, 4, 4, 4),
        carried_in=(1, 1, 1, 0, 1, 0),  # A2 A3 A4 A6
        disclosed=(3, 1, 0, 0, 0, 0),  # two of the list + F1 | one of the list
        partially_disclosed=(1, 0, 1, 0, 0, 0),  # A2 | list
        withheld__state_secret=(0, 1, 0, 1, 0, 0),  # A3 | list
        withheld__law_prohibited=(0, 0, 0, 0, 1, 0),
        withheld__three_safety_one_stability=(0, 0, 0, 0, 0, 1),
        withheld__third_party=(1, 0, 0, 0, 0, 0),
        withheld__internal_affairs=(0, 1, 0, 0, 0, 0),
        withheld__process_info=(0, 0, 1, 0, 0, 0),
        withheld__enforcement_file=(0, 0, 0, 1, 0, 0),
        withheld__query_matter=(0, 0, 0, 0, 1, 0),
        unavailable__not_held=(0, 0, 0, 0, 0, 1),
        unavailable__needs_creation=(1, 0, 0, 0, 0, 0),
        unavailable__unclear_after_correction=(0, 1, 0, 0, 0, 0),
        not_processed__petition=(0, 0, 1, 0, 0, 0),
        not_processed__repeat=(0, 0, 0, 1, 1, 0),  # list | A6 (concluded Jan 1)
        not_processed__publication=(0, 0, 0, 0, 1, 0),
        not_processed__excessive=(0, 0, 0, 0, 0, 1),
        not_processed__confirm_or_reissue=(1, 0, 0, 0, 0, 0),
        other__no_correction=(0, 1, 0, 0, 0, 0),
        other__unpaid_fee=(0, 0, 1, 0, 0, 0),
        other__other=(0, 0, 0, 1, 0, 0),
        total=(7, 5, 4, 4, 4, 3),
        carried_out=(1, 1, 1, 0, 1, 1),  # B2 | B3 | A4 | F2 | open since Dec 31
    ),
    2024: table3(
        new=(1, 0, 1, 0, 0, 0),  # C1 | C2
        carried_in=(1, 1, 1, 0, 1, 1),
        disclosed=(1, 0, 0, 0, 1, 0),  # C1 | F2
        withheld__third_party=(0, 0, 1, 0, 0, 0),  # A4, after more than a year
        other__no_correction=(1, 0, 0, 0, 0, 0),  # B2
        other__other=(0, 1, 0, 0, 0, 0),  # B3
        total=(2, 1, 1, 0, 1, 0),
        carried_out=(0, 0, 1, 0, 0, 1),  # C2 | still open
    ),
}

EXPECTED_T4 = {
    2022: {
        "reconsideration": block(upheld=1, pending=1, total=2),  # R1, R2
        "litigation_direct": block(),
        "litigation_after_reconsideration": block(),
    },
    2023: {
        "reconsideration": block(corrected=1, other=1, total=2),  # R2, R6
        "litigation_direct": block(upheld=1, pending=1, total=2),  # R3, R4
        "litigation_after_reconsideration": block(pending=1, total=1),
    },  # R5
    2024: {
        "reconsideration": block(pending=1, total=1),  # R7
        "litigation_direct": block(other=1, total=1),  # R4
        "litigation_after_reconsideration": block(pending=1, total=1),
    },  # R5
}

EXPECTED_T2 = {
    2022: {
        "rules": {"issued": 0, "abolished": 0, "in_force": 1},
        "normative_documents": {"issued": 1, "abolished": 0, "in_force": 1},
        "administrative_licensing": {"decisions": 0},
        "administrative_penalty": {"decisions": 0},
        "administrative_coercion": {"decisions": 2},
        "administrative_fees": {"amount_wan_yuan": 0},
    },
    2023: {
        "rules": {"issued": 1, "abolished": 0, "in_force": 2},  # D2 | D1 D2
        "normative_documents": {"issued": 2, "abolished": 2, "in_force": 1},  # D4 D5 | D3 D5 | D4
        "administrative_licensing": {"decisions": 16},
        "administrative_penalty": {"decisions": 3},
        "administrative_coercion": {"decisions": 0},
        "administrative_fees": {"amount_wan_yuan": 1.7},
    },  # 17,000.00 yuan
    2024: {
        "rules": {"issued": 0, "abolished": 1, "in_force": 1},  # D2 abolished | D1
        "normative_documents": {"issued": 1, "abolished": 0, "in_force": 2},  # D6 | D4 D6
        "administrative_licensing": {"decisions": 5},
        "administrative_penalty": {"decisions": 0},
        "administrative_coercion": {"decisions": 0},
        "administrative_fees": {"amount_wan_yuan": 0.005},
    },  # 50 yuan
}


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_every_cell_of_tables_two_three_four(history, year):
    report = derive(history.id, year, today=TODAY)
    assert report["table3"] == EXPECTED_T3[year]
    assert report["table4"] == EXPECTED_T4[year]
    assert report["table2"] == EXPECTED_T2[year]
    assert report["year"] == year and report["agency"] == {"name": "测试区发展和改革局", "contact": {}}


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_every_check_passes_on_sound_history(history, year):
    checks = derive(history.id, year, today=TODAY)["checks"]
    assert [c["id"] for c in checks] == [
        "table3_column_balance",
        "table3_row_totals",
        "table3_total_row",
        "table4_totals",
        "carried_in_vs_previous",
        "data_quality",
    ]
    assert all(c["ok"] for c in checks), checks


def test_summary_and_other_matters_2023(history):
    report = derive(history.id, 2023, today=TODAY)
    assert report["summary"] == {
        "proactive_items": 7,
        # suggested categories in their listed order, then the agency's own
        "proactive_by_category": {"机构职能": 3, "领导信息": 1, "财政信息": 2, "专题：优化营商环境": 1},
        "requests_received": 28,
        "requests_received_previous_year": 6,
        "previous_year_basis": "records",
        "main_topics": [
            {"topic": "项目立项", "requests": 4},
            {"topic": "规划", "requests": 3},
            {"topic": "价格", "requests": 2},
        ],
    }
    assert report["other_matters"] == {
        "processing_fees": {"cases": 1, "amount_yuan": 120},
        "npc_suggestions": 3,
        "cppcc_proposals": 4,
    }


def test_summary_and_other_matters_2024(history):
    report = derive(history.id, 2024, today=TODAY)
    assert report["summary"]["proactive_items"] == 0 and report["summary"]["proactive_by_category"] == {}
    assert report["summary"]["requests_received"] == 2
    assert report["summary"]["requests_received_previous_year"] == 28
    assert report["summary"]["main_topics"] == []
    assert report["other_matters"] == {
        "processing_fees": {"cases": 1, "amount_yuan": 60},
        "npc_suggestions": 0,
        "cppcc_proposals": 1,
    }


def test_carried_out_of_one_year_is_carried_in_of_the_next(history):
    for year in (2022, 2023):
        assert (
            derive(history.id, year, today=TODAY)["table3"]["carried_out"]
            == derive(history.id, year + 1, today=TODAY)["table3"]["carried_in"]
        )


def test_split_request_counts_as_several(agency):
    parent = add_request(agency, D(2023, 3, 1), D(2023, 3, 2), "other.other", CE)
    add_request(agency, D(2023, 3, 1), D(2023, 3, 20), "disclosed", CE, split_from_id=parent.id)
    add_request(agency, D(2023, 3, 1), D(2023, 3, 20), "withheld.third_party", CE, split_from_id=parent.id)
    db.session.commit()
    t3 = derive(agency.id, 2023, today=TODAY)["table3"]
    assert t3["new"]["commercial_enterprise"] == 3 and t3["total"]["total"] == 3


def test_a_fixed_number_of_queries_whatever_the_number_of_cases(agency):
    """The derivation issues the same statements for 3 cases as for 300: nothing per case."""
    from sqlalchemy import event

    def statements_for(n):
        for i in range(n):
            add_request(
                agency,
                D(2023, 1 + i % 12, 1 + i % 28),
                D(2023, 12, 31) if i % 3 else None,
                "disclosed" if i % 3 else None,
                TYPES[i % 6],
                tags=("项目立项",),
            )
        db.session.commit()
        seen = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            derive(agency.id, 2023, today=TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    small = statements_for(3)
    large = statements_for(297)
    assert len(small) == len(large) <= 12
    assert not any(
        "FROM disclosure_request" in s and "GROUP BY" not in s and "sum(" not in s.lower() and "count(" not in s.lower()
        for s in large
    )


def test_derive_full_counts_no_problem_on_sound_history(history):
    result = derive_full(history.id, 2023, today=TODAY)
    assert result.failing_problems() == []
    assert set(result.problem_counts.values()) == {0}
