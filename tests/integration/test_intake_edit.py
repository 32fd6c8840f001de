"""Correcting registration data: deadline follows the receipt date, conflicts refused, reasons for closed cases."""

from datetime import date

import pytest

from tracker.audit import timeline
from tracker.disclosure.intake import IntakeInvalid, edit_intake, register_request
from tracker.errors import ConflictError, PermissionDenied
from tracker.extensions import db


def base(**over):
    d = {
        "applicant_type": "natural_person",
        "applicant_name": "张三",
        "id_type": "none",
        "channel": "online",
        "received_on": date(2026, 3, 2),
        "subject": "立项批复",
        "content": "请公开立项批复。",
        "tags": "项目立项",
    }
    d.update(over)
    return d


def test_changing_receipt_date_recomputes_deadline_and_keeps_number(app_ctx, make_user):
    office = make_user("office")
    req = register_request(office, base(), today=date(2026, 3, 10))
    number, due = req.number, req.due_date
    assert due == date(2026, 3, 30)  # 20 working days after Mon 2 March 2026
    diff = edit_intake(
        office,
        req,
        base(received_on=date(2026, 3, 3), tags="项目立项、规划"),
        version=req.version,
        today=date(2026, 3, 10),
    )
    assert req.number == number
    assert req.due_date == date(2026, 3, 31)
    assert diff["received_on"] == [date(2026, 3, 2), date(2026, 3, 3)] and "due_date" in diff
    assert sorted(t.tag for t in req.tags) == ["规划", "项目立项"]
    kinds = [e.kind for e in timeline("request", req.id)]
    assert kinds == ["request.registered", "request.intake_edited"]


def test_stale_version_refused_and_nothing_changed(app_ctx, make_user):
    office = make_user("office")
    req = register_request(office, base(), today=date(2026, 3, 10))
    old_version = req.version
    edit_intake(office, req, base(applicant_name="李四"), version=old_version, today=date(2026, 3, 10))
    with pytest.raises(ConflictError, match="已被他人修改"):
        edit_intake(office, req, base(applicant_name="王五"), version=old_version, today=date(2026, 3, 10))
    db.session.expire_all()
    assert req.applicant_name == "李四"


def test_invalid_correction_changes_nothing(app_ctx, make_user):
    office = make_user("office")
    req = register_request(office, base(), today=date(2026, 3, 10))
    with pytest.raises(IntakeInvalid) as e:
        edit_intake(office, req, base(received_on=date(2026, 4, 1)), version=req.version, today=date(2026, 3, 10))
    assert "received_on" in e.value.errors
    db.session.expire_all()
    assert req.received_on == date(2026, 3, 2)


def test_only_office_may_correct(app_ctx, make_user, make_section):
    office = make_user("office")
    leader = make_user("leader")
    req = register_request(office, base(), today=date(2026, 3, 10))
    with pytest.raises(PermissionDenied):
        edit_intake(leader, req, base(applicant_name="X"), version=req.version, today=date(2026, 3, 10))


def test_edit_page_through_form(client, make_user, login, form_post):
    office = make_user("office")
    req = register_request(office, base(), today=date(2026, 3, 10))
    login(office)
    url = f"/requests/{req.id}/edit"
    resp = form_post(
        url,
        {
            **{k: v for k, v in base().items()},
            "received_on": "2026-03-02",
            "applicant_name": "张三丰",
            "version": str(req.version),
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    assert req.applicant_name == "张三丰"
