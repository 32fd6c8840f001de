"""Every change to an NPC suggestion / CPPCC proposal: one function per action.

Each function checks who may act, the item's state, the version the user saw (optimistic locking) and
the dates, then writes the change and its event in one transaction. A refusal is a ServiceError with a
Chinese message saying what to fix; nothing is written then.

Dates come in as ``date`` values (the forms parse them); the legal rules for dates are in
tracker.rules.deadlines, the vocabulary and the order of steps in tracker.rules.proposals.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..accounts.models import Agency, Section
from ..accounts.roles import require
from ..attachments import Attachment, Upload, check_upload, new_attachment
from ..errors import FieldErrors, PermissionDenied, ServiceError, check_version
from ..extensions import db
from ..rules import deadlines
from ..rules import proposals as rules
from ..rules.clock import today_cn, utcnow
from ..types import to_id
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import clock, workflow
from .models import Proposal, ProposalCohandler, ProposalContact, ProposalExtension, ProposalReply

__all__ = [
    "Upload",
    "ProposalInvalid",
    "register_proposal",
    "edit_registration",
    "record_contact",
    "submit_opinion",
    "reply",
    "set_publication",
    "record_feedback",
    "request_extension",
    "decide_extension",
    "add_attachment",
    "set_result_labels",
    "result_labels_for",
]

CONFLICT = "该建议提案已被他人修改，请刷新页面查看最新内容后重试。"

LIMITS = {"session": 60, "number": 30, "title": 300, "content": 10000, "lead_author": 60, "cosigners": 2000}
FIELD_LABELS = {
    "kind": "类型",
    "session": "届次会议",
    "number": "编号",
    "title": "标题",
    "content": "内容",
    "lead_author": "领衔代表/委员",
    "cosigners": "附议/联名代表委员",
    "assigned_on": "交办日期",
    "lead_section_id": "主办科室",
    "cohandlers": "协办/会办科室",
}
NOTE_MAX = 2000
TEXT_MAX = 10000


ProposalInvalid = FieldErrors  # the one several-field-errors exception, under its old local name


def _fail(field: str, message: str):
    raise ProposalInvalid({field: message})


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _start(actor, p: Proposal, action_id: str, version: int | None, today: date | None = None) -> date:
    """How every service of an item begins: the workflow's check (tracker.proposals.workflow) — whether the
    action is the actor's, then, after the version the user saw (so that a form loaded before someone
    else's change is answered with what changed), whether it is possible now. Returns the day it acts on."""
    today = today or today_cn()
    if msg := workflow.permission_error(actor, p, workflow.action(action_id)):
        raise PermissionDenied(msg)
    check_version(p.version, version, CONFLICT)
    workflow.check(actor, p, action_id, today)
    return today


def _touch(p: Proposal) -> None:
    # Child rows alone do not update the item; this bumps its version so concurrent actions collide.
    p.updated_at = utcnow()


def _round_start(p: Proposal) -> tuple[date, str]:
    """The date the current round began and what to call it in a message."""
    if p.round >= 2 and p.rehandling_from is not None:
        return p.rehandling_from, "反馈不满意、重新办理的日期"
    return p.assigned_on, "交办日期"


def _agency(p: Proposal) -> Agency:
    return db.session.get(Agency, p.agency_id)


def _event(kind: str, p: Proposal, actor, data: dict | None = None, note: str | None = None) -> None:
    audit.log(kind, p, actor, data or {}, note=note)


# --- configuration per agency -----------------------------------------------------------------


def result_labels_for(agency) -> dict[str, str]:
    """The agency's labels of the result classes A-D (Agency.settings["proposal_result_labels"])."""
    return rules.result_labels((agency.settings or {}).get("proposal_result_labels"))


