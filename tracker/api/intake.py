"""A request from the online platform: the JSON body read into the registration form's data, then the
one intake service (tracker.disclosure.intake.register_request) — one validation, two doors.

What is the API's own: the JSON types and paths, the submission id (the call is idempotent on it per
agency: a retry, also one racing the first call, gets the case the first created) and the receipt date,
which is not typed but follows from the confirmation time (rules.intake.online_receipt_date, Art. 31(三)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts import roles
from ..disclosure import intake as form_intake
from ..disclosure.models import DisclosureRequest
from ..errors import FieldErrors
from ..extensions import db
from ..rules import intake as intake_rules
from ..rules.clock import date_problem, today_cn
from ..rules.report_layout import APPLICANT_TYPE_IDS
from ..rules.text import problem
from . import codes

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
SUBJECT_CHARS = 60  # a subject the platform does not send: the content's first line, cut here

# JSON path -> the form's field (the form's messages name the form's fields; the API answers in paths).
APPLICANT_FIELDS = {
    "type": "applicant_type",
    "name": "applicant_name",
    "contact_person": "contact_person",
    "id_type": "id_type",
    "id_number": "id_number",
    "phone": "phone",
    "address": "address",
    "postcode": "postcode",
    "email": "email",
}
TOP_FIELDS = ("content", "subject", "purpose", "provision_form", "obtain_way", "remarks")
MULTILINE = frozenset({"content", "purpose", "remarks"})
PATH_OF = {form: f"applicant.{key}" for key, form in APPLICANT_FIELDS.items()} | {f: f for f in TOP_FIELDS}
PATH_OF["received_on"] = "confirmed_at"  # the receipt date is the confirmation's day
PATH_OF["sent_on"] = "confirmed_at"


@dataclass(frozen=True)
class PlatformActor:
    """Who registers a request that came through a platform's token: the agency's disclosure office's
    front door. It reaches the agency's cases (role OFFICE, for the scope checks) but holds only the
    permissions of REACH — registering, and recording the answer's delivery — and is no user (no id)."""

    token_id: int
    token_name: str
    agency: object
    agency_id: int
    id: None = None
    role: str = roles.OFFICE
    section_id: None = None
    active: bool = True
    REACH = frozenset({"request.register", "request.letters"})

    def can(self, permission: str) -> bool:
        return permission in self.REACH


def actor_for(token) -> PlatformActor:
    return PlatformActor(token.id, token.name, token.agency, token.agency_id)


