"""Contact details (联系电话, 邮政编码): the one check of their format, for every place that records them.

Format notes (a format, not a legal rule; nothing here changes with a date):

- Mobile numbers (手机号码): 11 digits beginning with 1, the second digit 3–9 (the 13x–19x segments of
  the national numbering plan, 《电信网编号计划》, 工业和信息化部). ``+86`` or ``0086`` may stand before it.
- Fixed lines (固定电话): the long-distance prefix 0, an area code (长途区号) of 2 or 3 more digits (010,
  021, 0533 …) and a local number (本地号码) of 7 or 8 digits beginning with 2–9; area code and local
  number together at most 11 digits. An extension (分机) of 1–6 digits may follow: ``-123``, ``转123``,
  ``分机123``, ``ext.123``, ``#123``. A number without its area code is refused: the office calls and
  writes from its own city, the applicant may live in another.
- Spaces, hyphens and brackets between the groups are accepted, as are full-width characters typed with a
  Chinese input method (stored in half width, NFKC). Up to three numbers separated by ，、/；.
- Postcodes (邮政编码): 6 digits.
- Blank is always accepted: neither is required by 《政府信息公开条例》 Art. 29, which asks for 联系方式
  in general (an address or an e-mail address will do).

Callers: tracker.disclosure.intake (registration and the correction of registration data) and
tracker.accounts.services.contact_errors (the agency's own contact details, admin → 机关信息). The ledger
import has no phone or postcode column yet; when it gains one it uses these functions.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NUMBERS = 3

_SEPARATORS = re.compile(r"[,、/;]")
_GROUPING = re.compile(r"[\s\-()]")
_COUNTRY = re.compile(r"^(?:\+86|0086)")
_EXTENSION = re.compile(r"(?:-|转|分机|ext\.?|#)(\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_FIXED = re.compile(r"0(\d{2,3})([2-9]\d{6,7})")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_AREA_APART = re.compile(r"^\(?(0\d{2,3})(?:\)\s*|-|\s+)(.+)$")

PHONE_EXAMPLES = "11位手机号码（如13800000000），或带区号的固定电话（如0533-2123456，分机接在后面：0533-2123456-123）"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def normalize_phone(text: str | None) -> str | None:
    """The number(s) as stored: half width, outer spaces removed, separators as one ``,``; None if blank."""
    if text is None or not _nfkc(text):
        return None
    parts = [re.sub(r"\s+", " ", p.strip()) for p in _SEPARATORS.split(_nfkc(text))]
    return ",".join(p for p in parts if p)


def _one_phone_error(number: str) -> str | None:
    core = number
    m = _EXTENSION.search(core)
    if m and not _MOBILE.fullmatch(_GROUPING.sub("", core)):
        core = core[: m.start()]
    digits = _COUNTRY.sub("", _GROUPING.sub("", core))
    if not _ASCII_DIGITS.fullmatch(digits or "x"):
        return f"“{number}”不是有效的电话号码：请填写{PHONE_EXAMPLES}。"
    if digits.startswith("1"):
        if len(digits) != 11:
            return f"手机号码应为11位数字，“{number}”为{len(digits)}位，请核对。"
        if not _MOBILE.fullmatch(digits):
            return f"“{number}”不是有效的手机号码（第二位应为3–9），请核对。"
        return None
    if digits.startswith("0"):
        # where the area code was written apart ("0533-…", "(0533)…"), it ends there
        apart = _AREA_APART.match(_COUNTRY.sub("", core.strip()))
        if apart:
            local = _GROUPING.sub("", apart.group(2))
            f = _FIXED.fullmatch(apart.group(1) + local) if _LOCAL.fullmatch(local) else None
        else:
            f = _FIXED.fullmatch(digits)
        if f is None or len(f.group(1)) + len(f.group(2)) > 11:
            return f"“{number}”不是有效的电话号码：固定电话为区号（如010、0533）加7或8位号码（首位为2–9），请核对。"
        return None
    if 7 <= len(digits) <= 8:
        return f"固定电话“{number}”缺少区号，请加上区号，例如0533-{digits}。"
    return f"“{number}”不是有效的电话号码：请填写{PHONE_EXAMPLES}。"


def phone_error(text: str | None) -> str | None:
    """Why ``text`` is not one to three valid phone numbers (a Chinese message), None when it is or is blank."""
    normal = normalize_phone(text)
    if normal is None:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in normal):
        return f"联系电话含有不可见的控制字符，不是有效的电话号码，请重新输入{PHONE_EXAMPLES}。"
    numbers = normal.split(",")
    if len(numbers) > MAX_NUMBERS:
        return f"联系电话最多填写{MAX_NUMBERS}个号码（现为{len(numbers)}个），请保留最常用的。"
    for number in numbers:
        if err := _one_phone_error(number):
            return err
    return None


def normalize_postcode(text: str | None) -> str | None:
    if text is None or not _nfkc(text):
        return None
    return _nfkc(text)


def postcode_error(text: str | None) -> str | None:
    """Why ``text`` is not a postcode (6 digits), None when it is one or is blank."""
    code = normalize_postcode(text)
    if code is None or re.fullmatch(r"[0-9]{6}", code):
        return None
    return f"邮政编码应为6位数字（如255000），“{code}”不是；不清楚的可不填。"