def set_result_labels(actor, agency, values: dict[str, str]) -> dict:
    """Store the agency's labels for A-D; returns {class: [old, new]} of what changed."""
    require(actor, "proposal_settings.manage", "只有政务公开办或系统管理员可以修改答复类别名称。")
    if actor.agency_id != agency.id:
        raise PermissionDenied("只有政务公开办或系统管理员可以修改答复类别名称。")
    errors = rules.result_labels_errors(values)
    if errors:
        raise ProposalInvalid(errors)
    old = result_labels_for(agency)
    new = {k: values[k].strip() for k in rules.RESULT_CLASSES}
    diff = {k: [old[k], new[k]] for k in rules.RESULT_CLASSES if old[k] != new[k]}
    if not diff:
        return {}
    with unit_of_work(CONFLICT):
        # A new dict, so the JSON column is seen as changed.
        agency.settings = {**(agency.settings or {}), "proposal_result_labels": new}
        audit.log("proposal.labels_changed", agency, actor, diff)
    return diff


# --- registration -----------------------------------------------------------------------------


def _cohandler_choice(data: dict) -> tuple[dict[int, str], str | None]:
    """{section_id: mode} from data["assist_section_ids"] / data["joint_section_ids"]; or an error."""
    chosen: dict[int, str] = {}
    for mode, key in (("assist", "assist_section_ids"), ("joint", "joint_section_ids")):
        for raw in data.get(key) or []:
            try:
                sid = int(raw)
            except (TypeError, ValueError):
                return {}, "协办/会办科室的选择无法识别，请重新选择。"
            if sid in chosen and chosen[sid] != mode:
                return {}, "同一科室不能既是协办又是会办，请只保留一种。"
            chosen[sid] = mode
    return chosen, None


def validate_registration(data: dict, agency_id: int, today: date, *, exclude_id: int | None = None) -> dict[str, str]:
    """All problems of a registration, field -> Chinese message. Empty dict means valid."""
    errors: dict[str, str] = {}
    if data.get("kind") not in rules.KINDS:
        errors["kind"] = "请选择类型（人大代表建议或政协提案）。"
    for field in ("session", "number", "title", "lead_author"):
        if not _text(data, field):
            errors[field] = f"请填写{FIELD_LABELS[field]}。"
    for field, limit in LIMITS.items():
        value = _text(data, field)
        if len(value) > limit:
            errors[field] = f"{FIELD_LABELS[field]}不能超过{limit}个字（现为{len(value)}个字），请精简。"
    assigned = data.get("assigned_on")
    if not isinstance(assigned, date):
        assigned = None
    if err := rules.date_error("交办日期", assigned, today):
        errors["assigned_on"] = err

    sections = {
        s.id: s
        for s in db.session.scalars(select(Section).where(Section.agency_id == agency_id, Section.active.is_(True)))
    }
    try:
        lead = int(data.get("lead_section_id") or 0)
    except (TypeError, ValueError):
        lead = 0
    if lead not in sections:
        errors["lead_section_id"] = "请选择主办科室（本机关在用的科室）。"
    chosen, err = _cohandler_choice(data)
    if err:
        errors["cohandlers"] = err
    elif any(sid not in sections for sid in chosen):
        errors["cohandlers"] = "协办/会办科室须是本机关在用的科室，请重新选择。"
    elif lead in chosen:
        errors["cohandlers"] = f"主办科室（{sections[lead].name}）不能同时是协办/会办科室。"

    if "kind" not in errors and "session" not in errors and "number" not in errors:
        q = select(Proposal.id).where(
            Proposal.agency_id == agency_id,
            Proposal.kind == data["kind"],
            Proposal.session == _text(data, "session"),
            Proposal.number == _text(data, "number"),
        )
        if exclude_id is not None:
            q = q.where(Proposal.id != exclude_id)
        if db.session.scalar(q) is not None:
            errors["number"] = (
                f"{_text(data, 'session')}的{rules.kind_label(data['kind'])}第“{_text(data, 'number')}”号"
                "已经登记过，请核对编号，或在列表中查找该件。"
            )
    return errors


def _section_names(agency_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(Section.id, Section.name).where(Section.agency_id == agency_id)).all())


