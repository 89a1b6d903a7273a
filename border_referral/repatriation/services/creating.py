"""Creating a repatriation plan."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit
from ...auth.permissions import require_role
from ...cases import services as cases
from ...centres.models import Centre
from ...centres.services import are_partners
from ...crypto.vault import Vault
from ...errors import ValidationError
from ...util import is_code
from ..models import ACTIVE_STATES, STEP_KEYS, STEP_SIDE, Plan, PlanPerson, PlanStep
from ._common import MAX_PERSONS, WRITE_ROLES, _centre, _crossing, _day, _reference, _tell, _today


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
