"""Repatriation plans, both directions. Sides: the *host* centre (where the person is now, which
opens the plan) and the *home* centre (the partner in the person's country). Anyone else gets "not
found". Every step records who did it and when; every read of personal content is audited."""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from .. import audit, events, inputs
from .labels import ACTIONS as ACTION_LABELS
from .labels import NOTICE as NOTICE_LABELS
from ..auth.models import User
from ..auth.permissions import require_role
from ..cases import services as cases
from ..cases.models import Attachment, Case
from ..inputs import choice as _choice, text as _text, text_list as _text_list
from ..centres.models import Centre
from ..centres.services import are_partners, crossings_of
from ..crypto.vault import Vault
from ..database import save_versioned
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..notifications.services import notify_centre, register_subject
from ..util import is_code, is_id, next_in_sequence, utcnow
from .models import (ACTIVE_STATES, ASSESSMENTS, CLEARANCES, COUNTRY_LANGUAGE, OFFICIAL_SIDES, STEP_KEYS, STEP_SIDE,
                     STOPPING_STEPS, TRAVEL_DOCUMENTS, FollowUp, Plan, PlanCounter, PlanPerson, PlanStep)

READ_ROLES = ("caseworker", "mdt", "viewer")
WRITE_ROLES = ("caseworker", "mdt")
MAX_PERSONS = 60
MAX_TEXT = 20000

register_subject("repatriation_plan", endpoint="repatriation.view", id_arg="plan_id",
                 title=_l("Repatriation %(reference)s: %(what)s"), kinds=NOTICE_LABELS)


class StateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the plan's present state.")


# ---------------------------------------------------------------- helpers

def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _centre(session: Session, centre_id: int) -> Centre:
    return session.get(Centre, centre_id)


def _today(centre: Centre) -> date:
    return datetime.now(ZoneInfo(centre.timezone)).date()


def _day(data: dict, key: str, *, required: bool = False) -> date | None:
    return inputs.day(data, key, required=required)


def _moment(data: dict, key: str, tz: str, *, required: bool = False) -> datetime | None:
    return inputs.moment(data, key, tz, required=required)


_save = save_versioned  # the one save-with-version (database.py)


def _get(session: Session, actor, plan_id) -> tuple[Plan, str]:
    plan = session.get(Plan, plan_id) if is_id(plan_id) else None
    if plan is None:
        raise NotFound()
    if plan.host_centre_id == actor.centre_id:
        side = "host"
    elif plan.home_centre_id == actor.centre_id:
        side = "home"
    else:
        raise NotFound()
    require_role(actor, *READ_ROLES)
    return plan, side


def _vault(session: Session, plan: Plan) -> Vault:
    return Vault.open(session, plan.key_id, target=plan)


def shared_crossings(session: Session, a: int, b: int) -> list:
    theirs = {c.code for c in crossings_of(session, b)}
    return [c for c in crossings_of(session, a) if c.code in theirs]


def _crossing(session: Session, plan_or_ids, value, field_name="crossing") -> str | None:
    if value in (None, ""):
        return None
    host, home = plan_or_ids
    codes = [c.code for c in shared_crossings(session, host, home)]
    if value not in codes:
        raise ValidationError(_l("Choose a crossing point that both centres use."), field=field_name)
    return value


def _reference(session: Session, host: Centre, home: Centre) -> str:
    year = utcnow().year
    last = next_in_sequence(session, PlanCounter, host.id, "year", year)
    return f"RP-{host.code}-{home.code}-{year}-{last:04d}"


def _tell(session: Session, plan: Plan, centre_id: int, kind: str) -> None:
    notify_centre(session, centre_id, subject="repatriation_plan", subject_id=plan.id, kind=kind,
                  reference=plan.reference)


def _other_side(plan: Plan, side: str) -> int:
    return plan.home_centre_id if side == "host" else plan.host_centre_id


