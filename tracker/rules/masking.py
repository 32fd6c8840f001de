"""Personal data of applicants: which fields it is, and how each is shown masked (去标识化展示).

Legal source: 《中华人民共和国个人信息保护法》 (in force 2021-11-01) Art. 28 makes 身份证件号码 (with
financial accounts, whereabouts, biometrics…) *sensitive* personal information, and Art. 51 asks a handler
to take "加密、去标识化等安全技术措施" and to limit who may operate on it (合理确定个人信息处理的操作权限).
GB/T 35273-2020《信息安全技术 个人信息安全规范》 §7.3 (个人信息的展示限制) asks that personal information
shown on screens be shown de-identified (e.g. masked) so that those who do not need it cannot read it.
The patterns below follow the common practice of Chinese government and bank systems:

- 居民身份证号码 and other long numbers (≥ 14 characters, e.g. 统一社会信用代码): the first 6 (the
  region code) and the last 4 kept, ``110105********002X``;
- shorter document numbers (passports, permits, 8–13 characters): the first 2 and the last 2, ``E1*****78``;
  anything shorter: the last character only;
- phone numbers: every number of the field on its own, its first 3 and last 4 digits kept, ``138****8000``,
  a fixed line ``053*-***3456`` (separators kept); a number of fewer than 8 digits keeps its last 2;
- e-mail: the first character of the local part and the domain, ``z***@example.com``;
- postal address: the first 6 characters (province, city, district in most addresses), ``北京市海淀区****``;
- names (only in the event log, see PERSONAL_FIELDS): the first character, ``张*``.

PERSONAL_FIELDS is the one list of the personal-data columns of a disclosure request: masking (lists, the
case page, exports, notifications), anonymisation after the retention period (tracker.personal) and the
event log's record of edits (tracker.audit.changes) all read it from here. The applicant *type* is not in
it: the annual report counts by it, and it says nothing about the person.

Pure Python, no Flask: the date this applies from is the law's, 2021-11-01.
"""

from __future__ import annotations

import re
from datetime import date

APPLIES_FROM = date(2021, 11, 1)  # 个人信息保护法 in force

MASK = "*"

# The personal-data columns of a disclosure request and how each is masked.
PERSONAL_FIELDS: dict[str, str] = {
    "applicant_name": "name",
    "contact_person": "name",
    "id_number": "id",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "postcode": "postcode",
}
# The fields masked wherever they are shown to somebody without personal_data.view (the name is the case's
# title in every list and letter and stays readable there; it is masked in the event log only).
MASKED_ON_SCREEN = ("id_number", "phone", "email", "address")


def mask_id(value: str | None) -> str:
    """An identity or registration number with its middle replaced by ``*`` (see the module docstring)."""
    if not value:
        return ""
    v = str(value)
    n = len(v)
    if n >= 14:
        head, tail = 6, 4
    elif n >= 8:
        head, tail = 2, 2
    else:
        head, tail = 0, 1
    return v[:head] + MASK * (n - head - tail) + v[n - tail :]


_COUNTRY = re.compile(r"^\s*(?:\+86|0086)[\s-]?")


def _mask_one_phone(number: str) -> str:
    country = _COUNTRY.match(number)
    if country:  # +86 / 0086 stays as written; the number after it is masked as a number
        return country.group(0) + _mask_one_phone(number[country.end() :])
    positions = [i for i, c in enumerate(number) if c.isdigit()]
    if len(positions) >= 8:
        keep = set(positions[:3] + positions[-4:])
    else:
        keep = set(positions[-2:])
    return "".join(c if (not c.isdigit() or i in keep) else MASK for i, c in enumerate(number))


def mask_phone(value: str | None) -> str:
    """Each of the (up to three, comma-separated) numbers masked on its own."""
    if not value:
        return ""
    return ",".join(_mask_one_phone(p) for p in str(value).split(","))


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    local, at, domain = str(value).partition("@")
    if not at:
        return mask_text(value, 1)
    return (local[:1] + MASK * 3) + "@" + domain


def mask_text(value: str | None, keep: int) -> str:
    """The first ``keep`` characters and four ``*`` (the length is not told)."""
    if not value:
        return ""
    v = str(value)
    return v[:keep] + MASK * 4 if len(v) > keep else MASK * len(v)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    v = str(value)
    return v[:1] + MASK * max(len(v) - 1, 1)


_MASKERS = {
    "name": mask_name,
    "id": mask_id,
    "phone": mask_phone,
    "email": mask_email,
    "address": lambda v: mask_text(v, 6),
    "postcode": lambda v: mask_text(v, 2),
}


def mask(field: str, value):
    """``value`` of a personal-data field masked; any other field's value unchanged (None stays None)."""
    kind = PERSONAL_FIELDS.get(field)
    if kind is None or value is None or value == "":
        return value
    return _MASKERS[kind](value)


def is_personal(field: str) -> bool:
    return field in PERSONAL_FIELDS


# ----------------------------------------------------------------------------------- retention

# The default retention of applicants' personal data, in years after the case was concluded. 《机关文件
# 材料归档范围和文书档案保管期限规定》 (国家档案局令第8号, 2006) keeps routine case files of an agency for
# 定期10年 (its shorter period; 30 years and permanent are for files of lasting value); a request's file is
# such a routine case file, and PIPL Art. 19 asks that personal data be kept no longer than the purpose
# needs. An agency whose archive table (保管期限表) says otherwise sets PERSONAL_DATA_RETENTION_YEARS.
DEFAULT_RETENTION_YEARS = 10
# Never less than this: the fee calculator and the repeat-request count look back 12 months, and a
# request may be contested (复议 60 days, 诉讼 6 months from knowing of it) — after 2 years both are over.
MIN_RETENTION_YEARS = 2

ANONYMISED_NAME = "（已匿名）"


def retention_cutoff(today: date, years: int) -> date:
    """Cases concluded *before* this day are past the retention period (29 February → 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def retention_error(years) -> str | None:
    """Why ``years`` is not an acceptable retention period (a Chinese message), None when it is."""
    try:
        n = int(years)
    except (TypeError, ValueError):
        return f"个人信息保存期限（PERSONAL_DATA_RETENTION_YEARS）应为整数年，现为“{years}”。"
    if n < MIN_RETENTION_YEARS or n > 100:
        return f"个人信息保存期限应为{MIN_RETENTION_YEARS}至100年，现为{n}年。"
    return None


def anonymised_values(applicant_type_is_person: bool) -> dict:
    """What anonymisation writes into the personal-data fields of one case. A natural person's name is
    replaced; an organisation's name is not personal information (PIPL Art. 4: information of natural
    persons) and stays, but its contact person's name, numbers and addresses go like everybody's."""
    values = {f: None for f in PERSONAL_FIELDS if f != "applicant_name"}
    if applicant_type_is_person:
        values["applicant_name"] = ANONYMISED_NAME
    return values
