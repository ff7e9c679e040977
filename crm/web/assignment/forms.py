"""Forms of the assignment administration; crm.services.leads checks the values."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.web.forms import IntSelectField
from crm.web.leads import labels


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # the service says which ids are wrong
        pass


class IdMultiSelectField(SelectMultipleField):
    def pre_validate(self, form):
        pass


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=100)])
    kind = SelectField(_l("Kind"), choices=labels.choices("rule_kind"))
    priority = IntegerField(_l("Order (lower runs first)"), default=100,
                            validators=[NumberRange(min=0, max=100000)])
    active = BooleanField(_l("Active"), default=True)
    executor_ids = MultiCheckboxField(_l("Executors"), coerce=int)
    industry_ids = IdMultiSelectField(_l("Industries (by industry specialisation)"), coerce=int)
    exhibition_ids = IdMultiSelectField(_l("Shows (by exhibition)"), coerce=int)


class CapForm(FlaskForm):
    daily_cap = IntegerField(_l("Daily cap"), validators=[Optional()])


class AbsenceForm(FlaskForm):
    executor_id = IntSelectField(_l("Executor"))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class HolidayForm(FlaskForm):
    name = StringField(_l("Holiday"), validators=[Length(max=60)])
    first_day = DateField(_l("First day"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional()])
    source = StringField(_l("Source (the notice)"), validators=[Length(max=200)])


class MakeUpDayForm(FlaskForm):
    day = DateField(_l("Working weekend day"), validators=[Optional()])
    name = StringField(_l("Name"), validators=[Length(max=60)])
    source = StringField(_l("Source (the notice)"), validators=[Length(max=200)])
