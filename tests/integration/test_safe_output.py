"""Safe output and files (issue 14): formula-safe exports (one test per export), outputs that never fail on
text already stored, uploads checked by content and served with our own type, letter templates bounded in
time and size, and demo data that refuses a production or non-empty database."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from tracker.attachments import Attachment, Upload, check_upload, content_error
from tracker.disclosure import letters
from tracker.disclosure.models import DisclosureRequest, LetterTemplate
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.proposals.models import Proposal

from .proposal_helpers import register as register_proposal
from .test_no_server_errors import Browser
from .workflow_fixtures import do

FORMULAS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
STORED = {t.strip() for t in FORMULAS}  # the services trim what is typed; a tab or CR first: test_spreadsheet
CONTROL = "某\x01项目\x1f批复"  # stored before issue 14 (PostgreSQL holds them; NUL it never did)


def _formula_cells(data: bytes) -> list:
    """Every cell of the workbook whose text begins like a formula, with how the file stores it."""
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    return [c for c in cells if c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]


def _no_formula(data: bytes, expected: set[str]) -> None:
    """The texts are in the file, each as a string cell with Excel's quote prefix, and the package holds no
    formula element at all."""
    cells = _formula_cells(data)
    assert expected <= {c.value for c in cells}, (expected, [c.value for c in cells])
    for c in cells:
        assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value, c.data_type)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_ledger_request_export_keeps_formula_text_as_text(app_ctx, w):
    for i, text in enumerate(FORMULAS):
        w.new_case(content=text, applicant_name=f"申请人{i}")
    data = Browser(app_ctx, w.office).get("/ledger/export/requests.xlsx").data
    _no_formula(data, STORED)


def _proposals(w, titles):
    org = {"office": w.office, "A": w.sec_a, "B": w.sec_b}
    return [register_proposal(org, "npc", str(i + 1), "A", date(2026, 3, 2), title=t) for i, t in enumerate(titles)]


def test_ledger_proposal_export_keeps_formula_text_as_text(app_ctx, w):
    _proposals(w, FORMULAS)
    data = Browser(app_ctx, w.office).get("/ledger/export/proposals.xlsx").data
    _no_formula(data, STORED)


def test_proposal_year_export_keeps_formula_text_as_text(app_ctx, w):
    _proposals(w, FORMULAS)
    resp = Browser(app_ctx, w.office).get("/proposals/export?year=2026")
    assert resp.status_code == 200
    _no_formula(resp.data, STORED)


def test_report_xlsx_keeps_an_agency_name_that_looks_like_a_formula_as_text(app_ctx, w):
    w.office.agency.name = '=HYPERLINK("http://evil.example")局'
    db.session.commit()
    resp = Browser(app_ctx, w.office).get("/reports/2026/report.xlsx")
    assert resp.status_code == 200
    cells = _formula_cells(resp.data)
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_calendar_csv_keeps_formula_names_as_text_and_reads_them_back(app_ctx, w, make_user):
    from tracker.rules import calendar_csv
    from tracker.workcal import service

    owner = make_user("platform_admin")
    service.apply_year(2027, [(date(2027, 1, 1), False, "=cmd|' /C calc'!A0")], actor=owner, source="测试")
    browser = Browser(app_ctx, w.admin)  # an agency admin reads (and downloads) the calendar
    text = browser.get("/calendar/years/2027.csv").get_data().decode("utf-8-sig")
    assert "2027-01-01,off,'=cmd|' /C calc'!A0" in text or "\"'=cmd|' /C calc'!A0\"" in text, text
    parsed = calendar_csv.parse_calendar_csv(text, expected_year=2027)
    assert parsed.ok and parsed.names()[date(2027, 1, 1)] == "=cmd|' /C calc'!A0"  # the round trip holds


# --- outputs never fail on text already stored -------------------------------------------------------


def _store_control_characters(model, column, ids):
    db.session.execute(update(model).where(model.id.in_(ids)).values({column: CONTROL}))
    db.session.commit()


def test_exports_never_fail_on_stored_control_characters(app_ctx, w):
    case = w.new_case()
    (p,) = _proposals(w, ["正常标题"])
    _store_control_characters(DisclosureRequest, "content", [case.id])
    _store_control_characters(Proposal, "title", [p.id])
    browser = Browser(app_ctx, w.office)
    for url in ("/proposals/export?year=2026", "/ledger/export/requests.xlsx", "/ledger/export/proposals.xlsx"):
        resp = browser.get(url)
        assert resp.status_code == 200, url
        values = {c.value for ws in load_workbook(io.BytesIO(resp.data)) for row in ws.iter_rows() for c in row}
        assert "某\ufffd项目\ufffd批复" in values, url  # replaced, visibly, never dropped in silence


def test_a_letter_never_fails_on_stored_control_characters(app_ctx, w):
    import docx

    from tracker.disclosure import services as s

    case = w.new_case()
    do(s.assign_section, w.office, case, section_id=w.sec_a.id)
    _store_control_characters(DisclosureRequest, "subject", [case.id])
    db.session.expire_all()
    att = letters.generate_letter(w.office, db.session.get(DisclosureRequest, case.id), "receipt")
    path = f"{app_ctx.config['UPLOAD_FOLDER']}/{att.stored_name}"
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "某\ufffd项目\ufffd批复" in text


def test_the_report_docx_never_fails_on_stored_control_characters(app_ctx, w):
    from tracker.reports import services as report_services

    report_services.save_narrative(w.office, 2026, {"preface": "本年度" + CONTROL})
    resp = Browser(app_ctx, w.office).get("/reports/2026/report.docx?view=current")
    assert resp.status_code == 200
    import docx

    assert any("某\ufffd项目" in p.text for p in docx.Document(io.BytesIO(resp.data)).paragraphs)


# --- uploads by content ------------------------------------------------------------------------------


def _docx_bytes() -> bytes:
    return letters.render_docx("标题", ["正文"], "编号", "机关", date(2026, 3, 2))


def _xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def _zip_bytes(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "x")
    return buf.getvalue()


GOOD = {
    "a.pdf": b"%PDF-1.7\n...",
    "a.png": b"\x89PNG\r\n\x1a\n....",
    "a.jpg": b"\xff\xd8\xff\xe0....",
    "a.JPEG": b"\xff\xd8\xff\xe1....",
    "a.tif": b"II*\x00....",
    "a.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....",
    "a.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....",
    "a.txt": "中文说明".encode("gb18030"),
    "b.txt": "中文说明".encode(),
}
BAD = {
    "a.pdf": b"<html><script>alert(1)</script></html>",
    "a.png": b"%PDF-1.7",
    "a.jpg": b"MZ\x90\x00 executable",
    "a.docx": b"PK\x03\x04 not really a zip",
    "b.docx": None,  # a real zip, but no Word part (set below)
    "a.xlsx": None,  # a Word file renamed .xlsx (set below)
    "a.doc": b"{\\rtf1 not OLE}",
    "a.txt": b"MZ\x00\x00\x01binary",
}


def test_uploads_are_checked_by_their_content(app_ctx):
    for name, data in {**GOOD, "a.docx": _docx_bytes(), "a.xlsx": _xlsx_bytes()}.items():
        assert content_error(name, data) is None, name
        assert check_upload(Upload(name, data)) is None, name
    bad = {**BAD, "b.docx": _zip_bytes("evil.sh"), "a.xlsx": _docx_bytes()}
    for name, data in bad.items():
        message = check_upload(Upload(name, data))
        assert message and "文件内容与之不符" in message and name in message, (name, message)


def test_a_refused_upload_on_the_intake_form_is_a_message_and_nothing_is_stored(app_ctx, w):
    import os

    from tests.conftest import csrf_token

    browser = Browser(app_ctx, w.office)
    token = csrf_token(browser.get("/requests/new").get_data(as_text=True))
    before = (
        db.session.scalar(select(func.count()).select_from(DisclosureRequest)),
        len(os.listdir(app_ctx.config["UPLOAD_FOLDER"])),
    )
    data = {"csrf_token": token, "applicant_type": "natural_person", "applicant_name": "张三", "id_type": "none"}
    data |= {"channel": "in_person", "received_on": "2026-03-02", "subject": "批复", "content": "请公开。"}
    data |= {"provision_form": "electronic", "attachment": (io.BytesIO(BAD["a.pdf"]), "申请书.pdf")}
    resp = browser.post("/requests/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200 and "文件内容与之不符" in resp.get_data(as_text=True)
    db.session.expire_all()
    after = (
        db.session.scalar(select(func.count()).select_from(DisclosureRequest)),
        len(os.listdir(app_ctx.config["UPLOAD_FOLDER"])),
    )
    assert after[0] == before[0]


def test_downloads_carry_our_type_nosniff_and_attachment(app_ctx, w):
    from tracker.disclosure.intake import add_attachment
    from tracker.unit_of_work import unit_of_work

    case = w.new_case()
    with unit_of_work():
        att = add_attachment(w.office, case, Upload("扫描件.pdf", b"%PDF-1.4 scan", "text/html"), kind="application")
    assert att.content_type == "application/pdf"  # what the browser claimed is not kept
    db.session.execute(update(Attachment).where(Attachment.id == att.id).values(content_type="text/html"))
    db.session.commit()  # even a row stored before issue 14 with the uploaded type
    resp = Browser(app_ctx, w.office).get(f"/requests/{case.id}/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == b"%PDF-1.4 scan"
    assert resp.mimetype == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("attachment")


# --- letter templates: bounded -----------------------------------------------------------------------

HOSTILE_TEMPLATES = [
    "{{ applicant }}：{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",
    '{{ applicant }}：{{ "x" * 1000000000 }}',
    "{{ applicant }}：{{ applicant * 99999999 }}",
    "{{ applicant }}：{% if true %}x{% endif %}",
    "{{ applicant }}：{{ applicant|upper }}",
    "{{ applicant }}：{{ applicant.__class__ }}",
    "{{ applicant }}：{{ lipsum() }}",
    "{{ applicant }}：{% set x = 1 %}",
    "{{ applicant }}：{% macro m() %}{% endmacro %}",
]


@pytest.mark.parametrize("body", HOSTILE_TEMPLATES)
def test_a_template_with_statements_or_expressions_is_refused_at_once(app_ctx, w, body):
    started = time.perf_counter()
    with pytest.raises(ServiceError) as e:
        letters.save_template(w.office, "receipt", "受理回执", body)
    assert time.perf_counter() - started < 2
    assert "只能包含文字和 {{ 名称 }}" in str(e.value.errors if hasattr(e.value, "errors") else e.value.message)
    assert db.session.scalar(select(func.count()).select_from(LetterTemplate)) == 0


def test_a_stored_hostile_template_or_a_huge_letter_is_refused_when_generating(app_ctx, w):
    from tracker.disclosure import services as s

    case = w.new_case()
    do(s.assign_section, w.office, case, section_id=w.sec_a.id)
    db.session.add(
        LetterTemplate(agency_id=w.office.agency_id, kind="receipt", title="回执", body=HOSTILE_TEMPLATES[0])
    )
    db.session.commit()
    started = time.perf_counter()
    with pytest.raises(ServiceError, match="只能包含文字"):
        letters.generate_letter(w.office, case, "receipt")
    # plain placeholders only, but so many of a long value that the letter would be millions of characters
    row = db.session.scalars(select(LetterTemplate)).one()
    row.body = "{{ applicant }}：" + "{{ content }}" * 700
    db.session.execute(update(DisclosureRequest).where(DisclosureRequest.id == case.id).values(content="长" * 5000))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(ServiceError, match="超过"):
        letters.generate_letter(w.office, db.session.get(DisclosureRequest, case.id), "receipt")
    assert time.perf_counter() - started < 5
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


# --- demo data -----------------------------------------------------------------------------------------


def test_demo_data_refuses_production_and_a_database_with_records(app_ctx, agency, make_user):
    from tracker import demo

    runner = app_ctx.test_cli_runner()
    agency.name = demo.PLACEHOLDER_AGENCY  # what a fresh `db upgrade` holds
    db.session.commit()
    assert demo.refusal("development") is None
    app_ctx.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["demo-data"])
    finally:
        app_ctx.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0 and "生产环境" in result.output
    make_user("office")
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0 and "已有正式数据" in result.output and "user_account" in result.output
    users = db.session.scalar(select(func.count()).select_from(db.metadata.tables["user_account"]))
    assert users == 1  # nothing of the demo was written


def test_demo_users_start_with_a_few_unread_handoffs_not_two_years_of_them(app_ctx, agency):
    """The demo's history notifies every handoff at load time; a user opening the demo sees at most the
    newest few unread (the rest read), not a badge of 74."""
    from tracker import demo
    from tracker.reminders.models import Notification

    agency.name = demo.PLACEHOLDER_AGENCY
    db.session.commit()
    demo.load_demo(seed=2026, env_name="development")
    unread = select(Notification.user_id, func.count().label("n")).where(
        Notification.case_type.is_not(None), Notification.read_at.is_(None)
    )
    per_user = dict(db.session.execute(unread.group_by(Notification.user_id)).all())
    assert per_user and max(per_user.values()) <= demo.UNREAD_HANDOFFS_KEPT
    total = select(func.count()).select_from(Notification).where(Notification.case_type.is_not(None))
    assert db.session.scalar(total) > sum(per_user.values())  # the older ones are there, marked read
