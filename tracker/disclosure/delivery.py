"""Delivery (送达) of a case's letters: how and when each reached its recipient, with its proof.

One service, `record_delivery`, for every letter of the case (answer, 受理回执, 补正, 延期, 征求意见, 收费,
决定公开告知书): the method, the date that counts for it (posted: the day handed to the post, 交邮; handed
over: the day signed for, 签收; e-mail, online platform or fax: the day sent), the tracking number of a
posted letter and an optional proof (a scan of the receipt). Its effects:

- the answer letter's delivery is mirrored on the request (delivered_on, delivery_method): the delivery
  date, not the letter's date, decides whether the answer was given on time (rules.deadlines
  .answer_timeliness);
- a consultation letter's or a fee notice's *recipient receipt date* (clock_action.served_on) starts the
  recipient's window: 15 working days for the consulted party (条例第三十二条、第三十四条), 20 for the fee
  (109号);
- an extension notice delivered after the deadline it extends is flagged (条例第三十三条: the extension
  must be notified to the applicant within the period).

Impossible dates are refused with a Chinese message and nothing changes: a delivery before the letter's
date or in the future, a recipient's receipt before the letter was sent or delivered.
"""

from __future__ import annotations

import re
from datetime import date

from .. import audit
from ..attachments import Upload, check_upload
from ..rules import deadlines
from ..rules.clock import today_cn, utcnow
from ..rules.intake import format_date_cn as cn
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import letters, workflow
from .models import LETTER_FAMILIES, DisclosureRequest
from .services import CONFLICT, Done, Invalid, _date_error, _finish, _start

# The date that counts as the delivery, by method (rules.md: answers count as given on their delivery).
DATE_LABELS: dict[str, str] = {
    "post": "交邮日期",
    "in_person": "签收日期",
    "email": "发送日期",
    "online": "发送日期",
    "fax": "发送日期",
    "other": "送达日期",
}
# Methods where the recipient has the letter on the delivery date itself.
SAME_DAY = frozenset({"in_person", "email", "online", "fax"})
# Letters whose recipient's receipt date starts a window.
SERVED_FAMILIES = frozenset({"consultation", "fee"})
TRACKING = re.compile(r"^[A-Za-z0-9-]{1,60}$")
PROOF_KIND = "delivery_proof"


def delivery_fields(key: str) -> bool:
    """Whether the delivery form of this letter asks for the recipient's receipt date."""
    return key.partition(":")[0] in SERVED_FAMILIES


def _window_end(family: str, served: date) -> date:
    cal = current_calendar()
    if family == "consultation":
        return deadlines.consultation_window_end(served, cal)
    return deadlines.fee_payment_deadline(served, cal)


def check_delivery(
    req: DisclosureRequest, key: str, method, delivered_on, tracking_number, served_on, today: date
) -> tuple[dict, dict]:
    """Validate a delivery of the letter `key`; returns (clean values, errors {field: message})."""
    errors: dict[str, str] = {}
    keys = {a.key for a in letters.available_letters(req)}
    if key not in keys:
        return {}, {"key": "请选择要登记送达的告知书。"}
    if key == "answer" and not letters._has_answer(req):
        return {}, {"key": "答复书尚未随办结发出（送审稿不能登记送达），请办结后再登记送达。"}
    family = key.partition(":")[0]
    bears = letters.letter_date(req, key)
    if method not in workflow.DELIVERY_METHODS:
        errors["delivery_method"] = "请选择送达方式（邮寄、电子邮件、网络平台、当面送达等）。"
    label = DATE_LABELS.get(method, "送达日期")
    if err := _date_error(label, delivered_on, today, (bears, "告知书的日期")):
        errors["delivered_on"] = err
    tracking = (tracking_number or "").strip() if isinstance(tracking_number, str) else ""
    if tracking and not TRACKING.match(tracking):
        errors["tracking_number"] = "邮件单号只能由字母、数字和“-”组成，最多60个字符，请核对。"
    served = served_on or None
    action = letters._clock(req, key, family) if family in SERVED_FAMILIES else None
    if family in SERVED_FAMILIES:
        if served is None and method in SAME_DAY and isinstance(delivered_on, date):
            served = delivered_on  # handed over or sent electronically: received the same day
        if served is not None and "delivered_on" not in errors:
            if err := _date_error(
                "对方收到日期",
                served,
                today,
                (bears, "告知书发出日期"),
                (delivered_on if isinstance(delivered_on, date) else None, label),
            ):
                errors["served_on"] = err
        if action is not None and action.state != "open" and served != action.served_on:
            errors["served_on"] = (
                f"{'征求意见' if family == 'consultation' else '缴费'}已经结束，不能再修改对方收到日期"
                f"（已登记为{cn(action.served_on) if action.served_on else '未登记'}）。"
            )
    elif served is not None:
        errors["served_on"] = "只有征求意见书和收费通知书需要登记对方收到日期。"
    clean = {"delivery_method": method, "delivered_on": delivered_on, "tracking_number": tracking or None}
    return {**clean, "served_on": served, "family": family, "action": action, "bears": bears}, errors


