"""Checking case input. Every refusal names its field and says what is wrong in the user's
language; nothing is written until all of the input is valid."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from .. import inputs
from ..errors import ValidationError
from .models import EXPLOITATION_TYPES, ID_TYPES, REFERRAL_SOURCES, SEXES, STATUSES

MAX_TEXT = 200
MAX_LONG = 20000


def countries() -> frozenset[str]:
    """The nationalities a case may hold besides unknown and stateless: real ISO 3166-1 countries
    (i18n.places), not CLDR's test locales or groupings such as EU or UN."""
    from ..i18n.places import COUNTRIES

    return COUNTRIES


# The text checks every feature shares live in inputs; the names below are kept for this module.
_plain, _text, _choice, _text_list = inputs.plain, inputs.text, inputs.choice, inputs.text_list


def _date(data, field, *, today: date):
    """A past date of the person's life (birth, found), kept as YYYY-MM-DD text in the sealed fields."""
    parsed = inputs.day(data, field, first_year=1900, not_after=today)
    return parsed.isoformat() if parsed else None


def _age(data, field):
    value = data.get(field)
    if value in (None, ""):
        return None
    try:
        age = int(value)
        if isinstance(value, float) and value != age:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError(_l("Enter the age in whole years."), field=field) from None
    if not 0 <= age <= 120:
        raise ValidationError(_l("Enter an age between 0 and 120."), field=field)
    return age


def _nationality(data, field, required):
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError(_l("This field is required."), field=field)
        return None
    value = str(value).strip()
    if value in ("stateless", "unknown"):
        return value
    if value.upper() in countries():
        return value.upper()
    raise ValidationError(_l("Enter a country code (ISO 3166, e.g. MM), stateless or unknown."), field=field)


def _id_documents(data, field):
    docs = []
    numbers = data.get("id_numbers") or []
    if not isinstance(numbers, list):  # `true`, a number or a string is not a list of id numbers
        raise ValidationError(_l("Enter a list of texts."), field="id_numbers")
    for raw in numbers:
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationError(_l("Enter a list of texts."), field="id_numbers")
        docs.append({"type": "other", "number": raw.strip()[:MAX_TEXT], "country": None})
    value = data.get(field) or []
    if not isinstance(value, list):
        raise ValidationError(_l("Enter a list of documents."), field=field)
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError(_l("Enter a list of documents."), field=field)
        number = _text(item, "number", required=True)
        country = item.get("country") or None
        if country and str(country).upper() not in countries():
            raise ValidationError(_l("Enter a country code (ISO 3166, e.g. MM), stateless or unknown."), field=field)
        kind = item.get("type") or "other"
        if kind not in ID_TYPES:
            raise ValidationError(_l("Choose one of the listed values."), field=field)
        docs.append({"type": kind, "number": number,
                     "country": country.upper() if country else None})
    if len(docs) > 10:
        raise ValidationError(_l("Too many entries: at most %(n)s.", n=10), field=field)
    return docs


def _address(data, field):
    value = data.get(field)
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise ValidationError(_l("Enter the address parts."), field=field)
    out = {k: _text(value, k) for k in ("village", "district", "province")}
    return out if any(out.values()) else None


def _contacts(data, field):
    value = data.get(field)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [{"name": line.strip()} for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(_l("Enter a list of contacts."), field=field)
    return [{k: _text(v, k) for k in ("name", "relation", "phone")} for v in value][:10]


def clean(data: dict, *, partial: bool, today: date) -> tuple[dict, dict]:
    """Return (coded fields kept in clear, personal fields to encrypt), only for keys present
    when `partial` (an edit), all of them otherwise (a new case)."""
    if not isinstance(data, dict):
        raise ValidationError(_l("The request body must be a JSON object."))
    present = (lambda k: k in data) if partial else (lambda k: True)
    clear, secret = {}, {}
    if present("sex"):
        clear["sex"] = _choice(data, "sex", SEXES, required=True)
    if present("nationality"):
        clear["nationality"] = _nationality(data, "nationality", required=True)
    if present("status"):
        clear["status"] = _choice(data, "status", STATUSES, required=partial) or "open"
    if present("referral_source"):
        clear["referral_source"] = _choice(data, "referral_source", REFERRAL_SOURCES)
    if present("exploitation_types"):
        types = data.get("exploitation_types") or []
        if not isinstance(types, list) or any(t not in EXPLOITATION_TYPES for t in types):
            raise ValidationError(_l("Choose one of the listed values."), field="exploitation_types")
        clear["exploitation_types"] = sorted(set(types))
    if present("full_name"):
        secret["full_name"] = _text(data, "full_name", required=True)
    for field in ("latin_name", "ethnicity", "found_place", "shelter"):
        if present(field):
            secret[field] = _text(data, field)
    for field in ("narrative", "health", "sexual_exploitation"):
        if present(field):
            secret[field] = _text(data, field, limit=MAX_LONG)
    for field in ("aliases", "languages"):
        if present(field):
            secret[field] = _text_list(data, field)
    if present("date_of_birth"):
        secret["date_of_birth"] = _date(data, "date_of_birth", today=today)
    if present("found_date"):
        secret["found_date"] = _date(data, "found_date", today=today)
    if present("age_estimate"):
        secret["age_estimate"] = _age(data, "age_estimate")
    if present("id_documents") or present("id_numbers"):
        secret["id_documents"] = _id_documents(data, "id_documents")
    if present("home_address"):
        secret["home_address"] = _address(data, "home_address")
    if present("family_contacts"):
        secret["family_contacts"] = _contacts(data, "family_contacts")
    if present("assigned_to"):
        clear["assigned_to"] = data.get("assigned_to") or None
    return clear, secret


def is_child(date_of_birth: str | None, age_estimate: int | None, today: date, child_age: int) -> bool | None:
    """Under `child_age` (the owning centre's jurisdiction profile: 18 in all three today) on
    `today`, from the date of birth if known, else from the age estimate."""
    if date_of_birth:
        born = date.fromisoformat(date_of_birth)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return age < child_age
    if age_estimate is not None:
        return age_estimate < child_age
    return None
