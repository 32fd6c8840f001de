"""Data isolation on every case URL: GET and POST of every action, for every role.

A user outside the case's sections (or agency) gets exactly the 404 of a case that does not exist; a
co-handling section reads the case and gives its opinion, and gets 403 for everything else; nothing
changes on any refused request.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import csrf_token
from tracker.accounts.models import Agency, User
from tracker.disclosure import services as s
from tracker.disclosure import workflow
from tracker.disclosure.action_pages import PAGES
from tracker.disclosure.intake import register_request
from tracker.extensions import db
from tracker.rules.clock import today_cn

from .test_workflow_pages import browser, login_as
from .workflow_fixtures import _HASH, intake, snapshot


@pytest.fixture()
def setting(w, fast_user):
    today = today_cn()
    req = register_request(w.office, intake(received_on=today - timedelta(days=1)), today=today)
    s.assign_section(w.office, req, version=req.version, section_id=w.sec_a.id)
    s.assign_handler(w.head_a, req, version=req.version, handler_id=w.staff_a.id)
    s.add_cohandler(w.office, req, version=req.version, section_id=w.sec_b.id)
    from tracker.disclosure import letters

    att = letters.generate_letter(w.office, req, "receipt")
    other = Agency(name="另一机关", settings={})
    db.session.add(other)
    db.session.commit()
    foreign = User(
        agency_id=other.id,
        username="foreign_office",
        display_name="外机关",
        password_hash=_HASH,
        role="office",
        active=True,
    )
    db.session.add(foreign)
    db.session.commit()
    staff_c = fast_user("staff", section=w.sec_c)
    head_c = fast_user("section_head", section=w.sec_c)
    return req, att, {"staff_c": staff_c, "head_c": head_c, "foreign": foreign}


def case_urls(req, att) -> list[tuple[str, str]]:
    urls = [
        ("GET", f"/requests/{req.id}"),
        ("GET", f"/requests/{req.id}/edit"),
        ("POST", f"/requests/{req.id}/edit"),
        ("GET", f"/requests/{req.id}/attachments/{att.id}"),
        ("POST", f"/requests/{req.id}/letters"),
    ]
    for action in PAGES:
        urls += [("GET", f"/requests/{req.id}/act/{action}"), ("POST", f"/requests/{req.id}/act/{action}")]
    return urls


def same_page(a, b) -> bool:
    """Equal apart from the per-request CSRF token of the logout form."""

    def norm(r):
        return re.sub(r'name="csrf_token" value="[^"]+"', "", r.get_data(as_text=True))

    return norm(a) == norm(b)


def _call(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.post(
        url,
        data={
            "csrf_token": token,
            "version": "999",
            "reason": "x",
            "key": "receipt",
            "section_id": "1",
            "opinion": "x",
        },
    )


@pytest.mark.parametrize("who", ["staff_c", "head_c", "foreign"])
def test_outsiders_get_the_404_of_a_missing_case_everywhere(app_ctx, w, setting, who):
    req, att, users = setting
    client = login_as(browser(app_ctx), users[who])
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    missing = client.get("/requests/999999")
    assert missing.status_code == 404
    before = snapshot(req)
    for method, url in case_urls(req, att):
        resp = _call(client, method, url, token)
        if url.endswith("/edit") and not users[who].can("request.edit_intake"):
            assert resp.status_code == 403, (method, url)  # the page itself is refused by role first
            continue
        assert resp.status_code == 404, (who, method, url, resp.status_code)
        assert same_page(resp, missing)
        missing_url = re.sub(rf"^/requests/{req.id}(?=/|$)", "/requests/999999", url)
        assert _call(client, method, missing_url, token).status_code == resp.status_code
    assert snapshot(req) == before
    assert req.number not in client.get("/requests/?status=").get_data(as_text=True)


@pytest.mark.parametrize("who", ["staff_b", "head_b"])
def test_cohandlers_read_and_give_an_opinion_only(app_ctx, w, setting, who):
    req, att, _ = setting
    user = getattr(w, who)
    client = login_as(browser(app_ctx), user)
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    assert client.get(f"/requests/{req.id}").status_code == 200
    assert client.get(f"/requests/{req.id}/attachments/{att.id}").status_code == 200
    assert req.number in client.get("/requests/").get_data(as_text=True)
    before = snapshot(req)
    for method, url in case_urls(req, att):
        if url.endswith("/submit_opinion") or url == f"/requests/{req.id}" or "/attachments/" in url:
            continue
        resp = _call(client, method, url, token)
        assert resp.status_code == 403, (who, method, url, resp.status_code)
    assert snapshot(req) == before
    html = client.get(f"/requests/{req.id}/act/submit_opinion").get_data(as_text=True)
    resp = client.post(
        f"/requests/{req.id}/act/submit_opinion",
        data={"csrf_token": csrf_token(html), "version": str(req.version), "opinion": "同意公开"},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert req.cohandlers[0].opinion == "同意公开"


@pytest.mark.parametrize("who", ["office", "leader", "admin", "head_a", "staff_a", "staff_a2"])
def test_lead_and_agency_roles_get_exactly_what_the_table_allows(app_ctx, w, setting, who):
    req, att, _ = setting
    user = getattr(w, who)
    client = login_as(browser(app_ctx), user)
    assert client.get(f"/requests/{req.id}").status_code == 200
    for action in PAGES:
        resp = client.get(f"/requests/{req.id}/act/{action}")
        act = workflow.action(action)
        if workflow.permission_error(user, req, act):
            expected = 403
        elif workflow.state_error(req, act):
            expected = 302
        else:
            expected = 200
        assert resp.status_code == expected, (who, action, resp.status_code)
    letter = client.post(
        f"/requests/{req.id}/letters",
        data={"csrf_token": csrf_token(client.get(f"/requests/{req.id}").get_data(as_text=True)), "key": "receipt"},
    )
    assert letter.status_code == (302 if user.can("request.letters") else 403)


def test_lead_staff_who_is_not_the_handler_cannot_post_handler_actions(app_ctx, w, setting):
    req, att, _ = setting
    client = login_as(browser(app_ctx), w.staff_a2)
    token = csrf_token(client.get("/requests/").get_data(as_text=True))
    before = snapshot(req)
    for action in ("submit_draft", "clarify", "consult", "request_extension"):
        resp = client.post(
            f"/requests/{req.id}/act/{action}",
            data={"csrf_token": token, "version": str(req.version), "outcome": "disclosed", "items": "x"},
        )
        assert resp.status_code == 403, action
    assert snapshot(req) == before


def test_ids_beyond_the_integer_column_are_404_not_500(app_ctx, w, setting):
    req, att, _ = setting
    client = login_as(browser(app_ctx), w.office)
    huge = 2**31
    for url in (
        f"/requests/{huge}",
        f"/requests/{huge}/act/conclude",
        f"/requests/{huge * 10**9}",
        f"/requests/{req.id}/attachments/{huge}",
    ):
        assert client.get(url).status_code == 404, url
