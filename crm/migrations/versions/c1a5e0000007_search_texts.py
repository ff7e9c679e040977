"""one search text per company instead of a (company_id, term) index

A search asks of each candidate company "has it a term starting with …"; the terms were
indexed a second time by (company_id, term) for that. Every term an import wrote (~26 a
new company) then cost two index entries, and the second doubled the cost of the first.
company_search_texts holds all terms of a company in one text, read by primary key: the
probe, the terms a linked company holds already, and which term rows to drop with it.

Revision ID: c1a5e0000007
Revises: c1a5e0000006
Create Date: 2026-11-27 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000007'
down_revision = 'c1a5e0000006'
branch_labels = None
depends_on = None

TERMS = "company_search_terms"
TEXTS = "company_search_texts"
INDEX = "ix_company_search_terms_company_id_term"


def upgrade() -> None:
    op.create_table(
        TEXTS,
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_search_texts")),
    )
    # Each term after a space (crm.services.search.joined_terms); the order of the
    # terms in the text does not matter.
    if op.get_bind().dialect.name == "postgresql":
        aggregate = "' ' || string_agg(term, ' ')"
    else:
        aggregate = "' ' || group_concat(term, ' ')"
    op.execute(sa.text(f"INSERT INTO {TEXTS} (company_id, terms) "
                       f"SELECT company_id, {aggregate} FROM {TERMS} GROUP BY company_id"))
    op.drop_index(INDEX, table_name=TERMS)


def downgrade() -> None:
    op.create_index(INDEX, TERMS, ["company_id", "term"])
    op.drop_table(TEXTS)
