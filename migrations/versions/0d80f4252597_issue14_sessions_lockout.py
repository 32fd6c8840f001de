"""issue 14: sessions that can be revoked, forced password changes, login lock-out counters, the security log's indexes

user_account gains session_token (the cookie must carry the current one; rotated on logout, password
change, disable and "sign out everywhere"), password_changed_at and must_change_password. Existing users
get a random token each (so every cookie issued before the upgrade stops working: everybody signs in
again once) and keep their passwords without being forced to change them. rate_bucket holds the login
failure counters shared by all workers. Three indexes on event serve the security log.

Revision ID: 0d80f4252597
Revises: befd797979a2
"""

import secrets

import sqlalchemy as sa
from alembic import op

import tracker.types

revision = "0d80f4252597"
down_revision = "befd797979a2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_bucket",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", tracker.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("locked_until", tracker.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_bucket")),
    )
    with op.batch_alter_table("rate_bucket", schema=None) as batch_op:
        batch_op.create_index("ix_rate_bucket_window_start", ["window_start"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_type_agency_time", ["subject_type", "agency_id", "created_at", "id"])
        batch_op.create_index("ix_event_agency_kind_time", ["agency_id", "kind", "created_at", "id"])
        batch_op.create_index("ix_event_subject_time", ["subject_type", "subject_id", "created_at", "id"])

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("password_changed_at", tracker.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))
    conn = op.get_bind()
    users = sa.table("user_account", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(32)))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("session_token")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_subject_time")
        batch_op.drop_index("ix_event_agency_kind_time")
        batch_op.drop_index("ix_event_type_agency_time")

    with op.batch_alter_table("rate_bucket", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_bucket_window_start")

    op.drop_table("rate_bucket")
