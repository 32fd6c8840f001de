"""Notifications at every handoff: the moment a case becomes someone's, they are told.

One table, HANDOFFS: which event (tracker.audit kinds, recorded by the services) tells whom what. The
services do not call this module: audit.log calls ``on_event`` for every event it records, inside the
action's unit of work, so the notification is committed with the action or not at all. Whom to tell
is decided by permissions of the roles table and the case's section (never by role name); the person
who acted is never told of their own action.

Each notification is in-app at once (a Notification row: the badge, the notification centre) and, for
each other channel (tracker.notify.channels) the person has not turned off for its kind, owed to that
channel, which sends it with the next reminder run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from ..accounts import roles
from ..accounts.models import User
from ..extensions import db
from ..reminders.models import Notification
from . import channels


@dataclass(frozen=True)
class Handoff:
    kind: str  # the notification kind (shown, and keyed in a user's preferences)
    label: str
    events: tuple[str, ...]  # audit event kinds that cause it
    recipients: Callable  # (subject, data) -> list[User]
    text: Callable  # (subject, data) -> str
    mail_default: bool = True


def _users(agency_id: int, permission: str, section_id: int | None = None, *, any_section: bool = False) -> list[User]:
    """Active users of the agency holding ``permission``; with ``section_id``, only that section's."""
    holders = [r for r in roles.ROLES if roles.can(r, permission)]
    if not holders:
        return []
    q = select(User).where(User.agency_id == agency_id, User.active.is_(True), User.role.in_(holders))
    if section_id is not None:
        q = q.where(User.section_id == section_id)
    elif not any_section:
        q = q.where(User.role.in_([r for r in holders if r in roles.AGENCY_WIDE]))
    return list(db.session.scalars(q.order_by(User.id)))


def _handler(req) -> list[User]:
    # by id: the service has just set handler_id, the relationship may not have followed yet
    user = db.session.get(User, req.handler_id) if req.handler_id is not None else None
    return [user] if user is not None and user.active else []


def _section_name(req) -> str:
    from ..accounts.models import Section

    section = db.session.get(Section, req.section_id) if req.section_id is not None else None
    return section.name if section else "本科室"


def _due(req) -> str:
    return f"，答复期限{req.due_date.isoformat()}" if req.due_date else ""


def _case(req) -> str:
    return f"申请{req.number}（{req.applicant_name}：{req.subject}）"


def _cohandler_section(req, data) -> list[User]:
    name = (data or {}).get("cohandler")
    for c in req.cohandlers:
        if c.section is not None and c.section.name == name:
            return _users(req.agency_id, "request.opinion", c.section_id)
    return []


def _extension_requester(req, data) -> list[User]:
    from ..disclosure.models import ClockAction

    last = db.session.scalars(
        select(ClockAction)
        .where(
            ClockAction.request_id == req.id, ClockAction.kind == "extension", ClockAction.created_by_id.is_not(None)
        )
        .order_by(ClockAction.id.desc())
        .limit(1)
    ).first()
    people = _handler(req)
    if last is not None:
        requester = db.session.get(User, last.created_by_id)
        if requester is not None and requester.active and requester not in people:
            people.append(requester)
    return people


def _proposal_lead(p, data) -> list[User]:
    if p.lead_section_id is None:
        return []
    return _users(p.agency_id, "proposal.handle", p.lead_section_id)


def _proposal_sections(p, data) -> list[User]:
    people = _proposal_lead(p, data)
    for c in p.cohandlers:
        for u in _users(p.agency_id, "proposal.handle", c.section_id):
            if u not in people:
                people.append(u)
    return people


def _proposal_requester(p, data) -> list[User]:
    last = p.extensions[-1] if p.extensions else None
    if last is None or last.requested_by_id is None:
        return _proposal_lead(p, data)
    u = db.session.get(User, last.requested_by_id)
    return [u] if u is not None and u.active else []