def _cohandler_label(names: dict[int, str], section_id: int, mode: str) -> str:
    return f"{names.get(section_id, section_id)}（{rules.COHANDLER_MODES.get(mode, mode)}）"


def _registration_values(data: dict) -> dict:
    return {
        "kind": data["kind"],
        "session": _text(data, "session"),
        "number": _text(data, "number"),
        "title": _text(data, "title"),
        "content": _text(data, "content") or None,
        "lead_author": _text(data, "lead_author"),
        "cosigners": _text(data, "cosigners") or None,
        "assigned_on": data["assigned_on"],
        "lead_section_id": int(data["lead_section_id"]),
    }


def register_proposal(actor, data: dict, upload: Upload | None = None, *, today: date | None = None) -> Proposal:
    """Register one assigned item with its co-handlers, deadlines, the original document and the event."""
    require(actor, "proposal.register", "只有政务公开办或系统管理员可以登记建议提案。")
    today = today or today_cn()
    errors = validate_registration(data, actor.agency_id, today)
    if err := check_upload(upload):
        errors["attachment"] = err
    if errors:
        raise ProposalInvalid(errors)
    months = clock.config_months()
    chosen, _ = _cohandler_choice(data)
    try:
        with unit_of_work(CONFLICT):
            p = Proposal(
                agency_id=actor.agency_id,
                status=rules.ASSIGNED,
                round=1,
                period_months=months["reply"],
                cohandler_months=months["cohandler"],
                created_by_id=actor.id,
                source=data.get("source") or "manual",
                **_registration_values(data),
            )
            p.cohandlers = [ProposalCohandler(section_id=sid, mode=mode) for sid, mode in sorted(chosen.items())]
            db.session.add(p)
            db.session.flush()
            calendar = current_calendar()
            clock.refresh(p, calendar)
            db.session.flush()
            names = _section_names(p.agency_id)
            _event(
                "proposal.registered",
                p,
                actor,
                {
                    "kind": p.kind_label,
                    "session": p.session,
                    "number": p.number,
                    "assigned_on": p.assigned_on,
                    "due_date": p.due_date,
                    "lead_section": names.get(p.lead_section_id),
                    "cohandlers": [_cohandler_label(names, c.section_id, c.mode) for c in p.cohandlers],
                },
            )
            if upload is not None:
                _store_attachment(actor, p, upload, "assignment")
    except IntegrityError:
        raise ProposalInvalid({"number": "同一届次、同一编号的建议提案已被他人同时登记，请刷新列表核对。"}) from None
    return p


def edit_registration(
    actor, p: Proposal, data: dict, *, version: int | None, reason: str = "", today: date | None = None
) -> dict:
    """Correct the registration data; returns {field: [old, new]}.

    The assignment date cannot move once the item is replied to (the reply was measured against it) or
    past a step already recorded; co-handlers who already gave their opinion cannot be removed.
    """
    today = _start(actor, p, "edit", version, today)
    errors = validate_registration(data, p.agency_id, today, exclude_id=p.id)
    reason = (reason or "").strip()
    if len(reason) > NOTE_MAX:
        errors["reason"] = f"修改原因不能超过{NOTE_MAX}个字。"
    if not errors and data["assigned_on"] != p.assigned_on:
        if p.replies:
            errors["assigned_on"] = "该件已经答复，答复是否按期以原交办日期计算，不能再修改交办日期。"
        else:
            steps = [c.contacted_on for c in p.contacts] + [c.opinion_on for c in p.cohandlers if c.opinion_on]
            steps += [e.requested_on for e in p.extensions]
            if steps and data["assigned_on"] > min(steps):
                errors["assigned_on"] = (
                    f"交办日期不能晚于已登记的办理步骤日期（最早为{min(steps).isoformat()}），请核对日期。"
                )
    chosen, _ = _cohandler_choice(data)
    if not errors:
        for c in p.cohandlers:
            if c.opinion_on is not None and c.section_id not in chosen:
                errors["cohandlers"] = f"{c.section.name}已经提交协办意见，不能移除。"
    if errors:
        raise ProposalInvalid(errors)

    names = _section_names(p.agency_id)

    with unit_of_work(CONFLICT):
        diff = audit.changes(p, _registration_values(data))
        if "lead_section_id" in diff:
            diff["lead_section_id"] = [names.get(v) for v in diff["lead_section_id"]]
        before = sorted((c.section_id, c.mode) for c in p.cohandlers)
        after = sorted(chosen.items())
        if before != after:
            current = {c.section_id: c for c in p.cohandlers}
            for sid, c in current.items():
                if sid not in chosen:
                    p.cohandlers.remove(c)
                elif c.mode != chosen[sid]:
                    c.mode = chosen[sid]
            for sid, mode in after:
                if sid not in current:
                    p.cohandlers.append(ProposalCohandler(section_id=sid, mode=mode))
            diff["cohandlers"] = [
                [_cohandler_label(names, *x) for x in before],
                [_cohandler_label(names, *x) for x in after],
            ]
        if not diff:
            return {}
        if "assigned_on" in diff or "cohandlers" in diff:
            db.session.flush()
            diff.update(clock.refresh(p, current_calendar()))
        _touch(p)
        _event("proposal.edited", p, actor, diff, reason or None)
    return diff


