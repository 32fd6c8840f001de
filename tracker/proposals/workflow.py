"""Who may take which action on an NPC suggestion / CPPCC proposal, and when: the one table.

Every service of tracker.proposals.services that changes an item starts with this table's check
(``services._start``: ``permission_error``, the version, then ``check``); the item page offers ``offer(actor, p, today)``: the actions
allowed now as forms, and those the user's role and section could take but not now, disabled, with the
reason the service would give. So the page and the services cannot disagree. Permissions are those of
tracker.accounts.roles; the statuses an action needs are the rule of tracker.rules.proposals
(``allowed_statuses``); this module never tests a role name.

Scopes:
- ``agency``: the item belongs to the user's agency.
- ``lead``: the user acts for the lead section (主办): an agency-wide role of the item's agency, or a
  user of the lead section (tracker.accounts.access.is_proposal_lead).
- ``cohandler``: the user speaks for a co-handling section (协办/会办): a user of one, or an agency-wide
  role recording the opinion on a co-handler's behalf (the item must have co-handlers).

Requirements are the conditions beyond the status (a pending extension to decide, a reply to publish);
each says why not in the words the service uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..accounts.access import is_proposal_lead
from ..accounts.roles import allows
from ..errors import FieldErrors, PermissionDenied, ServiceError
from ..rules import proposals as rules
from ..rules.clock import today_cn
from . import clock

AGENCY = "agency"
LEAD = "lead"
COHANDLER = "cohandler"

NOT_LEAD = "只有主办科室的工作人员或政务公开办可以办理该建议提案。"


class StateError(ServiceError):
    """The action is not possible in the item's present state."""


@dataclass(frozen=True)
class Requirement:
    """A condition beyond the status: ``why_not(actor, p, today)`` is None when it holds. ``field``: the
    refusal belongs to that field of the action's form (FieldErrors) rather than to the whole action."""

    why_not: Callable[[object, object, date], str | None]
    field: str | None = None


@dataclass(frozen=True)
class Action:
    id: str  # also the id of the action's form on the item page
    label: str
    permission: str
    scope: str
    denied: str  # what the user is told who may not take it (role or scope)
    step: str | None = None  # the rule of tracker.rules.proposals saying in which statuses; None: any
    requires: tuple[Requirement, ...] = ()

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(rules.allowed_statuses(self.step) if self.step else rules.STATUSES)


def open_opinion_rows(actor, p) -> list:
    """The co-handler rows still without an opinion that the actor may fill in."""
    if actor.agency_wide:
        return [c for c in p.cohandlers if c.opinion_on is None]
    return [c for c in p.cohandlers if c.section_id == actor.section_id and c.opinion_on is None]


def _opinion_open(actor, p, today) -> str | None:
    if open_opinion_rows(actor, p):
        return None
    if actor.agency_wide:
        return "各协办/会办科室均已提交协办意见，不能重复提交。"
    row = next(c for c in p.cohandlers if c.section_id == actor.section_id)
    return f"{row.section.name}已于{row.opinion_on.isoformat()}提交协办意见，不能重复提交。"


def _replied(actor, p, today) -> str | None:
    return None if p.latest_reply is not None else "该件尚未答复，请先登记答复，再登记公开答复情况。"


def _no_pending_extension(actor, p, today) -> str | None:
    return "已有一项延期申请等待领导审批，请等审批后再申请。" if p.pending_extension is not None else None


def _before_due(actor, p, today) -> str | None:
    if p.due_date is not None and today > p.due_date:
        return f"办理期限已于{p.due_date.isoformat()}届满，不能再申请延期：延期须在期限届满前提出。"
    return None


def _below_maximum(actor, p, today) -> str | None:
    current, most = p.extended_months or p.period_months, clock.max_months(p)
    if current < most:
        return None
    return f"办理期限已是交办后{current}个月，延期后的办理期限最长为交办后{most}个月，不能再申请延期。"


def _pending_extension(actor, p, today) -> str | None:
    return None if p.pending_extension is not None else "没有等待审批的延期申请（可能已被审批）。"


