"""Administration: users and departments, the industry taxonomy, the audit log."""
