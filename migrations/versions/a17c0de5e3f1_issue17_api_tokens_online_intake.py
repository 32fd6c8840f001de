"""issue 17: API tokens of the online platform; a request's submission id, confirmation time and status code

api_token holds the platform's tokens (only their SHA-256). disclosure_request gains submission_id (unique
per agency: the intake API is idempotent on it), confirmed_at (the moment both sides confirmed, Art. 31(三))
and status_code_hash (the applicant's verification code for /status, hashed), and an index on the case
number (/status finds a case by its number alone) and on (agency, status, channel) for the list's
channel filter (the workbench's 网上申请 待分办). All three are nullable:
requests of the previous release came in by other channels and keep NULL.

Revision ID: a17c0de5e3f1
Revises: c4a5e1d0b914
"""

import sqlalchemy as sa
from alembic import op

import tracker.types

# SQLite: a batch copy of disclosure_request drops the table's triggers, among them the FTS5 search
# triggers of issue 15 (f15a0c3d2b71); they are created again after each copy, as written there (a
# migration never imports the code, so that it does not change with it).
SQLITE_SEARCH_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS request_fts_ai AFTER INSERT ON disclosure_request BEGIN "
    "INSERT INTO request_fts(rowid, number, applicant_name, subject, content) "
    "VALUES (new.id, new.number, new.applicant_name, new.subject, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS request_fts_ad AFTER DELETE ON disclosure_request BEGIN "
    "INSERT INTO request_fts(request_fts, rowid, number, applicant_name, subject, content) "
    "VALUES ('delete', old.id, old.number, old.applicant_name, old.subject, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS request_fts_au AFTER UPDATE OF number, applicant_name, subject, content "
    "ON disclosure_request BEGIN "
    "INSERT INTO request_fts(request_fts, rowid, number, applicant_name, subject, content) "
    "VALUES ('delete', old.id, old.number, old.applicant_name, old.subject, old.content); "
    "INSERT INTO request_fts(rowid, number, applicant_name, subject, content) "
    "VALUES (new.id, new.number, new.applicant_name, new.subject, new.content); END",
)


def _restore_search_triggers():
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_SEARCH_TRIGGERS:
            op.execute(stmt)


revision = "a17c0de5e3f1"
down_revision = "c4a5e1d0b914"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", tracker.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", tracker.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", tracker.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_api_token_agency_id_agency")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_api_token_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_agency_id"), ["agency_id"], unique=False)

    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", tracker.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status_code_hash", sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_disclosure_request_agency_id_submission_id"), ["agency_id", "submission_id"]
        )
        batch_op.create_index("ix_request_number", ["number"], unique=False)
        batch_op.create_index("ix_request_agency_status_channel", ["agency_id", "status", "channel"], unique=False)
    _restore_search_triggers()


def downgrade():
    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_agency_status_channel")
        batch_op.drop_index("ix_request_number")
        batch_op.drop_constraint(batch_op.f("uq_disclosure_request_agency_id_submission_id"), type_="unique")
        batch_op.drop_column("status_code_hash")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("submission_id")
    _restore_search_triggers()

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_agency_id"))

    op.drop_table("api_token")
