"""NPC deputies' suggestions (人大代表建议) and CPPCC members' proposals (政协提案): the vocabulary and
the handling rules that are not dates (pure, no Flask).

Dates (the reply period, the co-handlers' opinion, re-handling, extension) are owned by
tracker.rules.deadlines; this module owns what the words mean and which step may follow which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

NPC = "npc"
CPPCC = "cppcc"
KINDS: dict[str, str] = {NPC: "人大代表建议", CPPCC: "政协提案"}
# What the author of each kind is called (领衔代表 / 领衔委员).
AUTHOR_TITLES: dict[str, str] = {NPC: "代表", CPPCC: "委员"}

ASSIGNED = "assigned"  # 已交办，办理中
REPLIED = "replied"  # 已答复，待反馈
REHANDLING = "rehandling"  # 不满意，重新办理中
CLOSED = "closed"  # 已办结
STATUSES: dict[str, str] = {
    ASSIGNED: "办理中",
    REPLIED: "已答复待反馈",
    REHANDLING: "重新办理中",
    CLOSED: "已办结",
}
# Statuses in which a reply deadline runs (lists, reminders and calendar recomputation use these).
OPEN_STATUSES: tuple[str, ...] = (ASSIGNED, REHANDLING)

# 协办 assists the lead section; 会办 handles jointly with it. Both owe the lead section an opinion.
COHANDLER_MODES: dict[str, str] = {"assist": "协办", "joint": "会办"}

CONTACT_FORMS: dict[str, str] = {"meeting": "见面沟通", "phone": "电话沟通", "written": "书面沟通"}

SATISFIED = "satisfied"
BASICALLY = "basically"
UNSATISFIED = "unsatisfied"
SATISFACTION: dict[str, str] = {SATISFIED: "满意", BASICALLY: "基本满意", UNSATISFIED: "不满意"}

RESULT_CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
DEFAULT_RESULT_LABELS: dict[str, str] = {
    "A": "所提问题已经解决或基本解决",
    "B": "正在解决或已列入计划逐步解决",
    "C": "因条件限制或其他原因需以后解决",
    "D": "留作参考",
}
RESULT_LABEL_MAX = 40

EXTENSION_STATES: dict[str, str] = {
    "requested": "待领导审批",
    "approved": "已批准",
    "refused": "未批准",
    "moot": "已答复，不再审批",
}

# The first reply and one re-handling after 不满意 (rules.md: "a second reply").
MAX_ROUNDS = 2

ATTACHMENT_KINDS: dict[str, str] = {
    "assignment": "交办材料（建议提案原件）",
    "reply": "答复文件",
    "opinion": "协办意见",
    "other": "其他",
}

# Timeliness of an item's latest reply against the deadline of that round, or of an open item's
# deadline against today. Defined once, in SQL, by tracker.proposals.queries.timeliness_expr, because
# the summary counts it with aggregates.
TIMELINESS: dict[str, str] = {
    "on_time": "按期答复",
    "late": "逾期答复",
    "open_overdue": "未答复，已超期",
    "open_pending": "未答复，未到期",
}

_LINK_RE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def kind_label(kind: str | None) -> str:
    return KINDS.get(kind or "", kind or "")


def author_title(kind: str | None) -> str:
    return AUTHOR_TITLES.get(kind or "", "代表/委员")


def status_label(status: str | None) -> str:
    return STATUSES.get(status or "", status or "")


def result_labels(configured: Mapping[str, str] | None = None) -> dict[str, str]:
    """The agency's labels for A-D: configured ones where given and not blank, the defaults elsewhere."""
    labels = dict(DEFAULT_RESULT_LABELS)
    for key, value in (configured or {}).items():
        if key in labels and isinstance(value, str) and value.strip():
            labels[key] = value.strip()
    return labels


