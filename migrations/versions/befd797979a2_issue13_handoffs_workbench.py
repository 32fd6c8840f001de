"""issue 13: handoff notifications with deliveries per channel, mail preferences, saved filters, the
office's internal deadline and the draft's first submission date

Every change is an added table, column or index — no table is rebuilt, so SQLite keeps issue 15's
search triggers on disclosure_request. The downgrade drops the columns with ALTER TABLE ... DROP
COLUMN (PostgreSQL; SQLite 3.35 and later) for the same reason.

Revision ID: befd797979a2
Revises: e6ec5c68774d
"""

import sqlalchemy as sa
from alembic import op

import tracker.types

revision = "befd797979a2"
down_revision = "e6ec5c68774d"
branch_labels = None
depends_on = None

UTC = tracker.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("list", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_saved_filter_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_id", "list", "name", name=op.f("uq_saved_filter_user_id_list_name")),
    )
    op.create_table(
        "notification_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_delivery_notification_id_notification"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
        sa.UniqueConstraint(
            "notification_id", "channel", name=op.f("uq_notification_delivery_notification_id_channel")
        ),
    )
    op.create_index("ix_delivery_channel_status", "notification_delivery", ["channel", "status"], unique=False)
    op.add_column("disclosure_request", sa.Column("internal_due", sa.Date(), nullable=True))
    op.add_column("disclosure_request", sa.Column("draft_submitted_on", sa.Date(), nullable=True))
    op.create_index(op.f("ix_disclosure_request_internal_due"), "disclosure_request", ["internal_due"], unique=False)
    op.add_column("notification", sa.Column("case_type", sa.String(length=20), nullable=True))
    op.add_column("notification", sa.Column("case_id", sa.Integer(), nullable=True))
    op.add_column("user_account", sa.Column("notify_prefs", sa.JSON(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE user_account DROP COLUMN notify_prefs")
    op.execute("ALTER TABLE notification DROP COLUMN case_id")
    op.execute("ALTER TABLE notification DROP COLUMN case_type")
    op.drop_index(op.f("ix_disclosure_request_internal_due"), table_name="disclosure_request")
    op.execute("ALTER TABLE disclosure_request DROP COLUMN draft_submitted_on")
    op.execute("ALTER TABLE disclosure_request DROP COLUMN internal_due")
    op.drop_index("ix_delivery_channel_status", table_name="notification_delivery")
    op.drop_table("notification_delivery")
    op.drop_table("saved_filter")