# --- handling ---------------------------------------------------------------------------------


def record_contact(
    actor, p: Proposal, data: dict, *, version: int | None, today: date | None = None
) -> ProposalContact:
    """The lead section's contact with the deputy or member (见面/电话/书面), for the current round."""
    today = _start(actor, p, "contact", version, today)
    errors: dict[str, str] = {}
    form = data.get("form")
    if form not in rules.CONTACT_FORMS:
        errors["form"] = "请选择沟通方式（见面沟通、电话沟通或书面沟通）。"
    start, start_label = _round_start(p)
    contacted_on = data.get("contacted_on") if isinstance(data.get("contacted_on"), date) else None
    if err := rules.date_error("沟通日期", contacted_on, today, not_before=start, not_before_label=start_label):
        errors["contacted_on"] = err
    note = _text(data, "note")
    if len(note) > NOTE_MAX:
        errors["note"] = f"沟通情况说明不能超过{NOTE_MAX}个字（现为{len(note)}个字），请精简。"
    if errors:
        raise ProposalInvalid(errors)
    with unit_of_work(CONFLICT):
        contact = ProposalContact(
            proposal_id=p.id,
            round=p.round,
            form=form,
            contacted_on=contacted_on,
            note=note or None,
            recorded_by_id=actor.id,
        )
        db.session.add(contact)
        _touch(p)
        _event(
            "proposal.contact_recorded",
            p,
            actor,
            {"form": rules.CONTACT_FORMS[form], "contacted_on": contacted_on, "round": p.round},
            note or None,
        )
    return contact


def submit_opinion(
    actor, p: Proposal, data: dict, upload: Upload | None = None, *, version: int | None, today: date | None = None
) -> ProposalCohandler:
    """A co-handling section's written opinion to the lead section (once per section); the office may
    record it on a co-handler's behalf, naming the section."""
    today = _start(actor, p, "opinion", version, today)
    section_id = actor.section_id if not actor.agency_wide else to_id(data.get("section_id"))
    row = next((c for c in p.cohandlers if c.section_id == section_id), None)
    if row is None:
        _fail("section_id", "请选择提交意见的协办/会办科室。")
    if row.opinion_on is not None:
        raise ServiceError(f"{row.section.name}已于{row.opinion_on.isoformat()}提交协办意见，不能重复提交。")
    errors: dict[str, str] = {}
    opinion = _text(data, "opinion")
    if not opinion:
        errors["opinion"] = "请填写协办意见。"
    elif len(opinion) > TEXT_MAX:
        errors["opinion"] = f"协办意见不能超过{TEXT_MAX}个字（现为{len(opinion)}个字），请精简或作为附件上传。"
    opinion_on = data.get("opinion_on") if isinstance(data.get("opinion_on"), date) else None
    if err := rules.date_error(
        "提交意见日期", opinion_on, today, not_before=p.assigned_on, not_before_label="交办日期"
    ):
        errors["opinion_on"] = err
    if err := check_upload(upload):
        errors["attachment"] = err
    if errors:
        raise ProposalInvalid(errors)
    with unit_of_work(CONFLICT):
        row.opinion, row.opinion_on, row.opinion_by_id = opinion, opinion_on, actor.id
        _touch(p)
        late = row.opinion_due is not None and opinion_on > row.opinion_due
        _event(
            "proposal.opinion_submitted",
            p,
            actor,
            {
                "section": row.section.name,
                "mode": row.mode_label,
                "opinion_on": opinion_on,
                "opinion_due": row.opinion_due,
                "late": late,
            },
        )
        if upload is not None:
            _store_attachment(actor, p, upload, "opinion")
    return row


