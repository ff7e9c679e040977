"""Forms of the materials pages; crm.services.materials checks the values."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.services import materials
from crm.web.forms import IntSelectField

METHOD_LABELS = {"post": _l("Post"), "courier": _l("Courier"), "email": _l("E-mail"),
                 "wechat": _l("WeChat")}


class SentForm(FlaskForm):
    content = TextAreaField(_l("What was sent"), validators=[Length(max=materials.TEXT_MAX)])
    method = SelectField(_l("How"), choices=[(m, METHOD_LABELS[m]) for m in materials.METHODS])
    tracking_no = StringField(_l("Tracking number"), validators=[Length(max=60)])
    sent_on = DateField(_l("Sent on (empty: today)"), validators=[Optional()])
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])


class FollowUpForm(FlaskForm):
    follow_up_note = TextAreaField(_l("What the follow-up brought"),
                                   validators=[Length(max=materials.TEXT_MAX)])


class HandForm(FlaskForm):
    assignee_id = IntSelectField(_l("Executor"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Why it is dropped"), validators=[Length(max=materials.TEXT_MAX)])
