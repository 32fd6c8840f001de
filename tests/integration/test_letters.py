"""Letters (告知书): every kind generated from a real case, opened with python-docx and read back paragraph by
paragraph against its template; remedies per outcome group with the named bodies; versions of one letter."""

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
from tracker.disclosure.models import Letter, LetterVersion
from tracker.errors import PermissionDenied, ServiceError
from tracker.extensions import db
from tracker.rules import outcomes, remedies
from tracker.rules.intake import format_date_cn

from .workflow_fixtures import DETAIL_SAMPLES, do, kinds, outcome_extras

ANSWER = {"answer_date": date(2026, 3, 10), "delivery_method": "post", "delivered_on": date(2026, 3, 10)}
SETTINGS = {
    "address": "某市某区人民路1号",
    "postcode": "100000",
    "phone": "010-62345678",
    "email": "gk@example.gov.cn",
    "reconsideration_body": "某区人民政府",
    "court": "某区人民法院",
}
R = "《中华人民共和国政府信息公开条例》"
CONTACT = "联系地址：某市某区人民路1号；邮政编码：100000；联系电话：010-62345678；电子邮箱：gk@example.gov.cn"
INTRO = "本机关于2026年3月2日收到您提出的政府信息公开申请，申请获取“某道路改造工程可研批复”。"
# The remedies sentences as the law stands for a decision of 2026-03-10 with the bodies set above.
REFUSAL = (
    "如对本答复不服，应当先自收到本答复之日起60日内向某区人民政府申请行政复议；"
    "对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向某区人民法院提起行政诉讼。"
)
EITHER = (
    "如对本答复不服，可以自收到本答复之日起60日内向某区人民政府申请行政复议，"
    "或者自收到本答复之日起6个月内依法向某区人民法院提起行政诉讼。"
)
PARTIAL = (
    "如对本答复中不予公开的部分不服，应当先自收到本答复之日起60日内向某区人民政府申请行政复议，"
    "对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向某区人民法院提起行政诉讼；"
    "对本答复的其他内容不服的，可以自收到本答复之日起60日内向某区人民政府申请行政复议，"
    "或者自收到本答复之日起6个月内依法向某区人民法院提起行政诉讼。"
)


def read(app, att: Attachment) -> docx.document.Document:
    return docx.Document(str(Path(app.config["UPLOAD_FOLDER"]) / att.stored_name))


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def generate(app, w, req, key, user=None):
    att = letters.generate_letter(user or w.office, req, key, today=date(2026, 3, 10))
    assert att.kind == "letter" and att.original_name.endswith(".docx") and att.subject_id == req.id
    return text_of(read(app, att)), read(app, att)


def paragraphs(app, w, req, key) -> list[str]:
    _, document = generate(app, w, req, key)
    return [p.text for p in document.paragraphs]


def framed(req, title: str, body: list[str], when: str) -> list[str]:
    """The fixed frame around a body: title, case number, the body, a blank line, the agency and the date."""
    return [title, req.number, *body, "", req.agency.name, when]


@pytest.fixture()
def case(w, agency):
    agency.settings = dict(SETTINGS)
    db.session.commit()
    req = w.new_case(applicant_name="李四", subject="某道路改造工程可研批复")
    do(s.assign_section, w.office, req, section_id=w.sec_a.id)
    do(s.assign_handler, w.head_a, req, handler_id=w.staff_a.id)
    return req


# --- letters before the answer, paragraph by paragraph ------------------------------------------------


