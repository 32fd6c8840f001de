"""The handling workflow's actions: one function per action, each one transaction.

Every function:
1. asks tracker.disclosure.workflow.check() whether this user may take the action in this state
   (PermissionDenied / StateError), and compares the form's ``version`` with the case (ConflictError);
2. validates every input and precondition, collecting all problems (``Invalid``: {field: message});
3. only then changes the case, stores its ClockAction rows, recomputes the deadline
   (tracker.disclosure.clock.refresh) and records one Event, all in one tracker.unit_of_work.
Any refusal rolls back and changes nothing. A concurrent save detected by SQLAlchemy's version
counter (StaleDataError) is refused like a stale form.

Legal dates are China dates (``today`` defaults to tracker.rules.clock.today_cn(); tests and the demo
pass it). Each function returns ``Done`` with a Chinese message for the page, plus warnings for facts
that are recorded but deserve attention (a late clarification notice, an answer after the deadline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..accounts.models import Section, User
from ..errors import FieldErrors, PermissionDenied, ServiceError, check_version
from ..extensions import db
from ..rules import deadlines, outcomes
from ..rules.clock import today_cn, utcnow
from ..rules.intake import format_date_cn as cn
from ..types import to_id
from ..unit_of_work import unit_of_work
from ..workcal.service import current_calendar
from . import clock, fees, workflow
from .models import (
    CONCLUDED,
    IN_PROGRESS,
    IN_REVIEW,
    PAUSED,
    REGISTERED,
    ClockAction,
    DisclosureRequest,
    RequestCohandler,
    RequestTag,
)

CONFLICT = "该案件已被他人修改，请刷新后重试：您这次填写的内容没有保存，请刷新页面查看最新情况后重新提交。"

CONSULT_KINDS: dict[str, str] = {
    "consult_third_party": "征求第三方意见（条例第三十二条）",
    "consult_agency": "征求其他机关意见（条例第三十四条）",
}
PAUSE_KIND_REASON = {
    "clarification": workflow.CLARIFICATION,
    "consult_third_party": workflow.CONSULTATION,
    "consult_agency": workflow.CONSULTATION,
    "fee": workflow.FEE,
}
LAPSE_CODES = {outcomes.NO_CORRECTION: "逾期未补正，办结", outcomes.UNPAID_FEE: "逾期未缴费，办结"}
MAX_CORRECTION_PERIOD = 60
TEXT_LIMIT = 5000


Invalid = FieldErrors  # the one several-field-errors exception, under its old local name


@dataclass
class Done:
    message: str
    warnings: list[str] = field(default_factory=list)


# --- plumbing ------------------------------------------------------------------------------------


def _start(actor, req: DisclosureRequest, action_id: str, version, today: date | None = None) -> workflow.Action:
    act = workflow.check(actor, req, action_id)
    check_version(req.version, version, CONFLICT)
    if why := precondition(req, action_id, today):
        raise Invalid({PRECONDITIONS[action_id][0]: why})
    return act


# --- what an action needs besides its state and the actor's permission ---------------------------------
# One table for the services (``_start`` refuses with the reason) and the case page (which shows the
# action disabled with the same reason): the page never offers what the service would refuse.


def _extension_possible(req: DisclosureRequest, today: date) -> str | None:
    """Whether any extension can still be asked for. Its date is the request's own (申请日期, which may be
    earlier than today): whether that date is before the deadline is the service's check of the form."""
    if _actions(req, "extension", state="requested"):
        return "已有一项延期申请等待审批，请等待领导审批后再申请。"
    current = _current_deadline(req)
    why = deadlines.extension_check(None, current.extension_total, 1, today, max_total=current.extension_limit)
    return f"{why}。" if why else None


def _draft_to_approve(req: DisclosureRequest, today: date) -> str | None:
    if not req.draft:
        return "没有待审核的答复稿。"
    if req.draft.get("approved"):
        return "答复稿已审核通过，请政务公开办发出答复并办结。"
    return None


def _lapse_due(action: str) -> Callable[[DisclosureRequest, date], str | None]:
    def check(req: DisclosureRequest, today: date) -> str | None:
        lapse = LAPSES[action]
        open_ = _actions(req, lapse.clock_kind, state="open")
        if not open_:
            return f"没有进行中的{lapse.window}。"
        end = open_[0].window_end
        if end is not None and today <= end:
            return f"{lapse.window}至{cn(end)}，期限届满后才能按{lapse.done}办结。"
        return None

    return check


# action -> (the form field the refusal is shown under, the check)
PRECONDITIONS: dict[str, tuple[str, Callable[[DisclosureRequest, date], str | None]]] = {
    "request_extension": ("workdays", _extension_possible),
    "decide_extension": (
        "clock_action_id",
        lambda req, today: None if pending_extensions(req) else "没有待审批的延期申请。",
    ),
    "submit_draft": (
        "outcome",
        lambda req, today: None if req.handler_id is not None else "案件还没有承办人，请科室负责人先指定承办人。",
    ),
    "approve_draft": ("note", _draft_to_approve),
    "update_review": ("review_id", lambda req, today: None if req.reviews else "本案还没有登记行政复议或行政诉讼。"),
    "disclose_over_objection": (
        "clock_action_id",
        lambda req, today: (
            None
            if objected_consultations(req)
            else "请选择不同意公开的第三方（只有已答复且不同意公开的征求意见可以选择）。"
        ),
    ),
    "conclude": (
        "outcome",
        lambda req, today: (
            "答复稿尚未审核通过，请先审核。"
            if req.status == IN_REVIEW and not (req.draft or {}).get("approved")
            else None
        ),
    ),
    "clarify": (
        "items",
        lambda req, today: (
            "补正告知只能发出一次（条例第三十条：一次性告知），本申请已经发出过。"
            if _actions(req, "clarification")
            else None
        ),
    ),
    "fee_notice": (
        "method",
        lambda req, today: "本申请已发出过收费通知，一件申请只收取一次信息处理费。" if _actions(req, "fee") else None,
    ),
    "clarification_lapsed": ("answer_date", _lapse_due("clarification_lapsed")),
    "fee_lapsed": ("answer_date", _lapse_due("fee_lapsed")),
}


def precondition(req: DisclosureRequest, action_id: str, today: date | None = None) -> str | None:
    """Why ``action_id`` cannot be taken on this case now although its state allows it, or None."""
    entry = PRECONDITIONS.get(action_id)
    return entry[1](req, today or today_cn()) if entry else None


def _finish(
    actor, req: DisclosureRequest, kind: str, data: dict, note: str | None = None, *, refresh: bool = True
) -> None:
    if refresh:
        data.update(clock.refresh(req, current_calendar()))
    # Every action updates the case row, so its version moves and a stale form elsewhere is refused.
    req.updated_at = utcnow()
    audit.log(kind, req, actor, data, note=note or None)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid(errors)


def _date_error(label: str, d: Any, today: date, *after: tuple[date | None, str]) -> str | None:
    """None if d is a date, not after today and not before any (date, its label) in `after`."""
    if d is None or d == "":
        return f"请填写{label}。"
    if not isinstance(d, date):
        return f"{label}格式不正确，请按“年-月-日”填写，例如 2026-03-02。"
    if d > today:
        return f"{label}{cn(d)}晚于今天（{cn(today)}），不能是将来的日期，请核对。"
    for bound, bound_label in after:
        if bound is not None and d < bound:
            return f"{label}{cn(d)}早于{bound_label}（{cn(bound)}），日期顺序不对，请核对。"
    return None


