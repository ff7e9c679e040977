"""The list of feature blueprints beyond the core ones, and the JSON API."""
from __future__ import annotations

from flask import Flask


def FEATURES():  # noqa: N802  (reads as a constant list at the call site)
    return []


def register_api(app: Flask) -> None:
    return None
