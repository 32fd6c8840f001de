"""The yearly summary and the export, on the known items of proposal_helpers.known_items.

Hand-worked figures for 2026 (item 7 is assigned in 2025 and counts nowhere), today = 2026-11-25:

| item | kind  | lead | contacted | reply (latest) | round due  | timeliness   | class | feedback | other        |
|------|-------|------|-----------|----------------|------------|--------------|-------|----------|--------------|
| 1    | npc   | 投资科 | yes       | 05-20          | 06-02      | on_time      | A     | 满意     | 价格科 co-handles |
| 2    | npc   | 投资科 | yes       | 06-05          | 06-02      | late         | B     | 基本满意  |              |
| 3    | npc   | 价格科 | yes       | 06-01 (2nd)    | 06-10      | on_time      | B     | 满意     | re-handled   |
| 4    | cppcc | 价格科 | yes       | 05-30          | 06-02      | on_time      | D     | —        | published    |
| 5    | cppcc | 能源科 | no        | —              | 06-02      | open_overdue | —     | —        | 价格科 co-handles |
| 6    | cppcc | 能源科 | yes       | —              | 2027-01-11 | open_pending | —     | —        |              |

total 6; npc 3, cppcc 3; replied 4; contacted 5 (83.3%); re-handled 1; published 1;
on time 3, late 1, open overdue 1, open pending 1 (on-time rate 3/4 = 75.0%);
A 1, B 2, C 0, D 1, not replied 2; 满意 2, 基本满意 1, 不满意 0, no feedback 3 (satisfied rate 3/3 = 100.0%).
By lead section: 投资科 2 items (2 replied, 2 contacted, 1 on time, 1 late); 价格科 2 (2, 2, 2 on time,
1 re-handled); 能源科 2 (0 replied, 1 contacted, 1 overdue, 1 pending).
A staff member of 价格科 sees items 3, 4 (lead), 1 and 5 (co-handler): 4 items, npc 2, cppcc 2, on time 3
(1, 3, 4), overdue 1 (5).
"""

import io
from datetime import date as D
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tracker.audit import Event
from tracker.extensions import db
from tracker.proposals import queries
from tracker.rules.proposals import DEFAULT_RESULT_LABELS

from .proposal_helpers import UserClient, known_items, make_org

TODAY = D(2026, 11, 25)


@pytest.fixture()
def org(make_section, make_user):
    return make_org(make_section, make_user)


@pytest.fixture()
def items(org):
    return known_items(org)


def client_for(app, user):
    return UserClient(app, user)


def test_summary_figures_for_the_agency(org, items):
    s = queries.summary(org["office"], 2026, TODAY, DEFAULT_RESULT_LABELS)
    assert (s.total, s.replied, s.contacted, s.rehandled, s.published) == (6, 4, 5, 1, 1)
    assert s.contact_rate == 83.3 and s.on_time_rate == 75.0 and s.satisfied_rate == 100.0
    assert s.timeliness == {"on_time": 3, "late": 1, "open_overdue": 1, "open_pending": 1}
    assert s.by_kind == [("人大代表建议", 3), ("政协提案", 3)]
    assert [(k, n) for k, _, n in s.by_result] == [("A", 1), ("B", 2), ("C", 0), ("D", 1), ("", 2)]
    assert s.by_satisfaction == [("满意", 2), ("基本满意", 1), ("不满意", 0), ("未反馈", 3)]
    by_section = {r["name"]: r for r in s.by_section}
    assert set(by_section) == {"投资科", "价格科", "能源科"}
    pick = ("total", "replied", "contacted", "on_time", "late", "open_overdue", "open_pending", "rehandled")
    assert [by_section["投资科"][k] for k in pick] == [2, 2, 2, 1, 1, 0, 0, 0]
    assert [by_section["价格科"][k] for k in pick] == [2, 2, 2, 2, 0, 0, 0, 1]
    assert [by_section["能源科"][k] for k in pick] == [2, 0, 1, 0, 0, 1, 1, 0]
    # The other year holds only item 7.
    s2025 = queries.summary(org["office"], 2025, TODAY, DEFAULT_RESULT_LABELS)
    assert s2025.total == 1 and s2025.timeliness == {"on_time": 0, "late": 0, "open_overdue": 1, "open_pending": 0}
    # An empty year: no division by zero, rates shown as “—”.
    empty = queries.summary(org["office"], 2020, TODAY, DEFAULT_RESULT_LABELS)
    assert empty.total == 0 and empty.contact_rate is None and empty.on_time_rate is None


