from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.web.forms import VersionedForm
from crm.web.pickers import IdField


class ContactForm(VersionedForm):
    company_id = IdField(_l("Company"), source="companies")
    name = StringField(_l("Name"), validators=[Length(max=100)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=100)])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=100)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=60)],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    landline = StringField(_l("Landline"), validators=[Optional(), Length(max=60)],
                           render_kw={"inputmode": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)],
                        render_kw={"inputmode": "email", "autocomplete": "off"})
    wechat = StringField(_l("WeChat"), validators=[Optional(), Length(max=100)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class DeleteForm(VersionedForm):
    """Only the CSRF token and the version of the record to delete."""