def _text(
    errors: dict, name: str, value: Any, label: str, *, required: bool = False, limit: int = TEXT_LIMIT
) -> str | None:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if required and not text:
        errors[name] = f"请填写{label}。"
    elif len(text) > limit:
        errors[name] = f"{label}不能超过{limit}个字（现为{len(text)}个字），请精简。"
    return text or None


def _int(errors: dict, name: str, value: Any, label: str, lo: int, hi: int | None = None) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors[name] = f"请填写{label}（整数）。"
        return None
    if n < lo or (hi is not None and n > hi):
        errors[name] = f"{label}应在{lo}到{hi}之间。" if hi is not None else f"{label}至少为{lo}。"
        return None
    return n


def _today(today: date | None) -> date:
    return today or today_cn()


def _section(req: DisclosureRequest, section_id: Any, errors: dict, name: str = "section_id") -> Section | None:
    section = db.session.get(Section, sid) if (sid := to_id(section_id)) else None
    if section is None or section.agency_id != req.agency_id:
        errors[name] = "请选择本机关的一个科室。"
        return None
    if not section.active:
        errors[name] = f"科室“{section.name}”已停用，请选择其他科室。"
        return None
    return section


def _actions(req: DisclosureRequest, *kinds: str, state: str | None = None) -> list[ClockAction]:
    return [a for a in req.clock_actions if a.kind in kinds and (state is None or a.state == state)]


def _open_clock_action(
    req: DisclosureRequest, action_id: Any, kinds: tuple[str, ...], state: str, what: str
) -> ClockAction:
    for a in _actions(req, *kinds, state=state):
        if str(a.id) == str(action_id):
            return a
    raise Invalid({"clock_action_id": f"请选择要处理的{what}。"})


def _clock_action(actor, req: DisclosureRequest, *, kind: str, state: str, started_on, **fields) -> ClockAction:
    """Add a clock action (pause, extension, explicit deadline) of the case, recorded as the actor's."""
    act = ClockAction(
        kind=kind, state=state, started_on=started_on, created_by_id=actor.id, **{"details": {}, **fields}
    )
    req.clock_actions.append(act)
    return act


def _pause(req: DisclosureRequest, reason: str) -> dict:
    if req.status != PAUSED:
        req.paused_from = req.status
    old = [req.status, req.pause_reason]
    req.status, req.pause_reason = PAUSED, reason
    return {"status": [old[0], PAUSED], "pause_reason": [old[1], reason]}


def _resume_if_no_open_pause(req: DisclosureRequest) -> dict:
    """Back to the status before the pause once no pause is open any more."""
    if any(a.kind in PAUSE_KIND_REASON and a.state == "open" for a in req.clock_actions):
        reasons = {
            PAUSE_KIND_REASON[a.kind] for a in req.clock_actions if a.kind in PAUSE_KIND_REASON and a.state == "open"
        }
        if req.pause_reason not in reasons:  # e.g. two consultations: keep the reason of one still open
            req.pause_reason = sorted(reasons)[0]
        return {}
    back = req.paused_from or (IN_PROGRESS if req.section_id else REGISTERED)
    diff = {"status": [req.status, back], "pause_reason": [req.pause_reason, None]}
    req.status, req.pause_reason, req.paused_from = back, None, None
    return diff


def _current_deadline(req: DisclosureRequest) -> deadlines.DeadlineResult:
    return clock.compute(req, current_calendar())


def _user_name(user) -> str:
    return getattr(user, "display_name", None) or getattr(user, "username", "")


# --- answer content (draft, conclusion) -----------------------------------------------------------


def _answer_content(req: DisclosureRequest, data: dict, errors: dict, *, lapse: str | None = None) -> dict:
    """Outcome code, letter kind, reason, responsible agency, summary, the outcome's own fields and the
    earlier request a 重复申请 repeats, checked against outcomes.py."""
    code = lapse or (data.get("outcome") or "").strip()
    clean: dict[str, Any] = {"outcome": code, "outcome_details": None, "repeat_of_id": None}
    if not outcomes.is_valid(code):
        errors["outcome"] = "请选择办理结果（年度报告表三的一种结果）。"
        return clean
    o = outcomes.outcome(code)
    if lapse is None and code in LAPSE_CODES:
        errors["outcome"] = f"“{o.short_label}”请使用“{LAPSE_CODES[code]}”操作（它会核对期限是否已届满）。"
    if code == "unavailable.unclear_after_correction" and not any(
        a.end_reason == "corrected" for a in _actions(req, "clarification")
    ):
        errors["outcome"] = "“补正后申请内容仍不明确”只适用于已发出补正告知且已收到补正材料的申请。"
    kind = (data.get("letter_kind") or "").strip() or o.letter_kind
    if kind not in o.letter_kinds:
        allowed = "、".join(outcomes.LETTER_KINDS[k] for k in o.letter_kinds)
        errors["letter_kind"] = f"办理结果“{o.short_label}”的答复书只能是：{allowed}。"
        kind = o.letter_kind
    clean["letter_kind"] = kind
    ground = _text(errors, "legal_ground", data.get("legal_ground"), "理由")
    basis = o.legal_basis_for(kind)
    if o.needs_legal_ground and not ground and "legal_ground" not in errors:
        # Issue 18: an empty required reason is refused, never replaced by a default citation.
        errors["legal_ground"] = f"办理结果“{o.short_label}”须写明理由（为什么{o.short_label}），这是必填项。" + (
            f"法律依据（{basis}）由答复书自动引用。" if basis else ""
        )
    elif ground and o.needs_legal_ground and outcomes.is_bare_citation(ground):
        errors["legal_ground"] = (
            "理由不能只写法条：请具体说明为什么作出这一处理（例如该信息属于什么情形、依据什么事实）；"
            + (f"法律依据（{basis}）由答复书自动引用，无需重复填写。" if basis else "法律依据由答复书引用。")
        )
    clean["legal_ground"] = ground
    agency = _text(errors, "responsible_agency", data.get("responsible_agency"), "负责公开的机关", limit=200)
    clean["responsible_agency"] = agency if kind == "not_ours" else None
    summary = _text(errors, "answer_summary", data.get("answer_summary"), "答复要点")
    if code == outcomes.WITHDRAWN and not summary and lapse is None:
        errors["answer_summary"] = "选择“其他处理”时，请在答复要点中写明如何处理的。"
    clean["answer_summary"] = summary
    details = {}
    for f in outcomes.detail_fields(code):
        value = _text(errors, f.id, data.get(f.id), f.label.split("（")[0], limit=f.limit)
        if not value and f.id not in errors:
            errors[f.id] = f"办理结果“{o.short_label}”须填写{f.label.split('（')[0]}，答复书将告知申请人。"
        details[f.id] = value
    clean["outcome_details"] = details or None
    if code == outcomes.REPEAT:
        clean["repeat_of_id"] = _repeat_of(req, data.get("repeat_of_id"), errors)
    return clean


def _repeat_of(req: DisclosureRequest, value: Any, errors: dict) -> int | None:
    """Art. 36(6): the earlier request of the same applicant that was answered (its letter cites it)."""
    from .repeats import same_applicant

    earlier = db.session.get(DisclosureRequest, rid) if (rid := to_id(value)) else None
    if earlier is None or earlier.agency_id != req.agency_id or earlier.id == req.id:
        errors["repeat_of_id"] = "“重复申请”须选择本机关此前已答复的同一申请人的申请（答复书将引用其编号和答复日期）。"
        return None
    if earlier.status != CONCLUDED or earlier.withdrawn or not (earlier.answer_date or earlier.concluded_on):
        errors["repeat_of_id"] = f"申请{earlier.number}尚未答复（或已撤回），不能作为重复申请所指的前次申请。"
        return None
    if not same_applicant(earlier, req):
        errors["repeat_of_id"] = f"申请{earlier.number}的申请人与本申请不同：重复申请须是同一申请人的申请。"
        return None
    if earlier.received_on > req.received_on:
        errors["repeat_of_id"] = f"申请{earlier.number}晚于本申请收到，不能作为前次申请。"
        return None
    return earlier.id


