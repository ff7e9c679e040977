"""Job callables for the scheduler tests (referenced by dotted path from job_definitions)."""
from __future__ import annotations

import os


def tick(session) -> dict:
    """Say which process ran the fire."""
    return {"pid": os.getpid()}


def boom(session) -> None:
    raise RuntimeError("the service broke")


def counted(session, scheduled_for, today, label: str = "x") -> dict:
    return {"label": label, "today": today.isoformat(), "scheduled_for": scheduled_for.isoformat()}
