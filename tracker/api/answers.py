"""The answer goes back the way the request came: the platform fetches the answer letter of a concluded
case and reports when it showed it to the applicant, which is recorded as the answer's delivery (method
网络平台, sent date = that moment's China date) through the one delivery service
(tracker.disclosure.delivery.record_delivery), so it decides timeliness like any other delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..attachments import Attachment
from ..audit import Event
from ..disclosure import delivery, letters
from ..disclosure.models import DisclosureRequest, LetterVersion
from ..errors import ServiceError
from ..extensions import db
from ..rules.clock import today_cn
from .intake import parse_confirmed_at

# The events that conclude a case with an answer letter (services.conclude and the lapses).
CONCLUDING = ("request.concluded", "request.clarification_lapsed", "request.fee_lapsed")


class NotReady(ServiceError):
    """The case has no answer letter the platform may fetch yet (409)."""


def answer_attachment(req: DisclosureRequest) -> Attachment:
    """The answer letter generated since the case was (last) concluded; NotReady otherwise."""
    if not letters._has_answer(req):
        raise NotReady("该申请尚未办结（或已撤回），还没有答复书。")
    row = letters.letter_row(req, "answer")
    concluded_at = db.session.scalar(
        select(func.max(Event.created_at)).where(
            Event.subject_type == "request", Event.subject_id == req.id, Event.kind.in_(CONCLUDING)
        )
    )
    version = None
    if row is not None and concluded_at is not None:
        version = db.session.scalar(
            select(LetterVersion)
            .where(LetterVersion.letter_id == row.id, LetterVersion.generated_at >= concluded_at)
            .order_by(LetterVersion.version.desc())
            .limit(1)
        )
    if version is None:
        raise NotReady("该申请已办结，但答复书尚未生成，请稍后再取（本机关生成答复书后即可取回）。")
    return db.session.get(Attachment, version.attachment_id)


def record_shown(token_actor, req: DisclosureRequest, delivered_at) -> tuple[bool, str]:
    """Record that the platform showed the answer to the applicant at ``delivered_at`` (an ISO string).
    (recorded now?, message). FieldErrors under "delivered_at" for a bad time; NotReady before an answer."""
    from ..errors import FieldErrors

    moment, why = parse_confirmed_at(delivered_at)
    if why:
        raise FieldErrors({"delivered_at": why.replace("双方确认的时间", "向申请人展示答复书的时间")})
    answer_attachment(req)  # there is an answer letter to have shown
    day = today_cn(moment) if isinstance(moment, datetime) else None
    if req.delivery_method == "online" and req.delivered_on == day:
        return False, "该答复的送达已登记，无需重复回报。"
    try:
        done = delivery.record_delivery(
            token_actor, req, version=req.version, key="answer", delivery_method="online", delivered_on=day
        )
    except FieldErrors as e:
        raise FieldErrors({"delivered_at": "；".join(e.errors.values())}) from None
    return True, "；".join([done.message, *done.warnings])
