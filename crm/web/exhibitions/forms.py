from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.models import ValueRating
from crm.web import labels
from crm.web.forms import IntSelectField, VersionedForm
from crm.web.pickers import IdField


class ExhibitionForm(VersionedForm):
    name_zh = StringField(_l("Chinese name"), validators=[Length(max=300)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=300)])
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "maxlength": 4})
    starts_on = DateField(_l("Opens on"), validators=[Optional()])
    ends_on = DateField(_l("Closes on"), validators=[Optional()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    venue_id = IdField(_l("Venue"), source="venues")
    halls = StringField(_l("Halls"), validators=[Optional(), Length(max=300)])
    organizer_id = IdField(_l("Organizer"), source="organizers")
    industry_id = IntSelectField(_l("Industry"))
    region = StringField(_l("Region"), validators=[Optional(), Length(max=50)])
    value_rating = SelectField(_l("Value rating"), validate_choice=False,
                               choices=[("", "—")] + [(r.value, r.value) for r in ValueRating])
    value_note = TextAreaField(_l("Why this rating"), validators=[Optional(), Length(max=5000)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class ParticipationForm(VersionedForm):
    company_id = IdField(_l("Exhibitor"), source="companies")
    booth_no = StringField(_l("Booth"), validators=[Optional(), Length(max=50)])
    hall = StringField(_l("Hall"), validators=[Optional(), Length(max=50)])
    area_m2 = StringField(_l("Area m²"), render_kw={"inputmode": "decimal"})
    booth_type = SelectField(_l("Booth type"), validate_choice=False,
                             choices=labels.choices(labels.BOOTH_TYPE_LABELS, blank=True))
    origin = SelectField(_l("Origin"), validate_choice=False,
                         choices=labels.choices(labels.ORIGIN_LABELS, blank=True))
    pavilion_id = IdField(_l("Country pavilion"), source="pavilions")
    builder_id = IdField(_l("Booth builder"), source="competitors")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class DeleteForm(VersionedForm):
    """Only the CSRF token and the version of the record to delete."""
