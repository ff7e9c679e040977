"""Chinese first, English second; times shown in Asia/Shanghai."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_translations
from flask_login import current_user

from crm.web.extensions import babel

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(LANGUAGES)) or "zh_CN"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a stored UTC time in the display time zone."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.astimezone(zone).strftime(fmt)


def show_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def show_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def import_message(message: str | None) -> str | None:
    """An import's message about a row or a file (kept in English) in the reader's
    language."""
    from crm.importers.messages import localize
    return localize(message, lambda s: _translations().ugettext(s))


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["show_date"] = show_date
    app.jinja_env.filters["show_decimal"] = show_decimal
    app.jinja_env.filters["import_message"] = import_message
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = select_locale
    # Flask-Babel looks the catalogue up again for every string (~20 µs, a hundred strings
    # on a page): templates take this request's once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def _translations():
    if not has_request_context():
        return get_translations()
    found = g.get("_crm_translations")
    if found is None:
        found = g._crm_translations = get_translations()
    return found
