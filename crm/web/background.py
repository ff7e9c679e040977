"""Work a page starts and does not wait for — an import, a revert, a job run now: a thread
of the web process, whose progress the page then follows (in the database or the import
wizard's state file).

With the setting BACKGROUND_INLINE it runs in the request instead: the tests' app shares
the test's one database connection, which a second thread must not use.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import current_app


def start(name: str, target: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `target(*args, **kwargs)` in a daemon thread called `name`."""
    if current_app.config.get("BACKGROUND_INLINE"):
        target(*args, **kwargs)
        return
    threading.Thread(target=target, args=args, kwargs=kwargs, daemon=True, name=name).start()
