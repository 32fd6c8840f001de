"""Administrative reconsideration and litigation records (行政复议 / 行政诉讼) — table 四's inputs.

Most follow an answer to a registered request (`record_review` / `update_review` on the case). Some are
not tied to a registered request — about 主动公开, about a request the agency says it never received, or
other disclosure work — and are registered on their own (`record_unattached_review` /
`update_unattached_review`): table 四 counts them all alike.

Kinds and results are table 四's block and column ids (tracker.rules.report_layout). Rules checked:
filing and conclusion dates are not in the future and not before the request's receipt date; the
conclusion is not before the filing; a result needs a conclusion date and a conclusion date needs a
result. A lawsuit after reconsideration needs that reconsideration recorded and concluded on or before the
lawsuit's filing date — unless the form says where the reconsideration is (it predates the records, or
was never registered with us): then it is recorded with a data-quality note (`data_note`) the report lists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from .. import audit
from ..accounts import roles
from ..errors import NotFound, ServiceError
from ..extensions import db
from ..rules.clock import today_cn
from ..rules.intake import format_date_cn as cn
from ..rules.report_layout import TABLE4_BLOCKS, TABLE4_COLUMNS, TABLE4_PARTS
from ..types import is_id
from ..unit_of_work import unit_of_work
from .models import REVIEW_SUBJECTS, DisclosureRequest, Review
from .services import CONFLICT, Done, Invalid, _date_error, _finish, _start, _text

REVIEW_KINDS: dict[str, str] = {
    b.id: (f"{b.parent_label}（{b.label}）" if b.parent_label else b.label) for b in TABLE4_BLOCKS
}
REVIEW_RESULTS: dict[str, str] = {c.id: c.label for c in TABLE4_COLUMNS if c.id in TABLE4_PARTS and c.id != "pending"}
UNATTACHED_SUBJECTS: dict[str, str] = {k: v for k, v in REVIEW_SUBJECTS.items() if k != "request"}
AFTER = "litigation_after_reconsideration"


def prior_note(note: str) -> str:
    return f"复议后起诉：所依据的行政复议未在本系统登记（{note}）"


def review_errors(
    req: DisclosureRequest | None,
    data: dict,
    today: date,
    *,
    review: Review | None = None,
    has_prior: bool | None = None,
) -> dict[str, str]:
    """What is wrong with a review's data (field -> Chinese message); `req` None for an unattached review.

    ``has_prior``: whether a reconsideration concluded on or before the filing date is recorded (for a
    复议后起诉); None: look among the request's own reviews."""
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in REVIEW_KINDS:
        errors["kind"] = "请选择类型：行政复议、未经复议直接起诉或复议后起诉。"
    filed = data.get("filed_on")
    floor = (req.received_on, "收到政府信息公开申请之日") if req is not None else (None, "")
    if err := _date_error("申请（起诉）日期", filed, today, floor):
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
    note = (data.get("prior_reconsideration") or "").strip()
    if kind == AFTER and isinstance(filed, date) and "filed_on" not in errors:
        if has_prior is None:
            has_prior = _has_prior(req.reviews if req else [], filed, review)
        if not has_prior and not note:
            errors["kind"] = (
                f"“复议后起诉”须先登记行政复议，并且复议已在起诉日期（{cn(filed)}）或之前审结；"
                "复议早于本系统的记录或未在本机关登记的，请在“行政复议情况说明”中写明（将作为数据说明列入年度报告核对）；"
                "未经复议的请选择“未经复议直接起诉”。"
            )
    if len(note) > 500:
        errors["prior_reconsideration"] = "行政复议情况说明不能超过500个字。"
    return errors


def _clean(data: dict, errors: dict, *, has_prior: bool) -> dict[str, Any]:
    note = _text(errors, "prior_reconsideration", data.get("prior_reconsideration"), "行政复议情况说明", limit=500)
    return {
        "kind": data.get("kind"),
        "filed_on": data.get("filed_on"),
        "concluded_on": data.get("concluded_on") or None,
        "result": data.get("result") or None,
        "body": _text(errors, "body", data.get("body"), "复议机关或法院", limit=200),
        "note": _text(errors, "note", data.get("note"), "备注"),
        "data_note": prior_note(note) if note and data.get("kind") == AFTER and not has_prior else None,
    }


def _has_prior(candidates, filed, review=None) -> bool:
    return any(
        r.kind == "reconsideration" and r is not review and r.concluded_on is not None and r.concluded_on <= filed
        for r in candidates
    )


def record_review(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    today = today or today_cn()
    with unit_of_work(CONFLICT):
        _start(actor, req, "record_review", version)
        errors = review_errors(req, data, today)
        clean = _clean(data, errors, has_prior=_has_prior(req.reviews, data.get("filed_on")))
        if errors:
            raise Invalid(errors)
        review = Review(agency_id=req.agency_id, subject="request", **clean)
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
                "note": clean["data_note"],
            },
            refresh=req.is_open,
        )
        return Done(f"已登记{REVIEW_KINDS[clean['kind']]}。", [clean["data_note"]] if clean["data_note"] else [])


