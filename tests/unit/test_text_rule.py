"""tracker.rules.text (what text is accepted, how text is written out) and tracker.spreadsheet."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from tracker import spreadsheet
from tracker.rules import text

NEVER = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
NEVER += ["\ud800", "\udcff", "\ufffe", "\uffff"]


def test_every_control_character_is_refused_with_its_name_and_position():
    for ch in NEVER:
        why = text.problem(f"申请{ch}内容", multiline=True)
        assert why and f"U+{ord(ch):04X}" in why and "第 3 个字符处" in why, repr(ch)
    assert "NUL（U+0000）" in text.problem("\x00")
    assert "UTF-8" in text.problem("\udcff")  # what argv makes of a byte that is not UTF-8


def test_tab_and_line_breaks_only_where_a_field_has_several_lines():
    for ch in "\t\n\r":
        assert text.problem(f"a{ch}b", multiline=True) is None
        assert "只能填写一行" in text.problem(f"a{ch}b")
    for fine in ("", "张三", "依申〔2026〕第0001号", "\u3000全角空格", "emoji 😀", "é", "\u200b"):
        assert text.problem(fine) is None, fine


@settings(max_examples=200)
@given(st.text())
def test_the_rule_accepts_exactly_the_text_without_the_refused_characters(s):
    refused = any(ch in NEVER for ch in s)
    assert (text.problem(s, multiline=True) is not None) == refused
    safe = text.xml_safe(s)
    assert text.problem(safe, multiline=True) is None and len(safe) == len(s)


@settings(max_examples=100)
@given(st.text())
def test_every_text_survives_an_xlsx_and_is_never_a_formula(s):
    wb = Workbook()
    ws = wb.active
    spreadsheet.put(ws["A1"], s)
    ws.append(spreadsheet.row(ws, [s, 1, None]))
    buf = io.BytesIO()
    wb.save(buf)  # never IllegalCharacterError
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    back = load_workbook(io.BytesIO(buf.getvalue())).active

    def same(v):  # XML reads a bare CR as a line feed
        return (v or "").replace("\r\n", "\n").replace("\r", "\n")

    assert same(back["A1"].value) == same(text.xml_safe(s))  # the same text back (a re-import matches)


def test_formula_starts_are_kept_as_text_with_the_quote_prefix():
    wb = Workbook()
    ws = wb.active
    for i, value in enumerate(["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"], start=1):
        spreadsheet.put(ws.cell(i, 1), value)
        assert ws.cell(i, 1).data_type == "s" and ws.cell(i, 1).quotePrefix, value
    spreadsheet.put(ws.cell(9, 1), -5)
    assert ws.cell(9, 1).data_type == "n"  # numbers stay numbers


@given(st.text())
def test_csv_cells_never_start_a_formula_and_read_back(s):
    cell = text.cell_text(s)
    assert not cell.startswith(text.FORMULA_STARTS)
    assert text.from_cell_text(cell) == text.xml_safe(s)
