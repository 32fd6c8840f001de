"""Every page and every form, for every role, with real ids, foreign ids, missing ids and garbage input.

Whatever a user sends, the answer is never a 5xx, it is in Chinese (no English WTForms/Click message
slips through), and a refused POST changes nothing: the row count of every table is the same afterwards.
A POST may also succeed (a garbage note is still a note); then it must have recorded an Event, so a change
without an event is caught as well.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker.accounts import roles
from tracker.accounts.models import Agency, Section, User
from tracker.disclosure import letters
from tracker.disclosure import services as s
from tracker.disclosure.action_pages import PAGES
from tracker.disclosure.intake import register_request
from tracker.disclosure.reviews import record_review
from tracker.extensions import db
from tracker.ledger import parse as ledger_parse
from tracker.reports import registers
from tracker.rules.clock import today_cn

from .proposal_helpers import register as register_proposal
from .workflow_fixtures import _HASH, PASSWORD, RECEIVED, do, intake

MISSING = (999999, 2**40)
ENGLISH = re.compile(
    r"This field is required|Not a valid|Invalid|Field must|is not a valid|Please (enter|select)"
    r"|must be|Error:|Traceback|Usage:"
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NAME_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>')
FILE_RE = re.compile(r'<input\b[^>]*type="file"[^>]*name="([^"]+)"|<input\b[^>]*name="([^"]+)"[^>]*type="file"')
DATE_RE = re.compile(r'<input\b[^>]*type="date"[^>]*name="([^"]+)"|<input\b[^>]*name="([^"]+)"[^>]*type="date"')
ROLES = tuple(roles.ROLES)  # every role of the roles table, a new one included
# They end sessions the sweep may run in (its own, or the user's whose id it sends) and take no input;
# tests/integration/test_sessions.py covers them.
SKIP_POST = {"auth.logout", "auth.sign_out_other_sessions", "admin.sign_out_user"}
SHOWN_ONCE = {"api_tokens.index"}


class Browser:
    """A client of its own (the tests share one app context, whose `g` caches the user and CSRF token)."""

    def __init__(self, app, user):
        self.client = app.test_client()
        page = self.get("/login").get_data(as_text=True)
        resp = self.post(
            "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": csrf_token(page)}
        )
        assert resp.status_code == 302

    def get(self, *a, **kw):
        g.pop("csrf_token", None), g.pop("_login_user", None)
        return self.client.get(*a, **kw)

    def post(self, *a, **kw):
        g.pop("csrf_token", None), g.pop("_login_user", None)
        return self.client.post(*a, **kw)


def _user(agency, role, section=None, name=None):
    user = User(
        agency_id=agency.id,
        username=name or f"x_{role}_{agency.id}_{section.id if section else 0}",
        display_name=f"{role}用户",
        password_hash=_HASH,
        role=role,
        section_id=section.id if section else None,
        active=True,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture()
def world(w):
    """Cases in several states in two sections, a case of another agency, proposals, a register entry."""
    ids: dict[str, list] = {}
    registered = w.new_case()
    in_a = w.new_case(subject="甲科室在办")
    do(s.assign_section, w.office, in_a, section_id=w.sec_a.id)
    do(s.assign_handler, w.head_a, in_a, handler_id=w.staff_a.id)
    do(s.add_cohandler, w.office, in_a, section_id=w.sec_c.id)
    do(s.request_extension, w.staff_a, in_a, workdays=5, reason="档案调取", requested_on=date(2026, 3, 10))
    paused = w.new_case(subject="补正中")
    do(s.assign_section, w.office, paused, section_id=w.sec_a.id)
    do(s.clarify, w.head_a, paused, notice_on=date(2026, 3, 3), items="请写明文件名称")
    in_b = w.new_case(subject="乙科室在办")
    do(s.assign_section, w.office, in_b, section_id=w.sec_b.id)
    done = w.new_case(subject="已办结")
    do(s.assign_section, w.office, done, section_id=w.sec_a.id)
    do(
        s.conclude,
        w.office,
        done,
        outcome="withheld.process_info",
        legal_ground="属于过程性信息。",
        answer_date=date(2026, 3, 10),  # issue 11: concluded, the answer not yet delivered
    )
    do(
        record_review,
        w.office,
        done,
        today=date(2026, 9, 1),
        kind="reconsideration",
        filed_on=date(2026, 4, 1),
        body="区人民政府",
    )
    letter = letters.generate_letter(w.office, done, "answer", today=date(2026, 3, 10))
    # issue 11: a consultation whose receipt is not recorded and an objecting third party (on in_b), a split
    # application and a review not tied to a request
    do(s.consult, w.office, in_b, kind="consult_third_party", party="甲公司", sent_on=date(2026, 3, 4))
    do(
        s.consult,
        w.office,
        in_b,
        kind="consult_third_party",
        party="乙公司",
        sent_on=date(2026, 3, 4),
        served_on=date(2026, 3, 5),
    )
    do(
        s.consultation_closed,
        w.office,
        in_b,
        clock_action_id=in_b.clock_actions[-1].id,
        end_reason="answered",
        ended_on=date(2026, 3, 6),
        position="objected",
    )
    do(s.split_request, w.office, registered, items="另一项", reason="一事一申请")
    from tracker.disclosure.reviews import record_unattached_review

    loose = record_unattached_review(
        w.office,
        today=date(2026, 9, 1),
        subject="proactive",
        subject_note="对主动公开的文件不服",
        kind="reconsideration",
        filed_on=date(2026, 4, 1),
    )

    other = Agency(name="另一机关", settings={})
    db.session.add(other)
    db.session.commit()
    other_sec = Section(agency_id=other.id, name="其他科")
    db.session.add(other_sec)
    db.session.commit()
    foreign = register_request(_user(other, "office"), intake(), today=RECEIVED)

    org = {"office": w.office, "A": w.sec_a, "B": w.sec_b}
    p_a = register_proposal(org, "npc", "1", "A", date(2026, 3, 2), cohandlers=["B"])
    p_b = register_proposal(org, "cppcc", "2", "B", date(2026, 3, 2))
    entry = registers.add_entry(
        w.office,
        "document",
        {"entry_date": "2026-01-05", "category": "rules", "title": "某某办法", "doc_number": "某政规〔2026〕1号"},
        today=date(2026, 3, 10),
    )
    ids["request_id"] = [registered.id, in_a.id, paused.id, in_b.id, done.id, foreign.id, *MISSING]
    ids["review_id"] = [loose.id, *MISSING]
    ids["attachment_id"] = [letter.id, *MISSING]
    ids["proposal_id"] = [p_a.id, p_b.id, *MISSING]
    ids["extension_id"] = [*MISSING]
    ids["entry_id"] = [entry.id, *MISSING]
    ids["section_id"] = [w.sec_a.id, other_sec.id, *MISSING]
    ids["user_id"] = [w.staff_a.id, *MISSING]
    ids["notification_id"] = [*MISSING]
    # a saved filter of section A's staff: anybody else gets 404, as for one that does not exist
    from tracker import saved_filters

    ids["filter_id"] = [saved_filters.save(w.staff_a, "requests", "我的超期", {"due": "overdue"}).id, *MISSING]
    ids["action_id"] = [*PAGES, "no_such_action"]
    ids["kind"] = sorted({*letters.KINDS, *registers.SPECS, *ledger_parse.SPECS, "no_such_kind"})
    ids["year"] = [2026, 2025, 1, 99999]
    ids["cell_id"] = ["table3.new.total", "table4.reconsideration.pending", "table2.rules.issued", "no.such.figure"]
    ids["fmt"] = ["docx", "xlsx", "html", "txt", "pdf", "exe"]
    ids["job_id"] = ["no-such-job", "../../etc/passwd"]
    # issue 17: a platform token of the agency and of the other one; a submission id of the API
    from tracker.api import tokens

    ids["token_id"] = [
        tokens.create_token(None, w.office.agency, "平台")[0].id,
        tokens.create_token(None, other, "平台")[0].id,
        *MISSING,
    ]
    ids["submission_id"] = ["ZX2026113000017", "no-such", "a%00b"]
    # issue 16: the platform administrator's unit pages — the agency, the other one, a missing one
    ids["agency_id"] = [w.office.agency_id, other.id, *MISSING]
    return w, ids


def _urls(app, ids: dict, few: bool = False):
    """(rule, url) for every rule of the app, each path parameter filled with each of its candidate values."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        choices = []
        for name in names:
            values = ids[name]
            if few:  # the POST sweep: every real id, one missing one
                values = [v for v in values if v != MISSING[0]]
            choices.append(values)
        for combo in itertools.product(*choices):
            yield rule, _build(rule.rule, dict(zip(names, combo, strict=True)))


