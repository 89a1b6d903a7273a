"""Forms of the repatriation pages. They carry the input (and the CSRF token) under the field names the
pages have always posted; every rule is checked by the services, whose refusals are shown on the form
they came from (so no choice or format is refused here in words of WTForms' own)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField

from ..auth.forms import MultiCheckboxField

SIDES = ("sending", "receiving")
OFFICIAL_ROWS = 3  # officials per side read from the handover form (the page shows two)


def _blank(value):
    """What the services take for "not given"."""
    return value or None


class PlanForm(FlaskForm):
    """A new plan. `case_ids` and the search (`find`, the button `picker`) are drawn by the shared
    picker (templates/macros.html case_picker)."""
    case_ids = MultiCheckboxField(validate_choice=False)
    find = StringField()
    picker = SubmitField()
    to_centre = SelectField(_l("Home-country partner centre"), validate_choice=False)
    crossing = SelectField(_l("Crossing point"), validate_choice=False)
    planned_date = StringField(_l("Planned handover date"), render_kw={"type": "date"})

    def searching(self) -> bool:
        """The form was posted by the picker's search button: show it again, save nothing."""
        return bool(self.is_submitted() and self.picker.data)

    def to_data(self) -> dict:
        return {"case_ids": self.case_ids.data or [], "to_centre": self.to_centre.data,
                "crossing": _blank(self.crossing.data), "planned_date": _blank(self.planned_date.data)}


class StepForm(FlaskForm):
    """One step of the checklist; which details are read depends on the step. The travel documents
    of the nationality verification (doc-<case number>-type, -number, -expiry) are added per posted
    case number by `step_form`."""
    version = HiddenField()
    state = SelectField(_l("Result"), validate_choice=False)
    note = TextAreaField(_l("Note"))
    alternative = TextAreaField(_l("If failed: the alternative for the person (the plan stops)"))
    assessment = SelectField(_l("Assessment"), validate_choice=False)
    conditions = StringField(_l("Conditions"))
    clearance = SelectField(_l("Clearance"), validate_choice=False)
    date = StringField(_l("Date"), render_kw={"type": "date"})
    language = StringField(_l("Language"))
    interpreter = StringField(_l("Interpreter"))
    crossing = SelectField(_l("Crossing point"), validate_choice=False)
    escorts = TextAreaField(_l("Escorts (one per line)"))
    persons = SelectMultipleField(validate_choice=False)
    numbers: tuple[str, ...] = ()

    def doc(self, number: str, part: str):
        name = f"doc-{number}-{part}"
        return self[name] if name in self else None

    def details(self, key: str) -> dict:
        if key == "family_assessment":
            return {"assessment": _blank(self.assessment.data), "conditions": self.conditions.data}
        if key == "nationality_verification":
            docs = {}
            for number in self.persons.data or []:
                kind = self.doc(number, "type")
                if kind is not None and kind.data:
                    docs[number] = {"type": kind.data, "number": self.doc(number, "number").data,
                                    "expiry": _blank(self.doc(number, "expiry").data)}
            return {"documents": docs}
        if key == "consent":
            return {"date": _blank(self.date.data), "language": self.language.data,
                    "interpreter": self.interpreter.data}
        if key == "legal_clearance":
            return {"clearance": _blank(self.clearance.data)}
        if key == "arrangements":
            return {"date": _blank(self.date.data), "crossing": _blank(self.crossing.data),
                    "escorts": self.escorts.data or ""}
        return {}

    def to_data(self, key: str) -> dict:
        return {"state": self.state.data, "note": self.note.data, "details": self.details(key),
                "alternative": self.alternative.data, "version": self.version.data}


def step_form(numbers=None) -> StepForm:
    """The step form, with the travel-document fields of these case numbers (those posted in
    `persons`; at most 100)."""
    if numbers is None:
        numbers = StepForm().persons.data or []
    numbers = tuple(dict.fromkeys(str(n) for n in numbers if n))[:100]
    fields: dict = {"numbers": numbers}
    for n in numbers:
        fields[f"doc-{n}-type"] = StringField(_l("Travel document"))
        fields[f"doc-{n}-number"] = StringField(_l("Number"))
        fields[f"doc-{n}-expiry"] = StringField(_l("Expiry"))
    return type("RepatriationStepForm", (StepForm,), fields)()


class EscortForm(FlaskForm):
    name = StringField(_l("Name"))
    relation = StringField(_l("Relation"))

    def to_data(self) -> dict:
        return {"name": self.name.data, "relation": self.relation.data}


class HandoverForm(FlaskForm):
    """The handover; the officials' rows are <side>-<i>-name, -position, -agency, -country, and the
    signatures drawn on screen come as PNG data URLs in signature-sending and signature-receiving.
    A refusal about the officials, the signatures or the persons (no one input of the form) is kept
    in `refusals` and shown where the page shows those (views._refused)."""
    REFUSAL_PLACES = ("officials", "signatures", "persons")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusals: dict[str, list[str]] = {}
    handed_over_at = StringField(_l("Date and time"), render_kw={"type": "datetime-local"})
    crossing = SelectField(_l("Crossing point"), validate_choice=False)
    belongings = TextAreaField(_l("Belongings handed over"))
    documents = TextAreaField(_l("Documents handed over"))

    def official(self, side: str, i: int, part: str):
        return self[f"{side}-{i}-{part}"]

    def signature(self, side: str):
        return self[f"signature-{side}"]

    def to_data(self) -> dict:
        officials = []
        for side in SIDES:
            for i in range(OFFICIAL_ROWS):
                name = (self.official(side, i, "name").data or "").strip()
                if name:
                    officials.append({"name": name, "position": self.official(side, i, "position").data,
                                      "agency": self.official(side, i, "agency").data,
                                      "country": self.official(side, i, "country").data, "side": side})
        signatures = {side: self.signature(side).data for side in SIDES if self.signature(side).data}
        return {"handed_over_at": self.handed_over_at.data, "crossing": self.crossing.data, "officials": officials,
                "belongings": self.belongings.data, "documents": self.documents.data, "signatures": signatures}


for _side in SIDES:
    for _i in range(OFFICIAL_ROWS):
        for _part, _label in (("name", _l("Name")), ("position", _l("Position")), ("agency", _l("Agency")),
                              ("country", None)):
            setattr(HandoverForm, f"{_side}-{_i}-{_part}", StringField(_label))
    setattr(HandoverForm, f"signature-{_side}", HiddenField())


class ReceptionForm(FlaskForm):
    facility = StringField(_l("Reception facility"))
    stay_until = StringField(_l("Stay until"), render_kw={"type": "date"})
    note = TextAreaField(_l("Note"))

    def to_data(self) -> dict:
        return {"facility": self.facility.data, "stay_until": _blank(self.stay_until.data), "note": self.note.data}


class FollowUpForm(FlaskForm):
    report = TextAreaField(_l("Report"))


class ManifestForm(FlaskForm):
    """The button that sends the manifest (nothing but the CSRF token)."""
