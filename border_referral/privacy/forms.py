from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length


class AccessReportForm(FlaskForm):
    language = SelectField(_l("Language of the report"))


class ReadsForm(FlaskForm):
    user_id = SelectField(_l("User"))
    date_from = StringField(_l("From"), validators=[Length(max=10)], render_kw={"type": "date"})
    date_to = StringField(_l("To"), validators=[Length(max=10)], render_kw={"type": "date"})
