"""Victim identification. Every function takes the caller; the screening is reached through its case,
so another centre's screening (or one of an erased case) is "not found" for everyone. Personal
content is sealed under the case's data key and every read goes on the audit record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from .. import audit, events, inputs
from ..auth.permissions import require_role
from ..cases import services as cases
from ..cases.models import Case, EXPLOITATION_TYPES, REFERRAL_SOURCES
from ..inputs import choice as _choice, text as _text
from ..centres.models import Centre
from ..database import save_versioned
from ..errors import Conflict, NotFound, ValidationError
from ..util import is_id, utcnow
from . import clocks
from .models import (ACTS, AGENCIES, DEFAULT_REQUIRED_AGENCIES, FACTS, INDICATOR_VALUES, INDICATORS, INTERVIEW,
                     LANGUAGES, MEANS, NOT_VICTIM_OUTCOMES, OUTCOMES, Screening, ScreeningConfig, ScreeningDecision,
                     Shelter)

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

def _custody(session: Session, s: Screening, data: dict, tz: str, now: datetime, secret: dict) -> None:
    """Apply the custody fields of `data` (only those present) and recompute the deadline."""
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
    if ext is not None:
        if start is None:
            raise ValidationError(_l("Record when custody started before a court extension."), field="court_extension_until")
        if ext <= start + timedelta(hours=clocks.CUSTODY_HOURS):
            raise ValidationError(_l("A court extension must end later than 24 hours after custody started."),
                                  field="court_extension_until")
        if ext > clocks.max_extension(start):
            raise ValidationError(_l("A court extension cannot go beyond 7 days from the start of custody."),
                                  field="court_extension_until")
        if not (secret.get("court_order_number") or ("court_order_number" not in data and s.court_order_number)):
            raise ValidationError(_l("Give the number of the court order."), field="court_order_number")
    if end is not None:
        if start is None:
            raise ValidationError(_l("Record when custody started before when it ended."), field="custody_ended_at")
        if end < start:
            raise ValidationError(_l("The end cannot be before the start."), field="custody_ended_at")
    s.custody_deadline = clocks.custody_deadline(start, ext)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# ---------------------------------------------------------------- pre-screening / opening a screening

PRESCREEN_FIELDS = ("source", "prescreened_at", "prescreen_place", "prescreened_by", "prescreen_indicators",
                    "first_account")
CUSTODY_FIELDS = ("custody_started_at", "court_extension_until", "court_order_number", "custody_ended_at",
                  "pre_shelter_from")


def create_screening(session: Session, actor, case_id: str, data: dict) -> Screening:
    """Open the identification of a case's person: the pre-screening (who, where, when, source, the
    first account, indicators seen) and, if the person is held, the custody clock; optionally the
    interview's language and interpreter."""
    case = cases.reach_case(session, actor, case_id, WRITE_ROLES)
    centre = _centre(session, case.centre_id)
    now = utcnow()
    s = Screening(centre_id=case.centre_id, case_id=case.id, created_by_id=actor.id)
    secret: dict = {}
    s.source = _choice(data, "source", REFERRAL_SOURCES)
    s.prescreened_at = _when(data, "prescreened_at", centre.timezone) or now
    _not_future(s.prescreened_at, "prescreened_at", now)
    secret["prescreen_place"] = _text(data, "prescreen_place")
    secret["prescreened_by"] = _text(data, "prescreened_by")
    secret["prescreen_indicators"] = _codes(data, "prescreen_indicators", INDICATORS) or None
    secret["first_account"] = _text(data, "first_account", limit=MAX_LONG)
    s.language = _choice(data, "language", LANGUAGES)
    secret["interpreter"] = _interpreter(data)
    _custody(session, s, {k: data[k] for k in CUSTODY_FIELDS if k in data}, centre.timezone, now, secret)
    session.add(s)
    session.flush()
    cases.case_vault(session, case).write(s, {k: v for k, v in secret.items() if v not in (None, [], {})})
    session.flush()
    audit.record(session, actor, "screening.create", s, {"case": case.id, "custody": s.custody_started_at is not None})
    return s


def prescreen_new_case(session: Session, actor, person: dict, data: dict) -> Screening:
    """A pre-screening of someone the centre does not know yet: open their case, then the screening
    (one unit of work: if either is refused, neither is written)."""
    case_data = {k: person.get(k) for k in ("full_name", "latin_name", "sex", "nationality", "age_estimate",
                                             "date_of_birth")}
    case_data["referral_source"] = data.get("source") or None
    case = cases.create_case(session, actor, case_data)
    return create_screening(session, actor, case.id, data)


