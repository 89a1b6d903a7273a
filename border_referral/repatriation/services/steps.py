"""The steps of a plan and what each records."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit, inputs
from ...auth.permissions import require_role
from ...inputs import choice as _choice, text as _text, text_list as _text_list
from ...crypto.vault import Vault
from ...errors import Conflict, NotFound, PermissionDenied, ValidationError
from ...util import utcnow
from ..models import (ASSESSMENTS, CLEARANCES, STEP_KEYS, STEP_SIDE, STOPPING_STEPS, TRAVEL_DOCUMENTS, Plan,
                      PlanPerson, PlanStep)
from ._common import (MAX_TEXT, StateConflict, WRITE_ROLES, _centre, _crossing, _day, _get, _other_side, _save,
                      _tell, _today, _vault)


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
