"""The one id limit (tracker.types.MAX_ID) and the checks built on it."""

from tracker.types import MAX_ID, is_id, to_id


def test_ids_within_the_integer_column_only():
    assert is_id(1) and is_id(MAX_ID)
    assert not any(is_id(v) for v in (0, -1, MAX_ID + 1, True, "1", None, 1.0))


def test_form_values_become_ids_or_none():
    assert to_id("42") == 42 and to_id(" 7 ") == 7 and to_id(9) == 9
    for bad in ("", "abc", "-1", "0", "1.5", "４２", str(MAX_ID + 1), "9" * 5000, None, [], 2**40):
        assert to_id(bad) is None, bad


def test_local_path_never_leaves_the_site():
    from tracker.lists import local_path

    assert local_path("/requests/?due=overdue") == "/requests/?due=overdue"
    for bad in ("//evil.example/", "https://evil.example/", "/\\\\evil.example", "requests", "", None, 7):
        assert local_path(bad) is None, bad
