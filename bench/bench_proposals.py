"""The proposals' yearly summary, list page and calendar recomputation on many items.

Prints `name=value` lines. Items are bulk-inserted into a throwaway SQLite database (or
BENCH_DATABASE_URL) with plausible states; the timed parts are the product's own functions.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ITEMS = int(os.environ.get("BENCH_PROPOSALS", "20000"))
TODAY = date(2026, 11, 25)


def main() -> None:
    from werkzeug.datastructures import MultiDict

    from tracker import create_app
    from tracker.accounts.models import Agency, Section, User
    from tracker.extensions import db
    from tracker.proposals import queries
    from tracker.proposals.clock import recompute_open_proposals
    from tracker.proposals.models import Proposal, ProposalContact
    from tracker.rules.proposals import DEFAULT_RESULT_LABELS
    from tracker.workcal.service import current_calendar

    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": tmp})
    rnd = random.Random(20260302)
    with app.app_context():
        db.create_all()
        agency = Agency(name="基准测试机关", settings={})
        db.session.add(agency)
        db.session.flush()
        sections = [Section(agency_id=agency.id, name=f"科室{i}") for i in range(12)]
        db.session.add_all(sections)
        db.session.flush()
        office = User(
            agency_id=agency.id, username="bench_office", display_name="办公室", role="office", password_hash="x"
        )
        db.session.add(office)
        db.session.flush()
        rows, contacts = [], []
        for i in range(ITEMS):
            assigned = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 1060))
            due = assigned + timedelta(days=92)
            replied = assigned + timedelta(days=rnd.randint(30, 110)) if rnd.random() < 0.8 else None
            if replied and replied > TODAY:
                replied = None
            status = "assigned" if replied is None else rnd.choice(["replied", "closed", "closed"])
            rows.append(
                {
                    "id": i + 1,
                    "agency_id": agency.id,
                    "kind": rnd.choice(["npc", "cppcc"]),
                    "session": f"第{assigned.year}次会议",
                    "number": str(i),
                    "title": f"建议{i}",
                    "lead_author": "代表",
                    "assigned_on": assigned,
                    "status": status,
                    "lead_section_id": rnd.choice(sections).id,
                    "due_date": due,
                    "due_provisional": False,
                    "period_months": 3,
                    "cohandler_months": 1,
                    "round": 1,
                    "reply_date": replied,
                    "result_class": rnd.choice("ABCD") if replied else None,
                    "satisfaction": rnd.choice(["satisfied", "basically", None]) if status == "closed" else None,
                    "published": False,
                    "source": "import",
                    "version": 1,
                }
            )
            if rnd.random() < 0.9:
                contacts.append({"proposal_id": i + 1, "round": 1, "form": "phone", "contacted_on": assigned})
        start = time.perf_counter()
        db.session.execute(Proposal.__table__.insert(), rows)
        db.session.execute(ProposalContact.__table__.insert(), contacts)
        db.session.commit()
        print(f"items={ITEMS}")
        print(f"insert_seconds={time.perf_counter() - start:.2f}")

        office = db.session.get(User, office.id)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            s = queries.summary(office, 2025, TODAY, DEFAULT_RESULT_LABELS)
            times.append(time.perf_counter() - t)
        print(f"summary_year_items={s.total}")
        print(f"summary_seconds_best={min(times):.4f}")
        t = time.perf_counter()
        q, _ = queries.filtered_query(office, MultiDict({"year": "2025", "due": "late"}), TODAY)
        total, page = queries.page_rows(q, TODAY, 1, 20)
        print(f"list_filtered_total={total}")
        print(f"list_page_seconds={time.perf_counter() - t:.4f}")
        t = time.perf_counter()
        changed = recompute_open_proposals(current_calendar())
        db.session.rollback()
        print(f"recompute_open_changed={changed}")
        print(f"recompute_open_seconds={time.perf_counter() - t:.2f}")


if __name__ == "__main__":
    main()
