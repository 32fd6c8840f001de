"""issue 14: a tamper-evident event log — each event's hash chained per agency; UPDATE and DELETE refused

event gains prev_hash and hash (tracker.rules.event_chain) and event_chain holds the head of each chain
(one per agency, chain 0 for events of no agency), locked by every transaction that appends. The events of
the previous release are chained here, in id order per agency, in batches; then the columns become NOT
NULL and the database's triggers refuse UPDATE and DELETE of events (and TRUNCATE on PostgreSQL).

Revision ID: 5c2e8a91d3f4
Revises: 7c1e2d9a4b36
"""

import sqlalchemy as sa
from alembic import op

import tracker.types
from tracker.rules import event_chain  # the one hashing rule (version 1): the chain must be what verify checks

revision = "5c2e8a91d3f4"
down_revision = "7c1e2d9a4b36"
branch_labels = None
depends_on = None

BATCH = 5000

# The triggers as this revision creates them (tracker.audit creates the same for create_all); written out
# here so that this migration does not change when the application's code does.
APPEND_ONLY = "the event log is append-only: UPDATE and DELETE of event are refused"
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


def _backfill(conn) -> None:
    event = sa.table(
        "event",
        *(sa.column(n) for n in ("id", "agency_id", "prev_hash", "hash", "subject_type", "subject_id", "kind")),
        sa.column("actor_id"),
        sa.column("note"),
        sa.column("created_at", tracker.types.UTCDateTime()),
        sa.column("data", sa.JSON),
    )
    heads: dict[int, event_chain.Head] = {}
    after = 0
    update = (
        event.update()
        .where(event.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash"))
    )
    while True:
        rows = (
            conn.execute(sa.select(event).where(event.c.id > after).order_by(event.c.id).limit(BATCH)).mappings().all()
        )
        if not rows:
            break
        params = []
        for r in rows:
            chain = event_chain.chain_of(r["agency_id"])
            prev, h = event_chain.link(heads.setdefault(chain, event_chain.Head()), chain, r)
            params.append({"b_id": r["id"], "b_prev": prev, "b_hash": h})
        conn.execute(update, params)
        after = rows[-1]["id"]
    if heads:
        conn.execute(
            sa.table("event_chain", sa.column("chain"), sa.column("seq"), sa.column("last_hash")).insert(),
            [{"chain": c, "seq": h.seq, "last_hash": h.last_hash} for c, h in sorted(heads.items())],
        )


def upgrade():
    op.create_table(
        "event_chain",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_event_chain")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    _backfill(conn)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    for stmt in GUARD_DDL[conn.dialect.name]:
        op.execute(stmt)


def downgrade():
    conn = op.get_bind()
    for stmt in GUARD_DROP[conn.dialect.name]:
        op.execute(stmt)
    if conn.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS event_append_only()")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.drop_table("event_chain")