def _build(pattern: str, values: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern)


def _counts() -> dict[str, int]:
    """Rows of every table; of the event table, the events other than the security log's (a refusal is
    recorded there: tests/integration/test_security_log.py). Not case_view: the case page a refused post
    is redirected to records that it was opened (issue 14), a read, not a change."""
    from tracker.accounts.auth import SUBJECT
    from tracker.audit import Event

    db.session.expire_all()
    tables = [t for t in db.metadata.sorted_tables if t.name != "case_view"]

    def count(t):
        q = select(func.count()).select_from(t)
        return q.where(Event.subject_type != SUBJECT) if t is Event.__table__ else q

    row = db.session.execute(select(*[count(t).scalar_subquery().label(t.name) for t in tables])).one()
    return dict(row._mapping)


def _check_text(resp, what: str) -> None:
    assert resp.status_code < 500, (what, resp.status_code, resp.get_data(as_text=True)[:3000])
    if resp.mimetype in ("text/html", "application/json", "text/plain"):
        text = resp.get_data(as_text=True)
        english = ENGLISH.search(text)
        assert not english, (what, text[max(0, english.start() - 300) : english.end() + 300])
        if resp.status_code >= 400:
            assert CHINESE.search(text), (what, resp.status_code, text[:500])


@contextlib.contextmanager
def _collect(failures: list[str], what: str):
    """Go on after a failure, so one run lists every broken page (the app re-raises errors in tests)."""
    try:
        yield
    except Exception as e:  # noqa: BLE001 - reported below
        db.session.rollback()
        failures.append(f"{what[:150]}: {type(e).__name__}: {str(e)[:600]}")


