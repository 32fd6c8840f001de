"""The working-day calendar wired into the product: CLI import/show, `due-date`, recomputing open deadlines,
and the calendar cache across processes. Runs on SQLite and PostgreSQL like every integration test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from tracker.audit import Event
from tracker.disclosure import intake
from tracker.disclosure.models import CONCLUDED, DisclosureRequest
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.rules.clock import utcnow
from tracker.workcal import service
from tracker.workcal.models import CalendarDay, CalendarYear

# A made-up 2027 arrangement for the tests (the real notice is not out yet): 元旦 Jan 1-3, 春节 Feb 5-11
# with Saturday Feb 20 worked, 国庆 Oct 1-7 with Saturday Oct 9 worked.
CSV_2027 = """date,kind,name
2027-01-01,off,元旦
2027-01-02,off,元旦
2027-01-03,off,元旦
2027-02-05,休,春节
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-20,班,春节调休上班
2027-10-01,off,国庆节
2027-10-02,off,国庆节
2027-10-03,off,国庆节
2027-10-04,off,国庆节
2027-10-05,off,国庆节
2027-10-06,off,国庆节
2027-10-07,off,国庆节
2027-10-09,work,国庆节调休上班
"""


def entered(year: int) -> dict[date, tuple[bool, str | None]]:
    return {
        d.day: (d.is_workday, d.name) for d in db.session.scalars(select(CalendarDay).where(CalendarDay.year == year))
    }


def count_events(kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))


@pytest.fixture()
def cli(app_ctx):
    runner = app_ctx.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(args=list(args))
        # Bad input is a message, never a traceback.
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
        return result

    return run


@pytest.fixture()
def csv_file(tmp_path):
    def write(text: str | bytes, name: str = "cal.csv", bom: bool = False):
        path = tmp_path / name
        data = text.encode("utf-8") if isinstance(text, str) else text
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return str(path)

    return write


# --- calendar import ------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_import_loads_the_year_marks_it_confirmed_and_prints_a_summary(cli, csv_file, bom):
    assert service.current_calendar().year_status(2027) == "provisional"
    result = cli("calendar", "import", csv_file(CSV_2027, bom=bom), "--source", "测试用通知")
    assert result.exit_code == 0, result.output
    days = entered(2027)
    assert len(days) == 19
    assert days[date(2027, 2, 20)] == (True, "春节调休上班")
    assert days[date(2027, 2, 11)] == (False, "春节")
    year = db.session.get(CalendarYear, 2027)
    assert year.confirmed and year.source == "测试用通知" and year.updated_by_id is None
    cal = service.current_calendar()
    assert cal.year_status(2027) == "confirmed"
    assert not cal.is_workday(date(2027, 2, 11)) and cal.is_workday(date(2027, 2, 20))
    # Estimated holidays that the notice does not list are working days once the year is confirmed.
    assert cal.is_workday(date(2027, 4, 5))  # 清明 in the estimate, not in this (made-up) notice
    assert "放假17天，调休上班2天" in result.stdout
    assert "0件的期限发生变化" in result.stdout
    assert count_events("calendar.changed") == 1


def test_import_replaces_the_years_entered_data(cli, csv_file):
    assert cli("calendar", "import", csv_file(CSV_2027)).exit_code == 0
    smaller = "date,kind,name\n2027-01-01,off,元旦\n2027-01-04,off,\n"
    result = cli("calendar", "import", csv_file(smaller, "second.csv"))
    assert result.exit_code == 0, result.output
    assert entered(2027) == {date(2027, 1, 1): (False, "元旦"), date(2027, 1, 4): (False, None)}
    cal = service.current_calendar()
    assert cal.is_workday(date(2027, 2, 8)) and not cal.is_workday(date(2027, 1, 4))
    assert db.session.get(CalendarYear, 2027).revision == 2
    events = db.session.scalars(select(Event).where(Event.kind == "calendar.changed").order_by(Event.id)).all()
    assert [e.subject_id for e in events] == [2027, 2027]
    # The second change lists the days whose working status really changed.
    changed = set(events[1].data["changed_days"])
    assert {"2027-01-04", "2027-02-08", "2027-02-20", "2027-10-04"} <= changed
    assert "2027-01-01" not in changed


BAD_FILES = {
    "mixed_years": ("date,kind,name\n2027-01-01,off,元旦\n2028-01-01,off,元旦\n", "第3行", "2028"),
    "repeated_date": (
        "date,kind,name\n2027-01-01,off,元旦\n2027-02-05,off,春节\n2027-01-01,休,元旦\n",
        "第4行",
        "与第2行重复",
    ),
    "weekday_work": ("date,kind,name\n2027-01-01,off,元旦\n2027-02-03,work,调休\n", "第3行", "星期三"),
    "unknown_kind": ("date,kind,name\n2027-01-01,off,元旦\n2027-02-05,holiday,春节\n", "第3行", "holiday"),
    "bad_date": ("date,kind,name\n2027-02-30,off,春节\n", "第2行", "2027-02-30"),
    "bad_header": ("日期,类型,名称\n2027-01-01,off,元旦\n", "第1行", "表头"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_import_rejects_a_bad_file_with_the_line_number_and_changes_nothing(cli, csv_file, name):
    assert cli("calendar", "import", csv_file(CSV_2027)).exit_code == 0
    before_days, before_rev = entered(2027), db.session.get(CalendarYear, 2027).revision
    before_events = db.session.scalar(select(func.count()).select_from(Event))
    text, line, detail = BAD_FILES[name]
    result = cli("calendar", "import", csv_file(text, "bad.csv"))
    assert result.exit_code != 0
    assert line in result.stderr and detail in result.stderr
    assert "没有任何改动" in result.stderr
    assert result.stdout == ""
    db.session.expire_all()
    assert entered(2027) == before_days
    assert db.session.get(CalendarYear, 2027).revision == before_rev
    assert db.session.scalar(select(func.count()).select_from(Event)) == before_events
    assert db.session.get(CalendarYear, 2028) is None


def test_import_reports_every_error_of_a_file_at_once(cli, csv_file):
    text = "date,kind,name\n2027-01-01,off,元旦\n2027-01-01,off,元旦\n2027-02-03,班,\n2027-03-01,x,\n"
    result = cli("calendar", "import", csv_file(text))
    assert result.exit_code != 0
    for line in ("第3行", "第4行", "第5行"):
        assert line in result.stderr
    assert db.session.get(CalendarYear, 2027) is None


def test_import_refuses_a_gbk_file_saying_how_to_resave_it(cli, csv_file):
    result = cli("calendar", "import", csv_file(CSV_2027.encode("gbk")))
    assert result.exit_code != 0
    assert "UTF-8" in result.stderr and "第2行" in result.stderr
    assert db.session.get(CalendarYear, 2027) is None


def test_import_checks_the_year_given_on_the_command_line(cli, csv_file):
    result = cli("calendar", "import", csv_file(CSV_2027), "--year", "2028")
    assert result.exit_code != 0 and "2028" in result.stderr and "第2行" in result.stderr
    assert db.session.get(CalendarYear, 2027) is None


def test_import_of_a_missing_file_or_an_excel_workbook_is_a_clear_error(cli, csv_file, tmp_path):
    result = cli("calendar", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code != 0 and "不存在" in result.stderr
    result = cli("calendar", "import", csv_file(b"PK\x03\x04binary", "notice.xlsx"))
    assert result.exit_code != 0 and "CSV UTF-8" in result.stderr
    result = cli("calendar", "import")
    assert result.exit_code != 0 and "缺少" in result.stderr


# --- calendar show / export -----------------------------------------------------------------------


def test_show_a_package_year(cli):
    result = cli("calendar", "show", "2026")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "2026年：已确认（内置国务院放假安排）"
    assert "2026-02-16 星期一 春节" in out
    assert "2026-10-07 星期三 国庆节" in out
    makeup = out.split("调休上班（", 1)[1]
    assert makeup.startswith("6天）")
    for d in (
        "2026-01-04 星期日",
        "2026-02-14 星期六",
        "2026-02-28 星期六",
        "2026-05-09 星期六",
        "2026-09-20 星期日",
        "2026-10-10 星期六",
    ):
        assert d in makeup


def test_show_a_provisional_year_then_the_confirmed_one(cli, csv_file):
    out = cli("calendar", "show", "2027").stdout
    assert "暂定" in out.splitlines()[0]
    assert "2027-02-05 星期五 春节" in out  # 除夕 in the statutory estimate
    assert "2027-04-05 星期一 清明节" in out
    assert cli("calendar", "import", csv_file(CSV_2027), "--source", "测试用通知").exit_code == 0
    out = cli("calendar", "show", "2027").stdout
    assert out.splitlines()[0] == "2027年：已确认（管理员录入）"
    assert "测试用通知" in out
    assert "2027-02-20 星期六 春节调休上班" in out
    assert "清明" not in out


@pytest.mark.parametrize("arg", ["abc", "27", "1800", "2100"])
def test_show_refuses_a_bad_year(cli, arg):
    result = cli("calendar", "show", arg)
    assert result.exit_code != 0 and "年" in result.stderr


def test_export_round_trips_through_import(cli, csv_file):
    exported = cli("calendar", "export", "2026").stdout
    assert exported.startswith("date,kind,name\n2026-01-01,off,元旦\n")
    before = [service.current_calendar().is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)]
    assert cli("calendar", "import", csv_file(exported)).exit_code == 0
    cal = service.current_calendar()
    assert cal.year_status(2026) == "confirmed"
    assert [cal.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)] == before
    ev = db.session.scalars(select(Event).where(Event.kind == "calendar.changed")).one()
    assert ev.data["changed_days"] == []
    # An estimate is exported with a warning: it is no notice.
    result = cli("calendar", "export", "2028")
    assert result.exit_code == 0 and "尚未录入" in result.stderr and "2028-01-01,off,元旦" in result.stdout


# --- due-date -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, expected",
    [
        # 20 working days after Monday 2026-03-02: the receipt day does not count.
        (["2026-03-02"], "2026-03-30"),
        # Across 国庆 2026 (Oct 1-7 off) and the make-up Saturday Oct 10.
        (["2026-09-30", "--working-days", "7"], "2026-10-15"),
        # A receipt on a holiday starts counting on the first working day after it.
        (["2026-10-03", "--working-days", "1"], "2026-10-08"),
        # Extension: 20 more working days after 03-30, over 清明 (Apr 4-6).
        (["2026-03-02", "--extend", "20"], "2026-04-28"),
        # A pause removes the working days after its start up to and including its end (Mar 6, 9, 10).
        (["2026-03-02", "--pause", "2026-03-05", "2026-03-10"], "2026-04-02"),
        # Two pauses (3 + 1 working days); the fifth day after 03-30 would be 04-07 because of 清明 (Apr 4-6).
        (["2026-03-02", "--pause", "2026-03-05", "2026-03-10", "--pause", "2026-03-16", "2026-03-17"], "2026-04-03"),
        (["2026-03-02", "--pause", "2026-03-05", "2026-03-10", "--pause", "2026-03-16", "2026-03-18"], "2026-04-07"),
        # Months: the corresponding day, which here is the make-up Saturday 2026-02-28 (a working day).
        (["2026-01-31", "--months", "1"], "2026-02-28"),
        # Months: 2026-05-01 is 劳动节, so the next working day.
        (["2026-02-01", "--months", "3"], "2026-05-06"),
        (["2026-02-01", "--months", "1", "--extend", "2"], "2026-05-06"),
    ],
)
def test_due_date_prints_the_date_on_the_first_line(cli, args, expected):
    result = cli("due-date", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [expected]


def test_due_date_explains_when_asked(cli):
    result = cli("due-date", "2026-03-02", "--pause", "2026-03-05", "2026-03-10", "--explain")
    lines = result.stdout.splitlines()
    assert lines[0] == "2026-04-02"
    assert any("扣除3个工作日" in line for line in lines[1:])


def test_due_date_into_a_provisional_year_says_so_until_the_year_is_entered(cli, csv_file):
    result = cli("due-date", "2026-12-10")
    lines = result.stdout.splitlines()
    assert lines[0] == "2027-01-08"
    assert lines[1].startswith("暂定") and "2027年" in lines[1]
    # After 2027-02-04 the estimate (除夕 Feb 5 to 初三 Feb 8) and the entered notice differ.
    assert cli("due-date", "2027-01-25").stdout.splitlines()[0] == "2027-02-24"
    assert cli("calendar", "import", csv_file(CSV_2027)).exit_code == 0
    assert cli("due-date", "2026-12-10").stdout.splitlines() == ["2027-01-08"]
    assert cli("due-date", "2027-01-25").stdout.splitlines() == ["2027-02-26"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["2026-02-30"], "不是有效日期"),
        (["26-3-2"], "YYYY-MM-DD"),
        (["2026-03-02", "--working-days", "0"], "工作日天数"),
        (["2026-03-02", "--working-days", "abc"], "工作日天数"),
        (["2026-03-02", "--working-days", "5", "--months", "1"], "只能填写一种"),
        (["2026-03-02", "--months", "0"], "月数"),
        (["2026-03-02", "--months", "1", "--pause", "2026-03-05", "2026-03-10"], "不适用暂停"),
        (["2026-03-02", "--extend", "-1"], "延期"),
        (["2026-03-02", "--extend", "21"], "延期21个工作日超过法定上限"),  # 条例第三十三条: at most 20
        (["2018-03-02", "--extend", "16"], "最长不得超过15个工作日"),  # 2007年条例第二十四条
        (["2026-03-02", "--pause", "2026-03-10", "2026-03-05"], "早于开始日期"),
        (["2026-03-02", "--pause", "2026-03-10"], "两个日期"),
        (["2026-03-02", "--pause", "2026-03-10", "x"], "结束日期"),
        ([], "缺少起算日期"),
        (["2026-03-02", "--weeks", "2"], "没有选项"),
        (["9999-12-31"], "2099"),
    ],
)
def test_due_date_refuses_bad_arguments_in_chinese(cli, args, message):
    result = cli("due-date", *args)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.startswith("错误：") and message in result.stderr


# --- recomputing open deadlines ---------------------------------------------------------------------


def register(office, received: date, name: str = "张三") -> DisclosureRequest:
    data = {
        "applicant_type": "natural_person",
        "applicant_name": name,
        "id_type": "none",
        "channel": "in_person",
        "sent_on": received,
        "received_on": received,
        "subject": "某项目批复",
        "content": "请公开某项目批复。",
        "provision_form": "electronic",
    }
    return intake.register_request(office, data, today=received)


def recompute_events(req_id: int) -> list[Event]:
    return db.session.scalars(
        select(Event).where(
            Event.subject_type == "request", Event.subject_id == req_id, Event.kind == "request.deadline_recomputed"
        )
    ).all()


@pytest.fixture()
def office(make_user):
    return make_user("office")


def test_entering_2027_recomputes_open_deadlines_records_them_and_leaves_concluded_cases_alone(cli, csv_file, office):
    december = register(office, date(2026, 12, 10))
    january = register(office, date(2027, 1, 25), "李四")
    closed = register(office, date(2027, 1, 25), "王五")
    assert (december.due_date, december.due_provisional) == (date(2027, 1, 8), True)
    assert (january.due_date, january.due_provisional) == (date(2027, 2, 24), True)
    closed.status, closed.outcome, closed.concluded_on = CONCLUDED, "other.other", date(2027, 1, 26)
    db.session.commit()
    ids = december.id, january.id, closed.id

    result = cli("calendar", "import", csv_file(CSV_2027))
    assert result.exit_code == 0, result.output
    assert "2件的期限发生变化" in result.stdout

    db.session.expire_all()
    december, january, closed = (db.session.get(DisclosureRequest, i) for i in ids)
    # Same date, but no longer provisional.
    assert (december.due_date, december.due_provisional) == (date(2027, 1, 8), False)
    [ev] = recompute_events(december.id)
    assert ev.data == {"due_provisional": [True, False]}
    assert "2027" in ev.note and ev.agency_id == december.agency_id
    # Feb 5-11 off and Sat Feb 20 worked instead of the estimate's Feb 5-8.
    assert (january.due_date, january.due_provisional) == (date(2027, 2, 26), False)
    [ev] = recompute_events(january.id)
    assert ev.data["due_date"] == ["2027-02-24", "2027-02-26"]
    # A concluded case keeps what it had.
    assert (closed.due_date, closed.due_provisional) == (date(2027, 2, 24), True)
    assert recompute_events(closed.id) == []

    # Entering the same arrangement again changes no deadline and records nothing on the cases.
    result = cli("calendar", "import", csv_file(CSV_2027, "again.csv"))
    assert "0件的期限发生变化" in result.stdout
    assert len(recompute_events(december.id)) == 1 and len(recompute_events(january.id)) == 1


def test_apply_year_checks_permission_and_its_input_and_changes_nothing_on_refusal(office, make_user):
    with pytest.raises(PermissionDenied):  # the disclosure office may not change the calendar
        service.apply_year(2027, [(date(2027, 1, 1), False, "元旦")], actor=office)
    with pytest.raises(service.CalendarInvalid) as exc:
        service.apply_year(2027, [(date(2027, 1, 1), False, "元旦"), (date(2027, 2, 3), True, "")])
    assert "星期三" in exc.value.errors[0]
    with pytest.raises(service.CalendarInvalid) as exc:
        service.apply_year(2027, [(date(2028, 1, 1), False, "元旦")])
    assert "2028" in exc.value.errors[0]
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert count_events("calendar.changed") == 0
    with pytest.raises(PermissionDenied, match="平台管理员"):  # an agency's admin reads the shared calendar only
        service.apply_year(2027, [(date(2027, 1, 1), False, "元旦")], actor=make_user("admin"))
    admin = make_user("platform_admin")
    result = service.apply_year(2027, [(date(2027, 1, 1), False, "元旦")], actor=admin, source="测试")
    assert result.year == 2027 and db.session.get(CalendarYear, 2027).updated_by_id == admin.id
    ev = db.session.scalars(select(Event).where(Event.kind == "calendar.changed")).one()
    assert ev.actor_id == admin.id and ev.data["status"][1] == "已确认（管理员录入）"


# --- the cache ------------------------------------------------------------------------------------


def test_the_cached_calendar_follows_changes_committed_by_another_process(app_ctx):
    """Another process writes through its own connection; commits may land in any order.

    The second change below carries an older timestamp than the newest year (a transaction that began
    first and committed last), and keeps the number of years and of days: only the revision sum moves.
    """
    now = utcnow()
    with db.engine.begin() as conn:  # "another process"
        conn.execute(
            insert(CalendarYear),
            [
                {"year": 2027, "confirmed": True, "updated_at": now - timedelta(hours=2), "revision": 1},
                {"year": 2028, "confirmed": True, "updated_at": now, "revision": 1},
            ],
        )
        conn.execute(
            insert(CalendarDay),
            [
                {"day": date(2027, 1, 4), "year": 2027, "is_workday": False},
                {"day": date(2028, 1, 3), "year": 2028, "is_workday": False},
            ],
        )
    cal = service.current_calendar()
    assert cal.year_status(2027) == "confirmed" and not cal.is_workday(date(2027, 1, 4))
    assert service.current_calendar() is cal  # cached while nothing changes

    with db.engine.begin() as conn:
        conn.execute(
            update(CalendarYear)
            .where(CalendarYear.year == 2027)
            .values(revision=CalendarYear.revision + 1, updated_at=now - timedelta(hours=1))
        )
        conn.execute(delete(CalendarDay).where(CalendarDay.year == 2027))
        conn.execute(insert(CalendarDay), [{"day": date(2027, 1, 5), "year": 2027, "is_workday": False}])
    db.session.rollback()  # end this session's transaction, as each web request does
    cal = service.current_calendar()
    assert cal.is_workday(date(2027, 1, 4)) and not cal.is_workday(date(2027, 1, 5))


def test_a_rolled_back_change_does_not_leave_its_calendar_in_the_cache(app_ctx, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("recompute failed")

    monkeypatch.setattr(service, "recompute_open_deadlines", boom)
    with pytest.raises(RuntimeError):
        service.apply_year(2027, [(date(2027, 1, 4), False, "")])
    assert db.session.get(CalendarYear, 2027) is None
    cal = service.current_calendar()
    assert cal.year_status(2027) == "provisional" and cal.is_workday(date(2027, 1, 4))


def test_the_2026_example_in_the_manual_imports_and_matches_the_official_arrangement(cli, csv_file):
    """docs/calendar.md shows administrators a whole year; it must be a valid file and the real 2026."""
    from pathlib import Path

    manual = (Path(__file__).resolve().parents[2] / "docs" / "calendar.md").read_text(encoding="utf-8")
    example = manual.split("```csv\n", 1)[1].split("```", 1)[0]
    package = service.current_calendar()
    before = [package.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)]
    result = cli("calendar", "import", csv_file(example))
    assert result.exit_code == 0, result.output
    cal = service.current_calendar()
    assert cal.year_status(2026) == "confirmed"
    assert [cal.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)] == before
