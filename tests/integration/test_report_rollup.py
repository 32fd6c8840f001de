"""The district roll-up report (issue 16): a unit with all its sub-units.

The district (the `agency` fixture) has two sub-units, 甲街道 and 乙镇, each with a hand-worked 2024
history below; a stranger agency's rows must count nowhere. The roll-up is derived by grouped queries
(tracker.reports.rollup); each unit's own report by tracker.reports.derive — two separate paths that must
agree cell by cell.
"""

from __future__ import annotations

import json
import re
from datetime import date as D

import pytest

from tests.integration.scale_helpers import statements
from tests.integration.test_report_derive import CE, NP, TODAY, add_entry, add_proposal, add_request, add_review
from tests.integration.test_report_freeze import WRITTEN
from tracker.accounts.models import Agency
from tracker.errors import ServiceError
from tracker.extensions import db
from tracker.reports import cells, rollup, services
from tracker.reports.derive import derive
from tracker.rules import report_layout as rl

YEAR = 2024


def _unit(name, parent):
    u = Agency(name=name, parent_id=parent.id, settings={})
    db.session.add(u)
    db.session.commit()
    return u


@pytest.fixture()
def district(agency):
    """District 测试区… (root) with sub-units 甲街道 and 乙镇, and a stranger agency.

    甲街道 (figures of 2024 by hand):
      a1 received 2023-12-20, concluded 2024-01-10 disclosed (自然人)   → 上年结转 1, 办结 1
      a2 received 2024-03-01, concluded 2024-03-20 disclosed, due 03-29 → 新收 1, 办结 1, on time
      a3 received 2024-05-06, concluded 2024-06-20 not held (企业), due 06-03, delivered 06-21 → late
      a4 received 2024-12-10, open                                       → 新收 1, 结转下年度 1
      reconsideration of a3 filed 2024-07-01, concluded 2024-09-01 corrected
      → received 3, concluded 3, carried out 1, late 1, reviews 1, corrected 1
      (balance: 新收 3 + 上年结转 1 = 办结 3 + 结转 1)
    乙镇:
      b1 received 2024-02-01, concluded 02-20 partially disclosed, due 02-29 → on time
      b2 received 2024-04-01, concluded 05-10 disclosed, due 04-29, delivered 05-10 → late
      b3 received 2024-11-01, concluded 2025-01-15 disclosed                 → 新收 1, 结转 1
      direct litigation about b2 filed 2024-06-01, pending
      2 NPC suggestions assigned in 2024; 1 proactive item (机构职能)
      → received 3, concluded 2, carried out 1, late 1, reviews 1, corrected 0
    the district itself: r1 received 2024-01-05, concluded 01-20 disclosed → received 1, concluded 1
    sum: received 7, concluded 6, carried out 2, late 2, reviews 2, corrected 1
    """
    jia = _unit("甲街道", agency)
    yi = _unit("乙镇", agency)
    stranger = Agency(name="外区某局", settings={})
    db.session.add(stranger)
    db.session.commit()
    add_request(jia, D(2023, 12, 20), D(2024, 1, 10), "disclosed", NP, due_date=D(2024, 1, 19))
    add_request(jia, D(2024, 3, 1), D(2024, 3, 20), "disclosed", NP, due_date=D(2024, 3, 29))
    a3 = add_request(
        jia,
        D(2024, 5, 6),
        D(2024, 6, 20),
        "unavailable.not_held",
        CE,
        due_date=D(2024, 6, 3),
        delivered_on=D(2024, 6, 21),
    )
    add_request(jia, D(2024, 12, 10), due_date=D(2025, 1, 8))
    add_review(jia, a3, "reconsideration", D(2024, 7, 1), D(2024, 9, 1), "corrected")
    add_request(yi, D(2024, 2, 1), D(2024, 2, 20), "partially_disclosed", NP, due_date=D(2024, 2, 29))
    b2 = add_request(
        yi, D(2024, 4, 1), D(2024, 5, 10), "disclosed", NP, due_date=D(2024, 4, 29), delivered_on=D(2024, 5, 10)
    )
    add_request(yi, D(2024, 11, 1), D(2025, 1, 15), "disclosed", NP, due_date=D(2024, 11, 29))
    add_review(yi, b2, "litigation_direct", D(2024, 6, 1))
    add_proposal(yi, "npc", D(2024, 3, 10))
    add_proposal(yi, "npc", D(2024, 4, 10))
    add_entry(yi, "proactive", "机构职能", D(2024, 2, 2))
    add_request(agency, D(2024, 1, 5), D(2024, 1, 20), "disclosed", NP, due_date=D(2024, 2, 2))
    add_request(stranger, D(2024, 3, 3), D(2024, 3, 9), "disclosed", NP)
    db.session.commit()
    return agency, jia, yi, stranger


