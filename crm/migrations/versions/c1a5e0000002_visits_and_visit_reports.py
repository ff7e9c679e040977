"""visits, delegation and visit reports with attachments

Revision ID: c1a5e0000002
Revises: c1a5e0000001
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000002'
down_revision = 'c1a5e0000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
