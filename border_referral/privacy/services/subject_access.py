"""The data subject's access report (PDPA s.30; the Myanmar and Lao laws give the same right): for
one person's case, everything the centre holds about them, what was shared with which partner and on
which ground, how they were identified, their repatriation, and who read the record when.

Administrators see only case numbers in their daily work; writing this report is their duty as the
controller, so it is the one place where they read the whole record: every read is on the audit
record as `privacy.subject_access` with the case and the report's language."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session

from ... import audit, inputs
from ...audit.models import AuditRecord
from ...auth.models import UserRole
from ...cases import services as cases
from ...cases.models import Attachment, Case, CaseNote
from ...centres.models import Centre
from ...i18n import LANGUAGES
from ...referrals import services as referrals
from ...repatriation import services as repatriation
from ...repatriation.models import Plan, PlanPerson, PlanStep
from ...screening.models import Screening, ScreeningDecision
from ...util import utcnow

ACTION = "privacy.subject_access"
REPORT_LANGUAGES = LANGUAGES  # th, my, lo, en
ACCESS_LOG_LIMIT = 1000

# Reads of personal data on the audit record: the vault's reads and the pages that record their own.
READ_ACTIONS = frozenset({
    "case.read", "case.read_conflict", "case.read_for_edit", "case.read_for_erase", "case.list", "case.search",
    "case.notes_read", "case.attachments_listed", "case.attachment_read", "case.read_for_referral",
    "case.read_for_referral_form", "case.read_for_manifest", "case.read_for_repatriation",
    "screening.read", "screening.read_for_edit", "screening.read_for_decision", "screening.print",
    "screening.read_decisions", "referral.read", "referral.read_consent", "referral.attachment_read",
    "repatriation.read", "repatriation.read_details", ACTION,
})
READ_PREFIXES = ("case.", "screening.", "referral.", "repatriation.", "privacy.")


def is_read(action: str) -> bool:
    """Whether an audit record's action is a read of personal data (a view, a list with names, a
    download, a print, a report)."""
    if action in READ_ACTIONS:
        return True
    # A read added later by a feature follows the naming of the others (x.read_..., x.y_read).
    return action.startswith(READ_PREFIXES[:4]) and (".read" in action or action.endswith("_read"))


@dataclass
class AccessEntry:
    at: datetime
    action: str
    roles: list[str]
    centre_code: str | None


@dataclass
class PlanPart:
    plan: Plan
    partner: Centre
    side: str                       # host | home: the side of the person's centre
    steps: list[PlanStep]


@dataclass
class Report:
    case: Case
    centre: Centre
    language: str
    values: dict
    notes: list[tuple[CaseNote, str | None]]
    attachments: list[tuple[Attachment, str | None]]
    shared: list
    screenings: list[Screening]
    decisions: list[ScreeningDecision]
    plans: list[PlanPart]
    access_log: list[AccessEntry]
    made_at: datetime = field(default_factory=utcnow)


def reach_for_report(session: Session, actor, case_id: str) -> Case:
    """The case, for an administrator of its centre; anyone else of the centre is refused (403),
    another centre's or an erased case is not found (404)."""
    return cases.reach_case(session, actor, case_id, roles=("admin",))


def default_language(session: Session, case: Case) -> str:
    """The language the person was interviewed in (their latest screening) when it is one of the
    report's, else the language of the case's centre."""
    spoken = session.execute(select(Screening.language).where(Screening.case_id == case.id,
                                                             Screening.language.in_(REPORT_LANGUAGES))
                             .order_by(Screening.created_at.desc()).limit(1)).scalar_one_or_none()
    return spoken or repatriation.language_of(session.get(Centre, case.centre_id))


