"""The typed, append-only event log. Services write an event in the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, Integer, String, Text, event, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db
from .rules import event_chain
from .rules.clock import utcnow
from .types import MAX_ID, UTCDateTime

# Event kinds: one name for one thing. Labels are what the timeline shows.
EVENT_LABELS: dict[str, str] = {
    "request.registered": "登记申请",
    "request.intake_edited": "修改登记信息",
    "request.imported": "从台账导入",
    "request.assigned": "分办至科室",
    "request.reassigned": "改派科室",
    "request.handler_assigned": "指定承办人",
    "request.cohandler_added": "增加协办科室",
    "request.opinion_submitted": "协办科室提交意见",
    "request.draft_submitted": "提交答复稿审核",
    "request.draft_approved": "审核通过答复稿",
    "request.draft_returned": "退回答复稿",
    "request.clarification_sent": "发出补正告知",
    "request.clarification_received": "收到补正材料",
    "request.clarification_lapsed": "逾期未补正",
    "request.consultation_sent": "发出征求意见书",
    "request.consultation_closed": "征求意见结束",
    "request.fee_notice_sent": "发出收费通知",
    "request.fee_paid": "申请人缴费",
    "request.fee_lapsed": "逾期未缴费",
    "request.extension_requested": "申请延期",
    "request.extension_approved": "批准延期",
    "request.extension_refused": "不批准延期",
    "request.excessive_deadline_set": "确定合理答复期限",
    "request.concluded": "办结",
    "review.updated": "修改复议诉讼记录",
    "letter_template.saved": "修改告知书模板",
    "letter_template.reset": "恢复默认告知书模板",
    "request.withdrawn": "申请人撤回",
    "request.reopened": "重新办理",
    "request.deadline_recomputed": "重新计算期限",
    "request.attachment_added": "上传附件",
    "request.letter_generated": "生成告知书",
    "request.letter_delivered": "登记告知书送达",
    "request.split": "拆分申请",
    "request.split_off": "由拆分登记",
    "request.disclosure_over_objection": "决定公开并告知第三方",
    "agency.settings_changed": "修改机关联系方式和救济机关",
    "api_token.created": "创建接口令牌",
    "api_token.revoked": "吊销接口令牌",
    "request.received_online": "网上申请平台提交申请",
    "request.exported": "导出申请数据",
    "review.recorded": "登记复议诉讼",
    "review.concluded": "复议诉讼审结",
    "proposal.registered": "登记建议提案",
    "proposal.event": "建议提案办理",
    "proposal.edited": "修改建议提案登记信息",
    "proposal.contact_recorded": "登记与代表委员沟通情况",
    "proposal.opinion_submitted": "协办科室提交意见",
    "proposal.replied": "答复建议提案",
    "proposal.published": "登记公开答复情况",
    "proposal.feedback_recorded": "登记代表委员反馈意见",
    "proposal.rehandling_started": "不满意，重新办理",
    "proposal.extension_requested": "申请延期办理",
    "proposal.extension_approved": "批准延期办理",
    "proposal.extension_refused": "不批准延期办理",
    "proposal.deadline_recomputed": "重新计算办理期限",
    "proposal.attachment_added": "上传建议提案附件",
    "proposal.exported": "导出建议提案清单",
    "proposal.labels_changed": "修改答复类别名称",
    "calendar.changed": "修改工作日历",
    "user.created": "创建用户",
    "user.updated": "修改用户",
    "user.notify_prefs_changed": "修改通知方式",
    "user.filter_saved": "保存常用筛选",
    "user.filter_deleted": "删除常用筛选",
    "section.created": "创建科室",
    "section.updated": "修改科室",
    "agency.renamed": "修改机关名称",
    "agency.created": "创建单位",
    "agency.moved": "调整单位隶属关系",
    "agency.population_set": "修改单位常住人口",
    # sessions, lock-out and refusals (issue 14, tracker/accounts/auth.py): the security log
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.locked": "登录锁定",
    "auth.unlocked": "解除登录锁定",
    "auth.logout": "退出登录",
    "auth.password_changed": "修改本人密码",
    "auth.password_set": "管理员设置密码",
    "auth.disabled": "停用账号",
    "auth.signed_out_everywhere": "强制退出全部会话",
    "auth.forbidden": "拒绝越权访问",
    "report.published": "发布年度报告",
    "report.narrative_saved": "保存年度报告文字",
    "register.added": "新增登记簿记录",
    "register.edited": "修改登记簿记录",
    "register.deleted": "删除登记簿记录",
    "ledger.imported": "导入台账",
    "reminders.created": "生成期限提醒",
    "notification.read": "标记通知已读",
    "review.imported": "从台账导入复议诉讼记录",
    "proposal.imported": "从台账导入建议提案",
    "register.imported": "从台账导入登记簿记录",  # noqa: E501
    "personal_data.revealed": "查看申请人完整的个人信息",
    "personal_data.anonymised": "匿名化超过保存期限的申请人个人信息",
}


class Event(db.Model):
    """Who did what, when, with the old and new values. Rows are never updated or deleted."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_subject", "subject_type", "subject_id", "id"),
        # the security log (issue 14, tracker/accounts/security_log.py), newest first: an agency's
        # security events, by kind, and a user's, each ordered by time so a date range is one index range
        Index("ix_event_type_agency_time", "subject_type", "agency_id", "created_at", "id"),
        Index("ix_event_agency_kind_time", "agency_id", "kind", "created_at", "id"),
        Index("ix_event_subject_time", "subject_type", "subject_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)
    subject_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # {"field": [old, new], ...} for changes; any other detail under its own key.
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    # the hash chain of the agency's events (tracker.rules.event_chain): set by the writer, never by a caller
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    actor = relationship("User")

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


@event.listens_for(Event, "before_update")
@event.listens_for(Event, "before_delete")
def _append_only(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("the event log is append-only")


APPEND_ONLY = "the event log is append-only: UPDATE and DELETE of event are refused"


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_change(state):
    """session.query(Event).update()/.delete() and session.execute(update(Event)) bypass the mapper events
    above; refuse them here too (the database's triggers refuse them anyway, and raw SQL)."""
    if (state.is_update or state.is_delete) and any(m.class_ is Event for m in state.all_mappers):
        raise RuntimeError(APPEND_ONLY)


class EventChain(db.Model):
    """The head of each chain of events (tracker.rules.event_chain): its row is locked by every transaction
    that appends to the chain, so two transactions never both follow the same event."""

    __tablename__ = "event_chain"
    chain: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # agency id, 0: none
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # events in the chain
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


# The database refuses UPDATE and DELETE of events (and TRUNCATE on PostgreSQL), whoever sends them: created
# by the issue-14 migration and, for create_all, by the listeners below.
GUARD_DDL = {
    "postgresql": (
        "CREATE OR REPLACE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
        "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
        "FOR EACH ROW EXECUTE FUNCTION event_append_only()",
        "CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event "
        "FOR EACH STATEMENT EXECUTE FUNCTION event_append_only()",
    ),
    "sqlite": (
        f"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
        f"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    ),
}
GUARD_DROP = {
    "postgresql": (
        "DROP TRIGGER IF EXISTS event_no_truncate ON event",
        "DROP TRIGGER IF EXISTS event_append_only ON event",
    ),
    "sqlite": ("DROP TRIGGER IF EXISTS event_no_delete", "DROP TRIGGER IF EXISTS event_no_update"),
}
for _dialect, _stmts in GUARD_DDL.items():
    for _stmt in _stmts:
        event.listen(Event.__table__, "after_create", DDL(_stmt).execute_if(dialect=_dialect))


def drop_guard(conn) -> None:
    """Drop the triggers (the table's owner may; tests that empty the database, the tampering tests)."""
    for stmt in GUARD_DROP[conn.dialect.name]:
        conn.execute(text(stmt))


def create_guard(conn) -> None:
    for stmt in GUARD_DDL[conn.dialect.name]:
        conn.execute(text(stmt))


def _lock_heads(conn, chains: list[int]) -> dict[int, event_chain.Head]:
    """Lock and read the heads of ``chains`` in one statement, making those that do not exist yet (a chain's
    first event): an upsert whose no-op DO UPDATE takes the row lock, like SELECT ... FOR UPDATE, on
    PostgreSQL (a second transaction waits, then reads the head the first one left), and on SQLite is a write,
    so that the driver begins the transaction and SQLite's one writer lock is held before the head is read
    (a plain SELECT would read outside it). ``chains`` sorted: two transactions lock in the same order."""
    values = ", ".join(f"(:c{i}, 0, :genesis)" for i in range(len(chains)))
    sql = (
        f"INSERT INTO event_chain (chain, seq, last_hash) VALUES {values} "
        "ON CONFLICT (chain) DO UPDATE SET seq = event_chain.seq RETURNING chain, seq, last_hash"
    )
    params = {"genesis": event_chain.GENESIS, **{f"c{i}": c for i, c in enumerate(chains)}}
    return {c: event_chain.Head(s, h) for c, s, h in conn.execute(text(sql), params)}


def _chain(conn, rows: list[dict]) -> None:
    """Set prev_hash and hash of ``rows`` (event columns, in the order they will be inserted) and move the
    chain heads on: two statements whatever the number of rows."""
    heads = _lock_heads(conn, sorted({event_chain.chain_of(r["agency_id"]) for r in rows}))
    for r in rows:
        chain = event_chain.chain_of(r["agency_id"])
        r["prev_hash"], r["hash"] = event_chain.link(heads[chain], chain, r)
    conn.execute(
        text("UPDATE event_chain SET seq = :s, last_hash = :h WHERE chain = :c"),
        [{"c": c, "s": h.seq, "h": h.last_hash} for c, h in heads.items()],
    )


@event.listens_for(Session, "before_flush")
def _chain_new_events(session, flush_context, instances):
    """Chain the events of this flush in the order the flush inserts them (the order they were added)."""
    new = sorted((o for o in session.new if isinstance(o, Event)), key=lambda o: inspect(o).insert_order)
    if not new:
        return
    rows = []
    for ev in new:
        if ev.created_at is None:
            ev.created_at = utcnow()
        if ev.data is None:
            ev.data = {}
        if ev.actor_id is None and ev.actor is not None:
            ev.actor_id = ev.actor.id
        rows.append({k: getattr(ev, k) for k in ("agency_id", *event_chain.CONTENT)})
    _chain(session.connection(), rows)
    for ev, r in zip(new, rows, strict=True):
        ev.prev_hash, ev.hash = r["prev_hash"], r["hash"]


def chained(rows: list[dict]) -> list[dict]:
    """Event rows for a set-based INSERT (record_many, the ledger import), with prev_hash and hash, in the
    order they must be inserted. Events still pending in the session are flushed (and chained) first."""
    db.session.flush()
    _chain(db.session.connection(), rows)
    return rows


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def record(
    kind: str,
    *,
    subject_type: str,
    subject_id: int | None,
    actor=None,
    agency_id: int | None = None,
    data: dict | None = None,
    note: str | None = None,
) -> Event:
    """Add an event to the current session (committed with the change it describes)."""
    if kind not in EVENT_LABELS:
        raise KeyError(f"unknown event kind {kind!r}")
    ev = Event(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=getattr(actor, "id", None),
        agency_id=agency_id if agency_id is not None else getattr(actor, "agency_id", None),
        data=_jsonable(data or {}),
        note=note,
        created_at=utcnow(),
    )
    db.session.add(ev)
    return ev


def record_many(kind: str, subject_type: str, entries: list[dict], *, actor=None, note: str | None = None) -> int:
    """Events of one kind for many subjects in one INSERT (set-based jobs, e.g. a calendar
    change recomputing thousands of deadlines). entries: {"subject_id", "agency_id", "data"} and
    optionally the entry's own "note" (else ``note``)."""
    if kind not in EVENT_LABELS:
        raise KeyError(f"unknown event kind {kind!r}")
    if not entries:
        return 0
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "subject_type": subject_type,
            "subject_id": e["subject_id"],
            "actor_id": getattr(actor, "id", None),
            "agency_id": e.get("agency_id", getattr(actor, "agency_id", None)),
            "data": _jsonable(e.get("data") or {}),
            "note": e.get("note", note),
            "created_at": now,
        }
        for e in entries
    ]
    from .bulk import insert_rows

    insert_rows(Event.__table__, chained(rows))  # one statement, whatever the number of events
    return len(rows)


# How an event names a model object it is about: its subject type (timeline() and the log pages read
# events by it), its id and its agency.
SUBJECT_TYPES: dict[str, str] = {
    "DisclosureRequest": "request",
    "Proposal": "proposal",
    "Section": "section",
    "User": "user",
    "Agency": "agency",
    "RegisterEntry": "register",
    "LetterTemplate": "letter_template",
    "Notification": "notification",
    "ReminderRun": "reminder_run",
    "Review": "review",
}


# Called as fn(kind, subject, actor, data) after every ``log``, in the same transaction: who must hear of
# an event (tracker.notify.handoffs installs one), so that no service has to remember to tell anybody.
LISTENERS: list = []


def log(kind: str, subject, actor=None, data: dict | None = None, note: str | None = None) -> Event:
    """``record`` an event about a model object: subject type, id and agency are the object's own."""
    name = type(subject).__name__
    agency_id = subject.id if name == "Agency" else getattr(subject, "agency_id", None)
    event = record(
        kind,
        subject_type=SUBJECT_TYPES[name],
        subject_id=subject.id,
        actor=actor,
        agency_id=agency_id,
        data=data,
        note=note,
    )
    for listener in LISTENERS:
        listener(kind, subject, actor, data)
    return event


def log_each(rows, change, kind: str, actor=None, note: str | None = None) -> int:
    """Apply ``change`` to each row; every row it changed (``change`` returns {field: [old, new]}) gets an
    event ``kind`` with the change. Returns how many changed."""
    changed = 0
    for row in rows:
        if diff := change(row):
            changed += 1
            log(kind, row, actor, diff, note=note)
    return changed


# The models whose personal-data fields (tracker.rules.masking.PERSONAL_FIELDS) the log records masked.
PERSONAL_DATA_MODELS = frozenset({"DisclosureRequest"})


def mask_personal(diff: dict) -> dict:
    """A request's {field: [old, new]} (or {field: value}) with every personal-data field masked, for
    the events of writers that compute their own diff (the ledger import)."""
    from .rules import masking

    return {
        k: ([masking.mask(k, x) for x in v] if isinstance(v, list) else masking.mask(k, v))
        if masking.is_personal(k)
        else v
        for k, v in diff.items()
    }


def changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """Apply new_values to obj and return {field: [old, new]} for the fields that really changed.

    The log is immutable and outlives the retention of personal data, so a personal-data field of a
    request is recorded as changed with both values masked (``138****8000 → 139****0000``), never raw."""
    from .rules import masking

    personal = type(obj).__name__ in PERSONAL_DATA_MODELS
    diff = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            if personal and masking.is_personal(field):
                diff[field] = [masking.mask(field, old), masking.mask(field, new)]
            else:
                diff[field] = [old, new]
            setattr(obj, field, new)
    return diff


def timeline(subject_type: str, subject_id: int):
    return db.session.scalars(
        db.select(Event).where(Event.subject_type == subject_type, Event.subject_id == subject_id).order_by(Event.id)
    ).all()


def last_event_id(subject_type: str, subject_id: int) -> int:
    """The newest event of a record (0 when none): a form carries it to say what its user has seen."""
    return (
        db.session.scalar(
            db.select(db.func.max(Event.id)).where(Event.subject_type == subject_type, Event.subject_id == subject_id)
        )
        or 0
    )


MAX_CHANGES_SHOWN = 20


def changed_since(subject_type: str, subject_id: int, seen: object, rows) -> list[dict] | None:
    """What others did to a record after a form of it was loaded: the events after the one the form saw.

    ``rows(event)`` gives the (label, text) lines of an event as its capability shows them. Each change is
    {label, rows, actor, at}; None when the form did not say what it had seen (a form from before this
    field, or a forged one), so the page says only that the record changed.
    """
    try:
        after = int(seen)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    if not 0 <= after <= MAX_ID:  # no event's id: a forged value, not a question to the database
        return None
    events = db.session.scalars(
        db.select(Event)
        .where(Event.subject_type == subject_type, Event.subject_id == subject_id, Event.id > after)
        .order_by(Event.id)
        .limit(MAX_CHANGES_SHOWN)
    ).all()
    return [
        {
            "label": ev.label,
            "rows": rows(ev),
            "actor": ev.actor.display_name if ev.actor else "系统",
            "at": ev.created_at,
        }
        for ev in events
    ]
