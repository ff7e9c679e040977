from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.web.forms import IntSelectField, VersionedForm

MEDIA_TYPE_LABELS = {
    "magazine": _l("Magazine"), "newspaper": _l("Newspaper"), "website": _l("Website"),
    "wechat": _l("WeChat account"), "video": _l("Video channel"),
    "association": _l("Association bulletin"), "other": _l("Other"),
}


class MediaForm(VersionedForm):
    """The media profile; `version` is the company's."""

    media_type = SelectField(_l("Type"), validate_choice=False,
                             choices=list(MEDIA_TYPE_LABELS.items()))
    industry_id = IntSelectField(_l("Industry"))
    circulation = StringField(_l("Circulation"), validators=[Optional(), Length(max=100)])
    wechat_account = StringField(_l("WeChat account"), validators=[Optional(), Length(max=100)])
    ad_rates = TextAreaField(_l("Advertising rates"), validators=[Optional(), Length(max=5000)])
    cooperation = TextAreaField(_l("Cooperation"), validators=[Optional(), Length(max=5000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class NewMediaForm(MediaForm):
    """A new media company: the company's essentials and its profile."""

    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=300)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=50)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    phones = TextAreaField(_l("Phones (one per line)"), validators=[Optional(), Length(max=2000)])