def _delivery(
    req: DisclosureRequest, data: dict, errors: dict, today: date, *, after: tuple[date | None, str] = (None, "")
) -> dict:
    """The answer's date and, if it has already been delivered, its delivery (method, date, tracking).

    The delivery may be recorded later (delivery.record_delivery on the answer letter): until then the
    case is concluded but not delivered, and the delivery date, not the letter's date, decides timeliness.
    """
    from .delivery import DATE_LABELS, TRACKING

    answer_date = data.get("answer_date")
    last = max((d for a in req.clock_actions for d in (a.started_on, a.ended_on, a.decided_on) if d), default=None)
    if err := _date_error(
        "答复日期", answer_date, today, (req.received_on, "收到申请之日"), (last, "本案最后一次计时操作的日期"), after
    ):
        errors["answer_date"] = err
    method = data.get("delivery_method") or None
    delivered = data.get("delivered_on") or None
    tracking = (data.get("tracking_number") or "").strip() if isinstance(data.get("tracking_number"), str) else ""
    if method is not None and method not in workflow.DELIVERY_METHODS:
        errors["delivery_method"] = "请选择答复送达方式（邮寄、电子邮件、网络平台、当面送达等），尚未送达的请留空。"
    elif method is None and delivered is not None:
        errors["delivery_method"] = "已填写送达日期，请同时选择送达方式；尚未送达的请把两项都留空。"
    elif method is not None and delivered is None:
        errors["delivered_on"] = f"已选择送达方式，请填写{DATE_LABELS[method]}；尚未送达的请把两项都留空。"
    if delivered is not None and (
        err := _date_error(
            DATE_LABELS.get(method or "", "送达日期"),
            delivered,
            today,
            (answer_date if isinstance(answer_date, date) else None, "答复日期"),
        )
    ):
        errors["delivered_on"] = err
    if tracking and not TRACKING.match(tracking):
        errors["tracking_number"] = "邮件单号只能由字母、数字和“-”组成，最多60个字符，请核对。"
    return {
        "answer_date": answer_date,
        "delivery_method": method,
        "delivered_on": delivered,
        "tracking_number": tracking or None,
    }


def _conclude(req: DisclosureRequest, content: dict, delivery: dict) -> tuple[dict, list[str]]:
    """Write the conclusion; returns (diff, warnings). Inputs already validated.

    With a delivery, the answer letter's row gets it and the request mirrors it; without, the case is
    concluded but not delivered.
    """
    from . import letters

    warnings = []
    due = _current_deadline(req).due
    if due is not None and delivery["answer_date"] > due:
        warnings.append(f"答复日期{cn(delivery['answer_date'])}晚于答复期限{cn(due)}，本案已按超期办结记录。")
    for a in _actions(req, "extension", state="requested"):
        a.state = "cancelled"
    objected = [a for a in _actions(req, "consult_third_party") if (a.details or {}).get("objected")]
    if content["outcome"] in ("disclosed", "partially_disclosed") and any(
        not (a.details or {}).get("override") for a in objected
    ):
        warnings.append(
            "第三方曾不同意公开：如决定公开，请记录“决定公开并告知第三方”，并将决定公开的内容和理由书面告知第三方"
            "（条例第三十二条）。"
        )
    tracking = delivery.pop("tracking_number", None)
    diff = audit.changes(
        req,
        {
            "status": CONCLUDED,
            "pause_reason": None,
            "paused_from": None,
            "concluded_on": delivery["answer_date"],
            **content,
            **delivery,
        },
    )
    if delivery["delivered_on"] is not None:
        row = letters._letter_row_for(req, "answer")
        row.delivery_method, row.delivered_on, row.tracking_number = (
            delivery["delivery_method"],
            delivery["delivered_on"],
            tracking,
        )
        row.delivery_recorded_at = utcnow()
        if due is not None and delivery["delivered_on"] > due >= delivery["answer_date"]:
            warnings.append(f"答复于{cn(delivery['delivered_on'])}送达，晚于答复期限{cn(due)}：本案按超期答复记录。")
        if tracking:
            diff["tracking_number"] = tracking
    else:
        warnings.append("答复尚未登记送达：送达后请在“告知书”中登记送达方式和日期（以送达日期判断是否按期答复）。")
    return diff, warnings


# --- assignment --------------------------------------------------------------------------------


def internal_due_workdays(agency_id: int) -> int:
    """How many working days before the statutory deadline the office wants the section's draft: the
    agency's setting ``internal_due_workdays``, else the configuration's, else rules.deadlines' default."""
    from ..accounts.models import Agency

    agency = db.session.get(Agency, agency_id)
    value = (agency.settings or {}).get("internal_due_workdays") if agency is not None else None
    if value is None:
        value = current_app.config.get("INTERNAL_DUE_WORKDAYS", deadlines.INTERNAL_DUE_WORKDAYS)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return deadlines.INTERNAL_DUE_WORKDAYS


def _internal_due(req: DisclosureRequest, given: Any, today: date, errors: dict) -> date | None:
    """The office's own date for the section's draft: the one given (between today and the statutory
    deadline), else the default number of working days before the statutory deadline; None while the
    clock is stopped (no statutory date to count back from)."""
    if given not in (None, ""):
        if not isinstance(given, date):
            errors["internal_due"] = "内部办理期限格式不正确，请按“年-月-日”填写，例如 2026-03-02。"
        elif given < today:
            errors["internal_due"] = f"内部办理期限{cn(given)}早于今天（{cn(today)}），请核对。"
        elif req.due_date is not None and given > req.due_date:
            errors["internal_due"] = f"内部办理期限{cn(given)}晚于法定答复期限（{cn(req.due_date)}），请提前。"
        else:
            return given
        return None
    if req.due_date is None:  # the clock is stopped: keep the date the section already has
        return req.internal_due
    return deadlines.internal_deadline(req.due_date, today, current_calendar(), internal_due_workdays(req.agency_id))


def assign_section(
    actor,
    req: DisclosureRequest,
    *,
    version,
    section_id,
    instruction: str = "",
    internal_due: Any = None,
    today: date | None = None,
) -> Done:
    """The office assigns the request to a section (分办), optionally with the leader's instruction (领导批示),
    and gives the section its internal deadline for the draft (default: rules.deadlines.internal_deadline)."""
    with unit_of_work(CONFLICT):
        section = _assign_section(actor, req, version, section_id, instruction, internal_due, _today(today))
        return Done(f"已分办至{section.name}。")


def _assign_section(actor, req, version, section_id, instruction, internal_due, today: date) -> Section:
    """assign_section inside the caller's unit of work (one case, or every case of a bulk assignment)."""
    _start(actor, req, "assign_section", version)
    errors: dict[str, str] = {}
    section = _section(req, section_id, errors)
    text = _text(errors, "instruction", instruction, "领导批示")
    internal = _internal_due(req, internal_due, today, errors)
    _raise(errors)
    diff = audit.changes(
        req, {"section_id": section.id, "status": IN_PROGRESS, "handler_id": None, "internal_due": internal}
    )
    diff["section"] = [None, section.name]
    if text:
        diff.update(audit.changes(req, {"leader_instruction": text}))
    _drop_cohandler(req, section.id, diff)
    _finish(actor, req, "request.assigned", diff, note=text)
    return section


