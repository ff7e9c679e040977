"""The schema is built by Alembic alone: one head, upgrade and downgrade from empty."""
from sqlalchemy import inspect

from crm import migrate
from crm.db import Base, make_engine
import crm.models  # noqa: F401


def test_there_is_exactly_one_head():
    assert len(migrate.heads()) == 1


def test_migrated_schema_has_every_model_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_models_and_migrations_agree(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Only real schema differences matter; none may be left unmigrated.
    assert diff == []


def test_upgrade_and_downgrade_from_empty_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    assert "companies" in inspect(engine).get_table_names()
    engine.dispose()
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert "companies" not in inspect(engine).get_table_names()
    engine.dispose()
