"""The 期限计算器 page and the administrator's calendar pages, through the real forms with CSRF on."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker.audit import Event
from tracker.disclosure import intake
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.workcal import service
from tracker.workcal.models import CalendarDay, CalendarYear

# A made-up 2027 arrangement (the real notice is not out yet).
CSV_2027 = (
    "date,kind,name\n2027-01-01,off,元旦\n2027-02-05,休,春节\n2027-02-08,休,春节\n2027-02-09,休,春节\n"
    "2027-02-10,休,春节\n2027-02-11,休,春节\n2027-02-20,班,春节调休上班\n"
)


def text(resp) -> str:
    return resp.get_data(as_text=True)


def calendar_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarDay))


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def confirm_form(page: str) -> dict:
    """The fields of the preview's 确认录入 form, as the browser would send them."""
    form = page.split('id="calendar-confirm"', 1)[1].split("</form>", 1)[0]
    fields = {n: html.unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form, re.S)}
    fields.update(re.findall(r'<button[^>]*name="(step)"[^>]*value="([^"]+)"', form)[:1])  # the first: 确认应用
    return fields


def checked_then_confirmed(client, form_post, data: dict, **kw):
    """Step 1 checks the arrangement and changes nothing; step 2 confirms exactly what was shown."""
    before = db.session.scalar(select(func.count()).select_from(Event))
    preview = form_post("/calendar/import", data, **kw)
    page = text(preview)
    assert preview.status_code == 200 and 'id="calendar-confirm"' in page, page
    assert db.session.scalar(select(func.count()).select_from(Event)) == before  # nothing written yet
    fields = confirm_form(page)
    assert fields["step"] == "confirm"
    return client.post("/calendar/import", data=fields)


@pytest.fixture()
def admin(make_user, login):
    """The calendar's owner: the platform administrator (issue 14; an agency's admin only reads it)."""
    user = make_user("platform_admin")
    login(user)
    return user


@pytest.fixture()
def staff(make_section, make_user, login):
    user = make_user("staff", section=make_section("综合科"))
    login(user)
    return user


# --- 期限计算器 ------------------------------------------------------------------------------------


def test_calculator_needs_a_login(client, app_ctx):
    resp = client.get("/calendar/calculator")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_calculator_is_linked_for_every_logged_in_user_and_shows_an_empty_form(client, staff):
    page = text(client.get("/requests/"))
    assert 'href="/calendar/calculator"' in page
    page = text(client.get("/calendar/calculator"))
    assert "期限计算器" in page and 'name="start"' in page and 'id="due-date"' not in page


def due_on(page: str) -> str:
    m = re.search(r'id="due-date">([^<]*)<', page)
    assert m, page
    return m.group(1)


def test_calculator_default_is_20_working_days_with_the_steps(client, staff):
    page = text(client.get("/calendar/calculator", query_string={"start": "2026-03-02"}))
    assert due_on(page) == "2026-03-30"
    assert "其后第20个工作日为2026-03-30" in page
    assert "暂定" not in page.split('id="due-date"', 1)[1]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"start": "2026-09-30", "n": "7", "mode": "workdays"}, "2026-10-15"),
        ({"start": "2026-03-02", "extend": "20"}, "2026-04-28"),
        ({"start": "2026-01-31", "n": "1", "mode": "months"}, "2026-02-28"),
        ({"start": "2026-02-01", "n": "1", "mode": "months", "extend": "2"}, "2026-05-06"),
    ],
)
def test_calculator_working_days_months_and_extension(client, staff, query, expected):
    assert due_on(text(client.get("/calendar/calculator", query_string=query))) == expected


def test_calculator_pauses_keep_their_rows_and_move_the_date(client, staff):
    query = [
        ("start", "2026-03-02"),
        ("pause_from", "2026-03-05"),
        ("pause_to", "2026-03-10"),
        ("pause_from", ""),
        ("pause_to", ""),
        ("pause_from", "2026-03-16"),
        ("pause_to", "2026-03-17"),
    ]
    page = text(client.get("/calendar/calculator", query_string=query))
    assert due_on(page) == "2026-04-03"
    assert "扣除3个工作日" in page and "扣除1个工作日" in page
    assert 'value="2026-03-16"' in page  # what was typed stays in the form


