import copy

import pytest

from tracker.rules import report_layout as rl
from tracker.rules.report_layout import (
    APPLICANT_TYPES,
    TABLE2_BLOCKS,
    TABLE3_COLUMNS,
    TABLE3_NOTE,
    TABLE3_ROWS,
    TABLE4_BLOCKS,
    TABLE4_COLUMNS,
    empty_report_dict,
    layout,
    run_checks,
)

# Copied from report-format.md, independently of the modules under test.
ROW_IDS = [
    "new",
    "carried_in",
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.law_prohibited",
    "withheld.three_safety_one_stability",
    "withheld.third_party",
    "withheld.internal_affairs",
    "withheld.process_info",
    "withheld.enforcement_file",
    "withheld.query_matter",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "unavailable.unclear_after_correction",
    "not_processed.petition",
    "not_processed.repeat",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirm_or_reissue",
    "other.no_correction",
    "other.unpaid_fee",
    "other.other",
    "total",
    "carried_out",
]
RESULT_ROWS = ROW_IDS[2:-2]
COLUMNS = [
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("public_interest_org", "社会公益组织"),
    ("legal_service_org", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
]
APPLICANTS = [c for c, _ in COLUMNS[:-1]]


def test_twenty_five_rows_in_official_order():
    assert len(ROW_IDS) == 25
    assert [r.id for r in TABLE3_ROWS] == ROW_IDS
    assert list(rl.TABLE3_ROW_IDS) == ROW_IDS
    assert list(rl.TABLE3_RESULT_ROW_IDS) == RESULT_ROWS


def test_row_labels_as_printed():
    labels = {r.id: r.label for r in TABLE3_ROWS}
    assert labels["new"] == "一、本年新收政府信息公开申请数量"
    assert labels["carried_in"] == "二、上年结转政府信息公开申请数量"
    assert labels["disclosed"] == "（一）予以公开"
    assert labels["partially_disclosed"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert labels["withheld.three_safety_one_stability"] == "3.危及“三安全一稳定”"
    assert labels["other.other"] == "3.其他"
    assert labels["total"] == "（七）总计"
    assert labels["carried_out"] == "四、结转下年度继续办理"
    assert rl.TABLE3_RESULTS_HEADING == "三、本年度办理结果"
    assert TABLE3_NOTE == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def test_result_rows_come_from_outcomes():
    from tracker.rules.outcomes import OUTCOMES

    by_id = {r.id: r for r in TABLE3_ROWS}
    for o in OUTCOMES:
        assert by_id[o.code].label == o.official_label
        assert by_id[o.code].group == o.group
        assert by_id[o.code].is_result


def test_columns_and_applicant_types():
    assert [(c.id, c.label) for c in TABLE3_COLUMNS] == COLUMNS
    assert [t.id for t in APPLICANT_TYPES] == APPLICANTS
    assert APPLICANT_TYPES[0].group_label is None
    assert {t.group_label for t in APPLICANT_TYPES[1:]} == {"法人或其他组织"}
    assert rl.applicant_type_label("natural_person") == "自然人"
    assert rl.applicant_type_label("other_org") == "法人或其他组织（其他）"
    assert rl.is_applicant_type("legal_service_org")
    assert not rl.is_applicant_type("total")
    with pytest.raises(KeyError, match="未知的申请人类型"):
        rl.applicant_type_label("total")


def test_table2_and_table4_definitions():
    assert [(b.label, [r.id for r in b.rows], [c.id for c in b.columns]) for b in TABLE2_BLOCKS] == [
        ("第二十条第（一）项", ["rules", "normative_documents"], ["issued", "abolished", "in_force"]),
        ("第二十条第（五）项", ["administrative_licensing"], ["decisions"]),
        ("第二十条第（六）项", ["administrative_penalty", "administrative_coercion"], ["decisions"]),
        ("第二十条第（八）项", ["administrative_fees"], ["amount_wan_yuan"]),
    ]
    assert all(b.row_header == "信息内容" for b in TABLE2_BLOCKS)
    assert TABLE2_BLOCKS[3].columns[0].label == "本年收费金额（单位：万元）"
    assert [(b.id, b.label, b.parent_label) for b in TABLE4_BLOCKS] == [
        ("reconsideration", "行政复议", None),
        ("litigation_direct", "未经复议直接起诉", "行政诉讼"),
        ("litigation_after_reconsideration", "复议后起诉", "行政诉讼"),
    ]
    assert [(c.id, c.label) for c in TABLE4_COLUMNS] == [
        ("upheld", "结果维持"),
        ("corrected", "结果纠正"),
        ("other", "其他结果"),
        ("pending", "尚未审结"),
        ("total", "总计"),
    ]


def test_skeleton_has_the_json_form():
    report = empty_report_dict(2023, "张店区发展和改革局")
    assert set(report) == {
        "year",
        "layout_version",
        "agency",
        "table2",
        "table3",
        "table4",
        "summary",
        "other_matters",
        "checks",
    }
    assert report["layout_version"] == 1
    assert report["year"] == 2023 and report["agency"] == {"name": "张店区发展和改革局"}
    assert report["table2"] == {
        "rules": {"issued": 0, "abolished": 0, "in_force": 0},
        "normative_documents": {"issued": 0, "abolished": 0, "in_force": 0},
        "administrative_licensing": {"decisions": 0},
        "administrative_penalty": {"decisions": 0},
        "administrative_coercion": {"decisions": 0},
        "administrative_fees": {"amount_wan_yuan": 0},
    }
    assert list(report["table3"]) == ROW_IDS
    for row in ROW_IDS:
        assert report["table3"][row] == {c: 0 for c, _ in COLUMNS}
    five = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
    assert report["table4"] == {
        "reconsideration": five,
        "litigation_direct": five,
        "litigation_after_reconsideration": five,
    }
    assert report["summary"] == {
        "proactive_items": 0,
        "proactive_by_category": {},
        "requests_received": 0,
        "requests_received_previous_year": None,
        "previous_year_basis": None,
    }
    assert report["other_matters"] == {
        "processing_fees": {"cases": 0, "amount_yuan": 0},
        "npc_suggestions": 0,
        "cppcc_proposals": 0,
    }
    assert report["checks"] == []
    # rows are independent dicts, so filling one cell cannot leak into another
    report["table3"]["new"]["total"] = 1
    assert report["table3"]["carried_in"]["total"] == 0


def _occupancy(grid):
    """Place the cells the way HTML does and return the filled grid of cells (None where empty)."""
    taken: dict[tuple[int, int], object] = {}
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert (r + dr, c + dc) not in taken, (r, c, cell)
                    taken[(r + dr, c + dc)] = cell
            c += cell.colspan
    return taken


@pytest.mark.parametrize("table, width, height", [("table2", 4, 14), ("table3", 10, 28), ("table4", 15, 4)])
def test_layouts_are_complete_rectangles(table, width, height):
    taken = _occupancy(layout(table))
    assert set(taken) == {(r, c) for r in range(height) for c in range(width)}


def test_every_figure_appears_once_in_the_layouts():
    report = empty_report_dict(2023, "x")
    refs = [cell.ref for t in ("table2", "table3", "table4") for row in layout(t) for cell in row if cell.ref]
    assert len(refs) == len(set(refs))
    expected = {(t, row, col) for t in ("table2", "table3", "table4") for row in report[t] for col in report[t][row]}
    assert set(refs) == expected
    for ref in refs:
        assert rl.cell_value(report, ref) == 0


def test_table3_layout_matches_the_official_merges():
    grid = layout("table3")
    assert (grid[0][0].text, grid[0][0].rowspan, grid[0][0].colspan) == (TABLE3_NOTE, 3, 3)
    assert (grid[0][1].text, grid[0][1].colspan) == ("申请人情况", 7)
    assert [(c.text, c.rowspan, c.colspan) for c in grid[1]] == [
        ("自然人", 2, 1),
        ("法人或其他组织", 1, 5),
        ("总计", 2, 1),
    ]
    assert [c.text for c in grid[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    headers = [[(c.text, c.rowspan, c.colspan) for c in row if c.is_header] for row in grid[3:]]
    assert headers[0] == [("一、本年新收政府信息公开申请数量", 1, 3)]
    assert headers[2] == [("三、本年度办理结果", 22, 1), ("（一）予以公开", 1, 2)]
    assert headers[4] == [("（三）不予公开", 8, 1), ("1.属于国家秘密", 1, 1)]
    assert headers[5] == [("2.其他法律行政法规禁止公开", 1, 1)]
    assert headers[12] == [("（四）无法提供", 3, 1), ("1.本机关不掌握相关政府信息", 1, 1)]
    assert headers[15] == [("（五）不予处理", 5, 1), ("1.信访举报投诉类申请", 1, 1)]
    assert headers[20][0] == ("（六）其他处理", 3, 1)
    assert headers[23] == [("（七）总计", 1, 2)]
    assert headers[24] == [("四、结转下年度继续办理", 1, 3)]


def test_table4_layout_matches_the_official_merges():
    grid = layout("table4")
    assert [(c.text, c.colspan) for c in grid[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [(c.text, c.rowspan, c.colspan) for c in grid[1]][-2:] == [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)]
    assert len(grid[2]) == 10 and len(grid[3]) == 15


# ---------------------------------------------------------------- checks


def consistent_report():
    """A hand-built year: every identity holds."""
    report = empty_report_dict(2024, "示例区发展和改革局")
    t3 = report["table3"]

    def put(row, **cells):
        for col, n in cells.items():
            t3[row][col] = n
        t3[row]["total"] = sum(t3[row][c] for c in APPLICANTS)

    put("new", natural_person=10, commercial_enterprise=3, legal_service_org=1)
    put("carried_in", natural_person=2, other_org=1)
    put("disclosed", natural_person=6, commercial_enterprise=1)
    put("partially_disclosed", natural_person=1)
    put("withheld.third_party", commercial_enterprise=1)
    put("unavailable.not_held", natural_person=2, legal_service_org=1)
    put("other.other", natural_person=1, other_org=1)
    for col in APPLICANTS + ["total"]:
        t3["total"][col] = sum(t3[row][col] for row in RESULT_ROWS)
        t3["carried_out"][col] = t3["new"][col] + t3["carried_in"][col] - t3["total"][col]
    report["table4"]["reconsideration"].update(upheld=1, pending=1, total=2)
    report["table4"]["litigation_direct"].update(corrected=1, total=1)
    return report


def previous_of(report):
    previous = empty_report_dict(report["year"] - 1, report["agency"]["name"])
    previous["table3"]["carried_out"] = dict(report["table3"]["carried_in"])
    return previous


def by_id(results):
    return {r["id"]: r for r in results}


def test_consistent_report_passes_every_check():
    report = consistent_report()
    assert report["table3"]["carried_out"] == {
        "natural_person": 2,
        "commercial_enterprise": 1,
        "research_institution": 0,
        "public_interest_org": 0,
        "legal_service_org": 0,
        "other_org": 0,
        "total": 3,
    }
    results = run_checks(report, previous_of(report), previous_of(report))
    assert [r["id"] for r in results] == [
        "table3_column_balance",
        "table3_row_totals",
        "table3_total_row",
        "table4_totals",
        "carried_in_vs_previous",
        "carried_in_vs_frozen",
    ]
    assert all(r["ok"] for r in results), results
    assert all(r["detail"] for r in results)
    assert all(r["id"] in rl.CHECK_TITLES for r in results)


def test_cross_year_checks_left_out_without_the_other_report():
    ids = [r["id"] for r in run_checks(consistent_report())]
    assert ids == ["table3_column_balance", "table3_row_totals", "table3_total_row", "table4_totals"]


def test_check1_fails_when_carried_out_is_off():
    report = consistent_report()
    report["table3"]["carried_out"]["natural_person"] += 1
    report["table3"]["carried_out"]["total"] += 1  # keep check 2 satisfied: only the balance is wrong
    checks = by_id(run_checks(report))
    assert checks["table3_row_totals"]["ok"] and checks["table3_total_row"]["ok"]
    bad = checks["table3_column_balance"]
    assert not bad["ok"]
    assert "「自然人」列" in bad["detail"]
    assert "本年新收10件＋二、上年结转2件＝12件" in bad["detail"]
    assert "（七）总计10件＋四、结转下年度3件＝13件" in bad["detail"]
    assert "「总计」列" in bad["detail"]  # the total column is off too
    assert "商业企业" not in bad["detail"]


def test_check2_fails_when_a_total_cell_is_off():
    report = consistent_report()
    report["table3"]["disclosed"]["total"] = 8
    checks = by_id(run_checks(report))
    bad = checks["table3_row_totals"]
    assert not bad["ok"]
    assert bad["detail"] == "「（一）予以公开」行：总计为8件，六类申请人合计为7件。"


def test_check3_fails_when_a_result_cell_is_off():
    report = consistent_report()
    report["table3"]["not_processed.repeat"]["research_institution"] = 2
    report["table3"]["not_processed.repeat"]["total"] = 2
    checks = by_id(run_checks(report))
    assert checks["table3_row_totals"]["ok"]
    bad = checks["table3_total_row"]
    assert not bad["ok"]
    assert "「法人或其他组织（科研机构）」列：（七）总计为0件，21项办理结果合计为2件" in bad["detail"]
    assert "「总计」列：（七）总计为14件，21项办理结果合计为16件" in bad["detail"]


def test_check4_fails_when_a_table4_total_is_off():
    report = consistent_report()
    report["table4"]["litigation_after_reconsideration"]["pending"] = 1
    bad = by_id(run_checks(report))["table4_totals"]
    assert not bad["ok"]
    assert bad["detail"] == ("「行政诉讼（复议后起诉）」：结果维持0＋结果纠正0＋其他结果0＋尚未审结1＝1，而总计为0。")


def test_check5_against_computed_and_frozen_previous_year():
    report = consistent_report()
    computed = previous_of(report)
    frozen = copy.deepcopy(computed)
    frozen["table3"]["carried_out"]["other_org"] = 0
    frozen["table3"]["carried_out"]["total"] = 2
    checks = by_id(run_checks(report, computed, frozen))
    assert checks["carried_in_vs_previous"]["ok"]
    bad = checks["carried_in_vs_frozen"]
    assert not bad["ok"]
    assert (
        "「法人或其他组织（其他）」列：本年“二、上年结转”为1件，已发布的2023年度报告“四、结转下年度继续办理”为0件"
        in bad["detail"]
    )
    assert "「总计」列" in bad["detail"]

    computed["table3"]["carried_out"]["natural_person"] = 5
    bad = by_id(run_checks(report, computed))["carried_in_vs_previous"]
    assert not bad["ok"]
    assert "「自然人」列：本年“二、上年结转”为2件，按现有记录计算的2023年“四、结转下年度继续办理”为5件" in bad["detail"]


def test_missing_or_non_integer_cells_fail_with_a_detail():
    report = consistent_report()
    del report["table3"]["carried_out"]["natural_person"]
    report["table4"]["reconsideration"]["total"] = "2"
    checks = by_id(run_checks(report))
    assert not checks["table3_column_balance"]["ok"]
    assert "缺少表三「四、结转下年度继续办理」行「自然人」列的数据" in checks["table3_column_balance"]["detail"]
    assert not checks["table3_row_totals"]["ok"]
    assert checks["table3_total_row"]["ok"]
    assert not checks["table4_totals"]["ok"] and "不是整数" in checks["table4_totals"]["detail"]


def test_data_quality_check_is_named_but_not_run_here():
    assert rl.DATA_QUALITY_CHECK_ID in rl.CHECK_TITLES
    ids = {r["id"] for r in run_checks(consistent_report(), previous_of(consistent_report()))}
    assert rl.DATA_QUALITY_CHECK_ID not in ids


@pytest.mark.parametrize("row", ROW_IDS)
def test_any_single_table3_cell_perturbed_is_caught_and_named(row):
    labels = {r.id: r.label for r in TABLE3_ROWS}
    col_labels = {c.id: c.full_label for c in TABLE3_COLUMNS}
    for col, _ in COLUMNS:
        report = consistent_report()
        report["table3"][row][col] += 1
        failed = [r for r in run_checks(report, previous_of(consistent_report())) if not r["ok"]]
        assert failed, (row, col)
        details = " ".join(r["detail"] for r in failed)
        assert f"「{labels[row]}」行" in details or f"「{col_labels[col]}」列" in details


@pytest.mark.parametrize("block", ["reconsideration", "litigation_direct", "litigation_after_reconsideration"])
def test_any_single_table4_cell_perturbed_is_caught(block):
    for col in ("upheld", "corrected", "other", "pending", "total"):
        report = consistent_report()
        report["table4"][block][col] += 1
        failed = [r for r in run_checks(report) if not r["ok"]]
        assert [r["id"] for r in failed] == ["table4_totals"]
