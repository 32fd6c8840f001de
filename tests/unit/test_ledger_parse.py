"""Reading ledgers without a database: encodings, dates, headers, vocabularies and every row check's message."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from tracker.ledger import parse
from tracker.ledger.parse import BadValue, LedgerInvalid, parse_date
from tracker.rules import intake as intake_rules
from tracker.rules.outcomes import OUTCOMES
from tracker.rules.report_layout import APPLICANT_TYPES

TODAY = date(2024, 6, 30)
REQ_HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"


def read(text: str, kind: str | None = None, encoding: str = "utf-8", today: date = TODAY):
    sheets = parse.csv_sheets(text.encode(encoding), "t.csv")
    selected, problems = parse.select_sheets(sheets, kind)
    sheet, k = selected[0]
    result, found = parse.read_sheet(sheet, k, today)
    return result, [str(p) for p in problems + found]


def problems_of(text: str, kind: str | None = None) -> list[str]:
    return read(text, kind)[1]


# -------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        "2023-01-05",
        "2023/1/5",
        "2023年1月5日",
        "2023-1-5",
        "2023/01/05",
        "２０２３年１月５日",
        " 2023-01-05 ",
        "2023-01-05 00:00:00",
        "2023.1.5",
    ],
)
def test_written_date_forms(value):
    assert parse_date(value) == date(2023, 1, 5)


def test_excel_date_cells_and_day_numbers():
    assert parse_date(datetime(2023, 1, 5, 0, 0)) == date(2023, 1, 5)
    assert parse_date(date(2023, 1, 5)) == date(2023, 1, 5)
    assert parse_date(44931) == date(2023, 1, 5)  # Excel's day number for 2023-01-05
    assert parse_date(44931.0) == date(2023, 1, 5)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_date_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("2023-02-30", "没有这一天"),
        ("2023年13月1日", "没有这一天"),
        ("下周一", "不是日期"),
        ("05/01/2023", "不是日期"),
        (12, "不是日期"),
        ("1900-01-01", "年份不在"),
        (True, "不是日期"),
    ],
)
def test_bad_dates_say_what_is_expected(value, fragment):
    with pytest.raises(BadValue) as e:
        parse_date(value)
    assert fragment in str(e.value)


# ---------------------------------------------------------------------------------------- encodings

ROW = "A-1,2023-01-05,法人或其他组织（商业企业）,某某公司,当面,请公开某项目批复,综合科,2023年1月20日,予以公开,无"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_each_encoding_reads_the_same(encoding):
    result, problems = read(f"{REQ_HEADER}\n{ROW}\n", encoding=encoding)
    assert problems == []
    (row,) = result.rows
    assert (row.number, row.applicant_type, row.applicant_name, row.channel, row.content, row.section) == (
        "A-1",
        "commercial_enterprise",
        "某某公司",
        "in_person",
        "请公开某项目批复",
        "综合科",
    )
    assert (row.received_on, row.concluded_on, row.outcome, row.remarks) == (
        date(2023, 1, 5),
        date(2023, 1, 20),
        "disclosed",
        "无",
    )


def test_undecodable_bytes_are_refused_with_advice():
    with pytest.raises(LedgerInvalid) as e:
        parse.decode_csv(b"\x81\x30\xff\xfe\x00\x80")
    assert "另存为" in str(e.value.problems[0])


def test_bom_is_not_part_of_the_first_header():
    result, problems = read(f"{REQ_HEADER}\n{ROW}\n", encoding="utf-8-sig")
    assert result.header.positions["number"] == 0 and not result.header.unknown


# ------------------------------------------------------------------------------------------ headers


def test_headers_in_any_order_unknown_columns_reported_and_export_columns_quiet():
    text = "备注,申请内容,来源,收到日期,申请人,申请人类型,状态,答复期限,内部序号\n无,内容,网站,2023-01-05,张三,自然人,已办结,,7\n"
    result, problems = read(text)
    assert problems == []
    assert result.kind == parse.REQUESTS
    assert result.header.unknown == ["来源", "内部序号"]
    assert result.header.computed == ["状态", "答复期限"]
    (row,) = result.rows
    assert (row.applicant_name, row.content, row.remarks, row.number) == ("张三", "内容", "无", None)


@pytest.mark.parametrize(
    "header, kind",
    [
        (REQ_HEADER, parse.REQUESTS),
        ("编号,类型,提起日期,审结日期,结果", parse.REVIEWS),
        ("类型,届次,编号,标题,领衔人,交办日期,主办科室", parse.PROPOSALS),
        ("类别,日期,标题,文号", parse.REGISTER),
        ("交办日期,主办科室,领衔人,标题,编号,届次,类型", parse.PROPOSALS),
    ],
)
def test_kind_is_recognised_from_the_header_row(header, kind):
    assert parse.detect_kind(tuple(header.split(","))) == kind


def test_unrecognisable_header_says_which_columns_identify_each_kind():
    problems = problems_of("姓名,电话\n张三,123\n")
    assert len(problems) == 1 and "无法从表头识别台账类型" in problems[0] and "--kind" in problems[0]


def test_header_below_a_title_row_and_row_numbers_as_excel_shows_them():
    text = f"2023年依申请公开台账,,,,,,,,,\n{REQ_HEADER}\n{ROW}\n,,,,,,,,,\nA-2,2023-13-01,自然人,张三,,内容,,,,\n"
    result, problems = read(text)
    assert result.header.row == 2
    assert problems == ["第5行 收到日期: “2023-13-01”不是有效的日期（没有这一天），请核对"]


def test_missing_required_column_and_duplicate_column():
    problems = problems_of("编号,收到日期,申请人类型,申请内容,申请内容\nA-1,2023-01-05,自然人,x,y\n", parse.REQUESTS)
    assert "第1行 申请内容: 与第4列重复（都是“申请内容”），请删除其中一列" in problems
    assert any(p.startswith("第1行 申请人: 缺少必填列“申请人”") for p in problems)


def test_header_aliases_and_widths():
    text = (
        "申请编号,收到申请日期,申请人类型,申请人姓名/名称,申请事项,承办部门,答复日期,答复结果\n"
        "X1,2023-01-05,自然人,李四,事项,规划科,2023-01-09,信息不存在\n"
    )
    result, problems = read(text)
    assert problems == []
    assert result.rows[0].outcome == "unavailable.not_held"


def test_xlsx_sheets_by_name_and_first_sheet_with_kind():
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["这是说明"])
    ws = wb.create_sheet("复议诉讼")
    ws.append(["编号", "类型", "提起日期", "审结日期", "结果"])
    ws.append(["A-1", "行政复议", datetime(2023, 3, 1), None, None])
    buf = io.BytesIO()
    wb.save(buf)
    sheets = parse.open_file("x.xlsx", buf.getvalue())
    selected, _ = parse.select_sheets(sheets, None)
    assert [(s.name, k) for s, k in selected] == [("复议诉讼", parse.REVIEWS)]
    selected, _ = parse.select_sheets(sheets, parse.REQUESTS)
    assert [(s.name, k) for s, k in selected] == [("说明", parse.REQUESTS)]
    result, problems = parse.read_sheet(sheets[1], parse.REVIEWS, TODAY)
    assert problems == [] and result.rows[0].filed_on == date(2023, 3, 1) and result.rows[0].kind == "reconsideration"


def test_other_formats_are_refused():
    with pytest.raises(LedgerInvalid) as e:
        parse.open_file("old.xls", b"\xd0\xcf\x11\xe0")
    assert ".xlsx" in str(e.value.problems[0])
    with pytest.raises(LedgerInvalid) as e:
        parse.open_file("bad.xlsx", b"not a zip")
    assert "不是有效的 .xlsx" in str(e.value.problems[0])


# ----------------------------------------------------------------------------------------- vocabularies


def test_every_applicant_type_label_full_label_and_id():
    for t in APPLICANT_TYPES:
        assert parse.applicant_type(t.label) == t.id
        assert parse.applicant_type(t.full_label) == t.id
        assert parse.applicant_type(t.id) == t.id
    assert parse.applicant_type("外星人") is None


def test_every_channel_label_and_some_ledger_spellings():
    for c in intake_rules.CHANNELS:
        assert parse.channel(c.label) == c.id
    assert (
        parse.channel("网上申请") == "online"
        and parse.channel("信函") == "post"
        and parse.channel("现场") == "in_person"
    )


def test_review_and_proposal_vocabularies():
    assert [parse.review_kind(x) for x in ("行政复议", "直接起诉", "复议后起诉", "行政诉讼（未经复议直接起诉）")] == [
        "reconsideration",
        "litigation_direct",
        "litigation_after_reconsideration",
        "litigation_direct",
    ]
    assert [parse.review_result(x) for x in ("维持", "纠正", "其他", "结果维持", "其他结果")] == [
        "upheld",
        "corrected",
        "other",
        "upheld",
        "other",
    ]
    assert parse.proposal_kind("人大代表建议") == "npc" and parse.proposal_kind("政协提案") == "cppcc"
    assert parse.satisfaction("基本满意") == "basically" and parse.satisfaction("还行") is None
    assert parse.split_sections("规划科、财务科,法规科，规划科") == ["规划科", "财务科", "法规科"]


def test_allowed_outcome_values_in_the_template_read_back_as_their_codes():
    listed = parse.allowed_values(parse.REQUESTS)["办理结果"]
    assert len(listed) == len(OUTCOMES)
    from tracker.rules.outcomes import label_to_code

    for text, o in zip(listed, OUTCOMES, strict=True):
        assert label_to_code(text.split("（或写")[0]) == o.code


def test_limits_agree_with_manual_entry():
    from tracker.disclosure.intake import LIMITS as INTAKE
    from tracker.proposals.services import LIMITS as PROPOSALS

    assert {k: parse.LIMITS[k] for k in ("applicant_name", "content", "remarks")} == {
        k: INTAKE[k] for k in ("applicant_name", "content", "remarks")
    }
    assert {k: parse.LIMITS[f"p_{k}"] for k in ("session", "number", "title", "lead_author")} == {
        k: PROPOSALS[k] for k in ("session", "number", "title", "lead_author")
    }


# ------------------------------------------------------------------------------------- bad request rows


def req(*rows: str) -> list[str]:
    return problems_of(REQ_HEADER + "\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "A-1,2023-01-05,外星人,张三,,内容,,,,",
            "第2行 申请人类型: 无法识别“外星人”，应为自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他",
        ),
        (
            "A-1,2023-01-05,自然人,张三,,内容,,2023-01-09,不予公开,",
            "第2行 办理结果: 无法识别“不予公开”，请填写年度报告表三的一个办理结果（如 予以公开、部分公开、保护第三方合法权益、"
            "本机关不掌握相关政府信息、重复申请、其他，或其代码如 withheld.third_party）；“不予公开”“无法提供”“不予处理”须写明具体情形",
        ),
        (
            "A-1,2023-01-05,自然人,张三,,内容,,2023-01-04,予以公开,",
            "第2行 办结日期: 办结日期2023-01-04早于收到日期2023-01-05，请核对",
        ),
        (
            "A-1,2023-01-05,自然人,张三,,内容,,,予以公开,",
            "第2行 办结日期: 已填写办理结果“予以公开”，请同时填写办结日期；尚未办结的请把办理结果留空",
        ),
        (
            "A-1,2023-01-05,自然人,张三,,内容,,2023-01-09,,",
            "第2行 办理结果: 已填写办结日期，请同时填写办理结果；尚未办结的请把办结日期留空",
        ),
        (
            "A-1,2024-07-01,自然人,张三,,内容,,,,",
            "第2行 收到日期: 收到申请之日2024年7月1日晚于今天（2024年6月30日），不能是将来的日期，请核对",
        ),
        (
            "A-1,2024-06-01,自然人,张三,,内容,,2024-07-02,予以公开,",
            "第2行 办结日期: 2024-07-02晚于今天（2024-06-30），不能是将来的日期，请核对",
        ),
        (
            "A-1,,自然人,张三,,内容,,,,",
            "第2行 收到日期: 必填，请填写（日期写成 2023-01-05、2023/1/5 或 2023年1月5日，或使用 Excel 日期格式）",
        ),
        ("A-1,2023-01-05,自然人,,,内容,,,,", "第2行 申请人: 必填，请填写"),
        (
            "A-1,2023-01-05,自然人,张三,飞鸽传书,内容,,,,",
            "第2行 申请方式: 无法识别“飞鸽传书”，应为当面、邮寄、平信、网络平台、电子邮件、传真、其他",
        ),
    ],
)
def test_each_kind_of_bad_request_row_has_its_message(row, message):
    assert req(row) == [message]


def test_duplicate_number_within_the_file_even_on_a_row_with_other_problems():
    problems = req(
        "A-1,2023-01-05,自然人,张三,,内容,,,,",
        "A-1,2023-01-06,自然人,李四,,内容,,,,",
        "Ａ-1,2099-01-01,自然人,王五,,内容,,,,",
    )
    assert "第3行 编号: 编号“A-1”与第2行重复，同一文件中不能出现两次" in problems
    assert "第4行 编号: 编号“A-1”与第2行重复，同一文件中不能出现两次" in problems  # full-width Ａ is the same number
    assert any(p.startswith("第4行 收到日期:") for p in problems)


def test_every_problem_of_the_file_is_listed_not_only_the_first():
    problems = req(
        "A-1,2023-01-05,外星人,张三,,内容,,,,",
        "A-2,2023-01-05,自然人,张三,,内容,,2023-01-01,予以公开,",
        "A-3,2023-01-05,自然人,,,,,,,",
    )
    assert [p.split(" ")[0] for p in problems] == ["第2行", "第3行", "第4行", "第4行"]


def test_length_limits():
    problems = req(f"A-1,2023-01-05,自然人,{'张' * 201},,内容,,,,")
    assert problems == ["第2行 申请人: 不能超过200个字（现为201个字），请精简"]


def test_tab_separated_and_quoted_line_breaks_keep_excel_row_numbers():
    text = (
        REQ_HEADER.replace(",", "\t")
        + "\n"
        + 'A-1\t2023-01-05\t自然人\t张三\t\t"第一行\n第二行"\t\t\t\t\n'
        + "A-2\t2023-01-05\t外星人\t张三\t\t内容\t\t\t\t\n"
    )
    result, problems = read(text)
    assert result.rows[0].content == "第一行\n第二行" and result.rows[0].subject == "第一行"
    assert problems == [
        "第3行 申请人类型: 无法识别“外星人”，应为自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他"
    ]


def test_long_content_gives_a_short_subject():
    result, _ = read(REQ_HEADER + '\nA-1,2023-01-05,自然人,张三,,"' + "很" * 300 + '",,,,\n')
    assert len(result.rows[0].subject) == parse.SUBJECT_MAX and result.rows[0].subject.endswith("…")


# ------------------------------------------------------------------------------------ reviews, proposals

REV_HEADER = "编号,类型,提起日期,审结日期,结果"


@pytest.mark.parametrize(
    "row, message",
    [
        ("A-1,申诉,2023-03-01,,", "第2行 类型: 无法识别“申诉”，应为行政复议、直接起诉或复议后起诉"),
        ("A-1,行政复议,2023-03-01,,维持", "第2行 审结日期: 已填写结果，请同时填写审结日期；尚未审结的请把结果留空"),
        (
            "A-1,行政复议,2023-03-01,2023-04-01,",
            "第2行 结果: 已填写审结日期，请同时填写结果（维持、纠正或其他）；尚未审结的请把审结日期留空",
        ),
        ("A-1,行政复议,2023-03-01,2023-02-01,维持", "第2行 审结日期: 审结日期2023-02-01早于提起日期2023-03-01，请核对"),
        ("A-1,行政复议,2023-03-01,2023-04-01,驳回", "第2行 结果: 无法识别“驳回”，应为维持、纠正、其他"),
        (",行政复议,2023-03-01,,", "第2行 编号: 必填，请填写"),
    ],
)
def test_each_kind_of_bad_review_row(row, message):
    assert problems_of(f"{REV_HEADER}\n{row}\n") == [message]


def test_duplicate_review():
    problems = problems_of(f"{REV_HEADER}\nA-1,行政复议,2023-03-01,,\nA-1,复议,2023/3/1,,\nA-1,直接起诉,2023-03-01,,\n")
    assert problems == ["第3行 编号: 申请“A-1”同一天（2023-03-01）提起的行政复议与第2行重复，同一文件中不能出现两次"]


PRO_HEADER = "类型,届次,编号,标题,领衔人,交办日期,主办科室,协办科室,答复日期,办理结果,满意度"


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "人大建议案,十九届三次,1,标题,张代表,2023-03-01,规划科,,,,",
            "第2行 类型: 无法识别“人大建议案”，应为人大代表建议、政协提案",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,,2023-05-01,E,",
            "第2行 办理结果: 无法识别“E”，应为 A、B、C、D",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,,2023-02-01,A,",
            "第2行 答复日期: 答复日期2023-02-01早于交办日期2023-03-01，请核对",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,,,,满意",
            "第2行 满意度: 尚未答复的建议提案不能有满意度，请先填写答复日期和办理结果",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,,2023-05-01,A,还行",
            "第2行 满意度: 无法识别“还行”，应为满意、基本满意、不满意",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,财务科、规划科,,,",
            "第2行 协办科室: 主办科室“规划科”不能同时是协办科室",
        ),
        (
            "人大代表建议,十九届三次,1,标题,张代表,2023-03-01,规划科,,,B,",
            "第2行 答复日期: 已填写办理结果，请同时填写答复日期；尚未答复的请把办理结果留空",
        ),
        ("人大代表建议,十九届三次,1,标题,张代表,2023-03-01,,,,,", "第2行 主办科室: 必填，请填写"),
    ],
)
def test_each_kind_of_bad_proposal_row(row, message):
    assert problems_of(f"{PRO_HEADER}\n{row}\n") == [message]


def test_good_proposal_row_and_duplicates_by_kind_session_number():
    text = (
        f"{PRO_HEADER}\n人大代表建议,十九届三次,1,标题,张代表,2023/3/1,规划科,财务科、法规科,2023-05-20,a类,基本满意\n"
        "政协提案,十九届三次,1,标题,李委员,2023-03-01,规划科,,,,\n人大建议,十九届三次,1,标题二,王代表,2023-03-01,规划科,,,,\n"
    )
    result, problems = read(text)
    assert problems == ["第4行 编号: 十九届三次人大代表建议第“1”号与第2行重复，同一文件中不能出现两次"]
    first = result.rows[0]
    assert (first.kind, first.cohandlers, first.result_class, first.satisfaction, first.reply_date) == (
        "npc",
        ["财务科", "法规科"],
        "A",
        "basically",
        date(2023, 5, 20),
    )


def test_problem_text_format():
    assert str(parse.Problem("s", 7, "收到日期", "问题")) == "第7行 收到日期: 问题"
    assert str(parse.Problem("s", 0, "", "整个文件的问题")) == "整个文件的问题"
