"""the version of the rules the stored match keys were built by

A new, empty database starts with keys of the current rules (version 2); a database that
already holds companies keeps no mark, so its next `crm dedupe` rebuilds the keys stored
under the older rules (crm.services.matching.KEYS_VERSION).

Revision ID: c1a5e0000003
Revises: c1a5e0000002
Create Date: 2026-11-27 14:00:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000003'
down_revision = 'c1a5e0000002'
branch_labels = None
depends_on = None

KEY = "internal.match_keys_version"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM companies LIMIT 1")).first() is not None:
        return
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON),
                        sa.column("updated_at", sa.DateTime(timezone=True)))
    op.bulk_insert(settings, [{"key": KEY, "value": 2,
                               "updated_at": datetime.now(timezone.utc)}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM settings WHERE key = :key").bindparams(key=KEY))
