"""Forms of the lead pages; the services check the values, these only carry them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from crm.services import leads
from crm.web.forms import IntSelectField, VersionedForm
from crm.web.leads import labels
from crm.web.pickers import IdField


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (accept, assign automatically)."""


class NextStepForm(VersionedForm):
    next_step = TextAreaField(_l("Next step"), validators=[Length(max=leads.TEXT_MAX)])
    next_step_due = DateField(_l("Due on"), validators=[Optional()])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why you give it back"), validators=[Length(max=leads.TEXT_MAX)])


class ContactForm(FlaskForm):
    kind = SelectField(_l("Contact"), choices=labels.choices("contact"))
    at = DateTimeLocalField(_l("When (empty: now)"), validators=[Optional()],
                            format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])


class CloseForm(FlaskForm):
    close_reason = SelectField(_l("Reason"), choices=labels.choices("close_reason"))
    note = TextAreaField(_l("Note"), validators=[Length(max=leads.TEXT_MAX)])


class AssignForm(FlaskForm):
    executor_id = IntSelectField(_l("Executor"))
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=leads.TEXT_MAX)])
    force = BooleanField(_l("Exceed the daily cap"))


class RegisterForm(FlaskForm):
    company_id = IdField(_l("Company"), source="companies")
    source = SelectField(_l("Source"), choices=labels.choices("source", leads.REGISTERED_SOURCES))
    note = TextAreaField(_l("Note"), validators=[Length(max=leads.TEXT_MAX)])


class ResolveForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=labels.choices("decision"))
    note = StringField(_l("Note"), validators=[Length(max=leads.TEXT_MAX)])


class OverrideForm(FlaskForm):
    # The service checks the values (one rule, one place).
    classification = SelectField(_l("Classification"), choices=labels.choices("classification"),
                                 validate_choice=False)
    source = SelectField(_l("Source"), choices=labels.choices("source", blank=True),
                         validate_choice=False, default="")
    reason = TextAreaField(_l("Reason for the change"), validators=[Length(max=2000)])


class CooperationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=labels.choices("cooperation"))
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    amount = DecimalField(_l("Amount (CNY)"), places=2, validators=[Optional()])
    reference = StringField(_l("Contract number"), validators=[Length(max=100)])
    note = StringField(_l("Note"), validators=[Length(max=2000)])