def test_per_unit_table_as_worked_by_hand(district):
    agency, jia, yi, _ = district
    r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    assert [u.name for u in r.units] == [agency.name, "甲街道", "乙镇"]
    assert r.unit(jia.id).figures == dict(received=3, concluded=3, carried_out=1, late=1, reviews=1, corrected=1)
    assert r.unit(yi.id).figures == dict(received=3, concluded=2, carried_out=1, late=1, reviews=1, corrected=0)
    assert r.unit(agency.id).figures == dict(received=1, concluded=1, carried_out=0, late=0, reviews=0, corrected=0)
    assert r.figures == dict(received=7, concluded=6, carried_out=2, late=2, reviews=2, corrected=1)
    assert r.report["table3"]["carried_in"]["total"] == 1
    assert r.report["other_matters"]["npc_suggestions"] == 2
    assert r.report["summary"]["proactive_by_category"] == {"机构职能": 1}
    assert all(c["ok"] for c in r.report["checks"]), r.report["checks"]


def test_late_follows_the_delivery_rule_of_the_workbench(district):
    """逾期答复 compares the delivery date with the deadline (disclosure.queries.answered_late, as the
    workbench's lateness does): concluded on time but delivered late counts; concluded late but not yet
    delivered does not."""
    agency, jia, _, _ = district
    add_request(
        jia, D(2024, 7, 1), D(2024, 7, 25), "disclosed", NP, due_date=D(2024, 7, 26), delivered_on=D(2024, 7, 29)
    )
    add_request(jia, D(2024, 8, 1), D(2024, 9, 20), "disclosed", NP, due_date=D(2024, 8, 29))
    db.session.commit()
    assert rollup.derive_rollup(agency.id, YEAR, today=TODAY).unit(jia.id).figures["late"] == 2  # a3 and the first


def test_rollup_equals_the_sum_of_the_units_own_reports_cell_by_cell(district):
    agency, jia, yi, _ = district
    r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    own = {u.id: derive(u.id, YEAR, today=TODAY) for u in (agency, jia, yi)}
    version = rl.layout_for_year(YEAR)
    paths = rollup.summed_paths(version)
    assert len(paths) > 100
    for path in paths:
        assert rl.cell_value(r.report, path) == sum(rl.cell_value(rep, path) for rep in own.values()), path
        for unit_id, rep in own.items():  # each unit's figures from the grouped rows = its own report
            assert rl.cell_value(r.unit(unit_id).report, path) == rl.cell_value(rep, path), (unit_id, path)
    for unit_id, rep in own.items():
        assert r.unit(unit_id).report["checks"] == rep["checks"]
    # the sub-unit's roll-up is just itself
    assert rollup.derive_rollup(jia.id, YEAR, today=TODAY).report["table3"] == own[jia.id]["table3"]


def test_a_failed_check_is_named_by_unit(district):
    _, jia, _, _ = district
    agency = district[0]
    add_request(jia, D(2024, 8, 1), D(2024, 8, 5), None, NP)  # concluded without an outcome
    db.session.commit()
    r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    failing = {u.name: [c["id"] for c in u.failing_checks] for u in r.units if u.failing_checks}
    assert set(failing) == {"甲街道"}
    assert "data_quality" in failing["甲街道"]
    assert not all(c["ok"] for c in r.report["checks"])


def test_statement_count_is_the_same_for_two_and_five_units(agency):
    made = []

    def sent(more: int) -> int:
        for i in range(more):
            u = _unit(f"单位{len(made) + i}", agency)
            add_request(u, D(2024, 3, 1), D(2024, 3, 5), "disclosed", NP, due_date=D(2024, 3, 29))
            add_review(u, add_request(u, D(2024, 4, 1)), "reconsideration", D(2024, 5, 1))
            add_entry(u, "proactive", "机构职能", D(2024, 2, 2))
            made.append(u)
        db.session.commit()
        rollup.derive_rollup(agency.id, YEAR, today=TODAY)  # warm
        with statements() as s:
            r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
        assert len(r.units) == 1 + len(made)
        assert r.figures["received"] == 2 * len(made)
        return len(s)

    two = sent(1)  # the district and 1 sub-unit
    five = sent(3)  # the district and 4 sub-units
    assert two == five <= 10


