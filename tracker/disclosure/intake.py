"""Registering a disclosure request (收文登记): validate everything, then write everything in one transaction."""

from __future__ import annotations

import re
from datetime import date

from flask import current_app

from .. import audit
from ..accounts.roles import require
from ..attachments import Attachment, Upload, check_upload, new_attachment  # noqa: F401 (Upload, check_upload: re-exported)
from ..errors import FieldErrors, PermissionDenied, check_version
from ..extensions import db
from ..numbering import format_number, next_seq
from ..rules import contact, ids, intake
from ..rules.clock import today_cn
from ..rules.report_layout import APPLICANT_TYPE_IDS
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import clock
from .models import DisclosureRequest, RequestTag

LIMITS = {
    "applicant_name": 200,
    "contact_person": 60,
    "phone": 40,
    "address": 200,
    "postcode": 10,
    "email": 120,
    "subject": 200,
    "content": 5000,
    "purpose": 2000,
    "remarks": 2000,
    "id_number": 50,
}
FIELD_LABELS = {
    "applicant_name": "申请人姓名/名称",
    "contact_person": "联系人",
    "phone": "联系电话",
    "address": "通讯地址",
    "postcode": "邮政编码",
    "email": "电子邮箱",
    "subject": "申请内容摘要",
    "content": "申请内容",
    "purpose": "用途说明",
    "remarks": "备注",
    "id_number": "证件号码",
}
MAX_TAGS = 10
CONFLICT = "该案件已被他人修改，请刷新页面查看最新内容后重试。"


IntakeInvalid = FieldErrors  # the one several-field-errors exception, under its old local name


def parse_tags(text: str | list[str] | None) -> list[str]:
    if not text:
        return []
    parts = text if isinstance(text, list) else re.split(r"[，,、;；\s]+", text)
    seen: list[str] = []
    for p in parts:
        p = p.strip()
        if p and p not in seen:
            seen.append(p)
    return seen


def validate(data: dict, today: date) -> dict[str, str]:
    """All problems of an intake record, field -> Chinese message. Empty dict means valid."""
    errors: dict[str, str] = {}
    for field in ("applicant_name", "subject", "content"):
        if not (data.get(field) or "").strip():
            errors[field] = f"请填写{FIELD_LABELS[field]}。"
    for field, limit in LIMITS.items():
        value = data.get(field) or ""
        if len(value) > limit:
            errors[field] = f"{FIELD_LABELS[field]}不能超过{limit}个字（现为{len(value)}个字），请精简。"
    if data.get("applicant_type") not in APPLICANT_TYPE_IDS:
        errors["applicant_type"] = "请选择申请人类型（自然人或法人或其他组织中的一类）。"
    if data.get("channel") not in intake.channel_ids():
        errors["channel"] = "请选择申请方式。"
    id_type = data.get("id_type") or "none"
    if id_type not in ids.ID_TYPES:
        errors["id_type"] = "请选择证件类型。"
    elif err := ids.id_number_error(id_type, (data.get("id_number") or "").strip()):
        errors["id_number"] = err
    dates = intake.intake_date_errors(data.get("sent_on"), data.get("received_on"), today)
    errors.update({f"{which}_on": message for which, message in dates.items()})
    if data.get("provision_form") and data["provision_form"] not in intake.provision_form_ids():
        errors["provision_form"] = "请选择信息提供形式（纸质或电子）。"
    if data.get("obtain_way") and data["obtain_way"] not in intake.obtain_way_ids():
        errors["obtain_way"] = "请选择获取信息的方式。"
    email = (data.get("email") or "").strip()
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors["email"] = "电子邮箱格式不正确，例如 name@example.com。"
    if err := contact.phone_error(data.get("phone")):
        errors["phone"] = err
    if err := contact.postcode_error(data.get("postcode")):
        errors["postcode"] = err
    tags = parse_tags(data.get("tags"))
    if len(tags) > MAX_TAGS or any(len(t) > 30 for t in tags):
        errors["tags"] = f"主题标签最多{MAX_TAGS}个，每个不超过30个字。"
    return errors


def case_pattern(agency) -> str:
    return (agency.settings or {}).get("case_number_pattern") or current_app.config["CASE_NUMBER_PATTERN"]


