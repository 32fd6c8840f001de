"""`import_job`: one ledger file's check and import, run outside the web request (docs/data-model.md).

Every worker reads the same row, so the job page of any process shows the job's state. The row is also the
lock that serialises imports: a partial unique index allows one `importing` job per agency and kind, so a
second import of the agency waits its turn (is refused with a message) instead of planning against data the
first has not committed yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rules.clock import utcnow
from ..types import UTCDateTime

# The lock's kind: every ledger import of an agency is one kind, because one file may hold several sheets
# (requests, reviews, proposals, the register) and a review's row refers to a request's.
LEDGER = "ledger"

# checking -> checked | invalid | failed | interrupted; importing -> imported | invalid | failed | interrupted
CHECKING, CHECKED, IMPORTING, IMPORTED = "checking", "checked", "importing", "imported"
INVALID, FAILED, INTERRUPTED = "invalid", "failed", "interrupted"
RUNNING = (CHECKING, IMPORTING)
STATE_LABELS = {
    CHECKING: "正在检查",
    CHECKED: "检查通过，待确认",
    IMPORTING: "正在导入",
    IMPORTED: "已导入",
    INVALID: "有问题，未导入",
    FAILED: "失败",
    INTERRUPTED: "中断",
}


class ImportJob(db.Model):
    __tablename__ = "import_job"
    __table_args__ = (
        Index(
            "uq_import_job_running",
            "agency_id",
            "kind",
            unique=True,
            sqlite_where=text("state = 'importing'"),
            postgresql_where=text("state = 'importing'"),
        ),
        Index("ix_import_job_state_heartbeat", "state", "heartbeat_at"),
        Index("ix_import_job_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)  # the job page's address
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: the command line
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=LEDGER)
    ledger_kind: Mapped[str | None] = mapped_column(String(20))  # the sheet kind chosen; None: recognised
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    progress: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # stage, done, total
    # The uploaded file, kept only while the job needs it (None once deleted, and for the command line,
    # whose file is the operator's own).
    file_path: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # summary, counts, problems, ...
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
