"""Business rules. Functions take a session and plain values; they never commit.

Importing the package installs the session hooks every write path relies on: the audit
log and the company search index.
"""
from crm.services import audit, search  # noqa: F401  (session hooks)
