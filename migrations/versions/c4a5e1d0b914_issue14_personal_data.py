"""issue 14: personal data — who opened a case (case_view), and when a case's personal data was cleared

case_view holds one row per user, case and China-time day (first and last moment, count), kept by one
upsert per page view (tracker/personal.py). disclosure_request gains anonymised_at, null for every
existing case (nothing is anonymised by the upgrade; `flask anonymise` does that).

Revision ID: c4a5e1d0b914
Revises: 5c2e8a91d3f4
"""

import sqlalchemy as sa
from alembic import op

import tracker.types  # noqa: F401  (custom column types)

revision = "c4a5e1d0b914"
down_revision = "5c2e8a91d3f4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_at", tracker.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", tracker.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_case_view_agency_id_agency")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_case_view_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_view")),
        sa.UniqueConstraint(
            "user_id",
            "subject_type",
            "subject_id",
            "day",
            name=op.f("uq_case_view_user_id_subject_type_subject_id_day"),
        ),
    )
    with op.batch_alter_table("case_view", schema=None) as batch_op:
        batch_op.create_index("ix_case_view_subject_day", ["subject_type", "subject_id", "day"], unique=False)

    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", tracker.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN on both engines (SQLite ≥ 3.35): a batch copy of disclosure_request would
    # drop the search triggers of its FTS5 table (tracker/disclosure/search.py) on SQLite
    op.execute("ALTER TABLE disclosure_request DROP COLUMN anonymised_at")

    with op.batch_alter_table("case_view", schema=None) as batch_op:
        batch_op.drop_index("ix_case_view_subject_day")

    op.drop_table("case_view")
