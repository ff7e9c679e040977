"""match keys version 3: a Latin brand is also found by its letters (swapped-letter typos)

A database with no match keys yet starts at version 3; one that holds keys keeps its mark,
so its next `crm dedupe` rebuilds them under the new rules
(crm.services.matching.KEYS_VERSION, anagram_key).

Revision ID: c1a5e0000005
Revises: c1a5e0000004
Create Date: 2026-11-27 18:30:00
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000005'
down_revision = 'c1a5e0000004'
branch_labels = None
depends_on = None

KEY = "internal.match_keys_version"


SETTINGS = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON),
                    sa.column("updated_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM company_match_keys LIMIT 1")).first() is not None:
        return
    _mark(3)


def downgrade() -> None:
    _mark(2)


def _mark(version: int) -> None:
    conn = op.get_bind()
    conn.execute(sa.delete(SETTINGS).where(SETTINGS.c.key == KEY))
    conn.execute(sa.insert(SETTINGS).values(key=KEY, value=version,
                                            updated_at=datetime.now(timezone.utc)))
