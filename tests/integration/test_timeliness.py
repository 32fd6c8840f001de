"""Timeliness analysis (issue 16): working days to answer, median / p90 by unit, section and outcome group,
the share within 20 working days, extensions and requests per 10,000 residents — computed in SQL
(tracker.workbench.timeliness) and compared with figures worked out by hand on the 2025 calendar
(National Day: 1–8 October off; Sunday 28 September and Saturday 11 October are make-up working days;
New Year's Day 2025: 1 January off).
"""

from __future__ import annotations

import io
import json
import random
import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape as html_unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select
from werkzeug.security import generate_password_hash

from tracker.accounts.models import Agency, Section, User
from tracker.disclosure.models import ClockAction, DisclosureRequest
from tracker.extensions import db
from tracker.rules.clock import utcnow
from tracker.rules.workdays import WorkCalendar
from tracker.workbench import timeliness as t

from .test_workflow_pages import Browser, login_as

D = date
_seq = {"n": 0}


def _case(
    agency, section, received, *, delivered=None, concluded=None, outcome="disclosed", status="concluded", **over
):
    """One request row, inserted directly (the analysis reads columns only)."""
    _seq["n"] += 1
    n = _seq["n"]
    now = utcnow()
    row = {
        "id": n,
        "agency_id": agency.id,
        "year": received.year,
        "seq": n,
        "number": f"依申〔{received.year}〕第{n:05d}号",
        "applicant_type": "natural_person",
        "applicant_name": f"申请人{n}",
        "id_type": "none",
        "channel": "online",
        "received_on": received,
        "subject": f"事项{n}",
        "content": "内容",
        "status": status,
        "section_id": section.id if section is not None else None,
        "outcome": outcome if status == "concluded" else None,
        "concluded_on": (concluded or delivered) if status == "concluded" else None,
        "delivered_on": delivered,
        "created_at": now,
        "updated_at": now,
        "source": "manual",
        "due_provisional": False,
        "withdrawn": False,
        "version": 1,
    }
    row.update(over)
    db.session.execute(insert(DisclosureRequest), [row])
    return n


def _action(request_id, kind, started, ended=None, **over):
    db.session.add(
        ClockAction(
            request_id=request_id,
            kind=kind,
            state=over.pop("state", "closed"),
            started_on=started,
            ended_on=ended,
            **over,
        )
    )


