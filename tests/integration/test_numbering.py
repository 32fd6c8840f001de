"""Case numbers under concurrency: every registration gets its own number, none is reused."""

import threading
from datetime import date

from sqlalchemy import func, select

from tracker.disclosure.intake import register_request
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.numbering import next_seq
from tracker.rules.clock import today_cn


def _data(received: date):
    return {
        "applicant_type": "natural_person",
        "applicant_name": "并发测试",
        "id_type": "none",
        "channel": "online",
        "received_on": received,
        "subject": "并发",
        "content": "并发登记",
    }


def test_concurrent_registrations_get_distinct_consecutive_numbers(app_ctx, make_user):
    office = make_user("office")
    office_id = office.id
    app = app_ctx
    today = today_cn()
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker():
        try:
            with app.app_context():
                from tracker.accounts.models import User

                user = db.session.get(User, office_id)
                barrier.wait(timeout=30)
                for _ in range(5):
                    register_request(user, _data(today))
                db.session.remove()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    seqs = db.session.scalars(select(DisclosureRequest.seq).order_by(DisclosureRequest.seq)).all()
    assert seqs == list(range(1, 31))
    numbers = db.session.scalar(select(func.count(func.distinct(DisclosureRequest.number))))
    assert numbers == 30


def test_numbers_restart_per_year_and_are_never_reused_after_rollback(app_ctx, make_user):
    office = make_user("office")
    r1 = register_request(office, _data(date(2025, 12, 31)))
    r2 = register_request(office, _data(date(2026, 1, 5)))
    assert (r1.seq, r2.seq) == (1, 1)
    assert r1.number == "依申〔2025〕第0001号" and r2.number == "依申〔2026〕第0001号"
    # A number taken and committed is never handed out again, even if its case is deleted later.
    db.session.delete(r2)
    db.session.commit()
    r3 = register_request(office, _data(date(2026, 1, 6)))
    assert r3.seq == 2


def test_counter_is_per_agency(app_ctx, make_user, agency):
    from tracker.accounts.models import Agency

    other = Agency(name="另一机关", settings={})
    db.session.add(other)
    db.session.commit()
    assert next_seq(agency.id, "request", 2026) == 1
    assert next_seq(other.id, "request", 2026) == 1
    assert next_seq(agency.id, "request", 2026) == 2
    db.session.rollback()
