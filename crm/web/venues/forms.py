from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.web.forms import VersionedForm
from crm.web.pickers import IdField

DECIMAL = {"inputmode": "decimal"}


class VenueForm(VersionedForm):
    name_zh = StringField(_l("Chinese name"), validators=[Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=60)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=50)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    indoor_area_m2 = StringField(_l("Indoor area m²"), render_kw=DECIMAL)
    operator_id = IdField(_l("Operator"), source="venue_operators")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class HallForm(VersionedForm):
    """A hall row; `version` is the venue's, so concurrent hall edits are caught."""

    name = StringField(_l("Hall"), validators=[Length(max=50)])
    area_m2 = StringField(_l("Area m²"), render_kw=DECIMAL)
    clear_height_m = StringField(_l("Clear height m"), render_kw=DECIMAL)
    floor_load_t_m2 = StringField(_l("Floor load t/m²"), render_kw=DECIMAL)
    column_grid = StringField(_l("Column grid"), validators=[Optional(), Length(max=100)])
    doors = StringField(_l("Doors"), validators=[Optional(), Length(max=200)])
    power = StringField(_l("Power"), validators=[Optional(), Length(max=200)])
    rigging = StringField(_l("Rigging"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class DeleteForm(VersionedForm):
    """Only the CSRF token and the venue's version."""
