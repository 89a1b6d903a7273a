"""Forms of the referral pages (rules are checked by the services; forms carry input and CSRF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..auth.forms import MultiCheckboxField
from ..i18n import LANGUAGES, NATIVE_NAMES
from . import labels
from .models import CONSENT_METHODS, PURPOSES


def _choices(codes, names, blank=False):
    out = [SelectChoice("", "—")] if blank else []
    return out + [SelectChoice(c, names[c]) for c in codes]


class ReferralForm(FlaskForm):
    to_centre = SelectField(_l("To the partner centre"), validate_choice=False)
    purpose = SelectField(_l("Purpose"), choices=_choices(PURPOSES, labels.PURPOSE), validate_choice=False)
    shared_fields = MultiCheckboxField(_l("What the partner will see"), validate_choice=False)
    case_ids = MultiCheckboxField(_l("Other persons of the group (optional)"), validate_choice=False)
    # The group picker (templates/macros.html case_picker): a search posted with the form.
    find = StringField(validators=[Optional(), Length(max=200)])
    picker = SubmitField()
    consent_given = SelectField(_l("The person consented to this referral"),
                                choices=[SelectChoice("", "—"), SelectChoice("yes", _l("Yes")),
                                         SelectChoice("no", _l("No"))], validate_choice=False)
    consent_date = DateField(_l("Date of consent"), validators=[Optional()])
    consent_method = SelectField(_l("How consent was given"), choices=_choices(CONSENT_METHODS, labels.CONSENT_METHOD, blank=True),
                                 validate_choice=False)
    guardian = StringField(_l("Parent or guardian who consented (for a child)"), validators=[Length(max=200)])
    override_reason = TextAreaField(_l("Without consent: the supervisor's reason for sending"), validators=[Length(max=2000)])
    # The legal ground: one of the grounds of the sender's law (centres/jurisdictions.py), chosen by the
    # sender (never pre-filled), or "other" with the ground written out; the text may add details.
    legal_ground_code = SelectField(_l("Legal ground for the transfer across the border"), validate_choice=False)
    legal_ground = StringField(_l("Other ground, or details"), validators=[Length(max=400)])
    message = TextAreaField(_l("Message to the partner"), validators=[Length(max=20000)])

    grounds: tuple = ()

    def set_grounds(self, grounds) -> None:
        """The grounds the sender's law offers (a jurisdiction profile's `legal_grounds`)."""
        self.grounds = tuple(grounds)
        self.legal_ground_code.choices = ([SelectChoice("", "—")] + [SelectChoice(g.code, g.label) for g in self.grounds]
                                          + [SelectChoice("other", _l("Other"))])

    def legal_ground_text(self) -> str:
        """What the partner reads: the chosen ground in the sender's words with its citation, and
        what was written beside it (or only what was written, for "other")."""
        chosen = next((g for g in self.grounds if g.code == self.legal_ground_code.data), None)
        written = (self.legal_ground.data or "").strip()
        if chosen is None:
            return written
        ground = f"{chosen.label} ({chosen.citation})" if chosen.citation else str(chosen.label)
        return f"{ground}; {written}" if written else ground

    def to_data(self, case_id: str) -> dict:
        given = {"yes": True, "no": False}.get(self.consent_given.data)
        return {"case_id": case_id, "case_ids": self.case_ids.data or [], "to_centre": self.to_centre.data,
                "purpose": self.purpose.data,
                "shared_fields": self.shared_fields.data or [],
                "consent": {"given": given, "date": self.consent_date.data.isoformat() if self.consent_date.data else None,
                            "method": self.consent_method.data or None, "guardian": self.guardian.data,
                            "override_reason": self.override_reason.data},
                "legal_ground": self.legal_ground_text(), "message": self.message.data,
                "legal_ground_code": self.legal_ground_code.data if self.legal_ground_code.data not in ("", "other") else None}


class ActionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=20000)])
    confirm = BooleanField()  # sending: "I have checked what will be shared" (views.act)


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Length(max=20000)])
    language = SelectField(_l("Written in"), choices=[SelectChoice(c, NATIVE_NAMES[c]) for c in LANGUAGES],
                           validate_choice=False)


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"))
