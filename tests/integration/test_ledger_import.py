"""Ledger import through the service and the command line: what is written, what is refused, and that
refusing writes nothing. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tracker.accounts.models import Section
from tracker.audit import Event
from tracker.disclosure.models import CaseCounter, DisclosureRequest, Review
from tracker.extensions import db
from tracker.ledger.parse import LedgerInvalid
from tracker.ledger.service import import_ledger
from tracker.rules.deadlines import answer_deadline
from tracker.workcal.service import current_calendar

TODAY = date(2024, 6, 30)
REQ_HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"
REQ_ROWS = [
    "A-1,2023-01-05,自然人,张三,当面,某项目批复,综合科,2023/1/20,予以公开,",
    "A-2,2023年2月1日,商业企业,某公司,网上申请,某文件,规划科,2023-02-10,保护第三方合法权益,说明",
    "A-3,2024-06-03,科研机构,某所,,某数据,,,,",
    "A-4,2024-06-04,自然人,李四,邮寄,某通知,规划科,,,",
]


def csv_bytes(header: str, rows: list[str], encoding: str = "utf-8") -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(agency, data: bytes, name: str = "台账.csv", actor=None, **kw):
    return import_ledger(actor, name, data, agency=agency, today=kw.pop("today", TODAY), **kw)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def requests() -> dict[str, DisclosureRequest]:
    return {r.number: r for r in db.session.scalars(select(DisclosureRequest))}


# ----------------------------------------------------------------------------------------- creating


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_each_encoding_imports_the_same_cases(agency, encoding):
    summary = run(agency, csv_bytes(REQ_HEADER, REQ_ROWS, encoding))
    assert vars(summary.counts["requests"]) == {"created": 4, "updated": 0, "unchanged": 0}
    got = requests()
    assert sorted(got) == ["A-1", "A-2", "A-3", "A-4"]
    a2 = got["A-2"]
    assert (a2.applicant_type, a2.applicant_name, a2.channel, a2.content, a2.remarks, a2.section.name) == (
        "commercial_enterprise",
        "某公司",
        "online",
        "某文件",
        "说明",
        "规划科",
    )
    assert (a2.status, a2.outcome, a2.concluded_on, a2.received_on) == (
        "concluded",
        "withheld.third_party",
        date(2023, 2, 10),
        date(2023, 2, 1),
    )
    assert a2.source == "import" and a2.year == 2023


def test_status_and_deadline_of_open_cases(agency):
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    got = requests()
    assert got["A-3"].status == "registered" and got["A-3"].section_id is None and got["A-3"].channel == "other"
    assert got["A-4"].status == "in_progress"
    calendar = current_calendar()
    for n in ("A-3", "A-4"):
        assert got[n].due_date == answer_deadline(got[n].received_on, calendar=calendar).due
        assert got[n].clarification_due is not None
    assert got["A-1"].due_date is None  # concluded: no running deadline


def test_each_case_carries_an_import_event_with_file_and_who(agency, make_user):
    office = make_user("office")
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS), name="2023年台账.csv", actor=office)
    events = db.session.scalars(select(Event).where(Event.kind == "request.imported")).all()
    ids = {r.id for r in requests().values()}
    assert {e.subject_id for e in events} == ids and len(events) == 4
    assert all(
        e.actor_id == office.id and e.data["file"] == "2023年台账.csv" and e.data["by"] == office.display_name
        for e in events
    )
    (summary_event,) = db.session.scalars(select(Event).where(Event.kind == "ledger.imported")).all()
    assert summary_event.data["counts"]["requests"]["created"] == 4


def test_sections_named_in_the_file_are_created_and_listed(agency, make_section):
    make_section("综合科")
    summary = run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    assert summary.sections_created == ["规划科"]
    assert "已新建科室（1 个）：规划科" in summary.lines()
    assert sorted(db.session.scalars(select(Section.name))) == sorted(["综合科", "规划科"])
    created = db.session.scalars(select(Event).where(Event.kind == "section.created")).all()
    assert [e.data["name"] for e in created if e.data.get("file")] == ["规划科"]


def test_blank_numbers_are_generated_in_the_year_of_receipt_without_clashing(agency):
    rows = [
        "依申〔2023〕第0001号,2023-01-05,自然人,张三,,内容一,,,,",
        ",2023-03-05,自然人,李四,,内容二,,,,",
        ",2022-12-30,自然人,王五,,内容三,,,,",
    ]
    summary = run(agency, csv_bytes(REQ_HEADER, rows))
    assert summary.numbers_generated == 2
    got = requests()
    assert sorted(got) == ["依申〔2022〕第0001号", "依申〔2023〕第0001号", "依申〔2023〕第0002号"]
    assert got["依申〔2023〕第0002号"].applicant_name == "李四"
    # the counter is past every number taken, so the next registration gets a fresh one
    from tracker.numbering import next_seq

    assert next_seq(agency.id, "request", 2023) > max(r.seq for r in got.values() if r.year == 2023)
    db.session.rollback()


def test_registration_after_an_import_does_not_collide(agency, make_user):
    from tracker.disclosure.intake import register_request

    run(agency, csv_bytes(REQ_HEADER, [f"X-{i},2024-06-0{i},自然人,张三,,内容{i},,,," for i in range(1, 4)]))
    office = make_user("office")
    req = register_request(
        office,
        {
            "applicant_type": "natural_person",
            "applicant_name": "新申请人",
            "channel": "online",
            "received_on": date(2024, 6, 5),
            "subject": "s",
            "content": "c",
        },
        today=TODAY,
    )
    assert req.seq == 4 and count(DisclosureRequest) == 4


def test_xlsx_with_four_sheets_and_excel_date_cells(agency):
    data = xlsx_bytes(
        {
            "依申请公开": [
                ["收到日期", "申请人类型", "编号", "申请人", "申请内容", "承办科室", "办结日期", "办理结果"],
                [datetime(2023, 1, 5), "自然人", "A-1", "张三", "内容", "综合科", datetime(2023, 1, 20), "部分公开"],
                [44932, "律师事务所", "A-2", "某律所", "内容", None, None, None],
            ],
            "复议诉讼": [
                ["编号", "类型", "提起日期", "审结日期", "结果"],
                ["A-1", "行政复议", datetime(2023, 2, 1), "2023年3月1日", "维持"],
                ["A-1", "复议后起诉", "2023/3/10", None, None],
            ],
            "建议提案": [
                [
                    "类型",
                    "届次",
                    "编号",
                    "标题",
                    "领衔人",
                    "交办日期",
                    "主办科室",
                    "协办科室",
                    "答复日期",
                    "办理结果",
                    "满意度",
                ],
                [
                    "人大代表建议",
                    "十九届三次",
                    "101",
                    "关于某事的建议",
                    "张代表",
                    datetime(2023, 3, 20),
                    "规划科",
                    "财务科、综合科",
                    datetime(2023, 6, 1),
                    "A",
                    "满意",
                ],
                [
                    "政协提案",
                    "十四届二次",
                    "7",
                    "关于某事的提案",
                    "李委员",
                    datetime(2024, 3, 20),
                    "财务科",
                    None,
                    None,
                    None,
                    None,
                ],
            ],
            "主动公开": [
                ["类别", "日期", "标题", "文号", "废止日期", "数量", "金额（元）"],
                ["机构职能", datetime(2023, 1, 3), "本局职能", None, None, None, None],
                ["规章", datetime(2020, 5, 1), "某某办法", "某政令〔2020〕1号", datetime(2023, 6, 1), None, None],
                ["行政许可", datetime(2023, 1, 31), None, None, None, 16, None],
                ["行政事业性收费", datetime(2023, 12, 31), None, None, None, None, "12345.6"],
            ],
        }
    )
    summary = run(agency, data, name="全部台账.xlsx")
    assert {k: c.created for k, c in summary.counts.items()} == {
        "requests": 2,
        "reviews": 2,
        "proposals": 2,
        "register": 4,
    }
    got = requests()
    assert got["A-1"].outcome == "partially_disclosed" and got["A-1"].concluded_on == date(2023, 1, 20)
    assert got["A-2"].received_on == date(2023, 1, 6) and got["A-2"].applicant_type == "legal_service_org"
    reviews = db.session.scalars(select(Review).order_by(Review.filed_on)).all()
    assert [(r.kind, r.result, r.concluded_on) for r in reviews] == [
        ("reconsideration", "upheld", date(2023, 3, 1)),
        ("litigation_after_reconsideration", None, None),
    ]
    from tracker.proposals.models import Proposal

    ps = {p.number: p for p in db.session.scalars(select(Proposal))}
    assert (ps["101"].status, ps["101"].result_class, ps["101"].satisfaction) == ("closed", "A", "satisfied")
    assert sorted(c.section.name for c in ps["101"].cohandlers) == ["综合科", "财务科"]
    assert ps["101"].replies[0].reply_date == date(2023, 6, 1) and ps["101"].due_date is not None
    assert ps["7"].status == "assigned" and ps["7"].due_date is not None and ps["7"].source == "import"
    from tracker.reports.models import RegisterEntry

    entries = {e.category: e for e in db.session.scalars(select(RegisterEntry))}
    assert entries["机构职能"].kind == "proactive"
    assert (entries["rules"].kind, entries["rules"].abolished_on) == ("document", date(2023, 6, 1))
    assert (entries["administrative_licensing"].quantity, entries["administrative_fees"].amount_yuan) == (
        16,
        Decimal("12345.60"),
    )
    assert sorted(summary.sections_created) == sorted(["综合科", "规划科", "财务科"])


# ------------------------------------------------------------------------------------ all or nothing


def nothing_written():
    assert count(DisclosureRequest) == 0 and count(Section) == 0 and count(Event) == 0
    assert count(Review) == 0 and count(CaseCounter) == 0


def test_one_bad_row_stops_the_whole_file(agency):
    rows = REQ_ROWS + ["A-5,2023-01-05,外星人,赵六,,内容,新科室,,,"]
    with pytest.raises(LedgerInvalid) as e:
        run(agency, csv_bytes(REQ_HEADER, rows))
    assert [str(p) for p in e.value.problems] == [
        "第6行 申请人类型: 无法识别“外星人”，应为自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他"
    ]
    nothing_written()


def test_a_bad_sheet_stops_the_good_sheets_too(agency):
    data = xlsx_bytes(
        {
            "依申请公开": [REQ_HEADER.split(","), *[r.split(",") for r in REQ_ROWS]],
            "复议诉讼": [
                ["编号", "类型", "提起日期", "审结日期", "结果"],
                ["B-9", "行政复议", "2023-02-01", None, None],
            ],
        }
    )
    with pytest.raises(LedgerInvalid) as e:
        run(agency, data, name="x.xlsx")
    assert [(p.sheet, str(p)) for p in e.value.problems] == [
        (
            "复议诉讼",
            "第2行 编号: 找不到编号为“B-9”的政府信息公开申请（文件和系统中都没有），请核对编号，或先导入该申请",
        )
    ]
    nothing_written()


def test_review_checks_against_the_database(agency):
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    header = "编号,类型,提起日期,审结日期,结果"
    with pytest.raises(LedgerInvalid) as e:
        run(
            agency,
            csv_bytes(
                header, ["A-1,复议后起诉,2023-03-01,,", "A-2,行政复议,2023-01-15,,", "A-404,直接起诉,2023-03-01,,"]
            ),
        )
    assert [str(p) for p in e.value.problems] == [
        "第3行 提起日期: 提起日期2023-01-15早于该申请的收到日期2023-02-01，请核对",
        "第4行 编号: 找不到编号为“A-404”的政府信息公开申请（文件和系统中都没有），请核对编号，或先导入该申请",
    ]
    assert count(Review) == 0
    summary = run(agency, csv_bytes(header, ["A-1,直接起诉,2023-03-01,,"]))
    assert summary.counts["reviews"].created == 1


def test_lawsuit_after_a_reconsideration_outside_the_records_is_imported_with_a_note(agency):
    """Issue 11: the 2024 ledgers of real reports (淮安市, 宿迁市, 平潭) hold 复议后起诉 whose reconsideration
    predates the records. Such a row no longer refuses the file: it is imported, counted in table 四, and the
    report lists it as a data note; a lawsuit with its reconsideration in the file gets no note."""
    from tracker.reports.derive import data_notes, derive

    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    header = "编号,类型,提起日期,审结日期,结果"
    summary = run(
        agency,
        csv_bytes(
            header,
            [
                "A-1,复议后起诉,2023-03-01,,",
                "A-2,行政复议,2023-02-15,2023-04-01,维持",
                "A-2,复议后起诉,2023-04-10,,",
            ],
        ),
    )
    assert summary.counts["reviews"].created == 3
    noted = {r.filed_on: r.data_note for r in db.session.scalars(select(Review))}
    assert "不在本系统记录中" in noted[date(2023, 3, 1)] and noted[date(2023, 4, 10)] is None
    report = derive(agency.id, 2023, today=TODAY)
    assert report["table4"]["litigation_after_reconsideration"]["total"] == 2
    assert all(c["ok"] for c in report["checks"] if c["id"] in ("table4_totals", "data_quality"))
    assert [n.note for n in data_notes(agency.id, 2023)] == [noted[date(2023, 3, 1)]]


@pytest.mark.parametrize(
    "row, message",
    [
        ("行政许可,2023-01-31,,,2023-05-01,3,", "第2行 废止日期: 废止日期只适用于规章和行政规范性文件，请清空"),
        ("规章,2023-01-31,某办法,,,,", "第2行 文号: 请填写文号，例如 某政规〔2023〕1号"),
        ("机构职能,2023-01-31,职能,,,,100", "第2行 金额（元）: 金额只适用于行政事业性收费，请清空"),
        ("行政事业性收费,2023-01-31,,,,,-5", "第2行 金额（元）: 收费金额应大于 0、最多两位小数（单位：元），现为“-5”"),
        ("行政处罚,2023-01-31,,,,很多,", "第2行 数量: 决定数量应为 1 到 10000000 之间的整数（现为“很多”）"),
        ("机构职能,2023-01-31,,,,,", "第2行 标题: 请填写信息标题"),
        ("规章,2023-01-31,某办法,某令1号,2022-01-01,,", "第2行 废止日期: 废止日期不能早于印发日期（2023-01-31）"),
    ],
)
def test_register_rows_follow_the_register_rules(agency, row, message):
    with pytest.raises(LedgerInvalid) as e:
        run(agency, csv_bytes("类别,日期,标题,文号,废止日期,数量,金额（元）", [row]))
    assert [str(p) for p in e.value.problems] == [message]


def test_dry_run_writes_nothing_but_reports_what_would_happen(agency):
    summary = run(agency, csv_bytes(REQ_HEADER, REQ_ROWS + [",2023-03-05,自然人,李四,,内容二,新科室,,,"]), dry_run=True)
    assert summary.counts["requests"].created == 5 and summary.numbers_generated == 1
    assert sorted(summary.sections_created) == sorted(["综合科", "规划科", "新科室"])
    assert summary.lines()[0] == "依申请公开申请：将新增 5 条，将更新 0 条，未变 0 条"
    nothing_written()


# ------------------------------------------------------------------------------------------ re-import


def test_importing_the_same_file_twice_changes_nothing(agency):
    rows = REQ_ROWS + [",2023-03-05,自然人,李四,,没有编号的申请,,,,"]
    run(agency, csv_bytes(REQ_HEADER, rows))
    before = {r.number: (r.id, r.version, r.updated_at) for r in requests().values()}
    events = count(Event)
    summary = run(agency, csv_bytes(REQ_HEADER, rows, "gb18030"))
    assert vars(summary.counts["requests"]) == {"created": 0, "updated": 0, "unchanged": 5}
    assert summary.numbers_generated == 0 and summary.sections_created == []
    db.session.expire_all()
    assert {r.number: (r.id, r.version, r.updated_at) for r in requests().values()} == before
    assert count(Event) == events + 1  # only the ledger.imported summary


def test_reimport_updates_imported_cases(agency):
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    rows = list(REQ_ROWS)
    rows[2] = "A-3,2024-06-03,科研机构,某所,,某数据,法规科,2024-06-20,本机关不掌握相关政府信息,"
    summary = run(agency, csv_bytes(REQ_HEADER, rows))
    assert vars(summary.counts["requests"]) == {"created": 0, "updated": 1, "unchanged": 3}
    assert summary.sections_created == ["法规科"]
    a3 = requests()["A-3"]
    assert (a3.status, a3.outcome, a3.concluded_on, a3.section.name, a3.version) == (
        "concluded",
        "unavailable.not_held",
        date(2024, 6, 20),
        "法规科",
        2,
    )
    ev = db.session.scalars(
        select(Event).where(Event.kind == "request.imported", Event.subject_id == a3.id).order_by(Event.id)
    ).all()[-1]
    assert ev.note == "按台账更新" and ev.data["outcome"] == [None, "unavailable.not_held"]


def test_reimport_cannot_reopen_a_concluded_case(agency):
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    rows = list(REQ_ROWS)
    rows[0] = "A-1,2023-01-05,自然人,张三,当面,某项目批复,综合科,,,"
    with pytest.raises(LedgerInvalid) as e:
        run(agency, csv_bytes(REQ_HEADER, rows))
    assert [str(p) for p in e.value.problems] == [
        "第2行 办结日期: 系统中该申请已于2023-01-20办结（予以公开），台账中未填写办结日期和办理结果；导入不会撤销办结，请补全这两列"
    ]


def test_a_ledger_never_overwrites_a_case_registered_in_the_system(agency, make_user):
    from tracker.disclosure.intake import register_request

    office = make_user("office")
    req = register_request(
        office,
        {
            "applicant_type": "natural_person",
            "applicant_name": "王五",
            "channel": "online",
            "received_on": date(2024, 6, 5),
            "subject": "原内容",
            "content": "原内容",
        },
        today=TODAY,
    )
    same = f"{req.number},2024-06-05,自然人,王五,网络平台,原内容,,,,"
    assert run(agency, csv_bytes(REQ_HEADER, [same])).counts["requests"].unchanged == 1
    with pytest.raises(LedgerInvalid) as e:
        run(agency, csv_bytes(REQ_HEADER, [f"{req.number},2024-06-05,自然人,王五改,网络平台,新内容,,,,"]))
    assert [str(p) for p in e.value.problems] == [
        f"第2行 编号: “{req.number}”是在系统中登记的申请，台账中的申请人、申请内容与系统不一致；"
        "系统中登记的案件请在系统中修改，或从台账中删除这一行"
    ]


def test_reviews_proposals_and_register_reimport_idempotently(agency):
    run(agency, csv_bytes(REQ_HEADER, REQ_ROWS))
    files = [
        ("编号,类型,提起日期,审结日期,结果", ["A-1,行政复议,2023-02-01,2023-03-01,纠正"]),
        (
            "类型,届次,编号,标题,领衔人,交办日期,主办科室,协办科室,答复日期,办理结果,满意度",
            ["政协提案,十四届二次,7,关于某事的提案,李委员,2024-03-20,财务科,规划科,,,"],
        ),
        ("类别,日期,标题,文号,废止日期", ["行政规范性文件,2021-05-01,某规定,某规〔2021〕2号,"]),
    ]
    for header, rows in files:
        (c,) = run(agency, csv_bytes(header, rows)).counts.values()
        assert vars(c) == {"created": 1, "updated": 0, "unchanged": 0}
        (c,) = run(agency, csv_bytes(header, rows)).counts.values()
        assert vars(c) == {"created": 0, "updated": 0, "unchanged": 1}
    # the document is abolished later: the same number updates it
    (c,) = run(
        agency,
        csv_bytes("类别,日期,标题,文号,废止日期", ["行政规范性文件,2021-05-01,某规定,某规〔2021〕2号,2024-01-31"]),
    ).counts.values()
    assert vars(c) == {"created": 0, "updated": 1, "unchanged": 0}
    # a pending review is concluded later
    (c,) = run(
        agency, csv_bytes("编号,类型,提起日期,审结日期,结果", ["A-1,行政复议,2023-02-01,2023-03-02,维持"])
    ).counts.values()
    assert c.updated == 1
    # the proposal is answered later
    (c,) = run(
        agency,
        csv_bytes(files[1][0], ["政协提案,十四届二次,7,关于某事的提案,李委员,2024-03-20,财务科,规划科,2024-06-01,B,"]),
    ).counts.values()
    assert c.updated == 1
    from tracker.proposals.models import Proposal

    p = db.session.scalars(select(Proposal)).one()
    assert (p.status, p.result_class, p.reply_date, len(p.replies)) == ("replied", "B", date(2024, 6, 1), 1)


# ------------------------------------------------------------------------------------------------ CLI


def test_cli_exit_codes_and_output(app_ctx, agency, tmp_path):
    runner = app_ctx.test_cli_runner()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(REQ_HEADER, REQ_ROWS, "gbk"))
    result = runner.invoke(args=["import-ledger", str(good), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "检查通过（试运行，未写入数据库）" in result.output and "将新增 4 条" in result.output
    assert count(DisclosureRequest) == 0

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(REQ_HEADER, REQ_ROWS + ["A-1,2023-01-05,自然人,张三,,x,,,,"]))
    result = runner.invoke(args=["import-ledger", str(bad)])
    assert result.exit_code == 1
    assert "未导入，数据库没有任何改动。共发现 1 个问题" in result.output
    assert "第6行 编号: 编号“A-1”与第2行重复，同一文件中不能出现两次" in result.output
    assert count(DisclosureRequest) == 0

    result = runner.invoke(args=["import-ledger", str(good), "--agency", agency.name])
    assert result.exit_code == 0 and "导入完成" in result.output and "已新增 4 条" in result.output
    ev = db.session.scalars(select(Event).where(Event.kind == "request.imported")).first()
    assert ev.actor_id is None and ev.data["by"].startswith("命令行（")

    result = runner.invoke(args=["import-ledger", str(good), "--agency", "不存在的机关"])
    assert result.exit_code == 2 and "找不到名为“不存在的机关”的机关" in result.output


def test_cli_kind_reads_the_first_sheet_and_unknown_columns_are_reported(app_ctx, agency, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx_bytes({"Sheet1": [["编号", "类型", "提起日期", "审结日期", "结果"]], "其他": [["x"]]}))
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["import-ledger", str(path), "--kind", "requests"])
    assert result.exit_code == 1 and "找不到依申请公开申请台账的表头" in result.output
    path.write_bytes(xlsx_bytes({"Sheet1": [[*REQ_HEADER.split(","), "经办人"], [*REQ_ROWS[0].split(","), "小王"]]}))
    result = runner.invoke(args=["import-ledger", str(path), "--kind", "requests"])
    assert result.exit_code == 0, result.output
    assert "工作表“Sheet1”中以下列无法识别，已忽略：经办人" in result.output
    result = runner.invoke(args=["import-ledger", str(path), "--kind", "nonsense"])
    assert result.exit_code == 2


def test_permission(agency, make_user, make_section):
    staff = make_user("staff", section=make_section("综合科"))
    from tracker.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(agency, csv_bytes(REQ_HEADER, REQ_ROWS), actor=staff)
    assert count(DisclosureRequest) == 0


PRO = "类型,届次,编号,标题,领衔人,交办日期,主办科室,协办科室,答复日期,办理结果,满意度"


def test_section_names_are_read_as_the_existing_sections_they_are_mapped_to(agency, make_section):
    from tracker.ledger.service import closest_sections
    from tracker.proposals.models import Proposal

    for name in ("投资科", "价格科", "规划科"):
        make_section(name)
    assert closest_sections("投资课", ["规划科", "价格科", "投资科"])[0] == "投资科"
    rows = ["人大代表建议,十九届三次,1,标题,张代表,2024-03-01,投资课,价格课、规划科,,,"]
    preview = run(agency, csv_bytes(PRO, rows), dry_run=True)
    assert preview.sections_created == ["投资课", "价格课"]
    assert preview.section_choices["投资课"][0] == "投资科" and preview.section_choices["价格课"][0] == "价格科"
    with pytest.raises(LedgerInvalid, match="按所选对应后，主办科室“投资科”同时是协办科室"):
        run(agency, csv_bytes(PRO, rows), section_map={"投资课": "投资科", "价格课": "投资科"})
    with pytest.raises(LedgerInvalid, match="不是本机关的科室"):
        run(agency, csv_bytes(PRO, rows), section_map={"投资课": "财务科"})
    summary = run(agency, csv_bytes(PRO, rows), section_map={"投资课": "投资科", "价格课": "价格科"})
    assert summary.sections_created == [] and summary.sections_mapped == {"投资课": "投资科", "价格课": "价格科"}
    p = db.session.scalars(select(Proposal)).one()
    assert p.lead_section.name == "投资科" and sorted(c.section.name for c in p.cohandlers) == ["价格科", "规划科"]
    assert count(Section) == 3
    # the same file again, mapped the same way, changes nothing
    again = run(agency, csv_bytes(PRO, rows), section_map={"投资课": "投资科", "价格课": "价格科"})
    assert vars(again.counts["proposals"]) == {"created": 0, "updated": 0, "unchanged": 1}
