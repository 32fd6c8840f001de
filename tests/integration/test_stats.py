"""The charts page (/stats): each figure is an SQL aggregate of the user's scoped cases, served as JSON
for the chart and printed as a table beneath it; the two agree."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tracker.disclosure import services as s
from tracker.rules.clock import today_cn

from .test_workflow_pages import login_as


def test_figures_count_the_records_and_the_page_prints_them(w, client):
    today = today_cn()
    year = today.year
    this_month = w.new_case(received_on=today, applicant_name="本月")
    w.new_case(received_on=date(year - 1, today.month, 1), applicant_name="去年同月")
    w.new_case(received_on=date(year - 1, 1, 15), applicant_name="去年一月")
    s.withdraw(w.office, this_month, version=this_month.version, withdrawn_on=today, today=today)
    late = w.new_case(received_on=today - timedelta(days=60), applicant_name="超期")
    s.assign_section(w.office, late, version=late.version, section_id=w.sec_a.id, today=today)

    login_as(client, w.office)
    data = client.get("/stats/data.json").get_json()
    months = data["months"]["series"]
    assert months[str(year)][today.month - 1] >= 1 and sum(months[str(year - 1)]) == 2
    assert months[str(year - 1)][0] == 1 + (1 if today.month == 1 else 0)
    groups = dict(zip(data["groups"]["labels"], data["groups"]["values"], strict=True))
    assert groups["其他处理"] == 1 and sum(groups.values()) == 1  # the withdrawal, counted in table 三 (六)
    lateness = dict(zip(data["lateness"]["labels"], data["lateness"]["open_late"], strict=True))
    assert lateness[w.sec_a.name] == 1
    due = dict(zip(data["due"]["labels"], data["due"]["values"], strict=True))
    assert due["已超期"] == 3  # the late case and the two of last year, never concluded

    html = client.get("/stats/").get_data(as_text=True)
    row = re.search(rf"<tr><th>{year - 1}</th>(.*?)</tr>", html).group(1)
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)][:12] == months[str(year - 1)]
    assert f"<tr><th>{w.sec_a.name}</th><td>1</td>" in html
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html and "<script>" not in html


def test_who_sees_the_charts(w, client):
    for user, status in ((w.leader, 200), (w.admin, 200), (w.staff_a, 403), (w.head_a, 403)):
        login_as(client, user)
        assert client.get("/stats/").status_code == status, user.role
        assert client.get("/stats/data.json").status_code == status, user.role
