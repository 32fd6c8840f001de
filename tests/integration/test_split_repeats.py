"""Splitting one application into linked requests, repeat requests (Art. 36(6)), many requests (Art. 35), and
the required reason of an answer (issue 18: never defaulted)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.disclosure import fees, repeats
from tracker.disclosure import services as s
from tracker.disclosure.models import DisclosureRequest
from tracker.extensions import db
from tracker.reports.derive import derive_table3
from tracker.rules.repeats import is_similar, similarity

from .workflow_fixtures import RECEIVED, TODAY, do, kinds, snapshot


def test_split_makes_linked_requests_with_the_same_receipt_date(app_ctx, w):
    """An application asking for three unrelated items is split: two new requests, each with its own number
    and deadline counted from the same receipt date (2026-03-02 → 2026-03-30), counted once each in table 三."""
    app = w.new_case(
        subject="三项内容",
        content="1.某项目批复；2.某会议纪要；3.某合同",
        id_number="11010519491231002X",
        id_type="resident_id",
    )
    done = do(s.split_request, w.office, app, items="某会议纪要\n\n某合同", reason="三项内容互不相关，一事一申请")
    parts = (
        db.session.query(DisclosureRequest)
        .filter(DisclosureRequest.split_from_id == app.id)
        .order_by(DisclosureRequest.seq)
        .all()
    )
    assert [p.subject for p in parts] == ["某会议纪要", "某合同"] and "已拆分出2件申请" in done.message
    for p in parts:
        assert p.received_on == RECEIVED and p.due_date == date(2026, 3, 30) and p.number != app.number
        assert p.id_number == app.id_number and p.applicant_name == app.applicant_name and p.status == "registered"
        assert kinds(p) == ["request.split_off"]
    assert kinds(app)[-1] == "request.split"
    assert [r.id for r in s.split_family(parts[1])] == [app.id, parts[0].id, parts[1].id]
    assert derive_table3(w.office.agency_id, 2026)["new"]["total"] == 3


def test_split_is_refused_without_items_or_reason_and_changes_nothing(app_ctx, w):
    app = w.new_case()
    before = snapshot(app)
    with pytest.raises(s.Invalid) as e:
        do(s.split_request, w.office, app, items=" \n ", reason="")
    assert set(e.value.errors) == {"items", "reason"}
    assert snapshot(app) == before and db.session.query(DisclosureRequest).count() == 1
    with pytest.raises(s.Invalid, match="最多拆分出20件"):
        do(s.split_request, w.office, app, items="\n".join(f"事项{i}" for i in range(21)), reason="x")


def test_fee_per_request_counts_the_split_requests_of_the_month(app_ctx, w):
    """109号 Art. 4: a split application counts one 件 per part. Ten earlier requests this month, then an
    application split into three: its parts are the 11th, 12th and 13th, 100 yuan each; a 拆分件数 on top of a
    formal split is refused (it would count the parts twice)."""
    for i in range(10):
        w.new_case(subject=f"早先申请{i}")
    app = w.new_case(subject="三项")
    do(s.split_request, w.office, app, items="乙\n丙", reason="一事一申请")
    parts = db.session.query(DisclosureRequest).filter(DisclosureRequest.split_from_id == app.id).all()
    assert [fees.month_position(r).nth for r in (app, *parts)] == [11, 12, 13]
    assert fees.calculate(parts[-1], "per_request").amount == 100
    with pytest.raises(ValueError, match="拆分件数请填1"):
        fees.calculate(app, "per_request", units=3)


def test_a_split_part_stays_counted_with_its_application_after_a_correction(app_ctx, w):
    app = w.new_case(subject="两项")
    do(s.split_request, w.office, app, items="乙项", reason="一事一申请")
    part = db.session.query(DisclosureRequest).filter(DisclosureRequest.split_from_id == app.id).one()
    part.applicant_name = "张三（更正）"
    db.session.commit()
    assert fees.month_position(part).nth == 2


# --- repeats -------------------------------------------------------------------------------------------


def test_similarity_of_request_texts():
    """Bigram Dice after dropping filler words: the same project's approval asked twice is similar; an
    unrelated budget request is not."""
    assert similarity("某项目立项批复文件", "请公开某项目的立项批复") > 0.6
    assert is_similar("某小区规划许可证", "请公开某小区建设工程规划许可证")
    assert not is_similar("某道路改造工程可研批复", "2025年度财政预算执行情况")
    assert similarity("", "x") == 0.0


def _answered(w, **over):
    req = w.new_case(**over)
    do(
        s.conclude,
        w.office,
        req,
        today=over.get("received_on", RECEIVED),
        outcome="disclosed",
        answer_date=over.get("received_on", RECEIVED),
        delivery_method="email",
        delivered_on=over.get("received_on", RECEIVED),
    )
    return req


def test_case_shows_similar_earlier_requests_and_the_year_count(app_ctx, w, login, client):
    first = _answered(
        w,
        subject="某项目立项批复",
        content="请公开某项目的立项批复文件",
        phone="13800138000",
        received_on=date(2026, 1, 5),
    )
    _answered(w, subject="财政预算", content="请公开2025年财政预算", phone="13800138000", received_on=date(2026, 1, 6))
    other = _answered(
        w,
        applicant_name="王五",
        subject="某项目立项批复",
        content="请公开某项目的立项批复文件",
        received_on=date(2026, 1, 7),
    )
    again = w.new_case(subject="某项目立项批复文件", content="再次申请某项目的立项批复", phone="13800138000")
    similar = repeats.similar_earlier(again)
    assert [e.request.id for e in similar] == [first.id]  # not the unrelated one, not another applicant's
    assert repeats.requests_in_last_year(again) == 3
    assert [e.request.id for e in repeats.repeat_candidates(again)][0] == first.id
    assert other.id not in [e.request.id for e in repeats.repeat_candidates(again)]
    login(w.office)
    html = client.get(f"/requests/{again.id}").get_data(as_text=True)
    assert 'id="similar-requests"' in html and first.number in html and "2026-01-05" in html
    assert "近12个月共提出申请 <strong>3</strong> 件" in html


def test_repeat_needs_the_earlier_answered_request_of_the_same_applicant(app_ctx, w):
    earlier = _answered(w, subject="某批复", received_on=date(2026, 2, 2))
    stranger = _answered(w, applicant_name="王五", subject="某批复", received_on=date(2026, 2, 3))
    unanswered = w.new_case(subject="某批复", received_on=date(2026, 2, 4))
    req = w.new_case(subject="某批复")
    ground = {"legal_ground": "申请人此前已就同一信息提出申请并已获答复"}
    answer = {"answer_date": TODAY, "delivery_method": "email", "delivered_on": TODAY}
    for bad, message in (
        (None, "须选择本机关此前已答复"),
        (stranger.id, "申请人与本申请不同"),
        (unanswered.id, "尚未答复"),
    ):
        with pytest.raises(s.Invalid) as e:
            do(s.conclude, w.office, req, outcome="not_processed.repeat", repeat_of_id=bad, **ground, **answer)
        assert message in e.value.errors["repeat_of_id"]
    do(s.conclude, w.office, req, outcome="not_processed.repeat", repeat_of_id=earlier.id, **ground, **answer)
    assert req.repeat_of_id == earlier.id


# --- the required reason (issue 18) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "ground,message",
    [
        ("", "须写明理由"),
        ("   ", "须写明理由"),
        ("《中华人民共和国政府信息公开条例》第三十七条、第三十六条第（三）项", "理由不能只写法条"),
        ("根据《条例》第十五条的规定", "理由不能只写法条"),
    ],
)
def test_partial_disclosure_without_a_reason_is_refused_not_defaulted(app_ctx, w, ground, message):
    """Issue 18: concluding as 部分公开 with the reason left empty (or only the default citation pasted in) is
    refused with a message under the reason field, and nothing is saved; no citation is filled in silently."""
    req = w.new_case()
    before = snapshot(req)
    with pytest.raises(s.Invalid) as e:
        do(
            s.conclude,
            w.office,
            req,
            outcome="partially_disclosed",
            legal_ground=ground,
            answer_date=TODAY,
            delivery_method="post",
            delivered_on=TODAY,
        )
    assert list(e.value.errors) == ["legal_ground"] and message in e.value.errors["legal_ground"]
    assert snapshot(req) == before and req.legal_ground is None


def test_the_answer_page_no_longer_fills_the_reason(app_ctx, w, login, client):
    """The page's script only shows the basis the letter will cite; it never writes into the reason field."""
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "workflow.js").read_text(encoding="utf-8")
    assert "ground.value =" not in script and "legal-basis-hint" in script
    req = w.new_case()
    login(w.office)
    html = client.get(f"/requests/{req.id}/act/conclude").get_data(as_text=True)
    assert "法律依据由答复书自动引用" in html and 'name="legal_ground"' in html
