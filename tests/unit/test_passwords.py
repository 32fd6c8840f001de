"""The password policy (tracker/accounts/passwords.py): length, classes, the username, generated ones."""

from hypothesis import given
from hypothesis import strategies as st

from tracker.accounts import passwords


def test_length_classes_and_username_each_refused_with_its_own_message():
    assert passwords.problems("Abcdef-123") == []
    assert passwords.problems("Abc-12") == ["密码至少需要 10 个字符（现有 6 个）。"]
    assert passwords.problems("abcdefgh12") == ["密码须包含大写字母、小写字母、数字、其他符号四类中的至少 3 类。"]
    assert passwords.problems("xx-Zhangsan-1", "zhangsan") == ["密码不能包含用户名。"]
    assert passwords.problems("Abcdef-123\n") == ["密码不能包含控制字符（如换行、制表符）。"]
    assert len(passwords.problems("abc", "abc")) == 3  # every problem at once


def test_three_of_four_classes_in_any_combination():
    for ok in ("ABCDEFGH1-", "abcdefgh1-", "ABCDefgh--", "ABCDefgh12", "中文密码Ab12345"):
        assert passwords.classes_of(ok) >= 3 and passwords.error(ok) is None, ok
    assert passwords.classes_of("中文中文中文中文中文") == 1  # non-ASCII counts as "other"
    assert passwords.error("ABCDEFGHIJ12") is not None


def test_a_one_letter_username_is_not_a_ban_on_that_letter():
    assert passwords.problems("Abcdef-123", "a") == []


@given(st.integers(min_value=10, max_value=40))
def test_generated_passwords_meet_the_policy(length):
    pw = passwords.generate(length)
    assert len(pw) == length and passwords.classes_of(pw) == 4 and passwords.error(pw) is None
