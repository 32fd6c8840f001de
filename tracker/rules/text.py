"""What text the product accepts and how it writes text out: the one rule for input and for output.

Input. A person types letters, digits, punctuation and, in a multi-line field, tabs and line breaks. The
other control characters (NUL, U+0001–U+001F, DEL, the C1 controls U+0080–U+009F), lone surrogates
(what a command line makes of bytes that are not UTF-8) and the non-characters U+FFFE/U+FFFF are never
text: PostgreSQL refuses NUL in a string (a 500 before this rule), XML 1.0 — and so every .docx and .xlsx —
cannot hold most of them, and they are invisible on the page. They are refused, never silently dropped, so
that what is stored is what the person sees. Every form field, query parameter, import cell and command
argument is checked here (tracker.forms, tracker.web, tracker.ledger.parse, tracker.cli).

Output. Text already stored (before this rule, or by a future path) must never make a letter, a report or
an export fail: ``xml_safe`` replaces what XML cannot hold. A spreadsheet cell whose text begins with
``= + - @`` (or a tab or CR, which some programs skip before such a sign) is a formula to Excel and WPS —
``=HYPERLINK(...)`` in a proposal title would be a live link in every exported copy (OWASP "CSV
injection"). ``cell_text`` makes it plain text by a leading apostrophe, the convention both programs show
as text; every .xlsx/.csv writer of the product passes its text cells through it.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re

# Every character that is never text. \t \n \r are allowed only where a field has several lines.
_NEVER = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_ILLEGAL_MULTILINE = re.compile(f"[{_NEVER}]")
_ILLEGAL_ONE_LINE = re.compile(f"[{_NEVER}\t\n\r]")
# What XML 1.0 cannot hold (tab, LF and CR it can); also the C1 controls, which Word shows as boxes.
_NOT_XML = re.compile(f"[{_NEVER}]")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NAMES = {"\x00": "NUL", "\t": "制表符", "\n": "换行", "\r": "回车", "\x0b": "垂直制表符", "\x0c": "换页符"}


def _name(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    if ch in _NAMES:
        return f"{_NAMES[ch]}（{code}）"
    if "\ud800" <= ch <= "\udfff":
        return f"无法识别的字节（{code}，不是 UTF-8 编码的文字）"
    return f"控制字符（{code}）"


def problem(text: str, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be accepted (a Chinese sentence without the field's name), None when it can."""
    m = (_ILLEGAL_MULTILINE if multiline else _ILLEGAL_ONE_LINE).search(text)
    if m is None:
        return None
    where = f"第 {m.start() + 1} 个字符处" if len(text) > 1 else ""
    if multiline or m.group() not in "\t\n\r":
        fix = "请删除后重新输入（从 Word、PDF 或网页粘贴的文字常带有这类看不见的字符）。"
    else:
        fix = "此项只能填写一行，请删除后重新输入。"
    return f"{where}含有不可见的{_name(m.group())}，{fix}"


def xml_safe(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every character XML 1.0 cannot hold replaced (tab and line breaks kept)."""
    return _NOT_XML.sub(replacement, text) if _NOT_XML.search(text) else text


def cell_text(value):
    """A spreadsheet cell's value: text that would start a formula is kept as text (a leading apostrophe),
    and characters XML cannot hold are replaced; numbers, dates and None pass unchanged."""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    quoted = value.startswith("'") and value[1:].startswith(FORMULA_STARTS)  # so that from_cell_text inverts it
    return "'" + value if value.startswith(FORMULA_STARTS) or quoted else value


def csv_row(values) -> list:
    """A row for a csv.writer: every text value through ``cell_text``."""
    return [cell_text(v) for v in values]


def from_cell_text(value: str) -> str:
    """A cell read back from a .csv the product wrote: the apostrophe ``cell_text`` added is taken off."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