class BulkRefused(ServiceError):
    """A bulk action refused as a whole: ``reasons`` lists (case, why) for every case it could not take."""

    def __init__(self, reasons: list[tuple[str, str]]):
        super().__init__(
            f"所选的{len(reasons)}件申请不能处理，本次未作任何改动：" + "；".join(f"{c}：{m}" for c, m in reasons)
        )
        self.reasons = reasons


BULK_LIMIT = 100  # cases per bulk action (a page of the list shows at most this many)


def bulk_assign_section(
    actor, items: list[tuple[Any, Any]], *, section_id, instruction: str = "", today: date | None = None
) -> Done:
    """分办 every selected case to one section, or none: ``items`` are (request id, version as the list
    showed it). Every case is checked (scope, state, version, section) and every refusal is listed; one
    refusal leaves every case as it was."""
    from ..accounts.access import get_request_for

    today = _today(today)
    if not items:
        raise FieldErrors({"case": "请先勾选要分办的申请。"})
    if len(items) > BULK_LIMIT:
        raise FieldErrors({"case": f"一次最多分办{BULK_LIMIT}件申请，请分批办理。"})
    reasons: list[tuple[str, str]] = []
    done: list[str] = []
    section_name = ""
    with unit_of_work(CONFLICT):
        seen: set[int] = set()
        for raw_id, version in items:
            case_id = to_id(raw_id)
            if case_id is None or case_id in seen:
                reasons.append((str(raw_id)[:20], "不是有效的申请编号。"))
                continue
            seen.add(case_id)
            try:
                req = get_request_for(actor, case_id)
            except ServiceError:
                reasons.append((f"第{case_id}号记录", "申请不存在或您无权查看。"))
                continue
            try:
                section_name = _assign_section(actor, req, version, section_id, instruction, None, today).name
                done.append(req.number)
            except ServiceError as e:
                reasons.append((req.number, e.message))
        if reasons:
            raise BulkRefused(reasons)
    return Done(f"已将{len(done)}件申请分办至{section_name}：{'、'.join(done)}。")


def _drop_cohandler(req: DisclosureRequest, section_id: int, diff: dict) -> None:
    for c in list(req.cohandlers):
        if c.section_id == section_id:  # the lead section cannot also co-handle
            req.cohandlers.remove(c)
            diff["cohandler_removed"] = c.section.name if c.section else section_id


def reassign_section(
    actor,
    req: DisclosureRequest,
    *,
    version,
    section_id,
    reason: str,
    instruction: str = "",
    internal_due: Any = None,
    today: date | None = None,
) -> Done:
    """The office sends the case to another section; the reason is recorded; the handler is cleared; the
    new section gets its internal deadline as at assignment."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "reassign_section", version)
        errors: dict[str, str] = {}
        section = _section(req, section_id, errors)
        if section is not None and section.id == req.section_id:
            errors["section_id"] = f"案件已由{section.name}承办，请选择另一个科室。"
        why = _text(errors, "reason", reason, "改派原因", required=True)
        text = _text(errors, "instruction", instruction, "领导批示")
        internal = _internal_due(req, internal_due, today, errors)
        _raise(errors)
        old_name = req.section.name if req.section else None
        diff = audit.changes(req, {"section_id": section.id, "handler_id": None, "internal_due": internal})
        diff["section"] = [old_name, section.name]
        if text:
            diff.update(audit.changes(req, {"leader_instruction": text}))
        _drop_cohandler(req, section.id, diff)
        _finish(actor, req, "request.reassigned", diff, note=why)
        return Done(f"已改派至{section.name}，请该科室负责人指定承办人。")


def assign_handler(actor, req: DisclosureRequest, *, version, handler_id, today: date | None = None) -> Done:
    """The section head (or the office) names the handler, who must belong to the case's section."""
    with unit_of_work(CONFLICT):
        _start(actor, req, "assign_handler", version)
        user = db.session.get(User, uid) if (uid := to_id(handler_id)) else None
        if req.section_id is None:
            raise Invalid({"handler_id": "案件尚未分办到科室，请先分办。"})
        if user is None or user.agency_id != req.agency_id or user.section_id != req.section_id:
            raise Invalid({"handler_id": "承办人必须是承办科室的工作人员，请从列表中选择。"})
        if not user.active or not user.can("request.handle"):
            raise Invalid({"handler_id": f"{user.display_name}的账号已停用或不能承办案件，请选择其他人员。"})
        if user.id == req.handler_id:
            raise Invalid({"handler_id": f"{user.display_name}已是本案承办人。"})
        old = req.handler.display_name if req.handler else None
        diff = audit.changes(req, {"handler_id": user.id})
        diff["handler"] = [old, user.display_name]
        _finish(actor, req, "request.handler_assigned", diff)
        return Done(f"已指定{user.display_name}为承办人。")


def add_cohandler(actor, req: DisclosureRequest, *, version, section_id, today: date | None = None) -> Done:
    """A co-handling section (协办科室) may read the case and contribute an opinion."""
    with unit_of_work(CONFLICT):
        _start(actor, req, "add_cohandler", version)
        errors: dict[str, str] = {}
        section = _section(req, section_id, errors)
        if section is not None:
            if section.id == req.section_id:
                errors["section_id"] = f"{section.name}是承办科室，不能同时作为协办科室。"
            elif any(c.section_id == section.id for c in req.cohandlers):
                errors["section_id"] = f"{section.name}已是协办科室。"
        _raise(errors)
        req.cohandlers.append(RequestCohandler(section_id=section.id))
        _finish(actor, req, "request.cohandler_added", {"cohandler": section.name})
        return Done(f"已增加{section.name}为协办科室。")


def submit_opinion(actor, req: DisclosureRequest, *, version, opinion: str, today: date | None = None) -> Done:
    """A co-handling section's opinion; a later opinion replaces the earlier one (both stay in the log)."""
    with unit_of_work(CONFLICT):
        _start(actor, req, "submit_opinion", version)
        errors: dict[str, str] = {}
        text = _text(errors, "opinion", opinion, "协办意见", required=True)
        _raise(errors)
        row = next(c for c in req.cohandlers if c.section_id == actor.section_id)
        diff = audit.changes(row, {"opinion": text, "opinion_at": utcnow(), "opinion_by_id": actor.id})
        _finish(
            actor,
            req,
            "request.opinion_submitted",
            {
                "section": row.section.name if row.section else actor.section_id,
                "opinion": [diff.get("opinion", [None, text])[0], text],
            },
        )
        return Done("协办意见已提交，承办科室可在案件页面查看。")


# --- draft and review -----------------------------------------------------------------------------


