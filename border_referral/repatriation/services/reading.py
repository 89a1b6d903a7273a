"""Reading a plan, the list of plans, the plans of a case, and erasure of a case."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from ... import audit, events, inputs
from ..labels import ACTIONS as ACTION_LABELS
from ...auth.models import User
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...centres.models import Centre
from ..models import ACTIVE_STATES, FollowUp, Plan, PlanPerson, PlanStep
from ._common import READ_ROLES, _centre, _get, _save, _today, _vault
from .steps import _persons, _steps, open_steps
from .handover import manifest_late


# ---------------------------------------------------------------- reading

@dataclass
class PersonView:
    person: PlanPerson
    name: str | None
    latin_name: str | None
    travel_document: dict | None
    escort: dict | None
    case: Case | None = None


@dataclass
class PlanView:
    plan: Plan
    side: str
    host: Centre
    home: Centre
    persons: list[PersonView]
    steps: list[tuple[PlanStep, dict, str | None]]
    manifest: dict | None
    handover: dict | None
    reception: dict | None
    stop: dict
    follow_ups: list[tuple[FollowUp, str | None, bool]]
    blocking: list[str]
    timeline: list = field(default_factory=list)

    @property
    def manifest_late(self) -> bool:
        return manifest_late(self.plan)

    @property
    def manifest_rows(self) -> list[dict]:
        """The manifest as it stands: the persons as sent (name, nationality, sex, age, photo), with
        what the plan has recorded since about each (travel document, guardian or escort), so that a
        printed manifest never says "no travel document" once one is recorded."""
        current = {pv.person.case_number: pv for pv in self.persons}
        rows = []
        for row in (self.manifest or {}).get("persons") or []:
            pv = current.get(row.get("case_number"))
            if pv is None:
                continue  # no longer on the plan (erased)
            rows.append({**row, "travel_document": pv.travel_document, "escort": pv.escort})
        return rows

    @property
    def manifest_changed(self) -> bool:
        """The partner's copy of the manifest is out of date: since it was sent, a travel document
        or an escort was recorded or changed, or the date or the crossing of the handover changed.
        (Changes to a person's case file itself are not seen here: the host's case files are read
        only when the manifest is sent.)"""
        if self.plan.manifest_sent_at is None or not self.manifest:
            return False
        sent = self.manifest
        planned = self.plan.planned_date.isoformat() if self.plan.planned_date else None
        if sent.get("planned_date") != planned or sent.get("crossing") != self.plan.crossing_code:
            return True
        current = {pv.person.case_number: pv for pv in self.persons}
        for row in sent.get("persons") or []:
            pv = current.get(row.get("case_number"))
            if pv is not None and ((row.get("travel_document") or None) != (pv.travel_document or None)
                                   or (row.get("escort") or None) != (pv.escort or None)):
                return True
        return False


def read_plan(session: Session, actor, plan_id: str) -> PlanView:
    plan, side = _get(session, actor, plan_id)
    vault = _vault(session, plan)
    shared = vault.read(plan, list(Plan.__encrypted__), actor=actor, action="repatriation.read",
                        details={"side": side})
    persons = []
    manifest_rows = {r["case_number"]: r for r in ((shared.get("manifest") or {}).get("persons") or [])}
    for p in _persons(session, plan):
        extra = vault.decrypt_unaudited(p, ["travel_document", "escort"])
        name = latin = case = None
        if side == "host":
            case = session.get(Case, p.case_id)
            if case is not None and case.erased_at is None and "full_name" in cases.visible_fields(actor):
                values = cases.case_vault(session, case).read(case, ["full_name", "latin_name"], actor=actor,
                                                          action="case.read_for_repatriation", details={"plan": plan.id})
                name, latin = values.get("full_name"), values.get("latin_name")
        else:
            row = manifest_rows.get(p.case_number) or {}
            name, latin = row.get("full_name"), row.get("latin_name")
        persons.append(PersonView(p, name, latin, extra.get("travel_document"), extra.get("escort"), case))
    plan_steps = _steps(session, plan)
    done_by = {s.done_by_id for s in plan_steps if s.done_by_id}
    users = dict(session.execute(select(User.id, User.email).where(User.id.in_(done_by))).all()) if done_by else {}
    # Persons, steps and follow-ups of the page are on one record (repatriation.read_details) below.
    steps = [(s, vault.decrypt_unaudited(s, ["note", "details"]), users.get(s.done_by_id)) for s in plan_steps]
    audit.record(session, actor, "repatriation.read_details", plan,
                 {"persons": len(persons), "fields": ["details", "escort", "note", "report", "travel_document"]},
                 read=True)
    today = _today(_centre(session, plan.home_centre_id))
    fus = session.execute(select(FollowUp).where(FollowUp.plan_id == plan.id).order_by(FollowUp.due_on)).scalars().all()
    follow_ups = [(f, vault.decrypt_unaudited(f, ["report"])["report"], f.submitted_at is None and f.due_on < today) for f in fus]
    from ...audit.models import AuditRecord

    timeline = session.execute(select(AuditRecord.at, AuditRecord.action, AuditRecord.actor_centre, User.email)
                               .outerjoin(User, User.id == AuditRecord.actor_id)
                               .where(AuditRecord.target_type == "repatriation_plan", AuditRecord.target_id == plan.id,
                                      AuditRecord.action.in_(tuple(ACTION_LABELS)))
                               .order_by(AuditRecord.seq.desc()).limit(100).execution_options(**audit.PAST_ONLY)).all()
    return PlanView(plan, side, _centre(session, plan.host_centre_id), _centre(session, plan.home_centre_id), persons,
                    steps, shared.get("manifest"), shared.get("handover"), shared.get("reception"),
                    {"reason": shared.get("stop_reason"), "alternative": shared.get("alternative")}, follow_ups,
                    open_steps(session, plan), timeline)


@dataclass
class PlanRow:
    plan: Plan
    partner: Centre
    side: str
    persons: int
    overdue_follow_ups: int
    due_follow_ups: list


def list_plans(session: Session, actor, *, state=None, crossing=None, direction=None, this_week: bool = False) -> list[PlanRow]:
    require_role(actor, *READ_ROLES)
    inputs.filters(state=state, crossing=crossing, direction=direction)
    from sqlalchemy import func, or_

    q = select(Plan).where(or_(Plan.host_centre_id == actor.centre_id, Plan.home_centre_id == actor.centre_id))
    if state:
        q = q.where(Plan.state == state)
    if crossing:
        q = q.where(Plan.crossing_code == crossing)
    if direction:
        q = q.where(Plan.direction == direction)
    today = _today(_centre(session, actor.centre_id))
    if this_week:
        q = q.where(Plan.planned_date >= today, Plan.planned_date <= today + timedelta(days=7),
                    Plan.state.in_(("planning", "ready")))
    plans = session.execute(q.order_by(Plan.planned_date.is_(None), Plan.planned_date, Plan.created_at.desc())
                            .limit(500)).scalars().all()
    # Three queries for the whole list, whatever its length: the persons counted per plan and the
    # open follow-ups of all the plans at once (they were two queries per plan).
    from ...centres.services import centres as all_centres

    centres = {c.id: c for c in all_centres(session)}
    ids = [p.id for p in plans]
    persons = dict(session.execute(select(PlanPerson.plan_id, func.count()).where(PlanPerson.plan_id.in_(ids))
                                   .group_by(PlanPerson.plan_id)).all()) if ids else {}
    open_follow_ups: dict[str, list] = {}
    if ids:
        for f in session.execute(select(FollowUp).where(FollowUp.plan_id.in_(ids), FollowUp.submitted_at.is_(None))
                                 .order_by(FollowUp.due_on)).scalars():
            open_follow_ups.setdefault(f.plan_id, []).append(f)
    rows = []
    for p in plans:
        n = persons.get(p.id, 0)
        fus = open_follow_ups.get(p.id, [])
        side = "host" if p.host_centre_id == actor.centre_id else "home"
        partner = centres[p.home_centre_id if side == "host" else p.host_centre_id]
        rows.append(PlanRow(p, partner, side, n, sum(1 for f in fus if f.due_on < today), fus))
    return rows


@dataclass
class HomeSummary:
    steps_waiting: int       # active plans with a step open on the reader's side
    handovers_soon: int      # plans (planning or ready) with a handover in the next 7 days
    manifests_to_send: int   # host side: ready or planning with consent done, manifest not sent yet
    follow_ups_due: int      # home side: reports not written yet, due in the next 14 days
    follow_ups_overdue: int


def home_summary(session: Session, actor) -> HomeSummary | None:
    """What the reader's centre has to do in its repatriations, for the home page: counts from coded
    columns only (nothing decrypted). None for roles that do not read plans."""
    if not actor.has_role(*READ_ROLES):
        return None
    from sqlalchemy import and_, func, or_

    centre = _centre(session, actor.centre_id)
    today = _today(centre)
    mine = or_(Plan.host_centre_id == centre.id, Plan.home_centre_id == centre.id)
    my_side = or_(PlanStep.side == "both",
                  and_(PlanStep.side == "host", Plan.host_centre_id == centre.id),
                  and_(PlanStep.side == "home", Plan.home_centre_id == centre.id))
    waiting = session.execute(select(func.count(func.distinct(Plan.id))).join(PlanStep, PlanStep.plan_id == Plan.id)
                              .where(mine, Plan.state.in_(("planning", "ready")), PlanStep.state == "open",
                                     my_side)).scalar_one()
    soon = session.execute(select(func.count()).select_from(Plan).where(
        mine, Plan.state.in_(("planning", "ready")), Plan.planned_date >= today,
        Plan.planned_date <= today + timedelta(days=7))).scalar_one()
    consent_done = select(PlanStep.plan_id).where(PlanStep.key == "consent", PlanStep.state == "done")
    manifests = session.execute(select(func.count()).select_from(Plan).where(
        Plan.host_centre_id == centre.id, Plan.state.in_(("planning", "ready")), Plan.manifest_sent_at.is_(None),
        Plan.id.in_(consent_done))).scalar_one()
    open_reports = (select(FollowUp.due_on).join(Plan, Plan.id == FollowUp.plan_id)
                    .where(Plan.home_centre_id == centre.id, FollowUp.submitted_at.is_(None)))
    due = session.execute(select(func.count()).select_from(open_reports.where(
        FollowUp.due_on >= today, FollowUp.due_on <= today + timedelta(days=14)).subquery())).scalar_one()
    overdue = session.execute(select(func.count()).select_from(open_reports.where(
        FollowUp.due_on < today).subquery())).scalar_one()
    return HomeSummary(waiting, soon, manifests, due, overdue)


def plans_of_case(session: Session, actor, case: Case) -> list[Plan]:
    if case.centre_id != actor.centre_id or not actor.has_role(*READ_ROLES):
        return []
    return session.execute(select(Plan).join(PlanPerson, PlanPerson.plan_id == Plan.id)
                           .where(PlanPerson.case_id == case.id).order_by(Plan.created_at.desc())).scalars().all()


@events.case_erased.connect
def erase_for_case(case: Case, *, session: Session) -> None:
    """On erasure of a case: the person leaves every plan's shared record (manifest row, travel
    document, escort); an active plan with nobody else on it stops."""
    for person in session.execute(select(PlanPerson).where(PlanPerson.case_id == case.id)).scalars():
        plan = session.get(Plan, person.plan_id)
        vault = _vault(session, plan)
        person.travel_document = person.escort = None
        session.add(person)
        manifest = vault.decrypt_unaudited(plan, ["manifest"])["manifest"]  # erasure: rewritten, not shown
        if manifest:
            manifest["persons"] = [r for r in manifest.get("persons") or [] if r.get("case_number") != person.case_number]
            vault.write(plan, {"manifest": manifest})
        others = [p for p in _persons(session, plan) if p.id != person.id]
        if plan.state in ACTIVE_STATES and not others:
            plan.state = "stopped"
            vault.write(plan, {"stop_reason": None})
        _save(session, plan)
        audit.record(session, None, "repatriation.person_erased", plan, {"person": person.id})
