"""A calendar change shows its effect before it is applied (issue 16): the preview lists every open
deadline of every unit that would move, from which date to which, with the overdue / due-soon marks;
nothing changes until it is confirmed; the apply moves exactly what the preview listed; a stale
confirmation is refused; `calendar import --dry-run` prints the same and changes nothing; each moved
case's timeline says why. Runs on SQLite and PostgreSQL like every integration test.

The dates are worked by hand. 2027 has no entered arrangement, so the product estimates it from the
statutory holidays: 元旦 Jan 1, 春节 Feb 5-8, 清明 Mon Apr 5, … (tracker.rules.workdays). ARRANGEMENT
confirms 元旦, 春节 Feb 5-11 with Saturday Feb 20 worked — and no 清明, so Monday Apr 5 becomes a
working day. Today is Tuesday 2027-04-06.
"""

from __future__ import annotations

import re
from datetime import date as D

import pytest
from sqlalchemy import func, select

from tracker.accounts.models import Agency
from tracker.audit import Event, timeline
from tracker.disclosure.models import CONCLUDED, DisclosureRequest
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.proposals import services as proposals
from tracker.proposals.models import Proposal, ProposalCohandler
from tracker.workcal import impact, service
from tracker.workcal.models import CalendarDay, CalendarYear

from .test_calendar import register  # the same registration as the recompute tests

TODAY = D(2027, 4, 6)
ARRANGEMENT = "date,kind,name\n2027-01-01,off,元旦\n" + "".join(f"2027-02-{d:02d},off,春节\n" for d in range(5, 12))
ARRANGEMENT += "2027-02-20,work,春节调休上班\n"


def register_proposal(office, lead, co, number: str, assigned: D) -> Proposal:
    data = {
        "kind": "cppcc",
        "session": "区政协十五届五次会议",
        "number": number,
        "title": "关于优化营商环境的提案",
        "lead_author": "刘委员",
        "lead_section_id": lead.id,
        "assist_section_ids": [co.id],
        "assigned_on": assigned,
    }
    return proposals.register_proposal(office, data, today=assigned)


@pytest.fixture()
def world(agency, make_section, make_user):
    """Two units. 发改局: requests, some that move and one that does not; 住建局 (a second Agency):
    a request and proposals. Every expected move is worked by hand in the comments."""
    second = Agency(name="测试区住房和城乡建设局", settings={})
    db.session.add(second)
    db.session.commit()
    office1, office2 = make_user("office"), make_user("office", ag=second)
    invest = make_section("投资科")
    build, plan = make_section("建管科", ag=second), make_section("规划科", ag=second)
    cases = {}
    # Received Mon Mar 8: 20 working days end Tue Apr 6 with 清明 off, Mon Apr 5 with it worked.
    # Due today -> overdue (Apr 5 < Apr 6). 补正告知 Mar 17 either way.
    cases["x"] = register(office1, D(2027, 3, 8), "甲")
    # Received Wed Mar 10: Thu Apr 8 -> Wed Apr 7, one working day after today: due soon.
    cases["y"] = register(office1, D(2027, 3, 10), "乙")
    # Received Wed Mar 31: Thu Apr 29 -> Wed Apr 28 (no mark); 补正告知 (7 working days) Mon Apr 12 ->
    # Fri Apr 9, three working days after today and no notice sent: due soon.
    cases["w"] = register(office1, D(2027, 3, 31), "丁")
    # Received Mon Mar 1: Mon Mar 29 either way (March has no holiday): only no longer 暂定.
    cases["same"] = register(office1, D(2027, 3, 1), "戊")
    # Concluded: keeps its deadline; neither listed nor moved.
    cases["closed"] = register(office1, D(2027, 3, 8), "己")
    cases["closed"].status, cases["closed"].concluded_on, cases["closed"].outcome = (
        CONCLUDED,
        D(2027, 3, 9),
        "other.other",
    )
    for key in ("x", "y", "w", "same"):
        cases[key].section_id = invest.id  # assigned to the section (the group they are listed under)
    # The second unit, not yet assigned (listed under 未分办): received Mon Mar 22: Tue Apr 20 -> Mon Apr 19, no mark.
    cases["z"] = register(office2, D(2027, 3, 22), "丙")
    db.session.commit()
    # Proposal assigned Tue Jan 5: 3 months = Mon Apr 5, 清明 -> Tue Apr 6; worked -> Apr 5: overdue.
    # Its co-handler's opinion (1 month = Fri Feb 5, 春节): Tue Feb 9 -> Fri Feb 12 (Feb 5-11 off):
    # overdue, and was already.
    cases["p"] = register_proposal(office2, build, plan, "21", D(2027, 1, 5))
    # Assigned Mon Mar 15: Tue Jun 15, opinion Thu Apr 15 either way: only no longer 暂定.
    cases["p_same"] = register_proposal(office2, build, plan, "22", D(2027, 3, 15))
    ids = {k: v.id for k, v in cases.items()}
    return {"ids": ids, "sections": (invest.id, build.id, plan.id), "second": second}