def submit_draft(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    """The handler submits the draft answer (proposed outcome, ground, summary) for review."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "submit_draft", version)
        if req.handler_id is None:
            raise Invalid({"outcome": "案件还没有承办人，请科室负责人先指定承办人。"})
        errors: dict[str, str] = {}
        content = _answer_content(req, data, errors)
        _raise(errors)
        req.draft = {
            **content,
            "submitted_by": actor.id,
            "submitted_by_name": _user_name(actor),
            "submitted_on": today.isoformat(),
            "approved": False,
        }
        diff = audit.changes(req, {"status": IN_REVIEW})
        if req.draft_submitted_on is None:  # the first submission: returned late to the office or not
            diff.update(audit.changes(req, {"draft_submitted_on": today}))
        diff["draft_outcome"] = outcomes.outcome(content["outcome"]).short_label
        _finish(actor, req, "request.draft_submitted", diff)
        return Done("答复稿已提交审核。")


def approve_draft(actor, req: DisclosureRequest, *, version, note: str = "", today: date | None = None) -> Done:
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "approve_draft", version)
        if not req.draft:
            raise Invalid({"note": "没有待审核的答复稿。"})
        if req.draft.get("approved"):
            raise Invalid({"note": "答复稿已审核通过，请政务公开办发出答复并办结。"})
        errors: dict[str, str] = {}
        text = _text(errors, "note", note, "审核意见")
        _raise(errors)
        req.draft = {
            **req.draft,
            "approved": True,
            "approved_by": actor.id,
            "approved_by_name": _user_name(actor),
            "approved_on": today.isoformat(),
        }
        _finish(actor, req, "request.draft_approved", {"draft_approved": [False, True]}, note=text)
        return Done("答复稿已审核通过，请政务公开办发出答复并办结。")


def return_draft(actor, req: DisclosureRequest, *, version, reason: str, today: date | None = None) -> Done:
    with unit_of_work(CONFLICT):
        _start(actor, req, "return_draft", version)
        errors: dict[str, str] = {}
        why = _text(errors, "reason", reason, "退回原因", required=True)
        _raise(errors)
        req.draft = {
            **(req.draft or {}),
            "approved": False,
            "returned_reason": why,
            "returned_by_name": _user_name(actor),
        }
        diff = audit.changes(req, {"status": IN_PROGRESS})
        _finish(actor, req, "request.draft_returned", diff, note=why)
        return Done("答复稿已退回承办人修改。")


# --- clarification (补正, Art. 30) ------------------------------------------------------------------


def clarify(
    actor, req: DisclosureRequest, *, version, notice_on, items: str, period_workdays=None, today: date | None = None
) -> Done:
    """Send the one-time clarification notice; the clock stops until the corrected request arrives.

    A notice later than 7 working days after receipt is recorded, not refused: the request still has
    to be clarified, and refusing would only hide the lateness. The event and the result carry a warning.
    """
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "clarify", version)
        errors: dict[str, str] = {}
        if err := _date_error("补正告知日期", notice_on, today, (req.received_on, "收到申请之日")):
            errors["notice_on"] = err
        what = _text(errors, "items", items, "需要补正的事项", required=True)
        default = current_app.config.get("CORRECTION_PERIOD_WORKDAYS", deadlines.CORRECTION_PERIOD_WORKDAYS)
        period = (
            default
            if period_workdays in (None, "")
            else _int(errors, "period_workdays", period_workdays, "补正期限（工作日）", 1, MAX_CORRECTION_PERIOD)
        )
        _raise(errors)
        cal = current_calendar()
        limit = deadlines.clarification_notice_deadline(req.received_on, cal)
        warnings = []
        if notice_on > limit:
            warnings.append(
                f"补正告知应在收到申请后7个工作日内（{cn(limit)}前）发出，本次于{cn(notice_on)}发出，"
                "已逾期，已如实记录。"
            )
        window = deadlines.correction_period_end(notice_on, cal, period)
        _clock_action(
            actor,
            req,
            kind="clarification",
            state="open",
            started_on=notice_on,
            window_end=window,
            workdays=period,
            reason=what,
            details={"late_notice": notice_on > limit, "notice_limit": limit.isoformat()},
        )
        diff = _pause(req, workflow.CLARIFICATION)
        diff["correction_due"] = window
        _finish(actor, req, "request.clarification_sent", diff, note=warnings[0] if warnings else None)
        return Done(f"已记录补正告知，申请人应于{cn(window)}前补正；期间暂停计算答复期限。", warnings)


def clarification_received(
    actor, req: DisclosureRequest, *, version, received_on, note: str = "", today: date | None = None
) -> Done:
    """The corrected request arrived: the answer period starts afresh from that day."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "clarification_received", version)
        act = _actions(req, "clarification", state="open")[0]
        errors: dict[str, str] = {}
        if err := _date_error("收到补正材料日期", received_on, today, (act.started_on, "补正告知日期")):
            errors["received_on"] = err
        why = _text(errors, "note", note, "说明")
        if not errors and received_on > act.window_end and not why:
            errors["note"] = (
                f"补正期限已于{cn(act.window_end)}届满。如申请人有正当理由逾期补正，请在说明中写明理由；"
                "否则请选择“逾期未补正，办结”。"
            )
        _raise(errors)
        act.state, act.ended_on, act.end_reason = "closed", received_on, "corrected"
        diff = _resume_if_no_open_pause(req)
        diff["restart_on"] = received_on
        _finish(actor, req, "request.clarification_received", diff, note=why)
        return Done(
            f"已收到补正材料，答复期限自{cn(received_on)}起重新计算，至{cn(req.due_date)}。"
            if req.due_date
            else "已收到补正材料，答复期限重新计算。"
        )


@dataclass(frozen=True)
class Lapse:
    """A waiting period that can run out: its clock action, the outcome it ends the case with, its words."""

    clock_kind: str
    code: str
    window: str  # what the period is called
    event: str
    done: str  # the outcome, in words


LAPSES: dict[str, Lapse] = {
    "clarification_lapsed": Lapse(
        "clarification", outcomes.NO_CORRECTION, "补正期限", "request.clarification_lapsed", "申请人逾期不补正"
    ),
    "fee_lapsed": Lapse("fee", outcomes.UNPAID_FEE, "缴费期限", "request.fee_lapsed", "申请人逾期未缴纳费用"),
}


def _conclude_on_lapse(actor, req: DisclosureRequest, action: str, version, today: date | None, data: dict) -> Done:
    """A waiting period ran out (correction or fee): close the clock action and conclude with the lapse code."""
    lapse = LAPSES[action]
    window, done = lapse.window, lapse.done
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, action, version, today)
        act = _actions(req, lapse.clock_kind, state="open")[0]
        end = act.window_end
        if today <= end:
            raise Invalid({"answer_date": f"{window}至{cn(end)}，期限届满后才能按{done}办结。"})
        errors: dict[str, str] = {}
        content = _answer_content(req, data, errors, lapse=lapse.code)
        delivery = _delivery(req, data, errors, today, after=(end, f"{window}届满日"))
        if isinstance(delivery["answer_date"], date) and delivery["answer_date"] <= end and "answer_date" not in errors:
            errors["answer_date"] = f"答复日期应在{window}届满（{cn(end)}）之后。"
        _raise(errors)
        act.state, act.ended_on, act.end_reason = "closed", end, "lapsed"
        diff, warnings = _conclude(req, content, delivery)
        _finish(actor, req, lapse.event, diff)
        return Done(f"已按“{done}”办结。", warnings)