def update_custody(session: Session, actor, screening_id: str, data: dict, version) -> Screening:
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    inputs.check_version(s, version)
    centre = _centre(session, s.centre_id)
    secret: dict = {}
    _custody(session, s, {k: data[k] for k in CUSTODY_FIELDS if k in data}, centre.timezone, utcnow(), secret)
    if secret:
        cases.case_vault(session, case).write(s, secret)
    _flush(session, s)
    audit.record(session, actor, "screening.custody", s, {"fields": sorted(k for k in CUSTODY_FIELDS if k in data)})
    return s


# ---------------------------------------------------------------- the interview

def record_interview(session: Session, actor, screening_id: str, data: dict, version) -> Screening:
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    inputs.check_version(s, version)
    centre = _centre(session, s.centre_id)
    now, tz = utcnow(), centre.timezone
    start = _when(data, "interview_at", tz, required=True)
    end = _when(data, "interview_ended_at", tz)
    _not_future(start, "interview_at", now)
    _not_future(end, "interview_ended_at", now)
    if end is not None and end < start:
        raise ValidationError(_l("The end cannot be before the start."), field="interview_ended_at")
    language = _choice(data, "language", LANGUAGES, required=True)
    consent = _bool(data, "interview_consent")
    if consent is None:
        raise ValidationError(_l("Record whether the person consented to the interview."), field="interview_consent")
    rights_at = _when(data, "rights_informed_at", tz)
    _not_future(rights_at, "rights_informed_at", now)
    rights_language = _choice(data, "rights_language", LANGUAGES)
    if rights_at is not None and rights_language is None:
        raise ValidationError(_l("Give the language in which the rights were explained."), field="rights_language")
    values, notes = _indicators(data.get("indicators"))
    extra_notes = data.get("indicator_notes") or {}
    if not isinstance(extra_notes, dict):
        raise ValidationError(_l("Give the indicators as a mapping of code to value."), field="indicators")
    for code, note in extra_notes.items():
        if code not in INDICATORS:
            raise ValidationError(_l("Unknown indicator: %(code)s.", code=str(code)[:40]), field="indicators")
        text = _text({"n": note}, "n", limit=2000)
        if text:
            notes[code] = text
    secret = {
        "interview_place": _text(data, "interview_place"),
        "interpreter": _interpreter(data),
        "indicators": values or None,
        "indicator_notes": notes or None,
        "acts": _codes(data, "acts", ACTS) or None,
        "means": _codes(data, "means", MEANS) or None,
        "narrative": _text(data, "narrative", limit=MAX_LONG),
    }
    exploitation = _codes(data, "exploitation_types", EXPLOITATION_TYPES)
    s.interview_at, s.interview_ended_at, s.language = start, end, language
    s.interview_consent, s.rights_informed_at, s.rights_language = consent, rights_at, rights_language
    s.exploitation_codes = "," + ",".join(exploitation) + "," if exploitation else ""
    cases.case_vault(session, case).write(s, secret)
    _flush(session, s)
    audit.record(session, actor, "screening.interview", s, {"indicators": len(values)})
    return s


def set_indicators(session: Session, actor, screening_id: str, indicators, version=None) -> Screening:
    """Set indicators. With the version read, the checklist is replaced as a whole (a stale version
    is a conflict); without it, only the codes given change and every other finding is kept, so two
    people marking different indicators at once lose nothing."""
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    values, notes = _indicators(indicators)
    vault = cases.case_vault(session, case)
    if version is not None:
        inputs.check_version(s, version)
    else:
        current = vault.decrypt_unaudited(s, ["indicators", "indicator_notes"])  # merged, not shown
        kept_notes = {k: v for k, v in (current.get("indicator_notes") or {}).items() if k not in values}
        values = {**(current.get("indicators") or {}), **values}
        notes = {**kept_notes, **notes}
    vault.write(s, {"indicators": values or None, "indicator_notes": notes or None})
    _flush(session, s)
    audit.record(session, actor, "screening.indicators", s, {"indicators": len(values)})
    return s


# ---------------------------------------------------------------- the elements and the decision

