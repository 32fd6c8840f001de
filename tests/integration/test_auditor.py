"""The auditor (审计监督): reads the whole agency, changes nothing, exports nothing.

The role is one entry of tracker.accounts.roles.ROLE_TABLE; the URL × role sweeps of
test_no_server_errors.py take it from there. Here: what it reads, and that every POST is refused."""

from __future__ import annotations

from tracker.accounts import roles
from tracker.accounts.services import create_user
from tracker.rules.clock import today_cn

from .test_no_server_errors import Browser, world  # noqa: F401 (world: a fixture)


def test_an_auditor_needs_no_section(app_ctx, w):
    user, _ = create_user("shenji", role=roles.AUDITOR, password="password123", agency=w.office.agency)
    assert user.section_id is None and user.agency_wide and user.role_label == "审计监督"


def test_the_auditor_reads_every_case_proposal_report_register_and_settings_page(app_ctx, world):  # noqa: F811
    w, ids = world
    auditor = w.of_role(roles.AUDITOR)
    b = Browser(app_ctx, auditor)
    cases, foreign = ids["request_id"][:5], ids["request_id"][5]
    year = today_cn().year
    pages = [
        "/requests/",
        *(f"/requests/{i}" for i in cases),
        f"/requests/{cases[4]}/attachments/{ids['attachment_id'][0]}",
        "/proposals/",
        "/proposals/summary",
        *(f"/proposals/{i}" for i in ids["proposal_id"][:2]),
        "/reports/",
        f"/reports/{year}",
        *(f"/reports/registers/{kind}/" for kind in ("proactive", "document", "decision", "fee")),
        "/admin/sections",
        f"/admin/sections/{w.sec_a.id}",
        "/admin/users",
        f"/admin/users/{w.staff_a.id}",
        "/admin/agency",
        "/calendar/years",
        f"/calendar/years/{year}",
        "/calendar/calculator",
        "/requests/letter-templates/",
        "/requests/letter-templates/receipt",
        "/proposals/settings",
    ]
    for url in pages:
        assert b.get(url).status_code == 200, url
    assert b.get(f"/requests/{foreign}").status_code == 404  # another agency's case: as for a stranger

    case = b.get(f"/requests/{cases[1]}").get_data(as_text=True)
    assert "甲科室在办" in case and 'id="actions"' not in case  # reads the case, is offered nothing
    for url in ("/admin/users", "/proposals/settings", "/requests/letter-templates/receipt"):
        html = b.get(url).get_data(as_text=True)
        assert "<fieldset disabled>" in html and "您的角色只能查看，不能修改" in html, url
    nav = b.get("/requests/").get_data(as_text=True)
    assert "系统管理" in nav and "年度报告" in nav and "告知书模板" in nav and "导入台账" not in nav


def test_the_auditor_exports_nothing(app_ctx, world):  # noqa: F811
    w, _ = world
    b = Browser(app_ctx, w.of_role(roles.AUDITOR))
    year = today_cn().year
    for url in (
        "/ledger/export/requests.xlsx",
        "/ledger/export/proposals.xlsx",
        f"/proposals/export?year={year}",
        "/ledger/",
        "/ledger/template/requests.xlsx",
    ):
        assert b.get(url).status_code == 403, url
    listing = b.get("/requests/").get_data(as_text=True) + b.get("/proposals/").get_data(as_text=True)
    assert "导出" not in listing