def clarification_lapsed(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    """The correction period ran out: conclude as other.no_correction with the letter's date and delivery."""
    return _conclude_on_lapse(actor, req, "clarification_lapsed", version, today, data)


# --- consultation (Art. 32 / 34) ------------------------------------------------------------------


def consult(
    actor,
    req: DisclosureRequest,
    *,
    version,
    kind: str,
    party: str,
    sent_on,
    matter: str = "",
    served_on=None,
    today: date | None = None,
) -> Done:
    """Send a consultation letter to a third party or another agency; the clock stops meanwhile.

    The party's 15 working days run from the day it *receives* the letter (条例第三十二条、第三十四条):
    `served_on` when known now (handed over, e-mailed), else recorded later with the letter's delivery.
    """
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "consult", version)
        errors: dict[str, str] = {}
        if kind not in CONSULT_KINDS:
            errors["kind"] = "请选择征求意见的对象类型（第三方或其他机关）。"
        who = _text(errors, "party", party, "征求意见对象", required=True, limit=200)
        if err := _date_error("征求意见书发出日期", sent_on, today, (req.received_on, "收到申请之日")):
            errors["sent_on"] = err
        what = _text(errors, "matter", matter, "征求意见事项")
        served = served_on or None
        if served is not None and "sent_on" not in errors:
            if err := _date_error("对方收到征求意见书日期", served, today, (sent_on, "征求意见书发出日期")):
                errors["served_on"] = err
        _raise(errors)
        window = deadlines.consultation_window_end(served, current_calendar()) if served else None
        _clock_action(
            actor,
            req,
            kind=kind,
            state="open",
            started_on=sent_on,
            served_on=served,
            window_end=window,
            party=who,
            reason=what,
        )
        diff = _pause(req, workflow.CONSULTATION)
        diff.update({"party": who, "served_on": served, "window_end": window})
        _finish(actor, req, "request.consultation_sent", diff)
        if window is None:
            return Done(
                f"已记录征求意见书；{who}收到后请在告知书送达登记中填写对方收到日期，"
                "答复期限自对方收到之日起计算15个工作日；征求意见期间不计入答复期限。"
            )
        return Done(f"已记录征求意见书，{who}应于{cn(window)}前答复；征求意见期间不计入答复期限。")


OBJECTIONS = {"agreed": "同意公开", "objected": "不同意公开", "none": "未明确表示"}


def consultation_closed(
    actor,
    req: DisclosureRequest,
    *,
    version,
    clock_action_id,
    end_reason: str,
    ended_on=None,
    opinion: str = "",
    position: str = "",
    today: date | None = None,
) -> Done:
    """The consulted party answered, or its 15-working-day window (from its receipt) closed without an answer.

    `position` records whether a third party agreed to the disclosure; an objection makes the Art. 32
    notice (决定公开告知书) available if the agency decides to disclose all the same.
    """
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "consultation_closed", version)
        act = _open_clock_action(req, clock_action_id, tuple(CONSULT_KINDS), "open", "征求意见")
        errors: dict[str, str] = {}
        text = _text(errors, "opinion", opinion, "答复意见")
        if end_reason == "answered":
            if err := _date_error(
                "收到答复日期",
                ended_on,
                today,
                (act.started_on, "征求意见书发出日期"),
                (act.served_on, "对方收到征求意见书的日期"),
            ):
                errors["ended_on"] = err
            elif act.window_end is not None and ended_on > act.window_end:
                errors["ended_on"] = (
                    f"征求意见期限已于{cn(act.window_end)}届满，此后的时间计入答复期限："
                    "请选择“期限届满未答复”（答复内容可写在答复意见中）。"
                )
            if position not in OBJECTIONS:
                errors["position"] = "请选择对方对公开的意见：同意公开、不同意公开或未明确表示。"
        elif end_reason == "window_closed":
            if act.window_end is None:
                errors["end_reason"] = (
                    "尚未登记对方收到征求意见书的日期，无法确定15个工作日的答复期限："
                    "请先在征求意见书的送达登记中填写对方收到日期。"
                )
            elif today <= act.window_end:
                errors["end_reason"] = f"征求意见期限至{cn(act.window_end)}，尚未届满。"
            ended_on = act.window_end
        else:
            errors["end_reason"] = "请选择征求意见的结果：已答复或期限届满未答复。"
        _raise(errors)
        act.state, act.ended_on, act.end_reason = "closed", ended_on, end_reason
        act.details = {
            **(act.details or {}),
            "opinion": text,
            "objected": end_reason == "answered" and position == "objected" and act.kind == "consult_third_party",
            "position": position if end_reason == "answered" else None,
        }
        diff = _resume_if_no_open_pause(req)
        diff.update({"party": act.party, "end_reason": end_reason, "ended_on": ended_on})
        if end_reason == "answered":
            diff["position"] = OBJECTIONS[position]
        _finish(actor, req, "request.consultation_closed", diff, note=text)
        return Done(
            "征求意见已结束，答复期限已顺延。"
            if req.status != PAUSED
            else "征求意见已结束；仍有其他征求意见未结束，答复期限继续暂停。"
        )


def disclose_over_objection(
    actor,
    req: DisclosureRequest,
    *,
    version,
    clock_action_id,
    decided_on,
    content: str,
    reasons: str,
    today: date | None = None,
) -> Done:
    """Art. 32: the agency decides to disclose although the third party objected (public interest), and must
    tell the third party in writing what will be disclosed and why — the 决定公开告知书, a letter of its own."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "disclose_over_objection", version)
        act = next(
            (a for a in objected_consultations(req) if str(a.id) == str(clock_action_id)),
            None,
        )
        if act is None:
            raise Invalid({"clock_action_id": "请选择不同意公开的第三方（只有已答复且不同意公开的征求意见可以选择）。"})
        errors: dict[str, str] = {}
        if err := _date_error("决定日期", decided_on, today, (act.ended_on, "收到第三方意见的日期")):
            errors["decided_on"] = err
        what = _text(errors, "content", content, "决定公开的政府信息内容", required=True)
        why = _text(errors, "reasons", reasons, "决定公开的理由", required=True)
        _raise(errors)
        act.details = {
            **(act.details or {}),
            "override": {"decided_on": decided_on.isoformat(), "content": what, "reasons": why},
        }
        _finish(
            actor,
            req,
            "request.disclosure_over_objection",
            {"party": act.party, "decided_on": decided_on, "content": what},
            note=why,
            refresh=req.is_open,
        )
        return Done(f"已记录决定公开，请生成“决定公开告知书（{act.party}）”并书面送达第三方。")


def objected_consultations(req: DisclosureRequest) -> list[ClockAction]:
    """Third-party consultations that ended with an objection and have no decision to disclose yet."""
    return [
        a
        for a in _actions(req, "consult_third_party", state="closed")
        if (a.details or {}).get("objected") and not (a.details or {}).get("override")
    ]


# --- information processing fee (109号) -------------------------------------------------------------


def fee_quote(actor, req: DisclosureRequest, *, method: str, pages=None, units=1) -> fees.FeeCalculation:
    """The fee calculation the office checks before confirming (no change, no event, any state)."""
    if msg := workflow.permission_error(actor, req, workflow.action("fee_notice")):
        raise PermissionDenied(msg)
    errors: dict[str, str] = {}
    return _calculate(req, method, pages, units, errors)


def _calculate(req, method, pages, units, errors) -> fees.FeeCalculation:
    n_units = _int(errors, "units", units if units not in (None, "") else 1, "拆分件数", 1, 100)
    n_pages = None
    if method == "per_page":
        n_pages = _int(errors, "pages", pages, "页数", 0)
    _raise(errors)
    try:
        return fees.calculate(req, method, pages=n_pages, units=n_units if method != "per_page" else 1)
    except ValueError as e:
        raise Invalid({"method": str(e)}) from None


def fee_notice(
    actor,
    req: DisclosureRequest,
    *,
    version,
    method: str,
    confirm_amount,
    notice_on,
    pages=None,
    units=1,
    served_on=None,
    today: date | None = None,
) -> Done:
    """Issue the fee notice for the amount the office confirmed; the clock stops until payment."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "fee_notice", version)
        errors: dict[str, str] = {}
        calc = _calculate(req, method, pages, units, errors)
        if calc.amount == 0:
            raise Invalid(
                {
                    "method": f"{calc.quote.method.label}核算，本申请不收费（{calc.quote.explanation[-1]}），"
                    "无需发出收费通知。"
                }
            )
        confirmed = _int(errors, "confirm_amount", confirm_amount, "确认金额（元）", 0)
        if confirmed is not None and confirmed != calc.amount:
            errors["confirm_amount"] = (
                f"核算金额为{calc.amount}元，与确认的{confirmed}元不一致："
                "申请记录可能已变化，请重新核算并核对后再确认。"
            )
        if err := _date_error("收费通知发出日期", notice_on, today, (req.received_on, "收到申请之日")):
            errors["notice_on"] = err
        served = served_on or notice_on
        if not errors and (err := _date_error("申请人收到通知日期", served, today, (notice_on, "收费通知发出日期"))):
            errors["served_on"] = err
        if not errors:
            due = _current_deadline(req).due
            if due is not None and notice_on > due:
                errors["notice_on"] = f"收费通知应在答复期限（{cn(due)}）内发出，本案答复期限已过。"
        _raise(errors)
        window = deadlines.fee_payment_deadline(served, current_calendar())
        _clock_action(
            actor,
            req,
            kind="fee",
            state="open",
            started_on=notice_on,
            served_on=served,
            window_end=window,
            details={**calc.details(), "served_on": served.isoformat()},
        )
        diff = audit.changes(req, {"fee_method": calc.quote.method.value, "fee_amount": calc.amount})
        diff.update(_pause(req, workflow.FEE))
        diff["payment_due"] = window
        _finish(actor, req, "request.fee_notice_sent", diff)
        return Done(f"已发出收费通知：{calc.amount}元，申请人应于{cn(window)}前缴纳；等待缴费期间不计入答复期限。")


