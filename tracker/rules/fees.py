"""信息处理费 under 《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号).

Two methods, one per request, never both; both progressive (超额累进): each request or page is charged
at the rate of the band it falls in, not the whole quantity at the highest rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SOURCE = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"

# 按件: requests of one applicant in one calendar month.
FREE_REQUESTS_PER_MONTH = 10
FIRST_CHARGED_BAND_END = 30  # the 11th–30th request: 100 yuan each
BASE_REQUEST_FEE = 100
REQUEST_BAND_SIZE = 10  # from the 31st, every 10 requests the fee per request rises by 100 yuan

# 按量: (first page, last page or None for open-ended, yuan per page).
PAGE_BANDS: tuple[tuple[int, int | None, int], ...] = (
    (1, 30, 0),
    (31, 100, 10),
    (101, 200, 20),
    (201, None, 40),
)


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


def per_request_fee(nth_in_month: int) -> int:
    """Yuan charged for the applicant's `nth_in_month`-th request in one calendar month."""
    if isinstance(nth_in_month, bool) or not isinstance(nth_in_month, int) or nth_in_month < 1:
        raise ValueError("申请件次应为从1开始的整数：请填写该申请是申请人本自然月的第几件申请")
    if nth_in_month <= FREE_REQUESTS_PER_MONTH:
        return 0
    if nth_in_month <= FIRST_CHARGED_BAND_END:
        return BASE_REQUEST_FEE
    band = (nth_in_month - FIRST_CHARGED_BAND_END - 1) // REQUEST_BAND_SIZE  # 0 for the 31st–40th
    return BASE_REQUEST_FEE * (band + 2)


def _per_request_cumulative(n: int) -> int:
    """Total yuan for requests 1..n of one month (0 for n = 0); closed form so huge counts stay cheap."""
    if n <= FREE_REQUESTS_PER_MONTH:
        return 0
    if n <= FIRST_CHARGED_BAND_END:
        return BASE_REQUEST_FEE * (n - FREE_REQUESTS_PER_MONTH)
    total = BASE_REQUEST_FEE * (FIRST_CHARGED_BAND_END - FREE_REQUESTS_PER_MONTH)
    beyond = n - FIRST_CHARGED_BAND_END
    full_bands, rest = divmod(beyond, REQUEST_BAND_SIZE)
    # band j (0-based) costs BAND_SIZE requests at BASE·(j+2) each
    total += REQUEST_BAND_SIZE * BASE_REQUEST_FEE * (2 * full_bands + full_bands * (full_bands - 1) // 2)
    total += rest * BASE_REQUEST_FEE * (full_bands + 2)
    return total


def per_request_total(first_n: int, count: int) -> int:
    """Yuan for one request the agency split into `count` units, the first being the applicant's
    `first_n`-th request of the month (so first_n − 1 requests came before it)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("拆分后的申请件数应为正整数，请核对")
    per_request_fee(first_n)  # validates first_n with its message
    return _per_request_cumulative(first_n + count - 1) - _per_request_cumulative(first_n - 1)


def _page_bands_used(pages: int) -> list[tuple[int, int, int]]:
    """(first page, last page, rate) of every band that `pages` reaches, last one cut at `pages`."""
    used = []
    for first, last, rate in PAGE_BANDS:
        if pages < first:
            break
        end = pages if last is None else min(pages, last)
        used.append((first, end, rate))
    return used


def per_page_fee(pages: int) -> int:
    """Yuan for `pages` pages under 按量计收, progressive by band."""
    if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
        raise ValueError("页数应为不小于0的整数，请核对")
    return sum((end - first + 1) * rate for first, end, rate in _page_bands_used(pages))


def _yuan(amount: int) -> str:
    return f"{amount}元"


def _request_quote(nth_in_month: int, units: int) -> FeeQuote:
    amount = per_request_total(nth_in_month, units)
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
        fee = per_request_fee(n)
        end = n
        while end < last and per_request_fee(end + 1) == fee:
            end += 1
        span = f"第{n}件" if end == n else f"第{n}—{end}件"
        if fee == 0:
            lines.append(f"{span}：本自然月前{FREE_REQUESTS_PER_MONTH}件免费")
        else:
            lines.append(f"{span}：{end - n + 1}件×{fee}元={_yuan((end - n + 1) * fee)}")
        n = end + 1
    lines.append(f"合计：{_yuan(amount)}" if amount else "合计：0元（免费）")
    return FeeQuote(amount, FeeMethod.PER_REQUEST, lines)


def _page_quote(pages: int) -> FeeQuote:
    amount = per_page_fee(pages)
    lines = [f"{FeeMethod.PER_PAGE.label}（{SOURCE}）：共{pages}页"]
    for first, end, rate in _page_bands_used(pages):
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
) -> FeeQuote:
    """The fee of one request under one method, with a band-by-band explanation for the fee notice.

    Raises ValueError (Chinese message) for an unknown method, for figures of both methods at once,
    and for a missing or invalid figure.
    """
    if nth_in_month is not None and pages is not None:
        raise ValueError("按件计收与按量计收只能选择其一，不能同时适用：请只填写申请件次或页数中的一项")
    try:
        method = FeeMethod(method)
    except ValueError:
        raise ValueError("收费方式无效，请选择“按件计收”或“按量计收”") from None
    if method is FeeMethod.PER_REQUEST:
        if nth_in_month is None:
            raise ValueError("按件计收需要填写该申请是申请人本自然月的第几件申请")
        return _request_quote(nth_in_month, units)
    if pages is None:
        raise ValueError("按量计收需要填写页数")
    if units != 1:
        raise ValueError("拆分件数只适用于按件计收，按量计收请只填写页数")
    return _page_quote(pages)
