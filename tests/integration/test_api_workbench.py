"""Requests from the platform on the office's workbench: 网上申请 待分办, with the receipt date explained."""

from __future__ import annotations

from tracker.workbench import panels

from .api_helpers import body
from .test_workbench import _count, _list_total, _page, _panel


def test_platform_requests_wait_in_their_panel_with_the_receipt_date_explained(w, api, client):
    api.post("/requests", json=body(applicant={"type": "natural_person", "name": "网上申请者"}))
    w.new_case(channel="in_person", applicant_name="当面来访者")
    html = _page(client, w.office)
    part = _panel(html, "online_to_route")
    assert "网上申请者" in part and "当面来访者" not in part
    assert "双方确认" in part and "第三十一条第（三）项" in part and "北京时间" in part
    assert _count(part) == _list_total(client, part) == 1
    assert "当面来访者" in _panel(html, "to_route")  # the general queue still holds every registered case
    assert "online_to_route" in {p.id for p in panels.panels_for(w.office)}
    assert "online_to_route" not in {p.id for p in panels.panels_for(w.head_a)}


def test_the_case_page_names_the_submission_and_explains_the_receipt_date(w, api, client):
    from sqlalchemy import select

    from tracker.disclosure.models import DisclosureRequest
    from tracker.extensions import db

    api.post("/requests", json=body())
    req = db.session.scalars(select(DisclosureRequest)).one()
    html = _page(client, w.office) and client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "在线申请平台编号 ZX2026113000017" in html and "以双方确认之日为收到申请之日" in html
