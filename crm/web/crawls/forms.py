"""Forms of the crawl pages: start a run, edit a source file, make a new one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from crm.services.crawl_sources import KINDS

KIND_CHOICES = [("exhibitors", _l("Exhibitor directory")), ("shows", _l("Organizer's show list")),
                ("venue_calendar", _l("Venue calendar")), ("news", _l("Industry news"))]
assert [k for k, _label in KIND_CHOICES] == list(KINDS)


class RunForm(FlaskForm):
    limit = IntegerField(_l("At most this many items"), validators=[Optional(), NumberRange(min=1)])


class SourceForm(FlaskForm):
    """The YAML text; `sha` is the file as it was opened, to catch a concurrent edit."""

    text = TextAreaField(_l("Source (YAML)"), validators=[DataRequired(), Length(max=200_000)])
    sha = HiddenField()


class NewSourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(), Regexp(r"^[a-z][a-z0-9_]{1,60}$",
                               message=_l("Lower-case letters, digits and _, starting with a letter."))])
    text = TextAreaField(_l("Source (YAML)"), validators=[DataRequired(), Length(max=200_000)])
