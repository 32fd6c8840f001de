"""Required fields are marked (a red * and aria-required, from the form definition), and the marks tell
the truth: a marked field left empty is refused by its service, and every field an empty form is refused
for ("请填写…", "请选择…") is marked. Checked on every form where an empty submission reaches the service."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tracker.disclosure.action_pages import PAGES
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db

from .test_no_server_errors import Browser, world  # noqa: F401 (fixture)

TAG = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
NAME = re.compile(r'\bname="([^"]+)"')
ASKS = re.compile(r"^请(填写|选择|输入)")


def marked(html: str) -> set[str]:
    out = set()
    for tag in TAG.findall(html):
        name = NAME.search(tag)
        if name and 'aria-required="true"' in tag:
            assert "required" in tag, tag
            out.add(name.group(1))
    return out


def refused(html: str) -> dict[str, str]:
    """field name -> the message under it."""
    out = {}
    for block in re.split(r'(?=<div class="mb-3)', html):
        m = re.search(r'<div class="invalid-feedback d-block">([^<]*)</div>', block)
        tag = TAG.search(block)
        if m and tag and (name := NAME.search(tag.group(0))):
            out[name.group(1)] = m.group(1)
    return out


def defaults(html: str) -> dict[str, str]:
    """What the browser would send for the page's form as it comes (values, selected or first options)."""
    main = html.split("<main", 1)[1]
    form = next(f for f in re.split(r"<form\b", main)[1:] if 'aria-required="true"' in f.split("</form>", 1)[0])
    form = form.split("</form>", 1)[0]
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name, value = NAME.search(tag), re.search(r'\bvalue="([^"]*)"', tag)
        if name and 'type="file"' not in tag and 'type="checkbox"' not in tag:
            data[name.group(1)] = html_lib.unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        options = re.findall(r'<option\b([^>]*)value="([^"]*)"', body)
        chosen = [v for attrs, v in options if "selected" in attrs and v] or [v for _, v in options if v]
        data[name] = chosen[0] if chosen else ""  # a person picks something; the test leaves one field empty
    for name, body in re.findall(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = html_lib.unescape(body).strip()
    return data


def check(browser, url: str, html: str, what: str, conditional: set[str] = frozenset(), extra=None) -> None:
    """Each marked field alone left empty is refused under it; an all-empty form is refused only for
    marked (or conditional) fields when it asks for something."""
    marks = marked(html)
    assert marks, f"{what}: nothing marked"
    assert "必填" in html and "required-mark" in html
    base = {**defaults(html), **(extra or {})}
    for name in sorted(marks):
        resp = browser.post(url, data={**base, name: ""})
        assert resp.status_code == 200, (what, name, resp.status_code)
        errors = refused(resp.get_data(as_text=True))
        if name not in errors:
            # refused for a reason of the case's state (e.g. an extension already pending), not accepted
            assert any(not ASKS.match(m) for n, m in errors.items()), f"{what}: {name} is marked but accepted empty"
    keep = {k: v for k, v in base.items() if k in ("csrf_token", "version", "step")}
    errors = refused(browser.post(url, data=keep).get_data(as_text=True))
    asked = {n for n, m in errors.items() if ASKS.match(m)} - conditional
    assert asked <= marks, f"{what}: refused empty but not marked: {asked - marks}"


def test_registration_and_correction(app_ctx, world):  # noqa: F811
    w, ids = world
    office = Browser(app_ctx, w.office)
    page = office.get("/requests/new").get_data(as_text=True)
    check(office, "/requests/new", page, "登记申请")
    url = f"/requests/{ids['request_id'][0]}/edit"
    check(office, url, office.get(url).get_data(as_text=True), "更正登记信息")


# Fields whose need depends on another answer; their labels say when.
CONDITIONAL = {"legal_ground", "pages", "ended_on", "note", "answer_summary"}


@pytest.mark.parametrize("role", ["office", "leader", "head_a", "staff_a"])
def test_every_action_page(app_ctx, world, role):  # noqa: F811
    w, ids = world
    browser = Browser(app_ctx, getattr(w, role))
    from tracker.disclosure import services

    seen = 0
    for request_id in ids["request_id"][:5]:
        req = db.session.get(DisclosureRequest, request_id)
        for action in PAGES:
            if services.precondition(req, action):
                continue  # the case page shows it disabled (nothing to act on yet); its page is refused
            url = f"/requests/{request_id}/act/{action}"
            page = browser.get(url)
            if page.status_code != 200:
                continue
            extra = {"step": "confirm", "pages": "5000"} if action == "fee_notice" else None
            check(browser, url, page.get_data(as_text=True), url, CONDITIONAL, extra)
            seen += 1
    assert seen >= 3, role


def test_proposal_registration(app_ctx, world):  # noqa: F811
    w, _ = world
    office = Browser(app_ctx, w.office)
    check(office, "/proposals/new", office.get("/proposals/new").get_data(as_text=True), "登记建议提案")


def test_marks_on_admin_and_calendar_forms(app_ctx, world):  # noqa: F811
    w, _ = world
    admin = Browser(app_ctx, w.admin)
    for url in ("/admin/users", "/admin/sections", "/admin/agency", "/proposals/settings"):
        page = admin.get(url).get_data(as_text=True)
        assert marked(page), url
    assert "aria-required" in admin.get("/calendar/calculator").get_data(as_text=True)
    office = Browser(app_ctx, w.office)
    page = office.get("/requests/letter-templates/").get_data(as_text=True)
    kind = re.search(r'href="/requests/letter-templates/([^"/]+)"', page).group(1)
    url = f"/requests/letter-templates/{kind}"
    assert marked(office.get(url).get_data(as_text=True)) == {"title", "body"}


def test_review_not_tied_to_a_request(app_ctx, world):  # noqa: F811
    """The review of 主动公开 or of a request never received (issue 11): what it is about is asked for."""
    w, _ = world
    office = Browser(app_ctx, w.office)
    page = office.get("/requests/reviews/new").get_data(as_text=True)
    check(office, "/requests/reviews/new", page, "登记复议诉讼（非申请案件）", {"result"})
    assert {"subject", "subject_note", "kind", "filed_on"} <= marked(page)
