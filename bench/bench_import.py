"""Importing a 100,000-row request ledger into a fresh SQLite database.

Generates a ledger with every applicant type and outcome, 10% open cases (their deadlines computed) and
20 sections, then runs the real import service: read, check, plan, write with events, commit. A second
run of the same file (everything unchanged) shows re-import cost. Prints `name=value` lines.

Formats (--format):
- xlsx: a workbook with its <dimension> element, as Excel and openpyxl's normal mode write it (cells as
  inline strings here; Excel's shared strings are cheaper still to read).
- xlsx-inline: as openpyxl's write-only mode saves it (no <dimension>), i.e. our own export: openpyxl
  then scans the whole sheet once just to size it when the workbook is opened.
- csv: GB18030 CSV, as Excel saves "CSV" on Chinese Windows.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--format xlsx|xlsx-inline|csv]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEADER = [
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


def ledger_rows(n: int, seed: int = 20260302):
    from tracker.rules.intake import CHANNELS
    from tracker.rules.outcomes import OUTCOMES
    from tracker.rules.report_layout import APPLICANT_TYPES

    rnd = random.Random(seed)
    first = date(2019, 1, 1).toordinal()
    last = date(2025, 12, 31).toordinal()
    sections = [f"第{i}科" for i in range(1, 21)]
    for i in range(1, n + 1):
        received = date.fromordinal(rnd.randint(first, last))
        open_case = rnd.random() < 0.1
        concluded = None if open_case else received + timedelta(days=rnd.randint(1, 40))
        yield [
            f"TZ-{i:06d}",
            received,
            rnd.choice(APPLICANT_TYPES).label,
            f"申请人{i}",
            rnd.choice(CHANNELS).label,
            f"请公开第{i}号项目的批复文件及相关材料",
            rnd.choice(sections),
            concluded,
            None if open_case else rnd.choice(OUTCOMES).short_label,
            None,
        ]


def write_xlsx(n: int, inline: bool = False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=inline)
    if inline:
        ws = wb.create_sheet("依申请公开")
    else:
        ws = wb.active
        ws.title = "依申请公开"
    ws.append(HEADER)
    for row in ledger_rows(n):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_csv(n: int) -> bytes:
    lines = [",".join(HEADER)]
    for row in ledger_rows(n):
        lines.append(",".join("" if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for v in row))
    return ("\n".join(lines) + "\n").encode("gb18030")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--format", choices=("xlsx", "xlsx-inline", "csv"), default="xlsx")
    args = ap.parse_args()

    from tracker import create_app
    from tracker.accounts.models import Agency
    from tracker.extensions import db
    from tracker.ledger.service import import_ledger

    t0 = time.perf_counter()
    data = write_csv(args.rows) if args.format == "csv" else write_xlsx(args.rows, inline=args.format == "xlsx-inline")
    gen = time.perf_counter() - t0
    name = "bench.csv" if args.format == "csv" else "bench.xlsx"

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "UPLOAD_FOLDER": tmp,
                "AGENCY_NAME": "基准测试局",
            }
        )
        with app.app_context():
            db.create_all()
            agency = Agency(name="基准测试局", settings={})
            db.session.add(agency)
            db.session.commit()
            rss_before = _rss_kb("VmRSS")
            _reset_peak()
            t1 = time.perf_counter()
            summary = import_ledger(None, name, data, agency=agency, who="bench")
            first = time.perf_counter() - t1
            rss_growth_mb = (_rss_kb("VmHWM") - rss_before) / 1024
            t2 = time.perf_counter()
            again = import_ledger(None, name, data, agency=agency, who="bench")
            second = time.perf_counter() - t2
            from sqlalchemy import func, select

            from tracker.audit import Event
            from tracker.disclosure.models import DisclosureRequest

            stored = db.session.scalar(select(func.count()).select_from(DisclosureRequest))
            events = db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "request.imported"))
            db.session.remove()
            db.engine.dispose()

    print(f"format={args.format}")
    print(f"rows={args.rows}")
    print(f"file_bytes={len(data)}")
    print(f"generate_seconds={gen:.2f}")
    print(f"created={summary.counts['requests'].created}")
    print(f"stored={stored}")
    print(f"events={events}")
    print(f"seconds={first:.2f}")
    print(f"rows_per_second={args.rows / first:.0f}")
    print(f"reimport_unchanged={again.counts['requests'].unchanged}")
    print(f"reimport_seconds={second:.2f}")
    # the issue-15 names (the import itself is issue 12's and 14's to change; this only measures it)
    print(f"import_{args.rows // 1000}k_s={first:.2f}")
    print(f"import_{args.rows // 1000}k_rss_mb={rss_growth_mb:.0f}")


def _rss_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


if __name__ == "__main__":
    main()
