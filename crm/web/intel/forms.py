"""Forms of the field-intelligence pages; crm.services.field_intel checks the values."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from crm.models import IntelKind
from crm.services import field_intel
from crm.web.forms import IntSelectField
from crm.web.pickers import IdField

KIND_LABELS = {IntelKind.FLOOR_PLAN.value: _l("Floor plan"),
               IntelKind.EXHIBITOR_LIST.value: _l("Exhibitor list"),
               IntelKind.KEY_CLIENTS.value: _l("Key clients of the industry"),
               IntelKind.OTHER.value: _l("Other")}
STATUS_LABELS = {"new": _l("New"), "used": _l("Used"), "dismissed": _l("Dismissed")}


class IntelForm(FlaskForm):
    kind = SelectField(_l("Kind of information"), choices=[(k, KIND_LABELS[k]) for k in field_intel.KINDS])
    title = StringField(_l("Subject"), validators=[Length(max=200)])
    exhibition_id = IntSelectField(_l("Show"))
    company_id = IdField(_l("Through the client"), source="companies")
    company_names = TextAreaField(_l("Key clients' names, one per line"),
                                  validators=[Length(max=20000)])
    note = TextAreaField(_l("Note"), validators=[Length(max=field_intel.TEXT_MAX)])
    files = MultipleFileField(_l("Files"))


class ReviewForm(FlaskForm):
    status = SelectField(_l("Decision"), choices=[("used", _l("Used")),
                                                  ("dismissed", _l("Dismissed"))])
    review_note = TextAreaField(_l("Note"), validators=[Length(max=field_intel.TEXT_MAX)])


class FlagForm(FlaskForm):
    company_id = HiddenField()
