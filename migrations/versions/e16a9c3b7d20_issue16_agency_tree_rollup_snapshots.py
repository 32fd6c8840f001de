"""issue 16: agencies as a tree; roll-up report snapshots

agency gains parent_id (the unit above), path (the materialised path of ids from the root, ``/1/5/12/``,
so that a unit and all its sub-units is one LIKE) and population (residents, for requests per 10,000
residents). Every agency of the previous release becomes a root unit: path ``/<id>/``.

report_snapshot gains scope (``unit``: the unit alone, the only kind of the previous release;
``with_units``: the roll-up of the unit with its sub-units) and unit_snapshots (which unit snapshots a
roll-up summed); the unique key becomes (agency, year, scope).

Revision ID: e16a9c3b7d20
Revises: a17c0de5e3f1
"""

import sqlalchemy as sa
from alembic import op

revision = "e16a9c3b7d20"
down_revision = "a17c0de5e3f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("path", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_agency_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agency_path"), ["path"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_agency_parent_id_agency"), "agency", ["parent_id"], ["id"])
    op.execute("UPDATE agency SET path = '/' || CAST(id AS VARCHAR(20)) || '/'")

    with op.batch_alter_table("report_snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=20), server_default="unit", nullable=False))
        batch_op.add_column(sa.Column("unit_snapshots", sa.JSON(), nullable=True))
        batch_op.drop_constraint("uq_report_snapshot_agency_id_year", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_snapshot_agency_id_year_scope"), ["agency_id", "year", "scope"]
        )


def downgrade():
    # The previous release has one report per agency and year: its roll-ups cannot be kept.
    op.execute("DELETE FROM report_snapshot WHERE scope <> 'unit'")
    with op.batch_alter_table("report_snapshot", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_snapshot_agency_id_year_scope"), type_="unique")
        batch_op.create_unique_constraint("uq_report_snapshot_agency_id_year", ["agency_id", "year"])
        batch_op.drop_column("unit_snapshots")
        batch_op.drop_column("scope")

    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_agency_parent_id_agency"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_agency_path"))
        batch_op.drop_index(batch_op.f("ix_agency_parent_id"))
        batch_op.drop_column("population")
        batch_op.drop_column("path")
        batch_op.drop_column("parent_id")