def record_delivery(
    actor,
    req: DisclosureRequest,
    *,
    version,
    key,
    delivery_method,
    delivered_on,
    tracking_number: str = "",
    served_on=None,
    proof: Upload | None = None,
    today: date | None = None,
) -> Done:
    """Record (or correct) how and when the letter `key` of the case was delivered."""
    from .intake import add_attachment

    today = today or today_cn()
    with unit_of_work(CONFLICT):
        _start(actor, req, "record_delivery", version)
        clean, errors = check_delivery(req, key or "", delivery_method, delivered_on, tracking_number, served_on, today)
        if err := check_upload(proof):
            errors["proof"] = err
        if errors:
            raise Invalid(errors)
        family, action = clean["family"], clean["action"]
        row = letters._letter_row_for(req, key)
        diff = audit.changes(
            row,
            {
                "delivery_method": clean["delivery_method"],
                "delivered_on": clean["delivered_on"],
                "tracking_number": clean["tracking_number"],
            },
        )
        row.delivery_recorded_at, row.delivery_recorded_by_id = utcnow(), actor.id
        if proof is not None:
            att = add_attachment(actor, req, proof, kind=PROOF_KIND, record_event=False)
            from ..extensions import db

            db.session.flush()
            row.proof_attachment_id = att.id
            diff["proof"] = att.original_name
        warnings: list[str] = []
        if action is not None and clean["served_on"] != action.served_on:
            diff["served_on"] = [action.served_on, clean["served_on"]]
            action.served_on = clean["served_on"]
            if clean["served_on"] is not None:
                action.window_end = _window_end(family, clean["served_on"])
                diff["window_end"] = action.window_end
        if family in SERVED_FAMILIES and action is not None and action.served_on is None:
            warnings.append("尚未登记对方收到日期：对方的答复（缴费）期限自收到之日起计算，收到后请补充登记。")
        if key == "answer":
            diff.update(
                audit.changes(req, {"delivery_method": clean["delivery_method"], "delivered_on": clean["delivered_on"]})
            )
            status = deadlines.answer_timeliness(req.due_date, req.delivered_on, today)
            if status == deadlines.ANSWERED_LATE:
                warnings.append(
                    f"答复于{cn(req.delivered_on)}送达，晚于答复期限{cn(req.due_date)}：本案按超期答复记录。"
                )
        if late := letters.extension_notice_late(req, row):
            warnings.append(f"{late}：延期应在答复期限届满前告知申请人，已如实记录。")
        label = LETTER_FAMILIES.get(family, family)
        diff = {"letter": label, "key": key, **diff}
        _finish(actor, req, "request.letter_delivered", diff, refresh=req.is_open)
        method_label = workflow.DELIVERY_METHODS[clean["delivery_method"]]
        return Done(
            f"已登记{label}的送达：{method_label}，{DATE_LABELS[clean['delivery_method']]}{cn(clean['delivered_on'])}。",
            warnings,
        )