def test_calculator_marks_a_provisional_result_with_its_reason(client, staff):
    page = text(client.get("/calendar/calculator", query_string={"start": "2026-12-10"}))
    assert due_on(page) == "2027-01-08"
    result = page.split('id="due-date"', 1)[1]
    assert "暂定" in result and "2027年的放假安排尚未确认" in result


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "2026-02-30"}, "不是有效日期"),
        ({"start": ""}, "请填写起算日期"),
        ({"start": "2026-03-02", "n": "abc"}, "工作日天数应为1到500之间的整数"),
        ({"start": "2026-03-02", "mode": "months"}, "按月计算时请填写月数"),
        (
            {"start": "2026-03-02", "n": "1", "mode": "months", "pause_from": "2026-03-05", "pause_to": "2026-03-06"},
            "不适用暂停",
        ),
        ({"start": "2026-03-02", "pause_from": "2026-03-10", "pause_to": "2026-03-05"}, "早于开始日期"),
        ({"start": "2026-03-02", "pause_from": "2026-03-10", "pause_to": ""}, "第1个暂停的结束日期"),
        ({"start": "2026-03-02", "extend": "-3"}, "延期应为"),
        ({"start": "2026-03-02", "extend": "21"}, "最长不得超过20个工作日"),
    ],
)
def test_calculator_explains_bad_input_without_a_date(client, staff, query, message):
    resp = client.get("/calendar/calculator", query_string=query)
    assert resp.status_code == 200
    page = text(resp)
    assert message in page and "未能计算" in page
    assert 'id="due-date"' not in page