def test_receipt_quotes_the_deadline_in_force_at_receipt(app_ctx, w, case):
    """Issue 18: a 受理回执 generated after an approved extension still states the deadline in force when the
    request was received (2026-03-02 + 20 working days = 2026-03-30), not the extended one (2026-04-14)."""
    do(s.request_extension, w.staff_a, case, workdays=10, reason="需要调取档案", requested_on=date(2026, 3, 9))
    ext = s.pending_extensions(case)[0]
    do(s.decide_extension, w.leader, case, clock_action_id=ext.id, approve=True, decided_on=date(2026, 3, 10))
    assert case.due_date == date(2026, 4, 14)
    assert case.status_code_hash is None
    got = paragraphs(app_ctx, w, case, "receipt")
    # issue 17: the 受理回执 prints the applicant's /status code, issued with it and stored only hashed
    from tracker.api import codes

    code = codes.code_of(case.status_code_hash)
    assert code and code not in case.status_code_hash and codes.matches(case.status_code_hash, code)
    assert got == framed(
        case,
        "政府信息公开申请受理回执",
        [
            "李四：",
            "本机关于2026年3月2日收到您提出的政府信息公开申请，申请内容为：“某道路改造工程可研批复”。",
            f"根据{R}第三十一条、第三十三条的规定，本机关已受理该申请，将于2026年3月30日前作出答复。"
            "如需您补正申请、征求第三方意见或者依法延长答复期限，本机关将另行书面告知。",
            f"您可凭申请编号{case.number}和查询码{code}查询办理进度。",
            CONTACT,
            "特此回执。",
        ],
        "2026年3月2日",
    )
    assert kinds(case)[-1] == "request.letter_generated"
    # generated again: the same code (the applicant's paper copy stays valid)
    assert f"查询码{code}" in "".join(paragraphs(app_ctx, w, case, "receipt"))


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
    due = format_date_cn(case.clock_actions[0].window_end)
    assert paragraphs(app_ctx, w, case, key) == framed(
        case,
        "补正申请告知书",
        [
            "李四：",
            INTRO,
            f"经审查，您的申请内容不明确。根据{R}第三十条的规定，请您对以下内容作出补正：",
            "请写明项目名称和批复文号。",
            f"请于{due}前（15个工作日内）向本机关提交补正后的申请，答复期限自本机关收到补正后的申请之日起计算。"
            "无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
            CONTACT,
            "特此告知。",
        ],
        "2026年3月4日",
    )


def test_extension_letter_states_old_and_new_deadline(app_ctx, w, case):
    do(s.request_extension, w.staff_a, case, workdays=10, reason="需要调取档案", requested_on=date(2026, 3, 9))
    ext = s.pending_extensions(case)[0]
    assert not any(a.key.startswith("extension") for a in letters.available_letters(case))  # not yet approved
    do(s.decide_extension, w.leader, case, clock_action_id=ext.id, approve=True, decided_on=date(2026, 3, 10))
    key = next(a.key for a in letters.available_letters(case) if a.key.startswith("extension"))
    assert paragraphs(app_ctx, w, case, key) == framed(
        case,
        "延期答复告知书",
        [
            "李四：",
            INTRO,
            f"因需要调取档案，本机关不能在2026年3月30日前作出答复。根据{R}第三十三条第二款的规定，"
            "经本机关政府信息公开工作机构负责人同意，答复期限延长10个工作日，本机关将于2026年4月14日前作出答复。",
            CONTACT,
            "特此告知。",
        ],
        "2026年3月10日",
    )


def test_consultation_letter_is_addressed_to_the_party_and_counts_from_its_receipt(app_ctx, w, case):
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
    assert paragraphs(app_ctx, w, case, key) == framed(
        case,
        "政府信息公开征求意见书",
        [
            "某建设有限公司：",
            "本机关于2026年3月2日收到李四提出的政府信息公开申请，申请获取“某道路改造工程可研批复”。"
            f"该信息的公开可能涉及你方，根据{R}第三十二条的规定，现书面征求你方意见。",
            "征求意见事项：是否同意公开投标文件",
            "请自收到本意见书之日起15个工作日内将书面意见反馈本机关。逾期未提出意见的，由本机关依照"
            f"{R}的规定决定是否公开。",
            CONTACT,
        ],
        "2026年3月5日",
    )


def test_objection_notice_is_a_letter_of_its_own(app_ctx, w, case):
    """Art. 32: the third party objected, the agency decides to disclose in the public interest and tells it
    in writing what will be disclosed and why."""
    do(s.consult, w.staff_a, case, kind="consult_third_party", party="某建设有限公司", sent_on=date(2026, 3, 5))
    act = case.clock_actions[0]
    do(
        s.consultation_closed,
        w.staff_a,
        case,
        clock_action_id=act.id,
        end_reason="answered",
        ended_on=date(2026, 3, 6),
        position="objected",
        opinion="涉及商业秘密，不同意公开",
    )
    assert not any(a.key.startswith("objection_notice") for a in letters.available_letters(case))
    assert s.objected_consultations(case) == [act]
    do(
        s.disclose_over_objection,
        w.staff_a,
        case,
        clock_action_id=act.id,
        decided_on=date(2026, 3, 9),
        content="中标金额和工期",
        reasons="该项目使用财政资金，不公开可能对公共利益造成重大影响",
    )
    assert s.objected_consultations(case) == []
    assert paragraphs(app_ctx, w, case, f"objection_notice:{act.id}") == framed(
        case,
        "政府信息公开决定告知书",
        [
            "某建设有限公司：",
            "本机关于2026年3月2日收到李四提出的政府信息公开申请，申请获取“某道路改造工程可研批复”。"
            "本机关曾就该信息的公开书面征求你方意见，你方不同意公开。",
            "经审查，本机关认为不公开可能对公共利益造成重大影响，于2026年3月9日决定予以公开。"
            f"根据{R}第三十二条的规定，现将决定公开的政府信息内容和理由告知如下：",
            "决定公开的内容：中标金额和工期",
            "理由：该项目使用财政资金，不公开可能对公共利益造成重大影响",
            CONTACT,
            "特此告知。",
        ],
        "2026年3月9日",
    )