@dataclass
class Elements:
    act: bool
    means: bool
    purpose: bool
    child: bool | None

    @property
    def means_required(self) -> bool:
        return not self.child

    @property
    def met(self) -> bool:
        return self.act and self.purpose and (self.means or not self.means_required)


def elements(case: Case, s: Screening, values: dict) -> Elements:
    """Act, means, purpose, judged with the person's age as the case now records it: for a child
    (under 18) the means are not needed. Re-evaluated every time (an age correction counts)."""
    return Elements(act=bool(values.get("acts")), means=bool(values.get("means")),
                    purpose=bool(s.exploitation_codes.strip(",")), child=case.is_child)


def required_agencies(session: Session, centre_id: int) -> list[str]:
    cfg = session.get(ScreeningConfig, centre_id)
    codes = cfg.required_agencies.split(",") if cfg else list(DEFAULT_REQUIRED_AGENCIES)
    return [c for c in codes if c in AGENCIES]


def _members(data: dict) -> list[dict]:
    value = data.get("members")
    if not isinstance(value, list) or not value:
        raise ValidationError(_l("List the MDT members who took the decision."), field="members")
    if len(value) > MAX_MEMBERS:
        raise ValidationError(_l("Too many entries: at most %(n)s.", n=MAX_MEMBERS), field="members")
    out = []
    for m in value:
        if not isinstance(m, dict):
            raise ValidationError(_l("Give each member's name and agency."), field="members")
        name = _text(m, "name")
        agency = m.get("agency")
        if not name or agency not in AGENCIES:
            raise ValidationError(_l("Give each member's name and agency."), field="members")
        out.append({"name": name, "agency": agency, "role": _text(m, "role")})
    return out


def decide(session: Session, actor, screening_id: str, data: dict) -> ScreeningDecision:
    """Record the MDT's decision, signed off by the caller. A later decision supersedes the earlier
    one (which stays in the history) and needs the reason for the change."""
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    require_role(actor, *WRITE_ROLES)
    if data.get("version") not in (None, ""):  # the form always sends it: a decision on a changed interview is a conflict
        inputs.check_version(s, data.get("version"))
    centre = _centre(session, s.centre_id)
    now, tz = utcnow(), centre.timezone
    outcome = _choice(data, "outcome", OUTCOMES, required=True)
    reasons = _text(data, "reasons", required=True, limit=MAX_LONG)
    decided_at = _when(data, "decided_at", tz) or now
    _not_future(decided_at, "decided_at", now)
    if s.custody_started_at is not None and decided_at < _aware(s.custody_started_at):
        raise ValidationError(_l("The decision cannot be before custody started."), field="decided_at")
    members = _members(data)
    present = {m["agency"] for m in members}
    missing = [a for a in required_agencies(session, s.centre_id) if a not in present]
    if missing:
        from .labels import AGENCY

        names = ", ".join(str(AGENCY[a]) for a in missing)
        raise ValidationError(_l("The decision needs these MDT members: %(agencies)s.", agencies=names),
                              field="members", details={"missing": missing})
    vault = cases.case_vault(session, case)
    if outcome == "victim":
        current = vault.decrypt_unaudited(s, ["acts", "means"])  # checked, not shown
        el = elements(case, s, current)
        if not el.met:
            if not el.act or not el.purpose:
                msg = _l("A victim decision needs the act and the purpose of exploitation recorded in the interview.")
            else:
                msg = _l("For an adult, a victim decision also needs the means recorded in the interview.")
            raise ValidationError(msg, field="outcome")
    not_victim = _choice(data, "not_victim_outcome", NOT_VICTIM_OUTCOMES)
    if outcome == "not_victim" and not_victim is None:
        raise ValidationError(_l("Record what happens to the person: release or immigration."),
                              field="not_victim_outcome")
    shelter = None
    if data.get("shelter_id") not in (None, ""):
        shelter = _shelter(session, s.centre_id, data["shelter_id"])
    previous = _current_decision(session, s.id)
    change_reason = _text(data, "change_reason", limit=MAX_LONG)
    if previous is not None and not change_reason:
        raise ValidationError(_l("Give the reason for changing the earlier decision."), field="change_reason")
    decided_on = clocks.local_date(decided_at, tz)
    d = ScreeningDecision(
        screening_id=s.id, centre_id=s.centre_id, outcome=outcome, decided_at=decided_at, decided_on=decided_on,
        member_agencies="," + ",".join(sorted(present)) + ",", signed_off_by_id=actor.id, signed_off_at=now,
        not_victim_outcome=not_victim if outcome == "not_victim" else None,
        reflection_ends=clocks.reflection_ends(decided_on) if outcome == "victim" else None,
        pre_shelter_ends=clocks.pre_shelter_ends(s.pre_shelter_from) if s.pre_shelter_from else None,
        supersedes_id=previous.id if previous else None)
    session.add(d)
    session.flush()
    vault.write(d, {"reasons": reasons, "members": members,
                    "shelter": {"id": shelter.id, "name": shelter.name} if shelter else None,
                    "change_reason": change_reason})
    if previous is not None:
        previous.superseded = True
        session.add(previous)
    s.outcome, s.reflection_ends = outcome, d.reflection_ends
    if s.custody_started_at is not None and s.custody_ended_at is None:
        s.custody_ended_at = max(decided_at, _aware(s.custody_started_at))  # the decision ends the holding
    _flush(session, s)
    audit.record(session, actor, "screening.decide" if previous is None else "screening.redecide", s,
                 {"decision": d.id, "outcome": outcome, "supersedes": d.supersedes_id})
    return d


