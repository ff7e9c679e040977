"""An API caller: a user of a given role with a fresh token, sending JSON requests."""
from __future__ import annotations

import pytest

from crm.services import auth


class Caller:
    """Send requests to the API as one user, with that user's bearer token."""

    def __init__(self, client, user, token: str) -> None:
        self.client, self.user, self.token = client, user, token
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self.client.post(path, json=body, headers=self.headers, **kwargs)

    def patch(self, path: str, body=None, **kwargs):
        return self.client.patch(path, json=body, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(path, headers=self.headers, **kwargs)


@pytest.fixture()
def api_as(session, client, make_user):
    """Return a Caller for a user (or a new user of the given role)."""

    def _as(role_or_user, username: str | None = None, **fields) -> Caller:
        user = (make_user(role_or_user, username, **fields) if isinstance(role_or_user, str)
                else role_or_user)
        return Caller(client, user, auth.issue_token(session, user, "test"))

    return _as
