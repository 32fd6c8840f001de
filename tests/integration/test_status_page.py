"""/status: the applicant's look-up by case number and verification code, without an account."""

from __future__ import annotations

import re

import pytest

from tracker.extensions import db

from .api_helpers import body


@pytest.fixture()
def case(api):
    return api.post("/requests", json=body()).get_json()


def look(client, number, code, addr="203.0.113.7"):
    return client.post("/status/", data={"number": number, "code": code}, environ_base={"REMOTE_ADDR": addr})


def test_the_form_needs_no_login_and_runs_without_script(client):
    resp = client.get("/status/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<script" not in html
    assert not re.search(r"\son[a-z]+=", html) and 'name="number"' in html and 'name="code"' in html
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert 'name="viewport"' in html and "status/style.css" in html
    assert "Set-Cookie" not in resp.headers
    css = client.get("/status/style.css")
    assert css.status_code == 200 and b".btn" in css.data


def test_number_and_code_show_the_state_in_plain_words_and_nothing_personal(client, case):
    resp = look(client, case["number"], case["verification_code"].lower())
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert case["number"] in html and "已受理" in html
    assert case["received_on"] in html and case["due_on"] in html and "前作出答复" in html
    for personal in ("张三", "13800138000", "11010519491231002X", "某市某区", "请公开"):
        assert personal not in html
    assert resp.headers["Cache-Control"] == "no-store"


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer(client, case):
    wrong_code = look(client, case["number"], "AAAA-AAAA")
    wrong_number = look(client, "依申〔2026〕第9999号", case["verification_code"])
    assert wrong_code.status_code == wrong_number.status_code == 200
    strip = lambda r, n: r.get_data(as_text=True).replace(f'value="{n}"', "")  # noqa: E731 (the echoed number aside)
    assert strip(wrong_code, case["number"]) == strip(wrong_number, "依申〔2026〕第9999号")
    assert "未找到与该编号和查询码相符的申请" in wrong_code.get_data(as_text=True)


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("", "AAAA-AAAA", "请填写申请编号"),
        ("依申", "", "请填写查询码"),
        ("依申", "ABC", "8位"),
        ("依\x00申", "AAAAAAAA", "格式"),
    ],
)
def test_incomplete_input_is_explained(client, number, code, words):
    resp = look(client, number, code)
    assert resp.status_code == 400 and words in resp.get_data(as_text=True)


def test_attempts_are_limited_per_address_in_the_database(client, case, app_ctx, monkeypatch):
    from tracker.accounts.models import RateBucket

    monkeypatch.setitem(app_ctx.config, "STATUS_ATTEMPTS_PER_HOUR", 3)
    answers = [look(client, case["number"], "AAAA-AAAA").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = look(client, case["number"], case["verification_code"])  # even the right code, from here
    assert refused.status_code == 429 and "查询次数过多" in refused.get_data(as_text=True)
    assert db.session.get(RateBucket, "status:addr:203.0.113.7").count >= 5
    other = look(client, case["number"], case["verification_code"], addr="198.51.100.9")
    assert other.status_code == 200 and case["number"] in other.get_data(as_text=True)


def test_a_successful_look_up_gives_its_attempt_back(client, case, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "STATUS_ATTEMPTS_PER_HOUR", 2)
    for _ in range(5):
        assert look(client, case["number"], case["verification_code"]).status_code == 200


def test_a_paper_case_is_found_with_the_code_printed_on_its_receipt(client, w):
    from tracker.api import codes
    from tracker.disclosure import letters

    from .workflow_fixtures import RECEIVED

    req = w.new_case(channel="in_person", received_on=RECEIVED)
    letters.generate_letter(w.office, req, "receipt")
    code = codes.code_of(req.status_code_hash)
    resp = look(client, req.number, code)
    assert resp.status_code == 200 and "2026年3月2日" in resp.get_data(as_text=True)


def test_the_page_ignores_a_signed_in_users_session(client, make_user, login, case):
    login(make_user("office"))
    resp = look(client, case["number"], case["verification_code"])
    assert resp.status_code == 200 and "退出" not in resp.get_data(as_text=True)


def test_a_concluded_case_shows_its_outcome_and_date(client, case, make_user):
    from sqlalchemy import select

    from tracker.disclosure import services as s
    from tracker.disclosure.models import DisclosureRequest
    from tracker.rules.clock import today_cn

    req = db.session.scalars(select(DisclosureRequest)).one()
    s.conclude(
        make_user("office"), req, version=req.version, outcome="disclosed", answer_date=today_cn(), today=today_cn()
    )
    html = look(client, case["number"], case["verification_code"]).get_data(as_text=True)
    assert "已办结" in html and "予以公开" in html and today_cn().isoformat() in html
    assert "答复期限" not in html  # once concluded: the outcome and its date, not the deadline
