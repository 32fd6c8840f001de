"""Hostile input everywhere (issue 14): NUL, control characters, lone surrogates, 100k-character strings,
huge and negative numbers, impossible dates, SQL and HTML fragments — in every form of the app (its POST
routes enumerated from the URL map, so a new form is covered without a line here), in query parameters,
in import cells and in command arguments. Never a 500, a refusal is in Chinese, and a refusal changes
nothing (the row count of every table is the same). Run on SQLite and PostgreSQL (where NUL used to fail).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.ledger.parse import LedgerInvalid
from tracker.ledger.service import import_ledger
from tracker.rules.clock import DATE_RANGE_MESSAGE, today_cn
from tracker.types import MAX_ID

from .test_no_server_errors import (
    DATE_RE,
    FILE_RE,
    NAME_RE,
    SKIP_POST,
    Browser,
    _check_text,
    _counts,
    _urls,
    world,  # noqa: F401 - the fixture, shared with the page sweep
)

NEVER_TEXT = ["\x00", "a\x00b", "\x01", "标题\x02", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1f", "\x7f", "\x85", "\x9f"]
FRAGMENTS = [
    "' OR 1=1 --",
    "'; DROP TABLE disclosure_request; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    '=HYPERLINK("http://evil.example","点我")',
    "@SUM(1+1)",
    "../../etc/passwd",
    "\ufeff\u202e反转",
]
NUMBERS = ["-1", "0", "-2147483649", str(MAX_ID + 1), "99999999999999999999999999", "1e308", "NaN", "１２３"]
DATES = ["0001-01-01", "1899-12-31", "2100-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "99999-01-01", "today"]
LONG = ["长" * 100_000, "x" * 100_000]

hostile_text = st.one_of(
    st.sampled_from(NEVER_TEXT + FRAGMENTS + NUMBERS + DATES),
    st.sampled_from(LONG),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),  # any character a browser can send
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=5), st.sampled_from(NEVER_TEXT), st.text(max_size=5)),
)


def _forms(app, browser, ids):
    """(url, field names, date fields, file fields) of every POST route the user can open with a form; the
    POST-only routes get every name seen on the other pages."""
    out, known, dates, per_rule = [], set(), set(), {}
    for rule, url in _urls(app, ids, few=True):
        if "POST" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        per_rule[rule.rule] = per_rule.get(rule.rule, 0) + 1
        if per_rule[rule.rule] > 2:  # two records per route (e.g. a case in two states) are enough here
            continue
        names = files = set()
        if "GET" in rule.methods:
            page = browser.get(url).get_data(as_text=True)
            names = set(NAME_RE.findall(page)) - {"csrf_token"}
            files = {a or b for a, b in FILE_RE.findall(page)}
            dates |= {a or b for a, b in DATE_RE.findall(page)}
            known |= names
        out.append([url, names - files, files])
    for entry in out:
        if not entry[1]:
            entry[1] = set(known)
    return [(url, sorted(names), sorted(dates & names), sorted(files)) for url, names, files in out]


def _post(browser, token, url, data, what):
    """POST and check: below 500, Chinese when refused, and nothing changed unless an event was recorded."""
    before = _counts()
    resp = browser.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")
    _check_text(resp, what)
    after = _counts()
    if after["event"] == before["event"]:
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, (what, resp.status_code, changed)
    return resp


@pytest.mark.parametrize("role", ["office", "admin"])
def test_every_form_refuses_control_characters_out_of_range_dates_and_ids(app_ctx, world, role):  # noqa: F811
    """Deterministic: each form once with NUL in every field, once with a control character, once with the
    dates outside the calendar and ids beyond INTEGER."""
    w, ids = world
    browser = Browser(app_ctx, w.of_role(role))
    token = csrf_token(browser.get("/requests/").get_data(as_text=True))
    forms = _forms(app_ctx, browser, ids)
    assert len(forms) > 30, len(forms)  # the enumeration reaches the app's forms
    today = today_cn().isoformat()
    for url, names, dates, _files in forms:
        plain = [n for n in names if n not in dates]
        for label, value in (("NUL", "某\x00内容"), ("vt", "第一行\x0b第二行")):
            data = {n: value for n in plain} | {n: today for n in dates}
            resp = _post(browser, token, url, data, f"{role} POST {url} [{label}]")
            if resp.status_code == 200:  # the form again: the rule's message under a field
                assert "不可见的" in resp.get_data(as_text=True), (url, label)
        data = {n: str(MAX_ID + 1) for n in plain} | {n: "0001-01-01" for n in dates}
        _post(browser, token, url, data, f"{role} POST {url} [0001-01-01, {MAX_ID + 1}]")


@pytest.mark.slow
@pytest.mark.parametrize("role", ["office", "section_head"])
def test_every_form_with_generated_hostile_input(app_ctx, world, role):  # noqa: F811
    w, ids = world
    browser = Browser(app_ctx, w.of_role(role))
    token = csrf_token(browser.get("/requests/").get_data(as_text=True))
    forms = _forms(app_ctx, browser, ids)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.data())
    def one(data):
        url, names, _dates, files = data.draw(st.sampled_from(forms), label="form")
        values = data.draw(st.fixed_dictionaries({n: hostile_text for n in names}), label="fields")
        for f in files:
            values[f] = (io.BytesIO(data.draw(st.binary(max_size=64))), data.draw(st.sampled_from(["a.pdf", "b.xlsx"])))
        db.session.rollback()
        _post(browser, token, url, values, f"{role} POST {url}")

    one()


def test_query_parameters_with_control_characters_are_refused_in_chinese(app_ctx, world):  # noqa: F811
    w, _ids = world
    browser = Browser(app_ctx, w.of_role("office"))
    for url in ("/requests/?q=%00", "/requests/?q=a%01b", "/requests/?section=%00", "/proposals/?kind=%00",
                "/requests/?q%00=1", "/calendar/calculator?start=2026-01-05%00"):  # fmt: skip
        resp = browser.get(url)
        text = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "不可见的" in text and "查询条件" in text, (url, resp.status_code)
    assert browser.get("/requests/?q=%E6%89%B9%E5%A4%8D").status_code == 200  # 批复: fine
    # bytes that are not UTF-8 arrive as U+FFFD (werkzeug), which is text: the page answers normally
    assert browser.get("/requests/?q=%ED%A0%80").status_code == 200


def test_a_nul_in_a_text_field_is_a_message_under_the_field_and_nothing_is_written(app_ctx, world):  # noqa: F811
    w, _ids = world
    browser = Browser(app_ctx, w.of_role("office"))
    page = browser.get("/requests/new").get_data(as_text=True)
    token = csrf_token(page)
    before = _counts()
    data = {
        "csrf_token": token,
        "applicant_type": "natural_person",
        "applicant_name": "张\x00三",
        "id_type": "none",
        "channel": "in_person",
        "received_on": today_cn().isoformat(),
        "subject": "一行\n两行",  # a one-line field: a line break is refused too
        "content": "第一段\n第二段\t缩进",  # a multi-line field keeps its tab and line break
        "provision_form": "electronic",
    }
    resp = browser.post("/requests/new", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and _counts() == before
    assert "申请人姓名或名称第 2 个字符处含有不可见的NUL（U+0000）" in html or "NUL（U+0000）" in html, html[:3000]
    assert "此项只能填写一行" in html
    assert "第一段" in html  # the rest of the form is kept


@pytest.mark.parametrize("bad", ["0001-01-01", "1899-12-31", "2099-06-01", "9999-12-31"])
def test_dates_outside_the_calendar_are_refused_with_the_range(app_ctx, world, bad):  # noqa: F811
    w, _ids = world
    browser = Browser(app_ctx, w.of_role("office"))
    token = csrf_token(browser.get("/requests/new").get_data(as_text=True))
    before = _counts()
    data = {"csrf_token": token, "applicant_type": "natural_person", "applicant_name": "张三", "id_type": "none"}
    data |= {"channel": "in_person", "received_on": bad, "subject": "批复", "content": "请公开批复。"}
    resp = browser.post("/requests/new", data={**data, "provision_form": "electronic"})
    assert resp.status_code == 200 and _counts() == before
    assert DATE_RANGE_MESSAGE in resp.get_data(as_text=True)


def test_ids_beyond_integer_inside_forms_are_a_message(app_ctx, world):  # noqa: F811
    from tracker.disclosure import services as s
    from tracker.errors import ServiceError

    w, ids = world
    case = db.session.get(DisclosureRequest, ids["request_id"][1])  # in section A, with a handler
    browser = Browser(app_ctx, w.of_role("office"))
    page = browser.get(f"/requests/{case.id}/act/assign_handler").get_data(as_text=True)
    before = _counts()
    for value in (str(MAX_ID + 1), "-1", "99999999999999999999"):
        resp = browser.post(
            f"/requests/{case.id}/act/assign_handler",
            data={"csrf_token": csrf_token(page), "version": str(case.version), "handler_id": value},
        )
        assert resp.status_code in (200, 302, 409) and _counts() == before, (value, resp.status_code)
    with pytest.raises(ServiceError, match="承办人"):
        s.assign_handler(w.office, case, version=case.version, handler_id=MAX_ID + 1)


# --- the import ---------------------------------------------------------------------------------------

REQ_HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"
cell = st.one_of(hostile_text, st.sampled_from(["", "自然人", "当面", "2024-01-05", "予以公开"]), st.text(max_size=8))


def _csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REQ_HEADER.split(","))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


@pytest.mark.slow
def test_the_import_never_fails_on_hostile_cells_and_a_refusal_writes_nothing(app_ctx, agency):
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(st.lists(cell, min_size=10, max_size=10), min_size=1, max_size=3))
    def one(rows):
        db.session.rollback()
        before = _counts()
        try:
            import_ledger(None, "台账.csv", _csv(rows), agency=agency, today=date(2024, 6, 30), dry_run=True)
        except LedgerInvalid as e:
            assert e.problems and all(re.search(r"[\u4e00-\u9fff]", str(p)) for p in e.problems)
            for p in e.problems:
                assert "\x00" not in str(p) and "\x01" not in str(p)
        assert _counts() == before

    one()


@pytest.mark.parametrize("bad", ["张\x00三", "张\x01三", "\x1b[2J", "张\udcff三"])
def test_an_import_cell_with_a_control_character_refuses_the_file(app_ctx, agency, bad):
    data = _csv([["A-1", "2024-01-05", "自然人", bad, "当面", "某文件", "", "", "", ""]])
    before = _counts()
    with pytest.raises(LedgerInvalid) as e:
        import_ledger(None, "台账.csv", data, agency=agency, today=date(2024, 6, 30))
    assert any("不可见的" in p.message or "编码" in p.message for p in e.value.problems), e.value.problems
    assert _counts() == before


# --- the command line ------------------------------------------------------------------------------

cli_text = st.one_of(
    hostile_text,
    st.sampled_from(["\udcff", "a\udc80b", "\ud800"]),  # what Python makes of bytes on argv that are not UTF-8
)
COMMANDS = [
    lambda a: ["create-section", a],
    lambda a: ["create-user", a, "--role", "staff"],
    lambda a: ["create-user", "u1", "--role", a],
    lambda a: ["due-date", a],
    lambda a: ["calendar", "show", a],
    lambda a: ["calendar", "export", a],
    lambda a: ["report", "show", a],
    lambda a: ["import-ledger", a],
    lambda a: ["backup", "--verify", a],
    lambda a: ["restore", "--check", a],
    lambda a: ["anonymise", "--dry-run", "--before", a],
    lambda a: ["api-token", "create", "--name", a],
    lambda a: ["report", "2025", "--cell", a],
    lambda a: ["create-agency", a],
    lambda a: ["create-agency", "某街道", "--parent", a],
    lambda a: ["create-agency", "某镇", "--population", a],
    lambda a: ["move-agency", a, "--root"],
    lambda a: ["move-agency", "测试区发展和改革局", "--parent", a, "--reports", "keep"],
    lambda a: ["report", "2025", "--with-units", "--agency", a],
    lambda a: ["report", "2025", "--with-units", "--cell", a],
]


def _leaf_commands(group, path=()):
    import click

    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _leaf_commands(cmd, (*path, name))
        else:
            yield (*path, name)


def test_every_command_says_a_usage_error_in_chinese(app_ctx, agency):
    """Click's own usage errors (an unknown option, a missing file) are English; every command of the app,
    Flask-Migrate's included, says them in Chinese and exits non-zero."""
    runner = app_ctx.test_cli_runner()
    commands = list(_leaf_commands(app_ctx.cli))
    assert ("import-ledger",) in commands and ("db", "upgrade") in commands
    for path in commands:
        if path[0] in ("run", "shell", "routes"):  # Flask's own development commands
            continue
        result = runner.invoke(args=[*path, "--no-such-option-x"])
        assert result.exit_code != 0, path
        assert re.search(r"[\u4e00-\u9fff]", result.output), (path, result.output)
    result = runner.invoke(args=["import-ledger", "/nonexistent/台账.xlsx"])
    assert result.exit_code == 2 and "不存在" in result.output and "does not exist" not in result.output


