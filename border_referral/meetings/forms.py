"""Forms of the meeting pages. They carry the input (and the CSRF token) under the field names the
pages have always posted; every rule is checked by the services, whose refusals are shown under the
field they name (so no choice or format is refused here in words of WTForms' own)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..i18n import LANGUAGES, NATIVE_NAMES
from . import labels
from .models import ITEM_TYPES

LANGUAGE_CHOICES = [SelectChoice(code, NATIVE_NAMES[code]) for code in LANGUAGES]


def _blank(value):
    """What the services take for "not given"."""
    return value or None


class MeetingForm(FlaskForm):
    partnership = SelectField(_l("Partnership"), validate_choice=False)
    starts_at = StringField(_l("Date and time"), render_kw={"type": "datetime-local"})
    number = StringField(_l("Number in the series (optional)"), render_kw={"type": "number", "min": 1})
    venue = StringField(_l("Venue"))
    chair_name = StringField(_l("Chair"))
    chair_centre = SelectField(_l("Centre"), validate_choice=False)

    def to_data(self) -> dict:
        return {"partnership": self.partnership.data, "starts_at": self.starts_at.data, "venue": self.venue.data,
                "number": _blank(self.number.data),
                "chair": {"name": _blank(self.chair_name.data), "centre": _blank(self.chair_centre.data)}}


class ChairForm(FlaskForm):
    """The host's record of who chairs the meeting."""
    chair_name = StringField(_l("Chair"))
    chair_centre = SelectField(_l("Centre"), validate_choice=False)
    version = HiddenField()

    def to_data(self) -> dict:
        return {"chair": {"name": _blank(self.chair_name.data), "centre": _blank(self.chair_centre.data)},
                "version": self.version.data}


class ProposeForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 2})
    type = SelectField(_l("Type"), choices=[SelectChoice(t, labels.ITEM_TYPE[t]) for t in ITEM_TYPES],
                       validate_choice=False)
    language = SelectField(_l("Written in"), choices=LANGUAGE_CHOICES, validate_choice=False)
    references = StringField(_l("Case or referral numbers (no names)"))

    def to_data(self) -> dict:
        translations = {lang: {"title": self[f"title_{lang}"].data, "description": self[f"description_{lang}"].data}
                        for lang in LANGUAGES if (self[f"title_{lang}"].data or "").strip()}
        return {"title": self.title.data, "description": self.description.data, "type": self.type.data,
                "language": _blank(self.language.data), "references": self.references.data or "",
                "translations": translations}


for _lang in LANGUAGES:  # the title (and description) in the other languages of the meeting: title-th, ...
    setattr(ProposeForm, f"title_{_lang}", StringField(NATIVE_NAMES[_lang], name=f"title-{_lang}",
                                                       render_kw={"lang": _lang}))
    setattr(ProposeForm, f"description_{_lang}", StringField(NATIVE_NAMES[_lang], name=f"description-{_lang}"))


class ParticipantForm(FlaskForm):
    centre = SelectField(_l("Delegation"), validate_choice=False, id="p-centre")
    name = StringField(_l("Name"), id="p-name")
    position = StringField(_l("Position"), id="p-position")
    agency = StringField(_l("Agency"), id="p-agency")

    def to_data(self) -> dict:
        return {"centre": self.centre.data, "name": self.name.data, "position": self.position.data,
                "agency": self.agency.data}


class MinutesForm(FlaskForm):
    """The minutes; the discussion and resolution of each agenda entry (and their translations) are
    added per meeting by `minutes_form`: discussion-<key>, resolution-<key>, discussion-<key>-<lang>."""
    opened_at = StringField(_l("Opened at (HH:MM)"))
    closed_at = StringField(_l("Closed at (HH:MM)"))
    language = SelectField(_l("Written in"), choices=LANGUAGE_CHOICES, validate_choice=False, id="m-language")
    others_attending = StringField(_l("Others attending"))
    recorder = StringField(_l("Recorder"))
    checker = StringField(_l("Checker"))
    version = HiddenField()
    keys: tuple[str, ...] = ()

    def fill(self, minutes, items: dict) -> None:
        """The saved minutes into the form (for editing)."""
        self.version.data = minutes.version
        for name in ("opened_at", "closed_at", "language", "others_attending", "recorder", "checker"):
            self[name].data = getattr(minutes, name)
        for key in self.keys:
            entry = items.get(key) or {}
            for part in ("discussion", "resolution"):
                self[f"{part}-{key}"].data = entry.get(part, "")
                for lang in LANGUAGES:
                    self[f"{part}-{key}-{lang}"].data = (entry.get("translations") or {}).get(lang, {}).get(part, "")

    def to_data(self) -> dict:
        items = {}
        for key in self.keys:
            text = {part: self[f"{part}-{key}"].data or "" for part in ("discussion", "resolution")}
            translations = {lang: {part: self[f"{part}-{key}-{lang}"].data or "" for part in ("discussion", "resolution")}
                            for lang in LANGUAGES}
            translations = {lang: t for lang, t in translations.items() if any(v.strip() for v in t.values())}
            if any(v.strip() for v in text.values()) or translations:
                items[key] = {**text, "translations": translations}
        return {"language": self.language.data, "opened_at": self.opened_at.data, "closed_at": self.closed_at.data,
                "recorder": self.recorder.data, "checker": self.checker.data,
                "others_attending": self.others_attending.data, "items": items, "version": self.version.data}


def minutes_form(keys, **kw) -> MinutesForm:
    """The minutes form for a meeting whose agenda has these entries (AgendaEntry.key)."""
    fields = {"keys": tuple(keys)}
    for key in keys:
        for part, label in (("discussion", _("Discussion")), ("resolution", _("Resolution"))):
            fields[f"{part}-{key}"] = TextAreaField(label, render_kw={"rows": 2})
            for lang in LANGUAGES:
                fields[f"{part}-{key}-{lang}"] = TextAreaField(f"{label} · {NATIVE_NAMES[lang]}",
                                                               render_kw={"rows": 2, "lang": lang})
    return type("MeetingMinutesForm", (MinutesForm,), fields)(**kw)


class ActionForm(FlaskForm):
    title = StringField(_l("Action"), id="a-title")
    owner_centre = SelectField(_l("Owner centre"), validate_choice=False, id="a-owner")
    due = StringField(_l("Due"), render_kw={"type": "date"}, id="a-due")
    agenda_item = HiddenField()

    def to_data(self) -> dict:
        return {"title": self.title.data, "owner_centre": self.owner_centre.data, "due": self.due.data,
                "agenda_item": _blank(self.agenda_item.data)}


class RowForm(FlaskForm):
    """A small form in a row of the meeting page (a button, a select): a refusal is said in a message."""


class ConfirmForm(RowForm):
    """A button: open or close the agenda, the meeting was held, the minutes checked or adopted."""


class ItemForm(RowForm):
    """The host's decision on a proposed item: place it (section, position), merge it (into), defer it..."""
    section = StringField()
    position = StringField()
    into = StringField()


class AttendanceForm(RowForm):
    attendance = StringField()


class ActionUpdateForm(RowForm):
    status = StringField()
    note = StringField()
    version = StringField()

    def to_data(self) -> dict:
        return {"status": self.status.data, "note": self.note.data, "version": self.version.data}
