from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n import LANGUAGES, NATIVE_NAMES
from .models import ROLES

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "caseworker": _l("Case worker"),
    "mdt": _l("Multidisciplinary team"),
    "secretariat": _l("Secretariat"),
    "viewer": _l("Viewer"),
    "supervisor": _l("Supervisor (may override missing consent)"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class EmptyForm(FlaskForm):
    """Buttons that only need CSRF protection (sign-out, revoke, ...)."""


class LanguageForm(FlaskForm):
    """The language switcher of every page: the button pressed (`lang`) and the page to go back to."""
    lang = StringField()
    next = StringField()


def _roles_field():
    return MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Length(max=200)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=1024)])
    roles = _roles_field()
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, NATIVE_NAMES[code]) for code in LANGUAGES])


class UserEditForm(FlaskForm):
    roles = _roles_field()
    active = BooleanField(_l("Account active"))
    version = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=100)])
    days = StringField(_l("Works for (days)"), default="90")  # checked by the service (1 to TOKEN_MAX_DAYS)
    scope = SelectField(_l("Access"), choices=[SelectChoice("read", _l("Read only")),
                                                SelectChoice("write", _l("Read and change"))], default="read")
    password = PasswordField(_l("Current password"))
    # asked (and checked by the service) only when the account has a second factor
    code = StringField(_l("Code from your authenticator app"), validators=[Length(max=40)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    """The second step of signing in: a code from the app, or a recovery code."""
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


class EnrolForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=40)])


class RecoveryCodesForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=40)])


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=40)])


class CentreSecurityForm(FlaskForm):
    require_two_factor = BooleanField(_l("Everyone of the centre signs in with a second factor"))
    version = HiddenField()
