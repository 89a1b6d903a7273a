"""Escalation, retention (purge), the partners one may refer to, erasure of a case and the references
a centre holds."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlmodel import Session

from ... import audit, events
from ...auth.permissions import require_role
from ...cases.models import Case
from ...centres.models import Centre
from ...util import utcnow
from ..models import OPEN_STATES, Escalation, Referral, ReferralCase, ReferralConsent
from ._common import ACT_ROLES, _aware, _destroy_package, _package_vault, notify, overdue_kinds


def escalate(session: Session, now: datetime | None = None) -> list[tuple[Referral, str]]:
    """Put every newly overdue referral on record (once per kind) and tell both centres."""
    now = now or utcnow()
    late = session.execute(select(Referral).where(Referral.state.in_(OPEN_STATES), or_(
        (Referral.state == "sent") & (Referral.ack_due_at < now), Referral.response_due_at < now))).scalars().all()
    done = []
    for r in late:
        known = set(session.execute(select(Escalation.kind).where(Escalation.referral_id == r.id)).scalars())
        for kind in overdue_kinds(r, now):
            if kind in known:
                continue
            session.add(Escalation(referral_id=r.id, kind=kind, at=now))
            audit.record(session, None, "referral.escalate", r, {"kind": kind})
            notify(session, r.to_centre_id, r, f"overdue_{kind}")
            notify(session, r.from_centre_id, r, f"overdue_{kind}")
            done.append((r, kind))
    session.flush()
    return done


def purge(session: Session, now: datetime | None = None) -> int:
    """Destroy the packages of referrals closed (completed or declined) longer ago than the retention period."""
    now = now or utcnow()
    cutoff = now - timedelta(days=int(current_app.config["REFERRAL_RETENTION_DAYS"]))
    old = session.execute(select(Referral).where(Referral.state.in_(("completed", "declined")),
                                                 Referral.closed_at < cutoff,
                                                 Referral.package_destroyed_at.is_(None))).scalars().all()
    for r in old:
        _destroy_package(session, r)
        session.add(r)
        audit.record(session, None, "referral.purge", r, {"closed_at": _aware(r.closed_at).isoformat()})
    session.flush()
    return len(old)


def partners_for_referral(session: Session, actor) -> list[Centre]:
    from ...centres.services import partners_of

    require_role(actor, *ACT_ROLES)
    return partners_of(session, actor.centre_id)


@events.case_erased.connect
def erase_for_case(case: Case, *, session: Session) -> None:
    """On erasure of a case: what was shared about the person is shredded too (packages, threads,
    consent records), open referrals end as withdrawn, and a partner that had received one is told by
    reference only."""
    for link in session.execute(select(ReferralCase).where(ReferralCase.case_id == case.id)).scalars().all():
        r = session.get(Referral, link.referral_id)
        vault = _package_vault(session, r)
        if vault is not None and r.package is not None:  # the person leaves the group's package
            package = vault.decrypt_unaudited(r, ["package"])["package"] or {}  # erasure: rewritten, not shown
            package["persons"] = [p for p in package.get("persons") or [] if p.get("case_number") != link.case_number]
            vault.write(r, {"package": package})
            session.add(r)
        session.delete(link)
    for r in session.execute(select(Referral).where(Referral.case_id == case.id)).scalars():
        _destroy_package(session, r)
        record = session.get(ReferralConsent, r.id)
        if record is not None:
            record.guardian = record.override_reason = record.legal_ground = None
        if r.state in ("draft", *OPEN_STATES):
            r.state, r.closed_at = "withdrawn", utcnow()
            if r.sent_at is not None:
                notify(session, r.to_centre_id, r, "withdraw")
        r.version += 1
        session.add(r)


def own_references(session: Session, centre_id: int, references: list[str], *,
                   among: set[int] | None = None) -> set[str]:
    """Which of these referral references are the centre's own: referrals it sent (whatever their
    state) or received once sent (not a draft, not withdrawn). With `among`, only referrals between
    those centres (e.g. the members of a partnership). For naming referrals elsewhere by reference."""
    references = [r for r in references if isinstance(r, str)]
    if not references:
        return set()
    rows = session.execute(select(Referral.reference, Referral.from_centre_id, Referral.to_centre_id, Referral.state)
                           .where(Referral.reference.in_(references),
                                  or_(Referral.from_centre_id == centre_id, Referral.to_centre_id == centre_id))).all()
    return {ref for ref, sender, receiver, state in rows
            if (among is None or {sender, receiver} <= among)
            and (sender == centre_id or (receiver == centre_id and state not in ("draft", "withdrawn")))}
