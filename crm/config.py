"""Settings read from the environment when the app is created, never at import."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

DEFAULT_SQLITE = Path("instance") / "expolead.sqlite3"


def database_url(env: Mapping[str, str] | None = None) -> str:
    """Return the configured database URL; SQLite in ./instance by default."""
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL")
    if url:
        # Heroku-style URLs and plain postgresql:// go through psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{DEFAULT_SQLITE.resolve()}"


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    return {
        "DATABASE_URL": database_url(env),
        "SECRET_KEY": env.get("SECRET_KEY") or _instance_secret(),
        "BABEL_DEFAULT_LOCALE": env.get("CRM_DEFAULT_LOCALE", "zh_CN"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "DISPLAY_TIMEZONE": "Asia/Shanghai",
        "LOGIN_MAX_FAILURES": int(env.get("CRM_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(env.get("CRM_LOGIN_LOCK_MINUTES", "15")),
        "PAGE_SIZE": int(env.get("CRM_PAGE_SIZE", "50")),
        "EXPORT_MAX_ROWS": int(env.get("CRM_EXPORT_MAX_ROWS", "100000")),
        "UPLOAD_FOLDER": env.get("CRM_UPLOAD_FOLDER", str(Path("instance/uploads").resolve())),
        "MAX_CONTENT_LENGTH": int(env.get("CRM_MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        # One attached file (visit-report photos, floor plans …): crm.services.files.store.
        "UPLOAD_MAX_FILE_BYTES": int(env.get("CRM_MAX_FILE_MB", "20")) * 1024 * 1024,
        # E-mail copies of notifications (the daily reminder); none when no host is set.
        "SMTP_HOST": env.get("CRM_SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("CRM_SMTP_PORT") or "25"),
        "SMTP_USER": env.get("CRM_SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("CRM_SMTP_PASSWORD") or None,
        "SMTP_FROM": env.get("CRM_SMTP_FROM") or "expolead@localhost",
        "SMTP_STARTTLS": env.get("CRM_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
        "BASE_URL": env.get("CRM_BASE_URL") or None,  # links in e-mails
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def _instance_secret() -> str:
    """Keep one random secret per instance folder so sessions survive restarts."""
    path = Path("instance") / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key