def test_summary_is_scoped_to_what_the_user_sees(org, items):
    s = queries.summary(org["staff_B"], 2026, TODAY, DEFAULT_RESULT_LABELS)
    assert s.total == 4 and s.by_kind == [("人大代表建议", 2), ("政协提案", 2)]
    assert s.timeliness == {"on_time": 3, "late": 0, "open_overdue": 1, "open_pending": 0}
    s = queries.summary(org["staff_C"], 2026, TODAY, DEFAULT_RESULT_LABELS)
    assert s.total == 2 and s.contacted == 1


def test_summary_uses_sql_aggregates_only(org, items, app):
    """Five statements whatever the number of items: no row is loaded to be counted in Python."""
    from sqlalchemy import event

    statements = []
    user = org["office"]
    assert user.agency_id and user.role  # loaded before counting

    def count(conn, cursor, statement, *a):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        queries.summary(user, 2026, TODAY, DEFAULT_RESULT_LABELS)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 5
    assert all("GROUP BY" in s or "count(" in s.lower() for s in statements)


def test_summary_page_shows_the_figures(app, org, items):
    c = client_for(app, org["leader"])
    html = c.get("/proposals/summary?year=2026").get_data(as_text=True)
    assert 'data-figure="total">6<' in html and 'data-figure="replied">4<' in html
    assert 'data-figure="contact_rate">83.3%<' in html and 'data-figure="on_time_rate">75.0%<' in html
    assert "A类（所提问题已经解决或基本解决）" in html and "投资科" in html
    html = c.get("/proposals/summary?year=2020").get_data(as_text=True)
    assert 'data-figure="contact_rate">—<' in html
    assert c.get("/proposals/summary?year=abc").status_code == 200


def test_list_filters(app, org, items):
    c = client_for(app, org["office"])

    def numbers(query):
        html = c.get("/proposals/?" + query).get_data(as_text=True)
        return (
            html.count('href="/proposals/')
            - html.count('href="/proposals/new')
            - html.count('href="/proposals/summary')
            - html.count('href="/proposals/export')
            - html.count('href="/proposals/settings')
        )

    # Each item is linked twice per row (number and title) plus the nav link to the list itself.
    def rows(query):
        return (numbers(query) - 1) // 2

    assert rows("year=2026") == 6
    assert rows("year=2025") == 1
    assert rows("year=2026&kind=cppcc") == 3
    assert rows(f"year=2026&section={org['A'].id}") == 2
    assert rows("year=2026&status=closed") == 3
    assert rows("status=open") == 3
    assert rows("year=2026&result=B") == 2
    assert rows("year=2026&result=none") == 2
    assert rows("year=2026&satisfaction=none") == 3
    assert rows("year=2026&satisfaction=basically") == 1
    assert rows("due=late") == 1
    assert rows("year=2025&due=open_overdue") == 1
    assert rows("year=2026&due=on_time") == 3
    assert rows("q=老旧小区") == 1
    assert rows("year=abc&section=x&status=zzz") == 7  # unknown filter values are ignored, never a 500


def test_export_year_contents(app, org, items):
    c = client_for(app, org["office"])
    resp = c.get("/proposals/export?year=2026")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["人大代表建议", "政协提案"]
    npc = [[cell.value for cell in row] for row in wb["人大代表建议"].iter_rows()]
    assert npc[0] == ["编号", "标题", "代表/委员", "主办", "协办", "交办日期", "答复日期", "类别", "满意度"]
    assert npc[1] == [
        "1",
        "关于加快老旧小区改造的建议",
        "张代表",
        "投资科",
        "价格科",
        datetime(2026, 3, 2),
        datetime(2026, 5, 20),
        "A",
        "满意",
    ]
    assert [r[0] for r in npc[1:]] == ["1", "2", "3"]  # item 7 is from 2025
    assert npc[3][6:] == [datetime(2026, 6, 1), "B", "满意"]  # the re-handled item shows its latest reply
    cppcc = [[cell.value for cell in row] for row in wb["政协提案"].iter_rows()]
    assert cppcc[2] == ["2", "cppcc第2号的标题", "刘委员", "能源科", "价格科", datetime(2026, 3, 2), None, None, None]
    assert len(cppcc) == 4
    ev = db.session.scalars(select(Event).where(Event.kind == "proposal.exported")).one()
    assert ev.actor_id == org["office"].id and ev.data["count"] == 6 and ev.data["year"] == 2026

    # A section head exports only what the section sees; staff may not export.
    rows = load_workbook(io.BytesIO(client_for(app, org["head_A"]).get("/proposals/export?year=2026").data))
    assert [r[0].value for r in rows["人大代表建议"].iter_rows(min_row=2)] == ["1", "2"]
    assert rows["政协提案"].max_row == 1
    assert client_for(app, org["staff_A"]).get("/proposals/export?year=2026").status_code == 403
    # One kind only.
    wb = load_workbook(io.BytesIO(c.get("/proposals/export?year=2026&kind=cppcc").data))
    assert wb.sheetnames == ["政协提案"]
