"""Administrative reconsideration and litigation records of a request (行政复议 / 行政诉讼) — table 四's inputs.

Kinds and results are table 四's block and column ids (tracker.rules.report_layout). Rules checked:
filing and conclusion dates are not in the future and not before the request's receipt date; the
conclusion is not before the filing; a result needs a conclusion date and a conclusion date needs a
result; a lawsuit after reconsideration needs the reconsideration of this request recorded and
concluded on or before the lawsuit's filing date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import audit
from ..errors import ServiceError
from ..rules.clock import today_cn
from ..rules.intake import format_date_cn as cn
from ..rules.report_layout import TABLE4_BLOCKS, TABLE4_COLUMNS, TABLE4_PARTS
from ..unit_of_work import unit_of_work
from .models import DisclosureRequest, Review
from .services import CONFLICT, Done, Invalid, _date_error, _finish, _start, _text

REVIEW_KINDS: dict[str, str] = {
    b.id: (f"{b.parent_label}（{b.label}）" if b.parent_label else b.label) for b in TABLE4_BLOCKS
}
REVIEW_RESULTS: dict[str, str] = {c.id: c.label for c in TABLE4_COLUMNS if c.id in TABLE4_PARTS and c.id != "pending"}


def review_errors(req: DisclosureRequest, data: dict, today: date, *, review: Review | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in REVIEW_KINDS:
        errors["kind"] = "请选择类型：行政复议、未经复议直接起诉或复议后起诉。"
    filed = data.get("filed_on")
    if err := _date_error("申请（起诉）日期", filed, today, (req.received_on, "收到政府信息公开申请之日")):
        errors["filed_on"] = err
    concluded = data.get("concluded_on")
    result = data.get("result") or None
    if concluded not in (None, ""):
        if err := _date_error(
            "审结日期", concluded, today, (filed if isinstance(filed, date) else None, "申请（起诉）日期")
        ):
            errors["concluded_on"] = err
        elif result is None:
            errors["result"] = "已填写审结日期，请选择审结结果（维持、纠正或其他）。"
    if result is not None:
        if result not in REVIEW_RESULTS:
            errors["result"] = "审结结果只能是：结果维持、结果纠正或其他结果。"
        elif concluded in (None, ""):
            errors["result"] = "尚未审结的不能填写结果：请同时填写审结日期，或把结果留空（尚未审结）。"
    if kind == "litigation_after_reconsideration" and isinstance(filed, date) and "filed_on" not in errors:
        prior = [
            r
            for r in req.reviews
            if r.kind == "reconsideration"
            and r is not review
            and r.concluded_on is not None
            and r.concluded_on <= filed
        ]
        if not prior:
            errors["kind"] = (
                f"“复议后起诉”须先登记本申请的行政复议，并且复议已在起诉日期（{cn(filed)}）或之前审结；"
                "未经复议的请选择“未经复议直接起诉”。"
            )
    return errors


def _clean(data: dict, errors: dict) -> dict[str, Any]:
    return {
        "kind": data.get("kind"),
        "filed_on": data.get("filed_on"),
        "concluded_on": data.get("concluded_on") or None,
        "result": data.get("result") or None,
        "body": _text(errors, "body", data.get("body"), "复议机关或法院", limit=200),
        "note": _text(errors, "note", data.get("note"), "备注"),
    }


def record_review(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    today = today or today_cn()
    with unit_of_work(CONFLICT):
        _start(actor, req, "record_review", version)
        errors = review_errors(req, data, today)
        clean = _clean(data, errors)
        if errors:
            raise Invalid(errors)
        review = Review(agency_id=req.agency_id, **clean)
        req.reviews.append(review)
        # A review does not touch the clock; a concluded case's deadline stays as it was answered.
        _finish(
            actor,
            req,
            "review.recorded",
            {
                "kind": REVIEW_KINDS[clean["kind"]],
                "filed_on": clean["filed_on"],
                "result": REVIEW_RESULTS.get(clean["result"] or ""),
            },
            refresh=req.is_open,
        )
        return Done(f"已登记{REVIEW_KINDS[clean['kind']]}。")


def update_review(actor, req: DisclosureRequest, *, version, review_id, today: date | None = None, **data) -> Done:
    today = today or today_cn()
    with unit_of_work(CONFLICT):
        _start(actor, req, "update_review", version)
        review = next((r for r in req.reviews if str(r.id) == str(review_id)), None)
        if review is None:
            raise Invalid({"review_id": "请选择要更新的复议或诉讼记录。"})
        errors = review_errors(req, data, today, review=review)
        clean = _clean(data, errors)
        if errors:
            raise Invalid(errors)
        was_open = review.concluded_on is None
        diff = audit.changes(review, clean)
        if not diff:
            raise ServiceError("没有修改任何内容。")
        diff["review_id"] = review.id
        kind = "review.concluded" if was_open and review.concluded_on is not None else "review.updated"
        _finish(actor, req, kind, diff, refresh=req.is_open)
        return Done("复议诉讼记录已更新。")
