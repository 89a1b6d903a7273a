"""Forms of the identification pages. Choices and rules are checked by the services (one set of
rules, translated messages); the forms only carry the input and the CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     SelectField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..auth.forms import MultiCheckboxField
from ..cases import labels as case_labels
from ..cases.models import EXPLOITATION_TYPES, REFERRAL_SOURCES, SEXES
from . import labels
from .models import ACTS, AGENCIES, INDICATORS, LANGUAGES, MEANS, NOT_VICTIM_OUTCOMES, OUTCOMES

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _choices(codes, names, blank=False):
    out = [SelectChoice("", "—")] if blank else []
    return out + [SelectChoice(c, names[c]) for c in codes]


def _when(label, description=None):
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[Optional()], description=description)


class InterpreterFields:
    interpreter_name = StringField(_l("Interpreter's name"), validators=[Length(max=200)])
    interpreter_language = SelectField(_l("Interpreter's language"),
                                       choices=_choices(LANGUAGES, labels.LANGUAGE, blank=True), validate_choice=False)
    interpreter_agency = StringField(_l("Interpreter's agency"), validators=[Length(max=200)])

    def interpreter_data(self) -> dict:
        return {"name": self.interpreter_name.data, "language": self.interpreter_language.data or None,
                "agency": self.interpreter_agency.data}


class CustodyFields:
    custody_started_at = _when(_l("Custody started"), _l("Local time at your centre."))
    court_extension_until = _when(_l("Court extension until"))  # its limit: views._cite_the_law
    court_order_number = StringField(_l("Court order number"), validators=[Length(max=200)])
    pre_shelter_from = DateField(_l("Pre-identification shelter from"), validators=[Optional()])

    def custody_data(self) -> dict:
        return {"custody_started_at": self.custody_started_at.data,
                "court_extension_until": self.court_extension_until.data,
                "court_order_number": self.court_order_number.data, "pre_shelter_from": self.pre_shelter_from.data}


class PrescreenForm(CustodyFields, InterpreterFields, FlaskForm):
    # Only when the person is not known yet (a case is opened with the pre-screening).
    full_name = StringField(case_labels.FIELDS["full_name"], validators=[Length(max=200)])
    latin_name = StringField(case_labels.FIELDS["latin_name"], validators=[Length(max=200)])
    sex = SelectField(case_labels.FIELDS["sex"], choices=_choices(SEXES, case_labels.SEX), validate_choice=False)
    age_estimate = IntegerField(case_labels.FIELDS["age_estimate"], validators=[Optional(), NumberRange(0, 120)])
    nationality = SelectField(case_labels.FIELDS["nationality"], validate_choice=False)

    source = SelectField(_l("Source"), choices=_choices(REFERRAL_SOURCES, case_labels.SOURCE, blank=True),
                         validate_choice=False)
    prescreened_at = _when(_l("Pre-screened at"))
    prescreen_place = StringField(_l("Place"), validators=[Length(max=200)])
    prescreened_by = StringField(_l("Pre-screened by (name and agency)"), validators=[Length(max=200)])
    prescreen_indicators = MultiCheckboxField(_l("Indicators observed"), choices=_choices(INDICATORS, labels.INDICATOR))
    first_account = TextAreaField(_l("The person's first account"), validators=[Length(max=20000)])
    language = SelectField(_l("Language of the person"), choices=_choices(LANGUAGES, labels.LANGUAGE, blank=True),
                           validate_choice=False)

    def person_data(self) -> dict:
        return {"full_name": self.full_name.data, "latin_name": self.latin_name.data, "sex": self.sex.data,
                "age_estimate": self.age_estimate.data, "nationality": self.nationality.data}

    def to_data(self) -> dict:
        return {"source": self.source.data or None, "prescreened_at": self.prescreened_at.data,
                "prescreen_place": self.prescreen_place.data, "prescreened_by": self.prescreened_by.data,
                "prescreen_indicators": self.prescreen_indicators.data or [],
                "first_account": self.first_account.data, "language": self.language.data or None,
                "interpreter": self.interpreter_data(),
                **self.custody_data()}


class CustodyForm(CustodyFields, FlaskForm):
    custody_ended_at = _when(_l("Custody ended"))
    version = HiddenField()

    def to_data(self) -> dict:
        return {**self.custody_data(), "custody_ended_at": self.custody_ended_at.data}


class IndicatorForm(Form):
    code = HiddenField()
    value = SelectField(choices=_choices(("unknown", "observed", "not_observed"), labels.INDICATOR_VALUE),
                        validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=2000)])


class InterviewForm(InterpreterFields, FlaskForm):
    interview_at = _when(_l("Interview started"))
    interview_ended_at = _when(_l("Interview ended"))
    interview_place = StringField(_l("Place"), validators=[Length(max=200)])
    language = SelectField(_l("Language used"), choices=_choices(LANGUAGES, labels.LANGUAGE, blank=True),
                           validate_choice=False)
    rights_informed_at = _when(_l("Rights explained at"))  # the law's section: views._cite_the_law
    rights_language = SelectField(_l("Rights explained in"), choices=_choices(LANGUAGES, labels.LANGUAGE, blank=True),
                                  validate_choice=False)
    interview_consent = SelectField(_l("The person consented to the interview"),
                                    choices=[SelectChoice("", "—"), SelectChoice("yes", _l("Yes")),
                                             SelectChoice("no", _l("No"))], validate_choice=False)
    indicators = FieldList(FormField(IndicatorForm), min_entries=len(INDICATORS), max_entries=len(INDICATORS))
    exploitation_types = MultiCheckboxField(_l("Purpose: exploitation types"),
                                            choices=_choices(EXPLOITATION_TYPES, case_labels.EXPLOITATION))
    acts = MultiCheckboxField(_l("Act"), choices=_choices(ACTS, labels.ACT))
    means = MultiCheckboxField(_l("Means"), choices=_choices(MEANS, labels.MEANS))
    narrative = TextAreaField(_l("Interview narrative"), validators=[Length(max=20000)])
    version = HiddenField()

    def prepare(self) -> None:
        for entry, code in zip(self.indicators, INDICATORS):
            entry.form.code.data = code
            entry.form.value.label.text = labels.INDICATOR[code]

    def to_data(self) -> dict:
        indicators = {}
        for entry, code in zip(self.indicators, INDICATORS):
            value = entry.form.value.data or "unknown"
            note = (entry.form.note.data or "").strip()
            indicators[code] = {"value": value, "note": note} if note else value
        return {"interview_at": self.interview_at.data, "interview_ended_at": self.interview_ended_at.data,
                "interview_place": self.interview_place.data, "language": self.language.data or None,
                "interpreter": self.interpreter_data(),
                "rights_informed_at": self.rights_informed_at.data, "rights_language": self.rights_language.data or None,
                "interview_consent": self.interview_consent.data or None, "indicators": indicators,
                "exploitation_types": self.exploitation_types.data or [], "acts": self.acts.data or [],
                "means": self.means.data or [], "narrative": self.narrative.data}


class MemberForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    agency = SelectField(_l("Agency"), choices=_choices(AGENCIES, labels.AGENCY, blank=True), validate_choice=False)
    role = StringField(_l("Role"), validators=[Length(max=200)])


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=_choices(OUTCOMES, labels.OUTCOME, blank=True), validate_choice=False)
    reasons = TextAreaField(_l("Reasons"), validators=[Length(max=20000)])
    decided_at = _when(_l("Decided at"))
    members = FieldList(FormField(MemberForm), min_entries=6, max_entries=30)
    shelter_id = SelectField(_l("Shelter placement"), validate_choice=False)
    not_victim_outcome = SelectField(_l("If not a victim"),
                                     choices=_choices(NOT_VICTIM_OUTCOMES, labels.NOT_VICTIM_OUTCOME, blank=True),
                                     validate_choice=False)
    change_reason = TextAreaField(_l("Reason for changing the earlier decision"), validators=[Length(max=20000)])
    version = HiddenField()

    def filled_members(self) -> list:
        """The member rows with a name or an agency (empty rows of the table are not members)."""
        return [e for e in self.members if (e.form.name.data or "").strip() or e.form.agency.data]

    def to_data(self) -> dict:
        return {"version": self.version.data, "outcome": self.outcome.data or None, "reasons": self.reasons.data, "decided_at": self.decided_at.data,
                "members": [{"name": e.form.name.data, "agency": e.form.agency.data, "role": e.form.role.data}
                            for e in self.filled_members()],
                "shelter_id": self.shelter_id.data or None, "not_victim_outcome": self.not_victim_outcome.data or None,
                "change_reason": self.change_reason.data}


class ShelterForm(FlaskForm):
    name = StringField(_l("Name of the shelter"), validators=[Length(max=200)])


class ShelterToggleForm(FlaskForm):
    """Activate ("1") or deactivate ("0") one shelter of the list."""
    active = HiddenField()


class SettingsAction(FlaskForm):
    """Which of the settings forms was posted (their buttons carry a hidden `action`)."""
    class Meta:
        csrf = False  # each settings form checks its own token
    action = HiddenField()


class RequiredMembersForm(FlaskForm):
    required_agencies = MultiCheckboxField(_l("Agencies a decision needs"), choices=_choices(AGENCIES, labels.AGENCY))