def _publish_units(district, make_user):
    agency, jia, yi, _ = district
    for unit in (jia, yi):
        services.save_narrative(make_user("office", ag=unit), YEAR, WRITTEN, today=TODAY)
        services.publish(make_user("leader", ag=unit), YEAR, today=TODAY)


def test_a_change_after_freezing_is_a_named_difference_and_the_published_rollup_sums_frozen_figures(
    district, make_user
):
    agency, jia, yi, _ = district
    _publish_units(district, make_user)
    assert rollup.derive_rollup(agency.id, YEAR, today=TODAY).units[1].diffs == []
    # after both were frozen, a2 of 甲街道 is corrected to 部分公开
    from tracker.disclosure.models import DisclosureRequest as R

    a2 = db.session.query(R).filter_by(agency_id=jia.id, received_on=D(2024, 3, 1)).one()
    a2.outcome = "partially_disclosed"
    db.session.commit()
    r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    changed = {u.name: {".".join(x.path): (x.frozen, x.current) for x in u.diffs} for u in r.units if u.diffs}
    assert set(changed) == {"甲街道"}
    assert changed["甲街道"]["table3.disclosed.natural_person"] == (2, 1)  # a1, a2 → a1
    assert changed["甲街道"]["table3.partially_disclosed.natural_person"] == (0, 1)
    # publishing the roll-up sums 甲's and 乙's frozen figures and the district's own current records
    leader = make_user("leader")
    snap = services.publish(leader, YEAR, scope="with_units", today=TODAY)
    assert snap.scope == "with_units"
    used = {u["agency_id"]: u["snapshot_id"] for u in snap.unit_snapshots}
    assert used[agency.id] is None
    assert used[jia.id] == services.snapshot_for(jia.id, YEAR).id
    assert used[yi.id] == services.snapshot_for(yi.id, YEAR).id
    # disclosed (自然人): district 1 + 甲 frozen 2 (a1, a2) + 乙 1 (b2) = 4; current records give 3
    assert snap.figures["table3"]["disclosed"]["natural_person"] == 4
    assert r.report["table3"]["disclosed"]["natural_person"] == 3
    again = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    assert again.snapshot is not None and again.snapshot["id"] == snap.id
    with pytest.raises(ServiceError, match="不能重复发布"):
        services.publish(leader, YEAR, scope="with_units", today=TODAY)
    with pytest.raises(ServiceError, match="没有下属单位"):
        services.publish(make_user("leader", ag=district[3]), YEAR, scope="with_units", today=TODAY)
    with pytest.raises(ServiceError, match="不能发布"):
        services.publish(make_user("auditor"), YEAR, scope="with_units", today=TODAY)


def test_rollup_cells_drill_down_count_equals_the_figure(district):
    agency = district[0]
    r = rollup.derive_rollup(agency.id, YEAR, today=TODAY)
    ids = r.ids
    nonzero = 0
    for fig in cells.figures(rl.layout_for_year(YEAR)).values():
        value = rl.cell_value(r.report, fig.ref)
        numbers = list(cells.case_numbers(fig, YEAR, ids))
        assert len(numbers) == value, fig.id
        nonzero += bool(value)
    assert nonzero >= 10


@pytest.fixture()
def cli(app_ctx):
    return app_ctx.test_cli_runner()


