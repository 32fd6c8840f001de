"""信息处理费 under 《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号).

Two methods, one per request, never both; both progressive (超额累进): each request or page is charged
at the rate of the band it falls in, not the whole quantity at the highest rate.

The bands are a `Dated` table (tracker.rules.effective): the schedule that applies is the one in force
on the request's receipt date, so a future change of the measures applies to requests received after
it. Before 2021-01-01 no information processing fee could be charged (the measures were not in force).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from .effective import FEE_MEASURES_2020, Dated, NotInForce, Version

SOURCE = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass(frozen=True)
class FeeSchedule:
    """One version of the fee bands."""

    # 按件: requests of one applicant in one calendar month.
    free_requests_per_month: int
    first_charged_band_end: int  # the 11th–30th request: base fee each
    base_request_fee: int
    request_band_size: int  # from the 31st, every band of this size the fee per request rises by the base fee
    # 按量: (first page, last page or None for open-ended, yuan per page).
    page_bands: tuple[tuple[int, int | None, int], ...]
    source: str = SOURCE


# 109号 Art. 4 (按件) and Art. 5 (按量); issued 2020-11-17, in force 2021-01-01 (see docs/legal-sources.md).
SCHEDULES: Dated[FeeSchedule] = Dated(
    "《政府信息公开信息处理费管理办法》",
    [
        Version(
            FEE_MEASURES_2020,
            FeeSchedule(10, 30, 100, 10, ((1, 30, 0), (31, 100, 10), (101, 200, 20), (201, None, 40))),
            "国办函〔2020〕109号第四条、第五条，2021-01-01施行",
        )
    ],
)
CURRENT = SCHEDULES.current.value

# The figures of the schedule now in force, under their old names (docs and messages quote them).
FREE_REQUESTS_PER_MONTH = CURRENT.free_requests_per_month
FIRST_CHARGED_BAND_END = CURRENT.first_charged_band_end
BASE_REQUEST_FEE = CURRENT.base_request_fee
REQUEST_BAND_SIZE = CURRENT.request_band_size
PAGE_BANDS = CURRENT.page_bands


def schedule_for(received_on: date | None) -> FeeSchedule:
    """The fee bands that apply to a request received on `received_on` (None: the current ones).

    ValueError (Chinese) for a request received before the measures took effect.
    """
    if received_on is None:
        return CURRENT
    try:
        return SCHEDULES.at(received_on)
    except NotInForce:
        raise ValueError(
            f"{SOURCE}自{FEE_MEASURES_2020.year}年{FEE_MEASURES_2020.month}月{FEE_MEASURES_2020.day}日起施行，"
            f"{received_on.isoformat()}收到的申请不收取信息处理费"
        ) from None


class FeeMethod(str, Enum):
    PER_REQUEST = "per_request"
    PER_PAGE = "per_page"

    @property
    def label(self) -> str:
        return _METHOD_LABELS[self]


_METHOD_LABELS = {FeeMethod.PER_REQUEST: "按件计收", FeeMethod.PER_PAGE: "按量计收"}


@dataclass(frozen=True)
class FeeQuote:
    amount_yuan: int
    method: FeeMethod
    explanation: list[str] = field(default_factory=list)


def per_request_fee(nth_in_month: int, schedule: FeeSchedule = CURRENT) -> int:
    """Yuan charged for the applicant's `nth_in_month`-th request in one calendar month."""
    if isinstance(nth_in_month, bool) or not isinstance(nth_in_month, int) or nth_in_month < 1:
        raise ValueError("申请件次应为从1开始的整数：请填写该申请是申请人本自然月的第几件申请")
    s = schedule
    if nth_in_month <= s.free_requests_per_month:
        return 0
    if nth_in_month <= s.first_charged_band_end:
        return s.base_request_fee
    band = (nth_in_month - s.first_charged_band_end - 1) // s.request_band_size  # 0 for the 31st–40th
    return s.base_request_fee * (band + 2)


