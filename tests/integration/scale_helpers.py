"""Many requests fast (one executemany), and a statement counter, for the scale tests of issue 15."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, insert

from tracker.extensions import db
from tracker.rules.clock import utcnow

OUTCOMES = ("disclosed", "partially_disclosed", "unavailable.not_held", "other.other")


def add_requests(agency, sections, n: int, *, start_id: int = 1, today: date | None = None, **over) -> list[int]:
    """n requests of the agency, a third open (overdue, soon, later), spread over sections and 3 years."""
    from tracker.disclosure.models import DisclosureRequest

    today = today or date.today()
    now = utcnow()
    rows = []
    for i in range(start_id, start_id + n):
        received = today - timedelta(days=(i * 7) % 1000)
        open_ = i % 3 == 0
        rows.append(
            {
                "id": i,
                "agency_id": agency.id,
                "year": received.year,
                "seq": i,
                "number": f"依申〔{received.year}〕第{i:04d}号",
                "applicant_type": "natural_person" if i % 4 else "commercial_enterprise",
                "applicant_name": f"申请人{i}",
                "id_type": "none",
                "channel": "online",
                "received_on": received,
                "subject": f"事项{i}",
                "content": f"申请公开第{i}号文件",
                "status": "in_progress" if open_ else "concluded",
                "section_id": sections[i % len(sections)].id,
                "due_date": today + timedelta(days=(i % 9) - 4) if open_ else received + timedelta(days=28),
                "outcome": None if open_ else OUTCOMES[i % len(OUTCOMES)],
                "concluded_on": None if open_ else received + timedelta(days=10),
                "created_at": now,
                "updated_at": now,
                "source": "manual",
                "due_provisional": False,
                "withdrawn": False,
                "version": 1,
                **over,
            }
        )
    db.session.execute(insert(DisclosureRequest), rows)
    db.session.commit()
    return [r["id"] for r in rows]


@contextmanager
def statements():
    """The SQL statements sent inside the block (an executemany counts once)."""
    sent: list[str] = []

    def listener(conn, cursor, statement, params, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