def test_disclosure_over_objection_is_refused_before_an_objection_and_with_bad_dates(app_ctx, w, case):
    do(s.consult, w.staff_a, case, kind="consult_third_party", party="甲公司", sent_on=date(2026, 3, 5))
    act = case.clock_actions[0]
    with pytest.raises(s.Invalid, match="不同意公开的第三方"):
        do(
            s.disclose_over_objection,
            w.staff_a,
            case,
            clock_action_id=act.id,
            decided_on=date(2026, 3, 9),
            content="x",
            reasons="y",
        )
    do(
        s.consultation_closed,
        w.staff_a,
        case,
        clock_action_id=act.id,
        end_reason="answered",
        ended_on=date(2026, 3, 6),
        position="objected",
    )
    with pytest.raises(s.Invalid) as e:
        do(
            s.disclose_over_objection,
            w.staff_a,
            case,
            clock_action_id=act.id,
            decided_on=date(2026, 3, 5),
            content="",
            reasons="",
        )
    assert set(e.value.errors) == {"decided_on", "content", "reasons"}
    assert "早于收到第三方意见的日期" in e.value.errors["decided_on"]
    assert "override" not in act.details


def test_fee_letter_lists_the_bands(app_ctx, w, case):
    do(s.fee_notice, w.office, case, method="per_page", pages=150, confirm_amount=1700, notice_on=date(2026, 3, 6))
    key = next(a.key for a in letters.available_letters(case) if a.key.startswith("fee"))
    due = format_date_cn(case.clock_actions[0].window_end)
    assert paragraphs(app_ctx, w, case, key) == framed(
        case,
        "信息处理费收费通知书",
        [
            "李四：",
            INTRO,
            f"根据{R}第四十二条、《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，"
            "本机关对您的申请收取信息处理费，计收方式为按量计收，明细如下：",
            "按量计收（《政府信息公开信息处理费管理办法》（国办函〔2020〕109号））：共150页",
            "第1—30页：免费",
            "第31—100页：70页×10元=700元",
            "第101—150页：50页×20元=1000元",
            "合计：1700元",
            f"应缴金额：1700元。请于{due}前缴纳。等待缴费期间不计算在答复期限内；"
            "逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。",
            CONTACT,
            "特此通知。",
        ],
        "2026年3月6日",
    )


# --- answer letters, paragraph by paragraph ---------------------------------------------------------------


def _conclude(w, req, code, letter_kind):
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
    extra = {"answer_summary": "公开文件见附件。", **outcome_extras(w, req, code)}
    if outcomes.outcome(code).needs_legal_ground:
        extra["legal_ground"] = "理由甲乙丙"
    if letter_kind == "not_ours":
        extra["responsible_agency"] = "区自然资源局"
    do(s.conclude, w.office, req, outcome=code, letter_kind=letter_kind, **extra, **ANSWER)


def _answer(kind_body: list[str]) -> list[str]:
    return ["李四：", INTRO, *kind_body]


