from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from crm.web import labels
from crm.web.forms import IntSelectField, VersionedForm


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CompanyForm(VersionedForm):
    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=300)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    kinds = MultiCheckboxField(_l("Kinds"), choices=labels.choices(labels.KIND_LABELS))
    industry_id = IntSelectField(_l("Industry"))
    country = StringField(_l("Country (ISO code)"), default="CN", validators=[Length(max=2)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=50)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    phones = TextAreaField(_l("Phones (one per line)"), validators=[Optional(), Length(max=2000)])
    emails = TextAreaField(_l("E-mails (one per line)"), validators=[Optional(), Length(max=2000)])
    is_key_client = BooleanField(_l("Key client"))
    owner_id = IntSelectField(_l("Owner"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class AliasForm(VersionedForm):
    name = StringField(_l("Other name"), validators=[Length(min=1, max=300)])

