"""The registers behind table 二 and the proactive figures: one service, pages, clear refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tracker.accounts.models import Agency
from tracker.audit import timeline
from tracker.errors import NotFound, PermissionDenied
from tracker.extensions import db
from tracker.reports import registers
from tracker.reports.derive import derive
from tracker.reports.models import RegisterEntry

TODAY = date(2024, 2, 1)


@pytest.fixture()
def office(make_user):
    return make_user("office")


def _count():
    return db.session.scalar(select(func.count()).select_from(RegisterEntry))


def test_each_register_feeds_its_cell(office):
    registers.add_entry(
        office,
        "proactive",
        {
            "entry_date": "2023-03-01",
            "category": "机构职能",
            "title": "机构职能调整",
            "link": "https://example.gov.cn/1",
        },
        today=TODAY,
    )
    registers.add_entry(
        office,
        "document",
        {
            "entry_date": "2023-04-01",
            "category": "normative_documents",
            "title": "关于……的通知",
            "doc_number": "某发改规〔2023〕1号",
        },
        today=TODAY,
    )
    registers.add_entry(
        office,
        "decision",
        {"entry_date": "2023-06-30", "category": "administrative_penalty", "quantity": "1,200"},
        today=TODAY,
    )
    registers.add_entry(office, "fee", {"entry_date": date(2023, 12, 31), "amount_yuan": "25,000.5"}, today=TODAY)
    report = derive(office.agency_id, 2023, today=TODAY)
    assert report["summary"]["proactive_by_category"] == {"机构职能": 1}
    assert report["table2"]["normative_documents"] == {"issued": 1, "abolished": 0, "in_force": 1}
    assert report["table2"]["administrative_penalty"] == {"decisions": 1200}
    assert report["table2"]["administrative_fees"] == {"amount_wan_yuan": 2.5001}  # 25,000.50 yuan → 4 places
    fee = db.session.scalars(select(RegisterEntry).where(RegisterEntry.kind == "fee")).one()
    assert fee.category == "administrative_fees" and fee.title == "行政事业性收费（2023-12-31）"
    assert fee.amount_yuan == Decimal("25000.50")


@pytest.mark.parametrize(
    "kind, data, field, message",
    [
        ("proactive", {"entry_date": "", "category": "机构职能", "title": "x"}, "entry_date", "请填写公开日期"),
        ("proactive", {"entry_date": "2023/3/1", "category": "机构职能", "title": "x"}, "entry_date", "格式不正确"),
        ("proactive", {"entry_date": "2024-05-01", "category": "机构职能", "title": "x"}, "entry_date", "不能晚于今天"),
        (
            "proactive",
            {"entry_date": "2023-03-01", "category": "", "title": "x"},
            "category",
            "请填写主动公开信息的类别",
        ),
        ("proactive", {"entry_date": "2023-03-01", "category": "机构职能", "title": ""}, "title", "请填写信息标题"),
        (
            "proactive",
            {"entry_date": "2023-03-01", "category": "机构职能", "title": "x", "link": "javascript:alert(1)"},
            "link",
            "链接应以 http:// 或 https:// 开头",
        ),
        (
            "proactive",
            {"entry_date": "2023-03-01", "category": "机构职能", "title": "字" * 301},
            "title",
            "不能超过300个字",
        ),
        ("document", {"entry_date": "2023-03-01", "category": "rules", "title": "x"}, "doc_number", "请填写文号"),
        (
            "document",
            {"entry_date": "2023-03-01", "category": "administrative_licensing", "title": "x", "doc_number": "1"},
            "category",
            "请选择规章、行政规范性文件中的一项",
        ),
        (
            "document",
            {
                "entry_date": "2023-03-01",
                "category": "rules",
                "title": "x",
                "doc_number": "1",
                "abolished_on": "2023-02-01",
            },
            "abolished_on",
            "废止日期不能早于印发日期",
        ),
        (
            "decision",
            {"entry_date": "2023-03-01", "category": "administrative_licensing", "quantity": "0"},
            "quantity",
            "决定数量应为 1 到",
        ),
        (
            "decision",
            {"entry_date": "2023-03-01", "category": "administrative_licensing", "quantity": "三"},
            "quantity",
            "决定数量应为 1 到",
        ),
        ("decision", {"entry_date": "2023-03-01", "category": "rules", "quantity": "3"}, "category", "请选择行政许可"),
        ("fee", {"entry_date": "2023-03-01", "amount_yuan": "abc"}, "amount_yuan", "不是数字"),
        ("fee", {"entry_date": "2023-03-01", "amount_yuan": "-5"}, "amount_yuan", "应大于 0、最多两位小数"),
        ("fee", {"entry_date": "2023-03-01", "amount_yuan": "1.234"}, "amount_yuan", "应大于 0、最多两位小数"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_writes_nothing(office, kind, data, field, message):
    with pytest.raises(registers.RegisterInvalid) as e:
        registers.add_entry(office, kind, data, today=TODAY)
    assert message in e.value.errors[field]
    assert _count() == 0


def test_edit_and_delete_record_events(office):
    entry = registers.add_entry(
        office,
        "decision",
        {"entry_date": "2023-03-31", "category": "administrative_licensing", "quantity": "4", "title": "一季度"},
        today=TODAY,
    )
    diff = registers.edit_entry(
        office,
        entry.id,
        {"entry_date": "2023-03-31", "category": "administrative_licensing", "quantity": "5", "title": "一季度"},
        today=TODAY,
    )
    assert diff == {"quantity": [4, 5]}
    assert (
        registers.edit_entry(
            office,
            entry.id,
            {"entry_date": "2023-03-31", "category": "administrative_licensing", "quantity": "5", "title": "一季度"},
            today=TODAY,
        )
        == {}
    )
    registers.delete_entry(office, entry.id)
    assert _count() == 0
    events = timeline("register", entry.id)
    assert [e.kind for e in events] == ["register.added", "register.edited", "register.deleted"]
    assert events[2].data["quantity"] == [5, None]


def test_other_agency_and_other_roles(office, make_user, make_section):
    other = Agency(name="别的机关", settings={})
    db.session.add(other)
    db.session.commit()
    foreign = RegisterEntry(
        agency_id=other.id, kind="proactive", category="机构职能", entry_date=date(2023, 1, 1), title="别人的"
    )
    db.session.add(foreign)
    db.session.commit()
    with pytest.raises(NotFound):
        registers.edit_entry(office, foreign.id, {"entry_date": "2023-01-02", "category": "x", "title": "y"})
    with pytest.raises(NotFound):
        registers.delete_entry(office, foreign.id)
    leader = make_user("leader")
    with pytest.raises(PermissionDenied):
        registers.add_entry(leader, "proactive", {"entry_date": "2023-01-01", "category": "x", "title": "y"})
    assert _count() == 1


def test_register_pages(office, login, client, form_post):
    login(office)
    resp = form_post(
        "/reports/registers/document/new",
        {"entry_date": "2023-05-06", "category": "rules", "title": "某某办法", "doc_number": "令第1号"},
        follow_redirects=True,
    )
    html = resp.get_data(as_text=True)
    assert "已登记" in html and "某某办法" in html and "规章" in html
    entry = db.session.scalars(select(RegisterEntry)).one()
    resp = form_post(
        "/reports/registers/document/new",
        {"entry_date": "2023-05-06", "category": "rules", "title": "", "doc_number": ""},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请填写文件标题" in html and "请填写文号" in html
    assert _count() == 1
    resp = form_post(
        f"/reports/registers/document/{entry.id}/edit",
        {
            "entry_date": "2023-05-06",
            "category": "rules",
            "title": "某某办法",
            "doc_number": "令第1号",
            "abolished_on": "2023-12-01",
        },
        follow_redirects=True,
    )
    assert "已修改" in resp.get_data(as_text=True)
    assert db.session.get(RegisterEntry, entry.id).abolished_on == date(2023, 12, 1)
    assert client.get(f"/reports/registers/proactive/{entry.id}/edit").status_code == 404  # wrong register
    resp = form_post(
        f"/reports/registers/document/{entry.id}/delete",
        {},
        page_url="/reports/registers/document/",
        follow_redirects=True,
    )
    assert "已删除" in resp.get_data(as_text=True) and _count() == 0
    assert client.get("/reports/registers/bogus/").status_code == 404


def test_proactive_form_suggests_categories(office, login, client):
    login(office)
    html = client.get("/reports/registers/proactive/new").get_data(as_text=True)
    assert 'list="proactive-categories"' in html and '<option value="机构职能">' in html


def test_register_pages_permissions(make_user, make_section, login, client):
    staff = make_user("staff", section=make_section("综合科"))
    login(staff)
    assert client.get("/reports/registers/proactive/").status_code == 403
    assert client.get("/reports/").status_code == 403


def test_leader_reads_but_cannot_change(make_user, login, client):
    login(make_user("leader"))
    assert client.get("/reports/registers/fee/").status_code == 200
    assert client.get("/reports/registers/fee/new").status_code == 403
    html = client.get("/reports/").get_data(as_text=True)
    assert "年度报告" in html and "行政事业性收费" in html
