"""The masking rule (tracker.rules.masking): patterns, every personal field, retention arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.rules import masking


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),  # 居民身份证: first 6, last 4
        ("91350100M000100Y43", "913501********0Y43"),  # 统一社会信用代码, 18 characters
        ("E12345678", "E1*****78"),  # passport
        ("H1234567", "H1****67"),  # permit, 8 characters
        ("A12345", "*****5"),
        ("", ""),
    ],
)
def test_identity_numbers(value, masked):
    assert masking.mask_id(value) == masked
    assert masking.mask("id_number", value or None) == (masked or None)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812348000", "138****8000"),
        ("+8613812348000", "+86138****8000"),  # the country code stays as written
        ("0533-2123456", "053*-***3456"),
        ("13800000000,0533-2123456", "138****0000,053*-***3456"),  # each number on its own
        ("1234567", "*****67"),
    ],
)
def test_phone_numbers(value, masked):
    assert masking.mask_phone(value) == masked


def test_other_fields():
    assert masking.mask("email", "zhangsan@example.com") == "z***@example.com"
    assert masking.mask("address", "北京市海淀区中关村大街1号") == "北京市海淀区****"
    assert masking.mask("applicant_name", "张三") == "张*"
    assert masking.mask("contact_person", "欧阳修") == "欧**"
    assert masking.mask("subject", "不是个人信息") == "不是个人信息"  # other fields pass unchanged
    assert masking.mask("phone", None) is None


def test_the_applicant_type_is_not_personal_data():
    """The annual report counts by it (table 三's columns)."""
    assert not masking.is_personal("applicant_type")
    assert set(masking.MASKED_ON_SCREEN) <= set(masking.PERSONAL_FIELDS)


@given(st.text(alphabet="0123456789X", min_size=14, max_size=50))
def test_a_long_number_never_shows_its_middle(value):
    out = masking.mask_id(value)
    assert len(out) == len(value)
    assert out[:6] == value[:6] and out[-4:] == value[-4:]
    assert set(out[6:-4]) <= {"*"}


@given(st.text(alphabet="0123456789-", min_size=1, max_size=20).filter(lambda v: not v.startswith("0086")))
def test_a_phone_number_keeps_at_most_seven_digits(value):
    """(A leading 0086 is the country code, kept as written in addition.)"""
    out = masking.mask_phone(value)
    assert len(out) == len(value)
    assert sum(c.isdigit() for c in out) <= 7


def test_retention_cutoff_and_limits():
    assert masking.retention_cutoff(date(2026, 12, 1), 10) == date(2016, 12, 1)
    assert masking.retention_cutoff(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert masking.retention_error(10) is None
    assert masking.retention_error("10") is None
    assert "整数" in masking.retention_error("ten")
    assert "2至100年" in masking.retention_error(1)
    assert masking.DEFAULT_RETENTION_YEARS >= masking.MIN_RETENTION_YEARS


def test_anonymised_values_keep_an_organisations_name_only():
    person = masking.anonymised_values(True)
    org = masking.anonymised_values(False)
    assert person["applicant_name"] == masking.ANONYMISED_NAME
    assert "applicant_name" not in org
    for values in (person, org):
        assert all(values[f] is None for f in masking.PERSONAL_FIELDS if f != "applicant_name")
