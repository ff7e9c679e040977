"""`crm db compact` and the page size of a new SQLite database."""
from __future__ import annotations

import os
import sqlite3

import pytest
from click.testing import CliRunner

from crm import migrate
from crm.cli import main
from crm.db import SQLITE_PAGE_SIZE
from tests.conftest import migrated_database

on_postgres = bool(os.environ.get("DATABASE_URL", "").startswith("postgresql"))
sqlite_only = pytest.mark.skipif(on_postgres, reason="SQLite's file format")


def _compact(url: str):
    return CliRunner().invoke(main, ["db", "compact"],
                              env={"DATABASE_URL": url, "SECRET_KEY": "test"})


@sqlite_only
def test_a_new_database_file_gets_the_large_pages(tmp_path):
    path = tmp_path / "new.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA page_size").fetchone()[0] == SQLITE_PAGE_SIZE
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _old_file(path):
    with sqlite3.connect(path) as raw:  # made by an older version: 4 KiB pages, WAL
        raw.execute("PRAGMA page_size=4096")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        raw.executemany("INSERT INTO notes (body) VALUES (?)", [(f"备注 {i}",) for i in range(500)])
        raw.execute("DELETE FROM notes WHERE id % 2 = 0")
    raw.close()


@sqlite_only
def test_upgrading_an_old_file_says_how_to_convert_it(tmp_path):
    def upgrade(path):
        env = {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test"}
        result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    old, compacted = tmp_path / "old.sqlite3", tmp_path / "compacted.sqlite3"
    _old_file(old)
    _old_file(compacted)
    assert _compact(f"sqlite:///{compacted}").exit_code == 0
    assert "crm db compact" in upgrade(old)
    assert "crm db compact" not in upgrade(compacted)


@sqlite_only
def test_compact_converts_an_old_file_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    _old_file(path)
    result = _compact(f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert f"4096 -> {SQLITE_PAGE_SIZE}" in result.output
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA page_size").fetchone()[0] == SQLITE_PAGE_SIZE
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT count(*), min(body) FROM notes").fetchone() == (250, "备注 0")
    raw.close()


@sqlite_only
def test_compact_refuses_a_database_in_use_and_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "busy.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    busy = sqlite3.connect(path, isolation_level=None)
    busy.execute("BEGIN")
    busy.execute("SELECT count(*) FROM companies").fetchone()  # a reader mid-transaction
    try:
        result = _compact(f"sqlite:///{path}")
    finally:
        busy.execute("ROLLBACK")
        busy.close()
    assert result.exit_code != 0
    assert "not compacted" in result.output and "Traceback" not in result.output
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    raw.close()


@pytest.mark.skipif(not on_postgres, reason="PostgreSQL's VACUUM")
def test_compact_vacuums_postgresql(tmp_path):
    for url in migrated_database(tmp_path, "unused.sqlite3"):
        result = _compact(url)
        assert result.exit_code == 0, result.output
        assert "VACUUM (ANALYZE)" in result.output
