"""States of a disclosure request. (The transitions and who may make each are added by the workflow issue.)"""
from __future__ import annotations

from .models import CONCLUDED, IN_PROGRESS, IN_REVIEW, PAUSED, REGISTERED

STATUS_LABELS: dict[str, str] = {
    REGISTERED: "待分办",
    IN_PROGRESS: "办理中",
    PAUSED: "暂停",
    IN_REVIEW: "待审核",
    CONCLUDED: "已办结",
}

PAUSE_REASON_LABELS: dict[str, str] = {
    "clarification": "补正中",
    "consultation": "征求意见中",
    "fee": "待缴费",
}


def status_label(req) -> str:
    if req.status == PAUSED and req.pause_reason:
        return f"暂停（{PAUSE_REASON_LABELS.get(req.pause_reason, req.pause_reason)}）"
    if req.status == CONCLUDED and req.outcome == "other.other" and getattr(req, "withdrawn", False):
        return "已撤回"
    return STATUS_LABELS.get(req.status, req.status)
