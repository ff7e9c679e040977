"""Job callables for the scheduler tests (referenced by dotted path from job_definitions)."""
from __future__ import annotations

import os
import time
from pathlib import Path


def tick(session) -> dict:
    """Say which process ran the fire."""
    return {"pid": os.getpid()}


def boom(session) -> None:
    raise RuntimeError("the service broke")


def counted(session, scheduled_for, today, label: str = "x") -> dict:
    return {"label": label, "today": today.isoformat(), "scheduled_for": scheduled_for.isoformat()}


def until_flag(session, flag: str, timeout: float = 20.0) -> dict:
    """Keep running until the file `flag` exists (a test's way to see a run in progress)."""
    deadline = time.monotonic() + timeout
    while not Path(flag).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {flag}")
        time.sleep(0.05)
    return {"waited": True}