def reply(
    actor, p: Proposal, data: dict, upload: Upload | None = None, *, version: int | None, today: date | None = None
) -> ProposalReply:
    """The written reply of the current round, with its result class; needs a contact on or before it."""
    today = _start(actor, p, "reply", version, today)
    labels = result_labels_for(_agency(p))
    errors: dict[str, str] = {}
    result_class = data.get("result_class")
    if result_class not in rules.RESULT_CLASSES:
        errors["result_class"] = "请选择答复类别：" + "；".join(
            rules.result_label(k, labels) for k in rules.RESULT_CLASSES
        )
    start, start_label = _round_start(p)
    reply_date = data.get("reply_date") if isinstance(data.get("reply_date"), date) else None
    if err := rules.date_error("答复日期", reply_date, today, not_before=start, not_before_label=start_label):
        errors["reply_date"] = err
    summary = _text(data, "summary")
    if len(summary) > TEXT_MAX:
        errors["summary"] = f"答复摘要不能超过{TEXT_MAX}个字（现为{len(summary)}个字），请精简或作为附件上传。"
    if err := check_upload(upload):
        errors["document"] = err
    if "reply_date" not in errors:
        contacts = p.contacts_in_round()
        who = p.author_title
        if not contacts:
            errors["reply_date"] = (
                f"答复前须先与{who}沟通（见面、电话或书面），请先在“沟通情况”中登记沟通的日期和方式，再登记答复。"
            )
        elif min(c.contacted_on for c in contacts) > reply_date:
            first = min(c.contacted_on for c in contacts)
            errors["reply_date"] = (
                f"已登记的沟通日期（{first.isoformat()}）晚于答复日期（{reply_date.isoformat()}），"
                f"须先与{who}沟通再答复，请核对日期。"
            )
    if errors:
        raise ProposalInvalid(errors)
    with unit_of_work(CONFLICT):
        document = _store_attachment(actor, p, upload, "reply", record_event=False) if upload is not None else None
        if document is not None:
            db.session.flush()
        r = ProposalReply(
            proposal_id=p.id,
            round=p.round,
            result_class=result_class,
            reply_date=reply_date,
            due_date=p.due_date,
            summary=summary or None,
            replied_by_id=actor.id,
            document_id=document.id if document is not None else None,
        )
        db.session.add(r)
        p.replies.append(r)
        old_status = p.status
        p.status = rules.REPLIED
        p.reply_date, p.result_class, p.satisfaction = reply_date, result_class, None
        p.published, p.published_on, p.publish_link = False, None, None
        for ext in p.extensions:
            if ext.state == "requested":
                ext.state, ext.decided_on = "moot", reply_date
        _touch(p)
        _event(
            "proposal.replied",
            p,
            actor,
            {
                "round": p.round,
                "result_class": rules.result_label(result_class, labels),
                "reply_date": reply_date,
                "due_date": p.due_date,
                "on_time": r.on_time,
                "status": [rules.status_label(old_status), p.status_label],
                "document": document.original_name if document is not None else None,
            },
        )
    return r


