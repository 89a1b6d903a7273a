"""The manifest, the escorts, the handover, the reception and the follow-up reports."""
from __future__ import annotations

import base64
import io
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit, events
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Attachment, Case
from ...inputs import text as _text
from ...errors import Conflict, NotFound, PermissionDenied, ValidationError
from ...util import is_id, utcnow
from ..models import OFFICIAL_SIDES, FollowUp, Plan, PlanPerson
from ._common import (MAX_TEXT, StateConflict, WRITE_ROLES, _aware, _centre, _crossing, _day, _get, _moment,
                      _other_side, _save, _tell, _today, _vault)
from .steps import _persons, _steps, open_steps


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
    events.handover_recorded.send(plan, session=session, actor=actor)
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
    from ..labels import STEP

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
