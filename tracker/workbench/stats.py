"""The office's and leaders' charts: four figures, each one SQL aggregate over the user's scoped cases.

Requests received per month this year against last year, this year's conclusions by table 三 group,
lateness per section and open cases by due status. The page draws them with the vendored Chart.js
(static/vendor/chartjs) from the JSON of ``figures`` and prints the same figures as tables beneath.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import extract, func

from ..accounts.access import visible_requests
from ..disclosure.models import CONCLUDED, DisclosureRequest
from ..extensions import db
from ..rules import outcomes
from . import panels

R = DisclosureRequest


def per_month(user, year: int) -> dict[int, list[int]]:
    """{year: [12 monthly counts]} of requests received in ``year`` and the year before: one GROUP BY."""
    y, m = extract("year", R.received_on), extract("month", R.received_on)
    q = (
        visible_requests(user, units=False)
        .where(R.received_on.between(date(year - 1, 1, 1), date(year, 12, 31)))
        .with_only_columns(y.label("y"), m.label("m"), func.count().label("n"))
        .group_by(y, m)
    )
    out = {year - 1: [0] * 12, year: [0] * 12}
    for yy, mm, n in db.session.execute(q):
        out[int(yy)][int(mm) - 1] = int(n)
    return out


def by_group(user, year: int) -> list[tuple[str, int]]:
    """(table 三 group, conclusions in ``year``) in official order: one GROUP BY outcome."""
    q = (
        visible_requests(user, units=False)
        .where(R.status == CONCLUDED, R.concluded_on.between(date(year, 1, 1), date(year, 12, 31)))
        .with_only_columns(R.outcome, func.count())
        .group_by(R.outcome)
    )
    counts = {g.id: 0 for g in outcomes.GROUPS}
    for code, n in db.session.execute(q):
        if outcomes.is_valid(code):
            counts[outcomes.outcome(code).group] += int(n)
    return [(g.label, counts[g.id]) for g in outcomes.GROUPS]


def figures(user, t: panels.Today) -> dict:
    months = per_month(user, t.day.year)
    due = panels.due_summary(user, t)
    late = panels.lateness_by_section(user, t)
    groups = by_group(user, t.day.year)
    return {
        "year": t.day.year,
        "months": {"labels": [f"{i}月" for i in range(1, 13)], "series": {str(k): v for k, v in months.items()}},
        "groups": {"labels": [g for g, _ in groups], "values": [n for _, n in groups]},
        "lateness": {
            "labels": [name for _, name, *_ in late],
            "open_late": [row[2] for row in late],
            "answered_late": [row[3] for row in late],
            "draft_late": [row[4] for row in late],
        },
        "due": {
            "labels": ["已超期", "临期（含今日到期）", "暂停计时", "正常"],
            "values": [due.overdue, due.soon, due.paused, due.ok],
        },
    }
