"""The answer goes back through the platform: GET …/answer (the .docx) and POST …/delivered (the delivery)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from sqlalchemy import select

from tracker.audit import Event
from tracker.disclosure import letters
from tracker.disclosure import services as s
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.rules import deadlines
from tracker.rules.clock import CHINA_TZ, today_cn, utcnow

from .api_helpers import body, china

SID = "ZX2026113000017"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture()
def case(api):
    api.post("/requests", json=body())
    return db.session.scalars(select(DisclosureRequest)).one()


@pytest.fixture()
def office(make_user):
    return make_user("office")


def conclude(office, req):
    s.conclude(office, req, version=req.version, outcome="disclosed", answer_date=today_cn(), today=today_cn())


def test_no_answer_before_the_case_is_concluded_and_its_letter_generated(api, case, office):
    early = api.get(f"/requests/{SID}/answer")
    assert early.status_code == 409 and "尚未办结" in early.get_json()["message"]
    conclude(office, case)
    assert api.get(f"/requests/{SID}").get_json()["answer_available"] is True
    waiting = api.get(f"/requests/{SID}/answer")
    assert waiting.status_code == 409 and "尚未生成" in waiting.get_json()["message"]


def test_the_platform_fetches_the_answer_letter(api, case, office):
    conclude(office, case)
    letters.generate_letter(office, case, "answer")
    resp = api.get(f"/requests/{SID}/answer")
    assert resp.status_code == 200 and resp.mimetype == DOCX
    text = "\n".join(p.text for p in Document(io.BytesIO(resp.data)).paragraphs)
    assert case.number in text and "答复" in text
    status = api.get(f"/requests/{SID}").get_json()
    assert status["state"] == "concluded" and status["concluded_on"] == today_cn().isoformat()
    assert status["outcome_label"] == "予以公开"


def test_a_draft_generated_before_conclusion_is_not_the_answer(api, case, office):
    """Only a version generated since the (last) conclusion is the answer the platform may show."""
    conclude(office, case)
    letters.generate_letter(office, case, "answer")
    from tracker.disclosure.models import LetterVersion

    ev = db.session.scalars(select(Event).where(Event.kind == "request.concluded")).one()
    for v in db.session.scalars(select(LetterVersion)):  # as if generated before the conclusion
        v.generated_at = ev.created_at - timedelta(seconds=1)
    db.session.commit()
    assert api.get(f"/requests/{SID}/answer").status_code == 409


def test_delivered_records_the_answers_delivery_through_the_delivery_service(api, case, office):
    conclude(office, case)
    letters.generate_letter(office, case, "answer")
    shown = utcnow().astimezone(CHINA_TZ).replace(microsecond=0)
    resp = api.post(f"/requests/{SID}/delivered", json={"delivered_at": shown.isoformat()})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["delivered_on"] == shown.date().isoformat()
    db.session.expire_all()
    req = db.session.get(DisclosureRequest, case.id)
    assert (req.delivery_method, req.delivered_on) == ("online", shown.date())
    assert letters.letter_row(req, "answer").delivered_on == shown.date()
    assert deadlines.answer_timeliness(req.due_date, req.delivered_on, today_cn()) == deadlines.ANSWERED_ON_TIME
    events = db.session.scalars(select(Event).where(Event.kind == "request.letter_delivered")).all()
    assert len(events) == 1 and events[0].actor_id is None
    again = api.post(f"/requests/{SID}/delivered", json={"delivered_at": shown.isoformat()})
    assert again.status_code == 200 and "无需重复" in again.get_json()["message"]
    assert db.session.scalars(select(Event).where(Event.kind == "request.letter_delivered")).all() == events


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({}, "时间"),
        ({"delivered_at": "昨天"}, "ISO 8601"),
        ({"delivered_at": "2026-11-30T10:15:00"}, "时区"),
        ({"delivered_at": china(utcnow() + timedelta(days=3))}, "将来"),
        ({"delivered_at": china(utcnow() - timedelta(days=40))}, "早于"),
        ({"delivered_at": china(utcnow()), "extra": 1}, "只含"),
    ],
)
def test_a_bad_delivery_time_is_400_and_records_nothing(api, case, office, payload, words):
    conclude(office, case)
    letters.generate_letter(office, case, "answer")
    resp = api.post(f"/requests/{SID}/delivered", json=payload)
    assert resp.status_code == 400, resp.get_json()
    out = resp.get_json()
    assert words in out["message"] + "".join(out.get("fields", {}).values())
    db.session.expire_all()
    assert db.session.get(DisclosureRequest, case.id).delivered_on is None


def test_delivered_before_an_answer_is_409(api, case):
    resp = api.post(f"/requests/{SID}/delivered", json={"delivered_at": china(utcnow())})
    assert resp.status_code == 409