def fee_paid(
    actor, req: DisclosureRequest, *, version, paid_on, amount, note: str = "", today: date | None = None
) -> Done:
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "fee_paid", version)
        act = _actions(req, "fee", state="open")[0]
        errors: dict[str, str] = {}
        if err := _date_error("缴费日期", paid_on, today, (act.started_on, "收费通知发出日期")):
            errors["paid_on"] = err
        paid = _int(errors, "amount", amount, "缴费金额（元）", 0)
        if paid is not None and paid != req.fee_amount:
            errors["amount"] = f"缴费金额应与收费通知一致（{req.fee_amount}元），请核对。"
        why = _text(errors, "note", note, "说明")
        if not errors and paid_on > act.window_end and not why:
            errors["note"] = (
                f"缴费期限已于{cn(act.window_end)}届满。如接受逾期缴费，请在说明中写明正当理由；"
                "否则请选择“逾期未缴费，办结”。"
            )
        _raise(errors)
        act.state, act.ended_on, act.end_reason = "closed", paid_on, "paid"
        diff = audit.changes(req, {"fee_paid_on": paid_on})
        diff.update(_resume_if_no_open_pause(req))
        _finish(actor, req, "request.fee_paid", diff, note=why)
        return Done(f"已登记缴费{paid}元，答复期限继续计算。")


def fee_lapsed(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    """The payment period ran out: conclude as other.unpaid_fee."""
    return _conclude_on_lapse(actor, req, "fee_lapsed", version, today, data)


# --- extension (Art. 33) and Art. 35 -----------------------------------------------------------------


def request_extension(
    actor, req: DisclosureRequest, *, version, workdays, reason: str, requested_on, today: date | None = None
) -> Done:
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "request_extension", version, today)
        if _actions(req, "extension", state="requested"):
            raise Invalid({"workdays": "已有一项延期申请等待审批，请等待领导审批后再申请。"})
        errors: dict[str, str] = {}
        days = _int(errors, "workdays", workdays, "延期天数（工作日）", 1, deadlines.MAX_EXTENSION_WORKDAYS)
        why = _text(errors, "reason", reason, "延期理由", required=True)
        if err := _date_error("申请日期", requested_on, today, (req.received_on, "收到申请之日")):
            errors["requested_on"] = err
        if not errors:
            current = _current_deadline(req)
            if err := deadlines.extension_check(
                current.due, current.extension_total, days, requested_on, max_total=current.extension_limit
            ):
                errors["workdays"] = err
        _raise(errors)
        _clock_action(
            actor, req, kind="extension", state="requested", started_on=requested_on, workdays=days, reason=why
        )
        _finish(actor, req, "request.extension_requested", {"workdays": days}, note=why)
        return Done(f"已提交延期{days}个工作日的申请，等待领导审批。")


def decide_extension(
    actor,
    req: DisclosureRequest,
    *,
    version,
    clock_action_id,
    approve: bool,
    decided_on,
    note: str = "",
    today: date | None = None,
) -> Done:
    """A leader approves (before the deadline, at most the request's extension limit in total: 20 working days
    since 2019-05-15) or refuses an extension."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "decide_extension", version)
        act = _open_clock_action(req, clock_action_id, ("extension",), "requested", "延期申请")
        errors: dict[str, str] = {}
        if err := _date_error("审批日期", decided_on, today, (act.started_on, "延期申请日期")):
            errors["decided_on"] = err
        text = _text(errors, "note", note, "审批意见")
        if not errors and approve:
            current = _current_deadline(req)
            if err := deadlines.extension_check(
                current.due, current.extension_total, act.workdays, decided_on, max_total=current.extension_limit
            ):
                errors["decided_on"] = err
        _raise(errors)
        old_due = _current_deadline(req).due
        act.state = "approved" if approve else "refused"
        act.decided_by_id, act.decided_on = actor.id, decided_on
        details = {**(act.details or {}), "note": text}
        if approve:  # the letter (延期答复告知书) states the old and the new deadline
            new_due = _current_deadline(req).due
            details.update(
                old_due=old_due.isoformat() if old_due else None, new_due=new_due.isoformat() if new_due else None
            )
        act.details = details
        _finish(
            actor,
            req,
            "request.extension_approved" if approve else "request.extension_refused",
            {"workdays": act.workdays, "decided_on": decided_on},
            note=text,
        )
        if not approve:
            return Done("已不批准延期，答复期限不变。")
        return Done(
            f"已批准延期{act.workdays}个工作日，答复期限延至{cn(req.due_date)}。"
            if req.due_date
            else f"已批准延期{act.workdays}个工作日（目前暂停计时，恢复后顺延）。"
        )


def set_explicit_deadline(
    actor, req: DisclosureRequest, *, version, due, reason: str, set_on, today: date | None = None
) -> Done:
    """Art. 35: a reasonable but large request gets a later deadline set by the agency, with its reason."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "set_explicit_deadline", version)
        errors: dict[str, str] = {}
        why = _text(errors, "reason", reason, "理由", required=True)
        if err := _date_error("确定日期", set_on, today, (req.received_on, "收到申请之日")):
            errors["set_on"] = err
        if not isinstance(due, date):
            errors["due"] = "请填写另行确定的答复期限（年-月-日）。"
        elif isinstance(set_on, date) and due <= set_on:
            errors["due"] = "另行确定的答复期限应晚于确定日期。"
        elif (current := _current_deadline(req).due) is not None and due <= current:
            errors["due"] = f"另行确定的答复期限应晚于当前答复期限（{cn(current)}）。"
        _raise(errors)
        _clock_action(actor, req, kind="excessive", state="closed", started_on=set_on, explicit_due=due, reason=why)
        _finish(actor, req, "request.excessive_deadline_set", {"explicit_due": due}, note=why)
        return Done(f"答复期限已另行确定为{cn(due)}。")