def update_review(actor, req: DisclosureRequest, *, version, review_id, today: date | None = None, **data) -> Done:
    today = today or today_cn()
    with unit_of_work(CONFLICT):
        _start(actor, req, "update_review", version)
        review = next((r for r in req.reviews if str(r.id) == str(review_id)), None)
        if review is None:
            raise Invalid({"review_id": "请选择要更新的复议或诉讼记录。"})
        errors = review_errors(req, data, today, review=review)
        clean = _clean(data, errors, has_prior=_has_prior(req.reviews, data.get("filed_on"), review))
        if errors:
            raise Invalid(errors)
        if clean["data_note"] is None and not data.get("prior_reconsideration"):
            clean.pop("data_note")  # an update that does not touch the note keeps it
        was_open = review.concluded_on is None
        diff = audit.changes(review, clean)
        if not diff:
            raise ServiceError("没有修改任何内容。")
        diff["review_id"] = review.id
        kind = "review.concluded" if was_open and review.concluded_on is not None else "review.updated"
        _finish(actor, req, kind, diff, refresh=req.is_open)
        return Done("复议诉讼记录已更新。")


# --- reviews not tied to a registered request ----------------------------------------------------------


def unattached_reviews(agency_id: int, limit: int = 200) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.agency_id == agency_id, Review.request_id.is_(None))
            .order_by(Review.filed_on.desc(), Review.id.desc())
            .limit(limit)
        )
    )


def get_unattached(actor, review_id: int) -> Review:
    """An unattached review of the actor's agency; NotFound (as for a missing one) otherwise."""
    review = db.session.get(Review, review_id) if is_id(review_id) else None
    if review is None or review.request_id is not None or actor is None or review.agency_id != actor.agency_id:
        raise NotFound("没有找到这条复议诉讼记录。")
    return review


def _unattached_prior(agency_id: int, filed: object, review: Review | None) -> bool:
    """Whether an unattached reconsideration of the agency concluded on or before ``filed`` (one SQL query)."""
    if not isinstance(filed, date):
        return False
    q = select(Review.id).where(
        Review.agency_id == agency_id,
        Review.request_id.is_(None),
        Review.kind == "reconsideration",
        Review.concluded_on.is_not(None),
        Review.concluded_on <= filed,
    )
    if review is not None:
        q = q.where(Review.id != review.id)
    return db.session.scalar(q.limit(1)) is not None


def _unattached_errors(actor, data: dict, today: date, review: Review | None) -> tuple[dict, dict]:
    has_prior = _unattached_prior(actor.agency_id, data.get("filed_on"), review)
    errors = review_errors(None, data, today, review=review, has_prior=has_prior)
    subject = data.get("subject")
    if subject not in UNATTACHED_SUBJECTS:
        errors["subject"] = "请选择复议诉讼所涉事项：主动公开、本机关未收到的申请或其他。"
    about = _text(errors, "subject_note", data.get("subject_note"), "所涉事项说明", required=True, limit=2000)
    clean = _clean(data, errors, has_prior=has_prior)
    return {**clean, "subject": subject, "subject_note": about}, errors


def record_unattached_review(actor, *, today: date | None = None, **data) -> Review:
    """Register a reconsideration or lawsuit not tied to a registered request; counted in table 四."""
    roles.require(actor, "review.manage")
    today = today or today_cn()
    clean, errors = _unattached_errors(actor, data, today, None)
    if errors:
        raise Invalid(errors)
    with unit_of_work():
        review = Review(agency_id=actor.agency_id, request_id=None, **clean)
        db.session.add(review)
        db.session.flush()
        audit.log(
            "review.recorded",
            review,
            actor,
            {
                "kind": REVIEW_KINDS[clean["kind"]],
                "subject": UNATTACHED_SUBJECTS[clean["subject"]],
                "filed_on": clean["filed_on"],
                "result": REVIEW_RESULTS.get(clean["result"] or ""),
            },
            note=clean["subject_note"],
        )
    return review


def update_unattached_review(actor, review: Review, *, today: date | None = None, **data) -> dict:
    roles.require(actor, "review.manage")
    today = today or today_cn()
    clean, errors = _unattached_errors(actor, data, today, review)
    if errors:
        raise Invalid(errors)
    if clean["data_note"] is None and not data.get("prior_reconsideration"):
        clean.pop("data_note")
    with unit_of_work():
        was_open = review.concluded_on is None
        diff = audit.changes(review, clean)
        if diff:
            kind = "review.concluded" if was_open and review.concluded_on is not None else "review.updated"
            audit.log(kind, review, actor, diff)
    return diff
