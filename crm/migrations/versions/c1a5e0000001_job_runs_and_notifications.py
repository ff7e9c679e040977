"""job runs and in-app notifications (the scheduler)

Revision ID: c1a5e0000001
Revises: b4c88c0a79ff
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000001'
down_revision = 'b4c88c0a79ff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
