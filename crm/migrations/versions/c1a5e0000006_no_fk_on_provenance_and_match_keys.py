"""no foreign keys on provenance pointers and on the match keys and profiles

Every row a PostgreSQL foreign key checks costs a lookup and a row lock on the row it
points at. A catalogue import of 100,000 rows into a million companies wrote ~700,000
such checks on columns that need none:

- import_batch_id on the facts an import writes (aliases, phones, e-mails, contacts,
  booths) is provenance, like companies.import_batch_id, which never had one: batches are
  never deleted, and a revert removes a batch's facts by this column;
- company_match_keys and company_match_profiles are derived from the company, as the
  search terms are (c1a5e0000004): crm.services.matching.forget drops them with the
  company (revert, companies.delete), and `crm dedupe` rebuilds them.

Revision ID: c1a5e0000006
Revises: c1a5e0000005
Create Date: 2026-11-27 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1a5e0000006'
down_revision = 'c1a5e0000005'
branch_labels = None
depends_on = None

PROVENANCE = ("company_aliases", "company_phones", "company_emails", "contacts",
              "participations")
DERIVED = ("company_match_keys", "company_match_profiles")


def _batch_fk(table: str) -> str:
    return f"fk_{table}_import_batch_id_import_batches"


def _company_fk(table: str) -> str:
    return f"fk_{table}_company_id_companies"


def upgrade() -> None:
    for table in PROVENANCE:
        _drop(table, _batch_fk(table))
    for table in DERIVED:
        _drop(table, _company_fk(table))


def downgrade() -> None:
    for table in PROVENANCE:
        op.execute(sa.text(f"UPDATE {table} SET import_batch_id = NULL WHERE NOT EXISTS "
                           f"(SELECT 1 FROM import_batches b WHERE b.id = {table}.import_batch_id)"
                           " AND import_batch_id IS NOT NULL"))
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(_batch_fk(table), "import_batches", ["import_batch_id"],
                                     ["id"], ondelete="SET NULL")
    for table in DERIVED:
        op.execute(sa.text(f"DELETE FROM {table} WHERE NOT EXISTS "
                           f"(SELECT 1 FROM companies c WHERE c.id = {table}.company_id)"))
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(_company_fk(table), "companies", ["company_id"], ["id"],
                                     ondelete="CASCADE")


def _drop(table: str, name: str) -> None:
    # On SQLite the table is rebuilt without the constraint (batch mode).
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="foreignkey")