def result_labels_errors(values: Mapping[str, str]) -> dict[str, str]:
    """Problems with labels an administrator typed, class -> Chinese message. Empty means valid."""
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key in RESULT_CLASSES:
        text = (values.get(key) or "").strip()
        if not text:
            errors[key] = f"请填写{key}类的名称（不填写请恢复默认：{DEFAULT_RESULT_LABELS[key]}）。"
        elif len(text) > RESULT_LABEL_MAX:
            errors[key] = f"{key}类的名称不能超过{RESULT_LABEL_MAX}个字（现为{len(text)}个字），请精简。"
        elif text in seen:
            errors[key] = f"{key}类与{seen[text]}类的名称相同，请区分。"
        else:
            seen[text] = key
    return errors


def result_label(result_class: str | None, labels: Mapping[str, str] | None = None) -> str:
    if not result_class:
        return ""
    text = (labels or DEFAULT_RESULT_LABELS).get(result_class)
    return f"{result_class}类（{text}）" if text else result_class


def code_from_label(vocabulary: Mapping[str, str], text: str | None) -> str | None:
    """The id for a label or id as typed in a spreadsheet (e.g. “基本满意” -> 'basically'); None if unknown."""
    value = (text or "").strip()
    if value in vocabulary:
        return value
    for code, label in vocabulary.items():
        if label == value:
            return code
    return None


def result_class_from_text(text: str | None) -> str | None:
    """'A', 'a', 'A类' -> 'A'; None when it is not one of A-D."""
    value = (text or "").strip().upper().removesuffix("类")
    return value if value in RESULT_CLASSES else None


def status_after_feedback(satisfaction: str, current_round: int, max_rounds: int = MAX_ROUNDS) -> str:
    """不满意 reopens the item for re-handling while rounds remain; any other answer closes it."""
    if satisfaction == UNSATISFIED and current_round < max_rounds:
        return REHANDLING
    return CLOSED


# What each action needs the item's status to be, and what to say when it is not.
_ACTION_STATES: dict[str, tuple[tuple[str, ...], str]] = {
    "contact": (OPEN_STATUSES, "只有办理中的建议提案可以登记沟通情况"),
    "reply": (OPEN_STATUSES, "只有办理中的建议提案可以答复"),
    "opinion": (OPEN_STATUSES, "只有办理中的建议提案可以提交协办意见"),
    "extension": ((ASSIGNED,), "只有首次办理中（尚未答复）的建议提案可以申请延期"),
    "decide": ((ASSIGNED,), "只有首次办理中（尚未答复）的建议提案可以审批延期"),
    "feedback": ((REPLIED,), "只有已答复、等待反馈的建议提案可以登记代表委员的反馈"),
}


def allowed_statuses(action: str) -> tuple[str, ...]:
    """The statuses in which ``action`` is possible."""
    return _ACTION_STATES[action][0]


def state_error(action: str, status: str) -> str | None:
    """Why ``action`` is not possible in ``status`` (Chinese, with the current status), or None."""
    allowed, message = _ACTION_STATES[action]
    if status in allowed:
        return None
    return f"{message}；该件当前状态为“{status_label(status)}”。"


def date_error(
    label: str, value: date | None, today: date, *, not_before: date | None = None, not_before_label: str = ""
) -> str | None:
    """A legal date of a handling step: given, not in the future, not before the step it follows."""
    if value is None:
        return f"请填写{label}（格式：年-月-日，例如 {today.isoformat()}）。"
    if value > today:
        return f"{label}{value.isoformat()}晚于今天（{today.isoformat()}），不能登记将来的日期。"
    if not_before is not None and value < not_before:
        return f"{label}{value.isoformat()}早于{not_before_label}（{not_before.isoformat()}），请核对日期。"
    return None


def publish_link_error(link: str | None) -> str | None:
    text = (link or "").strip()
    if not text:
        return None
    if len(text) > 500:
        return "公开链接不能超过500个字符。"
    if not _LINK_RE.match(text):
        return "公开链接应为以 http:// 或 https:// 开头的网址，例如 https://www.example.gov.cn/art/1.html。"
    return None


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, None for an empty whole (shown as “—”, never as 0%)."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)
