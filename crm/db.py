"""Declarative base, engines and sessions; usable without Flask (crawlers, jobs, CLI)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes as UTC and always hand back aware UTC values (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class Timestamped:
    """Creation and last-change times, in UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


# The page size of a new SQLite database. A large import writes into most pages of its
# biggest B-trees (the search terms, the match keys): with 16 KiB pages SQLite reads,
# spills and commits a quarter as many pages as with the default 4 KiB, and the import
# benchmark's ordered pass and commit take a fifth to a third less time (bench/README.md).
# It applies when the file is created; `crm db compact` converts an existing one.
SQLITE_PAGE_SIZE = 16_384


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # only a new file takes it
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")


def compact(engine: Engine) -> str:
    """Give the database's free space back and refresh the planner's statistics.

    SQLite: the file is rewritten (VACUUM) with SQLITE_PAGE_SIZE pages, which a database
    in WAL mode can only take while briefly out of it; nothing else may have it open.
    PostgreSQL: VACUUM (ANALYZE). Returns what was done, for the operator.
    """
    if engine.dialect.name != "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
        return "VACUUM (ANALYZE)"
    raw = engine.raw_connection()  # no transaction: VACUUM and journal modes need none
    try:
        return _compact_sqlite(raw)
    except engine.dialect.dbapi.Error as err:
        raise RuntimeError(f"{err}: stop the CRM and its jobs first") from err
    finally:
        raw.close()


def _compact_sqlite(raw) -> str:
    run = raw.cursor().execute
    run("PRAGMA busy_timeout=2000")  # in use: say so rather than wait
    before = run("PRAGMA page_size").fetchone()[0]
    mode = run("PRAGMA journal_mode").fetchone()[0]
    if run("PRAGMA journal_mode=DELETE").fetchone()[0] != "delete":
        raise RuntimeError("the database is in use: stop the CRM and its jobs first")
    try:
        run(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        run("VACUUM")
        run("PRAGMA analysis_limit=1000")  # sampled statistics
        run("ANALYZE")
    finally:
        run(f"PRAGMA journal_mode={mode}")
    return f"VACUUM, ANALYZE; page size {before} -> {run('PRAGMA page_size').fetchone()[0]}"


def make_session_factory(bind) -> sessionmaker[Session]:
    """Return a session factory; services get sessions from it and never commit."""
    return sessionmaker(bind=bind, expire_on_commit=False, future=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Provide a transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
