"""The phone and postcode format (tracker.rules.contact): what passes, what is refused and how it is said."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules.contact import normalize_phone, normalize_postcode, phone_error, postcode_error
from tracker.rules.intake import intake_date_errors, receipt_date_error


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "13800000000",
        "199 1234 5678",
        "138-0000-0000",
        "+86 13800000000",
        "008613800000000",
        "010-62345678",
        "021 6123 4567",
        "0533-2123456",
        "(0533)2123456",
        "（0533）2123456",
        "0533-2123456-123",
        "0533-2123456转8001",
        "010-62345678分机12",
        "010-62345678 ext.12",
        "010-62345678#12",
        "１３８００００００００",
        "13800000000，0533-2123456",
        "13800000000/13900000000、0533-2123456",
    ],
)
def test_valid_or_blank_phones_pass(text):
    assert phone_error(text) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("abc", "“abc”不是有效的电话号码"),
        ("12345", "应为11位"),
        ("82345678", "缺少区号，请加上区号，例如0533-82345678"),
        ("1380000000", "手机号码应为11位数字，“1380000000”为10位"),
        ("12800000000", "第二位应为3–9"),
        ("010-1234", "固定电话为区号"),
        ("0533-0234567", "固定电话为区号"),  # a local number never starts with 0 or 1
        ("0533-1234567", "固定电话为区号"),
        ("0533-212345689", "固定电话为区号"),
        ("13800000000，abc", "“abc”"),
        ("138\x0000000000", "控制字符"),
        ("13800000000,13900000000,13700000000,13600000000", "最多填写3个号码"),
    ],
)
def test_bad_phones_say_what_is_wrong_in_chinese(text, message):
    err = phone_error(text)
    assert err is not None and message in err, err


def test_phones_are_stored_half_width_with_one_separator():
    assert normalize_phone("  １３８００００００００ ，  ０５３３－２１２３４５６ ") == "13800000000,0533-2123456"
    assert normalize_phone(" ") is None


@pytest.mark.parametrize("text", [None, "", "255000", "010000", "２５５０００"])
def test_postcodes_of_six_digits_or_blank_pass(text):
    assert postcode_error(text) is None


@pytest.mark.parametrize("text", ["25500", "2550000", "abcdef", "255 000", "٢٥٥٠٠٠"])
def test_other_postcodes_are_refused(text):
    assert "邮政编码应为6位数字" in postcode_error(text)


def test_postcode_normalised():
    assert normalize_postcode("２５５０００") == "255000" and normalize_postcode("  ") is None


@given(st.text(max_size=60))
def test_any_text_gets_an_answer_never_an_exception(text):
    for check in (phone_error, postcode_error):
        err = check(text)
        assert err is None or isinstance(err, str)


TODAY = date(2026, 3, 10)


def test_each_date_error_under_its_own_field():
    future = TODAY + timedelta(days=1)
    assert set(intake_date_errors(future, TODAY, TODAY)) == {"sent"}
    assert set(intake_date_errors(None, future, TODAY)) == {"received"}
    assert set(intake_date_errors(future, future, TODAY)) == {"sent", "received"}
    assert set(intake_date_errors(TODAY, TODAY - timedelta(days=1), TODAY)) == {"received"}
    assert intake_date_errors(TODAY - timedelta(days=1), TODAY, TODAY) == {}
    # the one-message form for row-based callers keeps saying the first problem
    assert receipt_date_error(future, TODAY, TODAY).startswith("申请人提交（寄出）日期")