@pytest.fixture()
def units(app_ctx):
    """A district (population 600,000) with a street (50,000) and a department (no population)."""
    _seq["n"] = 0
    district = Agency(name="示例区人民政府", settings={}, population=600_000)
    db.session.add(district)
    db.session.flush()
    street = Agency(name="城关街道办事处", settings={}, parent_id=district.id, population=50_000)
    dept = Agency(name="区发展和改革局", settings={}, parent_id=district.id)
    other_root = Agency(name="另一个区人民政府", settings={}, population=1_000)
    db.session.add_all([street, dept, other_root])
    db.session.flush()
    a1, a2 = Section(agency_id=district.id, name="办公室"), Section(agency_id=district.id, name="规划科")
    b1, c1 = Section(agency_id=street.id, name="综合办"), Section(agency_id=dept.id, name="法规科")
    x1 = Section(agency_id=other_root.id, name="办公室")
    db.session.add_all([a1, a2, b1, c1, x1])
    db.session.flush()

    # --- the district: working days after the receipt (or restart) day, stops not counted -------------
    # A-1 Thu 25 Sep -> Mon 20 Oct: 26, 28(make-up), 29, 30 Sep; 9, 10, 11(make-up), 13–17, 20 Oct = 13
    _case(district, a1, D(2025, 9, 25), delivered=D(2025, 10, 20))
    # A-2 Mon 29 Sep -> Fri 7 Nov, extended: 30 Sep; 9, 10, 11, 13–17, 20–24, 27–31 Oct; 3–7 Nov = 24
    a2_id = _case(district, a2, D(2025, 9, 29), delivered=D(2025, 11, 7), outcome="partially_disclosed")
    _action(a2_id, "extension", D(2025, 10, 20), state="approved", workdays=20, decided_on=D(2025, 10, 21))
    # A-3 Tue 30 Sep -> Fri 14 Nov: 28 working days, less the consultation (9 Oct, 24 Oct]: 10, 11, 13–17,
    # 20–24 = 12 -> 16
    a3 = _case(district, a2, D(2025, 9, 30), delivered=D(2025, 11, 14), outcome="withheld.third_party")
    _action(a3, "consult_third_party", D(2025, 10, 9), D(2025, 10, 24))
    # A-4 Fri 19 Sep, clarification 22 Sep, corrected request received Fri 26 Sep: the clock restarts;
    # -> Fri 17 Oct: 28, 29, 30 Sep; 9, 10, 11, 13–17 Oct = 11 (from the receipt it would be 16)
    a4 = _case(district, a1, D(2025, 9, 19), delivered=D(2025, 10, 17), outcome="unavailable.not_held")
    _action(a4, "clarification", D(2025, 9, 22), D(2025, 9, 26), end_reason="corrected")
    # A-5 Mon 1 Dec, concluded Fri 12 Dec, delivery not recorded: measured on the conclusion date: 2–5, 8–12 = 9
    _case(district, a1, D(2025, 12, 1), concluded=D(2025, 12, 12))
    # A-6 withdrawn: not measured, counted apart
    _case(district, a1, D(2025, 10, 9), concluded=D(2025, 10, 15), outcome="other.other", withdrawn=True)
    # A-7 Mon 30 Dec 2024 -> Fri 24 Jan 2025: 31 Dec; 2, 3, 6–10, 13–17, 20–24 Jan = 18 (received in 2024)
    _case(district, a2, D(2024, 12, 30), delivered=D(2025, 1, 24))
    # A-8 open (received, not measured); A-9 concluded in 2024 (another year)
    _case(district, a1, D(2025, 12, 20), status="in_progress")
    _case(district, a1, D(2024, 11, 1), delivered=D(2024, 11, 20))
    # district: 9, 11, 13, 16, 18, 24 -> median rank ceil(6/2)=3: 13; p90 rank ceil(5.4)=6: 24;
    # within 20: 5/6 = 83.3 %; extended 1/6 = 16.7 %; sum 91, mean 15.2; received in 2025: A-1..A-6, A-8 = 7
    # -> 7 × 10,000 / 600,000 = 0.12

    # --- the street ----------------------------------------------------------------------------------
    # B-1 Wed 24 Sep -> Wed 22 Oct: 25, 26, 28, 29, 30 Sep; 9, 10, 11, 13–17, 20–22 Oct = 16
    _case(street, b1, D(2025, 9, 24), delivered=D(2025, 10, 22))
    # B-2 Fri 26 Sep -> Fri 31 Oct = 21 working days; a fee stop (10 Oct, 20 Oct] and a consultation of
    # another agency (15 Oct, 22 Oct] overlap: (10 Oct, 22 Oct] = 11, 13–17, 20–22 = 9, counted once -> 12
    b2 = _case(street, b1, D(2025, 9, 26), delivered=D(2025, 10, 31))
    _action(b2, "fee", D(2025, 10, 10), D(2025, 10, 20))
    _action(b2, "consult_agency", D(2025, 10, 15), D(2025, 10, 22))
    # B-3 Mon 13 Oct -> Fri 21 Nov, extended: 14–17, 20–24, 27–31 Oct; 3–7, 10–14, 17–21 Nov = 29
    b3 = _case(street, b1, D(2025, 10, 13), delivered=D(2025, 11, 21), outcome="not_processed.petition")
    _action(b3, "extension", D(2025, 11, 5), state="approved", workdays=10, decided_on=D(2025, 11, 6))
    _action(b3, "extension", D(2025, 11, 5), state="refused", workdays=10)  # refused: not an extension used
    # B-4 Mon 3 Nov -> Tue 4 Nov = 1
    _case(street, b1, D(2025, 11, 3), delivered=D(2025, 11, 4), outcome="other.no_correction")
    # street: 1, 12, 16, 29 -> median rank 2: 12; p90 rank ceil(3.6)=4: 29; within 3/4 = 75.0 %;
    # extended 1/4 = 25.0 %; received 4 -> 4 × 10,000 / 50,000 = 0.80

    # --- the department (no population): C-1 Thu 9 Oct -> Fri 10 Oct = 1 ------------------------------
    _case(dept, c1, D(2025, 10, 9), delivered=D(2025, 10, 10))
    # --- another district: never part of the first one's figures
    _case(other_root, x1, D(2025, 3, 3), delivered=D(2025, 6, 30))
    db.session.commit()
    return {"district": district, "street": street, "dept": dept, "other": other_root, "a1": a1, "a2": a2}