# (subject type, case key, event field, old, new, mark) of every deadline that moves.
EXPECTED = {
    ("request", "x", "due_date", D(2027, 4, 6), D(2027, 4, 5), impact.OVERDUE),
    ("request", "y", "due_date", D(2027, 4, 8), D(2027, 4, 7), impact.SOON),
    ("request", "w", "due_date", D(2027, 4, 29), D(2027, 4, 28), None),
    ("request", "w", "clarification_due", D(2027, 4, 12), D(2027, 4, 9), impact.SOON),
    ("request", "z", "due_date", D(2027, 4, 20), D(2027, 4, 19), None),
    ("proposal", "p", "due_date", D(2027, 4, 6), D(2027, 4, 5), impact.OVERDUE),
    ("proposal", "p", "opinion_due:规划科", D(2027, 2, 9), D(2027, 2, 12), impact.OVERDUE),
}


def keyed(world, rows) -> set:
    names = {v: k for k, v in world["ids"].items() if not k.startswith("p")}
    pnames = {v: k for k, v in world["ids"].items() if k.startswith("p")}
    out = set()
    for r in rows:
        case = (names if r.subject_type == "request" else pnames)[r.case_id]
        field = {"答复期限": "due_date", "补正告知期限": "clarification_due", "办理期限": "due_date"}.get(r.label)
        field = field or "opinion_due:" + r.label.split("（")[1].rstrip("）")
        out.add((r.subject_type, case, field, r.old, r.new, r.mark))
    return out


def snapshot() -> dict:
    """Every row the calendar change may touch."""
    R, P, C = DisclosureRequest, Proposal, ProposalCohandler
    return {
        "requests": db.session.execute(
            select(R.id, R.due_date, R.due_provisional, R.clarification_due, R.version, R.updated_at).order_by(R.id)
        ).all(),
        "proposals": db.session.execute(
            select(P.id, P.due_date, P.due_provisional, P.version, P.updated_at).order_by(P.id)
        ).all(),
        "cohandlers": db.session.execute(
            select(C.proposal_id, C.section_id, C.opinion_due, C.opinion_due_provisional).order_by(
                C.proposal_id, C.section_id
            )
        ).all(),
        "days": db.session.execute(select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.name)).all(),
        "years": db.session.execute(select(CalendarYear.year, CalendarYear.revision, CalendarYear.source)).all(),
        "events": db.session.execute(select(func.count(Event.id), func.max(Event.id))).one(),
    }