ACTIONS: tuple[Action, ...] = (
    Action(
        "decide",
        "审批延期申请",
        "proposal.approve",
        AGENCY,
        "只有领导可以审批延期办理。",
        "decide",
        (Requirement(_pending_extension),),
    ),
    Action(
        "opinion",
        "提交协办意见",
        "proposal.handle",
        COHANDLER,
        "只有该件的协办/会办科室可以提交协办意见。",
        "opinion",
        (Requirement(_opinion_open),),
    ),
    Action("contact", "登记沟通情况", "proposal.handle", LEAD, NOT_LEAD, "contact"),
    Action("reply", "登记答复", "proposal.handle", LEAD, NOT_LEAD, "reply"),
    Action("feedback", "登记反馈意见", "proposal.handle", LEAD, NOT_LEAD, "feedback"),
    Action("publish", "登记公开答复", "proposal.handle", LEAD, NOT_LEAD, None, (Requirement(_replied),)),
    Action(
        "extension",
        "申请延期办理",
        "proposal.handle",
        LEAD,
        NOT_LEAD,
        "extension",
        (Requirement(_no_pending_extension), Requirement(_before_due), Requirement(_below_maximum, "to_months")),
    ),
    Action(
        "edit",
        "修改登记信息",
        "proposal.register",
        AGENCY,
        "只有政务公开办或系统管理员可以修改建议提案的登记信息。",
    ),
    Action("attach", "上传附件", "proposal.attach", LEAD, "只有主办科室或政务公开办可以上传附件。"),
)
_BY_ID = {a.id: a for a in ACTIONS}
ACTION_IDS: tuple[str, ...] = tuple(_BY_ID)


def action(action_id: str) -> Action:
    try:
        return _BY_ID[action_id]
    except KeyError:
        raise KeyError(f"未知的建议提案办理操作：{action_id}") from None


def in_scope(actor, p, scope: str) -> bool:
    if actor.agency_id != p.agency_id:
        return False
    if scope == LEAD:
        return is_proposal_lead(actor, p)
    if scope == COHANDLER:
        if actor.agency_wide:
            return bool(p.cohandlers)
        return actor.section_id is not None and any(c.section_id == actor.section_id for c in p.cohandlers)
    return True


def permission_error(actor, p, act: Action) -> str | None:
    """Why the actor may not take the action on this item whatever its state (Chinese), or None."""
    if actor is None or not allows(actor, act.permission) or not in_scope(actor, p, act.scope):
        return act.denied
    return None


def refusal(actor, p, act: Action, today: date) -> tuple[str, str | None] | None:
    """Why the action is not possible now (message, the form field it belongs to or None), or None."""
    if act.step and (msg := rules.state_error(act.step, p.status)):
        return msg, None
    for req in act.requires:
        if msg := req.why_not(actor, p, today):
            return msg, req.field
    return None


def check(actor, p, action_id: str, today: date | None = None) -> Action:
    """The action if the actor may take it now; PermissionDenied (who), StateError or FieldErrors (when)."""
    act = action(action_id)
    if msg := permission_error(actor, p, act):
        raise PermissionDenied(msg)
    if found := refusal(actor, p, act, today or today_cn()):
        msg, field = found
        raise FieldErrors({field: msg}) if field else StateError(msg)
    return act


@dataclass(frozen=True)
class Offer:
    """The actions of the item page: ``allowed`` now (as forms), ``refused`` now with the reason."""

    allowed: frozenset[str]
    refused: tuple[tuple[Action, str], ...]


def offer(actor, p, today: date | None = None) -> Offer:
    """What the item page shows the actor: every action their role and section may take on the item,
    allowed or, in the present state, refused with the service's reason."""
    today = today or today_cn()
    allowed: set[str] = set()
    refused: list[tuple[Action, str]] = []
    for act in ACTIONS:
        if permission_error(actor, p, act):
            continue
        found = refusal(actor, p, act, today)
        if found is None:
            allowed.add(act.id)
        else:
            refused.append((act, found[0]))
    return Offer(frozenset(allowed), tuple(refused))
