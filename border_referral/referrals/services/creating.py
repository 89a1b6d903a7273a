"""Creating a referral (a draft): the fields to share, the group, the consent."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...inputs import text as _text
from ...centres import jurisdictions
from ...centres.models import Centre
from ...centres.services import are_partners
from ...crypto.vault import Vault
from ...errors import PermissionDenied, ValidationError
from ...util import is_code
from ..models import (CLEAR_CASE_FIELDS, CONSENT_METHODS, PURPOSES, SHAREABLE, Referral, ReferralCase,
                      ReferralConsent)
from ._common import ACT_ROLES, MAX_MESSAGE, _add_message, _centre, _language, _next_reference


def shareable_for(actor) -> list[str]:
    """The case fields this caller may put in a package: those they may see themselves."""
    visible = set(cases.visible_fields(actor)) | set(CLEAR_CASE_FIELDS)
    return [f for f in SHAREABLE if f in visible]


def _shared_fields(actor, value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_l("Choose the fields to share from the list."), field="shared_fields")
    allowed = shareable_for(actor)
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise ValidationError(_l("These fields cannot be shared: %(fields)s.", fields=", ".join(unknown)[:200]),
                              field="shared_fields")
    return [f for f in SHAREABLE if f in value]


def _group(session: Session, actor, first: Case, value) -> list[Case]:
    """The other persons of a group referral: cases of the caller's centre, each once."""
    if value in (None, [], ""):
        return []
    if not isinstance(value, list) or len(value) > 30 or not all(isinstance(v, str) for v in value):
        raise ValidationError(_l("Choose the other persons of the group from your cases."), field="case_ids")
    ids = [v for v in dict.fromkeys(value) if v != first.id]
    return [cases.reach_case(session, actor, v, ACT_ROLES) for v in ids]


def _consent(actor, case: Case, value, today: date, *, children: bool = False) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("given"), bool):
        raise ValidationError(_l("Record whether the person consented to the referral."), field="consent")
    if value["given"]:
        raw = value.get("date") or today.isoformat()
        try:
            when = date.fromisoformat(str(raw))
        except ValueError:
            raise ValidationError(_l("Enter a date as YYYY-MM-DD."), field="consent_date") from None
        if when > today:
            raise ValidationError(_l("The date cannot be in the future."), field="consent_date")
        if when.year < 2000:
            raise ValidationError(_l("The date is too far in the past."), field="consent_date")
        method = value.get("method") or None
        if method is not None and method not in CONSENT_METHODS:
            raise ValidationError(_l("Choose one of the listed values."), field="consent_method")
        guardian = _text(value, "guardian")
        if (case.is_child or children) and not guardian:
            raise ValidationError(_l("For a child, give the parent or guardian who consented."), field="guardian")
        return {"given": True, "date": when.isoformat(), "method": method, "guardian": guardian, "override_reason": None}
    reason = _text(value, "override_reason", limit=2000)
    if not reason:
        raise ValidationError(_l("Without consent, a supervisor must give the reason for sending anyway."),
                              field="override_reason")
    if not actor.has_role("supervisor"):
        raise PermissionDenied(_l("Only a supervisor can send a referral without the person's consent."))
    return {"given": False, "date": None, "method": None, "guardian": None, "override_reason": reason}


def create_referral(session: Session, actor, data: dict) -> Referral:
    """A draft referral of one of the caller's cases to a partner centre."""
    require_role(actor, *ACT_ROLES)
    case = cases.reach_case(session, actor, data.get("case_id"), ACT_ROLES)
    group = _group(session, actor, case, data.get("case_ids"))
    sender = _centre(session, actor.centre_id)
    code = data.get("to_centre")
    receiver = session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none() \
        if is_code(code) else None
    if receiver is None or receiver.id == sender.id or not receiver.active or not are_partners(session, sender.id, receiver.id):
        raise ValidationError(_l("A referral can only go to a partner centre of yours."), field="to_centre")
    purpose = data.get("purpose")
    if purpose not in PURPOSES:
        raise ValidationError(_l("Choose the purpose of the referral."), field="purpose")
    shared = _shared_fields(actor, data.get("shared_fields"))
    today = datetime.now(ZoneInfo(sender.timezone)).date()
    consent = _consent(actor, case, data.get("consent"), today, children=any(c.is_child for c in [case, *group]))
    legal_ground = _text(data, "legal_ground", required=True, limit=500)
    ground_code = data.get("legal_ground_code") or None
    if ground_code is not None and (not isinstance(ground_code, str) or jurisdictions.profile_of_centre(
            session, sender.id).legal_ground(ground_code) is None):
        raise ValidationError(_l("Choose one of the listed values."), field="legal_ground_code")
    message = _text(data, "message", limit=MAX_MESSAGE)
    language = _language(data.get("language"), actor)
    r = Referral(reference=_next_reference(session, sender, receiver), from_centre_id=sender.id,
                 to_centre_id=receiver.id, case_id=case.id, case_number=case.case_number, purpose=purpose,
                 shared_fields="," + ",".join(shared) + "," if shared else "",
                 consent_given=consent["given"], consent_date=consent["date"], consent_method=consent["method"],
                 legal_ground_code=ground_code, override_by_id=None if consent["given"] else actor.id, created_by_id=actor.id)
    package = Vault.create(session, receiver.code)
    r.package_key_id = package.key_id
    session.add(r)
    session.flush()
    for pos, member in enumerate(group, start=1):
        session.add(ReferralCase(referral_id=r.id, case_id=member.id, case_number=member.case_number, position=pos))
    record = ReferralConsent(referral_id=r.id)
    cases.case_vault(session, case).write(record, {"guardian": consent["guardian"], "override_reason": consent["override_reason"],
                                               "legal_ground": legal_ground})
    session.add(record)
    if message:
        _add_message(session, package, r, actor, message, language)
    session.flush()
    audit.record(session, actor, "referral.create", r, {"case": case.id, "to": receiver.code, "purpose": purpose,
                                                        "fields": shared, "consent": consent["given"],
                                                        "group": [c.id for c in group]})
    if not consent["given"]:
        audit.record(session, actor, "referral.consent_override", r, {"case": case.id})
    return r