def test_preview_lists_exactly_what_the_apply_moves_with_marks(world, make_user):
    admin = make_user("platform_admin")
    before = snapshot()
    preview = service.check_csv(ARRANGEMENT, actor=admin, today=TODAY)
    imp = preview.impact
    assert keyed(world, imp.rows) == EXPECTED
    assert snapshot() == before  # the preview wrote nothing
    # Totals: 5 cases, 7 deadlines, 3 overdue, 2 due soon; two cases only lose 暂定.
    assert (imp.cases, imp.moves, imp.overdue, imp.soon, imp.provisional_only) == (5, 7, 3, 2, 2)
    assert imp.units == [("测试区住房和城乡建设局", 2, 3), ("测试区发展和改革局", 3, 4)]
    # Grouped by unit and section; the co-handler's opinion under the co-handler.
    assert [(g.unit, g.section, len(g.rows)) for g in imp.groups] == [
        ("测试区住房和城乡建设局", "建管科", 1),
        ("测试区住房和城乡建设局", "未分办", 1),
        ("测试区住房和城乡建设局", "规划科", 1),
        ("测试区发展和改革局", "投资科", 4),
    ]
    proposal_row = next(r for r in imp.rows if r.subject_type == "proposal" and r.statutory)
    assert proposal_row.number == "区政协十五届五次会议第21号" and proposal_row.kind_label == "政协提案"
    opinion = next(r for r in imp.rows if r.label.startswith("协办意见期限"))
    assert opinion.was_overdue and not opinion.statutory

    # The apply: exactly these moves land in the database, and an event on each moved case.
    result = service.import_csv(ARRANGEMENT, actor=admin, source="测试通知", expected_token=preview.token)
    assert result.recomputed == {"requests_changed": 5, "proposals_changed": 2}  # 4 + 1 moved, 2 暂定 only
    db.session.expire_all()
    ids = world["ids"]
    stored = set()
    for kind, key, field, old, _new, mark in EXPECTED:
        if kind == "request":
            value = getattr(db.session.get(DisclosureRequest, ids[key]), field)
        elif field == "due_date":
            value = db.session.get(Proposal, ids[key]).due_date
        else:
            value = db.session.get(ProposalCohandler, (ids[key], world["sections"][2])).opinion_due
        stored.add((kind, key, field, old, value, mark))
    assert stored == EXPECTED
    # What did not move stays, and is no longer provisional; the concluded case is untouched.
    same = db.session.get(DisclosureRequest, ids["same"])
    assert (same.due_date, same.due_provisional) == (D(2027, 3, 29), False)
    closed = db.session.get(DisclosureRequest, ids["closed"])
    assert (closed.due_date, closed.due_provisional) == (D(2027, 4, 6), True)
    assert not [e for e in timeline("request", closed.id) if e.kind == "request.deadline_recomputed"]
    # The events record the same moves as the preview listed (old and new of every moved field).
    moved = set()
    for kind, key in {(k, c) for k, c, *_ in EXPECTED}:
        [ev] = [e for e in timeline(kind, ids[key]) if e.kind == f"{kind}.deadline_recomputed"]
        for field, (old, new) in ev.data.items():
            if field != "due_provisional":
                moved.add((kind, key, field, D.fromisoformat(old), D.fromisoformat(new)))
    assert moved == {e[:5] for e in EXPECTED}
    # A second preview of the same arrangement finds nothing more to move.
    again = service.check_csv(ARRANGEMENT, actor=admin, today=TODAY).impact
    assert (again.moves, again.provisional_only) == (0, 0)


def test_timeline_names_the_move_and_why(world, make_user):
    admin = make_user("platform_admin")
    service.import_csv(ARRANGEMENT, actor=admin, source="国办发明电〔2026〕X号")
    ids = world["ids"]
    [ev] = [e for e in timeline("request", ids["w"]) if e.kind == "request.deadline_recomputed"]
    assert ev.note == (
        "工作日历调整：录入2027年放假安排（来源：国办发明电〔2026〕X号）："
        "答复期限由2027-04-29改为2027-04-28；补正告知期限由2027-04-12改为2027-04-09"
    )
    [ev] = [e for e in timeline("proposal", ids["p"]) if e.kind == "proposal.deadline_recomputed"]
    assert ev.note == (
        "工作日历调整：录入2027年放假安排（来源：国办发明电〔2026〕X号）："
        "办理期限由2027-04-06改为2027-04-05；协办意见期限（规划科）由2027-02-09改为2027-02-12"
    )
    [ev] = [e for e in timeline("request", ids["same"]) if e.kind == "request.deadline_recomputed"]
    assert ev.note.endswith("期限日期不变，按已确认的放假安排不再是暂定期限")


