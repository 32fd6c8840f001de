"""issue 15: indexes for the lists, the open cases and the report's year; search objects per engine

The list sorts by (received_on, id) and pages by keyset; open cases and cases without a conclusion
date get partial indexes; identity number and applicant name get prefix indexes. Search: on SQLite an
FTS5 table with the trigram tokenizer over number, name, subject and content, kept by triggers and
filled from the existing rows; on PostgreSQL pg_trgm with one GIN index over the same text, plus
varchar_pattern_ops indexes for prefix matches. The search objects are engine-specific DDL that
migrations/env.py keeps out of `db check`; the same statements are in tracker.disclosure.search (for
databases built with create_all), copied here so that this migration stays what it was.

Revision ID: f15a0c3d2b71
Revises: acd1b6db095c
"""

import sqlalchemy as sa
from alembic import op

revision = "f15a0c3d2b71"
down_revision = "acd1b6db095c"
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'concluded'")
UNCONCLUDED = sa.text("concluded_on IS NULL")

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS request_fts USING fts5("
    "number, applicant_name, subject, content, content='disclosure_request', content_rowid='id', "
    "tokenize='trigram')",
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
    "INSERT INTO request_fts(request_fts) VALUES ('rebuild')",
)
PG_TEXT = "(number || chr(31) || applicant_name || chr(31) || subject || chr(31) || content)"
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS ix_search_request_trgm ON disclosure_request USING gin ({PG_TEXT} gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_number ON disclosure_request (agency_id, number varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_id_number "
    "ON disclosure_request (agency_id, id_number varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_request_name "
    "ON disclosure_request (agency_id, applicant_name varchar_pattern_ops)",
)


def upgrade():
    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_agency_received")
        batch_op.create_index("ix_request_agency_received", ["agency_id", "received_on", "id"], unique=False)
        batch_op.create_index(
            "ix_request_open_received",
            ["agency_id", "received_on", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.create_index(
            "ix_request_open_due", ["due_date", "agency_id"], unique=False, postgresql_where=OPEN, sqlite_where=OPEN
        )
        batch_op.create_index(
            "ix_request_unconcluded_received",
            ["agency_id", "received_on"],
            unique=False,
            postgresql_where=UNCONCLUDED,
            sqlite_where=UNCONCLUDED,
        )
        batch_op.create_index("ix_request_agency_id_number", ["agency_id", "id_number"], unique=False)
        batch_op.create_index("ix_request_agency_fee_paid", ["agency_id", "fee_paid_on"], unique=False)
        batch_op.create_index("ix_request_agency_applicant", ["agency_id", "applicant_name"], unique=False)
    dialect = op.get_bind().dialect.name
    for stmt in SQLITE_DDL if dialect == "sqlite" else PG_DDL if dialect == "postgresql" else ():
        op.execute(stmt)
    if dialect == "sqlite":
        # SQLite plans without statistics assume an equality on agency_id picks a few rows and walks
        # that index over every request instead of the search's ids; the reminder run keeps them
        # current with PRAGMA optimize (PostgreSQL's autovacuum analyses by itself)
        op.execute("ANALYZE")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("request_fts_au", "request_fts_ad", "request_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS request_fts")
    elif dialect == "postgresql":
        for name in ("ix_search_request_name", "ix_search_request_id_number", "ix_search_request_number"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP INDEX IF EXISTS ix_search_request_trgm")
    with op.batch_alter_table("disclosure_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_agency_applicant")
        batch_op.drop_index("ix_request_agency_fee_paid")
        batch_op.drop_index("ix_request_agency_id_number")
        batch_op.drop_index("ix_request_unconcluded_received")
        batch_op.drop_index("ix_request_open_due")
        batch_op.drop_index("ix_request_open_received")
        batch_op.drop_index("ix_request_agency_received")
        batch_op.create_index("ix_request_agency_received", ["agency_id", "received_on"], unique=False)
