"""The real 2023 report of a district bureau (example-annual-report-2023.txt) reproduced from records.

Its situation: ten requests from natural persons, all 予以公开, received and concluded in 2023 (six in
2022); 16 administrative-licensing decisions; three NPC suggestions and four CPPCC proposals; 99
proactive items. The printed tables are transcribed below cell by cell, in the order the report prints
them, and compared with the derived report read through the official layout in the same order.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.test_report_derive import add_entry, add_proposal, add_request
from tracker.extensions import db
from tracker.reports.derive import derive
from tracker.reports.narrative import drafts
from tracker.rules.report_layout import cell_value, layout

# As printed in the example, row by row (table 二: 规章, 行政规范性文件, 行政许可, 行政处罚, 行政强制, 收费).
PRINTED_TABLE2 = [0, 0, 0, 0, 0, 0, 16, 0, 0, 0]
PRINTED_TABLE3 = (
    [[10, 0, 0, 0, 0, 0, 10]]  # 一、本年新收
    + [[0] * 7]  # 二、上年结转
    + [[10, 0, 0, 0, 0, 0, 10]]  # （一）予以公开
    + [[0] * 7] * 20  # （二）部分公开 … （六）3.其他
    + [[10, 0, 0, 0, 0, 0, 10]]  # （七）总计
    + [[0] * 7]  # 四、结转下年度继续办理
)
PRINTED_TABLE4 = [0] * 15

# 99 items, over the categories the report names (the split is ours; the report gives only the total).
PROACTIVE_2023 = {
    "机构职能": 12,
    "领导信息": 8,
    "规划信息": 10,
    "会议公开": 6,
    "行政权力": 30,
    "建议提案": 7,
    "财政信息": 11,
    "重点领域信息": 15,
}
TODAY = date(2024, 1, 20)


@pytest.fixture()
def zhangdian(agency):
    agency.name = "张店区发展和改革局"
    for i in range(6):
        add_request(
            agency, date(2022, 3 + i, 10), date(2022, 3 + i, 28), "disclosed", "natural_person", tags=("项目立项",)
        )
    for i in range(10):
        add_request(
            agency, date(2023, 1 + i, 9), date(2023, 1 + i, 25), "disclosed", "natural_person", tags=("项目立项",)
        )
    for month, quantity in ((3, 5), (6, 4), (9, 4), (12, 3)):  # quarterly totals from the licensing system
        add_entry(agency, "decision", "administrative_licensing", date(2023, month, 28), quantity=quantity)
    day = 0
    for category, n in PROACTIVE_2023.items():
        for _ in range(n):
            add_entry(agency, "proactive", category, date(2023, 1 + day % 12, 1 + day % 28))
            day += 1
    for i in range(3):
        add_proposal(agency, "npc", date(2023, 3, 10 + i))
    for i in range(4):
        add_proposal(agency, "cppcc", date(2023, 3, 15 + i))
    db.session.commit()
    return agency


def _figures(report: dict, table: str) -> list:
    return [cell_value(report, cell.ref) for row in layout(table) for cell in row if not cell.is_header]


def test_tables_as_printed(zhangdian):
    report = derive(zhangdian.id, 2023, today=TODAY)
    assert _figures(report, "table2") == PRINTED_TABLE2
    assert _figures(report, "table3") == [n for row in PRINTED_TABLE3 for n in row]
    assert _figures(report, "table4") == PRINTED_TABLE4
    assert all(c["ok"] for c in report["checks"]), report["checks"]


def test_figures_of_the_prose(zhangdian):
    report = derive(zhangdian.id, 2023, today=TODAY)
    assert report["summary"]["proactive_items"] == 99
    assert report["summary"]["proactive_by_category"] == PROACTIVE_2023
    assert report["summary"]["requests_received"] == 10
    assert report["summary"]["requests_received_previous_year"] == 6
    assert report["other_matters"] == {
        "processing_fees": {"cases": 0, "amount_yuan": 0},
        "npc_suggestions": 3,
        "cppcc_proposals": 4,
    }


def test_generated_sentences(zhangdian):
    texts = drafts(derive(zhangdian.id, 2023, today=TODAY))
    assert texts["overview.on_request"].startswith(
        "2023年度共收到政府信息公开申请10件，比上年增加4件，主要涉及项目立项。"
    )
    assert "不存在因政府信息公开引发的行政复议、行政诉讼情况" in texts["overview.on_request"]
    assert texts["overview.proactive"].startswith("2023年度，张店区发展和改革局主动公开政府信息99条，其中机构职能12条")
    assert "作出行政许可决定16件" in texts["overview.proactive"]
    assert texts["other.fees"] == "2023年度，张店区发展和改革局在办理政府信息公开申请过程中，未收取信息处理费。"
    assert texts["other.proposals"] == "2023年度，张店区发展和改革局共办理人大代表建议3件，政协提案4件。"
    assert texts["problems"] == ""  # only staff can write 五


def test_fewer_requests_than_last_year_reads_as_a_decrease(zhangdian):
    texts = drafts(derive(zhangdian.id, 2024, today=date(2025, 1, 5)))
    assert texts["overview.on_request"].startswith("2024年度共收到政府信息公开申请0件，比上年减少10件。")
