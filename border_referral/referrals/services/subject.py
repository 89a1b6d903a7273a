"""What the privacy duties need to know of referrals: what was shared about one person (the data
subject's access report), which cases have a referral still in use (retention keeps them) and the
references of referrals named in the audit log (the breach-response report)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...centres.models import Centre
from ...errors import NotFound
from ..models import OPEN_STATES, Referral, ReferralCase, ReferralConsent


@dataclass
class SharedWith:
    """One referral that carried the person's data across the border."""
    referral_id: str
    reference: str
    partner: Centre
    purpose: str
    state: str
    fields: list[str]
    sent_at: datetime | None
    closed_at: datetime | None
    consent_given: bool
    consent_date: str | None
    consent_method: str | None
    legal_ground: str | None
    in_group: bool               # the person travelled with another person's referral
    package_destroyed_at: datetime | None


def shared_about_case(session: Session, actor, case: Case, *, action: str, details: dict) -> list[SharedWith]:
    """Every referral sent about the case (as its person or one of a group), for the administrator
    of the case's centre writing the person's access report. The legal ground is read from the
    sender's consent record (an audited read under `action`, with `details`)."""
    if case.centre_id != actor.centre_id or case.erased_at is not None:
        raise NotFound()
    require_role(actor, "admin")
    in_group = select(ReferralCase.referral_id).where(ReferralCase.case_id == case.id)
    refs = session.execute(select(Referral).where(or_(Referral.case_id == case.id, Referral.id.in_(in_group)),
                                                  Referral.sent_at.is_not(None))
                           .order_by(Referral.sent_at)).scalars().all()
    out = []
    for r in refs:
        ground = None
        record = session.get(ReferralConsent, r.id)
        owner = case if r.case_id == case.id else session.get(Case, r.case_id)
        if record is not None and owner is not None and owner.erased_at is None:
            ground = cases.case_vault(session, owner).read(
                record, ["legal_ground"], actor=actor, action=action, target=case,
                details={**details, "referral": r.id})["legal_ground"]
        out.append(SharedWith(r.id, r.reference, session.get(Centre, r.to_centre_id), r.purpose, r.state, r.fields,
                              r.sent_at, r.closed_at, r.consent_given, r.consent_date, r.consent_method, ground,
                              r.case_id != case.id, r.package_destroyed_at))
    return out


def cases_with_open_referrals(session: Session, case_ids: list[str]) -> set[str]:
    """Which of these cases have a referral the partner is still working on (sent, acknowledged or
    accepted), as its person or one of a group. For the retention command (no caller: the system)."""
    case_ids = list(case_ids)
    if not case_ids:
        return set()
    main = session.execute(select(Referral.case_id).where(Referral.case_id.in_(case_ids),
                                                          Referral.state.in_(OPEN_STATES))).scalars()
    grouped = session.execute(select(ReferralCase.case_id).join(Referral, Referral.id == ReferralCase.referral_id)
                              .where(ReferralCase.case_id.in_(case_ids), Referral.state.in_(OPEN_STATES))).scalars()
    return set(main) | set(grouped)


def references_by_id(session: Session, centre_id: int, referral_ids: list[str]) -> dict[str, str]:
    """The references of these referrals that the centre sent or received (others are left out)."""
    ids = [i for i in referral_ids if isinstance(i, str)]
    if not ids:
        return {}
    rows = session.execute(select(Referral.id, Referral.reference).where(
        Referral.id.in_(ids), or_(Referral.from_centre_id == centre_id, Referral.to_centre_id == centre_id))).all()
    return dict(rows)