def test_one_unit_hand_worked(units):
    a = t.analyse(units["district"].id, 2025, t.UNIT)
    f = a.total
    assert (f.answered, f.median, f.p90, f.within, f.extended, f.undelivered) == (6, 13, 24, 5, 1, 1)
    assert (f.within_share, f.extended_share, f.mean) == (Decimal("83.3"), Decimal("16.7"), Decimal("15.2"))
    assert (f.received, f.withdrawn, f.per_10k) == (7, 1, Decimal("0.12"))
    assert [u.label for u in a.units] == ["示例区人民政府"] and a.units[0].median == 13
    sections = {s.label: (s.answered, s.median, s.p90) for s in a.sections}
    # 办公室: 9, 11, 13 -> rank 2: 11, rank 3: 13; 规划科: 16, 18, 24 -> 18, 24
    assert sections == {"办公室": (3, 11, 13), "规划科": (3, 18, 24)}


def test_unit_with_sub_units_hand_worked(units):
    a = t.analyse(units["district"].id, 2025, t.WITH_UNITS)
    f = a.total
    # 1, 1, 9, 11, 12, 13, 16, 16, 18, 24, 29 -> median rank ceil(5.5)=6: 13; p90 rank ceil(9.9)=10: 24;
    # within 9/11 = 81.8 %; extended 2/11 = 18.2 %; received 7+4+1 = 12 per the district's 600,000: 0.20
    assert (f.answered, f.median, f.p90, f.within, f.extended) == (11, 13, 24, 9, 2)
    assert (f.within_share, f.extended_share, f.per_10k) == (Decimal("81.8"), Decimal("18.2"), Decimal("0.20"))
    by_unit = {u.label: (u.answered, u.median, u.p90, u.within_share, u.extended_share, u.per_10k) for u in a.units}
    assert by_unit == {
        "示例区人民政府": (6, 13, 24, Decimal("83.3"), Decimal("16.7"), Decimal("0.12")),
        "城关街道办事处": (4, 12, 29, Decimal("75.0"), Decimal("25.0"), Decimal("0.80")),
        "区发展和改革局": (1, 1, 1, Decimal("100.0"), Decimal("0.0"), None),  # no population: blank
    }
    groups = {g.label: (g.answered, g.median, g.p90) for g in a.groups}
    # 予以公开: A-1 13, A-5 9, A-7 18, B-1 16, B-2 12, C-1 1 -> 1, 9, 12, 13, 16, 18: rank 3: 12, rank 6: 18
    assert groups == {
        "予以公开": (6, 12, 18),
        "部分公开": (1, 24, 24),
        "不予公开": (1, 16, 16),
        "无法提供": (1, 11, 11),
        "不予处理": (1, 29, 29),
        "其他处理": (1, 1, 1),
    }
    assert {s.label: s.unit_name for s in a.sections} == {
        "办公室": "示例区人民政府",
        "规划科": "示例区人民政府",
        "综合办": "城关街道办事处",
        "法规科": "区发展和改革局",
    }


