"""The online platform's intake API on both databases: create, retry, validation, status, tokens,
rate limit, sizes. Every response is checked against the OpenAPI document (api_schema.check)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.api import codes
from tracker.audit import Event
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.rules.clock import CHINA_TZ, today_cn, utcnow

from .api_helpers import Api, body


def count(model=DisclosureRequest) -> int:
    """Rows of the model; of the event table, the events about requests (a token's creation is one too)."""
    db.session.expire_all()
    q = select(func.count()).select_from(model)
    return db.session.scalar(q.where(Event.subject_type == "request") if model is Event else q)


def test_create_registers_an_online_case_with_the_confirmation_day_as_receipt_date(api):
    # confirmed at 00:30 China time: still the previous day in UTC, the China day is the receipt date
    now_cn = utcnow().astimezone(CHINA_TZ)
    confirmed = (now_cn - timedelta(days=1)).replace(hour=0, minute=30, second=0, microsecond=0)
    resp = api.post("/requests", json=body(confirmed_at=confirmed.isoformat()))
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    req = db.session.scalars(select(DisclosureRequest)).one()
    assert out["number"] == req.number
    assert out["received_on"] == confirmed.date().isoformat() == req.received_on.isoformat()
    assert out["due_on"] == req.due_date.isoformat()
    assert req.channel == "online" and req.source == "api" and req.submission_id == "ZX2026113000017"
    assert req.confirmed_at.astimezone(CHINA_TZ) == confirmed
    assert req.subject == "请公开某项目的立项批复文件。"  # no subject sent: the content's first line
    assert req.id_type == "resident_id" and req.obtain_way == "online"
    # the code is shown, never stored: the row keeps a salt and a hash, and the code matches it
    assert out["verification_code"] not in req.status_code_hash
    assert codes.matches(req.status_code_hash, out["verification_code"])
    assert codes.matches(req.status_code_hash, out["verification_code"].lower().replace("-", " "))
    assert not codes.matches(req.status_code_hash, "AAAA-AAAA")
    ev = db.session.scalars(select(Event).where(Event.kind == "request.registered")).one()
    assert ev.actor_id is None and ev.data["submission_id"] == "ZX2026113000017" and "令牌" in ev.data["via"]


def test_retry_returns_the_same_case_and_body(api):
    first = api.post("/requests", json=body())
    again = api.post("/requests", json=body(content="另一份内容：平台重发时内容不同也不另立案"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count() == 1


def test_a_retry_racing_the_first_call_gets_the_first_case(api, monkeypatch):
    """Both calls see no case yet; the second's insert meets the unique (agency, submission_id) constraint."""
    from tracker.api import intake

    first = api.post("/requests", json=body()).get_json()
    real = intake.existing
    calls = {"n": 0}

    def not_yet(agency_id, sid):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(agency_id, sid)

    monkeypatch.setattr(intake, "existing", not_yet)
    resp = api.post("/requests", json=body())
    assert resp.status_code == 200 and resp.get_json() == first
    assert count() == 1 and calls["n"] == 2


def test_same_submission_id_in_another_agency_is_another_case(api, client, agency):
    from tracker.accounts.models import Agency
    from tracker.api import tokens

    other = Agency(name="测试区财政局", settings={})
    db.session.add(other)
    db.session.commit()
    _, secret = tokens.create_token(None, other, "平台")
    assert api.post("/requests", json=body()).status_code == 201
    theirs = Api(client, secret)
    assert theirs.post("/requests", json=body()).status_code == 201
    assert count() == 2
    # each token reads its own agency's case; a submission only another agency holds: 403, not its data
    assert theirs.get("/requests/ZX2026113000017").get_json()["number"].startswith("依申")
    assert api.post("/requests", json=body(submission_id="ONLY-OURS")).status_code == 201
    refused = theirs.get("/requests/ONLY-OURS")
    assert refused.status_code == 403 and "其他" not in refused.get_json().get("number", "")
    assert theirs.get("/requests/NOBODY").status_code == 404


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"submission_id": ""}, "submission_id", "申请编号"),
        ({"submission_id": "有中文"}, "submission_id", "申请编号"),
        ({"confirmed_at": "2026-11-30T10:15:00"}, "confirmed_at", "时区"),
        ({"confirmed_at": "30/11/2026"}, "confirmed_at", "ISO 8601"),
        ({"confirmed_at": 1732932900}, "confirmed_at", "ISO 8601"),
        ({"confirmed_at": "0001-01-01T00:00:00+08:00"}, "confirmed_at", "日期须在"),
        ({"content": ""}, "content", "申请内容"),
        ({"content": ["请公开"]}, "content", "文字"),
        ({"content": "请公开\x00"}, "content", "不可见"),
        ({"content": "字" * 5001}, "content", "5000"),
        ({"applicant": "张三"}, "applicant", "申请人信息"),
        ({"provision_form": "fax"}, "provision_form", "信息提供形式"),
        ({"unknown_field": 1}, "unknown_field", "没有这一项"),
    ],
)
def test_field_errors_are_json_with_chinese_messages_and_write_nothing(api, change, path, words):
    resp = api.post("/requests", json=body(**change))
    assert resp.status_code == 400
    out = resp.get_json()
    assert words in out["fields"][path], out
    assert count() == 0 and count(Event) == 0


