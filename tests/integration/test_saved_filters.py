"""Saved list filters (常用筛选): saved with the list's known arguments only, opened again with any
value that no longer exists dropped and named, private to their owner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker import saved_filters
from tracker.accounts.models import SavedFilter, Section
from tracker.errors import FieldErrors
from tracker.extensions import db

from .test_workflow_pages import login_as


def test_save_keeps_only_known_arguments_and_replaces_by_name(w):
    row = saved_filters.save(
        w.staff_a, "requests", " 我的超期 ", {"handler": "me", "due": "overdue", "page": "7", "after": "x", "evil": "1"}
    )
    assert row.name == "我的超期" and row.query == {"handler": "me", "due": "overdue"}
    again = saved_filters.save(w.staff_a, "requests", "我的超期", {"status": "open"})
    assert again.id == row.id and again.query == {"status": "open"}
    for name, args in (
        ("", {"due": "overdue"}),
        ("空", {}),
        ("x" * 41, {"due": "overdue"}),
        ("坏", {"due": "never"}),
        ("上标", {"year": "²"}),  # a digit to str.isdigit, not to int()
    ):
        with pytest.raises(FieldErrors):
            saved_filters.save(w.staff_a, "requests", name, args)
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 1


def test_opening_drops_what_no_longer_exists_and_says_so(w, client):
    gone = Section(agency_id=w.office.agency_id, name="撤销科")
    db.session.add(gone)
    db.session.commit()
    row = saved_filters.save(w.office, "requests", "撤销科待办", {"section": str(gone.id), "status": "open"})
    db.session.delete(gone)
    db.session.commit()
    login_as(client, w.office)
    resp = client.get(f"/requests/filters/{row.id}")
    assert resp.status_code == 302 and "status=open" in resp.location and "section" not in resp.location
    page = client.get(resp.location).get_data(as_text=True)
    assert "科室已不存在或不再有效，已去掉" in page


def test_the_list_page_saves_lists_and_deletes_and_others_cannot_see_them(w, client):
    login_as(client, w.staff_a)
    html = client.get("/requests/?handler=me&due=overdue").get_data(as_text=True)
    token = csrf_token(html)
    resp = client.post(
        "/requests/filters", data={"csrf_token": token, "name": "我的超期", "handler": "me", "due": "overdue"}
    )
    assert resp.status_code == 302
    row = db.session.scalars(select(SavedFilter)).one()
    html = client.get("/requests/").get_data(as_text=True)
    assert "我的超期" in html and f"/requests/filters/{row.id}" in html
    login_as(client, w.staff_a2)
    assert client.get(f"/requests/filters/{row.id}").status_code == 404
    assert "我的超期" not in client.get("/requests/").get_data(as_text=True)
    assert client.post(f"/requests/filters/{row.id}/delete", data={"csrf_token": token}).status_code in (400, 404)
    login_as(client, w.staff_a)
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    assert client.post(f"/requests/filters/{row.id}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SavedFilter)) == 0