def set_publication(actor, p: Proposal, data: dict, *, version: int | None, today: date | None = None) -> dict:
    """Whether, when and where the latest reply was published (公开答复); returns {field: [old, new]}."""
    today = _start(actor, p, "publish", version, today)
    r = p.latest_reply
    published = bool(data.get("published"))
    errors: dict[str, str] = {}
    published_on = data.get("published_on") if isinstance(data.get("published_on"), date) else None
    link = _text(data, "publish_link") or None
    if published:
        if err := rules.date_error(
            "公开日期", published_on, today, not_before=r.reply_date, not_before_label="答复日期"
        ):
            errors["published_on"] = err
        if err := rules.publish_link_error(link):
            errors["publish_link"] = err
    else:
        published_on, link = None, None
    if errors:
        raise ProposalInvalid(errors)
    with unit_of_work(CONFLICT):
        diff = audit.changes(r, {"published": published, "published_on": published_on, "publish_link": link})
        if not diff:
            db.session.rollback()
            return {}
        p.published, p.published_on, p.publish_link = published, published_on, link
        _touch(p)
        _event("proposal.published", p, actor, {**diff, "round": r.round})
    return diff


def record_feedback(actor, p: Proposal, data: dict, *, version: int | None, today: date | None = None) -> str:
    """The deputy's or member's feedback on the latest reply; 不满意 reopens the item for re-handling.

    Returns the new status.
    """
    today = _start(actor, p, "feedback", version, today)
    r = p.latest_reply
    assert r is not None  # REPLIED implies a reply
    errors: dict[str, str] = {}
    satisfaction = data.get("satisfaction")
    if satisfaction not in rules.SATISFACTION:
        errors["satisfaction"] = "请选择反馈意见（满意、基本满意或不满意）。"
    feedback_on = data.get("feedback_on") if isinstance(data.get("feedback_on"), date) else None
    if err := rules.date_error("反馈日期", feedback_on, today, not_before=r.reply_date, not_before_label="答复日期"):
        errors["feedback_on"] = err
    note = _text(data, "note")
    if len(note) > NOTE_MAX:
        errors["note"] = f"反馈意见说明不能超过{NOTE_MAX}个字（现为{len(note)}个字），请精简。"
    if errors:
        raise ProposalInvalid(errors)
    new_status = rules.status_after_feedback(satisfaction, p.round)
    with unit_of_work(CONFLICT):
        r.satisfaction, r.feedback_on, r.feedback_note = satisfaction, feedback_on, note or None
        p.satisfaction = satisfaction
        old_status = p.status
        p.status = new_status
        _touch(p)
        data_ = {
            "round": r.round,
            "satisfaction": rules.SATISFACTION[satisfaction],
            "feedback_on": feedback_on,
            "status": [rules.status_label(old_status), rules.status_label(new_status)],
        }
        if satisfaction == rules.UNSATISFIED and new_status == rules.CLOSED:
            data_["final"] = f"已是第{p.round}次答复，不再重新办理"
        _event("proposal.feedback_recorded", p, actor, data_, note or None)
        if new_status == rules.REHANDLING:
            old_due = p.due_date
            p.round += 1
            p.rehandling_from = feedback_on
            p.rehandling_months = clock.config_months()["rehandling"]
            clock.refresh(p, current_calendar())
            _event(
                "proposal.rehandling_started",
                p,
                actor,
                {"round": p.round, "due_date": [old_due, p.due_date], "rehandling_months": p.rehandling_months},
            )
    return new_status


