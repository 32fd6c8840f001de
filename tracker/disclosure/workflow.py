"""States of a disclosure request and the one table of allowed actions: from which states, by whom.

Every state change goes through tracker.disclosure.services, and every service starts with
``check(user, req, action)``; the action panel of the case page lists ``allowed_actions(user, req)``.
So the table below is the only place that says who may do what when. Permissions themselves are
defined in tracker.accounts.roles; this module never tests a role name.

A state is a *state key*: the status, and for a paused case also the reason, e.g. ``paused:fee``.

Scopes:
- ``lead``: the user's agency owns the case and, for section-bound roles, the case is assigned to the
  user's section (tracker.accounts.access.is_lead_section).
- ``cohandler``: the user's section co-handles the case and does not lead it (read + opinion only).
``handler_bound``: a user without ``request.act_unassigned`` (i.e. section staff) must also be the
case's assigned handler.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..accounts.access import is_lead_section
from ..accounts.roles import allows
from ..errors import PermissionDenied, ServiceError
from .models import CONCLUDED, IN_PROGRESS, IN_REVIEW, PAUSED, REGISTERED

STATUS_LABELS: dict[str, str] = {
    REGISTERED: "待分办",
    IN_PROGRESS: "办理中",
    PAUSED: "暂停",
    IN_REVIEW: "待审核",
    CONCLUDED: "已办结",
}

CLARIFICATION = "clarification"
CONSULTATION = "consultation"
FEE = "fee"
PAUSE_REASON_LABELS: dict[str, str] = {
    CLARIFICATION: "补正中",
    CONSULTATION: "征求意见中",
    FEE: "待缴费",
}

# How an answer or letter reached the applicant (答复送达方式).
DELIVERY_METHODS: dict[str, str] = {
    "post": "邮寄",
    "email": "电子邮件",
    "online": "网络平台",
    "in_person": "当面送达",
    "fax": "传真",
    "other": "其他",
}

P_CLARIFICATION = f"{PAUSED}:{CLARIFICATION}"
P_CONSULTATION = f"{PAUSED}:{CONSULTATION}"
P_FEE = f"{PAUSED}:{FEE}"
PAUSED_STATES = frozenset({P_CLARIFICATION, P_CONSULTATION, P_FEE})
OPEN_STATES = frozenset({REGISTERED, IN_PROGRESS, IN_REVIEW}) | PAUSED_STATES
ALL_STATES = OPEN_STATES | {CONCLUDED}

STATE_LABELS: dict[str, str] = {
    **{s: label for s, label in STATUS_LABELS.items() if s != PAUSED},
    **{f"{PAUSED}:{r}": f"暂停（{label}）" for r, label in PAUSE_REASON_LABELS.items()},
}

LEAD = "lead"
COHANDLER = "cohandler"

# Where an action leaves the case, for the table's documentation (docs/workflow.md); the service sets it.
SAME = "（不变）"
RESUME = "（恢复暂停前的状态）"


@dataclass(frozen=True)
class Action:
    id: str
    label: str
    permission: str
    sources: frozenset[str]
    target: str
    scope: str = LEAD
    handler_bound: bool = False
    # The action works on the case's record (e.g. a review, a letter) rather than moving its state;
    # shown in a separate group of the panel.
    record: bool = False


def _a(id, label, permission, sources, target, **kw) -> Action:
    return Action(id, label, permission, frozenset(sources), target, **kw)


ACTIONS: tuple[Action, ...] = (
    _a("assign_section", "分办至科室", "request.assign_section", {REGISTERED}, IN_PROGRESS),
    _a("reassign_section", "改派科室", "request.assign_section", {IN_PROGRESS} | PAUSED_STATES, SAME),
    _a("assign_handler", "指定承办人", "request.assign_handler", {IN_PROGRESS, IN_REVIEW} | PAUSED_STATES, SAME),
    _a("add_cohandler", "增加协办科室", "request.cohandle", {IN_PROGRESS, IN_REVIEW} | PAUSED_STATES, SAME),
    _a(
        "submit_opinion",
        "提交协办意见",
        "request.opinion",
        {IN_PROGRESS, IN_REVIEW} | PAUSED_STATES,
        SAME,
        scope=COHANDLER,
    ),
    _a("submit_draft", "提交答复稿审核", "request.handle", {IN_PROGRESS}, IN_REVIEW, handler_bound=True),
    _a("approve_draft", "审核通过答复稿", "request.review_draft", {IN_REVIEW}, SAME),
    _a("return_draft", "退回答复稿", "request.review_draft", {IN_REVIEW}, IN_PROGRESS),
    _a("clarify", "发出补正告知", "request.clock", {REGISTERED, IN_PROGRESS}, P_CLARIFICATION, handler_bound=True),
    _a("clarification_received", "收到补正材料", "request.clock", {P_CLARIFICATION}, RESUME, handler_bound=True),
    _a("clarification_lapsed", "逾期未补正，办结", "request.conclude", {P_CLARIFICATION}, CONCLUDED),
    _a("consult", "发出征求意见书", "request.clock", {IN_PROGRESS, P_CONSULTATION}, P_CONSULTATION, handler_bound=True),
    _a("consultation_closed", "征求意见结束", "request.clock", {P_CONSULTATION}, RESUME, handler_bound=True),
    _a("fee_notice", "核算费用并发出收费通知", "request.fee", {IN_PROGRESS, IN_REVIEW}, P_FEE),
    _a("fee_paid", "登记缴费", "request.fee", {P_FEE}, RESUME),
    _a("fee_lapsed", "逾期未缴费，办结", "request.conclude", {P_FEE}, CONCLUDED),
    _a(
        "request_extension",
        "申请延期",
        "request.clock",
        {IN_PROGRESS, IN_REVIEW} | PAUSED_STATES,
        SAME,
        handler_bound=True,
    ),
    _a("decide_extension", "审批延期", "request.approve", OPEN_STATES, SAME),
    _a("set_explicit_deadline", "另行确定答复期限（第三十五条）", "request.deadline_explicit", OPEN_STATES, SAME),
    _a("split_request", "拆分申请（一事一申请）", "request.register", {REGISTERED, IN_PROGRESS}, SAME),
    _a(
        "disclose_over_objection",
        "决定公开并告知第三方（第三十二条）",
        "request.clock",
        {IN_PROGRESS, IN_REVIEW, CONCLUDED} | PAUSED_STATES,
        SAME,
        handler_bound=True,
        record=True,
    ),
    _a("conclude", "办结（答复申请人）", "request.conclude", {REGISTERED, IN_PROGRESS, IN_REVIEW}, CONCLUDED),
    _a("withdraw", "申请人撤回", "request.conclude", OPEN_STATES, CONCLUDED),
    _a("reopen", "重新办理", "request.reopen", {CONCLUDED}, IN_PROGRESS),  # 待分办 when it has no section
    _a("record_review", "登记复议/诉讼", "review.manage", ALL_STATES, SAME, record=True),
    _a("update_review", "更新复议/诉讼结果", "review.manage", ALL_STATES, SAME, record=True),
    _a("generate_letter", "生成告知书", "request.letters", ALL_STATES, SAME, record=True),
    _a("record_delivery", "登记告知书送达", "request.letters", ALL_STATES, SAME, record=True),
)
_BY_ID = {a.id: a for a in ACTIONS}
ACTION_IDS: tuple[str, ...] = tuple(_BY_ID)


class StateError(ServiceError):
    """The action is not possible in the case's current state."""


