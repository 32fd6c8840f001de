"""The staff deadline calculator (期限计算器): one parser of what a person typed, for the CLI and the page.

The date arithmetic itself is tracker.rules.deadlines.calculator; this module only turns text into
its arguments, with a Chinese message for each field a person got wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ..errors import FieldErrors
from ..rules import deadlines
from ..rules.workdays import WorkCalendar
from .service import MAX_YEAR, MIN_YEAR, current_calendar

MAX_WORKDAYS = 500
MAX_MONTHS = 120
EXAMPLE_DATE = "2026-03-02"
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_INT = re.compile(r"^\d{1,6}$")


CalculatorInvalid = FieldErrors  # the one several-field-errors exception, under its old local name


@dataclass
class CalculatorQuery:
    start: date
    working_days: int | None = None
    months: int | None = None
    extend: int = 0
    pauses: list[tuple[date, date]] = field(default_factory=list)


def parse_date(text: str | None, label: str, errors: dict[str, str], key: str) -> date | None:
    text = (text or "").strip()
    if not text:
        errors[key] = f"请填写{label}，格式为YYYY-MM-DD，例如{EXAMPLE_DATE}"
        return None
    m = _DATE.match(text)
    d = None
    if m:
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            d = None
    if d is None:
        errors[key] = f"{label}“{text}”不是有效日期，应写成YYYY-MM-DD，例如{EXAMPLE_DATE}"
        return None
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        errors[key] = f"{label}应在{MIN_YEAR}年至{MAX_YEAR}年之间，当前为{d}"
        return None
    return d


def _parse_int(text: str | None, label: str, lo: int, hi: int, errors: dict[str, str], key: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not _INT.match(text) or not lo <= int(text) <= hi:
        errors[key] = f"{label}应为{lo}到{hi}之间的整数，当前为“{text}”"
        return None
    return int(text)


def parse(
    start: str | None,
    *,
    working_days: str | None = None,
    months: str | None = None,
    extend: str | None = None,
    pauses: Sequence[tuple[str | None, str | None]] = (),
    months_mode: bool = False,
) -> CalculatorQuery:
    """Check everything and report every problem together; raises CalculatorInvalid.

    ``months_mode``: the person chose "months" (the page), so an empty month count is an error
    rather than the default of 20 working days.
    """
    errors: dict[str, str] = {}
    start_date = parse_date(start, "起算日期", errors, "start")
    n_days = _parse_int(working_days, "工作日天数", 1, MAX_WORKDAYS, errors, "working_days")
    n_months = _parse_int(months, "月数", 1, MAX_MONTHS, errors, "months")
    if months_mode and n_months is None and "months" not in errors:
        errors["months"] = f"按月计算时请填写月数，例如建议提案的办理期限为{deadlines.PROPOSAL_MONTHS}个月"
    if n_days is not None and n_months is not None:
        errors["months"] = "工作日天数和月数只能填写一种：按工作日计算或按月计算"
    unit_max = MAX_MONTHS if n_months is not None else MAX_WORKDAYS
    n_extend = _parse_int(extend, "延期", 0, unit_max, errors, "extend") or 0
    if start_date is not None and "extend" not in errors:
        if refusal := deadlines.calculator_extension_error(start_date, n_extend, months=n_months):
            errors["extend"] = refusal
    pause_list: list[tuple[date, date]] = []
    for i, (a, b) in enumerate(pauses, start=1):
        if not (a or "").strip() and not (b or "").strip():
            continue
        key = f"pause{i}"
        label = f"第{i}个暂停的"
        p_from = parse_date(a, f"{label}开始日期", errors, key)
        p_to = parse_date(b, f"{label}结束日期", errors, key) if key not in errors else None
        if p_from and p_to:
            if p_to < p_from:
                errors[key] = f"第{i}个暂停的结束日期{p_to}早于开始日期{p_from}，请检查"
            else:
                pause_list.append((p_from, p_to))
    if pause_list and n_months is not None:
        errors["months"] = "按月计算的期限不适用暂停：请去掉暂停，或改为按工作日计算"
    if errors:
        raise CalculatorInvalid(errors)
    assert start_date is not None
    return CalculatorQuery(start=start_date, working_days=n_days, months=n_months, extend=n_extend, pauses=pause_list)


def calculate(query: CalculatorQuery, calendar: WorkCalendar | None = None) -> deadlines.DeadlineResult:
    try:
        return deadlines.calculator(
            query.start,
            calendar=calendar or current_calendar(),
            working_days=query.working_days,
            months=query.months,
            extend=query.extend,
            pauses=query.pauses,
        )
    except (ValueError, OverflowError) as e:
        # The engine's own messages are Chinese; an overflow can only come from a date near year 9999.
        message = str(e) if isinstance(e, ValueError) else "日期超出可计算的范围，请检查起算日期"
        raise CalculatorInvalid({"start": message}) from None
