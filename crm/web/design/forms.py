"""Forms of the design-request pages; crm.services.design_requests checks the values."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.services import design_requests
from crm.web.forms import IntSelectField
from crm.web.pickers import IdField

TEXT_MAX = design_requests.TEXT_MAX


class RequestForm(FlaskForm):
    company_id = IdField(_l("Client"), source="companies")
    title = StringField(_l("Title (empty: the client's name)"), validators=[Length(max=200)])
    brief = TextAreaField(_l("Design brief"), validators=[Length(max=TEXT_MAX)])
    exhibition_id = IntSelectField(_l("Show (optional)"))
    show_starts_on = DateField(_l("Show date"), validators=[Optional()])
    booth_area_m2 = DecimalField(_l("Booth area (m²)"), places=2, validators=[Optional()])
    booth_size = StringField(_l("Booth size (e.g. 9m × 12m, two sides open)"),
                             validators=[Length(max=60)])
    budget_min = DecimalField(_l("Budget from (CNY)"), places=2, validators=[Optional()])
    budget_max = DecimalField(_l("Budget up to (CNY)"), places=2, validators=[Optional()])
    due_on = DateField(_l("Proposal due on"), validators=[Optional()])
    files = MultipleFileField(_l("Client's files (brief, floor plan, logo, references)"))


class TakeForm(FlaskForm):
    """Take a request from the queue (only the CSRF token)."""


class DeliverForm(FlaskForm):
    files = MultipleFileField(_l("Proposal files"))
    note = TextAreaField(_l("Note"), validators=[Length(max=TEXT_MAX)])


class ExplainForm(FlaskForm):
    explanation = TextAreaField(_l("Why no proposal was delivered by the due date"),
                                validators=[Length(max=TEXT_MAX)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why it is cancelled"), validators=[Length(max=TEXT_MAX)])