def _current_decision(session: Session, screening_id: str) -> ScreeningDecision | None:
    return session.execute(select(ScreeningDecision).where(
        ScreeningDecision.screening_id == screening_id, ScreeningDecision.superseded.is_(False))
        .order_by(ScreeningDecision.signed_off_at.desc())).scalars().first()


# ---------------------------------------------------------------- reading

@dataclass
class ScreeningView:
    screening: Screening
    case: Case
    values: dict
    decisions: list[tuple[ScreeningDecision, dict]]
    elements: Elements
    required_agencies: list[str]

    @property
    def stage(self) -> str:
        if self.screening.outcome:
            return "decided"
        return "interviewed" if self.screening.interview_at else "prescreened"

    @property
    def current_decision(self):
        return next(((d, v) for d, v in self.decisions if not d.superseded), None)


def read_screening(session: Session, actor, screening_id: str, *, action: str = "screening.read") -> ScreeningView:
    s, case = _screening(session, actor, screening_id)
    vault = cases.case_vault(session, case)
    fields = visible_fields(actor)
    values = vault.read(s, fields, actor=actor, action=action, details={"case": case.id})
    decisions = session.execute(select(ScreeningDecision).where(ScreeningDecision.screening_id == s.id)
                                .order_by(ScreeningDecision.signed_off_at.desc())).scalars().all()
    dvals = list(zip(decisions, vault.read_many(decisions, sorted(ScreeningDecision.__encrypted__), actor=actor,
                                                action="screening.read_decisions", target=s,
                                                details={"decisions": [d.id for d in decisions]})))
    # acts and means are in the "facts" group every reader sees: no second decryption
    el = elements(case, s, values)
    return ScreeningView(s, case, values, dvals, el, required_agencies(session, s.centre_id))


def may_screen(actor, case: Case) -> bool:
    """Whether the caller may start a screening of this case (for the case page)."""
    return case.centre_id == actor.centre_id and case.erased_at is None and actor.has_role(*WRITE_ROLES)


def screenings_of_case(session: Session, actor, case: Case) -> list[Screening]:
    """The case's screenings, coded fields only (for the clocks on the case page; nothing decrypted)."""
    if not actor.has_role(*READ_ROLES) or case.centre_id != actor.centre_id:
        return []
    return session.execute(select(Screening).where(Screening.case_id == case.id)
                           .order_by(Screening.created_at.desc())).scalars().all()


# ---------------------------------------------------------------- the dashboard of clocks

@dataclass
class ClockRow:
    screening: Screening
    case_number: str
    deadline: datetime | None = None
    remaining: clocks.Remaining | None = None
    until: date | None = None
    days_left: int | None = None


@dataclass
class Dashboard:
    custody: list[ClockRow]
    reflection: list[ClockRow]
    undecided: list[ClockRow]


DASHBOARD_SORTS = ("time", "case")