def action(action_id: str) -> Action:
    try:
        return _BY_ID[action_id]
    except KeyError:
        raise KeyError(f"未知的办理操作：{action_id}") from None


def state_key(req) -> str:
    if req.status == PAUSED:
        return f"{PAUSED}:{req.pause_reason}"
    return req.status


def state_label(key: str) -> str:
    return STATE_LABELS.get(key, key)


def status_label(req) -> str:
    if req.status == PAUSED and req.pause_reason:
        return f"暂停（{PAUSE_REASON_LABELS.get(req.pause_reason, req.pause_reason)}）"
    if req.status == CONCLUDED and req.outcome == "other.other" and getattr(req, "withdrawn", False):
        return "已撤回"
    if is_undelivered(req):
        return "已办结（答复未送达）"
    if req.status == IN_REVIEW and (req.draft or {}).get("approved"):
        return "已审核，待办结"  # the draft is approved; the office sends the answer and concludes
    return STATUS_LABELS.get(req.status, req.status)


def is_undelivered(req) -> bool:
    """Concluded with an answer that has not been delivered yet (imported history has no deliveries)."""
    return (
        req.status == CONCLUDED
        and not getattr(req, "withdrawn", False)
        and req.outcome is not None
        and req.delivered_on is None
        and getattr(req, "source", "manual") != "import"
    )


def is_cohandler(user, req) -> bool:
    """The user's section co-handles the case (and does not lead it)."""
    if user.section_id is None or req.agency_id != user.agency_id or req.section_id == user.section_id:
        return False
    return any(c.section_id == user.section_id for c in req.cohandlers)


def permission_error(user, req, act: Action) -> str | None:
    """Why the user may not take this action on this case whatever its state (Chinese), or None."""
    if user is None or not allows(user, act.permission):
        return f"您的角色不能进行“{act.label}”操作。"
    if act.scope == COHANDLER:
        if not is_cohandler(user, req):
            return f"只有协办科室可以进行“{act.label}”操作。"
        return None
    if not is_lead_section(user, req):
        return f"本案件不由您所在科室承办，不能进行“{act.label}”操作（协办科室只能查看和提交协办意见）。"
    if act.handler_bound and not user.can("request.act_unassigned") and req.handler_id != user.id:
        return f"只有本案件的承办人或科室负责人可以进行“{act.label}”操作。"
    return None


def state_error(req, act: Action) -> str | None:
    key = state_key(req)
    if key in act.sources:
        return None
    allowed = "、".join(state_label(s) for s in sorted(act.sources, key=_state_order))
    return f"案件当前状态为“{state_label(key)}”，不能进行“{act.label}”操作（仅限：{allowed}）。"


def _state_order(key: str) -> int:
    order = [REGISTERED, IN_PROGRESS, P_CLARIFICATION, P_CONSULTATION, P_FEE, IN_REVIEW, CONCLUDED]
    return order.index(key) if key in order else len(order)


def check(user, req, action_id: str) -> Action:
    """The action if the user may take it now; PermissionDenied (who) or StateError (when) otherwise."""
    act = action(action_id)
    if msg := permission_error(user, req, act):
        raise PermissionDenied(msg)
    if msg := state_error(req, act):
        raise StateError(msg)
    return act


def allowed_actions(user, req) -> list[Action]:
    """The actions the user may take on the case in its current state, in table order."""
    return [a for a in ACTIONS if permission_error(user, req, a) is None and state_error(req, a) is None]
