"""search indexes: partial owner and merged, company terms by company

Revision ID: 1ad5f2d4a546
Revises: 7e65820dc5bb
Create Date: 2026-11-27 07:02:15.311848

The full indexes on companies.owner_id and companies.merged_into_id hold mostly NULLs;
SQLite then reads every company through them for `IS NULL` (the visibility filter of every
list), so they become partial. Search terms get (company_id, term) in place of company_id,
so testing a company for a search word reads only that company's terms.
"""
from alembic import op
import sqlalchemy as sa


revision = '1ad5f2d4a546'
down_revision = '7e65820dc5bb'
branch_labels = None
depends_on = None

PARTIAL = ("owner_id", "merged_into_id")


def upgrade() -> None:
    for column in PARTIAL:
        op.drop_index(f"ix_companies_{column}", table_name="companies")
        op.create_index(f"ix_companies_{column}", "companies", [column], unique=False,
                        sqlite_where=sa.text(f"{column} IS NOT NULL"),
                        postgresql_where=sa.text(f"{column} IS NOT NULL"))
    op.drop_index("ix_company_search_terms_company_id", table_name="company_search_terms")
    op.create_index("ix_company_search_terms_company_id_term", "company_search_terms",
                    ["company_id", "term"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_company_search_terms_company_id_term", table_name="company_search_terms")
    op.create_index("ix_company_search_terms_company_id", "company_search_terms", ["company_id"],
                    unique=False)
    for column in PARTIAL:
        op.drop_index(f"ix_companies_{column}", table_name="companies")
        op.create_index(f"ix_companies_{column}", "companies", [column], unique=False)