def dashboard(session: Session, actor, *, sort: str = "time", now: datetime | None = None) -> Dashboard:
    """People held now with the time left; reflection periods ending in the next 7 days; screenings
    without a decision. Coded fields and case numbers only: nothing personal is decrypted."""
    require_role(actor, *READ_ROLES)
    now = now or utcnow()
    centre = _centre(session, actor.centre_id)
    today = clocks.local_date(now, centre.timezone)
    base = (select(Screening, Case.case_number).join(Case, Case.id == Screening.case_id)
            .where(Screening.centre_id == actor.centre_id, Case.erased_at.is_(None)))
    held = session.execute(base.where(Screening.custody_deadline.is_not(None), Screening.custody_ended_at.is_(None))).all()
    custody = [ClockRow(s, n, deadline=_aware(s.custody_deadline), remaining=clocks.remaining(s.custody_deadline, now))
               for s, n in held]
    ending = session.execute(base.where(Screening.outcome == "victim", Screening.reflection_ends >= today,
                                        Screening.reflection_ends <= today + timedelta(days=7))).all()
    reflection = [ClockRow(s, n, until=s.reflection_ends, days_left=clocks.days_left(s.reflection_ends, today))
                  for s, n in ending]
    open_ = session.execute(base.where(Screening.outcome.is_(None))).all()
    undecided = [ClockRow(s, n, deadline=_aware(s.custody_deadline)) for s, n in open_]
    if sort == "case":
        for rows in (custody, reflection, undecided):
            rows.sort(key=lambda r: r.case_number)
    else:
        custody.sort(key=lambda r: r.remaining.seconds)
        reflection.sort(key=lambda r: (r.days_left, r.case_number))
        undecided.sort(key=lambda r: (r.deadline is None, r.deadline or _aware(r.screening.created_at)))
    return Dashboard(custody, reflection, undecided)


# ---------------------------------------------------------------- settings: shelters and MDT members

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


def shelters(session: Session, actor, *, active_only: bool = True) -> list[Shelter]:
    require_role(actor, *READ_ROLES, "admin")
    q = select(Shelter).where(Shelter.centre_id == actor.centre_id)
    if active_only:
        q = q.where(Shelter.active.is_(True))
    return session.execute(q.order_by(Shelter.name)).scalars().all()


def add_shelter(session: Session, actor, name: str) -> Shelter:
    require_role(actor, "admin")
    clean = _text({"name": name}, "name", required=True)
    exists = session.execute(select(Shelter).where(Shelter.centre_id == actor.centre_id, Shelter.name == clean)).first()
    if exists:
        raise ValidationError(_l("This shelter is already on the list."), field="name")
    shelter = Shelter(centre_id=actor.centre_id, name=clean)
    session.add(shelter)
    try:
        session.flush()
    except IntegrityError:  # the same name added at the same moment
        raise ValidationError(_l("This shelter is already on the list."), field="name") from None
    audit.record(session, actor, "shelter.add", shelter, {"shelter": shelter.id})
    return shelter


def set_shelter_active(session: Session, actor, shelter_id, active: bool) -> Shelter:
    require_role(actor, "admin")
    shelter = session.get(Shelter, shelter_id) if isinstance(shelter_id, int) else None
    if shelter is None or shelter.centre_id != actor.centre_id:
        raise NotFound()
    shelter.active = bool(active)
    session.add(shelter)
    session.flush()
    audit.record(session, actor, "shelter.activate" if active else "shelter.deactivate", shelter, {})
    return shelter


def set_required_agencies(session: Session, actor, agencies) -> list[str]:
    require_role(actor, "admin")
    codes = _codes({"a": agencies}, "a", AGENCIES)
    if not codes:
        raise ValidationError(_l("Choose at least one agency."), field="required_agencies")
    cfg = session.get(ScreeningConfig, actor.centre_id) or ScreeningConfig(centre_id=actor.centre_id)
    cfg.required_agencies = ",".join(codes)
    session.add(cfg)
    try:
        session.flush()
    except IntegrityError:  # two first saves at once
        raise Conflict() from None
    audit.record(session, actor, "screening.settings", ("screening_config", str(actor.centre_id)), {"required": codes})
    return codes


@events.case_erased.connect
def erase_for_case(case: Case, *, session: Session) -> None:
    """On erasure of a case: clear the sealed columns of its screenings and decisions (their key is
    destroyed with the case's; this also leaves no ciphertext behind in the database)."""
    for s in session.execute(select(Screening).where(Screening.case_id == case.id)).scalars():
        for name in Screening.__encrypted__:
            setattr(s, name, None)
        for d in session.execute(select(ScreeningDecision).where(ScreeningDecision.screening_id == s.id)).scalars():
            for name in ScreeningDecision.__encrypted__:
                setattr(d, name, None)
