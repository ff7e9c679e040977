"""Forms of the job pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class JobForm(FlaskForm):
    cron = StringField(_l("Schedule (cron)"), validators=[DataRequired(), Length(max=100)])
    enabled = BooleanField(_l("Enabled"))


class RunNowForm(FlaskForm):
    """Only the CSRF token."""
