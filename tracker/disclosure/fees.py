"""The information processing fee of one request (信息处理费), from the records.

The amounts come from tracker.rules.fees only; this module supplies the figures the rules need:

- 按件计收 (per request): the request's position among the applicant's requests in the calendar month
  of its receipt date, counted in SQL. The same applicant is recognised by the identity number when the
  request carries one (same agency, same number), otherwise by the exact name *and* applicant type.
  Requests are ordered by receipt date, then by registration order. The requests the office split off
  one application (services.split_request, 109号第四条 "以合理的最小单位拆分计算件数") share its receipt
  date and count one 件 each, matched as the same applicant whatever was later corrected on one of them.
  Matching by name alone can merge
  two people of the same name, and a person who sometimes gives a number and sometimes not is split;
  so the calculation lists the matched requests and the office checks them before it confirms the
  amount (services.fee_notice refuses an amount that differs from the calculation).
- 按量计收 (per page): the page count the office enters.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..rules import fees as fee_rules
from .models import DisclosureRequest

SHOWN_MATCHES = 50


@dataclass(frozen=True)
class MonthPosition:
    nth: int  # this request is the applicant's nth of the month
    matched_by: str  # "id_number" | "name"
    month_start: date
    month_end: date
    earlier_numbers: list[str] = field(default_factory=list)  # case numbers counted before it (capped)

    @property
    def matched_by_label(self) -> str:
        return "证件号码" if self.matched_by == "id_number" else "申请人姓名（名称）及类型"


@dataclass(frozen=True)
class FeeCalculation:
    quote: fee_rules.FeeQuote
    position: MonthPosition | None  # None for 按量计收
    pages: int | None
    units: int

    @property
    def amount(self) -> int:
        return self.quote.amount_yuan

    def details(self) -> dict:
        """What the fee notice's clock action stores (JSON)."""
        pos = self.position
        return {
            "method": self.quote.method.value,
            "amount": self.amount,
            "pages": self.pages,
            "units": self.units,
            "nth": pos.nth if pos else None,
            "matched_by": pos.matched_by if pos else None,
            "earlier": pos.earlier_numbers if pos else [],
            "explanation": list(self.quote.explanation),
        }


def _same_applicant(req: DisclosureRequest):
    R = DisclosureRequest
    root = req.split_from_id or req.id
    family = or_(R.id == root, R.split_from_id == root)  # the parts of one split application
    if req.id_number:
        return or_(R.id_number == req.id_number, family), "id_number"
    # anonymised cases (tracker.personal) share the placeholder name: they are nobody's earlier requests
    same_name = and_(
        R.applicant_name == req.applicant_name, R.applicant_type == req.applicant_type, R.anonymised_at.is_(None)
    )
    return or_(same_name, family), "name"


def split_parts(req: DisclosureRequest) -> int:
    """How many requests the application of `req` was formally split into (1 when not split)."""
    R = DisclosureRequest
    root = req.split_from_id or req.id
    return int(
        db.session.scalar(
            select(func.count()).where(R.agency_id == req.agency_id, or_(R.id == root, R.split_from_id == root))
        )
    )


def month_position(req: DisclosureRequest) -> MonthPosition:
    """The request's place among the same applicant's requests received in its calendar month (SQL count)."""
    r = req.received_on
    start = date(r.year, r.month, 1)
    end = date(r.year, r.month, _gregorian.monthrange(r.year, r.month)[1])
    same, how = _same_applicant(req)
    before = or_(
        DisclosureRequest.received_on < r, and_(DisclosureRequest.received_on == r, DisclosureRequest.id < req.id)
    )
    where = (
        DisclosureRequest.agency_id == req.agency_id,
        DisclosureRequest.received_on >= start,
        DisclosureRequest.received_on <= end,
        same,
        before,
    )
    earlier_count = db.session.scalar(select(func.count()).select_from(DisclosureRequest).where(*where))
    numbers = list(
        db.session.scalars(
            select(DisclosureRequest.number)
            .where(*where)
            .order_by(DisclosureRequest.received_on, DisclosureRequest.id)
            .limit(SHOWN_MATCHES)
        )
    )
    return MonthPosition(
        nth=earlier_count + 1, matched_by=how, month_start=start, month_end=end, earlier_numbers=numbers
    )


def calculate(req: DisclosureRequest, method: str, *, pages: int | None = None, units: int = 1) -> FeeCalculation:
    """The fee of this request; ValueError with a Chinese message for bad figures (from the rules)."""
    try:
        fee_method = fee_rules.FeeMethod(method)
    except ValueError:
        raise ValueError("收费方式无效，请选择“按件计收”或“按量计收”") from None
    if fee_method is fee_rules.FeeMethod.PER_REQUEST:
        if units != 1 and (parts := split_parts(req)) > 1:
            raise ValueError(
                f"本申请已正式拆分登记为{parts}件，每件按件单独计算（已计入申请人本月件数）：拆分件数请填1"
            )
        pos = month_position(req)
        quote = fee_rules.fee_for(fee_method, nth_in_month=pos.nth, units=units, received_on=req.received_on)
        return FeeCalculation(quote, pos, None, units)
    if pages is None:
        raise ValueError("按量计收需要填写页数")
    quote = fee_rules.fee_for(fee_method, pages=pages, units=units, received_on=req.received_on)
    return FeeCalculation(quote, None, pages, 1)
