"""The calendar CSV format: one year, all or nothing, every error with its line number."""

from __future__ import annotations

from datetime import date

from tracker.rules.calendar_csv import format_calendar_csv, parse_calendar_csv
from tracker.rules.workdays import WorkCalendar

GOOD_2026 = """date,kind,name
2026-01-01,off,元旦
2026-01-02,休,元旦
2026-01-03,off,元旦
2026-01-04,班,元旦调休
2026-02-14,work,春节调休
2026-02-16,off,春节
"""


def test_parses_one_year() -> None:
    result = parse_calendar_csv(GOOD_2026.encode("utf-8"))
    assert result.ok and result.errors == []
    assert result.year == 2026
    assert result.entries() == {
        date(2026, 1, 1): False,
        date(2026, 1, 2): False,
        date(2026, 1, 3): False,
        date(2026, 1, 4): True,
        date(2026, 2, 14): True,
        date(2026, 2, 16): False,
    }
    assert result.names()[date(2026, 1, 4)] == "元旦调休"
    assert [r.line for r in result.rows] == [2, 3, 4, 5, 6, 7]


def test_bom_crlf_blank_lines_excel_dates_and_padding_are_accepted() -> None:
    text = "\ufeffDate , Kind ,Name\r\n\r\n2026/1/1,OFF,元旦,,\r\n2026-10-10, 班 ,\r\n"
    result = parse_calendar_csv(text.encode("utf-8"))
    assert result.ok, result.errors
    assert result.entries() == {date(2026, 1, 1): False, date(2026, 10, 10): True}
    assert result.names() == {date(2026, 1, 1): "元旦"}
    assert [r.line for r in result.rows] == [3, 4]
    assert parse_calendar_csv(text).ok  # already-decoded text with a BOM


def test_unknown_kind_is_rejected_with_its_line() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-01-01,off,元旦\n2026-01-02,holiday,元旦\n")
    assert not result.ok and result.rows == []
    assert result.errors == [result.errors[0]]
    assert result.errors[0].startswith("第3行：") and "holiday" in result.errors[0]


def test_weekday_marked_work_is_rejected() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-03-04,班,\n")
    assert result.errors == [
        "第2行：2026-03-04是星期三，本来就是工作日，不能标为“班”；“班”只用于调休上班的星期六、星期日"
    ]


def test_repeated_date_is_rejected() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-10-01,off,国庆节\n2026-10-02,off,国庆节\n2026-10-01,off,\n")
    assert result.errors == ["第4行：日期2026-10-01与第2行重复，每个日期只能出现一次"]


def test_mixed_years_are_rejected() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-12-31,off,\n2027-01-01,off,元旦\n")
    assert len(result.errors) == 1
    assert result.errors[0].startswith("第3行：日期2027-01-01属于2027年")
    assert "第2行" in result.errors[0]


def test_expected_year() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-01-01,off,元旦\n", expected_year=2027)
    assert result.errors[0].startswith("第2行：") and "2027年" in result.errors[0]


def test_all_errors_are_listed_and_nothing_is_returned() -> None:
    text = "date,kind,name\n2026-02-30,off,\n2026-03-02,xx,\n2026-03-03\n2026-03-05,off,a,b\n2026-03-06,off,ok\n"
    result = parse_calendar_csv(text)
    assert [e.split("：")[0] for e in result.errors] == ["第2行", "第3行", "第4行", "第5行"]
    assert "YYYY-MM-DD" in result.errors[0]
    assert result.rows == [] and result.entries() == {}


def test_header_is_required() -> None:
    result = parse_calendar_csv("2026-01-01,off,元旦\n")
    assert result.errors[0].startswith("第1行：第一行应为表头 date,kind,name")
    assert parse_calendar_csv("").errors[0].startswith("第1行：文件是空的")
    assert parse_calendar_csv("date,kind,name\n\n").errors[0].startswith("第1行：表头之后没有任何日期")


def test_gbk_file_is_reported_with_the_fix() -> None:
    data = "date,kind,name\n2026-01-01,off,元旦\n".encode("gbk")
    result = parse_calendar_csv(data)
    assert not result.ok
    assert result.errors[0].startswith("第2行：文件不是UTF-8编码") and "CSV UTF-8" in result.errors[0]


def test_long_name_is_rejected() -> None:
    result = parse_calendar_csv("date,kind,name\n2026-01-01,off," + "长" * 41 + "\n")
    assert result.errors[0].startswith("第2行：名称过长")


def test_unterminated_quote_is_reported() -> None:
    result = parse_calendar_csv('date,kind,name\n2026-01-01,off,"元旦\n2026-01-02,off,x\n')
    # csv reads the open quote to the end of the file: the file is rejected, not half-read.
    assert not result.ok and result.rows == []
    assert result.errors[0].startswith("第2行：")
    assert "引号" in result.errors[0]
    closed = parse_calendar_csv('date,kind,name\n2026-01-01,off,"元旦\n"\n2026-01-02,off,x\n')
    assert closed.errors[0].startswith("第2行：内容跨了多行")


def test_round_trip_of_a_package_year() -> None:
    cal = WorkCalendar()
    days = [(d, False, n) for d, n in cal.days_off(2026)] + [(d, True, n) for d, n in cal.makeup_workdays(2026)]
    parsed = parse_calendar_csv(format_calendar_csv(days))
    assert parsed.ok, parsed.errors
    entered = WorkCalendar(entries=parsed.entries(), names=parsed.names(), confirmed_years=[parsed.year])
    year = [date.fromordinal(o) for o in range(date(2026, 1, 1).toordinal(), date(2027, 1, 1).toordinal())]
    assert [d for d in year if entered.is_workday(d) != cal.is_workday(d)] == []
    assert entered.day_name(date(2026, 2, 17)) == "春节"
