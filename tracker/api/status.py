"""What an applicant (through the platform's API, or on /status) may learn about a case: its number,
state, receipt date, due date with the pauses that stopped the clock, and once concluded the outcome and
its date. Nothing else — no names, numbers, contents, notes, sections or people (one function, both doors).
"""

from __future__ import annotations

from sqlalchemy import select

from ..disclosure import workflow
from ..disclosure.models import CONCLUDED, ClockAction, DisclosureRequest
from ..extensions import db
from ..rules import outcomes
from ..rules.intake import format_date_cn

# The pauses of the answer period, in the applicant's words (rules.deadlines excludes them from the period).
PAUSE_WORDS: dict[str, str] = {
    workflow.CLARIFICATION: "等待申请人补正申请（补正所用时间不计入答复期限）",
    workflow.CONSULTATION: "征求第三方意见（征求意见所用时间不计入答复期限）",
    workflow.FEE: "等待缴纳信息处理费（缴费所用时间不计入答复期限）",
}
STATE_WORDS: dict[str, str] = {
    "registered": "已受理，正在分办",
    "in_progress": "正在办理",
    "paused": "暂停计时",
    "in_review": "答复正在审核",
    "concluded": "已办结",
}


def outcome_label(req: DisclosureRequest) -> str | None:
    if req.status != CONCLUDED or not req.outcome:
        return None
    if req.withdrawn:
        return "申请人撤回申请"
    return outcomes.outcome(req.outcome).short_label if outcomes.is_valid(req.outcome) else None


def public_status(req: DisclosureRequest) -> dict:
    """The platform-facing status (the API's JSON; /status renders the same dict)."""
    actions = db.session.scalars(
        select(ClockAction)
        .where(ClockAction.request_id == req.id, ClockAction.kind.in_([*PAUSE_WORDS, "extension"]))
        .order_by(ClockAction.started_on, ClockAction.id)
    ).all()
    pauses = [
        {
            "reason": a.kind,
            "label": PAUSE_WORDS[a.kind],
            "from": a.started_on.isoformat(),
            "to": a.ended_on.isoformat() if a.ended_on else None,
        }
        for a in actions
        if a.kind in PAUSE_WORDS
    ]
    concluded = req.status == CONCLUDED
    return {
        "number": req.number,
        "state": req.status,
        "state_label": STATE_WORDS.get(req.status, workflow.status_label(req)),
        "received_on": req.received_on.isoformat(),
        "due_on": None if concluded or req.due_date is None else req.due_date.isoformat(),
        "extended": any(a.kind == "extension" and a.state == "approved" for a in actions),
        "pauses": pauses,
        "concluded_on": req.concluded_on.isoformat() if concluded and req.concluded_on else None,
        "outcome_label": outcome_label(req),
        "answer_available": bool(concluded and req.outcome and not req.withdrawn),
    }


def plain_words(status: dict) -> list[str]:
    """The status as sentences for the /status page."""
    from datetime import date

    def cn(iso: str) -> str:
        return format_date_cn(date.fromisoformat(iso))

    lines = [f"本机关于{cn(status['received_on'])}收到您的申请。"]
    for p in status["pauses"]:
        span = f"自{cn(p['from'])}起" + (f"至{cn(p['to'])}" if p["to"] else "，目前仍在暂停中")
        lines.append(f"{span}：{p['label']}。")
    if status["concluded_on"]:
        lines.append(f"已于{cn(status['concluded_on'])}办结，办理结果：{status['outcome_label'] or '已办结'}。")
    elif status["due_on"]:
        ext = "（已依法延长）" if status["extended"] else ""
        lines.append(f"本机关将于{cn(status['due_on'])}前作出答复{ext}。")
    return lines
