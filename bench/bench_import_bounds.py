"""How fast and how lean the ledger import refuses hostile files (issue 14), and what a legitimate file's
parts look like against the bounds.

Hostile files, each refused by the real parser with the default limits (tracker.ledger.parse.Limits):
- bomb: a ~2.6 MB .xlsx whose xl/sharedStrings.xml unpacks to 2 GB (refused from the zip directory);
- rows_xlsx: a ~2.6 MB .xlsx of 1,000,001 rows without <dimension> (refused by the streamed row count);
- rows_csv: a ~2 MB .csv of a million bad rows (refused by the record count).
Each is refused REPEATS times (median, min and max seconds), then once under tracemalloc (peak Python
allocation, MB). Then a legitimate 100,000-row ledger as openpyxl writes it (our export's way): its
largest packing ratio and its unpacked size, against LEDGER_MAX_RATIO and LEDGER_MAX_UNPACKED_MB.
Prints `name=value` lines.

    .venv/bin/python bench/bench_import_bounds.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_import import HEADER, write_xlsx  # noqa: E402

TODAY = date(2024, 6, 30)


def _zip(parts: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in parts.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as part:
                for chunk in value() if callable(value) else [value]:
                    part.write(chunk)
    return buf.getvalue()


WORKBOOK = {
    "[Content_Types].xml": b"<Types/>",
    "xl/workbook.xml": (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<sheets><sheet name="\xe4\xbe\x9d\xe7\x94\xb3\xe8\xaf\xb7\xe5\x85\xac\xe5\xbc\x80" sheetId="1" r:id="rId1"/>'
        b"</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def bomb() -> bytes:
    return _zip({**WORKBOOK, "xl/sharedStrings.xml": lambda: (b"a" * 2**20 for _ in range(2048))})


def rows_xlsx() -> bytes:
    def sheet():
        yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        row = '<row r="{}"><c t="inlineStr"><is><t>x</t></is></c></row>'
        for start in range(1, 1_000_002, 10_000):
            yield "".join(row.format(n) for n in range(start, min(start + 10_000, 1_000_002))).encode()
        yield b"</sheetData></worksheet>"

    return _zip({**WORKBOOK, "xl/worksheets/sheet1.xml": sheet})


def rows_csv() -> bytes:
    return (",".join(HEADER) + "\n" + "x\n" * 1_000_000).encode()


def refuse(name: str, data: bytes):
    from tracker.ledger import parse

    limits = parse.Limits()
    try:
        for sheet in parse.open_file(name, data, limits):
            _, problems = parse.read_sheet(sheet, None, TODAY, limits=limits)
            if problems:
                return problems
    except parse.LedgerInvalid as e:
        return e.problems
    raise AssertionError(f"{name} was not refused")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    for label, name, build in (
        ("bomb", "b.xlsx", bomb),
        ("rows_xlsx", "r.xlsx", rows_xlsx),
        ("rows_csv", "r.csv", rows_csv),
    ):
        data = build()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            problems = refuse(name, data)
            times.append(time.perf_counter() - t0)
        tracemalloc.start()
        refuse(name, data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{label}_file_mb={len(data) / 2**20:.2f}")
        print(f"{label}_refused_s={statistics.median(times):.3f} (min {min(times):.3f}, max {max(times):.3f})")
        print(f"{label}_peak_python_mb={peak / 2**20:.1f}")
        print(f"{label}_message={problems[0]}")

    data = write_xlsx(100_000, inline=True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    print(f"legit_100k_file_mb={len(data) / 2**20:.1f}")
    print(f"legit_100k_unpacked_mb={sum(i.file_size for i in infos) / 2**20:.1f}")
    print(f"legit_100k_max_ratio={max(i.file_size / max(i.compress_size, 1) for i in infos):.1f}")


if __name__ == "__main__":
    main()