def _report(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


LIST_QUERIES = (
    "?status=nope&section=abc&year=99999999999&applicant_type=x&due=x&q="
    + "字" * 3000
    + "&sort=x&page=-5&kind=x&result=x&satisfaction=x&lead=abc&view=current&show=unread",
    "?page=99999999999999999999&year=-1&start=2026-02-30&n=-3&mode=months&extend=abc&pause_from=9999-99-99&pause_to=x",
    "?start=2026-01-05&n=99999999999&year=2026",
    "?section=99999999999999999999&lead=99999999999999999999&assist=-99999999999999999999&year=2026",
)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_every_role(app_ctx, world, role):
    w, ids = world
    user = w.of_role(role)
    browser = Browser(app_ctx, user)
    failures: list[str] = []
    for rule, url in _urls(app_ctx, ids):
        if "GET" not in rule.methods:
            continue
        for query in ("", *(LIST_QUERIES if not rule.arguments or rule.arguments == {"kind"} else ())):
            what = f"{role} GET {url + query}"[:200]
            with _collect(failures, what):
                _check_text(browser.get(url + query), what)
    _report(failures)


GARBAGE = {
    "long": "长" * 6000,
    "negative": "-1",
    "huge": "99999999999999999999999999",
    "unknown_choice": "no_such_choice",
}
BAD_DATES = ("2026-02-30", "9999-99-99", "0001-01-01", "2999-12-31")


def _payloads(names: set[str], dates: set[str], files: set[str]):
    """Garbage in the other fields with good dates (so the form gets past its date checks to the service),
    then absurd dates with plausible other fields, then a stale version."""
    today = today_cn().isoformat()
    yield "empty", {}
    for label, value in GARBAGE.items():
        yield label, {**{n: value for n in names - dates}, **{n: today for n in dates}}
    for value in BAD_DATES:
        yield value, {**{n: "1" for n in names - dates}, **{n: value for n in dates}}
    yield "stale", {**{n: "1" for n in names - dates}, **{n: today for n in dates}, "version": "0"}
    if files:
        yield (
            "bad_file",
            {
                **{n: "1" for n in names - dates},
                **{f: (io.BytesIO(b"\x00garbage" * 100), "garbage.xlsx") for f in files},
            },
        )


@pytest.mark.parametrize("role", ROLES)
def test_every_form_with_garbage(app_ctx, world, role):
    w, ids = world
    user = w.of_role(role)
    browser = Browser(app_ctx, user)
    token = csrf_token(browser.get("/requests/").get_data(as_text=True))
    known: set[str] = set()
    dates: set[str] = set()
    failures: list[str] = []
    for rule, url in _urls(app_ctx, ids, few=True):
        if "POST" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        names: set[str] = set()
        files: set[str] = set()
        refused = False
        if "GET" in rule.methods:
            resp = browser.get(url)
            # a page the user may not open (403/404) or not in this state (302): two tries show the POST
            # is refused the same way; the full set of garbage goes to the forms the user can fill in
            refused = resp.status_code in (302, 403, 404)
            page = resp.get_data(as_text=True)
            names = set(NAME_RE.findall(page)) - {"csrf_token"}
            files = {a or b for a, b in FILE_RE.findall(page)}
            dates |= {a or b for a, b in DATE_RE.findall(page)}
            known |= names
        if not names:  # a POST-only route: its form sits on another page; try every name seen so far
            names = known | {"body", "note", "reason", "version", "kind", "published", "satisfaction"}
        names -= files
        for label, data in itertools.islice(_payloads(names, dates & names, files), 2 if refused else None):
            what = f"{role} POST {url} [{label}]"
            with _collect(failures, what):
                before = _counts()
                resp = browser.post(
                    url, data={"csrf_token": token, **data}, content_type="multipart/form-data", follow_redirects=True
                )
                _check_text(resp, what)  # after a redirect: the page with the flashed message
                after = _counts()
                # a change must come with its event; pages that show a result once (a new API token's
                # secret, never flashed into the cookie) answer it in the POST's response, not after a redirect
                shown_once = rule.endpoint in SHOWN_ONCE and after["event"] > before["event"]
                if (not resp.history and not shown_once) or after["event"] == before["event"]:
                    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                    assert not changed, (what, resp.status_code, changed)
    _report(failures)
