"""The 办理单: the case's facts, the chain of actions with names and dates, and the deadline trace, as a
print page and a .docx; only for those who may read the case."""

from __future__ import annotations

import io
from datetime import timedelta

import docx

from tracker.disclosure import services as s
from tracker.extensions import db
from tracker.rules.clock import today_cn

from .test_workflow_pages import login_as


def test_slip_page_and_docx(w, client):
    today = today_cn()
    case = w.new_case(received_on=today - timedelta(days=3), applicant_name="办理单申请人")
    s.assign_section(w.office, case, version=case.version, section_id=w.sec_a.id, instruction="请尽快办理", today=today)
    s.assign_handler(w.head_a, case, version=case.version, handler_id=w.staff_a.id, today=today)
    s.submit_draft(w.staff_a, case, version=case.version, today=today, outcome="disclosed")
    s.approve_draft(w.leader, case, version=case.version, note="同意", today=today)
    case.number = case.number + "\x01"  # a control character already stored never breaks the .docx
    db.session.commit()
    login_as(client, w.office)
    html = client.get(f"/requests/{case.id}/slip").get_data(as_text=True)
    for text in (
        "办理单申请人",
        "请尽快办理",
        w.staff_a.display_name,
        w.leader.display_name,
        "同意",
        "分办至科室",
        "审核通过答复稿",
    ):
        assert text in html, text
    assert "其后第20个工作日为" in html  # the deadline trace
    resp = client.get(f"/requests/{case.id}/slip.docx")
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(resp.data))
    text = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "办理单申请人" in text and w.leader.display_name in text and "同意" in text
    assert "\x01" not in text and "\ufffd" in text
    # another section's staff gets what a stranger gets
    login_as(client, w.staff_b)
    assert client.get(f"/requests/{case.id}/slip").status_code == 404
    assert client.get(f"/requests/{case.id}/slip.docx").status_code == 404