@pytest.mark.parametrize(
    ("applicant", "path", "words"),
    [
        ({"type": "martian", "name": "张三"}, "applicant.type", "申请人类型"),
        ({"type": "natural_person"}, "applicant.name", "缺少"),
        ({"type": "natural_person", "name": "张三", "id_number": "110105194912310021"}, "applicant.id_number", ""),
        ({"type": "natural_person", "name": "张三", "phone": "电话"}, "applicant.phone", ""),
        ({"type": "natural_person", "name": "张三", "email": "nope"}, "applicant.email", "电子邮箱"),
        ({"type": "natural_person", "name": "张\t三"}, "applicant.name", "一行"),
        ({"type": "natural_person", "name": 7}, "applicant.name", "文字"),
    ],
)
def test_applicant_errors_come_from_the_forms_validation_under_json_paths(api, applicant, path, words):
    resp = api.post("/requests", json=body(applicant=applicant))
    assert resp.status_code == 400, resp.get_json()
    assert words in resp.get_json()["fields"][path]
    assert count() == 0


def test_a_confirmation_in_the_future_is_refused_like_a_future_receipt_date_on_the_form(api):
    future = (utcnow() + timedelta(days=2)).astimezone(CHINA_TZ).isoformat()
    resp = api.post("/requests", json=body(confirmed_at=future))
    assert resp.status_code == 400 and "将来" in resp.get_json()["fields"]["confirmed_at"]


@pytest.mark.parametrize(
    ("raw", "ctype", "words"),
    [
        (b"{not json", "application/json", "不是有效的 JSON"),
        (b"\xff\xfe", "application/json", "UTF-8"),
        (b"[1, 2]", "application/json", "JSON 对象"),
        (b"null", "application/json", "JSON 对象"),
        (b"submission_id=1", "application/x-www-form-urlencoded", "Content-Type"),
        (b"[" * 100000 + b"]" * 100000, "application/json", ""),
    ],
)
def test_malformed_bodies_are_400_in_chinese(api, raw, ctype, words):
    resp = api.post("/requests", data=raw, content_type=ctype)
    assert resp.status_code in (400, 413), resp.get_data()[:200]
    assert words in resp.get_json()["message"] + json.dumps(resp.get_json().get("fields", {}), ensure_ascii=False)
    assert count() == 0


def test_an_oversized_body_is_413(api, app_ctx):
    limit = app_ctx.config["API_MAX_BODY_KB"] * 1024
    resp = api.post("/requests", data=json.dumps(body(content="字" * limit)).encode(), content_type="application/json")
    assert resp.status_code == 413 and "KB" in resp.get_json()["message"]
    assert count() == 0


