"""Ledger pages: upload, preview, confirmation (CSRF), progress, templates, exports, their events, isolation,
and the round trip: export, import into an empty database, same report."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from pathlib import Path

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy import update as sa_update

from tests.conftest import csrf_token
from tracker.accounts.models import Section
from tracker.audit import Event
from tracker.disclosure.models import DisclosureRequest, Review
from tracker.extensions import db
from tracker.ledger import export as ledger_export
from tracker.ledger import jobs
from tracker.ledger.service import import_ledger
from tracker.rules.outcomes import CODES
from tracker.rules.report_layout import APPLICANT_TYPES

TODAY = date(2024, 6, 30)
REQ_HEADER = "编号,收到日期,申请人类型,申请人,申请方式,申请内容,承办科室,办结日期,办理结果,备注"
REQ_ROWS = [
    "A-1,2023-01-05,自然人,张三,当面,某项目批复,综合科,2023/1/20,予以公开,",
    'A-2,2023年2月1日,商业企业,=HYPERLINK("http://x"),网上申请,某文件,规划科,2023-02-10,保护第三方合法权益,说明',
    "A-3,2024-06-03,科研机构,某所,,某数据,,,,",
    "A-4,2024-06-04,自然人,李四,邮寄,某通知,规划科,,,",
]


def csv_bytes(rows: list[str], header: str = REQ_HEADER) -> bytes:
    return (header + "\n" + "\n".join(rows) + "\n").encode("utf-8")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.fixture()
def office(make_user):
    return make_user("office")


def logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/ledger/").get_data(as_text=True))})


def upload(client, data: bytes, name: str = "台账.csv", kind: str = "", xhr: bool = False, wait: bool = True):
    """Upload a file; the check runs in the background, and (unless ``wait`` is false or the page's
    script path is taken) this waits for it, as the browser's polling would."""
    page = client.get("/ledger/").get_data(as_text=True)
    headers = {"X-Requested-With": "XMLHttpRequest"} if xhr else {}
    resp = client.post(
        "/ledger/",
        data={"csrf_token": csrf_token(page), "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )
    if wait and not xhr:
        jobs.wait()
    return resp


def post_and_wait(client, url: str, **kwargs):
    resp = client.post(url, **kwargs)
    jobs.wait()
    db.session.expire_all()
    return resp


# ---------------------------------------------------------------------------------------- upload page


def test_upload_page_needs_the_import_permission(client, login, make_user, make_section):
    assert client.get("/ledger/").status_code == 302  # to the login page
    login(make_user("staff", section=make_section("综合科")))
    assert client.get("/ledger/").status_code == 403


def test_preview_then_confirm(client, login, office):
    login(office)
    page = client.get("/ledger/").get_data(as_text=True)
    assert "js/ledger.js" in page and "<script>" not in page and "onclick" not in page
    assert "每个工作表最多 100000 行数据；.xlsx 解压后不超过 200 MB，.csv 不超过 50 MB" in page
    resp = upload(client, csv_bytes(REQ_ROWS))
    assert resp.status_code == 302
    job_url = resp.location
    preview = client.get(job_url).get_data(as_text=True)
    assert "检查通过，尚未写入" in preview and "依申请公开申请：将新增 4 条" in preview
    assert "将新建科室（2 个）：综合科、规划科" in preview
    assert count(DisclosureRequest) == 0  # the preview is a dry run

    confirm_url = job_url + "/confirm"
    assert client.post(confirm_url, data={}).status_code == 400  # no CSRF token: refused
    assert count(DisclosureRequest) == 0
    resp = post_and_wait(client, confirm_url, data={"csrf_token": csrf_token(preview)})
    assert resp.status_code == 302
    done = client.get(resp.location).get_data(as_text=True)
    assert "导入完成" in done and "依申请公开申请：已新增 4 条" in done
    assert count(DisclosureRequest) == 4
    ev = db.session.scalars(select(Event).where(Event.kind == "request.imported")).first()
    assert ev.actor_id == office.id and ev.data["file"] == "台账.csv"
    job_dir = Path(current_app.config["UPLOAD_FOLDER"]) / "ledger_jobs" / job_url.rsplit("/", 1)[-1]
    assert not list(job_dir.glob("file.*"))  # the uploaded personal data is not kept after the import
    # confirming twice does not import twice
    resp = post_and_wait(client, confirm_url, data={"csrf_token": csrf_token(preview)})
    assert count(DisclosureRequest) == 4


def test_upload_without_csrf_is_refused(client, login, office):
    login(office)
    resp = client.post(
        "/ledger/", data={"file": (io.BytesIO(csv_bytes(REQ_ROWS)), "t.csv")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and count(DisclosureRequest) == 0


def test_bad_file_lists_every_problem_and_offers_no_confirmation(client, login, office):
    login(office)
    rows = REQ_ROWS + ["A-5,2023-01-05,外星人,赵六,,内容,,,,", "A-6,2023-01-05,自然人,赵六,,内容,,2023-01-01,予以公开,"]
    resp = upload(client, csv_bytes(rows))
    page = client.get(resp.location).get_data(as_text=True)
    assert "未导入，数据库没有任何改动。共发现 2 个问题" in page
    assert (
        "第6行 申请人类型: 无法识别“外星人”" in page
        and "第7行 办结日期: 办结日期2023-01-01早于收到日期2023-01-05" in page
    )
    assert "确认导入" not in page
    resp = post_and_wait(client, resp.location + "/confirm", data={"csrf_token": csrf_token(page)})
    assert resp.status_code == 302 and count(DisclosureRequest) == 0


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("t.xls", b"x", "只能导入 .xlsx 或 .csv 文件"),
        ("t.csv", b"", "上传的文件是空的"),
    ],
)
def test_wrong_files_get_a_message(client, login, office, name, data, message):
    login(office)
    resp = upload(client, data, name=name)
    assert message in client.get(resp.location).get_data(as_text=True)


def test_jobs_are_private_to_their_uploader(client, login, office, make_user):
    login(office)
    job_url = upload(client, csv_bytes(REQ_ROWS)).location
    logout(client)
    login(make_user("admin"))
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/progress").status_code == 404
    assert client.get("/ledger/jobs/../../etc").status_code == 404


def test_background_job_with_progress(client, login, office):
    """The page's script path: XHR upload answers with the job; progress is polled until it is done."""
    login(office)
    rows = [f"N-{i},2023-03-{1 + i % 28:02d},自然人,申请人{i},,内容{i},,2023-04-01,予以公开," for i in range(3000)]
    resp = upload(client, csv_bytes(rows), xhr=True)
    assert resp.status_code == 200
    urls = resp.get_json()
    seen = []
    for _ in range(300):
        p = client.get(urls["progress_url"]).get_json()
        seen.append(p)
        if not p["running"]:
            break
        time.sleep(0.05)
    assert seen[-1]["state"] == "checked" and seen[-1]["percent"] == 100
    page = client.get(urls["page_url"]).get_data(as_text=True)
    assert "将新增 3000 条" in page
    resp = client.post(
        urls["page_url"] + "/confirm",
        data={"csrf_token": csrf_token(page)},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert resp.status_code == 200
    for _ in range(300):
        p = client.get(urls["progress_url"]).get_json()
        if not p["running"]:
            break
        time.sleep(0.05)
    assert p["state"] == "imported"
    db.session.expire_all()
    assert count(DisclosureRequest) == 3000


def test_xhr_errors_are_json(client, login, office):
    login(office)
    resp = upload(client, b"", name="t.csv", xhr=True)
    assert resp.status_code == 400 and "空的" in resp.get_json()["error"]


# ------------------------------------------------------------------------------------------- templates


@pytest.mark.parametrize(
    "kind, sheet, values",
    [
        (
            "requests",
            "依申请公开",
            ["自然人", "法律服务机构", "不予公开：保护第三方合法权益（或写表三的行名，或代码 withheld.third_party）"],
        ),
        ("reviews", "复议诉讼", ["行政复议", "复议后起诉", "纠正"]),
        ("proposals", "建议提案", ["人大代表建议", "基本满意", "D"]),
        ("register", "主动公开", ["规章", "行政事业性收费"]),
    ],
)
def test_templates_list_columns_and_allowed_values(client, login, office, kind, sheet, values):
    login(office)
    resp = client.get(f"/ledger/template/{kind}.xlsx")
    assert resp.status_code == 200
    wb = workbook(resp.data)
    assert wb.sheetnames == [sheet, "填写说明"]
    from tracker.ledger.parse import SPECS

    assert [c.value for c in wb[sheet][1]] == SPECS[kind].headers
    listed = {row[0] for row in wb["填写说明"].iter_rows(values_only=True)}
    assert set(values) <= listed
    # a blank template imports as nothing, without complaint
    summary = import_ledger(office, f"{kind}.xlsx", resp.data, today=TODAY)
    assert sum(c.created for c in summary.counts.values()) == 0


# --------------------------------------------------------------------------------------------- export


def test_request_export_has_the_import_columns_status_and_due_date_and_is_logged(client, login, office):
    import_ledger(office, "t.csv", csv_bytes(REQ_ROWS), today=TODAY)
    login(office)
    resp = client.get("/ledger/export/requests.xlsx?status=open&q=")
    assert resp.status_code == 200 and resp.mimetype == ledger_export.XLSX_MIME
    wb = workbook(resp.data)
    ws = wb["依申请公开"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*REQ_HEADER.split(","), "状态", "答复期限"]
    by_number = {r[0]: r for r in rows[1:]}
    assert sorted(by_number) == ["A-3", "A-4"]  # the list's filter: open cases only
    a4 = db.session.scalars(select(DisclosureRequest).where(DisclosureRequest.number == "A-4")).one()
    assert by_number["A-4"][2:7] == ("自然人", "李四", "邮寄", "某通知", "规划科")
    assert by_number["A-4"][1].date() == date(2024, 6, 4)
    assert by_number["A-4"][10] == "办理中" and by_number["A-4"][11].date() == a4.due_date
    ev = db.session.scalars(select(Event).where(Event.kind == "request.exported")).one()
    assert ev.actor_id == office.id and ev.data["count"] == 2 and ev.data["filters"] == {"status": "open"}


def test_exported_text_is_never_a_formula(client, login, office):
    import_ledger(office, "t.csv", csv_bytes(REQ_ROWS), today=TODAY)
    login(office)
    ws = workbook(client.get("/ledger/export/requests.xlsx").data)["依申请公开"]
    cell = next(r[3] for r in ws.iter_rows(min_row=2) if r[0].value == "A-2")
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_section_user_exports_only_their_section(client, login, office, make_user):
    import_ledger(office, "t.csv", csv_bytes(REQ_ROWS), today=TODAY)
    from tracker.accounts.models import Section

    section = db.session.scalars(select(Section).where(Section.name == "规划科")).one()
    head = make_user("section_head", section=section)
    login(head)
    ws = workbook(client.get("/ledger/export/requests.xlsx").data)["依申请公开"]
    assert sorted(r[0] for r in ws.iter_rows(min_row=2, values_only=True)) == ["A-2", "A-4"]
    ev = db.session.scalars(select(Event).where(Event.kind == "request.exported")).one()
    assert ev.actor_id == head.id and ev.data["count"] == 2


def test_staff_cannot_export(client, login, make_user, make_section):
    login(make_user("staff", section=make_section("综合科")))
    assert client.get("/ledger/export/requests.xlsx").status_code == 403
    assert not db.session.scalars(select(Event).where(Event.kind == "request.exported")).all()


PRO_HEADER = "类型,届次,编号,标题,领衔人,交办日期,主办科室,协办科室,答复日期,办理结果,满意度"
PRO_ROWS = [
    "人大代表建议,十九届三次,101,关于甲的建议,张代表,2023-03-20,规划科,财务科、综合科,2023-06-01,A,满意",
    "政协提案,十四届二次,7,关于乙的提案,李委员,2024-03-20,财务科,,,,",
    "人大代表建议,十九届三次,102,关于丙的建议,王代表,2023-03-20,综合科,,2023-05-01,C,",
]


def test_proposal_export_round_trips_and_is_logged(client, login, office, make_user):
    import_ledger(office, "p.csv", csv_bytes(PRO_ROWS, PRO_HEADER), today=TODAY)
    login(office)
    resp = client.get("/ledger/export/proposals.xlsx?kind=npc")
    ws = workbook(resp.data)["建议提案"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*PRO_HEADER.split(","), "状态", "答复期限"]
    assert sorted(r[2] for r in rows[1:]) == ["101", "102"]
    r101 = next(r for r in rows[1:] if r[2] == "101")
    assert (r101[0], r101[6], r101[7], r101[9], r101[10], r101[11]) == (
        "人大代表建议",
        "规划科",
        "财务科、综合科",
        "A",
        "满意",
        "已办结",
    )
    ev = db.session.scalars(select(Event).where(Event.kind == "proposal.exported")).one()
    assert ev.data["count"] == 2 and ev.data["filters"] == {"kind": "npc"}
    # re-importing the export changes nothing
    summary = import_ledger(office, "export.xlsx", resp.data, today=TODAY)
    assert vars(summary.counts["proposals"]) == {"created": 0, "updated": 0, "unchanged": 2}
    # a co-handling section's head sees only the items of its sections
    from tracker.accounts.models import Section

    finance = db.session.scalars(select(Section).where(Section.name == "财务科")).one()
    logout(client)
    login(make_user("section_head", section=finance))
    ws = workbook(client.get("/ledger/export/proposals.xlsx").data)["建议提案"]
    assert sorted(r[2] for r in ws.iter_rows(min_row=2, values_only=True)) == ["101", "7"]


# ------------------------------------------------------------------------------------------ round trip


def _history_rows() -> list[str]:
    """Three years of cases: every applicant type, every outcome, open and concluded, across year ends."""
    rows = []
    n = 0
    for year in (2022, 2023, 2024):
        for i, code in enumerate((*CODES, None, None, None)):
            for j, t in enumerate(APPLICANT_TYPES):
                if (i + j) % 3:
                    continue
                n += 1
                month = 1 + (i + j) % 12
                received = date(year, month, 1 + (i * 7 + j) % 28)
                if received > TODAY:
                    received = date(year, 1, 2)
                concluded = ""
                if code is not None:
                    c = date(received.year + (1 if month == 12 else 0), 1 if month == 12 else month + 1, 5)
                    concluded = "" if c > TODAY else c.isoformat()
                outcome = code if concluded else ""
                section = ("综合科", "规划科", "")[n % 3]
                rows.append(
                    f"H-{n},{received.isoformat()},{t.label},申请人{n},,内容{n},{section},{concluded},{outcome},"
                )
    return rows


def _figures(agency_id: int) -> dict:
    from tracker.reports.derive import derive

    R = DisclosureRequest
    sql = db.session.execute(
        select(func.extract("year", R.received_on).label("y"), R.applicant_type, R.outcome, R.status, func.count())
        .where(R.agency_id == agency_id)
        .group_by("y", R.applicant_type, R.outcome, R.status)
    ).all()
    return {
        "sql": sorted((int(y), t, o or "", s, n) for y, t, o, s, n in sql),
        "reviews": sorted(
            db.session.execute(
                select(Review.kind, Review.result, func.count()).group_by(Review.kind, Review.result)
            ).all(),
            key=str,
        ),
        "reports": {
            y: {k: derive(agency_id, y, today=TODAY)[k] for k in ("table3", "table4")} for y in (2022, 2023, 2024)
        },
    }


def test_round_trip_export_then_import_into_an_empty_database_gives_the_same_report(client, login, office, agency):
    from tracker.disclosure.intake import register_request

    rows = _history_rows()
    import_ledger(office, "history.csv", csv_bytes(rows), today=TODAY)
    register_request(
        office,
        {
            "applicant_type": "public_interest_org",
            "applicant_name": "某协会",
            "channel": "email",
            "received_on": date(2024, 6, 3),
            "subject": "s",
            "content": "某规划",
        },
        today=TODAY,
    )
    import_ledger(
        office,
        "reviews.csv",
        csv_bytes(
            [
                "H-1,行政复议,2022-03-01,2022-04-01,维持",
                "H-1,复议后起诉,2022-05-01,,",
                "H-2,直接起诉,2023-01-10,2023-06-01,纠正",
            ],
            "编号,类型,提起日期,审结日期,结果",
        ),
        today=TODAY,
    )
    before = _figures(agency.id)
    assert sum(before["reports"][2023]["table3"]["new"].values()) > 0
    assert (
        before["reports"][2023]["table3"]["total"]["total"] > 0
        and before["reports"][2024]["table3"]["carried_out"]["total"] > 0
    )
    login(office)
    exported = client.get("/ledger/export/requests.xlsx").data

    # an empty database: only the agency (the event log refuses DELETE: its triggers go for the DELETE)
    from tracker.audit import create_guard, drop_guard

    drop_guard(db.session.connection())
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    create_guard(db.session.connection())
    db.session.commit()
    db.session.expunge_all()
    from tracker.accounts.models import Agency
    from tracker.workcal.service import invalidate

    invalidate()
    fresh = Agency(name="测试区发展和改革局", settings={})
    db.session.add(fresh)
    db.session.commit()
    summary = import_ledger(None, "export.xlsx", exported, agency=fresh, today=TODAY, who="测试")
    assert summary.counts["requests"].created == len(rows) + 1 and summary.counts["reviews"].created == 3
    after = _figures(fresh.id)
    assert after == before


def test_a_job_whose_worker_stopped_is_reported_as_interrupted_and_its_file_deleted(client, login, office, app_ctx):
    """A worker killed mid-import leaves its job `importing` with a heartbeat that stops: once the heartbeat
    is older than LEDGER_JOB_STALE_SECONDS the page says 中断, the uploaded file is gone, the lock is free."""
    from datetime import timedelta

    from tracker.ledger import runs
    from tracker.ledger.models import ImportJob
    from tracker.rules.clock import utcnow

    login(office)
    job_url = upload(client, csv_bytes(REQ_ROWS)).location
    token = job_url.rsplit("/", 1)[-1]
    job = db.session.scalars(select(ImportJob).where(ImportJob.token == token)).one()
    assert job.state == "checked" and Path(job.file_path).is_file()
    runs.acquire(job.agency_id, job_id=job.id)  # the confirmation took the lock; then the worker died
    assert client.get(job_url + "/progress").get_json()["running"] is True
    with pytest.raises(runs.ImportBusy) as busy:  # the lock holds while the job may still be alive
        import_ledger(office, "t.csv", csv_bytes(REQ_ROWS), today=TODAY)
    assert "另一个导入正在进行" in busy.value.message and "台账.csv" in busy.value.message
    stale = app_ctx.config["LEDGER_JOB_STALE_SECONDS"]
    assert stale <= 60 - app_ctx.config["LEDGER_HEARTBEAT_SECONDS"]  # shown within a minute of the last beat
    db.session.execute(
        sa_update(ImportJob).where(ImportJob.id == job.id).values(heartbeat_at=utcnow() - timedelta(seconds=stale + 1))
    )
    db.session.commit()
    progress = client.get(job_url + "/progress").get_json()
    assert progress["state"] == "interrupted" and progress["running"] is False and progress["percent"] == 100
    page = client.get(job_url).get_data(as_text=True)
    assert "中断" in page and "数据库没有任何改动，上传的文件已删除" in page
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.file_path is None and job.finished_at is not None
    assert not (Path(app_ctx.config["UPLOAD_FOLDER"]) / "ledger_jobs" / token).exists()
    assert count(DisclosureRequest) == 0
    # the lock is free again
    import_ledger(office, "t.csv", csv_bytes(REQ_ROWS), today=TODAY)
    assert count(DisclosureRequest) == 4


def test_a_mistyped_section_is_offered_as_the_existing_one_closest_first(client, login, office, make_section):
    """Issue 18: 投资课 for 投资科 was listed as a new section and created; the preview offers to map it."""
    for name in ("规划科", "投资科", "价格科"):
        make_section(name)
    login(office)
    rows = [
        "T-1,2023-01-05,自然人,张三,当面,某项目批复,投资课,2023/1/20,予以公开,",
        "T-2,2024-06-03,自然人,李四,,某数据,规划科,,,",
    ]
    resp = upload(client, csv_bytes(rows))
    preview = client.get(resp.location).get_data(as_text=True)
    assert "将新建科室（1 个）：投资课" in preview
    options = re.findall(r'<option value="([^"]*)">', preview.split('name="section-0"', 1)[1].split("</select>", 1)[0])
    assert options == ["", "投资科", "价格科", "规划科"]  # create it, or the closest existing name first
    resp = post_and_wait(
        client, resp.location + "/confirm", data={"csrf_token": csrf_token(preview), "section-0": "投资科"}
    )
    done = client.get(resp.location).get_data(as_text=True)
    assert "导入完成" in done and "台账中的科室“投资课”已按现有科室“投资科”导入" in done
    assert {r.number: r.section.name for r in db.session.scalars(select(DisclosureRequest))} == {
        "T-1": "投资科",
        "T-2": "规划科",
    }
    assert db.session.scalar(select(func.count()).select_from(Section).where(Section.name == "投资课")) == 0


def test_a_new_section_is_still_created_when_not_mapped(client, login, office, make_section):
    make_section("投资科")
    login(office)
    resp = upload(client, csv_bytes(["T-1,2023-01-05,自然人,张三,当面,某项目批复,能源科,2023/1/20,予以公开,"]))
    preview = client.get(resp.location).get_data(as_text=True)
    resp = post_and_wait(client, resp.location + "/confirm", data={"csrf_token": csrf_token(preview), "section-0": ""})
    assert "已新建科室（1 个）：能源科" in client.get(resp.location).get_data(as_text=True)
    resp = upload(client, csv_bytes(["T-2,2023-01-05,自然人,张三,当面,某项目批复,能源课,2023/1/20,予以公开,"]))
    preview = client.get(resp.location).get_data(as_text=True)
    forged = post_and_wait(
        client, resp.location + "/confirm", data={"csrf_token": csrf_token(preview), "section-0": "不存在科"}
    )
    assert forged.status_code == 302 and count(DisclosureRequest) == 1  # a target not offered: nothing imported


def test_a_hostile_upload_is_refused_by_the_background_check_and_its_file_deleted(client, login, office, app_ctx):
    import zipfile

    from tracker.ledger.models import ImportJob

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/sharedStrings.xml", "w") as part:
            for _ in range(50):
                part.write(b"a" * 2**20)  # 50 MB of one letter: about 50 KB packed
    login(office)
    started = time.perf_counter()
    resp = upload(client, buf.getvalue(), name="台账.xlsx")
    page = client.get(resp.location).get_data(as_text=True)
    assert time.perf_counter() - started < 2
    assert "未导入，数据库没有任何改动" in page and "压缩比为" in page and "超过上限 100:1" in page
    job = db.session.scalars(select(ImportJob)).one()
    assert job.state == "invalid" and job.file_path is None
    assert not (Path(app_ctx.config["UPLOAD_FOLDER"]) / "ledger_jobs" / job.token).exists()
    assert "确认导入" not in page
