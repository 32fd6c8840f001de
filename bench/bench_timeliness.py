"""The timeliness analysis (tracker.workbench.timeliness) of a district of 50 units.

    .venv/bin/python bench/bench_timeliness.py [--requests N] [--engine sqlite|postgresql|both] [--year 2025]

Generates (once per N and engine, reused after) a district with 49 sub-units, 5 sections each, and N
requests (default 1,000,000) spread over the units and received 2023-01-01 … 2025-12-20: 95 % concluded
1–60 days later (10 % of those without a recorded delivery, 2 % withdrawn), 10 % with a clock stop
(clarification, consultation or fee), 5 % with an approved extension, 3 % restarted after a correction.
Populations are set for the district and half of the units.

Prints per engine:
- district_s: analyse(district, year, with_units) — 50 units, every section and outcome group;
- unit_s: analyse(one sub-unit, year, unit) — about 1/50 of the cases;
- district_statements: statements one analysis sends (the same for 1 unit or 50);
- cases_in_year: requests concluded in the year over all units;
- load_1min_before / load_1min_after (os.getloadavg), cpus.
Median of REPEATS runs (env BENCH_REPEATS, default 5 here) after a warm-up, with min/max.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta

from common import app_for, counted, database_url, emit, timed
from sqlalchemy import func, insert, select, text

UNITS = 50
SECTIONS_PER_UNIT = 5
CHUNK = 20_000


def _arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=1_000_000)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--seed", type=int, default=16)
    return p.parse_args()


def generate(n: int, seed: int) -> None:
    """The district, its units and sections, n requests and their clock actions (inside an app context)."""
    from tracker.accounts.models import Agency, Section
    from tracker.disclosure.models import ClockAction, DisclosureRequest
    from tracker.extensions import db
    from tracker.rules import outcomes
    from tracker.rules.clock import utcnow

    db.create_all()
    if db.session.scalar(select(func.count()).select_from(DisclosureRequest)) == n:
        return
    for table in (ClockAction, DisclosureRequest, Section, Agency):
        db.session.execute(table.__table__.delete())
    db.session.commit()
    rng = random.Random(seed)
    root = Agency(name="基准区人民政府", settings={}, population=800_000)
    db.session.add(root)
    db.session.flush()
    units = [root]
    for i in range(1, UNITS):
        pop = rng.randint(30_000, 90_000) if i % 2 else None
        units.append(Agency(name=f"基准单位{i:02d}", settings={}, parent_id=root.id, population=pop))
        db.session.add(units[-1])
        db.session.flush()
    sections = {}
    for u in units:
        sections[u.id] = [Section(agency_id=u.id, name=f"科室{j}") for j in range(SECTIONS_PER_UNIT)]
        db.session.add_all(sections[u.id])
    db.session.flush()
    section_ids = {u: [s.id for s in secs] for u, secs in sections.items()}
    db.session.commit()
    codes = [c for c in outcomes.CODES if c != outcomes.WITHDRAWN]
    first, span = date(2023, 1, 1), (date(2025, 12, 20) - date(2023, 1, 1)).days
    now = utcnow()
    rows, actions, aid = [], [], 0
    pauses = ("clarification", "consult_third_party", "consult_agency", "fee")

    def flush():
        if rows:
            db.session.execute(insert(DisclosureRequest), rows)
        if actions:
            db.session.execute(insert(ClockAction), actions)
        db.session.commit()
        rows.clear()
        actions.clear()

    for i in range(1, n + 1):
        unit = units[i % UNITS].id
        received = first + timedelta(days=rng.randrange(span))
        concluded = rng.random() < 0.95
        answer = received + timedelta(days=rng.randint(1, 60)) if concluded else None
        withdrawn = concluded and rng.random() < 0.02
        rows.append(
            {
                "id": i,
                "agency_id": unit,
                "year": received.year,
                "seq": i,
                "number": f"依申〔{received.year}〕第{i:07d}号",
                "applicant_type": "natural_person",
                "applicant_name": f"申请人{i}",
                "id_type": "none",
                "channel": "online",
                "received_on": received,
                "subject": "事项",
                "content": "内容",
                "status": "concluded" if concluded else "in_progress",
                "section_id": rng.choice(section_ids[unit]),
                "outcome": (outcomes.WITHDRAWN if withdrawn else rng.choice(codes)) if concluded else None,
                "concluded_on": answer,
                "delivered_on": answer if concluded and not withdrawn and rng.random() < 0.9 else None,
                "withdrawn": withdrawn,
                "created_at": now,
                "updated_at": now,
                "source": "manual",
                "due_provisional": False,
                "version": 1,
            }
        )
        r = rng.random()
        if concluded and r < 0.18:
            aid += 1
            start = received + timedelta(days=rng.randint(1, 10))
            if r < 0.10:
                kind, end, reason, state = (
                    rng.choice(pauses),
                    start + timedelta(days=rng.randint(3, 20)),
                    None,
                    "closed",
                )
            elif r < 0.15:
                kind, end, reason, state = "extension", None, None, "approved"
            else:
                kind, end, reason, state = (
                    "clarification",
                    start + timedelta(days=rng.randint(2, 10)),
                    "corrected",
                    "closed",
                )
            actions.append(
                {
                    "id": aid,
                    "request_id": i,
                    "kind": kind,
                    "state": state,
                    "started_on": start,
                    "ended_on": end,
                    "end_reason": reason,
                    "workdays": 20 if kind == "extension" else None,
                    "details": {},
                    "created_at": now,
                }
            )
        if len(rows) >= CHUNK:
            flush()
    flush()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE disclosure_request"))
        db.session.execute(text("ANALYZE clock_action"))
    db.session.commit()


def run(engine: str, n: int, year: int, seed: int) -> None:
    from tracker.accounts.models import Agency
    from tracker.disclosure.models import DisclosureRequest as R
    from tracker.extensions import db
    from tracker.rules.workdays import WorkCalendar
    from tracker.workbench import timeliness as tl

    app = app_for(database_url(engine, n, "timeliness"))
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    with app.app_context():
        t0 = time.perf_counter()
        generate(n, seed)
        emit(engine, "generate_or_reuse_s", time.perf_counter() - t0)
        cal = WorkCalendar()
        root = db.session.scalar(select(Agency.id).where(Agency.parent_id.is_(None)))
        unit = db.session.scalar(select(Agency.id).where(Agency.parent_id == root).order_by(Agency.id).limit(1))
        in_year = db.session.scalar(
            select(func.count()).where(R.concluded_on.between(date(year, 1, 1), date(year, 12, 31)))
        )
        emit(engine, "requests", n)
        emit(engine, "units", db.session.scalar(select(func.count()).select_from(Agency)))
        emit(engine, "cases_in_year", in_year)
        emit(engine, "cpus", os.cpu_count())
        emit(engine, "load_1min_before", round(os.getloadavg()[0], 2))
        med, lo, hi = timed(lambda: tl.analyse(root, year, tl.WITH_UNITS, calendar=cal), repeats=repeats)
        emit(engine, "district_s", med, (lo, hi))
        med, lo, hi = timed(lambda: tl.analyse(unit, year, tl.UNIT, calendar=cal), repeats=repeats)
        emit(engine, "unit_s", med, (lo, hi))
        with counted(db.engine) as statements:
            a = tl.analyse(root, year, tl.WITH_UNITS, calendar=cal)
        emit(engine, "district_statements", len(statements))
        emit(engine, "district_answered", a.total.answered)
        emit(engine, "district_median_workdays", a.total.median)
        emit(engine, "district_p90_workdays", a.total.p90)
        emit(engine, "load_1min_after", round(os.getloadavg()[0], 2))


def main() -> None:
    args = _arguments()
    for engine in ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]:
        run(engine, args.requests, args.year, args.seed)


if __name__ == "__main__":
    sys.exit(main())
