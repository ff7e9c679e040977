"""The app's database: one engine per app, one session per request."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from crm.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    """Create the engine (or use the connection the tests pass) and the session factory."""
    bind = app.config.get("DB_BIND") or make_engine(app.config["DATABASE_URL"])
    app.extensions["db_bind"] = bind
    app.extensions["db_sessions"] = make_session_factory(bind)
    if app.config.get("DB_BIND") is not None:
        # Tests bind to one outer transaction: commits become savepoints.
        app.extensions["db_sessions"].configure(join_transaction_mode="create_savepoint")
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """Return this request's session; the view commits it through `commit()`."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session


def commit() -> None:
    session().commit()


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        if _exc is not None:
            s.rollback()
        s.close()
