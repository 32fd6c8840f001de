from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules import intake
from tracker.rules.intake import (
    CHANNELS,
    OBTAIN_WAYS,
    PROVISION_FORMS,
    channel_rules,
    receipt_date_error,
)

TODAY = date(2026, 3, 2)


def test_channels():
    assert [(c.id, c.label) for c in CHANNELS] == [
        ("in_person", "当面"),
        ("post", "邮寄"),
        ("letter", "平信"),
        ("online", "网络平台"),
        ("email", "电子邮件"),
        ("fax", "传真"),
        ("other", "其他"),
    ]
    assert intake.channel_ids() == ("in_person", "post", "letter", "online", "email", "fax", "other")
    assert intake.channel("fax").label == "传真"
    with pytest.raises(KeyError, match="未知的申请渠道"):
        intake.channel("pigeon")


def test_receipt_rules_per_channel():
    rules = channel_rules()
    assert list(rules) == list(intake.channel_ids())
    assert "提交之日" in rules["in_person"] and "第（一）项" in rules["in_person"]
    assert "签收之日" in rules["post"] and "第（二）项" in rules["post"]
    assert "确认之日" in rules["letter"] and "第（二）项" in rules["letter"]
    assert "双方确认之日" in rules["online"] and "第（三）项" in rules["online"]
    assert "双方确认之日" in rules["fax"] and "第（三）项" in rules["fax"]
    assert "邮箱收到申请之日" in rules["email"]
    assert all(rule.endswith("。") for rule in rules.values())


def test_provision_and_obtain_vocabularies():
    assert PROVISION_FORMS == {"paper": "纸质", "electronic": "电子"}
    assert OBTAIN_WAYS == {"post": "邮寄", "email": "电子邮件", "pickup": "自行领取", "online": "网络平台"}
    assert intake.provision_form_ids() == ("paper", "electronic")
    assert intake.obtain_way_ids() == ("post", "email", "pickup", "online")


def test_valid_receipt_dates():
    assert receipt_date_error(None, TODAY, TODAY) is None
    assert receipt_date_error(TODAY, TODAY, TODAY) is None
    assert receipt_date_error(date(2026, 2, 25), date(2026, 2, 28), TODAY) is None


def test_receipt_date_required():
    assert receipt_date_error(None, None, TODAY).startswith("请填写收到申请之日：")
    message = receipt_date_error(TODAY, None, TODAY, channel_id="post")
    assert message == "请填写收到申请之日：" + channel_rules()["post"]


def test_receipt_date_not_in_the_future():
    assert receipt_date_error(None, TODAY + timedelta(days=1), TODAY) == (
        "收到申请之日2026年3月3日晚于今天（2026年3月2日），不能是将来的日期，请核对"
    )


def test_receipt_date_not_before_sent():
    assert receipt_date_error(date(2026, 2, 27), date(2026, 2, 26), TODAY) == (
        "收到申请之日2026年2月26日早于申请人提交（寄出）日期2026年2月27日，收到日期不能早于提交日期，请核对这两个日期"
    )


def test_sent_date_not_in_the_future():
    message = receipt_date_error(date(2026, 3, 5), date(2026, 3, 1), TODAY)
    assert message.startswith("申请人提交（寄出）日期2026年3月5日晚于今天")


def test_datetimes_are_refused_as_a_programming_error():
    with pytest.raises(TypeError):
        receipt_date_error(None, datetime(2026, 3, 1, tzinfo=UTC), TODAY)
    with pytest.raises(TypeError):
        receipt_date_error("2026-03-01", TODAY, TODAY)


@given(
    sent=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)),
    received=st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)),
)
def test_property_error_iff_rule_broken(sent, received):
    broken = received > TODAY or (sent is not None and (sent > TODAY or received < sent))
    assert (receipt_date_error(sent, received, TODAY) is not None) == broken
