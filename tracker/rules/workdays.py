"""The working-day calendar (工作日): which dates count when a period is given in working days.

Three sources, in order of precedence for any date:

1. entries an administrator entered (the State Council's notice for that year), date -> working?;
2. for a year the ``chinesecalendar`` package covers (2004-2026 in 1.11.0): the package data;
3. otherwise the year is provisional (暂定): weekends plus the fixed statutory holidays of
   《全国年节及纪念日放假办法》 are days off. We never fall back to plain Monday-Friday, because a
   year without its notice still has its Spring Festival, and counting through it would produce a
   deadline days too early for no reason an applicant could understand.

A year listed in ``confirmed_years`` ignores the package and the statutory estimate completely:
the administrator entered the whole arrangement, and every date not entered follows the weekend rule.

Working days are kept per year as a sorted list of ordinals, built lazily once, so counting and
adding working days are a couple of binary searches (recomputing every open case after a calendar
change must stay well under a second per 10,000 cases: see bench/bench_deadlines.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import chinese_calendar
from lunardate import LunarDate

CONFIRMED = "confirmed"
PACKAGE = "package"
PROVISIONAL = "provisional"

YEAR_STATUS_LABELS = {
    CONFIRMED: "已确认（管理员录入）",
    PACKAGE: "已确认（内置国务院放假安排）",
    PROVISIONAL: "暂定（按周末和法定节假日估算）",
}
# The pages show a year's status as a badge and a note beside it; the two never repeat a word.
YEAR_STATUS_BADGES = {CONFIRMED: "已确认", PACKAGE: "内置数据", PROVISIONAL: "暂定"}
YEAR_STATUS_NOTES = {
    CONFIRMED: "管理员录入的国务院放假安排",
    PACKAGE: "随软件提供的国务院放假安排，已确认",
    PROVISIONAL: "按周末和法定节假日估算，不含调休",
}

MAKEUP_DAY_NAME = "调休上班"
ENTERED_OFF_NAME = "放假"

# The lunar tables of lunardate cover these solar years; a provisional year outside cannot be estimated.
LUNAR_MIN_YEAR = 1900
LUNAR_MAX_YEAR = 2099

# The 2024 amendment (国务院令第770号, in force 2025-01-01) added 除夕 to the Spring Festival and
# a second day to Labour Day. Provisional years before 2025 follow the 2013 version.
AMENDMENT_2024_FIRST_YEAR = 2025

_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _package_by_year(days: Mapping[date, str]) -> dict[int, dict[date, str]]:
    by_year: dict[int, dict[date, str]] = {}
    for d, english in days.items():
        by_year.setdefault(d.year, {})[d] = _PACKAGE_NAMES.get(english, english)
    return by_year


_PKG_OFF = _package_by_year(chinese_calendar.holidays)
_PKG_WORK = _package_by_year(chinese_calendar.workdays)
PACKAGE_MIN_YEAR = min(_PKG_OFF)
PACKAGE_MAX_YEAR = max(_PKG_OFF)


def _qingming(year: int) -> date:
    # chinesecalendar computes the 24 solar terms (寿星公式 with per-year corrections) for 1900-2100.
    for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30)):
        if name == "清明":
            return day
    raise ValueError(f"无法推算{year}年的清明日期")  # pragma: no cover - the formula always yields one


def statutory_holidays(year: int) -> dict[date, str]:
    """The fixed statutory holidays of 《全国年节及纪念日放假办法》 falling in ``year``, date -> name.

    No in-lieu days (补休) and no make-up working days: those come only from the State Council's
    notice, so a provisional year has at least as many working days as the confirmed one will.
    """
    if not LUNAR_MIN_YEAR <= year <= LUNAR_MAX_YEAR:
        raise ValueError(
            f"{year}年的放假安排尚未录入，且无法推算该年的农历节日"
            f"（仅支持{LUNAR_MIN_YEAR}–{LUNAR_MAX_YEAR}年），请先录入该年的放假安排"
        )
    days: dict[date, str] = {}

    def add(d: date, name: str) -> None:
        # 中秋 can fall on 10-01 (e.g. 2031): one date, both names.
        days[d] = f"{days[d]}、{name}" if d in days and name not in days[d] else name

    add(date(year, 1, 1), "元旦")
    new_year = LunarDate(year, 1, 1).to_solar_date()
    amended = year >= AMENDMENT_2024_FIRST_YEAR
    # 除夕 is the day before 正月初一 (the 29th or 30th of the twelfth month); it lies in the same
    # solar year, because 正月初一 is never earlier than January 21.
    first = -1 if amended else 0
    for offset in range(first, 3):
        add(new_year + timedelta(days=offset), "春节")
    add(_qingming(year), "清明节")
    add(date(year, 5, 1), "劳动节")
    if amended:
        add(date(year, 5, 2), "劳动节")
    add(LunarDate(year, 5, 5).to_solar_date(), "端午节")
    add(LunarDate(year, 8, 15).to_solar_date(), "中秋节")
    for day in (1, 2, 3):
        add(date(year, 10, day), "国庆节")
    return days


class WorkCalendar:
    """Working days from plain data; immutable after construction (build a new one when data changes)."""

    def __init__(
        self,
        entries: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
        use_package: bool = True,
        names: Mapping[date, str] | None = None,
    ) -> None:
        self._entries: dict[date, bool] = dict(entries or {})
        self._names: dict[date, str] = {d: n for d, n in (names or {}).items() if n}
        self._confirmed: frozenset[int] = frozenset(confirmed_years)
        self._use_package = use_package
        self._entries_by_year: dict[int, dict[date, bool]] = {}
        for d, working in self._entries.items():
            self._entries_by_year.setdefault(d.year, {})[d] = bool(working)
        # year -> (sorted working-day ordinals, the same as a set)
        self._years: dict[int, tuple[list[int], frozenset[int]]] = {}
        self._base_names: dict[int, dict[date, str]] = {}

    # --- what kind of data a year comes from ---------------------------------------------------

    def year_status(self, year: int) -> str:
        if year in self._confirmed:
            return CONFIRMED
        if self._use_package and PACKAGE_MIN_YEAR <= year <= PACKAGE_MAX_YEAR:
            return PACKAGE
        return PROVISIONAL

    def is_provisional_year(self, year: int) -> bool:
        return self.year_status(year) == PROVISIONAL

    @property
    def confirmed_years(self) -> frozenset[int]:
        return self._confirmed

    def provisional_years_touched(self, start: date, end: date) -> list[int]:
        """Provisional years among the dates d with start < d <= end (the days a count looks at)."""
        if end <= start:
            return []
        first = (start + timedelta(days=1)).year
        return [y for y in range(first, end.year + 1) if self.is_provisional_year(y)]

    # --- per-year tables --------------------------------------------------------------------------

    def _base(self, year: int) -> tuple[dict[date, str], dict[date, str]]:
        """(named days off, named make-up working days) before the administrator's entries."""
        status = self.year_status(year)
        if status == CONFIRMED:
            return {}, {}
        if status == PACKAGE:
            return _PKG_OFF.get(year, {}), _PKG_WORK.get(year, {})
        return statutory_holidays(year), {}

    def _year(self, year: int) -> tuple[list[int], frozenset[int]]:
        table = self._years.get(year)
        if table is None:
            table = self._build(year)
            self._years[year] = table
        return table

    def _build(self, year: int) -> tuple[list[int], frozenset[int]]:
        off, work = self._base(year)
        entered = self._entries_by_year.get(year, {})
        names = {**off, **{d: MAKEUP_DAY_NAME for d in work}}
        ords: list[int] = []
        d = date(year, 1, 1)
        one = timedelta(days=1)
        while d.year == year:
            working = entered.get(d)
            if working is None:
                working = d in work or (d.weekday() < 5 and d not in off)
            if working:
                ords.append(d.toordinal())
            d += one
        self._base_names[year] = names
        return ords, frozenset(ords)

    # --- queries ----------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        return d.toordinal() in self._year(d.year)[1]

    def next_workday_on_or_after(self, d: date) -> date:
        return d if self.is_workday(d) else self.add_workdays(d, 1)

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise ValueError("工作日天数不能为负数")
        if n == 0:
            return start
        year = start.year
        ords = self._year(year)[0]
        i = bisect_right(ords, start.toordinal())
        remaining = n
        while i + remaining > len(ords):
            remaining -= len(ords) - i
            year += 1
            ords = self._year(year)[0]
            i = 0
        return date.fromordinal(ords[i + remaining - 1])

    def workdays_after_until(self, start: date, end: date) -> int:
        """How many working days d satisfy start < d <= end (0 when end <= start)."""
        if end <= start:
            return 0
        s, e = start.toordinal(), end.toordinal()
        total = 0
        for year in range(start.year, end.year + 1):
            ords = self._year(year)[0]
            lo = bisect_right(ords, s) if year == start.year else 0
            hi = bisect_right(ords, e) if year == end.year else len(ords)
            total += hi - lo
        return total

    def day_name(self, d: date) -> str | None:
        """The holiday a day off belongs to, '调休上班' for a make-up day, None for an ordinary day."""
        if d in self._entries:
            working = self._entries[d]
            if d in self._names:
                return self._names[d]
            if working:
                return MAKEUP_DAY_NAME if d.weekday() >= 5 else None
            return ENTERED_OFF_NAME if d.weekday() < 5 else None
        self._year(d.year)
        return self._base_names[d.year].get(d)

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Holidays and in-lieu days off of ``year`` (weekday or within a holiday), with their names."""
        self._year(year)
        named_off = {d for d in self._base_names[year] if not self.is_workday(d)}
        named_off |= {d for d, w in self._entries_by_year.get(year, {}).items() if not w}
        result = []
        for d in self._all_days(year):
            if not self.is_workday(d) and (d.weekday() < 5 or d in named_off):
                result.append((d, self.day_name(d) or ENTERED_OFF_NAME))
        return result

    def makeup_workdays(self, year: int) -> list[tuple[date, str]]:
        """Saturdays and Sundays that are working days (调休上班), with their names."""
        return [
            (d, self.day_name(d) or MAKEUP_DAY_NAME)
            for d in self._all_days(year)
            if d.weekday() >= 5 and self.is_workday(d)
        ]

    def workday_count(self, year: int) -> int:
        return len(self._year(year)[0])

    @staticmethod
    def _all_days(year: int) -> Iterable[date]:
        d = date(year, 1, 1)
        one = timedelta(days=1)
        while d.year == year:
            yield d
            d += one