@pytest.mark.slow
def test_every_command_refuses_hostile_arguments_in_chinese_and_changes_nothing(app_ctx, agency):
    runner = app_ctx.test_cli_runner()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.sampled_from(COMMANDS), cli_text)
    def one(command, arg):
        db.session.rollback()
        before = _counts()
        result = runner.invoke(args=command(arg))
        assert result.exception is None or isinstance(result.exception, SystemExit), (command(arg), result.output)
        if result.exit_code != 0:
            assert re.search(r"[\u4e00-\u9fff]", result.output), (command(arg), result.output)
            assert _counts() == before

    one()


@pytest.mark.parametrize("arg", ["科\x00室", "科\x01室", "科\udcff室", "科\n室"])
def test_a_control_character_in_a_command_argument_is_refused(app_ctx, agency, arg):
    result = app_ctx.test_cli_runner().invoke(args=["create-section", arg])
    assert result.exit_code == 2 and "不可见的" in result.output and "命令参数" in result.output
    assert _counts()["section"] == 0


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(2098, 12, 31)])
def test_the_first_and_last_accepted_dates_carry_a_deadline(app_ctx, world, day):  # noqa: F811
    """The input range leaves the calendar's last year to deadlines, so both ends compute one."""
    from tracker.disclosure.intake import register_request
    from tracker.rules.clock import FIRST_INPUT_DATE, LAST_INPUT_DATE, date_problem

    from .workflow_fixtures import intake

    assert (FIRST_INPUT_DATE, LAST_INPUT_DATE) == (date(1900, 1, 1), date(2098, 12, 31))
    assert date_problem(day) is None
    w, _ids = world
    req = register_request(w.office, intake(sent_on=day, received_on=day), today=day)
    assert req.due_date is not None and day < req.due_date < date(day.year + 1, 3, 1)
