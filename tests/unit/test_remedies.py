"""The remedies sentence of an answer letter (tracker.rules.remedies): route, bodies and time limits by the
outcome and the decision date."""

from datetime import date

import pytest

from tracker.rules import remedies as rm
from tracker.rules.outcomes import OUTCOMES, outcome

D = date
SETTINGS = {"reconsideration_body": "某区人民政府", "court": "某区人民法院"}


def test_refusal_since_2024_goes_to_reconsideration_first():
    """不予公开（国家秘密）decided 2024-03-01 with the body 某区人民政府 and the court 某区人民法院:
    行政复议法 (2023) Art. 23(1)(4) makes reconsideration compulsory (60 days, Art. 20), then 15 days after the
    reconsideration decision to sue (行政诉讼法 Art. 45)."""
    r = rm.remedies("withheld.state_secret", D(2024, 3, 1), SETTINGS)
    assert r.route == rm.REFUSAL_FIRST
    assert r.text == (
        "如对本答复不服，应当先自收到本答复之日起60日内向某区人民政府申请行政复议；"
        "对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向某区人民法院提起行政诉讼。"
    )
    assert "第二十三条" in r.source


def test_the_same_refusal_decided_in_2023_keeps_either_route():
    """Decided 2023-12-29, before the revised law took effect: reconsideration within 60 days or a lawsuit
    within 6 months (行政诉讼法 2014, Art. 46)."""
    r = rm.remedies("withheld.state_secret", D(2023, 12, 29), SETTINGS)
    assert r.route == rm.EITHER
    assert r.text == (
        "如对本答复不服，可以自收到本答复之日起60日内向某区人民政府申请行政复议，"
        "或者自收到本答复之日起6个月内依法向某区人民法院提起行政诉讼。"
    )


def test_pre_2024_wording_without_bodies_is_the_old_sentence():
    """No bodies set, decided 2023-06-01: exactly the sentence letters carried before 2024."""
    assert rm.remedies("unavailable.not_held", D(2023, 6, 1)).text == (
        "如对本答复不服，可以自收到本答复之日起60日内依法申请行政复议，"
        "或者自收到本答复之日起6个月内依法向人民法院提起行政诉讼。"
    )


def test_before_may_2015_the_lawsuit_limit_was_three_months():
    """Decided 2015-04-30 under the 1989 行政诉讼法 (Art. 39): 3 months; 2015-05-01: 6 months."""
    assert "3个月内" in rm.remedies("not_processed.repeat", D(2015, 4, 30)).text
    assert "6个月内" in rm.remedies("not_processed.repeat", D(2015, 5, 1)).text


def test_partial_disclosure_since_2024_splits_the_refused_part():
    """部分公开 decided 2024-01-02: the refused part must go to reconsideration first, the rest of the answer
    may be challenged by either route."""
    r = rm.remedies("partially_disclosed", D(2024, 1, 2), SETTINGS)
    assert r.route == rm.PARTIAL
    assert r.text == (
        "如对本答复中不予公开的部分不服，应当先自收到本答复之日起60日内向某区人民政府申请行政复议，"
        "对行政复议决定不服的，可以自收到行政复议决定书之日起15日内依法向某区人民法院提起行政诉讼；"
        "对本答复的其他内容不服的，可以自收到本答复之日起60日内向某区人民政府申请行政复议，"
        "或者自收到本答复之日起6个月内依法向某区人民法院提起行政诉讼。"
    )


@pytest.mark.parametrize("group", ["unavailable", "not_processed", "other"])
def test_other_refusals_keep_either_route_after_2024(group):
    """无法提供 / 不予处理 / 逾期不补正 (not 不予公开) decided 2025-06-01: either route."""
    for o in OUTCOMES:
        if o.group == group and o.states_remedies:
            assert rm.route_for(o.code, D(2025, 6, 1)) == rm.EITHER, o.code


def test_every_refusal_row_is_reconsideration_first_since_2024():
    """All eight rows of （三）不予公开, 行政查询事项 included (the product's reading), from 2024-01-01."""
    for o in OUTCOMES:
        if o.group == "withheld":
            assert rm.route_for(o.code, D(2024, 1, 1)) == rm.REFUSAL_FIRST, o.code
            assert rm.route_for(o.code, D(2023, 12, 31)) == rm.EITHER, o.code


def test_no_remedies_for_disclosure_and_withdrawal():
    for code in ("disclosed", "other.other"):
        r = rm.remedies(code, D(2025, 1, 1), SETTINGS)
        assert r.route == rm.NONE and r.text == "" and not outcome(code).states_remedies


def test_blank_settings_fall_back_to_unnamed_bodies():
    r = rm.remedies("withheld.process_info", D(2025, 1, 1), {"reconsideration_body": "  ", "court": None})
    assert "依法申请行政复议" in r.text and "向人民法院提起行政诉讼" in r.text


def test_unknown_code_is_refused():
    with pytest.raises(KeyError):
        rm.remedies("no.such.code", D(2025, 1, 1))


def test_docs_quote_the_rule_and_list_every_dated_version():
    """docs/legal-sources.md quotes the sentences the rule produces (not a copy that could drift) and names
    the date every version of every dated rule applies from."""
    from pathlib import Path

    from tracker.rules import deadlines, fees

    doc = (Path(__file__).resolve().parents[2] / "docs" / "legal-sources.md").read_text(encoding="utf-8")
    for code, day in (
        ("withheld.state_secret", D(2024, 3, 1)),
        ("unavailable.not_held", D(2023, 6, 1)),
        ("partially_disclosed", D(2024, 3, 1)),
    ):
        assert rm.remedies(code, day, SETTINGS).text in doc, code
    assert rm.remedies("unavailable.not_held", D(2023, 6, 1)).text in doc
    for table in (deadlines.ANSWER_PERIODS, deadlines.EXTENSION_LIMITS, fees.SCHEDULES, rm.LAWS):
        for version in table.versions:
            if version.since.year > 2000:
                assert version.since.isoformat() in doc, (table.name, version.since)
