"""Settings (shelters, required agencies) and erasure of a case."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ... import audit, events
from ...auth.permissions import require_role
from ...cases.models import Case
from ...inputs import text as _text
from ...errors import Conflict, NotFound, ValidationError
from ..models import AGENCIES, Screening, ScreeningConfig, ScreeningDecision, Shelter
from ._common import READ_ROLES, _codes


# ---------------------------------------------------------------- settings: shelters and MDT members


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
