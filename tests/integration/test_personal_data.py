"""Personal data (issue 14, 个人信息保护法): masked everywhere for roles without personal_data.view,
masked on the case page for everybody until revealed (an event), who opened a case (case_view), the
event log's masked record of edits, and anonymisation after the retention period with every report
figure unchanged — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker import personal
from tracker.accounts import roles
from tracker.audit import Event
from tracker.disclosure import repeats
from tracker.disclosure import services as s
from tracker.disclosure.intake import EDITABLE, edit_intake
from tracker.disclosure.models import CONCLUDED, DisclosureRequest
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.personal import CaseView
from tracker.reports import render
from tracker.reports import services as report_services
from tracker.rules import masking

ID = "11010519491231002X"
PHONE = "13812348000"
EMAIL = "zhangsan@example.com"
ADDRESS = "北京市海淀区中关村大街1号"
FULL = (ID, PHONE, EMAIL, ADDRESS)

# Roles that see cases (the platform administrator sees none: its pages are swept elsewhere).
CASE_ROLES = [r for r, role in roles.ROLE_TABLE.items() if role.reach != roles.PLATFORM]


@pytest.fixture()
def case(w):
    req = w.new_case(id_type="resident_id", id_number=ID, phone=PHONE, email=EMAIL, address=ADDRESS)
    s.assign_section(w.office, req, version=req.version, section_id=w.sec_a.id, today=date(2026, 3, 3))
    return db.session.get(DisclosureRequest, req.id)


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


def _pages(client, req) -> dict[str, str]:
    """Every page and file a user reaches the case through, as text."""
    out = {}
    for name, url in (
        ("list", "/requests/"),
        ("search by name", "/requests/?q=张三"),
        ("search by number", f"/requests/?q={ID[:10]}"),
        ("case", f"/requests/{req.id}"),
        ("slip", f"/requests/{req.id}/slip"),
        ("workbench", "/"),
        ("notifications", "/notifications/"),
        ("edit", f"/requests/{req.id}/edit"),
        ("export", "/ledger/export/requests.xlsx"),
    ):
        resp = client.get(url)
        assert resp.status_code in (200, 302, 403, 404), (name, resp.status_code)
        body = resp.get_data()
        out[name] = _xlsx_text(body) if body[:2] == b"PK" else body.decode("utf-8", "replace")
    return out


@pytest.mark.parametrize("role", CASE_ROLES)
def test_no_role_sees_a_full_number_it_may_not(w, case, login, role):
    """Crawl what each role reaches: the full numbers appear only where the role may see them — on the
    correction form of a role holding personal_data.view (which edits them), nowhere else, not even the
    case page before 显示."""
    user = w.of_role(role)
    client = login(user)
    pages = _pages(client, case)
    for name, text in pages.items():
        if name == "edit" and user.can("personal_data.view"):
            assert ID in text and PHONE in text  # the form a registrar corrects them in
            continue
        for value in FULL:
            assert value not in text, f"{role} sees {value} on {name}"
    case_page = pages["case"]
    if "申请人" in case_page:  # the role reaches the case
        assert masking.mask_id(ID) in case_page and masking.mask_phone(PHONE) in case_page
        assert ("显示</button>" in case_page) == personal.can_reveal(user)


def test_revealing_a_field_is_an_event_and_shows_it(w, case, login):
    client = login(w.staff_a)
    page = client.get(f"/requests/{case.id}").get_data(as_text=True)
    resp = client.post(f"/requests/{case.id}/reveal", data={"csrf_token": csrf_token(page), "field": "id_number"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'id="revealed-id_number" class="fw-semibold">{ID}<' in html
    assert PHONE not in html  # only the field asked for
    ev = db.session.scalars(select(Event).where(Event.kind == "personal_data.revealed")).one()
    assert (ev.subject_type, ev.subject_id, ev.actor_id, ev.data) == (
        "request",
        case.id,
        w.staff_a.id,
        {"field": "id_number"},
    )
    assert "查看的项目：证件号码" in client.get(f"/requests/{case.id}").get_data(as_text=True)


def test_reveal_is_refused_without_permission_csrf_or_a_known_field(w, case, login):
    auditor = w.of_role(roles.AUDITOR)
    client = login(auditor)
    page = client.get(f"/requests/{case.id}").get_data(as_text=True)
    assert "显示</button>" not in page
    resp = client.post(f"/requests/{case.id}/reveal", data={"csrf_token": csrf_token(page), "field": "phone"})
    assert resp.status_code == 403 and PHONE not in resp.get_data(as_text=True)
    with pytest.raises(PermissionDenied, match="不能查看申请人完整的联系电话"):  # the service refuses too
        personal.reveal(auditor, case, "phone")
    client = login(w.office)
    assert client.post(f"/requests/{case.id}/reveal", data={"field": "phone"}).status_code == 400  # no CSRF token
    page = client.get(f"/requests/{case.id}").get_data(as_text=True)
    views = db.session.scalar(select(func.sum(CaseView.count)))
    resp = client.post(f"/requests/{case.id}/reveal", data={"csrf_token": csrf_token(page), "field": "content"})
    assert resp.status_code == 400 and "只能显示证件号码" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.sum(CaseView.count))) == views  # a refused post records nothing
    # a user of another section gets what a stranger gets
    client = login(w.staff_b)
    page = client.get("/requests/").get_data(as_text=True)
    resp = client.post(f"/requests/{case.id}/reveal", data={"csrf_token": csrf_token(page), "field": "phone"})
    assert resp.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "personal_data.revealed")) == 0


def test_case_views_are_one_row_per_user_and_day_shown_to_admins_and_auditors(w, case, login):
    client = login(w.office)
    for _ in range(3):
        client.get(f"/requests/{case.id}")
    client = login(w.staff_a)
    client.get(f"/requests/{case.id}")
    rows = db.session.scalars(select(CaseView).where(CaseView.subject_id == case.id).order_by(CaseView.user_id)).all()
    assert [(r.user_id, r.count) for r in rows] == [(w.office.id, 3), (w.staff_a.id, 1)]
    assert all(r.first_at <= r.last_at and r.subject_type == "request" for r in rows)
    assert 'id="case-views"' not in client.get(f"/requests/{case.id}").get_data(as_text=True)
    for role in (roles.ADMIN, roles.AUDITOR):
        html = login(w.of_role(role)).get(f"/requests/{case.id}").get_data(as_text=True)
        assert 'id="case-views"' in html and w.office.display_name in html
        assert "<td>3</td>" in html


def test_recording_a_view_is_one_statement_whatever_the_history(w, case):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    ids = (w.office.id, case.agency_id, "request", case.id)
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            personal.upsert_view(*ids)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    writes = [st for st in statements if st.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 5 and len(statements) == 5  # one upsert per view, nothing else
    assert db.session.scalar(select(CaseView.count).where(CaseView.subject_id == case.id)) == 5


def test_the_event_log_records_personal_fields_masked(w, case):
    data = {f: getattr(case, f) for f in EDITABLE}
    data.update(phone="13912340000", tags="项目立项")
    edit_intake(w.office, case, data, version=case.version, today=date(2026, 3, 4))
    ev = db.session.scalars(select(Event).where(Event.kind == "request.intake_edited")).one()
    assert ev.data["phone"] == ["138****8000", "139****0000"]
    assert PHONE not in json.dumps(ev.data) and "13912340000" not in json.dumps(ev.data)
    assert db.session.get(DisclosureRequest, case.id).phone == "13912340000"  # the record itself is exact


# ------------------------------------------------------------------------------------------ anonymise


def _concluded(w, *, received, concluded, **over):
    req = w.new_case(received_on=received, **over)
    req.status, req.outcome, req.concluded_on, req.answer_date = CONCLUDED, "disclosed", concluded, concluded
    req.delivery_method, req.delivered_on = "mail", concluded
    db.session.commit()
    return req


def _report_json(agency_id: int, year: int) -> str:
    view = report_services.year_report(agency_id, year, current=True, today=date(2026, 12, 1))
    return render.to_file("json", view.report, view.narrative).decode("utf-8")


@pytest.fixture()
def history(w):
    people = [
        _concluded(
            w,
            received=date(2022, 3, 1 + i),
            concluded=date(2022, 3, 20 + i),
            id_type="resident_id",
            id_number=ID,
            phone=PHONE,
            email=EMAIL,
        )
        for i in range(3)
    ]
    company = _concluded(
        w,
        received=date(2022, 4, 1),
        concluded=date(2022, 4, 20),
        applicant_type="commercial_enterprise",
        applicant_name="某某有限公司",
        contact_person="李四",
        phone="0533-2123456",
    )
    recent = _concluded(w, received=date(2026, 3, 2), concluded=date(2026, 3, 20), phone=PHONE)
    open_old = w.new_case(received_on=date(2022, 5, 5), phone=PHONE)  # never concluded: kept
    return people, company, recent, open_old


def test_anonymise_clears_old_concluded_cases_and_keeps_every_report_figure(w, agency, history):
    people, company, recent, open_old = history
    before = {y: _report_json(agency.id, y) for y in (2022, 2026)}
    events_before = [(e.id, e.kind, e.data) for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert repeats.same_applicant(people[0], people[1])

    cutoff = personal.cutoff_for(2, today=date(2026, 12, 1))
    assert cutoff == date(2024, 12, 1)
    dry = personal.anonymise(cutoff, dry_run=True)
    assert (
        dry.total == 4
        and db.session.scalar(select(func.count()).where(DisclosureRequest.anonymised_at.isnot(None))) == 0
    )
    result = personal.anonymise(cutoff)
    assert result.per_agency == {agency.id: 4}
    db.session.expire_all()

    for r in people:
        r = db.session.get(DisclosureRequest, r.id)
        assert r.applicant_name == masking.ANONYMISED_NAME and r.applicant_type == "natural_person"
        assert (r.id_number, r.phone, r.email, r.address) == (None, None, None, None)
        assert r.anonymised_at is not None and r.outcome == "disclosed"
    c = db.session.get(DisclosureRequest, company.id)
    assert (c.applicant_name, c.applicant_type, c.contact_person, c.phone) == (
        "某某有限公司",
        "commercial_enterprise",
        None,
        None,
    )
    for kept in (recent, open_old):
        k = db.session.get(DisclosureRequest, kept.id)
        assert k.phone == kept.phone and k.anonymised_at is None

    assert {y: _report_json(agency.id, y) for y in (2022, 2026)} == before  # every figure, both years
    # the events already written are untouched; exactly one summary event was added
    after = [(e.id, e.kind, e.data) for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert after[: len(events_before)] == events_before
    (summary,) = after[len(events_before) :]
    assert summary[1] == "personal_data.anonymised" and summary[2]["count"] == 4
    # an anonymised applicant is nobody's earlier self (else every 已匿名 person would be one)
    a, b = (db.session.get(DisclosureRequest, r.id) for r in people[:2])
    assert not repeats.same_applicant(a, b) and repeats.earlier_requests(b) == []
    # a second run finds nothing more
    assert personal.anonymise(cutoff).total == 0


def test_anonymise_command(app, w, agency, history):
    runner = app.test_cli_runner()
    app.config["PERSONAL_DATA_RETENTION_YEARS"] = "2"
    out = runner.invoke(args=["anonymise", "--dry-run"])
    assert out.exit_code == 0 and "将匿名化 4 件" in out.output and "试运行" in out.output
    assert db.session.scalar(select(func.count()).where(DisclosureRequest.anonymised_at.isnot(None))) == 0
    out = runner.invoke(args=["anonymise", "--before", "2099-01-01"])
    assert out.exit_code != 0 and "晚于保存期限" in out.output
    out = runner.invoke(args=["anonymise", "--before", "2022-02-30"])
    assert out.exit_code != 0 and "YYYY-MM-DD" in out.output
    out = runner.invoke(args=["anonymise", "--before", "2022-04-01"])  # only the three people's cases
    assert out.exit_code == 0 and "已匿名化 3 件" in out.output
    app.config["PERSONAL_DATA_RETENTION_YEARS"] = "1"
    out = runner.invoke(args=["anonymise"])
    assert out.exit_code != 0 and "2至100年" in out.output
    app.config["PERSONAL_DATA_RETENTION_YEARS"] = "10"


def test_opening_a_proposal_is_recorded_too(app_ctx, w, login):
    from .proposal_helpers import register

    p = register({"office": w.office, "A": w.sec_a}, "npc", "1", "A", date(2026, 3, 2))
    client = login(w.office)
    assert client.get(f"/proposals/{p.id}").status_code == 200
    client.get(f"/proposals/{p.id}")
    row = db.session.scalars(select(CaseView).where(CaseView.subject_type == "proposal")).one()
    assert (row.subject_id, row.user_id, row.count) == (p.id, w.office.id, 2)
    html = login(w.of_role(roles.AUDITOR)).get(f"/proposals/{p.id}").get_data(as_text=True)
    assert 'id="case-views"' in html and w.office.display_name in html


@pytest.mark.parametrize(
    ("role", "full"), [(roles.OFFICE, True), (roles.ADMIN, True), (roles.STAFF, False), (roles.AUDITOR, False)]
)
def test_the_one_helper_shows_full_values_only_with_personal_data_view(app, w, role, full):
    """The Jinja filter ``personal`` and tracker.personal.shown, which a page, export or notification
    adding a personal-data column uses (docs/security.md, "Personal data")."""
    from flask import render_template_string
    from flask_login import login_user

    user = w.of_role(role)
    with app.test_request_context("/"):
        login_user(user)
        html = render_template_string(
            "{{ a|personal('id_number') }} {{ b|personal('phone') }} {{ c|personal('subject') }}",
            a=ID,
            b=PHONE,
            c="主题",
        )
    expected = f"{ID} {PHONE}" if full else f"{masking.mask_id(ID)} {masking.mask_phone(PHONE)}"
    assert html == f"{expected} 主题"
    assert personal.masked_row(user, {"phone": PHONE, "number": "1"}) == {
        "phone": PHONE if full else "138****8000",
        "number": "1",
    }
    assert personal.shown(None, "phone", PHONE) == "138****8000"  # nobody signed in: masked
