"""Seed the deployment's agency, named by the AGENCY_NAME setting, so an upgraded database is complete.

Revision ID: 0002_seed_agency
Revises: 47e2769dca07
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0002_seed_agency"
down_revision = "47e2769dca07"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM agency")).scalar():
        return
    name = current_app.config.get("AGENCY_NAME") or "本机关"
    agency = sa.table("agency", sa.column("name", sa.String), sa.column("settings", sa.JSON),
                      sa.column("created_at", sa.DateTime(timezone=True)))
    from datetime import datetime, timezone
    op.bulk_insert(agency, [{"name": name, "settings": {}, "created_at": datetime.now(timezone.utc)}])


def downgrade():
    pass
