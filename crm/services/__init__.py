"""Business rules. Functions take a session and plain values; they never commit.

Importing the package installs the session hooks every write path relies on: the audit
log, the company search index and the match keys of entity resolution.
"""
from crm.services import audit, matching, search  # noqa: F401  (session hooks)