def _per_request_cumulative(n: int, s: FeeSchedule) -> int:
    """Total yuan for requests 1..n of one month (0 for n = 0); closed form so huge counts stay cheap."""
    if n <= s.free_requests_per_month:
        return 0
    if n <= s.first_charged_band_end:
        return s.base_request_fee * (n - s.free_requests_per_month)
    total = s.base_request_fee * (s.first_charged_band_end - s.free_requests_per_month)
    beyond = n - s.first_charged_band_end
    full_bands, rest = divmod(beyond, s.request_band_size)
    # band j (0-based) costs BAND_SIZE requests at BASE·(j+2) each
    total += s.request_band_size * s.base_request_fee * (2 * full_bands + full_bands * (full_bands - 1) // 2)
    total += rest * s.base_request_fee * (full_bands + 2)
    return total


def per_request_total(first_n: int, count: int, schedule: FeeSchedule = CURRENT) -> int:
    """Yuan for one request the agency split into `count` units, the first being the applicant's
    `first_n`-th request of the month (so first_n − 1 requests came before it)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("拆分后的申请件数应为正整数，请核对")
    per_request_fee(first_n, schedule)  # validates first_n with its message
    return _per_request_cumulative(first_n + count - 1, schedule) - _per_request_cumulative(first_n - 1, schedule)


def _page_bands_used(pages: int, s: FeeSchedule) -> list[tuple[int, int, int]]:
    """(first page, last page, rate) of every band that `pages` reaches, last one cut at `pages`."""
    used = []
    for first, last, rate in s.page_bands:
        if pages < first:
            break
        end = pages if last is None else min(pages, last)
        used.append((first, end, rate))
    return used


def per_page_fee(pages: int, schedule: FeeSchedule = CURRENT) -> int:
    """Yuan for `pages` pages under 按量计收, progressive by band."""
    if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
        raise ValueError("页数应为不小于0的整数，请核对")
    return sum((end - first + 1) * rate for first, end, rate in _page_bands_used(pages, schedule))


def _yuan(amount: int) -> str:
    return f"{amount}元"


def _request_quote(nth_in_month: int, units: int, s: FeeSchedule) -> FeeQuote:
    amount = per_request_total(nth_in_month, units, s)
    last = nth_in_month + units - 1
    if units == 1:
        lines = [f"{FeeMethod.PER_REQUEST.label}（{SOURCE}）：本申请为该申请人本自然月第{nth_in_month}件申请"]
    else:
        lines = [
            (
                f"{FeeMethod.PER_REQUEST.label}（{SOURCE}）：本申请拆分为{units}件，"
                f"为该申请人本自然月第{nth_in_month}—{last}件申请"
            )
        ]
    # group consecutive units charged at the same rate so the letter reads band by band
    n = nth_in_month
    while n <= last:
        fee = per_request_fee(n, s)
        end = n
        while end < last and per_request_fee(end + 1, s) == fee:
            end += 1
        span = f"第{n}件" if end == n else f"第{n}—{end}件"
        if fee == 0:
            lines.append(f"{span}：本自然月前{s.free_requests_per_month}件免费")
        else:
            lines.append(f"{span}：{end - n + 1}件×{fee}元={_yuan((end - n + 1) * fee)}")
        n = end + 1
    lines.append(f"合计：{_yuan(amount)}" if amount else "合计：0元（免费）")
    return FeeQuote(amount, FeeMethod.PER_REQUEST, lines)


def _page_quote(pages: int, s: FeeSchedule) -> FeeQuote:
    amount = per_page_fee(pages, s)
    lines = [f"{FeeMethod.PER_PAGE.label}（{SOURCE}）：共{pages}页"]
    for first, end, rate in _page_bands_used(pages, s):
        count = end - first + 1
        if rate == 0:
            lines.append(f"第{first}—{end}页：免费")
        else:
            lines.append(f"第{first}—{end}页：{count}页×{rate}元={_yuan(count * rate)}")
    lines.append(f"合计：{_yuan(amount)}" if amount else "合计：0元（免费）")
    return FeeQuote(amount, FeeMethod.PER_PAGE, lines)


def fee_for(
    method: FeeMethod | str,
    *,
    nth_in_month: int | None = None,
    pages: int | None = None,
    units: int = 1,
    received_on: date | None = None,
) -> FeeQuote:
    """The fee of one request under one method, with a band-by-band explanation for the fee notice.

    The bands are those in force on `received_on`, the request's receipt date (default: the current ones).
    Raises ValueError (Chinese message) for an unknown method, for figures of both methods at once,
    for a missing or invalid figure and for a request received before the measures took effect.
    """
    if nth_in_month is not None and pages is not None:
        raise ValueError("按件计收与按量计收只能选择其一，不能同时适用：请只填写申请件次或页数中的一项")
    try:
        method = FeeMethod(method)
    except ValueError:
        raise ValueError("收费方式无效，请选择“按件计收”或“按量计收”") from None
    schedule = schedule_for(received_on)
    if method is FeeMethod.PER_REQUEST:
        if nth_in_month is None:
            raise ValueError("按件计收需要填写该申请是申请人本自然月的第几件申请")
        return _request_quote(nth_in_month, units, schedule)
    if pages is None:
        raise ValueError("按量计收需要填写页数")
    if units != 1:
        raise ValueError("拆分件数只适用于按件计收，按量计收请只填写页数")
    return _page_quote(pages, schedule)
