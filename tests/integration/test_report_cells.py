"""Every figure traceable (issue 16): the cases behind each figure of the three-year test history.

For every figure of 2022–2024 that counts cases, the list the command prints, the list page and the
report .xlsx's sheets hold exactly as many cases as the report says — each list selected by the very
condition that counts the figure (derive.figure_condition), so the figures below come from `derive`
and the lists from the pages and the command, two separate paths that must agree.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

import pytest

from tests.integration.test_report_derive import TODAY, add_request, build_history
from tracker.accounts.models import Agency
from tracker.disclosure.models import Review
from tracker.extensions import db
from tracker.reports import cells
from tracker.reports.derive import derive
from tracker.rules import report_layout as rl

YEARS = (2022, 2023, 2024)


@pytest.fixture()
def traced(agency):
    """The hand-worked history of test_report_derive, another agency's rows, and one review not tied to a
    registered request (issue 11), whose case number is 复议诉讼#id."""
    other = Agency(name="另一区发展和改革局", settings={})
    db.session.add(other)
    db.session.commit()
    build_history(agency, other)
    db.session.add(
        Review(
            agency_id=agency.id,
            request_id=None,
            subject="proactive",
            kind="reconsideration",
            filed_on=date(2023, 5, 1),
            concluded_on=date(2023, 8, 1),
            result="corrected",
        )
    )
    db.session.commit()
    return agency, other


@pytest.fixture()
def cli(app_ctx):
    return app_ctx.test_cli_runner()


def _figures(agency_id: int, year: int):
    report = derive(agency_id, year, today=TODAY)
    for fig in cells.figures(rl.layout_for_year(year)).values():
        yield fig, rl.cell_value(report, fig.ref)


def _lines(cli, year: int, cell_id: str) -> list[str]:
    result = cli.invoke(args=["report", str(year), "--cell", cell_id])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.parametrize("year", YEARS)
def test_the_command_prints_as_many_case_numbers_as_every_figure(traced, cli, year):
    agency, _ = traced
    nonzero = 0
    for fig, value in _figures(agency.id, year):
        lines = _lines(cli, year, fig.id)
        assert len(lines) == value, fig.id
        if fig.subject == cells.REQUEST:
            assert len(set(lines)) == len(lines), fig.id  # each request once
        nonzero += value > 0
    assert nonzero >= 20  # the history is rich: most rows and columns have cases


def test_a_total_is_the_union_of_its_parts(traced, cli):
    agency, _ = traced
    v = rl.layout_for_year(2023)
    for row in v.table3_row_ids:
        parts = Counter(n for t in v.applicant_type_ids for n in _lines(cli, 2023, f"table3.{row}.{t}"))
        assert parts == Counter(_lines(cli, 2023, f"table3.{row}.total")), row
    outcomes = Counter(n for r in v.table3_result_row_ids for n in _lines(cli, 2023, f"table3.{r}.total"))
    assert outcomes == Counter(_lines(cli, 2023, "table3.total.total"))
    for block in v.table4_block_ids:
        parts = Counter(
            n for c in ("upheld", "corrected", "other", "pending") for n in _lines(cli, 2023, f"table4.{block}.{c}")
        )
        assert parts == Counter(_lines(cli, 2023, f"table4.{block}.total")), block


def test_a_review_without_request_is_numbered_by_its_record(traced, cli):
    agency, _ = traced
    unattached = db.session.query(Review).filter(Review.request_id.is_(None), Review.agency_id == agency.id).one()
    assert f"{cells.UNATTACHED_PREFIX}{unattached.id}" in _lines(cli, 2023, "table4.reconsideration.corrected")
    assert f"{cells.UNATTACHED_PREFIX}{unattached.id}" not in _lines(cli, 2024, "table4.reconsideration.total")


def test_conditions_take_several_agencies(traced):
    """For a later roll-up: a figure's condition over two units counts the sum of the two units' figures."""
    agency, other = traced
    for year in YEARS:
        mine, theirs = dict(_figures(agency.id, year)), dict(_figures(other.id, year))
        for fig in mine:
            both = cells.count(cells.case_query(fig, year, (agency.id, other.id)))
            assert both == mine[fig] + theirs[fig], (year, fig.id)


@pytest.mark.parametrize(
    "cell_id",
    [
        "table2.rules.issued",
        "table3.new",
        "table3.nonsense.total",
        "table4.reconsideration.late",
        "",
        "表三",
        "x" * 5000,
    ],
)
def test_an_id_that_is_no_figure_is_refused_in_chinese(traced, cli, cell_id):
    result = cli.invoke(args=["report", "2023", "--cell", cell_id])
    assert result.exit_code != 0
    assert "不是2023年度报告中按案件计数的数字" in result.output
    assert "table3.new.total" in result.output and "--format json" in result.output
    assert "Traceback" not in result.output and len(result.output) < 1000


def test_an_id_with_a_nul_byte_is_refused(traced, cli):
    result = cli.invoke(args=["report", "2023", "--cell", "table3.new\x00.total"])
    assert result.exit_code != 0 and "NUL" in result.output and "Traceback" not in result.output


