import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules import outcomes as oc
from tracker.rules.outcomes import (
    GROUPS,
    LETTER_KINDS,
    NO_CORRECTION,
    OUTCOMES,
    UNPAID_FEE,
    WITHDRAWN,
    is_valid,
    label_to_code,
    outcome,
)

# Copied from report-format.md (table 三), not from the module under test.
EXPECTED = [
    ("disclosed", "（一）予以公开"),
    ("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("withheld.state_secret", "1.属于国家秘密"),
    ("withheld.law_prohibited", "2.其他法律行政法规禁止公开"),
    ("withheld.three_safety_one_stability", "3.危及“三安全一稳定”"),
    ("withheld.third_party", "4.保护第三方合法权益"),
    ("withheld.internal_affairs", "5.属于三类内部事务信息"),
    ("withheld.process_info", "6.属于四类过程性信息"),
    ("withheld.enforcement_file", "7.属于行政执法案卷"),
    ("withheld.query_matter", "8.属于行政查询事项"),
    ("unavailable.not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable.needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable.unclear_after_correction", "3.补正后申请内容仍不明确"),
    ("not_processed.petition", "1.信访举报投诉类申请"),
    ("not_processed.repeat", "2.重复申请"),
    ("not_processed.publication", "3.要求提供公开出版物"),
    ("not_processed.excessive", "4.无正当理由大量反复申请"),
    ("not_processed.confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息"),
    ("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", "3.其他"),
]
EXPECTED_GROUPS = {
    "disclosed": "（一）予以公开",
    "partially_disclosed": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}


def test_twenty_one_unique_codes_in_official_order():
    # report-format.md says "22 result rows", but its own table (and the official form, and the 2023
    # report) has 1 + 1 + 8 + 3 + 5 + 3 = 21; with new, carried_in, total and carried_out that makes the
    # 25 data rows it also states. The table is authoritative.
    codes = [o.code for o in OUTCOMES]
    assert len(EXPECTED) == 21
    assert codes == [c for c, _ in EXPECTED]
    assert len(set(codes)) == len(codes)
    assert oc.CODES == tuple(codes)


def test_official_labels_word_for_word():
    for o, (code, official) in zip(OUTCOMES, EXPECTED, strict=True):
        assert o.code == code
        assert o.official_label == official
        # label = the official label without its numbering
        numbering = official[: official.index(o.label)]
        assert numbering in ("", "1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "（一）", "（二）")
        assert numbering + o.label == official


def test_groups():
    assert [g.id for g in GROUPS] == list(EXPECTED_GROUPS)
    for o in OUTCOMES:
        assert o.group_label == EXPECTED_GROUPS[o.group]
        assert o.code.split(".")[0] == o.group
    assert [len(oc.outcomes_in_group(g)) for g in EXPECTED_GROUPS] == [1, 1, 8, 3, 5, 3]


def test_fixed_codes():
    assert WITHDRAWN == "other.other"
    assert NO_CORRECTION == "other.no_correction"
    assert UNPAID_FEE == "other.unpaid_fee"
    assert all(is_valid(c) for c in (WITHDRAWN, NO_CORRECTION, UNPAID_FEE))


def test_outcome_lookup_and_validity():
    assert outcome("withheld.third_party").label == "保护第三方合法权益"
    with pytest.raises(KeyError, match="未知的办理结果代码"):
        outcome("withheld.nope")
    assert is_valid("disclosed")
    assert not is_valid("withheld")
    assert not is_valid("")
    assert not is_valid(None)
    assert not is_valid("Disclosed")


@pytest.mark.parametrize("code", [c for c, _ in EXPECTED])
def test_every_code_round_trips(code):
    o = outcome(code)
    for form in (o.code, o.label, o.official_label, o.short_label, *o.aliases):
        assert label_to_code(form) == code, form


@pytest.mark.parametrize(
    "text, code",
    [
        ("予以公开", "disclosed"),
        ("部分公开", "partially_disclosed"),
        ("保护第三方合法权益", "withheld.third_party"),
        ("本机关不掌握相关政府信息", "unavailable.not_held"),
        ("信息不存在", "unavailable.not_held"),
        ("非本机关政府信息", "unavailable.not_held"),
        ("重复申请", "not_processed.repeat"),
        ("其他", "other.other"),
        ("撤回", "other.other"),
        ("申请人撤回", "other.other"),
        ("已主动公开", "disclosed"),
        ("逾期不补正", "other.no_correction"),
        ("逾期未缴费", "other.unpaid_fee"),
        # spellings seen in ledgers and exports of the official table
        (" 2、重复申请 ", "not_processed.repeat"),
        ("（1）重复申请", "not_processed.repeat"),
        ('３．危及"三安全一稳定"', "withheld.three_safety_one_stability"),
        ("危及三安全一稳定", "withheld.three_safety_one_stability"),
        ("5.要求行政机关确认或重新\n出具已获取信息", "not_processed.confirm_or_reissue"),
        ("(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "partially_disclosed"),
        ("（三）不予公开 1.属于国家秘密", "withheld.state_secret"),
        ("不予公开—属于国家秘密", "withheld.state_secret"),
        ("不予处理：重复申请", "not_processed.repeat"),
        ("（六）其他处理\n3.其他", "other.other"),
    ],
)
def test_label_to_code_short_forms(text, code):
    assert label_to_code(text) == code


@pytest.mark.parametrize(
    "text", [None, "", "   ", "不予公开", "无法提供", "不予处理", "xyz", "1.", "不予公开—重复申请"]
)
def test_label_to_code_unknown_or_ambiguous(text):
    assert label_to_code(text) is None


def test_legal_ground_and_agency_flags():
    grounds = {o.code for o in OUTCOMES if o.needs_legal_ground}
    assert "disclosed" not in grounds and "other.other" not in grounds
    assert "partially_disclosed" in grounds
    assert {o.code for o in OUTCOMES if o.group in ("withheld", "unavailable", "not_processed")} <= grounds
    assert [o.code for o in OUTCOMES if o.names_responsible_agency] == ["unavailable.not_held"]


def test_letter_kinds():
    assert set(LETTER_KINDS.values()) >= {
        "予以公开",
        "部分公开",
        "不予公开",
        "信息不存在",
        "非本机关政府信息",
        "不予处理",
        "已主动公开",
    }
    for o in OUTCOMES:
        assert o.letter_kinds and all(k in LETTER_KINDS for k in o.letter_kinds)
    assert outcome("disclosed").letter_kinds == ("disclose", "already_public")
    assert outcome("unavailable.not_held").letter_kinds == ("not_exist", "not_ours")
    assert all(outcome(c).letter_kind == "withhold" for c, _ in EXPECTED if c.startswith("withheld."))
    assert all(outcome(c).letter_kind == "not_processed" for c, _ in EXPECTED if c.startswith("not_processed."))


def test_legal_bases_cite_the_right_articles():
    reg = "《中华人民共和国政府信息公开条例》"
    for code in ("withheld.state_secret", "withheld.law_prohibited", "withheld.three_safety_one_stability"):
        assert outcome(code).legal_basis.startswith(reg + "第十四条")
    assert "第十五条" in outcome("withheld.third_party").legal_basis
    assert "第十六条第一款" in outcome("withheld.internal_affairs").legal_basis
    assert "第十六条第二款" in outcome("withheld.process_info").legal_basis
    assert "第十六条第二款" in outcome("withheld.enforcement_file").legal_basis
    assert "第三十六条第（七）项" in outcome("withheld.query_matter").legal_basis
    assert "第三十六条第（六）项" in outcome("not_processed.repeat").legal_basis
    assert "第三十九条第一款" in outcome("not_processed.petition").legal_basis
    assert "第三十九条第二款" in outcome("not_processed.publication").legal_basis
    assert "第三十五条" in outcome("not_processed.excessive").legal_basis
    assert "第三十八条" in outcome("unavailable.needs_creation").legal_basis
    assert "第三十条" in outcome("other.no_correction").legal_basis
    assert "第四十二条" in outcome("other.unpaid_fee").legal_basis
    assert "109号" in outcome("other.unpaid_fee").legal_basis
    assert outcome("not_processed.confirm_or_reissue").legal_basis is None
    assert outcome("other.other").legal_basis is None


def test_legal_basis_depends_on_letter_kind():
    not_held = outcome("unavailable.not_held")
    assert not_held.legal_basis_for().endswith("第三十六条第（四）项")
    assert not_held.legal_basis_for("not_ours").endswith("第三十六条第（五）项")
    assert outcome("disclosed").legal_basis_for("already_public").endswith("第三十六条第（一）项")
    assert outcome("disclosed").legal_basis_for().endswith("第三十六条第（二）项")
    with pytest.raises(ValueError, match="不能使用“不予公开”告知书"):
        outcome("disclosed").legal_basis_for("withhold")


def test_remedies():
    no_remedies = [o.code for o in OUTCOMES if not o.states_remedies]
    assert no_remedies == ["disclosed", "other.other"]


def test_detail_fields_of_art39_and_art36_7():
    """Art. 39 answers name the proper channel, Art. 36(7) answers the procedure; no other outcome has fields."""
    assert [f.id for f in oc.detail_fields("not_processed.petition")] == ["proper_channel"]
    assert [f.id for f in oc.detail_fields("withheld.query_matter")] == ["procedure"]
    assert all(oc.detail_fields(o.code) == () for o in OUTCOMES if o.code not in oc.OUTCOME_DETAILS)
    assert set(oc.OUTCOME_DETAILS) <= set(oc.CODES)
    assert "{value}" in oc.detail_fields("withheld.query_matter")[0].sentence


def test_choices():
    assert [c for c, _ in oc.choices()] == [c for c, _ in EXPECTED]
    grouped = oc.grouped_choices()
    assert [g for g, _ in grouped] == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"]
    assert sum(len(items) for _, items in grouped) == 21


@given(st.text(max_size=60))
def test_label_to_code_never_raises(text):
    code = label_to_code(text)
    assert code is None or is_valid(code)
