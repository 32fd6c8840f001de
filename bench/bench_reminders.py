"""The reminder scan on many open cases: the first run of a day (creates reminders and notifications)
and a rerun (nothing new), with the number of SQL statements each issues.

Prints `name=value` lines. Cases are bulk-inserted into a throwaway SQLite database (or
BENCH_DATABASE_URL, an empty throwaway database); the timed parts are tracker.reminders.scan.collect and tracker.reminders.service.run.
Mail is off (MAIL_SERVER empty): the SMTP part is a network round trip per person, not database work.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = int(os.environ.get("BENCH_REMINDER_CASES", "20000"))
TODAY = date(2026, 10, 12)


def main() -> None:
    from sqlalchemy import event, func, insert, select

    from tracker import create_app
    from tracker.accounts.models import Agency, Section, User
    from tracker.disclosure.models import DisclosureRequest
    from tracker.extensions import db
    from tracker.reminders import service
    from tracker.reminders.models import Notification
    from tracker.reminders.scan import Policy, collect
    from tracker.rules.clock import CHINA_TZ
    from tracker.workcal.service import current_calendar

    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_FOLDER": tmp, "MAIL_SERVER": ""})
    rnd = random.Random(20261012)
    with app.app_context():
        db.create_all()
        agency = Agency(name="基准测试机关", settings={})
        db.session.add(agency)
        db.session.flush()
        sections = [Section(agency_id=agency.id, name=f"科室{i}") for i in range(20)]
        db.session.add_all(sections)
        db.session.flush()
        users = [User(agency_id=agency.id, username="office", display_name="公开办", role="office", password_hash="x")]
        for s in sections:
            users.append(
                User(
                    agency_id=agency.id,
                    username=f"head{s.id}",
                    display_name="科长",
                    role="section_head",
                    section_id=s.id,
                    password_hash="x",
                )
            )
            users += [
                User(
                    agency_id=agency.id,
                    username=f"staff{s.id}_{k}",
                    display_name="科员",
                    role="staff",
                    section_id=s.id,
                    password_hash="x",
                )
                for k in range(8)
            ]
        db.session.add_all(users)
        db.session.flush()
        staff = [u for u in users if u.role == "staff"]
        cal = current_calendar()
        rows = []
        for i in range(CASES):
            received = TODAY - timedelta(days=rnd.randint(0, 400))
            open_ = received > TODAY - timedelta(days=45) or rnd.random() < 0.02
            handler = rnd.choice(staff)
            rows.append(
                {
                    "id": i + 1,
                    "agency_id": agency.id,
                    "year": received.year,
                    "seq": i + 1,
                    "number": f"B{i + 1}",
                    "applicant_type": "natural_person",
                    "applicant_name": "张三",
                    "id_type": "none",
                    "channel": "online",
                    "received_on": received,
                    "subject": "某文件",
                    "content": "请公开。",
                    "status": "in_progress" if open_ else "concluded",
                    "section_id": handler.section_id,
                    "handler_id": handler.id,
                    "due_date": cal.add_workdays(received, 20),
                    "clarification_due": cal.add_workdays(received, 7),
                    "due_provisional": False,
                    "withdrawn": False,
                    "source": "import",
                    "version": 1,
                    "created_at": datetime.now(CHINA_TZ),
                    "updated_at": datetime.now(CHINA_TZ),
                }
            )
        for k in range(0, len(rows), 2000):
            db.session.execute(insert(DisclosureRequest), rows[k : k + 2000])
        db.session.commit()
        open_count = db.session.scalar(select(func.count()).where(DisclosureRequest.status != "concluded"))

        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        moment = datetime(TODAY.year, TODAY.month, TODAY.day, 8, 30, tzinfo=CHINA_TZ)

        t = time.perf_counter()
        owed = collect(TODAY, cal, Policy())
        collect_s = time.perf_counter() - t
        collect_q = len(statements)

        statements.clear()
        t = time.perf_counter()
        first = service.run(moment)
        first_s = time.perf_counter() - t
        first_q = len(statements)

        statements.clear()
        t = time.perf_counter()
        again = service.run(moment + timedelta(hours=1))
        again_s = time.perf_counter() - t
        again_q = len(statements)
        notes = db.session.scalar(select(func.count()).select_from(Notification))

    print(f"reminder_cases={CASES}")
    print(f"reminder_open_cases={open_count}")
    print(f"reminder_owed={len(owed)}")
    print(f"reminder_collect_seconds={collect_s:.3f}")
    print(f"reminder_collect_queries={collect_q}")
    print(f"reminder_first_run_created={sum(first.created.values())}")
    print(f"reminder_first_run_notifications={notes}")
    print(f"reminder_first_run_seconds={first_s:.3f}")
    print(f"reminder_first_run_queries={first_q}")
    print(f"reminder_rerun_created={sum(again.created.values())}")
    print(f"reminder_rerun_seconds={again_s:.3f}")
    print(f"reminder_rerun_queries={again_q}")


if __name__ == "__main__":
    main()