# --- conclusion ----------------------------------------------------------------------------------------


def conclude(actor, req: DisclosureRequest, *, version, today: date | None = None, **data) -> Done:
    """The office records the answer: outcome code, ground, answer date, delivery method and date."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "conclude", version)
        errors: dict[str, str] = {}
        content = _answer_content(req, data, errors)
        delivery = _delivery(req, data, errors, today)
        _raise(errors)
        diff, warnings = _conclude(req, content, delivery)
        _finish(actor, req, "request.concluded", diff)
        return Done(f"已办结：{outcomes.outcome(content['outcome']).short_label}。", warnings)


def withdraw(
    actor, req: DisclosureRequest, *, version, withdrawn_on, reason: str = "", today: date | None = None
) -> Done:
    """The applicant withdrew the request: concluded as other.other, shown as 已撤回."""
    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "withdraw", version)
        errors: dict[str, str] = {}
        last = max((a.started_on for a in req.clock_actions if a.state == "open"), default=None)
        if err := _date_error(
            "撤回日期", withdrawn_on, today, (req.received_on, "收到申请之日"), (last, "尚未结束的暂停开始日期")
        ):
            errors["withdrawn_on"] = err
        why = _text(errors, "reason", reason, "撤回说明")
        _raise(errors)
        for a in req.clock_actions:
            if a.state == "open":
                a.state, a.ended_on, a.end_reason = "closed", withdrawn_on, "withdrawn"
            elif a.state == "requested":
                a.state = "cancelled"
        diff = audit.changes(
            req,
            {
                "status": CONCLUDED,
                "pause_reason": None,
                "paused_from": None,
                "outcome": outcomes.WITHDRAWN,
                "withdrawn": True,
                "concluded_on": withdrawn_on,
                "letter_kind": None,
            },
        )
        _finish(actor, req, "request.withdrawn", diff, note=why)
        return Done("已记录申请人撤回申请，案件办结（其他处理）。")


CONCLUSION_FIELDS = (
    "outcome",
    "concluded_on",
    "answer_date",
    "delivery_method",
    "delivered_on",
    "legal_ground",
    "responsible_agency",
    "answer_summary",
    "letter_kind",
    "outcome_details",
    "repeat_of_id",
)


def reopen(actor, req: DisclosureRequest, *, version, reason: str, today: date | None = None) -> Done:
    """An administrator reopens a concluded case; the old conclusion stays in the event log."""
    with unit_of_work(CONFLICT):
        _start(actor, req, "reopen", version)
        errors: dict[str, str] = {}
        why = _text(errors, "reason", reason, "重新办理的原因", required=True)
        _raise(errors)
        new = {f: None for f in CONCLUSION_FIELDS}
        new.update({"status": IN_PROGRESS if req.section_id else REGISTERED, "withdrawn": False, "draft": None})
        diff = audit.changes(req, new)
        for row in req.letters:  # the new answer will be delivered anew; the old delivery stays in the log
            if row.key == "answer" and row.delivered_on is not None:
                diff["answer_letter_delivery"] = [row.delivered_on, None]
                row.delivery_method = row.delivered_on = row.tracking_number = row.proof_attachment_id = None
        _finish(actor, req, "request.reopened", diff, note=why)
        return Done("案件已重新办理，原办结信息保留在办理记录中。")


MAX_SPLIT = 20
SPLIT_OWN = ("subject", "content", "remarks")  # what each split part has of its own; the rest is copied


def split_request(
    actor, req: DisclosureRequest, *, version, items: str, reason: str, today: date | None = None
) -> Done:
    """The office splits an application asking for several unrelated items into linked requests (一事一申请).

    Each item (one line) becomes a request of its own: its own number and deadline, the same applicant,
    channel and receipt date (条例第三十一条), counted once in table 三 and once in the applicant's month for
    the per-request fee (109号第四条: 以合理的最小单位拆分计算件数). The application keeps the items not split
    off; `split_from_id` links every part to it.
    """
    from ..numbering import format_number, next_seq
    from .intake import EDITABLE, case_pattern

    today = _today(today)
    with unit_of_work(CONFLICT):
        _start(actor, req, "split_request", version)
        errors: dict[str, str] = {}
        lines = [" ".join(line.split()) for line in (items or "").splitlines() if line.strip()]
        if not lines:
            errors["items"] = "请填写拆分出的申请事项，每行一项（原申请保留其余事项）。"
        elif len(lines) > MAX_SPLIT:
            errors["items"] = f"一次最多拆分出{MAX_SPLIT}件，现为{len(lines)}件，请分次拆分。"
        elif too_long := [i for i, line in enumerate(lines, 1) if len(line) > TEXT_LIMIT]:
            errors["items"] = f"第{too_long[0]}项超过{TEXT_LIMIT}个字，请精简。"
        why = _text(errors, "reason", reason, "拆分理由", required=True)
        _raise(errors)
        root_id = req.split_from_id or req.id
        agency = req.agency
        numbers = []
        for line in lines:
            seq = next_seq(agency.id, "request", req.received_on.year)
            child = DisclosureRequest(
                agency_id=req.agency_id,
                year=req.received_on.year,
                seq=seq,
                number=format_number(case_pattern(agency), req.received_on.year, seq),
                subject=line if len(line) <= 200 else line[:199] + "…",
                content=line,
                remarks=f"由{req.number}拆分：{why}",
                split_from_id=root_id,
                created_by_id=actor.id,
                source=req.source,
                **{f: getattr(req, f) for f in EDITABLE if f not in SPLIT_OWN},
            )
            child.tags = [RequestTag(tag=t.tag) for t in req.tags]
            db.session.add(child)
            clock.refresh(child, current_calendar())
            db.session.flush()
            numbers.append(child.number)
            audit.log(
                "request.split_off",
                child,
                actor,
                {
                    "number": child.number,
                    "split_from": req.number,
                    "received_on": child.received_on,
                    "due_date": child.due_date,
                },
                note=why,
            )
        _finish(actor, req, "request.split", {"split_into": numbers}, note=why)
        return Done(f"已拆分出{len(numbers)}件申请：{'、'.join(numbers)}，收到申请之日与原申请相同，各自计算答复期限。")


def split_family(req: DisclosureRequest) -> list[DisclosureRequest]:
    """The application and every request split off it (for the case page), ordered by number; empty for a
    request neither split nor split off (one query either way)."""
    root = req.split_from_id or req.id
    family = list(
        db.session.scalars(
            select(DisclosureRequest)
            .where(
                DisclosureRequest.agency_id == req.agency_id,
                (DisclosureRequest.id == root) | (DisclosureRequest.split_from_id == root),
            )
            .order_by(DisclosureRequest.seq)
            .limit(MAX_SPLIT * 5)
        )
    )
    return family if len(family) > 1 else []


def open_clock_actions(req: DisclosureRequest, *kinds: str, state: str = "open") -> list[ClockAction]:
    """For forms: the case's clock actions of these kinds in this state."""
    return _actions(req, *kinds, state=state)


def pending_extensions(req: DisclosureRequest) -> list[ClockAction]:
    return _actions(req, "extension", state="requested")


def section_handlers(req: DisclosureRequest) -> list[User]:
    """Active users of the case's section who can handle cases (candidates for assign_handler)."""
    if req.section_id is None:
        return []
    users = db.session.scalars(
        select(User)
        .where(User.agency_id == req.agency_id, User.section_id == req.section_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [u for u in users if u.can("request.handle")]
