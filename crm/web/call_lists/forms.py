"""Forms of the call-list pages: the filters of a new list, giving a list to someone."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms import widgets
from wtforms.validators import Length, NumberRange, Optional

from crm.models import BoothType, ExhibitorOrigin
from crm.services.call_lists import DEFAULT_PRIORITY, PRIORITY_KEYS, ListFilters
from crm.web import labels
from crm.web.forms import IntSelectField
from crm.web.pickers import IdField

# Special build first: that is who the company builds for (DOMAIN.md).
BOOTH_TYPE_ORDER = (BoothType.SPECIAL, BoothType.RAW_SPACE, BoothType.STANDARD)
PRIORITY_LABELS = {
    "callback_due": _l("Callbacks due"),
    "show_date": _l("Show date (soonest first)"),
    "area": _l("Booth area (largest first)"),
    "special_build": _l("Special build first"),
    "key_client": _l("Key clients first"),
}
assert set(PRIORITY_LABELS) == set(PRIORITY_KEYS)
KEY_CLIENT_CHOICES = [("", _l("Any")), ("yes", _l("Key clients only")),
                      ("no", _l("No key clients"))]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PriorityField(Field):
    """The priority order: several selects of the same name, first to last, blanks dropped.

    The service checks the keys (each at most once); its error lands on this field.
    """

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if v]

    def _value(self):
        return self.data or []


class ListForm(FlaskForm):
    """A new list: its name, owner, filters (ListFilters) and priority order."""

    name = StringField(_l("List name"), validators=[Length(max=200)])
    owner_id = IntSelectField(_l("Give it to"))
    exhibition_id = IntSelectField(_l("Show"))
    industry_id = IntSelectField(_l("Industry"))
    booth_types = CheckboxesField(
        _l("Booth type"),
        choices=[(b.value, labels.BOOTH_TYPE_LABELS[b]) for b in BOOTH_TYPE_ORDER])
    halls = StringField(_l("Halls (comma separated)"), validators=[Length(max=500)])
    area_min = StringField(_l("Booth area from (m²)"), validators=[Length(max=20)],
                           render_kw={"inputmode": "decimal"})
    area_max = StringField(_l("Booth area to (m²)"), validators=[Length(max=20)],
                           render_kw={"inputmode": "decimal"})
    origins = CheckboxesField(
        _l("Domestic / foreign / agent"),
        choices=[(o.value, labels.ORIGIN_LABELS[o]) for o in ExhibitorOrigin])
    pavilion_id = IdField(_l("Country pavilion"), source="pavilions")
    not_called_days = IntegerField(_l("Not called in the last N days"),
                                   validators=[Optional(), NumberRange(min=0, max=3650)])
    no_open_lead = BooleanField(_l("Only companies without an open lead"), default=True)
    key_client = SelectField(_l("Key clients"), choices=KEY_CLIENT_CHOICES, validate_choice=False)
    limit = IntegerField(_l("At most this many companies"),
                         validators=[Optional(), NumberRange(min=1, max=200_000)])
    priority = PriorityField(_l("Calling order"), default=list(DEFAULT_PRIORITY))

    def filters(self) -> ListFilters:
        """The form's values as the service's filters (the service checks them)."""
        return ListFilters(
            exhibition_id=self.exhibition_id.data,
            industry_id=self.industry_id.data,
            booth_types=list(self.booth_types.data or []),
            halls=[h for h in (self.halls.data or "").replace("，", ",").split(",")],
            area_min=(self.area_min.data or "").strip() or None,
            area_max=(self.area_max.data or "").strip() or None,
            origins=list(self.origins.data or []),
            pavilion_id=self.pavilion_id.id_value,
            not_called_days=self.not_called_days.data,
            no_open_lead=bool(self.no_open_lead.data),
            key_client={"yes": True, "no": False}.get(self.key_client.data or ""),
            limit=self.limit.data)


class GiveForm(FlaskForm):
    owner_id = IntSelectField(_l("Give it to"))


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token of a button (close, build show-driven lists)."""