def register_request(
    actor, data: dict, upload: Upload | None = None, *, today: date | None = None
) -> DisclosureRequest:
    """Validate and register one request with its number, deadline, tags, scan and event, atomically."""
    require(actor, "request.register", "只有政务公开办可以登记申请。")
    today = today or today_cn()
    errors = validate(data, today)
    if err := check_upload(upload):
        errors["attachment"] = err
    if errors:
        raise IntakeInvalid(errors)

    received: date = data["received_on"]
    agency = actor.agency
    with unit_of_work(CONFLICT):
        seq = next_seq(agency.id, "request", received.year)
        req = DisclosureRequest(
            agency_id=agency.id,
            year=received.year,
            seq=seq,
            number=format_number(case_pattern(agency), received.year, seq),
            applicant_type=data["applicant_type"],
            applicant_name=data["applicant_name"].strip(),
            contact_person=(data.get("contact_person") or "").strip() or None,
            id_type=data.get("id_type") or "none",
            id_number=ids.normalize_id(data["id_number"]) if data.get("id_number") else None,
            phone=contact.normalize_phone(data.get("phone")),
            address=(data.get("address") or "").strip() or None,
            postcode=contact.normalize_postcode(data.get("postcode")),
            email=(data.get("email") or "").strip() or None,
            channel=data["channel"],
            sent_on=data.get("sent_on"),
            received_on=received,
            subject=data["subject"].strip(),
            content=data["content"].strip(),
            purpose=(data.get("purpose") or "").strip() or None,
            provision_form=data.get("provision_form") or None,
            obtain_way=data.get("obtain_way") or None,
            remarks=(data.get("remarks") or "").strip() or None,
            created_by_id=actor.id,
            source=data.get("source") or "manual",
            # the online platform's request (tracker.api.intake): its id, the confirmation, the /status code
            submission_id=data.get("submission_id"),
            confirmed_at=data.get("confirmed_at"),
            status_code_hash=data.get("status_code_hash"),
        )
        req.tags = [RequestTag(tag=t) for t in parse_tags(data.get("tags"))]
        db.session.add(req)
        clock.refresh(req, current_calendar())
        db.session.flush()
        facts = {"number": req.number, "received_on": received, "due_date": req.due_date}
        if req.submission_id:  # from the online platform: which submission, confirmed when, through which token
            facts.update(submission_id=req.submission_id, confirmed_at=req.confirmed_at, via=data.get("via"))
        audit.log("request.registered", req, actor, facts)
        if upload is not None:
            add_attachment(actor, req, upload, kind="application", record_event=False)
        return req


def add_attachment(
    actor, req: DisclosureRequest, upload: Upload, *, kind: str = "other", record_event: bool = True
) -> Attachment:
    """Store the file under a random name and link it; the caller's transaction commits it."""
    att = new_attachment(actor, upload, agency_id=req.agency_id, subject_type="request", subject_id=req.id, kind=kind)
    if record_event:
        audit.log("request.attachment_added", req, actor, {"name": att.original_name, "kind": kind})
    return att


EDITABLE = (
    "applicant_type",
    "applicant_name",
    "contact_person",
    "id_type",
    "id_number",
    "phone",
    "address",
    "postcode",
    "email",
    "channel",
    "sent_on",
    "received_on",
    "subject",
    "content",
    "purpose",
    "provision_form",
    "obtain_way",
    "remarks",
)


def edit_intake(
    actor, req: DisclosureRequest, data: dict, *, version: int, reason: str = "", today: date | None = None
) -> dict:
    """Correct the registration data of a case. Returns {field: [old, new]}.

    The case number never changes. A changed receipt date recomputes the deadline. Correcting a concluded
    case needs a reason, because its figures may already stand in a year-end report.
    """
    require(actor, "request.edit_intake", "只有政务公开办可以修改登记信息。")
    if req.agency_id != actor.agency_id:
        raise PermissionDenied("只有政务公开办可以修改登记信息。")
    check_version(req.version, version, CONFLICT)
    today = today or today_cn()
    errors = validate(data, today)
    if not req.is_open and not (reason or "").strip():
        errors["reason"] = "该申请已办结，修改登记信息可能影响年度报告数字，请填写修改原因。"
    if req.concluded_on and data.get("received_on") and data["received_on"] > req.concluded_on:
        errors["received_on"] = f"收到申请之日不能晚于办结日期（{req.concluded_on.isoformat()}）。"
    if errors:
        raise IntakeInvalid(errors)
    clean = {f: (data.get(f).strip() if isinstance(data.get(f), str) else data.get(f)) or None for f in EDITABLE}
    clean["id_type"] = clean["id_type"] or "none"
    clean["phone"] = contact.normalize_phone(clean["phone"])
    clean["postcode"] = contact.normalize_postcode(clean["postcode"])
    if clean["id_number"]:
        clean["id_number"] = ids.normalize_id(clean["id_number"])
    with unit_of_work(CONFLICT):
        diff = audit.changes(req, clean)
        new_tags = parse_tags(data.get("tags"))
        old_tags = [t.tag for t in req.tags]
        if sorted(new_tags) != sorted(old_tags):
            diff["tags"] = [old_tags, new_tags]
            req.tags = [RequestTag(tag=t) for t in new_tags]
        if not diff:
            db.session.rollback()
            return {}
        if "received_on" in diff and req.is_open:
            diff.update(clock.refresh(req, current_calendar()))
        audit.log("request.intake_edited", req, actor, diff, note=(reason or "").strip() or None)
        return diff