# (code, letter kind, the body after the salutation and the introduction); every letter of the shipped
# templates, hand-written: the citation appears once, the reason in words, the remedies as the law stands.
ANSWER_BODIES = [
    (
        "disclosed",
        "disclose",
        [
            f"经审查，您申请获取的信息属于可以公开的政府信息。根据{R}第三十六条第（二）项的规定，"
            "本机关决定予以公开。公开文件见附件。",
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "disclosed",
        "already_public",
        [
            f"经查，您申请获取的信息本机关已经主动公开。根据{R}第三十六条第（一）项的规定，"
            "现告知您获取该信息的方式和途径：公开文件见附件。",
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "partially_disclosed",
        "partial",
        [
            f"经审查，您申请获取的信息中部分内容不能公开，理由：理由甲乙丙。根据{R}第三十七条、第三十六条第（三）项的规定，"
            "本机关对可以公开的部分予以公开，对不能公开的部分不予公开。公开文件见附件。",
            PARTIAL,
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "withheld.state_secret",
        "withhold",
        [
            f"经审查，您申请获取的信息不予公开（属于国家秘密），理由：理由甲乙丙。根据{R}第十四条、第三十六条第（三）项的规定，"
            "本机关决定不予公开。",
            REFUSAL,
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "withheld.query_matter",
        "withhold",
        [
            f"经审查，您申请获取的信息不予公开（属于行政查询事项），理由：理由甲乙丙。根据{R}第三十六条第（七）项的规定，"
            "本机关决定不予公开。",
            "您申请获取的信息属于有关法律、行政法规对获取另有特别规定的信息，请依照"
            f"{DETAIL_SAMPLES['procedure']}办理。",
            REFUSAL,
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "unavailable.not_held",
        "not_exist",
        [
            "经查，本机关未制作或者获取您申请的政府信息，该政府信息不存在（理由甲乙丙）。"
            f"根据{R}第三十六条第（四）项的规定，特此告知。",
            EITHER,
            CONTACT,
        ],
    ),
    (
        "unavailable.not_held",
        "not_ours",
        [
            f"经查，您申请获取的信息不属于本机关负责公开的政府信息（理由甲乙丙）。根据{R}第三十六条第（五）项的规定，"
            "负责公开该信息的行政机关为区自然资源局，请您向该机关申请。",
            EITHER,
            CONTACT,
            "特此告知。",
        ],
    ),
    (
        "unavailable.needs_creation",
        "cannot_provide",
        [
            "经审查，本机关无法提供您申请获取的信息（没有现成信息需要另行制作），理由：理由甲乙丙。"
            f"根据{R}第三十八条的规定，特此告知。",
            EITHER,
            CONTACT,
        ],
    ),
    (
        "not_processed.petition",
        "not_processed",
        [
            "经审查，本机关对您的申请不予处理（信访举报投诉类申请），理由：理由甲乙丙。"
            f"根据{R}第三十九条第一款的规定，特此告知。",
            f"您反映的事项不作为政府信息公开申请处理，请通过{DETAIL_SAMPLES['proper_channel']}提出。",
            EITHER,
            CONTACT,
        ],
    ),
    (
        "not_processed.confirm_or_reissue",
        "not_processed",
        [
            "经审查，本机关对您的申请不予处理（要求行政机关确认或重新出具已获取信息），理由：理由甲乙丙。"
            f"根据{R}的规定，特此告知。",
            EITHER,
            CONTACT,
        ],
    ),
    (
        "other.other",
        "other",
        ["经研究，对您的申请处理如下：公开文件见附件。", CONTACT, "特此告知。"],
    ),
]


@pytest.mark.parametrize("code,letter_kind,body", ANSWER_BODIES, ids=[f"{c}-{k}" for c, k, _ in ANSWER_BODIES])
def test_answer_letter_paragraph_by_paragraph(app_ctx, w, case, code, letter_kind, body):
    _conclude(w, case, code, letter_kind)
    title = letters.spec(letters.answer_kind(code, letter_kind)).title
    assert paragraphs(app_ctx, w, case, "answer") == framed(case, title, _answer(body), "2026年3月10日")


def test_repeat_answer_cites_the_earlier_request_and_its_answer_date(app_ctx, w, case):
    _conclude(w, case, outcomes.REPEAT, "not_processed")
    earlier = case.repeat_of
    assert earlier is not None and earlier.answer_date == date(2026, 3, 2)
    assert paragraphs(app_ctx, w, case, "answer") == framed(
        case,
        "政府信息公开申请答复书",
        _answer(
            [
                "经审查，本机关对您的申请不予处理（重复申请），理由：理由甲乙丙。"
                f"根据{R}第三十六条第（六）项的规定，特此告知。",
                f"本机关已于2026年3月2日对您提出的政府信息公开申请（{earlier.number}）作出答复，"
                "您此次申请公开的是相同的政府信息，本机关不予重复处理。",
                EITHER,
                CONTACT,
            ]
        ),
        "2026年3月10日",
    )


def test_lapse_letters_paragraph_by_paragraph(app_ctx, w, case):
    _conclude(w, case, outcomes.NO_CORRECTION, "other")
    act = case.clock_actions[0]
    day = format_date_cn(act.window_end + timedelta(days=1))
    assert paragraphs(app_ctx, w, case, "answer") == framed(
        case,
        "政府信息公开申请不予处理告知书",
        _answer(
            [
                f"本机关于2026年3月3日向您发出补正申请告知书，请您于{format_date_cn(act.window_end)}前补正。"
                f"截至补正期限届满，您未补正且无正当理由。根据{R}第三十条的规定，视为您放弃申请，"
                "本机关不再处理该政府信息公开申请。",
                EITHER,
                CONTACT,
            ]
        ),
        day,
    )


def test_unpaid_fee_letter_paragraph_by_paragraph(app_ctx, w, case):
    _conclude(w, case, outcomes.UNPAID_FEE, "other")
    act = case.clock_actions[0]
    assert paragraphs(app_ctx, w, case, "answer") == framed(
        case,
        "政府信息公开申请不予处理告知书",
        _answer(
            [
                f"本机关于2026年3月4日向您发出收费通知书，请您于{format_date_cn(act.window_end)}前缴纳信息处理费100元。"
                f"截至缴费期限届满，您未缴纳。根据{R}第四十二条、《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
                "的规定，视为您放弃申请，本机关不再处理该政府信息公开申请。",
                EITHER,
                CONTACT,
            ]
        ),
        format_date_cn(act.window_end + timedelta(days=1)),
    )


@pytest.mark.parametrize("code,letter_kind", [(o.code, k) for o in outcomes.OUTCOMES for k in o.letter_kinds])
def test_answer_letter_for_every_outcome_states_its_remedies_and_bodies(app_ctx, w, case, code, letter_kind):
    """Per outcome group: 不予公开 → reconsideration first at 某区人民政府, then 15 days to sue at 某区人民法院;
    部分公开 → split; 无法提供 / 不予处理 / 其他处理 → either route; 予以公开, withdrawal → none. The citation
    appears exactly once."""
    _conclude(w, case, code, letter_kind)
    o = outcomes.outcome(code)
    text, document = generate(app_ctx, w, case, "answer")
    expected = {"withheld": REFUSAL, "partially_disclosed": PARTIAL}.get(o.group, EITHER) if o.states_remedies else ""
    assert remedies.remedies(code, case.answer_date, case.agency.settings).text == expected
    if expected:
        assert expected in text and "某区人民政府" in text and "某区人民法院" in text
    else:
        assert "行政复议" not in text
    basis = o.legal_basis_for(letter_kind)
    if basis:
        assert text.count(basis) == 1
    assert document.paragraphs[0].text == letters.spec(letters.answer_kind(code, letter_kind)).title


def test_a_decision_of_2023_keeps_the_old_remedies(app_ctx, w, agency):
    """A refusal decided on 2023-12-20: either route (the old wording), with the bodies named."""
    agency.settings = dict(SETTINGS)
    db.session.commit()
    req = w.new_case(received_on=date(2023, 12, 1))
    do(
        s.conclude,
        w.office,
        req,
        today=date(2023, 12, 20),
        outcome="withheld.process_info",
        legal_ground="属于正在研究讨论中的过程性信息",
        answer_date=date(2023, 12, 20),
        delivery_method="post",
        delivered_on=date(2023, 12, 20),
    )
    text, _ = generate(app_ctx, w, req, "answer")
    assert EITHER in text and "应当先" not in text


def test_answer_letter_from_the_draft_under_review(app_ctx, w, case):
    do(s.submit_draft, w.staff_a, case, outcome="withheld.third_party", legal_ground="涉及商业秘密")
    assert letters.available_letters(case)[-1].label.endswith("（送审稿）")
    att = letters.generate_letter(w.staff_a, case, "answer", today=date(2026, 3, 10))
    assert "送审稿" in att.original_name
    text = text_of(read(app_ctx, att))
    assert "涉及商业秘密" in text and REFUSAL in text


def test_regenerating_makes_a_new_version_of_the_same_letter(app_ctx, w, case):
    first = letters.generate_letter(w.office, case, "receipt", today=date(2026, 3, 10))
    second = letters.generate_letter(w.office, case, "receipt", today=date(2026, 3, 11))
    rows = db.session.query(Letter).filter_by(request_id=case.id).all()
    assert [(r.key, r.version, r.attachment_id, r.recipient) for r in rows] == [("receipt", 2, second.id, "李四")]
    versions = db.session.query(LetterVersion).filter_by(letter_id=rows[0].id).order_by(LetterVersion.version).all()
    assert [(v.version, v.attachment_id) for v in versions] == [(1, first.id), (2, second.id)]
    assert "第2版" in second.original_name and "第2版" not in first.original_name


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
    assert db.session.query(Attachment).count() == 0 and db.session.query(Letter).count() == 0


def test_no_contact_line_when_no_contact_is_set(app_ctx, w, agency):
    """No empty "（地址：；邮编：）": without settings the contact paragraph is left out."""
    req = w.new_case()
    lines = paragraphs(app_ctx, w, req, "receipt")
    assert not any("联系地址" in line or "：；" in line for line in lines)
    agency.settings = {"phone": "0571-8888888"}
    db.session.commit()
    assert "联系电话：0571-8888888" in paragraphs(app_ctx, w, req, "receipt")


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


def test_a_stored_template_without_the_new_fields_still_states_them(app_ctx, w, case):
    """An agency template saved before outcome details existed still gets the channel sentence and the
    remedies appended: what the law requires cannot be lost by an old template."""
    letters.save_template(
        w.office,
        "answer_not_processed",
        "答复书",
        "{{ applicant }}：\n不予处理（{{ outcome_label }}）。\n{{ remedies }}",
    )
    _conclude(w, case, "not_processed.petition", "not_processed")
    text, _ = generate(app_ctx, w, case, "answer")
    assert DETAIL_SAMPLES["proper_channel"] in text and EITHER in text


@pytest.mark.parametrize(
    "kind,body,message",
    [
        ("receipt", "{{ applicant }}：{{ fee_amount }}", "不能用于"),
        ("receipt", "{{ applicant }}：{{ nonsense }}", "nonsense"),
        ("receipt", "{{ applicant ", "写法有误"),
        ("receipt", "您好：已收到。", "{{ applicant }}"),
        ("consultation", "{{ applicant }}：请回复。", "{{ party }}"),
        ("objection_notice", "{{ applicant }}：决定公开。", "{{ party }}"),
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


def test_letters_address_an_organisation_as_gui_danwei(app_ctx, w, agency):
    """Issue 13: a letter to a person says 您, to an organisation 贵单位 — never 您（单位） — and a letter to a
    consulted third party is not the applicant's to rephrase."""
    agency.settings = dict(SETTINGS)
    db.session.commit()
    org = w.new_case(
        applicant_type="commercial_enterprise", applicant_name="某某建设有限公司", subject="某道路改造工程可研批复"
    )
    text, _ = generate(app_ctx, w, org, "receipt")
    assert "收到贵单位提出的政府信息公开申请" in text and "如需贵单位补正申请" in text
    assert "您" not in text
    person = w.new_case(applicant_name="王五", subject="某道路改造工程可研批复")
    text, _ = generate(app_ctx, w, person, "receipt")
    assert "收到您提出" in text and "您（单位）" not in text and "贵单位" not in text
    # what the applicant wrote is quoted as written, also when it says 您
    quoting = w.new_case(
        applicant_type="commercial_enterprise", applicant_name="某某公司", subject="请告诉您单位的批复"
    )
    text, _ = generate(app_ctx, w, quoting, "receipt")
    assert "“请告诉您单位的批复”" in text and "收到贵单位提出" in text
    assert letters.address_applicant("请您于期限内补正。", "natural_person") == "请您于期限内补正。"
    assert letters.address_applicant("请您（单位）于期限内补正。", "legal_person") == "请贵单位于期限内补正。"


@pytest.mark.parametrize(
    ("code", "letter_kind", "shown", "not_shown"),
    [
        ("partially_disclosed", "partial", "<strong>部分公开</strong>；", "部分公开（"),  # the kind is the outcome
        ("unavailable.not_held", "not_ours", "（答复书：非本机关政府信息）", None),  # a kind of its own is named
    ],
)
def test_the_case_page_names_the_letter_kind_only_where_it_adds_to_the_outcome(
    app_ctx, w, login, code, letter_kind, shown, not_shown
):
    case = w.new_case()
    _conclude(w, case, code, letter_kind)
    page = login(w.office).get(f"/requests/{case.id}").get_data(as_text=True)
    result = page[page.index("<th>办理结果</th>") :][:600]
    assert shown in result, result
    if not_shown:
        assert not_shown not in result, result