def test_a_sub_unit_alone_and_an_empty_year(units):
    a = t.analyse(units["street"].id, 2025, t.WITH_UNITS)  # no sub-units: the street alone
    assert [u.label for u in a.units] == ["城关街道办事处"] and a.total.median == 12
    empty = t.analyse(units["district"].id, 2023, t.WITH_UNITS)
    assert empty.total.answered == 0 and empty.total.median is None and empty.total.within_share is None


# --- the SQL against a computation in Python on random data ------------------------------------------------

CAL = WorkCalendar()
PAUSES = ("clarification", "consult_third_party", "consult_agency", "fee")


def _python_days(received, answer, actions) -> int:
    """The statutory count in plain Python: restart, stops (union of intervals), each working day once."""
    restart = max((e for k, s, e, r in actions if k == "clarification" and r == "corrected" and e), default=None)
    start = max(received, restart) if restart and restart > received else received
    start = min(start, answer)
    days = {start + timedelta(days=i) for i in range(1, (answer - start).days + 1)}
    for k, s, e, _ in actions:
        if k in PAUSES and (restart is None or s >= restart):
            end = min(e or answer, answer)
            days -= {s + timedelta(days=i) for i in range(1, (end - s).days + 1)}
    return sum(1 for d in days if CAL.is_workday(d))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40))
def test_sql_equals_python_on_random_cases(units, seed, n):
    rng = random.Random(seed)
    dept = units["dept"]
    mine = select(DisclosureRequest.id).where(DisclosureRequest.agency_id == dept.id)
    db.session.execute(delete(ClockAction).where(ClockAction.request_id.in_(mine)))
    db.session.execute(delete(DisclosureRequest).where(DisclosureRequest.agency_id == dept.id))
    db.session.commit()
    secs = [s for s in Section.query.filter_by(agency_id=dept.id)]
    expected = []
    for _ in range(n):
        received = D(2025, 1, 1) + timedelta(days=rng.randint(-40, 330))
        answer = received + timedelta(days=rng.randint(0, 70))
        if answer.year != 2025:
            answer = D(2025, 12, 31) if answer.year > 2025 else D(2025, 1, 2)
            received = min(received, answer)
        delivered = answer if rng.random() < 0.8 else None
        rid = _case(dept, secs[0], received, delivered=delivered, concluded=answer)
        actions = []
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            kind = rng.choice(PAUSES + ("extension",))
            s = received + timedelta(days=rng.randint(0, max(0, (answer - received).days)))
            e = s + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.9 else None
            reason = "corrected" if kind == "clarification" and rng.random() < 0.5 and e else None
            state = rng.choice(("approved", "refused")) if kind == "extension" else "closed"
            _action(rid, kind, s, e, end_reason=reason, state=state, workdays=5 if kind == "extension" else None)
            actions.append((kind, s, e, reason, state))
        days = _python_days(received, answer, [a[:4] for a in actions])
        extended = any(k == "extension" and st_ == "approved" for k, *_, st_ in actions)
        expected.append((days, extended))
    db.session.commit()
    f = t.analyse(dept.id, 2025, t.UNIT, calendar=CAL).total
    values = [d for d, _ in expected]
    assert f.answered == n
    assert f.median == t.nearest_rank(values, 50) and f.p90 == t.nearest_rank(values, 90)
    assert f.total_workdays == sum(values)
    assert f.within == sum(1 for d in values if d <= 20)
    assert f.extended == sum(1 for _, e in expected if e)


