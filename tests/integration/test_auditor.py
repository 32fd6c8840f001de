"""The auditor (审计监督): reads the whole agency, changes nothing, exports nothing.

The role is one entry of tracker.accounts.roles.ROLE_TABLE; the URL × role sweeps of
test_no_server_errors.py take it from there. Here: what it reads, and that every POST is refused."""

from __future__ import annotations

from tests.conftest import csrf_token
from tracker.accounts import roles
from tracker.accounts.services import create_user
from tracker.rules.clock import today_cn

from .test_no_server_errors import SKIP_POST, Browser, _build, _counts, world  # noqa: F401 (world: a fixture)


def test_an_auditor_needs_no_section(app_ctx, w):
    user, _ = create_user(
        "shenji", role=roles.AUDITOR, password="Test-pass-2026", agency=w.office.agency, must_change=False
    )
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
        # issue 11: reviews not tied to a request (table 四's other inputs)
        "/requests/reviews/",
        f"/requests/reviews/{ids['review_id'][0]}/edit",
    ]
    for url in pages:
        assert b.get(url).status_code == 200, url
    assert b.get(f"/requests/{foreign}").status_code == 404  # another agency's case: as for a stranger

    case = b.get(f"/requests/{cases[1]}").get_data(as_text=True)
    assert "甲科室在办" in case and 'id="actions"' not in case  # reads the case, is offered nothing
    # issue 11: the letters of a case, their versions and their delivery are read on the case page; none
    # is offered to be generated or delivered
    done = b.get(f"/requests/{cases[4]}").get_data(as_text=True)
    assert 'id="letters-list"' in done and "第1版" in done and "尚未送达" in done
    assert (
        "重新生成" not in done
        and "action_id=record_delivery" not in done
        and "/act/record_delivery" not in done
        and f"/requests/{cases[4]}/letters" not in done
    )
    listing = b.get("/requests/reviews/").get_data(as_text=True)
    assert "对主动公开的文件不服" in listing and "查看" in listing and "登记复议诉讼" not in listing
    record = b.get(f"/requests/reviews/{ids['review_id'][0]}/edit").get_data(as_text=True)
    assert '<h1 class="h4">查看复议诉讼</h1>' in record
    assert b.get("/requests/reviews/new").status_code == 403  # a blank form to register: nothing to read
    for url in (
        "/admin/users",
        "/admin/agency",
        "/proposals/settings",
        "/requests/letter-templates/receipt",
        f"/requests/reviews/{ids['review_id'][0]}/edit",
    ):
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


# What an auditor's POST may do without being refused: sign in again, change its own password, mark its
# own notifications read (it gets none: no reminder goes to the role) and keep its own saved list filters
# (常用筛选, its own way of reading the lists). None touches the agency's records; the test checks that no
# row changes for the forms it sends (the current password is wrong, and no list filter is named).
PUBLIC = {"status.lookup"}
OWN = {
    "auth.login",
    "auth.change_password",
    "reminders.mark_read",
    "reminders.mark_all_read",
    "disclosure.save_filter",
    "disclosure.delete_filter",
}


def test_every_post_is_refused_to_the_auditor_and_changes_nothing(app_ctx, world):  # noqa: F811
    w, ids = world
    b = Browser(app_ctx, w.of_role(roles.AUDITOR))
    token = csrf_token(b.get("/requests/").get_data(as_text=True))
    today = today_cn().isoformat()
    plausible = {"version": "1", "note": "审计", "reason": "审计", "title": "标题", "body": "正文", "name": "名称"}
    plausible.update({k: today for k in ("entry_date", "answer_date", "reply_date", "contacted_on", "notice_on")})
    failures = []
    posts = 0
    for rule in sorted(app_ctx.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in SKIP_POST:
            continue
        url = _build(rule.rule, {name: ids[name][0] for name in rule.arguments})
        for data in ({}, plausible):
            before = _counts()
            resp = b.post(url, data={"csrf_token": token, **data})
            posts += 1
            if _counts() != before:
                failures.append(f"{url}: changed {set(_counts().items()) ^ set(before.items())}")
            # the platform's API takes no session (401 to any browser); /status is public and changes nothing
            expected = 401 if rule.endpoint.startswith("api.") else 403
            if rule.endpoint not in OWN | PUBLIC and resp.status_code != expected:
                failures.append(f"{url}: answered {resp.status_code}, not {expected}")
    assert not failures, "\n".join(failures)
    assert posts >= 2 * 30  # every POST route of the app, none skipped by accident