def test_cli_with_units_json_and_cell(district, cli):
    agency, jia, yi, stranger = district
    res = cli.invoke(args=["report", str(YEAR), "--agency", agency.name, "--with-units", "--format", "json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert body["table3"]["new"]["total"] == 7
    assert body["scope"] == "with_units"
    units = {u["name"]: u for u in body["units"]}
    assert set(units) == {agency.name, "甲街道", "乙镇"}
    assert units["乙镇"]["figures"]["late"] == 1
    res = cli.invoke(args=["report", str(YEAR), "--agency", agency.name, "--with-units", "--cell", "table3.new.total"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 7
    res = cli.invoke(args=["report", str(YEAR), "--agency", "没有这个单位", "--with-units"])
    assert res.exit_code != 0 and re.search("[\u4e00-\u9fff]", res.output)
    res = cli.invoke(args=["report", str(YEAR), "--agency", stranger.name, "--with-units", "--format", "json"])
    assert res.exit_code == 0  # a unit without sub-units: its roll-up is itself
    assert json.loads(res.output)["table3"]["new"]["total"] == 1


def test_report_page_switch_unit_table_and_access(district, make_user, login, client):
    agency, jia, yi, _ = district
    login(make_user("office"))
    page = client.get(f"/reports/{YEAR}").get_data(as_text=True)
    assert "本单位及下属单位" in page
    html = client.get(f"/reports/{YEAR}?scope=with_units").get_data(as_text=True)
    assert 'id="unit-table"' in html
    assert f'href="/reports/{YEAR}?unit={jia.id}"' in html
    assert f'href="/reports/{YEAR}/cells/table3.new.total?scope=with_units"' in html
    cell = client.get(f"/reports/{YEAR}/cells/table3.new.total?scope=with_units")
    assert cell.status_code == 200 and 'data-total="7"' in cell.get_data(as_text=True)
    unit_page = client.get(f"/reports/{YEAR}?unit={yi.id}")
    assert unit_page.status_code == 200 and "乙镇" in unit_page.get_data(as_text=True)
    assert 'id="publish-form"' not in unit_page.get_data(as_text=True)  # read-only
    xlsx = client.get(f"/reports/{YEAR}/report.xlsx?scope=with_units")
    assert xlsx.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(xlsx.data))
    assert "各单位汇总" in wb.sheetnames
    # a sub-unit's user sees neither the parent's roll-up nor a sibling's report
    client.get("/logout")
    login(make_user("office", ag=jia))
    assert client.get(f"/reports/{YEAR}?unit={agency.id}").status_code == 404
    assert client.get(f"/reports/{YEAR}?unit={yi.id}").status_code == 404
    assert client.get(f"/reports/{YEAR}?unit={agency.id}&scope=with_units").status_code == 404
    assert client.get(f"/reports/{YEAR}/cells/table3.new.total?scope=with_units&unit={agency.id}").status_code == 404
    own = client.get(f"/reports/{YEAR}?scope=with_units")  # its own roll-up: itself alone
    assert own.status_code == 200


def test_rollup_page_names_changed_units_and_publishes(district, make_user, login, client, form_post):
    agency, jia, yi, _ = district
    _publish_units(district, make_user)
    from tracker.disclosure.models import DisclosureRequest as R

    a2 = db.session.query(R).filter_by(agency_id=jia.id, received_on=D(2024, 3, 1)).one()
    a2.outcome = "partially_disclosed"
    db.session.commit()
    login(make_user("leader"))
    url = f"/reports/{YEAR}?scope=with_units"
    html = client.get(url).get_data(as_text=True)
    part = html[html.index('id="unit-differences"') :]
    assert "甲街道" in part and "乙镇" not in part.split("</div>")[0]
    resp = form_post(f"/reports/{YEAR}/publish", {"confirm": "y", "scope": "with_units"}, page_url=url)
    assert resp.status_code == 302
    snap = services.snapshot_for(agency.id, YEAR, "with_units")
    assert snap is not None and len(snap.unit_snapshots) == 3
    html = client.get(url).get_data(as_text=True)
    assert "下面显示的是已发布的汇总报告" in html and 'id="publish-form"' not in html
    # the sub-unit's cell list, read by the district's leader, has the unit's figure
    cell = client.get(f"/reports/{YEAR}/cells/table3.new.total?unit={yi.id}")
    assert cell.status_code == 200 and 'data-total="3"' in cell.get_data(as_text=True)


@pytest.mark.parametrize("query", ["unit=abc", "unit=0", "unit=99999999999999", "unit=-1"])
def test_bad_unit_is_a_404(district, make_user, login, client, query):
    login(make_user("office"))
    assert client.get(f"/reports/{YEAR}?{query}").status_code == 404


def test_section_role_gets_no_report_of_another_unit_or_rollup(district, make_user, make_section, login, client):
    login(make_user("section_head", section=make_section("综合科")))
    own = client.get(f"/reports/{YEAR}").status_code  # a section role has no report.view: refused
    assert own != 200
    assert client.get(f"/reports/{YEAR}?scope=with_units").status_code == own
    assert client.get(f"/reports/{YEAR}?unit={district[1].id}").status_code == own