# --- admin pages: permission ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["office", "leader", "staff"])
def test_calendar_admin_pages_are_for_administrators_only(client, make_user, make_section, login, role):
    user = make_user(role, section=make_section("综合科") if role == "staff" else None)
    login(user)
    assert 'href="/calendar/years"' not in text(client.get("/requests/"))
    for url in ("/calendar/years", "/calendar/years/2027", "/calendar/years/2026.csv", "/calendar/import"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(text(client.get("/requests/")))
    resp = client.post("/calendar/import", data={"csrf_token": token, "csv_text": CSV_2027})
    assert resp.status_code == 403
    assert db.session.get(CalendarYear, 2027) is None


# --- admin pages: viewing -------------------------------------------------------------------------


def test_years_list_shows_each_years_status(client, admin):
    page = text(client.get("/admin/sections"))
    assert 'href="/calendar/years"' in page  # the admin tab
    page = text(client.get("/calendar/years"))
    row_2026 = page.split('href="/calendar/years/2026">2026年</a>', 1)[1].split("</tr>", 1)[0]
    assert "内置数据" in row_2026 and "6天" in row_2026
    row_2027 = page.split('href="/calendar/years/2027">2027年</a>', 1)[1].split("</tr>", 1)[0]
    assert "暂定" in row_2027


def test_year_page_as_month_grid_and_as_list(client, admin):
    page = text(client.get("/calendar/years/2026"))
    assert "内置数据" in page and "10月" in page
    assert 'title="2026-02-16 春节"' in page  # a day off in the grid
    assert 'title="2026-02-14 调休上班"' in page  # a make-up Saturday
    page = text(client.get("/calendar/years/2026", query_string={"view": "list"}))
    assert "<td>2026-10-07</td><td>星期三</td><td>国庆节</td>" in page
    assert "<td>2026-10-10</td><td>星期六</td><td>调休上班</td>" in page
    page = text(client.get("/calendar/years/2027"))
    assert "暂定" in page and "尚未录入" in page


def test_year_page_out_of_range_is_404_and_open_box_checks_the_year(client, admin):
    assert client.get("/calendar/years/2100").status_code == 404
    resp = client.get("/calendar/years/open", query_string={"year": "2028"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/calendar/years/2028")
    resp = client.get("/calendar/years/open", query_string={"year": "abc"}, follow_redirects=True)
    assert "四位年份" in text(resp)


def test_csv_download_is_the_import_format_with_a_bom(client, admin):
    resp = client.get("/calendar/years/2026.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data()
    assert body.startswith(b"\xef\xbb\xbfdate,kind,name\n")
    assert "2026-02-28,work,调休上班" in body.decode("utf-8-sig")


# --- admin pages: entering a year --------------------------------------------------------------------


def test_paste_a_year_recomputes_open_deadlines_and_says_how_many(client, admin, form_post, make_user, login):
    office = make_user("office")
    login(office)  # the case pages are the office's; the calendar is the platform administrator's
    req = intake.register_request(
        office,
        {
            "applicant_type": "natural_person",
            "applicant_name": "张三",
            "id_type": "none",
            "channel": "in_person",
            "sent_on": date(2027, 1, 25),
            "received_on": date(2027, 1, 25),
            "subject": "批复",
            "content": "请公开批复。",
            "provision_form": "electronic",
        },
        today=date(2027, 1, 25),
    )
    assert (req.due_date, req.due_provisional) == (date(2027, 2, 24), True)
    detail = text(client.get(f"/requests/{req.id}"))
    assert "暂定" in detail and "2027年放假安排尚未录入" in detail
    listing = text(client.get("/requests/"))
    assert "暂定" in listing and "所依据年度的国务院放假安排尚未录入" in listing

    login(admin)
    resp = checked_then_confirmed(client, form_post, {"csv_text": CSV_2027, "year": "2027", "source": "测试用通知"})
    assert db.session.get(CalendarYear, 2027) is not None
    page = text(client.get(resp.headers["Location"]))
    assert "已录入2027年放假安排" in page and "1件的期限发生变化" in page
    assert "已确认" in page and "测试用通知" in page
    assert db.session.get(CalendarYear, 2027).updated_by_id == admin.id

    db.session.expire_all()
    req = db.session.get(DisclosureRequest, req.id)
    assert (req.due_date, req.due_provisional) == (date(2027, 2, 26), False)
    assert client.get(f"/requests/{req.id}").status_code == 404  # the platform administrator sees no case
    login(office)
    detail = text(client.get(f"/requests/{req.id}"))
    assert "2027-02-26" in detail and "重新计算期限" in detail
    assert "放假安排尚未录入" not in detail
    assert "所依据年度的国务院放假安排尚未录入" not in text(client.get("/requests/"))
    # The year page keeps the history of the change.
    login(admin)
    page = text(client.get("/calendar/years/2027"))
    assert "修改工作日历" in page and "测试用通知" in page


def test_upload_a_file(client, admin, form_post):
    data = {"csv_file": (io.BytesIO(("\ufeff" + CSV_2027).encode("utf-8")), "2027.csv"), "csv_text": "date,kind,name\n"}
    resp = checked_then_confirmed(client, form_post, data, content_type="multipart/form-data")
    assert resp.status_code == 302, text(resp)
    assert resp.headers["Location"].endswith("/calendar/years/2027")
    assert service.current_calendar().year_status(2027) == "confirmed"
    assert calendar_rows() == 7


@pytest.mark.parametrize(
    "data, messages",
    [
        (
            {"csv_text": "date,kind,name\n2027-01-01,off,元旦\n2027-02-03,work,\n2028-01-01,off,\n"},
            ["第3行", "星期三", "第4行", "2028"],
        ),
        ({"csv_text": "date,kind,name\n2027-01-01,off,元旦\n2027-01-01,休,元旦\n"}, ["第3行", "与第2行重复"]),
        ({"csv_text": "date,kind,name\n2027-01-01,vacation,元旦\n"}, ["第2行", "vacation"]),
        ({"csv_text": CSV_2027, "year": "2028"}, ["第2行", "2028年的安排"]),
        ({"csv_text": "date,kind,name\n"}, ["请上传CSV文件，或在文本框中"]),
        ({"csv_text": ""}, ["请上传CSV文件，或在文本框中"]),
        ({"csv_text": CSV_2027, "year": "abc"}, ["未导入"]),
    ],
)
def test_paste_errors_are_listed_with_line_numbers_and_change_nothing(client, admin, form_post, data, messages):
    before = db.session.scalar(select(func.count()).select_from(Event))
    resp = form_post("/calendar/import", data)
    assert resp.status_code == 200
    page = text(resp)
    assert "工作日历没有任何改动" in page
    for m in messages:
        assert m in page
    assert db.session.get(CalendarYear, 2027) is None and calendar_rows() == 0
    assert db.session.scalar(select(func.count()).select_from(Event)) == before


@pytest.mark.parametrize(
    "upload, pasted, message",
    [
        ((CSV_2027.encode("gbk"), "2027.csv"), "", "不是UTF-8编码"),
        ((b"PK\x03\x04", "2027.xlsx"), "", "Excel工作簿"),
        ((CSV_2027.encode("utf-8"), "2027.csv"), CSV_2027, "请只选择一种方式"),
    ],
)
def test_upload_errors_change_nothing(client, admin, form_post, upload, pasted, message):
    data = {"csv_file": (io.BytesIO(upload[0]), upload[1]), "csv_text": pasted}
    resp = form_post("/calendar/import", data, content_type="multipart/form-data")
    assert resp.status_code == 200
    assert message in text(resp)
    assert db.session.get(CalendarYear, 2027) is None and calendar_rows() == 0


def test_import_page_offers_the_current_data_of_a_known_year_as_a_template(client, admin):
    page = text(client.get("/calendar/import", query_string={"year": "2026"}))
    assert 'href="/calendar/years/2026.csv"' in page and 'value="2026"' in page
    page = text(client.get("/calendar/import", query_string={"year": "2027"}))
    assert "/calendar/years/2027.csv" not in page  # an estimate is no template for a notice
    assert "date,kind,name" in page


# --- issue 18: what the pages say, once; validate before asking to confirm --------------------------


def test_status_words_are_said_once(client, admin):
    page = text(client.get("/calendar/years"))
    for year, word in ((2027, "暂定"), (2026, "内置")):
        row = page.split(f'href="/calendar/years/{year}">{year}年</a>', 1)[1].split("</tr>", 1)[0]
        cell = plain(row.split("<td>", 2)[1])  # the status cell
        assert cell.count(word) == 1, cell
    for year, word in ((2028, "暂定"), (2026, "内置")):
        page = text(client.get(f"/calendar/years/{year}"))
        head = plain(page.split("<h1", 1)[1].split('<ul class="nav', 1)[0].split('<div class="alert', 1)[0])
        assert head.count(word) == 1, head


def test_calculator_steps_name_a_pause_once_and_invent_no_approval_date(client, staff):
    query = [("start", "2026-03-02"), ("extend", "5"), ("pause_from", "2026-03-05"), ("pause_to", "2026-03-10")]
    steps = plain(text(client.get("/calendar/calculator", query_string=query)).split("计算过程", 1)[1])
    assert "暂停计算暂停" not in steps
    assert "暂停计算：2026-03-05至2026-03-10，扣除3个工作日" in steps
    assert "2026-03-02经批准" not in steps and "延期5个工作日" in steps  # the page asks for no approval date


def test_import_checks_the_arrangement_before_asking_to_confirm(client, admin, form_post):
    page = text(client.get("/calendar/import"))
    assert "data-confirm" not in page  # no question before the file has been checked
    bad = form_post("/calendar/import", {"csv_text": "date,kind,name\n2027-02-30,off,\n"})
    assert "工作日历没有任何改动" in text(bad) and 'id="calendar-confirm"' not in text(bad)
    preview = form_post("/calendar/import", {"csv_text": CSV_2027, "source": "测试用通知"})
    page = plain(text(preview))
    assert "检查通过" in page and "2027年" in page and "放假6天" in page and "调休上班1天" in page
    assert "2027-02-05" in page  # the days whose kind changes are listed before confirming
    assert db.session.get(CalendarYear, 2027) is None and calendar_rows() == 0
    # a changed text is checked again: the confirm step re-validates what it is sent
    fields = confirm_form(text(preview))
    resp = client.post("/calendar/import", data={**fields, "csv_text": "date,kind,name\n2027-01-06,work,\n"})
    assert "工作日历没有任何改动" in text(resp) and db.session.get(CalendarYear, 2027) is None
