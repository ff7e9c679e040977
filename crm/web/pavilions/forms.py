from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.web.forms import IntSelectField, VersionedForm
from crm.web.pickers import IdField


class PavilionForm(VersionedForm):
    name_zh = StringField(_l("Chinese name"), validators=[Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    country = StringField(_l("Country (ISO code)"), validators=[Length(max=2)],
                          render_kw={"maxlength": 2, "autocapitalize": "characters"})
    organizer_id = IdField(_l("Organizing body"), source="pavilion_organizers")
    pavilion_type = StringField(_l("Pavilion type"), validators=[Optional(), Length(max=50)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    status = StringField(_l("Status"), validators=[Optional(), Length(max=50)])
    owner_id = IntSelectField(_l("Owner"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
