"""Forms of the visit pages: plan, delegate, cancel, and the visit report.

The report's numbers and dates are text inputs with `inputmode`/`type=date` for a phone's
keyboard; crm.services.visits reads them, so the web form and any other entry point share
one set of rules and messages.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.web.forms import IntSelectField


class PlanForm(FlaskForm):
    company_id = IntSelectField(_l("Client"), validators=[DataRequired()])
    planned_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                    validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    people = TextAreaField(_l("Whom we meet, who of ours goes"), validators=[Optional()])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional()])
    lead_id = HiddenField()


class DelegateForm(FlaskForm):
    visitor_id = IntSelectField(_l("Colleague who goes"), validators=[DataRequired()])
    delegation_note = StringField(_l("Why"), validators=[Optional(), Length(max=500)])


class CancelForm(FlaskForm):
    cancel_reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class ReferralForm(Form):
    company_name = StringField(_l("Referred company"))
    contact_name = StringField(_l("Contact person"))
    phone = StringField(_l("Phone"), render_kw={"inputmode": "tel", "type": "tel"})
    note = StringField(_l("Note"))


RATING_CHOICES = [("", "—"), ("A", _l("A: high value")), ("B", _l("B: medium")),
                  ("C", _l("C: low"))]


class ReportForm(FlaskForm):
    version = HiddenField()
    project_lead_name = StringField(_l("Client's project lead"),
                                    render_kw={"autocomplete": "off"})
    project_lead_role = StringField(_l("Their role"))
    project_lead_contact = StringField(_l("Their phone, WeChat or e-mail"),
                                       render_kw={"inputmode": "tel"})
    situation = TextAreaField(_l("Situation analysis"), render_kw={"rows": 4})
    budget_min = StringField(_l("Budget from (yuan)"), render_kw={"inputmode": "decimal"})
    budget_max = StringField(_l("Budget up to (yuan)"), render_kw={"inputmode": "decimal"})
    booth_area_m2 = StringField(_l("Booth size (m²)"), render_kw={"inputmode": "decimal"})
    shows_planned = TextAreaField(_l("Shows planned"), render_kw={"rows": 2})
    decision_process = TextAreaField(_l("Decision process"), render_kw={"rows": 2})
    competing_builders = TextAreaField(_l("Competing builders"), render_kw={"rows": 2})
    rating = SelectField(_l("Rating"), choices=RATING_CHOICES, validate_choice=False)
    value_note = TextAreaField(_l("Value analysis"), render_kw={"rows": 3})
    big_clients = TextAreaField(_l("The industry's big clients"), render_kw={"rows": 2})
    next_step = TextAreaField(_l("Next step"), render_kw={"rows": 2})
    next_step_due = StringField(_l("Next step by"), render_kw={"type": "date"})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*",
                                                        "capture": "environment"})
    floor_plan = MultipleFileField(_l("Floor plan"))
    exhibitor_list = MultipleFileField(_l("Exhibitor list"))
    other_files = MultipleFileField(_l("Other files"))
    referrals = FieldList(FormField(ReferralForm), min_entries=2)
