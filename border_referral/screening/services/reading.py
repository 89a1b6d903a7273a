"""Reading a screening, the screenings of a case, and the dashboard of clocks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...util import utcnow
from .. import clocks
from ..models import Screening, ScreeningDecision
from ...centres.jurisdictions import Profile
from ._common import READ_ROLES, WRITE_ROLES, _aware, _centre, _screening, profile, visible_fields
from .decision import Elements, elements, required_agencies


# ---------------------------------------------------------------- reading

@dataclass
class ScreeningView:
    screening: Screening
    case: Case
    values: dict
    decisions: list[tuple[ScreeningDecision, dict]]
    elements: Elements
    required_agencies: list[str]
    profile: Profile  # the law of the centre that owns the screening (clocks, sections, outcomes)

    @property
    def stage(self) -> str:
        if self.screening.outcome:
            return "decided"
        return "interviewed" if self.screening.interview_at else "prescreened"

    @property
    def current_decision(self):
        return next(((d, v) for d, v in self.decisions if not d.superseded), None)


def read_screening(session: Session, actor, screening_id: str, *, action: str = "screening.read") -> ScreeningView:
    s, case = _screening(session, actor, screening_id)
    vault = cases.case_vault(session, case)
    fields = visible_fields(actor)
    values = vault.read(s, fields, actor=actor, action=action, details={"case": case.id})
    decisions = session.execute(select(ScreeningDecision).where(ScreeningDecision.screening_id == s.id)
                                .order_by(ScreeningDecision.signed_off_at.desc())).scalars().all()
    dvals = list(zip(decisions, vault.read_many(decisions, sorted(ScreeningDecision.__encrypted__), actor=actor,
                                                action="screening.read_decisions", target=s,
                                                details={"decisions": [d.id for d in decisions]})))
    # acts and means are in the "facts" group every reader sees: no second decryption
    el = elements(case, s, values)
    return ScreeningView(s, case, values, dvals, el, required_agencies(session, s.centre_id),
                         profile(session, s.centre_id))


def may_screen(actor, case: Case) -> bool:
    """Whether the caller may start a screening of this case (for the case page)."""
    return case.centre_id == actor.centre_id and case.erased_at is None and actor.has_role(*WRITE_ROLES)


def screenings_of_case(session: Session, actor, case: Case) -> list[Screening]:
    """The case's screenings, coded fields only (for the clocks on the case page; nothing decrypted)."""
    if not actor.has_role(*READ_ROLES) or case.centre_id != actor.centre_id:
        return []
    return session.execute(select(Screening).where(Screening.case_id == case.id)
                           .order_by(Screening.created_at.desc())).scalars().all()


# ---------------------------------------------------------------- the dashboard of clocks

@dataclass
class ClockRow:
    screening: Screening
    case_number: str
    deadline: datetime | None = None
    remaining: clocks.Remaining | None = None
    until: date | None = None
    days_left: int | None = None


@dataclass
class Dashboard:
    custody: list[ClockRow]
    reflection: list[ClockRow]
    undecided: list[ClockRow]


DASHBOARD_SORTS = ("time", "case")


def dashboard(session: Session, actor, *, sort: str = "time", now: datetime | None = None) -> Dashboard:
    """People held now with the time left; reflection periods ending in the next 7 days; screenings
    without a decision. Coded fields and case numbers only: nothing personal is decrypted."""
    require_role(actor, *READ_ROLES)
    now = now or utcnow()
    centre = _centre(session, actor.centre_id)
    today = clocks.local_date(now, centre.timezone)
    base = (select(Screening, Case.case_number).join(Case, Case.id == Screening.case_id)
            .where(Screening.centre_id == actor.centre_id, Case.erased_at.is_(None)))
    held = session.execute(base.where(Screening.custody_deadline.is_not(None), Screening.custody_ended_at.is_(None))).all()
    custody = [ClockRow(s, n, deadline=_aware(s.custody_deadline), remaining=clocks.remaining(s.custody_deadline, now))
               for s, n in held]
    ending = session.execute(base.where(Screening.reflection_ends >= today,  # set only for a victim (or s.6/1)
                                        Screening.reflection_ends <= today + timedelta(days=7))).all()
    reflection = [ClockRow(s, n, until=s.reflection_ends, days_left=clocks.days_left(s.reflection_ends, today))
                  for s, n in ending]
    open_ = session.execute(base.where(Screening.outcome.is_(None))).all()
    undecided = [ClockRow(s, n, deadline=_aware(s.custody_deadline)) for s, n in open_]
    if sort == "case":
        for rows in (custody, reflection, undecided):
            rows.sort(key=lambda r: r.case_number)
    else:
        custody.sort(key=lambda r: r.remaining.seconds)
        reflection.sort(key=lambda r: (r.days_left, r.case_number))
        undecided.sort(key=lambda r: (r.deadline is None, r.deadline or _aware(r.screening.created_at)))
    return Dashboard(custody, reflection, undecided)
