"""Letters (告知书): every kind generated from a real case, opened with python-docx and read back."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from tracker.attachments import Attachment
from tracker.disclosure import letters
from tracker.disclosure import services as s
from tracker.errors import PermissionDenied, ServiceError
from tracker.extensions import db
from tracker.rules import outcomes
from tracker.rules.intake import format_date_cn

from .workflow_fixtures import do, kinds

ANSWER = {"answer_date": date(2026, 3, 10), "delivery_method": "post", "delivered_on": date(2026, 3, 10)}


def read(app, att: Attachment) -> docx.document.Document:
    return docx.Document(str(Path(app.config["UPLOAD_FOLDER"]) / att.stored_name))


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def generate(app, w, req, key, user=None):
    att = letters.generate_letter(user or w.office, req, key, today=date(2026, 3, 10))
    assert att.kind == "letter" and att.original_name.endswith(".docx") and att.subject_id == req.id
    return text_of(read(app, att)), read(app, att)


def assert_frame(text: str, req, when: str):
    assert req.number in text and req.applicant_name in text and req.subject in text
    assert w_agency(req) in text and when in text


def w_agency(req) -> str:
    return req.agency.name


@pytest.fixture()
def case(w):
    req = w.new_case(applicant_name="李四", subject="某道路改造工程可研批复")
    do(s.assign_section, w.office, req, section_id=w.sec_a.id)
    do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id)
    return req


def test_receipt(app_ctx, w, case):
    text, document = generate(app_ctx, w, case, "receipt")
    assert_frame(text, case, "2026年3月2日")
    assert "受理回执" in document.paragraphs[0].text
    assert "第三十一条" in text and "2026年3月30日" in text  # legal basis and the deadline
    assert outcomes.REMEDIES_TEXT not in text
    assert kinds(case)[-1] == "request.letter_generated"


def test_east_asian_font_is_set_on_every_run(app_ctx, w, case):
    _, document = generate(app_ctx, w, case, "receipt")
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    assert runs
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in (letters.BODY_FONT, letters.TITLE_FONT)
    assert document.paragraphs[0].runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


def test_clarification_letter(app_ctx, w, case):
    do(s.clarify, w.staff_a, case, notice_on=date(2026, 3, 4), items="请写明项目名称和批复文号。")
    key = letters.available_letters(case)[1].key
    assert key.startswith("clarification:")
    text, _ = generate(app_ctx, w, case, key)
    assert_frame(text, case, "2026年3月4日")
    assert "请写明项目名称和批复文号。" in text and "第三十条" in text
    assert format_date_cn(case.clock_actions[0].window_end) in text and "15个工作日" in text


def test_extension_letter_states_old_and_new_deadline(app_ctx, w, case):
    do(s.request_extension, w.staff_a, case, workdays=10, reason="需要调取档案", requested_on=date(2026, 3, 9))
    ext = s.pending_extensions(case)[0]
    assert not any(a.key.startswith("extension") for a in letters.available_letters(case))  # not yet approved
    do(s.decide_extension, w.leader, case, clock_action_id=ext.id, approve=True, decided_on=date(2026, 3, 10))
    key = next(a.key for a in letters.available_letters(case) if a.key.startswith("extension"))
    text, _ = generate(app_ctx, w, case, key)
    assert_frame(text, case, "2026年3月10日")
    assert "需要调取档案" in text and "延长10个工作日" in text and "第三十三条第二款" in text
    assert "2026年3月30日" in text and "2026年4月14日" in text


def test_consultation_letter_is_addressed_to_the_party(app_ctx, w, case):
    do(
        s.consult,
        w.staff_a,
        case,
        kind="consult_third_party",
        party="某建设有限公司",
        sent_on=date(2026, 3, 5),
        matter="是否同意公开投标文件",
    )
    key = next(a.key for a in letters.available_letters(case) if a.key.startswith("consultation"))
    text, document = generate(app_ctx, w, case, key)
    assert document.paragraphs[2].text == "某建设有限公司："
    assert_frame(text, case, "2026年3月5日")
    assert "第三十二条" in text and "是否同意公开投标文件" in text


def test_fee_letter_lists_the_bands(app_ctx, w, case):
    do(s.fee_notice, w.office, case, method="per_page", pages=150, confirm_amount=1700, notice_on=date(2026, 3, 6))
    key = next(a.key for a in letters.available_letters(case) if a.key.startswith("fee"))
    text, _ = generate(app_ctx, w, case, key)
    assert_frame(text, case, "2026年3月6日")
    assert "1700元" in text and "按量计收" in text and "第31—100页：70页×10元=700元" in text
    assert "109号" in text


def _conclude(w, req, code, letter_kind):
    o = outcomes.outcome(code)
    if code == outcomes.NO_CORRECTION:
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
        day = req.clock_actions[0].window_end + timedelta(days=1)
        return do(
            s.clarification_lapsed, w.office, req, today=day, answer_date=day, delivery_method="post", delivered_on=day
        )
    if code == outcomes.UNPAID_FEE:
        do(s.fee_notice, w.office, req, method="per_page", pages=40, confirm_amount=100, notice_on=date(2026, 3, 4))
        day = req.clock_actions[0].window_end + timedelta(days=1)
        return do(s.fee_lapsed, w.office, req, today=day, answer_date=day, delivery_method="post", delivered_on=day)
    if code == "unavailable.unclear_after_correction":
        do(s.clarify, w.staff_a, req, notice_on=date(2026, 3, 3), items="x")
        do(s.clarification_received, w.staff_a, req, received_on=date(2026, 3, 5))
    extra = {"answer_summary": "公开文件见附件。"}
    if o.needs_legal_ground:
        extra["legal_ground"] = "理由甲乙丙"
    if letter_kind == "not_ours":
        extra["responsible_agency"] = "区自然资源局"
    do(s.conclude, w.office, req, outcome=code, letter_kind=letter_kind, **extra, **ANSWER)


@pytest.mark.parametrize("code,letter_kind", [(o.code, k) for o in outcomes.OUTCOMES for k in o.letter_kinds])
def test_answer_letter_for_every_outcome(app_ctx, w, case, code, letter_kind):
    _conclude(w, case, code, letter_kind)
    o = outcomes.outcome(code)
    text, document = generate(app_ctx, w, case, "answer")
    assert_frame(text, case, format_date_cn(case.answer_date))
    assert (outcomes.REMEDIES_TEXT in text) == o.states_remedies
    basis = o.legal_basis_for(letter_kind)
    if basis:
        assert basis in text
    if o.needs_legal_ground:
        assert "理由甲乙丙" in text
    if letter_kind == "not_ours":
        assert "区自然资源局" in text
    if code == outcomes.NO_CORRECTION:
        assert "补正" in text and "不再处理" in text
    if code == outcomes.UNPAID_FEE:
        assert "100元" in text and "不再处理" in text
    assert document.paragraphs[0].text == letters.spec(letters.answer_kind(code, letter_kind)).title


def test_answer_letter_from_the_draft_under_review(app_ctx, w, case):
    do(s.submit_draft, w.staff_a, case, outcome="withheld.third_party", legal_ground="涉及商业秘密")
    assert letters.available_letters(case)[-1].label.endswith("（送审稿）")
    att = letters.generate_letter(w.staff_a, case, "answer", today=date(2026, 3, 10))
    assert "送审稿" in att.original_name
    text = text_of(read(app_ctx, att))
    assert "涉及商业秘密" in text and outcomes.REMEDIES_TEXT in text


def test_no_answer_letter_before_an_answer_or_after_withdrawal(app_ctx, w, case):
    with pytest.raises(ServiceError, match="尚未办结"):
        letters.generate_letter(w.office, case, "answer")
    do(s.withdraw, w.office, case, withdrawn_on=date(2026, 3, 9))
    assert [a.key for a in letters.available_letters(case)] == ["receipt"]
    with pytest.raises(ServiceError):
        letters.generate_letter(w.office, case, "answer")
    with pytest.raises(ServiceError, match="没有这份告知书所需的记录"):
        letters.generate_letter(w.office, case, "fee:12345")


def test_cohandlers_and_leaders_do_not_generate_letters(app_ctx, w, case):
    do(s.add_cohandler, w.office, case, section_id=w.sec_b.id)
    for user in (w.staff_b, w.head_b, w.leader):
        with pytest.raises(PermissionDenied):
            letters.generate_letter(user, case, "receipt")
    assert db.session.query(Attachment).count() == 0


# --- templates the agency edits ---------------------------------------------------------------------


def test_shipped_defaults_are_valid_and_cover_every_outcome():
    for spec in letters.SPECS:
        assert letters.template_errors(spec.kind, spec.title, spec.body) == {}, spec.kind
    for o in outcomes.OUTCOMES:
        for k in o.letter_kinds:
            assert letters.spec(letters.answer_kind(o.code, k)).remedies == o.states_remedies


def test_edited_template_is_used_and_can_be_reset(app_ctx, w, case):
    body = "{{ applicant }}：\n我局已收到您关于“{{ subject }}”的申请（{{ number }}），依据{{ legal_basis }}受理。\n联系电话：12345"
    letters.save_template(w.office, "receipt", "受理通知", body)
    text, document = generate(app_ctx, w, case, "receipt")
    assert document.paragraphs[0].text == "受理通知" and "联系电话：12345" in text and "我局已收到您" in text
    assert letters.reset_template(w.office, "receipt") is True
    assert letters.reset_template(w.office, "receipt") is False
    text, document = generate(app_ctx, w, case, "receipt")
    assert document.paragraphs[0].text == "政府信息公开申请受理回执"


@pytest.mark.parametrize(
    "kind,body,message",
    [
        ("receipt", "{{ applicant }}：{{ fee_amount }}", "不能用于"),
        ("receipt", "{{ applicant }}：{{ nonsense }}", "nonsense"),
        ("receipt", "{{ applicant ", "写法有误"),
        ("receipt", "您好：已收到。", "{{ applicant }}"),
        ("consultation", "{{ applicant }}：请回复。", "{{ party }}"),
        ("answer_withhold", "{{ applicant }}：不予公开。", "{{ remedies }}"),
        ("receipt", "{{ applicant.__class__.__mro__ }}", "无法生成"),
        ("receipt", "", "请填写正文"),
    ],
)
def test_bad_templates_are_refused_and_nothing_saved(app_ctx, w, kind, body, message):
    from tracker.disclosure.models import LetterTemplate

    with pytest.raises(s.Invalid) as e:
        letters.save_template(w.office, kind, "标题", body)
    assert message in e.value.errors["body"], e.value.errors
    assert db.session.query(LetterTemplate).count() == 0


def test_only_office_and_admin_edit_templates(app_ctx, w):
    for user in (w.staff_a, w.head_a, w.leader):
        with pytest.raises(ServiceError, match="只有政务公开办"):
            letters.save_template(user, "receipt", "t", "{{ applicant }}")
    letters.save_template(w.admin, "receipt", "t", "{{ applicant }}：好")


def test_templates_are_per_agency(app_ctx, w, case):
    from tracker.accounts.models import Agency, User

    other = Agency(name="另一机关", settings={})
    db.session.add(other)
    db.session.commit()
    foreign = User(
        agency_id=other.id, username="o_office", display_name="外", password_hash="x", role="office", active=True
    )
    db.session.add(foreign)
    db.session.commit()
    letters.save_template(foreign, "receipt", "外机关回执", "{{ applicant }}：收到")
    _, document = generate(app_ctx, w, case, "receipt")
    assert document.paragraphs[0].text == "政府信息公开申请受理回执"


def test_download_is_a_docx(app_ctx, w, case):
    att = letters.generate_letter(w.office, case, "receipt", today=date(2026, 3, 10))
    data = (Path(app_ctx.config["UPLOAD_FOLDER"]) / att.stored_name).read_bytes()
    assert data[:2] == b"PK" and att.content_type == letters.DOCX_MIME
    docx.Document(io.BytesIO(data))
