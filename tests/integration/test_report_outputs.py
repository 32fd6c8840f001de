"""The report as JSON, .xlsx and .docx, through the pages and the `flask report` command."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from tests.integration.test_report_derive import EXPECTED_T3, build_history
from tracker.extensions import db
from tracker.rules.report_layout import (
    TABLE2_BLOCKS,
    TABLE3_COLUMN_IDS,
    TABLE3_ROW_IDS,
    TABLE3_ROWS,
    TABLE4_BLOCK_IDS,
    TABLE4_COLUMN_IDS,
)


@pytest.fixture()
def history(agency):
    build_history(agency)
    return agency


@pytest.fixture()
def office(make_user, login, history):
    user = make_user("office")
    login(user)
    return user


# ------------------------------------------------------------------------------------------- JSON


def test_json_has_exactly_the_form_of_report_format(office, client):
    resp = client.get("/reports/2023/report.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    data = json.loads(resp.get_data(as_text=True))
    # the keys of the form, with the layout version the figures were derived in (this product's addition)
    assert list(data) == [
        "year",
        "layout_version",
        "agency",
        "table2",
        "table3",
        "table4",
        "summary",
        "other_matters",
        "checks",
    ]
    assert data["year"] == 2023 and data["agency"] == {"name": "测试区发展和改革局", "contact": {}}
    assert list(data["table2"]) == [
        "rules",
        "normative_documents",
        "administrative_licensing",
        "administrative_penalty",
        "administrative_coercion",
        "administrative_fees",
    ]
    assert data["table2"]["rules"].keys() == {"issued", "abolished", "in_force"}
    assert data["table2"]["administrative_licensing"] == {"decisions": 16}
    assert data["table2"]["administrative_fees"] == {"amount_wan_yuan": 1.7}
    assert list(data["table3"]) == list(TABLE3_ROW_IDS) and len(data["table3"]) == 25
    for row in data["table3"].values():
        assert list(row) == list(TABLE3_COLUMN_IDS) and all(type(v) is int for v in row.values())
    assert data["table3"] == EXPECTED_T3[2023]
    assert list(data["table4"]) == list(TABLE4_BLOCK_IDS)
    assert all(list(b) == list(TABLE4_COLUMN_IDS) for b in data["table4"].values())
    # the four keys of the form, then the main topics named in 一 (this project's addition, documented)
    assert list(data["summary"]) == [
        "proactive_items",
        "proactive_by_category",
        "requests_received",
        "requests_received_previous_year",
        "previous_year_basis",
        "main_topics",
    ]
    assert data["other_matters"] == {
        "processing_fees": {"cases": 1, "amount_yuan": 120},
        "npc_suggestions": 3,
        "cppcc_proposals": 4,
    }
    assert all(set(c) == {"id", "ok", "detail"} and c["ok"] is True for c in data["checks"])


# ------------------------------------------------------------------------------------------- xlsx


def _sheet_rows(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def test_xlsx_three_tables_with_official_labels_merges_and_figures(office, client):
    from openpyxl import load_workbook

    resp = client.get("/reports/2023/report.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    # the three tables, then each figure's cases (issue 16: test_report_cells checks their rows)
    assert wb.sheetnames == [
        "表二 主动公开",
        "表三 依申请公开",
        "表四 复议诉讼",
        "表三 各数所计案件",
        "表四 各数所计案件",
    ]

    t3 = wb["表三 依申请公开"]
    merged = {str(r) for r in t3.merged_cells.ranges}
    assert "A3:C5" in merged  # the note over three header rows and three label columns
    assert t3["A3"].value == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert t3["D3"].value == "申请人情况" and "D3:J3" in merged
    assert t3["E4"].value == "法人或其他组织" and "E4:I4" in merged
    assert [t3.cell(5, c).value for c in range(5, 10)] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]
    by_label = {}
    for row in t3.iter_rows(min_row=6):
        labels = [c.value for c in row[:3] if isinstance(c.value, str)]
        if labels:
            by_label[labels[-1]] = [c.value for c in row[3:10]]
    for row in TABLE3_ROWS:
        if row.id in ("new", "carried_in", "total", "carried_out") or row.is_result:
            assert by_label[row.label] == list(EXPECTED_T3[2023][row.id].values()), row.label
    assert t3["A8"].value == "三、本年度办理结果" and "A8:A29" in merged  # 21 results and （七）总计

    t2 = wb["表二 主动公开"]
    labels = [c for row in _sheet_rows(t2) for c in row if isinstance(c, str)]
    for block in TABLE2_BLOCKS:
        assert block.label in labels and all(r.label in labels for r in block.rows)
    licensing = next(row for row in _sheet_rows(t2) if row[0] == "行政许可")
    assert licensing[1] == 16

    t4 = wb["表四 复议诉讼"]
    rows = _sheet_rows(t4)
    assert rows[2][0] == "行政复议" and rows[2][5] == "行政诉讼"
    assert rows[-1] == [0, 1, 1, 0, 2, 1, 0, 0, 1, 2, 0, 0, 0, 1, 1]


# ------------------------------------------------------------------------------------------- docx


def test_docx_whole_report_in_official_order(office, client):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    resp = client.get("/reports/2023/report.docx")
    assert resp.status_code == 200
    doc = Document(io.BytesIO(resp.data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["测试区发展和改革局", "2023年政府信息公开工作年度报告"]
    headings = [
        "一、总体情况",
        "（一）主动公开",
        "（二）依申请公开",
        "（三）政府信息管理",
        "（四）政府信息公开平台建设",
        "（五）监督保障",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    positions = [texts.index(h) for h in headings]
    assert positions == sorted(positions)
    assert any(
        t.startswith("2023年度共收到政府信息公开申请28件，比上年增加22件，主要涉及项目立项、规划、价格。")
        for t in texts
    )
    assert "2023年度，测试区发展和改革局共办理人大代表建议3件，政协提案4件。" in texts

    assert len(doc.tables) == 3
    t2, t3, t4 = doc.tables
    body = doc.element.body
    order = [el for el in body.iterchildren() if el.tag in (qn("w:p"), qn("w:tbl"))]
    # each table sits right after its section heading
    for table, heading in ((t2, headings[6]), (t3, headings[7]), (t4, headings[8])):
        i = order.index(table._tbl)
        assert Paragraph(order[i - 1], None).text == heading
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the note: merged over 3 rows × 3 columns
    assert t3.cell(0, 0).text.startswith("（本列数据的勾稽关系为")
    new_row = next(r for r in t3.rows if r.cells[0].text == "一、本年新收政府信息公开申请数量")
    assert [c.text for c in new_row.cells[3:]] == ["7", "5", "4", "4", "4", "4", "28"]
    assert t2.cell(0, 0).text == "第二十条第（一）项"
    assert any(c.text == "1.7" for row in t2.rows for c in row.cells)  # 17,000 yuan in 万元
    assert t4.cell(0, 0).text == "行政复议" and t4.cell(0, 5).text == "行政诉讼"
    # East Asian fonts are set on the runs, not only the Latin ones
    fonts = {f.get(qn("w:eastAsia")) for f in doc.element.body.iter(qn("w:rFonts"))}
    assert {"仿宋_GB2312", "黑体", "宋体"} <= fonts


def test_download_needs_report_permission_and_known_format(history, make_user, make_section, login, client):
    login(make_user("staff", section=make_section("综合科")))
    assert client.get("/reports/2023/report.json").status_code == 403


def test_unknown_format_and_bad_year(office, client):
    assert client.get("/reports/2023/report.pdf").status_code == 404
    resp = client.get("/reports/1999", follow_redirects=True)
    assert resp.status_code == 200 and "年份应在2008年至" in resp.get_data(as_text=True)


# ------------------------------------------------------------------------------------------- command


@pytest.fixture()
def cli(app_ctx):
    return app_ctx.test_cli_runner()


def test_command_json_to_stdout(history, cli):
    result = cli.invoke(args=["report", "2023", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["table3"] == EXPECTED_T3[2023]


def test_command_files(history, cli, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    result = cli.invoke(args=["report", "2023", "--agency", "测试区发展和改革局", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[1] == "表三 依申请公开"
    out = tmp_path / "r.docx"
    assert cli.invoke(args=["report", "2023", "--format", "docx", "-o", str(out)]).exit_code == 0
    assert len(Document(str(out)).tables) == 3
    out = tmp_path / "r.json"
    assert cli.invoke(args=["report", "2022", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text("utf-8"))["table3"] == EXPECTED_T3[2022]


@pytest.mark.parametrize(
    "args, message",
    [
        (["report"], "请给出四位数字的年份"),
        (["report", "二〇二三"], "请给出四位数字的年份"),
        (["report", "1999"], "年份应在2008年至"),
        (["report", "2023", "--format", "pdf"], "格式应为 json、xlsx 或 docx 之一"),
        (["report", "2023", "--format", "xlsx"], "请用 -o 指定输出文件"),
        (["report", "2023", "--agency", "不存在的局"], "找不到名为“不存在的局”的机关"),
        (["report", "2023", "--bogus"], "参数有误"),
        (["report", "2023", "-o", "/nonexistent-dir/x.json"], "输出目录“/nonexistent-dir”不存在"),
    ],
)
def test_command_bad_arguments(history, cli, args, message):
    result = cli.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_command_writes_nothing_on_bad_arguments(history, cli, tmp_path):
    out = tmp_path / "x.docx"
    assert cli.invoke(args=["report", "2023", "--format", "pdf", "-o", str(out)]).exit_code != 0
    assert not out.exists()


def test_outputs_of_an_empty_year(agency, cli):
    db.session.commit()
    result = cli.invoke(args=["report", "2020"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["table3"]["total"]["total"] == 0 and all(c["ok"] for c in data["checks"])
    assert date(2020, 1, 1).year == data["year"]