def test_nearest_rank():
    assert t.nearest_rank([], 50) is None
    assert [t.nearest_rank([5], p) for p in (50, 90)] == [5, 5]
    assert t.nearest_rank([4, 1, 3, 2], 50) == 2 and t.nearest_rank([4, 1, 3, 2], 90) == 4
    assert t.nearest_rank(list(range(1, 11)), 90) == 9 and t.nearest_rank(list(range(1, 12)), 90) == 10


def test_statement_count_does_not_grow_with_units(units):
    from .scale_helpers import statements

    db.session.expire_all()
    with statements() as few:
        t.analyse(units["street"].id, 2025, t.WITH_UNITS, calendar=CAL)
    db.session.expire_all()
    with statements() as many:
        t.analyse(units["district"].id, 2025, t.WITH_UNITS, calendar=CAL)
    # the unit, its units, the receipts, the date range, the figures, the sections' names (and on
    # PostgreSQL the SET LOCAL jit = off before the figures)
    assert len(many) == len(few) == (7 if db.engine.dialect.name == "postgresql" else 6)


# --- the page and the .xlsx ------------------------------------------------------------------------------

_HASH = generate_password_hash("Test-pass-2026", method="pbkdf2:sha256:1")


def _user(agency, role, section=None):
    _seq["users"] = _seq.get("users", 0) + 1
    u = User(
        agency_id=agency.id,
        username=f"t{role}{_seq['users']}",
        display_name=f"{role}{_seq['users']}",
        password_hash=_HASH,
        role=role,
        section_id=section.id if section else None,
        active=True,
    )
    db.session.add(u)
    db.session.commit()
    return u