def test_case_pages_show_the_move(world, make_user, login, client):
    admin = make_user("platform_admin")
    service.import_csv(ARRANGEMENT, actor=admin, source="测试通知")
    login(make_user("office"))
    page = client.get(f"/requests/{world['ids']['x']}").get_data(as_text=True)
    assert "工作日历调整：录入2027年放假安排（来源：测试通知）：答复期限由2027-04-06改为2027-04-05" in page
    login(make_user("office", ag=world["second"]))
    page = client.get(f"/proposals/{world['ids']['p']}").get_data(as_text=True)
    assert "办理期限由2027-04-06改为2027-04-05" in page


def test_stale_confirmation_is_refused_and_changes_nothing(world, make_user):
    admin = make_user("platform_admin")
    preview = service.check_csv(ARRANGEMENT, actor=admin, today=TODAY)
    # Another administrator enters 2028 in between.
    service.apply_year(2028, [(D(2028, 1, 3), False, "测试")], actor=admin)
    before = snapshot()
    with pytest.raises(service.CalendarStale) as e:
        service.import_csv(ARRANGEMENT, actor=admin, expected_token=preview.token)
    assert "预览之后工作日历已被修改" in e.value.message
    db.session.rollback()
    assert snapshot() == before
    # A token for another arrangement is refused too.
    fresh = service.check_csv(ARRANGEMENT, actor=admin, today=TODAY)
    with pytest.raises(service.CalendarStale):
        service.import_csv(
            ARRANGEMENT.replace("2027-02-20,work", "2027-02-27,work"), actor=admin, expected_token=fresh.token
        )
    db.session.rollback()
    assert snapshot() == before
    # The fresh token applies.
    service.import_csv(ARRANGEMENT, actor=admin, expected_token=fresh.token)


def test_only_the_platform_administrator_previews(world, make_user):
    users = [make_user("admin"), make_user("office")]
    before = snapshot()
    for user in users:
        with pytest.raises(PermissionDenied):
            service.check_csv(ARRANGEMENT, actor=user)
    assert snapshot() == before


def test_preview_of_apply_year_input(world, make_user):
    """preview_year takes what apply_year takes."""
    admin = make_user("platform_admin")
    days = [(D(2027, 1, 1), False, "元旦")] + [(D(2027, 2, d), False, "春节") for d in range(5, 12)]
    days.append((D(2027, 2, 20), True, "春节调休上班"))
    imp = service.preview_year(2027, days, actor=admin, today=TODAY).impact
    assert keyed(world, imp.rows) == EXPECTED


# --- the web pages ------------------------------------------------------------------------------


def _fields(page: str) -> dict:
    import html

    form = page.split('id="calendar-confirm"', 1)[1].split("</form>", 1)[0]
    return {n: html.unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form, re.S)}


@pytest.fixture()
def web(world, make_user, login, monkeypatch):
    monkeypatch.setattr(service, "today_cn", lambda: TODAY)
    login(make_user("platform_admin"))
    return world


