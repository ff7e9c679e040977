"""Forms of the import wizard: the upload, and the sheet/mapping/show step."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from crm.importers.mapping import FIELDS


class UploadForm(FlaskForm):
    kind = SelectField(_l("What is in the file"), choices=[
        ("catalogue", _l("Show catalogue (exhibitors)")), ("contacts", _l("Business cards"))])
    file = FileField(_l("File (.xlsx, .xls or .csv)"), validators=[FileRequired()])


class MappingForm(FlaskForm):
    sheet = SelectField(_l("Sheet"), choices=[], validate_choice=False)
    exhibition = StringField(_l("Show name"), validators=[Optional(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1950, 2100)])


def mapping_form(headers: list[str], formdata=None, **data) -> MappingForm:
    """The mapping form with one select per field, listing the file's headers."""
    choices = [("", "—")] + [(str(i), h or f"#{i + 1}") for i, h in enumerate(headers)]

    class _Form(MappingForm):
        pass

    for name, spec in FIELDS.items():
        setattr(_Form, f"f_{name}", SelectField(_l(spec.label), choices=choices,
                                                validate_choice=False, default=""))
    return _Form(formdata=formdata, **data)