def _table(html: str, table_id: str) -> dict[str, list[str]]:
    """{row heading: [cells]} of one table of the page."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        head = re.search(r"<th[^>]*>(.*?)</th>", tr, re.S).group(1)
        rows[head] = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
    return rows


def test_page_shows_the_figures_and_links_from_the_charts(units, client):
    office = _user(units["district"], "office")
    login_as(client, office)
    assert 'href="/stats/timeliness"' in client.get("/stats/").get_data(as_text=True)
    html = client.get("/stats/timeliness?year=2025").get_data(as_text=True)
    assert "<script>" not in html and 'src="/static/js/timeliness.js"' in html
    # columns: answered, median, p90, mean, within, extended, by conclusion date
    assert _table(html, "table-units") == {"示例区人民政府": ["6", "13", "24", "15.2", "5（83.3%）", "1（16.7%）", "1"]}
    assert _table(html, "table-population")["示例区人民政府"] == ["600000", "7", "0.12", "1"]
    html = client.get(f"/stats/timeliness?year=2025&unit={units['district'].id}&scope=with_units").get_data(
        as_text=True
    )
    rows = _table(html, "table-units")
    assert rows["城关街道办事处"] == ["4", "12", "29", "14.5", "3（75.0%）", "1（25.0%）", "0"]
    assert rows["合计"][:3] == ["11", "13", "24"]
    assert _table(html, "table-population")["区发展和改革局"] == ["—", "1", "—", "0"]  # no population: blank
    assert _table(html, "table-groups")["予以公开"][:3] == ["6", "12", "18"]
    figures = json.loads(html_unescape(re.search(r'data-figures="([^"]*)"', html).group(1)))
    assert figures["units"]["median"] == [13, 12, 1] and figures["threshold"] == 20
    assert "另一个区人民政府" not in html
    # a sub-unit alone
    html = client.get(f"/stats/timeliness?year=2025&unit={units['street'].id}").get_data(as_text=True)
    assert list(_table(html, "table-units")) == ["城关街道办事处"]


@pytest.mark.parametrize("role", ["office", "leader", "admin", "auditor"])
def test_report_view_roles_see_their_unit_and_below(units, client, role):
    login_as(client, _user(units["district"], role))
    for q in ("", f"?unit={units['street'].id}", f"?unit={units['dept'].id}&scope=with_units", "?scope=with_units"):
        assert client.get(f"/stats/timeliness{q}").status_code == 200, q
        assert client.get(f"/stats/timeliness.xlsx{q}").status_code == 200, q


def test_a_sub_unit_never_sees_a_parent_or_sibling(units, client):
    login_as(client, _user(units["street"], "leader"))
    assert client.get("/stats/timeliness?year=2025").status_code == 200
    for other in ("district", "dept", "other"):
        assert client.get(f"/stats/timeliness?unit={units[other].id}").status_code == 404, other
        assert client.get(f"/stats/timeliness.xlsx?unit={units[other].id}&scope=with_units").status_code == 404
    html = client.get("/stats/timeliness?year=2025").get_data(as_text=True)
    assert "示例区人民政府" not in html and "区发展和改革局" not in html and 'id="unit"' not in html
    resp = client.get("/stats/timeliness?scope=with_units")
    assert resp.status_code == 400 and "本单位没有下属单位" in resp.get_data(as_text=True)
    login_as(client, _user(units["other"], "admin"))
    assert client.get(f"/stats/timeliness?unit={units['street'].id}").status_code == 404


def test_roles_without_report_view_are_refused(units, client):
    sec = Section.query.filter_by(agency_id=units["district"].id, name="办公室").one()
    for role in ("staff", "section_head"):
        login_as(client, _user(units["district"], role, section=sec))
        assert client.get("/stats/timeliness").status_code == 403
        assert client.get("/stats/timeliness.xlsx").status_code == 403
    client.delete_cookie("session")
    Browser._forget()
    assert client.get("/stats/timeliness").status_code in (302, 401)


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=1999",
        "year=99999999999999999999",
        "year=2025%00",
        "year=２０２５",
        "scope=all",
        "unit=x%00",
        "unit=" + "9" * 30,
    ],
)
def test_bad_input_gets_a_chinese_message(units, client, query):
    login_as(client, _user(units["district"], "office"))
    resp = client.get(f"/stats/timeliness?{query}")
    html = resp.get_data(as_text=True)
    # a NUL byte is refused before any view (tracker.web.refuse_unclean_input); the rest by the page itself
    assert resp.status_code == 400 and ('class="alert alert-danger"' in html or "无法识别的字符" in html), query
    assert client.get(f"/stats/timeliness.xlsx?{query}").status_code == 400


def test_xlsx_has_the_figures_and_is_formula_safe(units, client):
    units["dept"].name = '=HYPERLINK("http://x")局'
    db.session.commit()
    login_as(client, _user(units["district"], "office"))
    resp = client.get(f"/stats/timeliness.xlsx?year=2025&unit={units['district'].id}&scope=with_units")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["汇总", "按单位", "按科室", "按办理结果", "说明"]
    total = [c.value for c in wb["汇总"][3]]
    assert total[:10] == [
        "合计",
        11,
        13,
        24,
        13.6,
        9,
        81.8,
        2,
        18.2,
        1,
    ]  # 1+1+9+11+12+13+16+16+18+24+29 = 150; 150 / 11 = 13.6
    assert total[10:] == [600000, 12, 0.2, 1]
    by_unit = {r[0].value: r for r in wb["按单位"].iter_rows(min_row=2)}
    street = [c.value for c in by_unit["城关街道办事处"]]
    assert street[1:4] == [4, 12, 29] and street[-2] == 0.8
    dept = by_unit['=HYPERLINK("http://x")局']
    assert dept[0].data_type == "s" and dept[0].quotePrefix and dept[-2].value is None
    groups = {r[0].value: [c.value for c in r[1:4]] for r in wb["按办理结果"].iter_rows(min_row=2)}
    assert groups["予以公开"] == [6, 12, 18] and groups["不予处理"] == [1, 29, 29]
    sections = {(r[0].value, r[1].value): r[2].value for r in wb["按科室"].iter_rows(min_row=2)}
    assert sections[("示例区人民政府", "规划科")] == 3
