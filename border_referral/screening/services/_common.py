"""What the screening services share: the roles, the visible fields, the input helpers, reaching a
screening, saving against a version, the custody fields and choosing a shelter."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import inputs
from ...cases import services as cases
from ...cases.models import Case
from ...inputs import choice as _choice, text as _text
from ...centres import jurisdictions
from ...centres.models import Centre
from ...database import save_versioned
from ...errors import NotFound, ValidationError
from ...util import is_id
from ..models import FACTS, INDICATOR_VALUES, INDICATORS, INTERVIEW, LANGUAGES, Screening, Shelter


READ_ROLES = ("caseworker", "mdt", "viewer")
WRITE_ROLES = ("caseworker", "mdt")
GROUPS_BY_ROLE = {"caseworker": {FACTS, INTERVIEW}, "mdt": {FACTS, INTERVIEW}, "viewer": {FACTS}}
MAX_LONG = 20000
MAX_MEMBERS = 30


def visible_fields(actor, model=Screening) -> list[str]:
    groups: set[str] = set()
    for role in getattr(actor, "roles", ()):
        groups |= GROUPS_BY_ROLE.get(role, set())
    return [f for f, g in model.__encrypted__.items() if g in groups]


# ---------------------------------------------------------------- input helpers

def _when(data: dict, field: str, tz: str, *, required: bool = False) -> datetime | None:
    return inputs.moment(data, field, tz, required=required)


def _not_future(value: datetime | None, field: str, now: datetime) -> None:
    if value is not None and value > now + timedelta(minutes=5):
        raise ValidationError(_l("The time cannot be in the future."), field=field)


def _day(data: dict, field: str) -> date | None:
    parsed = inputs.day(data, field)
    if parsed is not None and parsed > date.today() + timedelta(days=2):
        raise ValidationError(_l("The date cannot be in the future."), field=field)
    return parsed


def _codes(data: dict, field: str, allowed) -> list[str]:
    value = data.get(field)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise ValidationError(_l("Choose one of the listed values."), field=field)
    return sorted(set(value), key=list(allowed).index)


def _bool(data: dict, field: str) -> bool | None:
    value = data.get(field)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise ValidationError(_l("Choose yes or no."), field=field)


def _interpreter(data: dict) -> dict | None:
    value = data.get("interpreter")
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise ValidationError(_l("Give the interpreter's name, language and agency."), field="interpreter")
    out = {"name": _text(value, "name"), "language": _choice(value, "language", LANGUAGES),
           "agency": _text(value, "agency")}
    if not any(out.values()):
        return None
    if not out["name"]:
        raise ValidationError(_l("Give the interpreter's name."), field="interpreter")
    return out


def _indicators(value, field="indicators") -> tuple[dict, dict]:
    """{code: "observed|not_observed|unknown"} or {code: {"value", "note"}} -> (values, notes)."""
    if value in (None, ""):
        return {}, {}
    if not isinstance(value, dict):
        raise ValidationError(_l("Give the indicators as a mapping of code to value."), field=field)
    values, notes = {}, {}
    for code, entry in value.items():
        if code not in INDICATORS:
            raise ValidationError(_l("Unknown indicator: %(code)s.", code=str(code)[:40]), field=field)
        note = None
        if isinstance(entry, dict):
            note = _text(entry, "note", limit=2000)
            entry = entry.get("value")
        if entry not in INDICATOR_VALUES:
            raise ValidationError(_l("Mark each indicator observed, not observed or unknown."), field=field)
        values[code] = entry
        if note:
            notes[code] = note
    return values, notes


# ---------------------------------------------------------------- reaching a screening

def _centre(session: Session, centre_id: int) -> Centre:
    return session.get(Centre, centre_id)


def profile(session: Session, centre_id: int) -> jurisdictions.Profile:
    """The jurisdiction profile of the centre that owns a screening: its clocks, outcomes, law."""
    return jurisdictions.profile_of_centre(session, centre_id)


# Outcomes after which the person is treated as a victim (reflection period, shelter, next steps).
VICTIM_OUTCOMES = ("victim", jurisdictions.FORCED_LABOUR)


def _screening(session: Session, actor, screening_id, roles=READ_ROLES) -> tuple[Screening, Case]:
    s = session.get(Screening, screening_id) if is_id(screening_id) else None
    if s is None or s.centre_id != actor.centre_id:
        raise NotFound()
    case = cases.reach_case(session, actor, s.case_id, roles)  # erased case, other centre: not found
    return s, case


def reach(session: Session, actor, screening_id, roles=READ_ROLES) -> Screening:
    """Check that the caller may reach the screening with one of `roles` (nothing is decrypted)."""
    return _screening(session, actor, screening_id, roles)[0]


def current_version(session: Session, screening_id: str) -> int:
    """The version saved now (for a conflict: the caller has already been allowed to read it)."""
    return session.execute(select(Screening.version).where(Screening.id == screening_id)).scalar_one()


_flush = save_versioned  # the one save-with-version (database.py)


# ---------------------------------------------------------------- custody

def _not_in_law(data: dict, field: str) -> None:
    if data.get(field) not in (None, ""):
        raise ValidationError(_l("Not provided for under the law of your centre."), field=field)


def _custody(session: Session, s: Screening, data: dict, tz: str, now: datetime, secret: dict,
             rules: jurisdictions.Profile) -> None:
    """Apply the custody fields of `data` (only those present) and recompute the deadline, under the
    centre's own law: where it sets no custody limit there is no deadline and no court extension;
    where it has no pre-identification shelter period, none is recorded."""
    limit = rules.clocks.custody
    if limit is None:
        _not_in_law(data, "court_extension_until")
        _not_in_law(data, "court_order_number")
    if rules.clocks.pre_identification_shelter is None:
        _not_in_law(data, "pre_shelter_from")
    if "custody_started_at" in data:
        s.custody_started_at = _when(data, "custody_started_at", tz)
        _not_future(s.custody_started_at, "custody_started_at", now)
    if "court_extension_until" in data:
        s.court_extension_until = _when(data, "court_extension_until", tz)
    if "court_order_number" in data:
        secret["court_order_number"] = _text(data, "court_order_number")
    if "custody_ended_at" in data:
        s.custody_ended_at = _when(data, "custody_ended_at", tz)
        _not_future(s.custody_ended_at, "custody_ended_at", now)
    if "pre_shelter_from" in data:
        s.pre_shelter_from = _day(data, "pre_shelter_from")
    start, ext, end = _aware(s.custody_started_at), _aware(s.court_extension_until), _aware(s.custody_ended_at)
    if ext is not None and limit is not None:
        if start is None:
            raise ValidationError(_l("Record when custody started before a court extension."), field="court_extension_until")
        if ext <= start + timedelta(hours=limit.hours):  # TH s.29: 24 hours
            raise ValidationError(_l("A court extension must end later than 24 hours after custody started."),
                                  field="court_extension_until")
        if limit.court_extension_days is None or ext > start + timedelta(days=limit.court_extension_days):
            raise ValidationError(_l("A court extension cannot go beyond 7 days from the start of custody."),
                                  field="court_extension_until")
        if not (secret.get("court_order_number") or ("court_order_number" not in data and s.court_order_number)):
            raise ValidationError(_l("Give the number of the court order."), field="court_order_number")
    if end is not None:
        if start is None:
            raise ValidationError(_l("Record when custody started before when it ended."), field="custody_ended_at")
        if end < start:
            raise ValidationError(_l("The end cannot be before the start."), field="custody_ended_at")
    if limit is None or start is None:
        s.custody_deadline = None
    else:
        s.custody_deadline = ext or start + timedelta(hours=limit.hours)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _shelter(session: Session, centre_id: int, shelter_id) -> Shelter:
    ident = None
    if isinstance(shelter_id, int) and not isinstance(shelter_id, bool):
        ident = shelter_id
    elif isinstance(shelter_id, str) and shelter_id.isascii() and shelter_id.isdecimal() and len(shelter_id) <= 9:
        ident = int(shelter_id)
    shelter = session.get(Shelter, ident) if ident is not None and 0 < ident < 2**31 else None
    if shelter is None or shelter.centre_id != centre_id or not shelter.active:
        raise ValidationError(_l("Choose a shelter from the list."), field="shelter_id")
    return shelter