def test_no_token_a_wrong_one_and_a_revoked_one_are_401(client, agency, token):
    from tracker.api import tokens

    assert Api(client, None).post("/requests", json=body()).status_code == 401
    wrong = Api(client, token + "x").post("/requests", json=body())
    assert wrong.status_code == 401 and "无效" in wrong.get_json()["message"]
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.post("/api/v1/requests", json=body(), headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401
    row = tokens.authenticate(token)
    tokens.revoke_token(None, agency, row.id)
    revoked = Api(client, token).post("/requests", json=body())
    assert revoked.status_code == 401 and "吊销" in revoked.get_json()["message"]
    assert Api(client, token).get("/requests/ZX2026113000017").status_code == 401
    assert count() == 0


def test_a_session_cookie_does_not_authenticate_the_api_and_csrf_does_not_block_it(client, make_user, login, token):
    login(make_user("office"))
    assert client.post("/api/v1/requests", json=body()).status_code == 401  # signed in, no token
    assert client.get("/api/v1/requests/ZX2026113000017").status_code == 401
    resp = Api(client, token).post("/requests", json=body())  # no CSRF token, and none needed
    assert resp.status_code == 201


def test_the_rate_limit_is_per_token_and_stored_in_the_database(api, client, agency, app_ctx, monkeypatch):
    from tracker.accounts.models import RateBucket
    from tracker.api import tokens

    monkeypatch.setitem(app_ctx.config, "API_RATE_PER_MINUTE", 3)
    answers = [api.get("/requests/NOBODY").status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    limited = api.get("/requests/NOBODY")
    assert limited.status_code == 429 and "每分钟最多3次" in limited.get_json()["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    row = tokens.authenticate(api.secret)
    bucket = db.session.get(RateBucket, f"api:token:{row.id}")
    assert bucket is not None and bucket.count >= 5
    _, other = tokens.create_token(None, agency, "另一个平台")
    assert Api(client, other).get("/requests/NOBODY").status_code == 404  # another token has its own count


def test_status_shows_the_platform_facing_state_and_nothing_personal(api, app_ctx):
    created = api.post("/requests", json=body()).get_json()
    resp = api.get("/requests/ZX2026113000017")
    assert resp.status_code == 200
    out = resp.get_json()
    assert out["number"] == created["number"] and out["state"] == "registered"
    assert out["received_on"] == created["received_on"] and out["due_on"] == created["due_on"]
    assert out["pauses"] == [] and out["concluded_on"] is None and out["outcome_label"] is None
    text = resp.get_data(as_text=True)
    for personal in ("张三", "13800138000", "11010519491231002X", "某市某区", "请公开"):
        assert personal not in text


def test_status_of_a_paused_and_then_concluded_case(api, make_user, make_section):
    from tracker.disclosure import services

    api.post("/requests", json=body())
    req = db.session.scalars(select(DisclosureRequest)).one()
    office = make_user("office")
    today = today_cn()
    services.clarify(office, req, version=req.version, notice_on=req.received_on, items="请写明项目名称", today=today)
    out = api.get("/requests/ZX2026113000017").get_json()
    assert out["state"] == "paused"
    assert [(p["reason"], p["from"], p["to"]) for p in out["pauses"]] == [
        ("clarification", req.received_on.isoformat(), None)
    ]
    assert "补正" in out["pauses"][0]["label"] and "请写明项目名称" not in json.dumps(out, ensure_ascii=False)


def test_two_retries_in_parallel_create_one_case(api, app_ctx, monkeypatch):
    """Two workers get the same submission at once; both find no case, both register — the database's
    unique (agency, submission_id) lets one commit, the other answers that case (real threads, both engines)."""
    import threading

    from tracker.api import intake

    real = intake.existing
    barrier = threading.Barrier(2, timeout=30)
    first_look = threading.local()

    def racing(agency_id, sid):
        if not getattr(first_look, "done", False):
            first_look.done = True
            found = real(agency_id, sid)
            barrier.wait()  # both have looked and found nothing before either registers
            return found
        return real(agency_id, sid)

    monkeypatch.setattr(intake, "existing", racing)
    results: list = []

    def call():
        client = app_ctx.test_client()
        resp = client.post("/api/v1/requests", json=body(), headers={"Authorization": f"Bearer {api.secret}"})
        results.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(code for code, _ in results) == [200, 201], results
    assert results[0][1] == results[1][1]
    assert count() == 1
