"""search terms keyed by (term, company_id): no surrogate id, no foreign key

The surrogate id of company_search_terms was never read, yet every import paid for it: a
sequence value and a third index entry for each of the ~38 terms a new company gets; and a
foreign-key check for each (the terms are an index derived from the company's names,
kept by crm.services.search, which drops them with the company). The
(term, company_id) index the search drives from becomes the primary key: on SQLite the
table itself (WITHOUT ROWID), on PostgreSQL in the "C" collation, the code-point order
that prefix ranges need whatever collation the database was made with.

Revision ID: c1a5e0000004
Revises: c1a5e0000003
Create Date: 2026-11-27 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000004'
down_revision = 'c1a5e0000003'
branch_labels = None
depends_on = None

TABLE = "company_search_terms"
FK = "fk_company_search_terms_company_id_companies"


def upgrade() -> None:
    # A term stored twice for one company would stop the key; the copy adds nothing. (A
    # join, not NOT IN: on PostgreSQL that would rescan the subquery for every one of
    # tens of millions of rows.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(
            f"DELETE FROM {TABLE} a USING {TABLE} b WHERE a.term = b.term "
            "AND a.company_id = b.company_id AND a.id > b.id"))
    else:
        op.execute(sa.text(
            f"DELETE FROM {TABLE} WHERE id NOT IN "
            f"(SELECT min(id) FROM {TABLE} GROUP BY term, company_id)"))
    op.drop_index("ix_company_search_terms_term", table_name=TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(FK, TABLE, type_="foreignkey")
        op.drop_constraint("pk_company_search_terms", TABLE, type_="primary")
        op.drop_column(TABLE, "id")
        # Prefix ranges need code-point order whatever the database's collation.
        op.alter_column(TABLE, "term", type_=sa.String(120, collation="C"))
        op.create_primary_key("pk_company_search_terms", TABLE, ["term", "company_id"])
        return
    # SQLite: the table becomes its (term, company_id) B-tree (WITHOUT ROWID).
    with op.batch_alter_table(TABLE, recreate="always",
                              table_kwargs={"sqlite_with_rowid": False}) as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("id")
        batch.create_primary_key("pk_company_search_terms", ["term", "company_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("pk_company_search_terms", TABLE, type_="primary")
        op.alter_column(TABLE, "term", type_=sa.String(120))
        op.execute(sa.text(f"ALTER TABLE {TABLE} ADD COLUMN id SERIAL"))
        op.create_primary_key("pk_company_search_terms", TABLE, ["id"])
    else:
        with op.batch_alter_table(TABLE, recreate="always",
                                  table_kwargs={"sqlite_with_rowid": True}) as batch:
            batch.drop_constraint("pk_company_search_terms", type_="primary")
            batch.add_column(sa.Column("id", sa.Integer(), nullable=True))
        op.execute(sa.text(f"UPDATE {TABLE} SET id = rowid"))
        with op.batch_alter_table(TABLE, recreate="always") as batch:
            batch.alter_column("id", nullable=False)
            batch.create_primary_key("pk_company_search_terms", ["id"])
    op.create_index("ix_company_search_terms_term", TABLE, ["term", "company_id"])
    op.execute(sa.text(f"DELETE FROM {TABLE} WHERE company_id NOT IN (SELECT id FROM companies)"))
    with op.batch_alter_table(TABLE) as batch:
        batch.create_foreign_key(FK, "companies", ["company_id"], ["id"], ondelete="CASCADE")
