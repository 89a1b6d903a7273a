from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..auth.forms import MultiCheckboxField

TIMEZONES = ["Asia/Bangkok", "Asia/Yangon", "Asia/Vientiane"]


class NamedForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=24)])
    name_th = StringField(_l("Name in Thai"), validators=[Length(max=300)])
    name_my = StringField(_l("Name in Burmese"), validators=[Length(max=300)])
    name_lo = StringField(_l("Name in Lao"), validators=[Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=300)])
    active = BooleanField(_l("Active"), default=True)
    version = HiddenField()


class CrossingForm(NamedForm):
    country_a = SelectField(_l("Country"))
    country_b = SelectField(_l("Country"))


class CentreForm(NamedForm):
    country_code = SelectField(_l("Country"))
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(tz) for tz in TIMEZONES])
    crossings = MultiCheckboxField(_l("Crossing points"))


class PartnershipForm(NamedForm):
    members = MultiCheckboxField(_l("Member centres"))