def language_of(centre: Centre) -> str:
    return COUNTRY_LANGUAGE.get(centre.country_code, "en")


# ---------------------------------------------------------------- creating

def create_plan(session: Session, actor, data: dict) -> Plan:
    require_role(actor, *WRITE_ROLES)
    host = _centre(session, actor.centre_id)
    ids = data.get("case_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValidationError(_l("Choose the person or the people who return."), field="case_ids")
    if len(ids) > MAX_PERSONS or len(set(ids)) != len(ids):
        raise ValidationError(_l("Choose the person or the people who return."), field="case_ids")
    code = data.get("to_centre")
    home = session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none() if is_code(code) else None
    if home is None or home.id == host.id or not are_partners(session, host.id, home.id):
        raise ValidationError(_l("A repatriation goes to a partner centre of yours."), field="to_centre")
    if home.country_code == host.country_code:
        raise ValidationError(_l("A repatriation goes to a partner centre in another country."), field="to_centre")
    crossing = _crossing(session, (host.id, home.id), data.get("crossing"))
    planned = _day(data, "planned_date")
    if planned is not None and planned < _today(host):
        raise ValidationError(_l("The handover date cannot be in the past."), field="planned_date")
    people = [cases.reach_case(session, actor, i, WRITE_ROLES) for i in ids]
    foreign = [c.case_number for c in people if c.nationality != home.country_code]
    if foreign:  # a person goes home: to the partner of their own country (record the nationality first)
        raise ValidationError(_l("These persons are not nationals of the partner centre's country: %(cases)s.",
                                 cases=", ".join(foreign)), field="case_ids")
    busy = session.execute(select(PlanPerson.case_number, Plan.reference).join(Plan, Plan.id == PlanPerson.plan_id)
                           .where(PlanPerson.case_id.in_([c.id for c in people]),
                                  Plan.state.in_(ACTIVE_STATES))).all()
    if busy:
        raise ValidationError(_l("%(case)s is already on an active plan (%(plan)s).", case=busy[0][0], plan=busy[0][1]),
                              field="case_ids")
    vault = Vault.create(session, home.code)
    plan = Plan(reference=_reference(session, host, home), host_centre_id=host.id, home_centre_id=home.id,
                direction=f"{host.country_code}-{home.country_code}", crossing_code=crossing, planned_date=planned,
                key_id=vault.key_id, created_by_id=actor.id)
    session.add(plan)
    session.flush()
    for pos, case in enumerate(people):
        session.add(PlanPerson(plan_id=plan.id, case_id=case.id, case_number=case.case_number, position=pos,
                               is_child=case.is_child))
    for key in STEP_KEYS:
        session.add(PlanStep(plan_id=plan.id, key=key, side=STEP_SIDE[key]))
    session.flush()
    audit.record(session, actor, "repatriation.create", plan,
                 {"cases": [c.id for c in people], "to": home.code, "crossing": crossing})
    _tell(session, plan, home.id, "plan_create")
    return plan


# ---------------------------------------------------------------- steps

def _steps(session: Session, plan: Plan) -> list[PlanStep]:
    order = {k: i for i, k in enumerate(STEP_KEYS)}
    rows = session.execute(select(PlanStep).where(PlanStep.plan_id == plan.id)).scalars().all()
    return sorted(rows, key=lambda s: order[s.key])


def _persons(session: Session, plan: Plan) -> list[PlanPerson]:
    return session.execute(select(PlanPerson).where(PlanPerson.plan_id == plan.id)
                           .order_by(PlanPerson.position)).scalars().all()


def open_steps(session: Session, plan: Plan) -> list[str]:
    return [s.key for s in _steps(session, plan) if s.state not in ("done", "not_required")]


def _step_details(session: Session, plan: Plan, key: str, data: dict, state: str, vault: Vault) -> dict | None:
    d = data.get("details") or {}
    if not isinstance(d, dict):
        raise ValidationError(_l("The details of the step are not valid."), field="details")
    if key == "family_assessment" and state == "done":
        assessment = _choice(d, "assessment", ASSESSMENTS) or "safe"
        if assessment == "not_safe":
            raise ValidationError(_l("A negative family assessment stops the plan: record the step as failed, with the alternative."),
                                  field="details")
        return {"assessment": assessment, "conditions": _text(d, "conditions", limit=2000)}
    if key == "nationality_verification" and state == "done":
        docs = d.get("documents") or {}
        if not isinstance(docs, dict):
            raise ValidationError(_l("The details of the step are not valid."), field="details")
        persons = {p.case_number: p for p in _persons(session, plan)}
        for number, doc in docs.items():
            if number not in persons or not isinstance(doc, dict):
                raise ValidationError(_l("The details of the step are not valid."), field="details")
            kind = _choice(doc, "type", TRAVEL_DOCUMENTS, required=True)
            expiry = _day(doc, "expiry")
            vault.write(persons[number], {"travel_document": {"type": kind, "number": _text(doc, "number"),
                                                              "expiry": expiry.isoformat() if expiry else None}})
            session.add(persons[number])
        return {"documents": sorted(docs)}
    if key == "consent" and state == "done":
        when = _day(d, "date")
        return {"date": when.isoformat() if when else None, "language": _text(d, "language"),
                "interpreter": _text(d, "interpreter")}
    if key == "legal_clearance" and state == "done":
        return {"clearance": _choice(d, "clearance", CLEARANCES) or "testimony_given"}
    if key == "arrangements" and state == "done":
        host = _centre(session, plan.host_centre_id)
        planned = _day(d, "date", required=True)
        if planned < _today(host):
            raise ValidationError(_l("The handover date cannot be in the past."), field="date")
        crossing = _crossing(session, (plan.host_centre_id, plan.home_centre_id), d.get("crossing"))
        if crossing is None:
            raise ValidationError(_l("Choose a crossing point that both centres use."), field="crossing")
        escorts = _text_list(d, "escorts", limit=200, most=20)
        plan.planned_date, plan.crossing_code = planned, crossing
        return {"date": planned.isoformat(), "crossing": crossing, "escorts": escorts}
    return None


def record_step(session: Session, actor, plan_id: str, key: str, data: dict) -> PlanStep:
    plan, side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if key not in STEP_KEYS:
        raise NotFound()
    if STEP_SIDE[key] not in (side, "both"):
        raise PermissionDenied(_l("This step is for the other centre to record."))
    if plan.state not in ("planning", "ready"):
        raise StateConflict()
    state = data.get("state")
    if state not in ("done", "not_required", "failed"):
        raise ValidationError(_l("Choose done, not required or failed."), field="state")
    if key == "consent" and state == "not_required":
        raise ValidationError(_l("The person's consent to return is always needed."), field="state")
    if key == "family_assessment" and state == "not_required" and not _text(data, "note"):
        raise ValidationError(_l("Say in the note why no family assessment is needed."), field="note")
    step = next(s for s in _steps(session, plan) if s.key == key)
    if data.get("version") not in (None, ""):
        inputs.check_version(step, data.get("version"))
    elif step.state != "open":
        if step.state == state:
            return step  # recorded already: harmless
        raise Conflict(_l("Someone already recorded this step. Reload the plan to see it."))
    vault = _vault(session, plan)
    note = _text(data, "note", limit=MAX_TEXT)
    details = _step_details(session, plan, key, data, state, vault)
    if state == "failed" and key in STOPPING_STEPS:
        alternative = _text(data, "alternative", limit=MAX_TEXT)
        if not alternative:
            raise ValidationError(_l("The plan stops here: record the alternative for the person."), field="alternative")
        vault.write(plan, {"stop_reason": note or key, "alternative": alternative})
        plan.state = "stopped"
    if (key == "consent" and state != "done" or plan.state == "stopped") and plan.manifest_sent_at is not None:
        _withdraw_manifest(session, actor, plan, vault)
    step.state, step.done_by_id, step.done_by_centre_id, step.done_at = state, actor.id, actor.centre_id, utcnow()
    vault.write(step, {"note": note, "details": details})
    _save(session, step)
    if plan.state != "stopped":
        plan.state = "ready" if not open_steps(session, plan) else "planning"
    _save(session, plan)
    audit.record(session, actor, "repatriation.step", plan, {"step": key, "state": state, "side": side})
    _tell(session, plan, _other_side(plan, side), "plan_step")
    return step


def _withdraw_manifest(session: Session, actor, plan: Plan, vault: Vault) -> None:
    """Without the persons' consent (or on a stopped plan) the home side keeps no manifest."""
    vault.write(plan, {"manifest": None})
    plan.manifest_sent_at = None
    audit.record(session, actor, "repatriation.manifest_withdrawn", plan, {"version": plan.manifest_version})


# ---------------------------------------------------------------- manifest, handover, reception

def _age(values: dict, today: date) -> int | None:
    dob = values.get("date_of_birth")
    if dob:
        born = date.fromisoformat(dob)
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return values.get("age_estimate")


def _photo(session: Session, actor, case: Case) -> str | None:
    """A small JPEG of the case's first photo, as a data URI (for the manifest)."""
    att = session.execute(select(Attachment).where(Attachment.case_id == case.id,
                                                   Attachment.content_type.in_(("image/jpeg", "image/png")))
                          .order_by(Attachment.created_at)).scalars().first()
    if att is None or att.file_id is None:
        return None
    from PIL import Image

    raw = cases.case_vault(session, case).read_file(att.id, att.file_id)
    audit.record(session, actor, "case.attachment_read", case, {"attachment": att.id, "for": "manifest"}, read=True)
    with Image.open(io.BytesIO(raw)) as img:
        img = img.convert("RGB")
        img.thumbnail((240, 240))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def send_manifest(session: Session, actor, plan_id: str) -> Plan:
    """Snapshot the manifest (name, nationality, sex, age, photo, travel-document status) under the
    plan key, for the home side. Needs the persons' consent to return."""
    plan, side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if side != "host":
        raise PermissionDenied(_l("The host centre sends the manifest."))
    if plan.state not in ("planning", "ready"):
        raise StateConflict()
    consent = next(s for s in _steps(session, plan) if s.key == "consent")
    if consent.state != "done":
        raise StateConflict(_l("Record the persons' consent to return before sending their data in a manifest."))
    host = _centre(session, plan.host_centre_id)
    today = _today(host)
    vault = _vault(session, plan)
    rows = []
    for p in _persons(session, plan):
        case = cases.reach_case(session, actor, p.case_id, WRITE_ROLES)
        values = cases.case_vault(session, case).read(
            case, ["full_name", "latin_name", "date_of_birth", "age_estimate"], actor=actor,
            action="case.read_for_manifest", details={"plan": plan.id})
        extra = vault.decrypt_unaudited(p, ["travel_document", "escort"])  # sealed into the manifest (sending is audited)
        rows.append({"case_number": p.case_number, "full_name": values.get("full_name"),
                     "latin_name": values.get("latin_name"), "sex": case.sex, "nationality": case.nationality,
                     "age": _age(values, today), "child": bool(case.is_child), "photo": _photo(session, actor, case),
                     "travel_document": extra.get("travel_document"), "escort": extra.get("escort")})
    vault.write(plan, {"manifest": {"persons": rows, "planned_date": plan.planned_date.isoformat() if plan.planned_date else None,
                                    "crossing": plan.crossing_code}})
    plan.manifest_sent_at = utcnow()
    plan.manifest_version += 1
    _save(session, plan)
    audit.record(session, actor, "repatriation.manifest", plan, {"version": plan.manifest_version,
                                                                 "persons": len(rows), "late": manifest_late(plan)})
    _tell(session, plan, plan.home_centre_id, "plan_manifest")
    return plan


def manifest_late(plan: Plan, today: date | None = None) -> bool:
    """The manifest must reach the partner REPATRIATION_MANIFEST_DAYS before the handover."""
    if plan.planned_date is None:
        return False
    days = int(current_app.config["REPATRIATION_MANIFEST_DAYS"])
    if plan.manifest_sent_at is not None:
        sent = _aware(plan.manifest_sent_at).date()
        return (plan.planned_date - sent).days < days
    today = today or date.today()
    return (plan.planned_date - today).days < days and plan.state in ("planning", "ready")


def set_escort(session: Session, actor, plan_id: str, person_id: str, data: dict) -> PlanPerson:
    """The guardian or escort who travels with a child (either side may record it)."""
    plan, _side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if plan.state not in ("planning", "ready"):
        raise StateConflict()
    person = session.get(PlanPerson, person_id) if is_id(person_id) else None
    if person is None or person.plan_id != plan.id:
        raise NotFound()
    name = _text(data, "name", required=True)
    _vault(session, plan).write(person, {"escort": {"name": name, "relation": _text(data, "relation")}})
    session.add(person)
    _save(session, plan)
    audit.record(session, actor, "repatriation.escort", plan, {"person": person.id})
    return person


def record_handover(session: Session, actor, plan_id: str, data: dict) -> Plan:
    plan, side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if plan.state in ("handed_over", "received"):
        raise StateConflict(_l("The handover is already recorded."))
    if plan.state != "ready":
        still = open_steps(session, plan)
        raise StateConflict(_l("The plan is not ready for the handover: open steps: %(steps)s.",
                               steps=", ".join(_step_label(k) for k in still)) if still else None)
    host = _centre(session, plan.host_centre_id)
    at = _moment(data, "handed_over_at", host.timezone, required=True)
    if at > utcnow() + timedelta(hours=1):
        raise ValidationError(_l("The time cannot be in the future."), field="handed_over_at")
    crossing = _crossing(session, (plan.host_centre_id, plan.home_centre_id), data.get("crossing"))
    if crossing is None:
        raise ValidationError(_l("Choose a crossing point that both centres use."), field="crossing")
    officials = data.get("officials")
    if not isinstance(officials, list) or not officials or len(officials) > 40:
        raise ValidationError(_l("Name the officials of both sides."), field="officials")
    clean = []
    for o in officials:
        if not isinstance(o, dict) or o.get("side") not in OFFICIAL_SIDES or not _text(o, "name"):
            raise ValidationError(_l("Name the officials of both sides."), field="officials")
        clean.append({"name": _text(o, "name"), "position": _text(o, "position"), "agency": _text(o, "agency"),
                      "country": _text(o, "country"), "side": o["side"]})
    if {o["side"] for o in clean} != set(OFFICIAL_SIDES):
        raise ValidationError(_l("Name the officials of both sides."), field="officials")
    vault = _vault(session, plan)
    missing_docs, unescorted = [], []
    for p in _persons(session, plan):
        extra = vault.decrypt_unaudited(p, ["travel_document", "escort"])  # checked, not shown
        if not extra.get("travel_document"):
            missing_docs.append(p.case_number)
        if p.is_child and not extra.get("escort"):
            unescorted.append(p.case_number)
    # A missing travel document is a warning on the record (officials at the crossing may accept
    # another proof); a child without a guardian or escort is refused.
    if unescorted:
        raise ValidationError(_l("A child needs a guardian or an escort: %(cases)s.", cases=", ".join(unescorted)),
                              field="persons")
    signatures = _signatures(data.get("signatures"))
    vault.write(plan, {"handover": {"at": at.isoformat(), "crossing": crossing, "officials": clean,
                                    "belongings": _text(data, "belongings", limit=MAX_TEXT),
                                    "documents": _text(data, "documents", limit=MAX_TEXT),
                                    "signatures": signatures,
                                    "without_travel_document": missing_docs}})
    plan.handed_over_at, plan.crossing_code, plan.state = at, crossing, "handed_over"
    _save(session, plan)
    audit.record(session, actor, "repatriation.handover", plan, {"crossing": crossing, "officials": len(clean),
                                                                 "side": side, "without_travel_document": missing_docs})
    _tell(session, plan, _other_side(plan, side), "plan_handover")
    return plan


def _signatures(value) -> dict:
    """Signatures drawn on screen: PNG data URLs, decoded, checked and re-drawn as PNG here, so that
    nothing but a small picture is stored or handed to the PDF renderer."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict) or set(value) - set(OFFICIAL_SIDES):
        raise ValidationError(_l("The signatures are not valid."), field="signatures")
    from PIL import Image

    out = {}
    for side, url in value.items():
        prefix = "data:image/png;base64,"
        if not isinstance(url, str) or not url.startswith(prefix) or len(url) > 400_000:
            raise ValidationError(_l("The signatures are not valid."), field="signatures")
        try:
            raw = base64.b64decode(url[len(prefix):], validate=True)
            if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
                raise ValueError("not a PNG")
            with Image.open(io.BytesIO(raw)) as img:
                if img.width > 1200 or img.height > 600:
                    raise ValueError("too large")
                img = img.convert("RGBA")
                clean = io.BytesIO()
                img.save(clean, "PNG")
        except (ValueError, OSError, Image.DecompressionBombError):
            raise ValidationError(_l("The signatures are not valid."), field="signatures") from None
        out[side] = prefix + base64.b64encode(clean.getvalue()).decode()
    return out


def _step_label(key: str) -> str:
    from .labels import STEP

    return str(STEP[key])


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def confirm_reception(session: Session, actor, plan_id: str, data: dict | None = None) -> Plan:
    """The home side confirms it received the person(s): closes the handover for both sides and sets
    the follow-up reports due."""
    plan, side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if side != "home":
        raise PermissionDenied(_l("Only the receiving centre confirms the reception."))
    if plan.state == "received":
        return plan
    if plan.state != "handed_over":
        raise StateConflict()
    data = data or {}
    home = _centre(session, plan.home_centre_id)
    today = _today(home)
    stay_until = _day(data, "stay_until")
    if stay_until is not None:
        if stay_until < today:
            raise ValidationError(_l("The date cannot be in the past."), field="stay_until")
        if home.country_code == "LA" and (stay_until - today).days > int(current_app.config["LAO_TRANSIT_MAX_DAYS"]):
            raise ValidationError(_l("A stay at the transit centre is at most %(n)s days.",
                                     n=int(current_app.config["LAO_TRANSIT_MAX_DAYS"])), field="stay_until")
    _vault(session, plan).write(plan, {"reception": {"facility": _text(data, "facility"),
                                                     "note": _text(data, "note", limit=MAX_TEXT)}})
    plan.received_at, plan.received_by_id, plan.stay_until, plan.state = utcnow(), actor.id, stay_until, "received"
    for months in [int(m) for m in current_app.config["REPATRIATION_FOLLOW_UP_MONTHS"]]:
        session.add(FollowUp(plan_id=plan.id, months=months, due_on=_add_months(today, months)))
    _save(session, plan)
    audit.record(session, actor, "repatriation.reception", plan, {"stay_until": stay_until.isoformat() if stay_until else None})
    _tell(session, plan, plan.host_centre_id, "plan_reception")
    return plan


def submit_follow_up(session: Session, actor, plan_id: str, follow_up_id, report) -> FollowUp:
    plan, side = _get(session, actor, plan_id)
    require_role(actor, *WRITE_ROLES)
    if side != "home":
        raise PermissionDenied(_l("The follow-up reports come from the receiving centre."))
    fu = session.get(FollowUp, follow_up_id) if is_id(follow_up_id) else None
    if fu is None or fu.plan_id != plan.id:
        raise NotFound()
    if fu.submitted_at is not None:
        raise Conflict(_l("This report was already submitted."))
    text = _text({"report": report}, "report", required=True, limit=MAX_TEXT)
    _vault(session, plan).write(fu, {"report": text})
    fu.submitted_at, fu.submitted_by_id = utcnow(), actor.id
    session.add(fu)
    session.flush()
    audit.record(session, actor, "repatriation.follow_up", plan, {"follow_up": fu.id, "months": fu.months})
    _tell(session, plan, plan.host_centre_id, "plan_follow_up")
    return fu


# ---------------------------------------------------------------- reading

@dataclass
class PersonView:
    person: PlanPerson
    name: str | None
    latin_name: str | None
    travel_document: dict | None
    escort: dict | None
    case: Case | None = None


@dataclass
class PlanView:
    plan: Plan
    side: str
    host: Centre
    home: Centre
    persons: list[PersonView]
    steps: list[tuple[PlanStep, dict, str | None]]
    manifest: dict | None
    handover: dict | None
    reception: dict | None
    stop: dict
    follow_ups: list[tuple[FollowUp, str | None, bool]]
    blocking: list[str]
    timeline: list = field(default_factory=list)

    @property
    def manifest_late(self) -> bool:
        return manifest_late(self.plan)


def read_plan(session: Session, actor, plan_id: str) -> PlanView:
    plan, side = _get(session, actor, plan_id)
    vault = _vault(session, plan)
    shared = vault.read(plan, list(Plan.__encrypted__), actor=actor, action="repatriation.read",
                        details={"side": side})
    persons = []
    manifest_rows = {r["case_number"]: r for r in ((shared.get("manifest") or {}).get("persons") or [])}
    for p in _persons(session, plan):
        extra = vault.decrypt_unaudited(p, ["travel_document", "escort"])
        name = latin = case = None
        if side == "host":
            case = session.get(Case, p.case_id)
            if case is not None and case.erased_at is None and "full_name" in cases.visible_fields(actor):
                values = cases.case_vault(session, case).read(case, ["full_name", "latin_name"], actor=actor,
                                                          action="case.read_for_repatriation", details={"plan": plan.id})
                name, latin = values.get("full_name"), values.get("latin_name")
        else:
            row = manifest_rows.get(p.case_number) or {}
            name, latin = row.get("full_name"), row.get("latin_name")
        persons.append(PersonView(p, name, latin, extra.get("travel_document"), extra.get("escort"), case))
    plan_steps = _steps(session, plan)
    done_by = {s.done_by_id for s in plan_steps if s.done_by_id}
    users = dict(session.execute(select(User.id, User.email).where(User.id.in_(done_by))).all()) if done_by else {}
    # Persons, steps and follow-ups of the page are on one record (repatriation.read_details) below.
    steps = [(s, vault.decrypt_unaudited(s, ["note", "details"]), users.get(s.done_by_id)) for s in plan_steps]
    audit.record(session, actor, "repatriation.read_details", plan,
                 {"persons": len(persons), "fields": ["details", "escort", "note", "report", "travel_document"]},
                 read=True)
    today = _today(_centre(session, plan.home_centre_id))
    fus = session.execute(select(FollowUp).where(FollowUp.plan_id == plan.id).order_by(FollowUp.due_on)).scalars().all()
    follow_ups = [(f, vault.decrypt_unaudited(f, ["report"])["report"], f.submitted_at is None and f.due_on < today) for f in fus]
    from ..audit.models import AuditRecord

    timeline = session.execute(select(AuditRecord.at, AuditRecord.action, AuditRecord.actor_centre, User.email)
                               .outerjoin(User, User.id == AuditRecord.actor_id)
                               .where(AuditRecord.target_type == "repatriation_plan", AuditRecord.target_id == plan.id,
                                      AuditRecord.action.in_(tuple(ACTION_LABELS)))
                               .order_by(AuditRecord.seq.desc()).limit(100)).all()
    return PlanView(plan, side, _centre(session, plan.host_centre_id), _centre(session, plan.home_centre_id), persons,
                    steps, shared.get("manifest"), shared.get("handover"), shared.get("reception"),
                    {"reason": shared.get("stop_reason"), "alternative": shared.get("alternative")}, follow_ups,
                    open_steps(session, plan), timeline)


@dataclass
class PlanRow:
    plan: Plan
    partner: Centre
    side: str
    persons: int
    overdue_follow_ups: int
    due_follow_ups: list


def list_plans(session: Session, actor, *, state=None, crossing=None, direction=None, this_week: bool = False) -> list[PlanRow]:
    require_role(actor, *READ_ROLES)
    from sqlalchemy import func, or_

    q = select(Plan).where(or_(Plan.host_centre_id == actor.centre_id, Plan.home_centre_id == actor.centre_id))
    if state:
        q = q.where(Plan.state == state)
    if crossing:
        q = q.where(Plan.crossing_code == crossing)
    if direction:
        q = q.where(Plan.direction == direction)
    today = _today(_centre(session, actor.centre_id))
    if this_week:
        q = q.where(Plan.planned_date >= today, Plan.planned_date <= today + timedelta(days=7),
                    Plan.state.in_(("planning", "ready")))
    plans = session.execute(q.order_by(Plan.planned_date.is_(None), Plan.planned_date, Plan.created_at.desc())
                            .limit(500)).scalars().all()
    centres = {c.id: c for c in session.execute(select(Centre)).scalars()}
    rows = []
    for p in plans:
        n = session.execute(select(func.count()).select_from(PlanPerson).where(PlanPerson.plan_id == p.id)).scalar_one()
        fus = session.execute(select(FollowUp).where(FollowUp.plan_id == p.id, FollowUp.submitted_at.is_(None))
                              .order_by(FollowUp.due_on)).scalars().all()
        side = "host" if p.host_centre_id == actor.centre_id else "home"
        partner = centres[p.home_centre_id if side == "host" else p.host_centre_id]
        rows.append(PlanRow(p, partner, side, n, sum(1 for f in fus if f.due_on < today), fus))
    return rows


def plans_of_case(session: Session, actor, case: Case) -> list[Plan]:
    if case.centre_id != actor.centre_id or not actor.has_role(*READ_ROLES):
        return []
    return session.execute(select(Plan).join(PlanPerson, PlanPerson.plan_id == Plan.id)
                           .where(PlanPerson.case_id == case.id).order_by(Plan.created_at.desc())).scalars().all()


@events.case_erased.connect
def erase_for_case(case: Case, *, session: Session) -> None:
    """On erasure of a case: the person leaves every plan's shared record (manifest row, travel
    document, escort); an active plan with nobody else on it stops."""
    for person in session.execute(select(PlanPerson).where(PlanPerson.case_id == case.id)).scalars():
        plan = session.get(Plan, person.plan_id)
        vault = _vault(session, plan)
        person.travel_document = person.escort = None
        session.add(person)
        manifest = vault.decrypt_unaudited(plan, ["manifest"])["manifest"]  # erasure: rewritten, not shown
        if manifest:
            manifest["persons"] = [r for r in manifest.get("persons") or [] if r.get("case_number") != person.case_number]
            vault.write(plan, {"manifest": manifest})
        others = [p for p in _persons(session, plan) if p.id != person.id]
        if plan.state in ACTIVE_STATES and not others:
            plan.state = "stopped"
            vault.write(plan, {"stop_reason": None})
        _save(session, plan)
        audit.record(session, None, "repatriation.person_erased", plan, {"person": person.id})
