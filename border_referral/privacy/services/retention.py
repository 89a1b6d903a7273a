"""Erasure at the end of the retention period (the Myanmar and Lao laws ask for destruction after
retention; the Thai PDPA for erasure once the data is no longer needed).

The period is the jurisdiction profile's (`retention.closed_case_years`, None unless the network
sets one): a closed case not changed for that many years is crypto-shredded through the cases'
erasure, with reason `retention_expired`, by the system (the command line, `flask retention apply`).
A case is kept while a partner is still working on its referral (sent, acknowledged, accepted) or
its repatriation plan is unfinished: those are listed with the reason."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from ...cases import services as cases
from ...cases.models import Case
from ...centres import jurisdictions
from ...centres.models import Centre
from ...referrals import services as referrals
from ...repatriation.models import ACTIVE_STATES, Plan, PlanPerson
from ...util import utcnow

REASON = "retention_expired"
KEPT_OPEN_REFERRAL = "open_referral"
KEPT_UNFINISHED_REPATRIATION = "unfinished_repatriation"


@dataclass
class RetentionPlan:
    due: list[Case] = field(default_factory=list)
    kept: list[tuple[Case, str]] = field(default_factory=list)   # (case, why it is kept)
    periods: dict[str, int] = field(default_factory=dict)        # centre code -> years


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def plan_retention(session: Session, now: datetime | None = None, case_ids: list[str] | None = None) -> RetentionPlan:
    """What `flask retention apply` would erase now, and what it keeps (nothing is changed).
    With `case_ids`, only those cases are considered."""
    now = now or utcnow()
    plan = RetentionPlan()
    candidates: list[Case] = []
    for centre in session.execute(select(Centre).order_by(Centre.code)).scalars():
        try:
            years = jurisdictions.profile_of(centre).retention.closed_case_years
        except LookupError:  # a country without a profile has no period
            continue
        if not years:
            continue
        plan.periods[centre.code] = years
        q = select(Case).where(Case.centre_id == centre.id, Case.status == "closed", Case.erased_at.is_(None),
                               Case.updated_at < years_before(now, years))
        if case_ids is not None:
            q = q.where(Case.id.in_(list(case_ids)))
        candidates += session.execute(q.order_by(Case.case_number)).scalars().all()
    ids = [c.id for c in candidates]
    in_use = referrals.cases_with_open_referrals(session, ids)
    travelling = set(session.execute(select(PlanPerson.case_id).join(Plan, Plan.id == PlanPerson.plan_id)
                                     .where(PlanPerson.case_id.in_(ids), Plan.state.in_(ACTIVE_STATES))).scalars()) \
        if ids else set()
    for case in candidates:
        if case.id in in_use:
            plan.kept.append((case, KEPT_OPEN_REFERRAL))
        elif case.id in travelling:
            plan.kept.append((case, KEPT_UNFINISHED_REPATRIATION))
        else:
            plan.due.append(case)
    return plan


def apply_retention(session: Session, case_id: str, now: datetime | None = None) -> bool:
    """Erase one case if it is still due (checked again in this unit of work); True if erased. The
    erasure is the cases' own (keys destroyed, files deleted, later features told, audited as
    `case.erase` by the system)."""
    plan = plan_retention(session, now, case_ids=[case_id])
    if not any(c.id == case_id for c in plan.due):
        return False
    cases.erase_case(session, None, case_id, REASON)
    return True
