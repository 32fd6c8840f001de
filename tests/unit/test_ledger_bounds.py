"""Bounded imports (issue 14): hostile files are refused from the zip directory or a cheap row count,
within 2 s and with less than 100 MB of memory, before a single row is checked; legitimate files pass."""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from tracker.ledger import parse
from tracker.ledger.parse import LedgerInvalid, Limits

TODAY = date(2024, 6, 30)
REQ_HEADER = [
    "编号",
    "收到日期",
    "申请人类型",
    "申请人",
    "申请方式",
    "申请内容",
    "承办科室",
    "办结日期",
    "办理结果",
    "备注",
]
GOOD = ["A-{n}", "2023-01-05", "自然人", "张三", "当面", "某项目批复", "综合科", "2023-01-20", "予以公开", ""]


def small_xlsx(rows: int = 3) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "依申请公开"
    ws.append(REQ_HEADER)
    for n in range(rows):
        ws.append([c.format(n=n) for c in GOOD])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rebuilt(base: bytes, replace: dict[str, object], extra: dict[str, object] | None = None) -> bytes:
    """``base`` with some parts replaced or added; a value is bytes, or a callable writing to the part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            value = replace.get(info.filename, src.read(info.filename))
            _put(dst, info.filename, value)
        added = {k: v for k, v in replace.items() if k not in src.namelist()}
        for name, value in {**added, **(extra or {})}.items():
            _put(dst, name, value)
    return out.getvalue()


def _put(dst: zipfile.ZipFile, name: str, value) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    if callable(value):
        with dst.open(info, "w", force_zip64=True) as part:
            value(part)
    else:
        dst.writestr(info, value)


def _deflated(size: int):
    """A part of ``size`` bytes of one repeated character, deflated chunk by chunk (the 2 GB part of the
    zip bomb costs a second or two to write, never 2 GB of memory)."""

    def write(part) -> None:
        chunk = b"<si><t>" + b"a" * (1 << 20) + b"</t></si>"
        left = size
        while left > 0:
            part.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)

    return write


def measured(fn):
    """(result or the LedgerInvalid raised, seconds, peak Python allocation MB, growth of peak RSS MB).

    Timed on its own, then run again under tracemalloc (which slows allocation-heavy code several times)."""

    def run():
        try:
            return fn()
        except LedgerInvalid as e:
            return e

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t0
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024  # kB on Linux
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"seconds={seconds:.3f} peak_python_mb={peak / 2**20:.1f} rss_growth_mb={rss:.1f}")
    return result, seconds, peak / 2**20, rss


def refusal(e) -> str:
    assert isinstance(e, LedgerInvalid), f"not refused: {e!r}"
    return "；".join(str(p) for p in e.problems)


def import_rows(data: bytes, name: str = "t.xlsx", limits: Limits | None = None):
    limits = limits or Limits()
    sheets = parse.open_file(name, data, limits)
    (sheet, kind), *_ = parse.select_sheets(sheets, None)[0]
    result, problems = parse.read_sheet(sheet, kind, TODAY, limits=limits)
    if problems:
        raise LedgerInvalid(problems)
    return result


# ------------------------------------------------------------------------------------- the zip directory


def test_a_normal_workbook_passes():
    result = import_rows(small_xlsx(3))
    assert [r.number for r in result.rows] == ["A-0", "A-1", "A-2"]


@pytest.mark.slow
def test_a_2_mb_xlsx_whose_shared_strings_unpack_to_2_gb_is_refused_at_once():
    bomb = rebuilt(small_xlsx(1), {"xl/sharedStrings.xml": _deflated(2 * 2**30)})
    assert len(bomb) < 3 * 2**20  # about 2 MB on disk
    e, seconds, peak_mb, rss_mb = measured(lambda: import_rows(bomb))
    assert "解压后共 2048 MB，超过导入上限 200 MB" in refusal(e)
    assert seconds < 2 and peak_mb < 100 and rss_mb < 100


def test_a_part_packed_beyond_the_ratio_is_refused_even_within_the_size():
    # 50 MB of one letter: within 200 MB unpacked, but packed about 1000 times
    bomb = rebuilt(small_xlsx(1), {"xl/sharedStrings.xml": _deflated(50 * 2**20)})
    e, seconds, peak_mb, _ = measured(lambda: import_rows(bomb))
    message = refusal(e)
    assert "部件“xl/sharedStrings.xml”压缩比为" in message and "超过上限 100:1" in message
    assert seconds < 2 and peak_mb < 100
    # a configured higher ratio lets the same directory pass
    parse.check_archive(io.BytesIO(bomb), Limits(max_ratio=10_000))


def test_too_many_parts_are_refused():
    data = rebuilt(small_xlsx(1), {}, {f"xl/media/x{i}.bin": b"x" for i in range(1001)})
    e = pytest.raises(LedgerInvalid, import_rows, data).value
    assert "包含 1011 个部件，超过上限 1000 个" in refusal(e) or "超过上限 1000 个" in refusal(e)


@pytest.mark.parametrize(
    "data",
    [b"not a zip", b"PK\x03\x04" + b"\x00" * 100, small_xlsx(1)[:-200], b"\xd0\xcf\x11\xe0" * 64],
    ids=["text", "zip-header-only", "truncated", "old-xls"],
)
def test_garbled_files_get_a_chinese_message(data):
    e = pytest.raises(LedgerInvalid, import_rows, data).value
    assert "无法打开该文件：它不是有效的 .xlsx 工作簿" in refusal(e)


# ------------------------------------------------------------------------------------------- row caps


def _sheet_xml(rows: int, row_xml) -> callable:
    def write(part) -> None:
        part.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        )
        header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in REQ_HEADER)
        part.write(f'<row r="1">{header}</row>'.encode())
        batch = []
        for n in range(2, rows + 2):
            batch.append(row_xml(n))
            if len(batch) == 10_000:
                part.write("".join(batch).encode())
                batch = []
        part.write("".join(batch).encode() + b"</sheetData></worksheet>")

    return write


@pytest.mark.slow
def test_a_million_bad_rows_in_an_xlsx_are_refused_by_the_row_count():
    bad = _sheet_xml(1_000_000, lambda n: f'<row r="{n}"><c t="inlineStr"><is><t>x</t></is></c></row>')
    data = rebuilt(small_xlsx(0), {"xl/worksheets/sheet1.xml": bad})
    e, seconds, peak_mb, rss_mb = measured(lambda: import_rows(data, limits=Limits(max_ratio=1000)))
    assert "工作表约有 1000001 行，超过导入上限 100000 行数据" in refusal(e)
    assert seconds < 2 and peak_mb < 100 and rss_mb < 100


def test_a_million_bad_rows_in_a_csv_are_refused_by_the_row_count():
    data = (",".join(REQ_HEADER) + "\n" + "x\n" * 1_000_000).encode()
    assert len(data) < 3 * 2**20
    e, seconds, peak_mb, rss_mb = measured(lambda: import_rows(data, name="t.csv"))
    assert "工作表约有 1000001 行，超过导入上限 100000 行数据" in refusal(e)
    assert seconds < 2 and peak_mb < 100 and rss_mb < 100


@pytest.mark.parametrize("name", ["t.csv", "t.xlsx"])
def test_the_row_cap_counts_data_rows_exactly(name):
    def data(n: int) -> bytes:
        if name.endswith(".xlsx"):
            return small_xlsx(n)
        return "\n".join([",".join(REQ_HEADER), *(",".join(GOOD).format(n=i) for i in range(n))]).encode()

    limits = Limits(max_rows=5)
    assert len(import_rows(data(5), name, limits).rows) == 5
    # 6 rows: within the cheap count's slack (the header search rows), refused by the exact count
    e = pytest.raises(LedgerInvalid, import_rows, data(6), name, limits).value
    assert refusal(e) == "工作表超过导入上限 5 行数据，未导入；请把台账分成几个文件，每个不超过 5 行后分别导入"
    e = pytest.raises(LedgerInvalid, import_rows, data(40), name, limits).value
    assert "约有 41 行，超过导入上限 5 行数据" in refusal(e)


def test_checking_stops_after_the_problem_cap():
    data = "\n".join([",".join(REQ_HEADER), *("x,,,,,,,,," for _ in range(500))]).encode()
    e = pytest.raises(LedgerInvalid, import_rows, data, "t.csv", Limits(max_problems=50)).value
    assert 50 <= len(e.problems) < 60
    assert str(e.problems[-1]).startswith("问题已超过 50 个，第") and "未再检查" in str(e.problems[-1])


def test_csv_size_and_line_length_are_bounded():
    header = ",".join(REQ_HEADER) + "\n"
    e = pytest.raises(LedgerInvalid, import_rows, (header + "a" * 70_000 + "\n").encode(), "t.csv").value
    assert "有一行超过 65536 个字符" in refusal(e)
    e = pytest.raises(LedgerInvalid, import_rows, header.encode() * 10, "t.csv", Limits(max_csv_bytes=100)).value
    assert "超过导入上限 100 字节" in refusal(e)
    # an unclosed quote running to the end is a clear message, never csv.Error
    e = pytest.raises(LedgerInvalid, import_rows, (header + '"A-1,' + "x" * 200_000).encode(), "t.csv").value
    assert "有一行超过" in refusal(e) or "无法按 CSV 格式读取" in refusal(e)


def test_a_cell_beyond_the_csv_field_limit_is_a_clear_message():
    header = ",".join(REQ_HEADER) + "\n"
    cell = "\n".join("x" * 1000 for _ in range(200))  # 200 KB in one quoted cell of short lines
    e = pytest.raises(LedgerInvalid, import_rows, (header + f'A-1,"{cell}"\n').encode(), "t.csv").value
    assert "第2行无法按 CSV 格式读取" in refusal(e)


def test_limits_come_from_the_config():
    limits = Limits.from_config({"LEDGER_MAX_ROWS": "7", "LEDGER_MAX_RATIO": 5, "OTHER": 1})
    assert (limits.max_rows, limits.max_ratio, limits.max_unpacked_bytes) == (7, 5, 200 * 2**20)


def test_the_row_count_survives_chunk_boundaries():
    rows = 300_000  # about 9 MB of sheet XML: many 1 MB chunks, tags cut at their boundaries
    data = rebuilt(
        small_xlsx(0),
        {"xl/worksheets/sheet1.xml": _sheet_xml(rows, lambda n: f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>')},
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 5 * 2**20
    assert parse._closed_rows(io.BytesIO(data), "xl/worksheets/sheet1.xml") == rows + 1
