"""ExpoLead CRM: the Flask application factory."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment's settings overlaid with `config`."""
    from crm import config as settings
    from crm.web import register

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static",
                instance_relative_config=False)
    app.config.update(settings.from_environment())
    if config:
        app.config.update(config)
    register(app)
    return app
