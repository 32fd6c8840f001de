"""Identity numbers of applicants: document types and the checksums of GB 11643 and GB 32100.

Every function returns a Chinese message saying what is wrong and how to fix it, or None when the
number is acceptable; nothing here raises on bad input, because bad input is the normal case for a form.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from tracker.rules.clock import today_cn

# Document types an applicant may present. "none" exists so that people and organisations without a
# number (foreign nationals without a passport to hand, unregistered groups) can still be registered.
ID_TYPES: dict[str, str] = {
    "resident_id": "居民身份证",
    "uscc": "统一社会信用代码",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent_resident": "外国人永久居留身份证",
    "other": "其他",
    "none": "无",
}

# Types whose number is free text: their formats changed over the years (old and new permits coexist),
# so a format check would reject genuine documents.
FREE_TEXT_MAX_LENGTH = 50
_NUMBER_OPTIONAL = frozenset({"other", "none"})

# GB 11643-1999: weights 2^(17-i) mod 11 for positions 1..17, check character indexed by sum mod 11.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1800, 1, 1)  # catches typos in the year without rejecting the standard's own example

# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def normalize_id(value: str | None) -> str:
    """The canonical form of an identity number: full-width characters folded, spaces removed, upper case.

    Applicants often type full-width digits or a lowercase x, and copy numbers with spaces in them.
    """
    if value is None:
        return ""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("需要17位数字")
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError("需要17位统一社会信用代码字符")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _birth_date_error(digits: str, positions: str, today: date) -> str | None:
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return f"身份证号码{positions}的出生日期“{digits}”不是真实存在的日期，请核对号码"
    if born > today:
        return f"身份证号码{positions}的出生日期“{digits}”晚于今天，请核对号码"
    if born < _EARLIEST_BIRTH:
        return f"身份证号码{positions}的出生日期“{digits}”早于1800年，请核对号码"
    return None


def _first_non_digit(text: str) -> int | None:
    for i, c in enumerate(text):
        if not ("0" <= c <= "9"):
            return i
    return None


def resident_id_error(value: str | None, today: date | None = None) -> str | None:
    """Why `value` is not a valid resident identity number (GB 11643), or None if it is.

    18-character numbers: 17 digits, the birth date in positions 7–14, and the check character.
    15-digit legacy numbers (issued before 1999) carry a birth date 19YYMMDD in positions 7–12 and no
    check character.
    """
    number = normalize_id(value)
    today = today or today_cn()
    if not number:
        return "请填写居民身份证号码"
    if len(number) == 15:
        bad = _first_non_digit(number)
        if bad is not None:
            return f"15位旧身份证号码应全部为数字，第{bad + 1}位“{number[bad]}”不是数字，请核对号码"
        return _birth_date_error("19" + number[6:12], "第7—12位", today)
    if len(number) != 18:
        return f"居民身份证号码应为18位（旧号码为15位），现在是{len(number)}位，请核对号码"
    bad = _first_non_digit(number[:17])
    if bad is not None:
        return f"身份证号码前17位应全部为数字，第{bad + 1}位“{number[bad]}”不是数字，请核对号码"
    last = number[17]
    if last not in RESIDENT_ID_CHECK_CHARS:
        return f"身份证号码第18位应为数字或X，现在是“{last}”，请核对号码"
    date_error = _birth_date_error(number[6:14], "第7—14位", today)
    if date_error:
        return date_error
    expected = resident_id_check_char(number[:17])
    if last != expected:
        return f"身份证号码校验位不正确：第18位应为{expected}，请核对号码"
    return None


def uscc_error(value: str | None) -> str | None:
    """Why `value` is not a valid unified social credit code (GB 32100), or None if it is."""
    code = normalize_id(value)
    if not code:
        return "请填写统一社会信用代码"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现在是{len(code)}位，请核对代码"
    for i, c in enumerate(code):
        if c not in USCC_ALPHABET:
            return (
                f"统一社会信用代码第{i + 1}位“{c}”不是有效字符：只能是数字或除I、O、Z、S、V以外的大写字母，请核对代码"
            )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位不正确：第18位应为{expected}，请核对代码"
    return None


def id_number_error(id_type: str, value: str | None, *, today: date | None = None) -> str | None:
    """Why `value` is not acceptable as a number of document type `id_type`, or None.

    Resident IDs and credit codes are checked by their standards; the other types are free text up to
    50 characters, required except for "other" and "none".
    """
    if id_type not in ID_TYPES:
        return "证件类型无效，请从列表中选择证件类型"
    if id_type == "resident_id":
        if not normalize_id(value):
            return "已选择“居民身份证”，请填写号码；没有证件号码的，请将证件类型选为“无”"
        return resident_id_error(value, today)
    if id_type == "uscc":
        if not normalize_id(value):
            return "已选择“统一社会信用代码”，请填写代码；没有代码的，请将证件类型选为“无”"
        return uscc_error(value)
    number = normalize_id(value)
    label = ID_TYPES[id_type]
    if not number and id_type not in _NUMBER_OPTIONAL:
        return f"已选择“{label}”，请填写证件号码；没有证件号码的，请将证件类型选为“无”"
    if len(number) > FREE_TEXT_MAX_LENGTH:
        return f"证件号码最多{FREE_TEXT_MAX_LENGTH}个字符，现在是{len(number)}个，请核对"
    return None