def _text(value, path: str, errors: dict, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            errors[path] = "缺少此项，请填写。"
        return None
    if not isinstance(value, str):
        errors[path] = "此项应为文字（JSON 字符串）。"
        return None
    if why := problem(value, path.split(".")[-1] in MULTILINE):
        errors[path] = why
        return None
    return value


def parse_confirmed_at(value) -> tuple[datetime | None, str | None]:
    if not isinstance(value, str):
        return None, "请填写双方确认的时间，ISO 8601 格式并带时区，例如 2026-11-30T10:15:00+08:00。"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None, f"“{value[:40]}”不是有效的时间，请按 ISO 8601 格式并带时区填写，例如 2026-11-30T10:15:00+08:00。"
    if moment.tzinfo is None:
        return None, "时间须带时区（例如 +08:00 或 Z），否则无法确定北京时间的日期。"
    if why := date_problem(moment.date()):
        return None, why
    return moment, None


def read_body(body) -> tuple[dict, dict[str, str]]:
    """The form's data of a JSON body, and the API's own errors {JSON path: message}."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        return {}, {"": "请求体应为一个 JSON 对象。"}
    sid = body.get("submission_id")
    if not isinstance(sid, str) or not SUBMISSION_ID.match(sid):
        errors["submission_id"] = "请填写平台的申请编号：1至64位字母、数字或 _ . : -，以字母或数字开头。"
    confirmed, why = parse_confirmed_at(body.get("confirmed_at"))
    if why:
        errors["confirmed_at"] = why
    applicant = body.get("applicant")
    if not isinstance(applicant, dict):
        errors["applicant"] = "请填写申请人信息（JSON 对象，含 type、name 等）。"
        applicant = {}
    data: dict = {}
    for key, field in APPLICANT_FIELDS.items():
        data[field] = _text(applicant.get(key), f"applicant.{key}", errors, required=key in ("type", "name"))
    for field in TOP_FIELDS:
        data[field] = _text(body.get(field), field, errors, required=field == "content")
    for key in set(applicant) - set(APPLICANT_FIELDS):
        errors[f"applicant.{key}"[:80]] = "没有这一项，请删除（可填写的项见接口文档 /api/v1/openapi.json）。"
    for key in set(body) - set(TOP_FIELDS) - {"submission_id", "confirmed_at", "applicant"}:
        errors[str(key)[:80]] = "没有这一项，请删除（可填写的项见接口文档 /api/v1/openapi.json）。"
    if data["applicant_type"] is not None and data["applicant_type"] not in APPLICANT_TYPE_IDS:
        errors["applicant.type"] = "申请人类型应为以下之一：" + "、".join(APPLICANT_TYPE_IDS) + "。"
    if not data["id_type"]:  # a number without its type: the usual document of the applicant's kind
        data["id_type"] = (
            ("resident_id" if data["applicant_type"] == "natural_person" else "uscc") if data["id_number"] else "none"
        )
    if not (data["subject"] or "").strip() and data["content"]:
        data["subject"] = data["content"].strip().splitlines()[0][:SUBJECT_CHARS] if data["content"].strip() else ""
    data["obtain_way"] = data["obtain_way"] or "online"
    data["channel"] = "online"
    data["submission_id"] = sid if isinstance(sid, str) else None
    data["confirmed_at"] = confirmed
    data["received_on"] = intake_rules.online_receipt_date(confirmed) if confirmed else None
    data["sent_on"] = None
    data["source"] = "api"
    return data, errors


def existing(agency_id: int, submission_id: str) -> DisclosureRequest | None:
    return db.session.scalar(
        select(DisclosureRequest).where(
            DisclosureRequest.agency_id == agency_id, DisclosureRequest.submission_id == submission_id
        )
    )


def receipt(req: DisclosureRequest) -> dict:
    """What the platform shows the applicant: the 201 body, and the same body on every retry."""
    return {
        "number": req.number,
        "verification_code": codes.code_of(req.status_code_hash),
        "received_on": req.received_on.isoformat(),
        "due_on": req.due_date.isoformat() if req.due_date else None,
    }


class Invalid(FieldErrors):
    """Field errors under the JSON paths of the body."""


def submit(token, body) -> tuple[DisclosureRequest, bool]:
    """(the case, whether this call created it). Invalid when the body is wrong; nothing written then."""
    data, errors = read_body(body)
    if data.get("submission_id") and "submission_id" not in errors:
        if found := existing(token.agency_id, data["submission_id"]):
            return found, False
    form_errors = form_intake.validate(data, today_cn())
    for field, message in form_errors.items():
        errors.setdefault(PATH_OF.get(field, field), message)
    if errors:
        raise Invalid(errors)
    _, data["status_code_hash"] = codes.issue()
    data["via"] = f"接口令牌“{token.name}”（{token.prefix}…）"
    try:
        return form_intake.register_request(actor_for(token), data), True
    except IntegrityError:  # the same submission registered by a retry racing this call: that case stands
        db.session.rollback()
        if found := existing(token.agency_id, data["submission_id"]):
            return found, False
        raise


def submitted_elsewhere(agency_id: int, submission_id: str) -> bool:
    """Whether another agency holds a case of this submission id (the platform used the wrong token)."""
    return (
        db.session.scalar(
            select(DisclosureRequest.id)
            .where(DisclosureRequest.agency_id != agency_id, DisclosureRequest.submission_id == submission_id)
            .limit(1)
        )
        is not None
    )