HANDOFFS: tuple[Handoff, ...] = (
    Handoff(
        "handoff.section",
        "分办到本科室",
        ("request.assigned", "request.reassigned"),
        lambda req, data: (
            _users(req.agency_id, "request.assign_handler", req.section_id) if req.section_id is not None else []
        ),
        lambda req, data: f"{_case(req)}已分办到{_section_name(req)}，请指定承办人{_due(req)}。",
    ),
    Handoff(
        "handoff.handler",
        "指定我为承办人",
        ("request.handler_assigned",),
        lambda req, data: _handler(req),
        lambda req, data: f"您被指定为{_case(req)}的承办人{_due(req)}。",
    ),
    Handoff(
        "handoff.cohandle",
        "请本科室协办",
        ("request.cohandler_added",),
        _cohandler_section,
        lambda req, data: f"{_case(req)}请{(data or {}).get('cohandler', '本科室')}协办，请提交协办意见。",
    ),
    Handoff(
        "handoff.ext_asked",
        "延期申请待审批",
        ("request.extension_requested",),
        lambda req, data: _users(req.agency_id, "request.approve"),
        lambda req, data: f"{_case(req)}申请延期，请审批{_due(req)}。",
    ),
    Handoff(
        "handoff.ext_approved",
        "延期申请已批准",
        ("request.extension_approved",),
        _extension_requester,
        lambda req, data: f"{_case(req)}的延期申请已批准{_due(req)}。",
    ),
    Handoff(
        "handoff.ext_refused",
        "延期申请未获批准",
        ("request.extension_refused",),
        _extension_requester,
        lambda req, data: f"{_case(req)}的延期申请未获批准，请在原答复期限内答复{_due(req)}。",
    ),
    Handoff(
        "handoff.draft_in",
        "答复稿待审核",
        ("request.draft_submitted",),
        lambda req, data: _users(req.agency_id, "request.review_draft"),
        lambda req, data: f"{_case(req)}的答复稿已提交，请审核{_due(req)}。",
    ),
    Handoff(
        "handoff.draft_ok",
        "答复稿已审核通过",
        ("request.draft_approved",),
        lambda req, data: (
            _handler(req) + [u for u in _users(req.agency_id, "request.conclude") if u not in _handler(req)]
        ),
        lambda req, data: f"{_case(req)}的答复稿已审核通过，请发出答复并办结{_due(req)}。",
    ),
    Handoff(
        "handoff.draft_back",
        "答复稿被退回",
        ("request.draft_returned",),
        lambda req, data: _handler(req),
        lambda req, data: f"{_case(req)}的答复稿被退回修改{_due(req)}。",
    ),
    Handoff(
        "handoff.reopened",
        "案件重新办理",
        ("request.reopened",),
        lambda req, data: (
            _handler(req)
            + [
                u
                for u in (
                    _users(req.agency_id, "request.assign_handler", req.section_id)
                    if req.section_id is not None
                    else _users(req.agency_id, "request.assign_section")
                )
                if u not in _handler(req)
            ]
        ),
        lambda req, data: f"{_case(req)}已重新办理{_due(req)}。",
    ),
    Handoff(
        "handoff.p_assigned",
        "建议提案交办本科室",
        ("proposal.registered",),
        _proposal_sections,
        lambda p, data: (
            f"{p.kind_label}{p.number}（{p.title}）已交办，办理期限{p.due_date.isoformat() if p.due_date else '待定'}。"
        ),
    ),
    Handoff(
        "handoff.p_rehandle",
        "建议提案不满意，重新办理",
        ("proposal.rehandling_started",),
        _proposal_lead,
        lambda p, data: (
            f"{p.kind_label}{p.number}（{p.title}）代表委员反馈不满意，请重新办理，期限{p.due_date.isoformat() if p.due_date else '待定'}。"
        ),
    ),
    Handoff(
        "handoff.p_ext_asked",
        "建议提案延期待审批",
        ("proposal.extension_requested",),
        lambda p, data: _users(p.agency_id, "proposal.approve"),
        lambda p, data: f"{p.kind_label}{p.number}（{p.title}）申请延期办理，请审批。",
    ),
    Handoff(
        "handoff.p_ext_approved",
        "建议提案延期已批准",
        ("proposal.extension_approved",),
        _proposal_requester,
        lambda p, data: f"{p.kind_label}{p.number}（{p.title}）的延期申请已批准。",
    ),
    Handoff(
        "handoff.p_ext_refused",
        "建议提案延期未获批准",
        ("proposal.extension_refused",),
        _proposal_requester,
        lambda p, data: f"{p.kind_label}{p.number}（{p.title}）的延期申请未获批准，请在原办理期限内答复。",
    ),
)
BY_EVENT: dict[str, Handoff] = {e: h for h in HANDOFFS for e in h.events}
BY_KIND: dict[str, Handoff] = {h.kind: h for h in HANDOFFS}
CASE_TYPES = {"DisclosureRequest": ("request", "/requests/{id}"), "Proposal": ("proposal", "/proposals/{id}")}


def kind_label(kind: str) -> str:
    h = BY_KIND.get(kind)
    return h.label if h else kind


def wants(user, kind: str, channel: str) -> bool:
    """Whether the user gets notifications of ``kind`` through ``channel`` (their preference, else the default)."""
    pref = (user.notify_prefs or {}).get(kind) or {}
    if channel in pref:
        return bool(pref[channel])
    h = BY_KIND.get(kind)
    return bool(h and h.mail_default)


def on_event(kind: str, subject, actor, data: dict | None) -> int:
    """Notify the people an event hands the case to (audit.log calls this). Returns how many."""
    handoff = BY_EVENT.get(kind)
    if handoff is None:
        return 0
    case_type, link = CASE_TYPES[type(subject).__name__]
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else {}
    open_channels = [c for c in channels.CHANNELS if c.available(config)]
    told = 0
    text = None
    for user in handoff.recipients(subject, data):
        if actor is not None and user.id == getattr(actor, "id", None):
            continue
        text = text or handoff.text(subject, data)
        n = Notification(
            agency_id=subject.agency_id,
            user_id=user.id,
            kind=handoff.kind,
            text=text,
            link=link.format(id=subject.id),
            case_type=case_type,
            case_id=subject.id,
        )
        db.session.add(n)
        for channel in open_channels:
            if wants(user, handoff.kind, channel.name):
                channel.queue(n, user)
        told += 1
    return told


def install() -> None:
    """Listen to audit.log (idempotent: the app factory calls it for every app)."""
    from .. import audit

    if on_event not in audit.LISTENERS:
        audit.LISTENERS.append(on_event)
