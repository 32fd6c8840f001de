"""The calendar CSV: one year's State Council arrangement, header ``date,kind,name``.

``kind`` is ``off``/``休`` (a day off) or ``work``/``班`` (a make-up working Saturday or Sunday).
A file is all or nothing: any error rejects it, and every error names its line (第N行) and says how
to fix it. UTF-8 with or without BOM; Excel's "CSV UTF-8" export works, its plain "CSV" (GBK) does not
and is reported as such.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from . import text as text_rule

HEADER = ("date", "kind", "name")
KINDS: dict[str, bool] = {"off": False, "休": False, "work": True, "班": True}
MAX_NAME_LENGTH = 40
MAX_ERRORS = 50
WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# Excel re-saves ISO dates as 2026/1/1; accept that spelling as well.
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


@dataclass(frozen=True)
class CalendarRow:
    line: int
    day: date
    workday: bool
    name: str


@dataclass
class CalendarCsv:
    """The parsed file: ``rows`` for one ``year`` when ``errors`` is empty, otherwise no rows at all."""

    year: int | None = None
    rows: list[CalendarRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def entries(self) -> dict[date, bool]:
        return {r.day: r.workday for r in self.rows}

    def names(self) -> dict[date, str]:
        return {r.day: r.name for r in self.rows if r.name}


def _decode(data: bytes | str) -> tuple[str | None, str | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, (
            f"第{line}行：文件不是UTF-8编码，无法读取。请在Excel中用“另存为 → CSV UTF-8（逗号分隔）”保存后重新导入"
        )


def _parse_date(text: str) -> date | None:
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_calendar_csv(data: bytes | str, *, expected_year: int | None = None) -> CalendarCsv:
    """Parse and validate one year's arrangement; see the module docstring for the format."""
    text, problem = _decode(data)
    if text is None:
        return CalendarCsv(errors=[problem or "文件无法读取"])
    errors: list[str] = []
    rows: list[CalendarRow] = []
    seen: dict[date, int] = {}
    year: int | None = None
    year_line = 0
    header_line: int | None = None

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        first_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            errors.append(f"第{first_line}行：无法按CSV格式读取，可能是英文双引号没有成对，请检查这一行的引号")
            break
        line = first_line
        multiline = any("\n" in c or "\r" in c for c in record)
        cells = [c.strip() for c in record]
        while cells and cells[-1] == "":
            cells.pop()  # Excel pads rows with empty cells
        if not cells:
            continue
        if header_line is None:
            header_line = line
            got = tuple(c.lower() for c in cells)
            if got != HEADER:
                errors.append(f"第{line}行：第一行应为表头 date,kind,name，当前为“{','.join(cells)}”")
                break
            continue
        if multiline:
            errors.append(f"第{line}行：内容跨了多行，可能是英文双引号没有成对，请检查这一行的引号")
            continue
        if len(cells) < 2:
            errors.append(f"第{line}行：应有 日期,类型,名称 三列，当前只有1列，请补上类型（off/work 或 休/班）")
            continue
        if len(cells) > 3:
            errors.append(
                f"第{line}行：多了一列“{cells[3]}”，每行只能有 日期,类型,名称 三列"
                f"（名称中有逗号时请用英文双引号把名称括起来）"
            )
            continue
        bad = text_rule.problem(",".join(cells))
        if bad:
            errors.append(f"第{line}行：{bad}")
            continue
        raw_date, raw_kind = cells[0], cells[1]
        name = text_rule.from_cell_text(cells[2]) if len(cells) == 3 else ""
        day = _parse_date(raw_date)
        if day is None:
            errors.append(f"第{line}行：日期“{raw_date}”无效，应写成YYYY-MM-DD，例如2026-10-01")
            continue
        workday = KINDS.get(raw_kind.lower())
        if workday is None:
            errors.append(f"第{line}行：类型“{raw_kind}”无法识别，应为 off（休，放假）或 work（班，调休上班）")
        if len(name) > MAX_NAME_LENGTH:
            errors.append(f"第{line}行：名称过长（{len(name)}个字），最多{MAX_NAME_LENGTH}个字")
        if year is None:
            year, year_line = day.year, line
            if expected_year is not None and year != expected_year:
                errors.append(f"第{line}行：日期{day}属于{year}年，而要导入的是{expected_year}年的安排")
        elif day.year != year:
            errors.append(
                f"第{line}行：日期{day}属于{day.year}年，而本文件是{year}年的安排（见第{year_line}行）；"
                f"一个文件只能包含一年的安排，请分成两个文件导入"
            )
        if day in seen:
            errors.append(f"第{line}行：日期{day}与第{seen[day]}行重复，每个日期只能出现一次")
        else:
            seen[day] = line
        if workday is True and day.weekday() < 5:
            errors.append(
                f"第{line}行：{day}是{WEEKDAYS_CN[day.weekday()]}，本来就是工作日，不能标为“班”；"
                f"“班”只用于调休上班的星期六、星期日"
            )
        if workday is not None:
            rows.append(CalendarRow(line=line, day=day, workday=workday, name=name))

    if not errors and header_line is None:
        errors.append("第1行：文件是空的，第一行应为表头 date,kind,name，其后每行一个日期")
    elif not errors and not rows:
        errors.append(f"第{header_line}行：表头之后没有任何日期，请逐行填写该年的放假日期和调休上班日期")
    if errors:
        if len(errors) > MAX_ERRORS:
            errors = errors[:MAX_ERRORS] + [f"……另有{len(errors) - MAX_ERRORS}处错误未列出"]
        return CalendarCsv(year=year, errors=errors)
    rows.sort(key=lambda r: r.day)
    return CalendarCsv(year=year, rows=rows)


def format_calendar_csv(days: Iterable[tuple[date, bool, str]]) -> str:
    """The same format back (e.g. a year from the package, as a template to correct and import)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for day, workday, name in sorted(days):
        writer.writerow(text_rule.csv_row((day.isoformat(), "work" if workday else "off", name)))
    return out.getvalue()