def test_published_year_says_the_list_is_as_the_records_stand(traced, cli, make_user, login, client):
    from tests.integration.test_report_freeze import WRITTEN
    from tracker.reports import services

    agency, _ = traced
    office = make_user("office")
    services.save_narrative(office, 2023, WRITTEN, today=TODAY)
    services.publish(office, 2023, today=TODAY)
    result = cli.invoke(args=["report", "2023", "--cell", "table3.new.total"])
    assert result.exit_code == 0 and "按现有记录列出" in result.stderr
    published = derive(agency.id, 2023, today=TODAY)["table3"]["new"]["total"]
    assert len(result.stdout.splitlines()) == published
    add_request(agency, date(2023, 6, 6), date(2023, 6, 9), "disclosed", "natural_person")
    db.session.commit()
    login(office)
    total, html = _page_total(client, 2023, "table3.new.total")
    assert total == published + 1
    assert f"已发布的2023年度报告中此数为 {published}，按现有记录为 {published + 1}" in html


# ------------------------------------------------------------------------------------------- pages


@pytest.fixture()
def office(traced, make_user, login):
    user = make_user("office")
    login(user)
    return user


def _page_total(client, year: int, cell_id: str) -> tuple[int, str]:
    resp = client.get(f"/reports/{year}/cells/{cell_id}")
    assert resp.status_code == 200, cell_id
    html = resp.get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', html).group(1)), html


@pytest.mark.parametrize("year", YEARS)
def test_every_nonzero_figure_links_to_a_list_of_exactly_its_cases(office, traced, client, year):
    agency, _ = traced
    report_html = client.get(f"/reports/{year}").get_data(as_text=True)
    for fig, value in _figures(agency.id, year):
        if fig.table in ("table3", "table4"):
            assert f'href="/reports/{year}/cells/{fig.id}"' in report_html, fig.id
        if not value:
            continue
        total, html = _page_total(client, year, fig.id)
        assert total == value, fig.id
        assert len(re.findall(r'href="/requests/\d+">', html)) == min(value, 20) or fig.subject == cells.REVIEW, fig.id
        assert fig.label in html


def test_table_two_figures_do_not_link_and_say_why(office, client):
    html = client.get("/reports/2023").get_data(as_text=True)
    assert "/cells/table2." not in html
    assert "不是案件数，没有案件清单" in html


def test_list_pages_through_every_case(office, client, app, cli):
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        seen, url = [], "/reports/2023/cells/table3.new.total"
        for _ in range(50):
            html = client.get(url).get_data(as_text=True)
            seen += re.findall(r'href="/requests/\d+">([^<]+)</a>', html)
            nxt = re.search(r'href="([^"]+)" rel="next"', html) or re.search(
                r'class="page-item active".*?</li>\s*<li class="page-item"><a class="page-link" href="([^"]+)"',
                html,
                re.S,
            )
            if not nxt:
                break
            url = nxt.group(1).replace("&amp;", "&")
    finally:
        app.config["PAGE_SIZE"] = size
    assert seen == _lines(cli, 2023, "table3.new.total")


def test_bad_id_on_the_page_goes_back_with_the_reason(office, client):
    resp = client.get("/reports/2023/cells/table2.rules.issued", follow_redirects=True)
    assert resp.status_code == 200
    assert "不是2023年度报告中按案件计数的数字" in resp.get_data(as_text=True)


def test_export_of_a_figure_is_the_ledger_sheet_and_is_recorded(office, traced, client):
    from openpyxl import load_workbook

    from tracker.audit import Event

    agency, _ = traced
    value = derive(agency.id, 2023, today=TODAY)["table3"]["new"]["total"]
    resp = client.get("/reports/2023/cells/table3.new.total/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert ws.max_row - 1 == value
    review_value = derive(agency.id, 2023, today=TODAY)["table4"]["reconsideration"]["total"]
    resp = client.get("/reports/2023/cells/table4.reconsideration.total/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert ws.max_row - 1 == review_value and ws.title == "复议诉讼"
    events = db.session.query(Event).filter(Event.kind == "request.exported").all()
    assert {e.data["figure"] for e in events} == {"table3.new.total", "table4.reconsideration.total"}


def test_auditor_reads_the_list_but_exports_nothing(traced, make_user, login, client):
    login(make_user("auditor"))
    total, html = _page_total(client, 2023, "table3.new.total")
    assert total > 0 and "disabled" in html
    assert client.get("/reports/2023/cells/table3.new.total/export.xlsx").status_code in (302, 403)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get("/reports/2023/report.xlsx").data))
    assert not any("所计案件" in name for name in wb.sheetnames)


def test_a_section_user_without_report_permission_gets_nothing(traced, make_user, make_section, login, client):
    login(make_user("staff", section=make_section("综合科")))
    assert client.get("/reports/2023/cells/table3.new.total").status_code in (302, 403)


# ------------------------------------------------------------------------------------------- the .xlsx


@pytest.mark.parametrize("year", YEARS)
def test_report_xlsx_lists_each_figures_cases(office, traced, client, cli, year):
    from openpyxl import load_workbook

    agency, _ = traced
    wb = load_workbook(io.BytesIO(client.get(f"/reports/{year}/report.xlsx").data))
    listed: dict[str, list[str]] = {}
    for name in ("表三 各数所计案件", "表四 各数所计案件"):
        rows = list(wb[name].iter_rows(values_only=True))
        assert rows[0][:3] == ("数字编号", "数字", "申请编号")
        for row in rows[1:]:
            if row[1] is not None:  # the closing note has one cell
                listed.setdefault(row[0], []).append(row[2])
    for fig, value in _figures(agency.id, year):
        if fig.table in ("table3", "table4"):
            assert len(listed.get(fig.id, [])) == value, fig.id
            if value:
                assert Counter(listed[fig.id]) == Counter(_lines(cli, year, fig.id)), fig.id
