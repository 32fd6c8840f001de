"""Issue 15: every list, badge and job sends a fixed number of statements whatever the data size;
pagination never counts or skips more than a page needs; keyset pages are exact."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from tracker.extensions import db
from tracker.paging import COUNT_CAP

from .scale_helpers import add_requests, statements


@pytest.fixture()
def sections(make_section):
    return [make_section(f"科室{i}") for i in range(3)]


def _sent(client, url: str) -> int:
    client.get(url)  # warm: the calendar and the session are loaded once per process, not per size
    with statements() as sent:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return len(sent)


LIST_URLS = (
    "/requests/",
    "/requests/?status=open",
    "/requests/?due=overdue",
    "/requests/?due=soon&sort=due_asc",
    "/requests/?q=申请公开第",
    "/requests/?q=申请人1",
    "/requests/?page=3",
    "/notifications/",
)


@pytest.mark.parametrize("role", ["office", "staff"])
def test_lists_send_the_same_statements_at_two_sizes(client, login, make_user, sections, role):
    user = make_user(role, section=sections[0] if role == "staff" else None)
    login(user)
    add_requests(sections[0].agency, sections, 30)
    small = {url: _sent(client, url) for url in LIST_URLS}
    add_requests(sections[0].agency, sections, 600, start_id=31)
    large = {url: _sent(client, url) for url in LIST_URLS}
    assert small == large


def test_keyset_pages_walk_every_row_once_in_order_and_back(client, login, make_user, sections):
    login(make_user("office"))
    ids = add_requests(sections[0].agency, sections, 95)
    from tracker.disclosure.models import DisclosureRequest as R

    expected = [r.id for r in db.session.query(R).order_by(R.received_on.desc(), R.id.desc())]
    assert sorted(expected) == ids
    seen, url, pages = [], "/requests/?page=1", []
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(html)
        seen += [int(x) for x in re.findall(r'href="/requests/(\d+)"', html)]
        older = re.search(r'href="([^"]*after=[^"]*)" rel="next"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url is None:
            numbered = re.findall(r'href="(/requests/\?page=(\d+))"', html)
            nxt = [u for u, p in numbered if int(p) == len(pages) + 1]
            url = nxt[0] if nxt else None
    assert seen == expected
    # from the last page, 'newer' goes back one page at a time
    last = pages[-1]
    newer = re.search(r'href="([^"]*before=[^"]*)" rel="prev"', last)
    if newer:
        back = client.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back_ids = [int(x) for x in re.findall(r'href="/requests/(\d+)"', back)]
        first_of_last = int(re.findall(r'href="/requests/(\d+)"', last)[0])
        assert back_ids == expected[expected.index(first_of_last) - len(back_ids) : expected.index(first_of_last)]


def test_count_is_capped_and_page_links_stay_few(client, login, make_user, sections):
    login(make_user("office"))
    add_requests(sections[0].agency, sections, COUNT_CAP + 30)
    resp = client.get("/requests/?page=7")
    html = resp.get_data(as_text=True)
    assert f"共 超过{COUNT_CAP} 件" in html
    links = re.findall(r'class="page-link" href="[^"]*page=(\d+)', html)
    assert sorted({int(p) for p in links}) == [1, 5, 6, 8, 9, 50]
    assert len(resp.data) < 40 * 1024
    # the last numbered page continues by keyset, never by a larger OFFSET
    last = client.get("/requests/?page=50").get_data(as_text=True)
    assert 'rel="next"' in last
    assert client.get("/requests/?page=99999999").status_code == 200


@pytest.mark.parametrize("token", ["x", "2026-13-01~5", "~", "2026-01-01~99999999999", "a" * 500, "2026-01-01~1~2"])
def test_bad_cursor_tokens_are_ignored(client, login, make_user, sections, token):
    login(make_user("office"))
    add_requests(sections[0].agency, sections, 5)
    for arg in ("after", "before"):
        resp = client.get(f"/requests/?{arg}={token}&sort=due_asc")
        assert resp.status_code == 200
        assert len(re.findall(r'href="/requests/(\d+)"', resp.get_data(as_text=True))) == 5


def test_due_sort_keyset_puts_paused_cases_last_on_both_engines(client, login, make_user, sections):
    login(make_user("office"))
    add_requests(sections[0].agency, sections, 30)
    add_requests(sections[0].agency, sections, 25, start_id=31, status="paused", due_date=None, pause_reason="fee")
    seen, url = [], "/requests/?sort=due_asc&page=1"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(x) for x in re.findall(r'href="/requests/(\d+)"', html)]
        m = re.search(r'href="([^"]*(?:after=|page=2)[^"]*)" rel="next"', html) or re.search(
            r'href="(/requests/\?[^"]*page=(\d+)[^"]*)"', html.split('aria-current="page"')[-1]
        )
        url = m.group(1).replace("&amp;", "&") if m else None
    from tracker.disclosure.models import DisclosureRequest as R

    rows = db.session.query(R.id, R.due_date).all()
    dated = sorted((d, i) for i, d in rows if d is not None)
    assert seen == [i for _, i in dated] + sorted(i for i, d in rows if d is None)


def test_unread_badge_is_bounded(client, login, make_user, sections):
    from tracker.reminders.models import Notification
    from tracker.rules.clock import utcnow

    user = make_user("office")
    login(user)
    for n, label in ((5, "5"), (150, "99+")):
        db.session.execute(Notification.__table__.delete())
        db.session.execute(
            Notification.__table__.insert(),
            [{"agency_id": user.agency_id, "user_id": user.id, "kind": "due_soon", "text": "t", "created_at": utcnow()}]
            * n,
        )
        db.session.commit()
        html = client.get("/requests/").get_data(as_text=True)
        assert f'title="未读通知">{label}</span>' in html


def test_reminder_scan_and_rerun_send_the_same_statements_at_two_sizes(app_ctx, make_user, sections):
    from tracker.reminders import service
    from tracker.rules.clock import CHINA_TZ, today_cn

    for s in sections:
        make_user("staff", section=s)
        make_user("section_head", section=s)
    make_user("office")
    counts = []
    today = today_cn()
    day = today
    while not __import__("tracker.workcal.service", fromlist=["x"]).current_calendar().is_workday(day):
        day += timedelta(days=1)
    now = datetime(day.year, day.month, day.day, 8, 30, tzinfo=CHINA_TZ)
    for start, n in ((1, 30), (31, 600)):
        add_requests(sections[0].agency, sections, n, start_id=start, today=day)
        with statements() as first:
            r1 = service.run(now)
        with statements() as again:
            r2 = service.run(now + timedelta(hours=1))
        assert sum(r1.created.values()) > 0 and sum(r2.created.values()) == 0
        counts.append((len(first), len(again)))
        now += timedelta(minutes=1)
    assert counts[0] == counts[1]


def test_calendar_change_recompute_sends_the_same_statements_at_two_sizes(app_ctx, sections):
    from tracker.rules.clock import today_cn
    from tracker.workcal import service as cal

    extra = today_cn() + timedelta(days=1)  # a working day soon: open deadlines after it move
    while not cal.current_calendar().is_workday(extra):
        extra += timedelta(days=1)
    year = extra.year
    info = cal.year_info(year)
    original = [(d, False, n) for d, n in info.days_off] + [(d, True, n) for d, n in info.makeup_days]
    cal.apply_year(year, original)  # the year's entry exists from now on: both sizes update it alike
    counts, moved = [], []
    for start, n in ((1, 30), (31, 600)):
        add_requests(sections[0].agency, sections, n, start_id=start)
        with statements() as sent:
            result = cal.apply_year(year, original + [(extra, False, "测试")])
        cal.apply_year(year, original)
        counts.append(len(sent))
        moved.append(result.deadlines_changed)
    assert moved[1] > moved[0] > 0
    assert counts[0] == counts[1]


def test_report_sends_the_same_statements_at_two_sizes(app_ctx, sections):
    from tracker.reports.derive import derive

    agency = sections[0].agency
    year = datetime.now().year - 1
    add_requests(agency, sections, 30)
    with statements() as small:
        derive(agency.id, year)
    add_requests(agency, sections, 600, start_id=31)
    with statements() as large:
        derive(agency.id, year)
    assert len(small) == len(large)


def test_a_search_with_thousands_of_matches_is_not_counted_again(client, login, make_user, sections, monkeypatch):
    from tracker.disclosure import search

    monkeypatch.setattr(search, "FEW", 10)  # as if 1,000 were 10
    monkeypatch.setattr(search, "MANY", 41)
    login(make_user("office"))
    add_requests(sections[0].agency, sections, COUNT_CAP + 30)
    client.get("/requests/")  # warm: the calendar and the session
    with statements() as plain:
        html = client.get("/requests/?q=申请公开第").get_data(as_text=True)
    assert f"共 超过{COUNT_CAP} 件" in html
    # with a filter the search's own bound says nothing about the filtered rows: counted (capped)
    with statements() as filtered:
        html = client.get("/requests/?q=申请公开第&status=open").get_data(as_text=True)
    assert f"共 {(COUNT_CAP + 30) // 3} 件" in html
    assert len(filtered) == len(plain) + 1
