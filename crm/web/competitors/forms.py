from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from crm.web.forms import VersionedForm

SCALE_LABELS = {"small": _l("Small"), "medium": _l("Medium"), "large": _l("Large")}


class CompetitorForm(VersionedForm):
    """The competitor profile; `version` is the company's."""

    scale = SelectField(_l("Scale"), validate_choice=False,
                        choices=[("", "—")] + list(SCALE_LABELS.items()))
    staff_count = StringField(_l("Staff"), render_kw={"inputmode": "numeric"})
    annual_revenue = StringField(_l("Annual revenue (CNY)"), render_kw={"inputmode": "decimal"})
    main_business = TextAreaField(_l("Main business"), validators=[Optional(), Length(max=5000)])
    main_industries = StringField(_l("Main industries"), validators=[Optional(), Length(max=300)])
    key_clients = TextAreaField(_l("Key clients"), validators=[Optional(), Length(max=5000)])
    workshop = StringField(_l("Workshop"), validators=[Optional(), Length(max=300)])
    strengths = TextAreaField(_l("Strengths"), validators=[Optional(), Length(max=5000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class NewCompetitorForm(CompetitorForm):
    """A new competitor: the company's essentials and its profile."""

    name_zh = StringField(_l("Chinese name"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=300)])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=50)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=50)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    phones = TextAreaField(_l("Phones (one per line)"), validators=[Optional(), Length(max=2000)])
