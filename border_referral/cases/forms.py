from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..auth.forms import MultiCheckboxField
from . import labels
from .models import ERASE_REASONS, EXPLOITATION_TYPES, REFERRAL_SOURCES, SEXES, STATUSES


def _choices(codes, names, blank=False):
    out = [SelectChoice("", "—")] if blank else []
    return out + [SelectChoice(c, names[c]) for c in codes]


class IdDocumentForm(Form):
    type = SelectField(_l("Type"), choices=_choices(labels.ID_TYPES, labels.ID_TYPES), validate_choice=False)
    number = StringField(_l("Number"), validators=[Length(max=200)])
    country = StringField(_l("Issuing country (code)"), validators=[Length(max=2)])


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    relation = StringField(_l("Relation"), validators=[Length(max=200)])
    phone = StringField(_l("Telephone"), validators=[Length(max=200)])


class CaseForm(FlaskForm):
    # Choices are checked by the case service (one set of rules, translated messages), not here.
    full_name = StringField(labels.FIELDS["full_name"], validators=[Length(max=200)])
    latin_name = StringField(labels.FIELDS["latin_name"], validators=[Length(max=200)])
    aliases = TextAreaField(labels.FIELDS["aliases"], description=_l("One per line."))
    # No default: a person's sex is asked, never assumed (the service refuses a blank one).
    sex = SelectField(labels.FIELDS["sex"], choices=_choices(SEXES, labels.SEX, blank=True), validate_choice=False)
    date_of_birth = DateField(labels.FIELDS["date_of_birth"], validators=[Optional()])
    age_estimate = IntegerField(labels.FIELDS["age_estimate"], validators=[Optional(), NumberRange(0, 120)])
    nationality = SelectField(labels.FIELDS["nationality"], validate_choice=False)
    ethnicity = StringField(labels.FIELDS["ethnicity"], validators=[Length(max=200)])
    languages = TextAreaField(labels.FIELDS["languages"], description=_l("One per line."))
    id_documents = FieldList(FormField(IdDocumentForm), min_entries=2, max_entries=10)
    village = StringField(_l("Village"), validators=[Length(max=200)])
    district = StringField(_l("Township or district"), validators=[Length(max=200)])
    province = StringField(_l("Province or state"), validators=[Length(max=200)])
    family_contacts = FieldList(FormField(ContactForm), min_entries=2, max_entries=10)
    referral_source = SelectField(labels.FIELDS["referral_source"], choices=_choices(REFERRAL_SOURCES, labels.SOURCE, blank=True), validate_choice=False)
    found_date = DateField(labels.FIELDS["found_date"], validators=[Optional()])
    found_place = StringField(labels.FIELDS["found_place"], validators=[Length(max=200)])
    exploitation_types = MultiCheckboxField(labels.FIELDS["exploitation_types"], choices=_choices(EXPLOITATION_TYPES, labels.EXPLOITATION))
    narrative = TextAreaField(labels.FIELDS["narrative"])
    status = SelectField(labels.FIELDS["status"], choices=_choices(STATUSES, labels.STATUS), validate_choice=False)
    assigned_to = SelectField(labels.FIELDS["assigned_to"], validate_choice=False)
    shelter = StringField(labels.FIELDS["shelter"], validators=[Length(max=200)])
    health = TextAreaField(labels.FIELDS["health"])
    sexual_exploitation = TextAreaField(labels.FIELDS["sexual_exploitation"])
    version = HiddenField()
    attachment = FileField(_l("A document to attach (optional)"))  # a new case only (views.new)

    def to_data(self, allowed: set[str]) -> dict:
        """The form as the flat mapping the case service takes (only fields the user may edit)."""
        d = {
            "full_name": self.full_name.data, "latin_name": self.latin_name.data,
            "aliases": self.aliases.data or "", "sex": self.sex.data,
            "date_of_birth": self.date_of_birth.data, "age_estimate": self.age_estimate.data,
            "nationality": self.nationality.data, "ethnicity": self.ethnicity.data,
            "languages": self.languages.data or "",
            "id_documents": [{"type": e.form.type.data, "number": e.form.number.data,
                              "country": (e.form.country.data or "").upper() or None}
                             for e in self.id_documents if (e.form.number.data or "").strip()],
            "home_address": {"village": self.village.data, "district": self.district.data, "province": self.province.data},
            "family_contacts": [{"name": e.form.name.data, "relation": e.form.relation.data, "phone": e.form.phone.data}
                                for e in self.family_contacts if any([e.form.name.data, e.form.relation.data, e.form.phone.data])],
            "referral_source": self.referral_source.data or None, "found_date": self.found_date.data,
            "found_place": self.found_place.data, "exploitation_types": self.exploitation_types.data or [],
            "narrative": self.narrative.data, "status": self.status.data,
            "assigned_to": self.assigned_to.data or None, "shelter": self.shelter.data,
            "health": self.health.data, "sexual_exploitation": self.sexual_exploitation.data,
        }
        from .models import Case

        return {k: v for k, v in d.items() if k not in Case.__encrypted__ or k in allowed}

    def fill(self, case, values: dict) -> None:
        """Put a case's current values into the form (for editing)."""
        from datetime import date

        self.sex.data, self.nationality.data, self.status.data = case.sex, case.nationality, case.status
        self.referral_source.data = case.referral_source or ""
        self.exploitation_types.data = case.exploitation_types
        self.assigned_to.data = case.assigned_to_id or ""
        self.version.data = case.version
        for key in ("full_name", "latin_name", "ethnicity", "found_place", "narrative", "shelter", "health",
                    "sexual_exploitation", "age_estimate"):
            if key in values:
                getattr(self, key).data = values[key]
        for key in ("aliases", "languages"):
            if key in values:
                getattr(self, key).data = "\n".join(values[key] or [])
        for key in ("date_of_birth", "found_date"):
            if values.get(key):
                getattr(self, key).data = date.fromisoformat(values[key])
        address = values.get("home_address") or {}
        self.village.data, self.district.data, self.province.data = (address.get(k) for k in ("village", "district", "province"))
        docs = values.get("id_documents") or []
        while len(self.id_documents) < len(docs) + 1 and len(self.id_documents) < 10:
            self.id_documents.append_entry()
        for entry, doc in zip(self.id_documents, docs):
            f = entry.form
            f.type.data, f.number.data, f.country.data = doc.get("type") or "other", doc.get("number"), doc.get("country") or ""
        contacts = values.get("family_contacts") or []
        while len(self.family_contacts) < len(contacts) + 1 and len(self.family_contacts) < 10:
            self.family_contacts.append_entry()
        for entry, c in zip(self.family_contacts, contacts):
            entry.form.name.data, entry.form.relation.data, entry.form.phone.data = c.get("name"), c.get("relation"), c.get("phone")


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"), validators=[Length(max=20000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"))


class SearchForm(FlaskForm):
    q = StringField(_l("Name, identity number or case number"), validators=[Length(max=200)])


class EraseForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=_choices(ERASE_REASONS, labels.ERASE_REASON, blank=True))