def make_report(session: Session, actor, case_id: str, language) -> Report:
    case = reach_for_report(session, actor, case_id)
    language = inputs.choice({"language": language}, "language", REPORT_LANGUAGES, required=True)
    details = {"case": case.id, "language": language}
    # The log of earlier reads, up to now: this report's own reads are recorded after it.
    last_seq = session.execute(select(func.max(AuditRecord.seq))).scalar_one() or 0

    vault = cases.case_vault(session, case)
    values = vault.read(case, list(Case.__encrypted__), actor=actor, action=ACTION, details=details)
    notes = session.execute(select(CaseNote).where(CaseNote.case_id == case.id)
                            .order_by(CaseNote.created_at)).scalars().all()
    bodies = vault.read_many(notes, ["body"], actor=actor, action=ACTION, target=case,
                             details={**details, "part": "notes"})
    atts = session.execute(select(Attachment).where(Attachment.case_id == case.id)
                           .order_by(Attachment.created_at)).scalars().all()
    names = vault.read_many(atts, ["filename"], actor=actor, action=ACTION, target=case,
                            details={**details, "part": "attachments"})
    shared = referrals.shared_about_case(session, actor, case, action=ACTION, details=details)

    screenings = session.execute(select(Screening).where(Screening.case_id == case.id)
                                 .order_by(Screening.created_at)).scalars().all()
    decisions = session.execute(select(ScreeningDecision).join(Screening, Screening.id == ScreeningDecision.screening_id)
                                .where(Screening.case_id == case.id)
                                .order_by(ScreeningDecision.signed_off_at)).scalars().all()
    plans = _plans(session, case)
    log = _access_log(session, case, [s.id for s in screenings], [p.plan.id for p in plans], shared, last_seq)
    audit.record(session, actor, ACTION, case, {**details, "notes": len(notes), "attachments": len(atts),
                                                "referrals": len(shared), "plans": len(plans)}, read=True)
    return Report(case, session.get(Centre, case.centre_id), language, values,
                  [(n, b["body"]) for n, b in zip(notes, bodies)], [(a, n["filename"]) for a, n in zip(atts, names)],
                  shared, screenings, decisions, plans, log)


def _plans(session: Session, case: Case) -> list[PlanPart]:
    plans = session.execute(select(Plan).join(PlanPerson, PlanPerson.plan_id == Plan.id)
                            .where(PlanPerson.case_id == case.id).order_by(Plan.created_at)).scalars().all()
    out = []
    for plan in plans:
        side = "host" if plan.host_centre_id == case.centre_id else "home"
        partner = session.get(Centre, plan.home_centre_id if side == "host" else plan.host_centre_id)
        steps = session.execute(select(PlanStep).where(PlanStep.plan_id == plan.id).order_by(PlanStep.id)).scalars().all()
        out.append(PlanPart(plan, partner, side, list(steps)))
    return out


def _access_log(session: Session, case: Case, screening_ids: list[str], plan_ids: list[str], shared: list,
                last_seq: int) -> list[AccessEntry]:
    """Who read the person's record, and when: reads of the case, its screenings, its referrals
    (by either side) and its plans, and lists that showed the person's name. Role and centre only:
    the staff member's address is not the person's business, and the centre answers for its staff."""
    targets = [(AuditRecord.target_type == "case_file") & (AuditRecord.target_id == case.id)]
    if screening_ids:
        targets.append((AuditRecord.target_type == "screening") & AuditRecord.target_id.in_(screening_ids))
    referral_ids = [s.referral_id for s in shared]
    if referral_ids:
        targets.append((AuditRecord.target_type == "referral") & AuditRecord.target_id.in_(referral_ids))
    if plan_ids:
        targets.append((AuditRecord.target_type == "repatriation_plan") & AuditRecord.target_id.in_(plan_ids))
    # Lists and search results name the case among others, in their details.
    targets.append(AuditRecord.action.in_(("case.list", "case.search")) & AuditRecord.details.contains(f'"{case.id}"'))
    rows = session.execute(select(AuditRecord).where(AuditRecord.seq <= last_seq, or_(*targets))
                           .order_by(AuditRecord.seq.desc()).limit(ACCESS_LOG_LIMIT)).scalars().all()
    rows = [r for r in rows if is_read(r.action) and _about(r, case.id)]
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    roles: dict[str, list[str]] = {}
    if actor_ids:
        for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)
                                             .where(UserRole.user_id.in_(actor_ids)).order_by(UserRole.role)):
            roles.setdefault(user_id, []).append(role)
    return [AccessEntry(r.at, r.action, roles.get(r.actor_id, []), r.actor_centre) for r in rows]


def _about(rec: AuditRecord, case_id: str) -> bool:
    if rec.action not in ("case.list", "case.search"):
        return True
    try:
        return case_id in (json.loads(rec.details).get("cases") or [])
    except (ValueError, AttributeError):
        return False


def case_section(session: Session, actor, case: Case) -> dict | None:
    """For the case page (sections.case_page): the way to the access report, for an administrator
    of the case's centre only."""
    if case.centre_id != actor.centre_id or case.erased_at is not None or not actor.has_role("admin"):
        return None
    return {"case_id": case.id}
