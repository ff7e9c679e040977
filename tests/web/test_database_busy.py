"""SQLite's "database is locked" (an import or revert holds its one write lock) reaches the
user as the writing turn's clear refusal, not as a server error; other database errors
stay server errors, logged."""
from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError


def _raiser(message: str):
    def view():
        raise OperationalError("UPDATE companies SET name_zh = ?", {},
                               sqlite3.OperationalError(message))
    return view


def test_a_locked_database_is_a_clear_refusal_and_other_errors_stay_server_errors(app, client):
    app.add_url_rule("/_busy", "busy", _raiser("database is locked"), methods=["POST"])
    app.add_url_rule("/api/v1/_busy", "api_busy", _raiser("database is locked"), methods=["POST"])
    app.add_url_rule("/_broken", "broken", _raiser("no such column: name_xx"))

    response = client.post("/_busy", headers={"Referer": "/companies/7"})
    assert response.status_code == 303 and response.location.endswith("/companies/7")
    with client.session_transaction() as state:
        assert state["_flashes"] == [("error", "Another import or revert is writing to the "
                                               "company database; nothing was changed. Try "
                                               "again when it has finished.")]

    api = client.post("/api/v1/_busy")
    assert api.status_code == 409 and api.get_json()["code"] == "conflict"

    broken = client.get("/_broken")
    assert broken.status_code == 500
    body = broken.get_data(as_text=True)
    assert "no such column" not in body and "Traceback" not in body
