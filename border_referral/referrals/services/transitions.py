"""The state machine: one action at a time, and what sending puts in the package."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit, events
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case, CaseIndex
from ...inputs import text as _text
from ...centres.models import Centre
from ...crypto import blind
from ...errors import NotFound, PermissionDenied
from ...util import utcnow
from ..models import CLEAR_CASE_FIELDS, Referral, ReferralCase
from ._common import (ACT_ROLES, MAX_MESSAGE, StateConflict, TRANSITIONS, _centre, _destroy_package, _get,
                      _package_vault, _save, deadline_days, notify)
from .creating import _shared_fields


# ---------------------------------------------------------------- transitions

def perform(session: Session, actor, referral_id: str, action: str, data: dict | None = None) -> Referral:
    r, side = _get(session, actor, referral_id)
    if action not in TRANSITIONS:
        raise NotFound()
    require_role(actor, *ACT_ROLES)
    who, sources, target = TRANSITIONS[action]
    if side != who:
        raise PermissionDenied(_l("This action belongs to the other centre."))
    if r.state == target:
        return r  # done already: repeating it is harmless
    if r.state not in sources:
        raise StateConflict()
    now = utcnow()
    details: dict = {"from": r.state, "to": target}
    if action == "send":
        _send(session, actor, r, now)  # (what the receiver's files hold is not the sender's business)
    elif action == "acknowledge":
        r.acknowledged_at = now
    elif action in ("accept", "decline"):
        if action == "decline":
            reason = _text(data or {}, "reason", required=True, limit=MAX_MESSAGE)
            _package_vault(session, r).write(r, {"decline_reason": reason})
        r.answered_at = now
        if action == "decline":
            r.closed_at = now
    elif action == "complete":
        r.closed_at = now
    elif action == "withdraw":
        r.closed_at = now
        _destroy_package(session, r)
    r.state = target
    _save(session, r)
    audit.record(session, actor, f"referral.{action}", r, details)
    if r.sent_at is not None:  # a draft was never the partner's business
        notify(session, r.to_centre_id if side == "sender" else r.from_centre_id, r, action)
    events.referral_changed.send(r, session=session, action=action, actor=actor)
    return r


def _send(session: Session, actor, r: Referral, now: datetime) -> None:
    """Copy the chosen fields into the package (sealed under the receiver's key), note the person's
    identification status, look for a duplicate at the receiver, and start the clocks."""
    case = cases.reach_case(session, actor, r.case_id, ACT_ROLES)
    _shared_fields(actor, r.fields)  # the sender may share only what they may see themselves
    package = _person_package(session, actor, r, case)
    members = group_cases(session, r)
    if members:  # a group: every person with the same fields, the first one's at the top level too
        package["persons"] = [{"case_number": case.case_number, **{k: v for k, v in package.items()}}] + [
            {"case_number": m.case_number, **_person_package(session, actor, r, cases.reach_case(session, actor, m.case_id, ACT_ROLES))}
            for m in members]
    _package_vault(session, r).write(r, {"package": package})
    r.identification_status = identification_status(session, case)
    receiver = _centre(session, r.to_centre_id)
    found: list[str] = []
    for person in package.get("persons") or [package]:
        found += [f for f in _duplicates_at(session, receiver, person) if f not in found]
    r.duplicate_fields = ",".join(found)
    r.duplicate_fields = f",{r.duplicate_fields}," if r.duplicate_fields else ""
    r.sent_at = now
    r.ack_due_at = now + timedelta(hours=int(current_app.config["REFERRAL_ACK_HOURS"]))
    r.response_due_at = now + timedelta(days=deadline_days(r.purpose))


def _person_package(session: Session, actor, r: Referral, case: Case) -> dict:
    """One person's chosen fields as they are now (an audited read of the sender's case)."""
    secret = [f for f in r.fields if f not in CLEAR_CASE_FIELDS]
    values = cases.case_vault(session, case).read(case, secret, actor=actor, action="case.read_for_referral",
                                              details={"referral": r.id}) if secret else {}
    clear = {"sex": case.sex, "nationality": case.nationality, "exploitation_types": case.exploitation_types}
    package = {f: (clear[f] if f in CLEAR_CASE_FIELDS else values.get(f)) for f in r.fields}
    return {k: v for k, v in package.items() if v not in (None, "", [], {})}


def group_cases(session: Session, r: Referral) -> list[ReferralCase]:
    return session.execute(select(ReferralCase).where(ReferralCase.referral_id == r.id)
                           .order_by(ReferralCase.position)).scalars().all()


def identification_status(session: Session, case: Case) -> str | None:
    """The outcome of the person's latest identification decision, if any (what a sent referral
    carries; a draft shows it as it stands)."""
    from ...screening.models import Screening

    return session.execute(select(Screening.outcome).where(Screening.case_id == case.id, Screening.outcome.is_not(None))
                           .order_by(Screening.updated_at.desc())).scalars().first()


def _duplicates_at(session: Session, receiver: Centre, package: dict) -> list[str]:
    """Which of the package's names and id numbers the receiving centre already holds (through its own
    blind index): only *that* they match, never the other record."""
    found = []
    names = [package.get("full_name"), package.get("latin_name"), *(package.get("aliases") or [])]
    digests = set()
    for name in names:
        if name:
            digests |= blind.name_digests(receiver.code, name)
    if digests and _indexed(session, receiver.id, digests):
        found.append("full_name")
    ids = set()
    for doc in package.get("id_documents") or []:
        ids |= blind.id_number_digests(receiver.code, (doc or {}).get("number") or "")
    if ids and _indexed(session, receiver.id, ids):
        found.append("id_documents")
    return found


def _indexed(session: Session, centre_id: int, digests: set[str]) -> bool:
    return session.execute(select(CaseIndex.id).join(Case, Case.id == CaseIndex.case_id).where(
        CaseIndex.centre_id == centre_id, CaseIndex.digest.in_(sorted(digests)), Case.erased_at.is_(None)).limit(1)).first() is not None


def allowed_actions(actor, r: Referral, side: str) -> list[str]:
    """The actions this caller may take on the referral now, in the order of TRANSITIONS: those of the
    caller's side whose from-states hold the present state, for the roles that act."""
    if actor is None or not getattr(actor, "has_role", None) or not actor.has_role(*ACT_ROLES):
        return []
    return [action for action, (who, sources, _target) in TRANSITIONS.items() if who == side and r.state in sources]