def test_web_preview_then_confirm(web, client, form_post):
    before = snapshot()
    resp = form_post("/calendar/import", {"csv_text": ARRANGEMENT, "source": "测试通知", "step": "check"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "确认应用" in page
    assert snapshot() == before
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "将调整期限的未办结事项：5件，共7个期限（2个机关）" in text
    assert "其中3个期限已超期，2个期限在3个工作日内（含今日）到期" in text
    assert "测试区住房和城乡建设局 · 建管科" in text and "测试区发展和改革局 · 投资科" in text
    assert page.count('class="impact-row"') == 7
    assert text.count("调整后已超期 ") >= 3 and "调整后3个工作日内到期" in text
    assert "<script>" not in page and "onclick" not in page

    # Downloads: the same list, as .csv and .xlsx, nothing written.
    fields = _fields(page)
    csv_resp = client.post("/calendar/import", data={**fields, "step": "download_csv"})
    body = csv_resp.get_data(as_text=True)
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    assert body.count("\n") == 8 and "2027-04-06,2027-04-05,调整后已超期" in body
    xlsx = client.post("/calendar/import", data={**fields, "step": "download_xlsx"})
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert snapshot() == before

    done = client.post("/calendar/import", data={**fields, "step": "confirm"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(DisclosureRequest, web["ids"]["x"]).due_date == D(2027, 4, 5)


def test_web_stale_confirm_shows_fresh_preview(web, client, form_post, make_user):
    page = form_post("/calendar/import", {"csv_text": ARRANGEMENT, "step": "check"}).get_data(as_text=True)
    fields = _fields(page)
    service.apply_year(2028, [(D(2028, 1, 3), False, "测试")], actor=make_user("platform_admin"))
    before = snapshot()
    resp = client.post("/calendar/import", data={**fields, "step": "confirm"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "预览之后工作日历已被修改" in page
    assert snapshot() == before
    fresh = _fields(page)
    assert fresh["token"] != fields["token"] and page.count('class="impact-row"') == 7
    # A confirmation without any token (a forged or old form) is refused the same way.
    resp = client.post(
        "/calendar/import", data={**{k: v for k, v in fields.items() if k != "token"}, "step": "confirm"}
    )
    assert "预览之后工作日历已被修改" in resp.get_data(as_text=True)
    assert snapshot() == before
    assert client.post("/calendar/import", data={**fresh, "step": "confirm"}).status_code == 302


def test_web_preview_is_capped(web, client, form_post, monkeypatch):
    from tracker.workcal import views

    monkeypatch.setattr(views, "PREVIEW_ROWS", 3)
    page = form_post("/calendar/import", {"csv_text": ARRANGEMENT, "step": "check"}).get_data(as_text=True)
    assert page.count('class="impact-row"') == 3 and "共7个期限，下面只列出前3个" in page


def test_agency_admin_cannot_preview(world, make_user, login, client, form_post):
    login(make_user("admin"))
    assert client.get("/calendar/import").status_code == 403


# --- the command line ---------------------------------------------------------------------------


def test_dry_run_prints_the_preview_and_changes_nothing(world, app_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(service, "today_cn", lambda: TODAY)
    path = tmp_path / "2027.csv"
    path.write_text(ARRANGEMENT, encoding="utf-8")
    before = snapshot()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["calendar", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert snapshot() == before
    out = result.stdout
    assert out.startswith("预览（未作任何改动）：2027年放假8天，调休上班1天")
    assert "【测试区发展和改革局】" in out and "  投资科（4个期限）" in out
    assert "    政协提案 区政协十五届五次会议第21号 办理期限：2027-04-06 → 2027-04-05  [调整后已超期]" in out
    assert "补正告知期限：2027-04-12 → 2027-04-09  [调整后3个工作日内到期]" in out
    moved_lines = [line for line in out.splitlines() if " → " in line]
    assert len(moved_lines) == 7
    assert "合计：将调整期限的未办结事项：5件，共7个期限（2个机关）" in out
    assert "测试区住房和城乡建设局：2件，3个期限" in out
    # Without --dry-run the import applies, as before.
    result = runner.invoke(args=["calendar", "import", str(path), "--source", "测试通知"])
    assert result.exit_code == 0 and "7件的期限发生变化（依申请公开申请5件，建议提案2件）" in result.stdout
    db.session.expire_all()
    assert db.session.get(DisclosureRequest, world["ids"]["x"]).due_date == D(2027, 4, 5)


def test_preview_query_count_does_not_grow_with_cases(world, make_user):
    """Set-based: the same number of statements for 7 moved deadlines as for 3 times as many."""
    from sqlalchemy import event as sa_event

    admin = make_user("platform_admin")
    offices = make_user("office"), make_user("office", ag=world["second"])

    def statements(fn) -> int:
        n = [0]

        def count(*_a, **_k):
            n[0] += 1

        sa_event.listen(db.engine, "before_cursor_execute", count)
        try:
            fn()
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", count)
        return n[0]

    def preview():
        service.check_csv(ARRANGEMENT, actor=admin, today=TODAY)

    few = statements(preview)
    for i in range(10):
        register(offices[i % 2], D(2027, 3, 8), f"加{i}")
    db.session.commit()
    many = statements(preview)
    assert many == few
    assert service.check_csv(ARRANGEMENT, actor=admin, today=TODAY).impact.moves == 17