def request_extension(
    actor, p: Proposal, data: dict, *, version: int | None, today: date | None = None
) -> ProposalExtension:
    """Ask the leader to extend the reply period to ``to_months`` after assignment (at most the maximum)."""
    today = _start(actor, p, "extension", version, today)
    errors: dict[str, str] = {}
    try:
        to_months = int(data.get("to_months"))
    except (TypeError, ValueError):
        to_months = None
    current = p.extended_months or p.period_months
    if to_months is None:
        errors["to_months"] = f"请填写延期后的办理期限（交办后的月数，最长{clock.max_months(p)}个月）。"
    elif err := deadlines.proposal_extension_check(current, to_months, clock.max_months(p)):
        errors["to_months"] = err + "。"
    reason = _text(data, "reason")
    if not reason:
        errors["reason"] = "请填写申请延期的理由（例如：涉及多个部门，需协调资金）。"
    elif len(reason) > NOTE_MAX:
        errors["reason"] = f"延期理由不能超过{NOTE_MAX}个字（现为{len(reason)}个字），请精简。"
    if errors:
        raise ProposalInvalid(errors)
    with unit_of_work(CONFLICT):
        ext = ProposalExtension(
            proposal_id=p.id,
            to_months=to_months,
            reason=reason,
            requested_on=today,
            requested_by_id=actor.id,
            state="requested",
        )
        p.extensions.append(ext)
        _touch(p)
        _event(
            "proposal.extension_requested", p, actor, {"months": [current, to_months], "due_date": p.due_date}, reason
        )
    return ext


def decide_extension(
    actor, p: Proposal, extension_id: int, data: dict, *, version: int | None, today: date | None = None
) -> ProposalExtension:
    """The leader approves (the deadline moves) or refuses a pending extension request."""
    today = _start(actor, p, "decide", version, today)
    ext = next((e for e in p.extensions if e.id == extension_id), None)
    if ext is None or ext.state != "requested":
        raise ServiceError("没有等待审批的延期申请（可能已被审批），请刷新页面。")
    approve = data.get("decision") == "approve"
    if data.get("decision") not in ("approve", "refuse"):
        _fail("decision", "请选择“批准”或“不批准”。")
    note = _text(data, "note")
    if len(note) > NOTE_MAX:
        _fail("note", f"审批意见不能超过{NOTE_MAX}个字（现为{len(note)}个字），请精简。")
    if not approve and not note:
        _fail("note", "不批准延期时请填写审批意见，说明理由。")
    current = p.extended_months or p.period_months
    if approve and (err := deadlines.proposal_extension_check(current, ext.to_months, clock.max_months(p))):
        raise ServiceError(err + "。")
    with unit_of_work(CONFLICT):
        ext.state = "approved" if approve else "refused"
        ext.decided_on, ext.decided_by_id, ext.decision_note = today, actor.id, note or None
        data_: dict = {"months": [current, ext.to_months]}
        if approve:
            old_due = p.due_date
            p.extended_months = ext.to_months
            clock.refresh(p, current_calendar())
            data_["due_date"] = [old_due, p.due_date]
        _touch(p)
        _event(
            "proposal.extension_approved" if approve else "proposal.extension_refused", p, actor, data_, note or None
        )
    return ext


# --- attachments ------------------------------------------------------------------------------


def _store_attachment(actor, p: Proposal, upload: Upload, kind: str, *, record_event: bool = True) -> Attachment:
    """Store the file under a random name and link it; the caller's transaction commits it."""
    att = new_attachment(actor, upload, agency_id=p.agency_id, subject_type="proposal", subject_id=p.id, kind=kind)
    if record_event:
        _event(
            "proposal.attachment_added",
            p,
            actor,
            {"name": att.original_name, "kind": rules.ATTACHMENT_KINDS.get(kind, kind)},
        )
    return att


def add_attachment(
    actor, p: Proposal, upload: Upload | None, kind: str = "other", *, version: int | None
) -> Attachment:
    """Add a file to the item (the lead section or the office)."""
    _start(actor, p, "attach", version)
    if kind not in rules.ATTACHMENT_KINDS:
        _fail("kind", "请选择附件类型。")
    if upload is None:
        _fail("attachment", "请选择要上传的文件。")
    with unit_of_work(CONFLICT):
        att = _store_attachment(actor, p, upload, kind)
        _touch(p)
    return att


def attachment_count(p: Proposal) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.subject_type == "proposal", Attachment.subject_id == p.id)
        )
        or 0
    )
