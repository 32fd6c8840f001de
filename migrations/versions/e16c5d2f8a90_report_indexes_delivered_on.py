"""issue 16: the delivery date in the report's covering indexes

The roll-up's per-unit 逾期答复 (tracker.disclosure.queries.answered_late: delivered_on > due_date) reads
the delivery date, which neither covering index of e16b7c0a4f21 carried: both engines then left the
index for the table — SQLite one row lookup per request of the year, PostgreSQL a sequential scan of the
whole table — and the roll-up's table 三 took 2.5 times one unit's (bench_report_rollup at 1,000,000,
SQLite: 1.97 s with the late count against 0.79 s without it). Both indexes keep every column they had,
in the same order, and gain delivered_on at the end.

Revision ID: e16c5d2f8a90
Revises: e16b7c0a4f21
"""

from alembic import op

revision = "e16c5d2f8a90"
down_revision = "e16b7c0a4f21"
branch_labels = None
depends_on = None

REPORT_COLUMNS = ["applicant_type", "status", "due_date"]
RECEIVED = ["agency_id", "received_on", "id", "concluded_on", "outcome", *REPORT_COLUMNS]
CONCLUDED = ["agency_id", "concluded_on", "outcome", "received_on", *REPORT_COLUMNS]


def _replace(received: list[str], concluded: list[str]) -> None:
    op.drop_index("ix_request_agency_received", table_name="disclosure_request")
    op.create_index("ix_request_agency_received", "disclosure_request", received, unique=False)
    op.drop_index("ix_request_agency_concluded", table_name="disclosure_request")
    op.create_index("ix_request_agency_concluded", "disclosure_request", concluded, unique=False)


def upgrade():
    _replace([*RECEIVED, "delivered_on"], [*CONCLUDED, "delivered_on"])


def downgrade():
    _replace(RECEIVED, CONCLUDED)
