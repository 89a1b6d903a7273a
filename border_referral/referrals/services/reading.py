"""Reading a referral, previewing a package, the inbox and the outbox, and the counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlmodel import Session

from ... import audit
from ...auth.models import User
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...centres import jurisdictions
from ...centres.services import centres as centre_list
from ...centres.models import Centre
from ...errors import ValidationError
from ...util import utcnow
from ..models import (CLEAR_CASE_FIELDS, OPEN_STATES, PURPOSES, STATES, Referral, ReferralAttachment, ReferralCase,
                      ReferralConsent, ReferralMessage)
from ._common import ACT_ROLES, READ_ROLES, _centre, _get, _package_vault, overdue_kinds
from .creating import _shared_fields
from .transitions import group_cases, identification_status


@dataclass
class ReferralView:
    referral: Referral
    side: str
    package: dict | None
    messages: list[tuple[ReferralMessage, str | None, str]]
    attachments: list[tuple[ReferralAttachment, str]]
    decline_reason: str | None
    consent: dict | None = None
    overdue: list[str] = field(default_factory=list)
    from_centre: Centre | None = None
    to_centre: Centre | None = None
    group: list = field(default_factory=list)
    # The identification status the partner sees: as sent, or for a draft as it stands now.
    identification: str | None = None
    # The ground of the sender's law the transfer rests on (jurisdictions.LegalGround), for both sides.
    legal_ground: object | None = None
    # What the reader's side does next when no button is theirs (a code of labels.NEXT_STEP).
    next_step: str | None = None


def next_step(r: Referral, side: str) -> str | None:
    """The step that comes next, said to the side that waits or works outside the system."""
    return {("sent", "sender"): "wait_acknowledge", ("acknowledged", "sender"): "wait_answer",
            ("accepted", "receiver"): "do_the_work", ("accepted", "sender"): "complete_when_done",
            ("draft", "sender"): "check_and_send"}.get((r.state, side))


def read_referral(session: Session, actor, referral_id: str) -> ReferralView:
    r, side = _get(session, actor, referral_id)
    vault = _package_vault(session, r)
    package, decline_reason, messages, atts = None, None, [], []
    if vault is not None:
        raw = vault.decrypt_unaudited(r, ["package", "decline_reason"])  # on record below, with the thread
        # Each reader sees the shared fields their own role may see (a viewer never sees health).
        allowed = set(cases.visible_fields(actor)) | set(CLEAR_CASE_FIELDS)
        package = _visible(raw.get("package"), allowed) if raw.get("package") else None
        decline_reason = raw.get("decline_reason")
        rows = session.execute(select(ReferralMessage, User.email).outerjoin(User, User.id == ReferralMessage.author_id)
                               .where(ReferralMessage.referral_id == r.id).order_by(ReferralMessage.created_at)).all()
        messages = [(m, vault.decrypt_unaudited(m, ["body"])["body"], email or "-") for m, email in rows]
        for att in session.execute(select(ReferralAttachment).where(ReferralAttachment.referral_id == r.id)
                                   .order_by(ReferralAttachment.created_at)).scalars():
            atts.append((att, vault.decrypt_unaudited(att, ["filename"])["filename"]))
        # One record for the whole page: the package, the thread and the file names shown.
        audit.record(session, actor, "referral.read", r, {"side": side, "fields": sorted(package or {}),
                                                          "messages": len(messages), "attachments": len(atts)}, read=True)
    consent = None
    if side == "sender":
        case = session.get(Case, r.case_id)
        record = session.get(ReferralConsent, r.id)
        if case is not None and case.erased_at is None and record is not None:
            consent = cases.case_vault(session, case).read(record, ["guardian", "override_reason", "legal_ground"],
                                                       actor=actor, action="referral.read_consent", target=r)
    if vault is None:
        audit.record(session, actor, "referral.read", r, {"side": side, "fields": []}, read=True)
    identification = r.identification_status
    if r.state == "draft":
        case = session.get(Case, r.case_id)
        identification = identification_status(session, case) if case is not None else None
    return ReferralView(r, side, package, messages, atts, decline_reason, consent, overdue_kinds(r),
                        _centre(session, r.from_centre_id), _centre(session, r.to_centre_id),
                        group_cases(session, r) if side == "sender" else [], identification,
                        jurisdictions.profile_of_centre(session, r.from_centre_id).legal_ground(r.legal_ground_code)
                        if r.legal_ground_code else None, next_step(r, side))


def _visible(package: dict, allowed: set[str]) -> dict:
    out = {k: v for k, v in package.items() if k in allowed}
    if package.get("persons"):
        out["persons"] = [{k: v for k, v in p.items() if k in allowed or k == "case_number"} for p in package["persons"]]
    return out


def preview(session: Session, actor, case_id: str, fields: list[str]) -> dict:
    """What the partner would see for these fields now (an audited read of the caller's own case)."""
    case = cases.reach_case(session, actor, case_id, ACT_ROLES)
    fields = _shared_fields(actor, fields)
    secret = [f for f in fields if f not in CLEAR_CASE_FIELDS]
    values = cases.case_vault(session, case).read(case, secret, actor=actor, action="case.read_for_referral_form") if secret else {}
    clear = {"sex": case.sex, "nationality": case.nationality, "exploitation_types": case.exploitation_types}
    return {f: (clear[f] if f in CLEAR_CASE_FIELDS else values.get(f)) for f in fields}


@dataclass
class Row:
    referral: Referral
    partner: Centre
    overdue: list[str]


BOX_PAGE = 50        # referrals on one page of the inbox or outbox
BOX_MAX_PAGE = 10_000


def box_page(session: Session, actor, which: str, page: int = 1, **filters) -> tuple[list[Row], int | None]:
    """One page of the inbox or outbox (newest change first) and the number of the next page, if
    any. A centre's box holds thousands of referrals over the years: a page of 50 is what staff read
    (and what the browser renders quickly)."""
    if not 1 <= page <= BOX_MAX_PAGE:
        raise ValidationError(_l("Enter a page number from 1 to %(n)s.", n=BOX_MAX_PAGE), field="page")
    rows = box(session, actor, which, offset=(page - 1) * BOX_PAGE, limit=BOX_PAGE + 1, **filters)
    return rows[:BOX_PAGE], (page + 1 if len(rows) > BOX_PAGE else None)


def box(session: Session, actor, which: str, *, state=None, purpose=None, overdue: bool = False,
        now: datetime | None = None, offset: int = 0, limit: int = 500) -> list[Row]:
    """The inbox (to the caller's centre; no drafts or withdrawn ones) or the outbox (from it)."""
    require_role(actor, *READ_ROLES)
    if which not in ("inbox", "outbox"):
        raise ValidationError(_l("Choose the inbox or the outbox."), field="box")
    q = select(Referral)
    if which == "inbox":
        q = q.where(Referral.to_centre_id == actor.centre_id, Referral.state.not_in(("draft", "withdrawn")))
    else:
        q = q.where(Referral.from_centre_id == actor.centre_id)
    if state:
        if state not in STATES:
            raise ValidationError(_l("Choose one of the listed values."), field="state")
        q = q.where(Referral.state == state)
    if purpose:
        if purpose not in PURPOSES:
            raise ValidationError(_l("Choose one of the listed values."), field="purpose")
        q = q.where(Referral.purpose == purpose)
    now = now or utcnow()
    if overdue:
        q = q.where(Referral.state.in_(OPEN_STATES), or_(
            (Referral.state == "sent") & (Referral.ack_due_at < now), Referral.response_due_at < now))
    refs = session.execute(q.order_by(Referral.updated_at.desc(), Referral.id).offset(offset).limit(limit)).scalars().all()
    centres = {c.id: c for c in centre_list(session)}  # the reference data in memory
    return [Row(r, centres[r.to_centre_id if which == "outbox" else r.from_centre_id], overdue_kinds(r, now))
            for r in refs]


def may_refer(actor, case: Case) -> bool:
    """Whether the caller may refer this case to a partner centre (for the case page)."""
    return case.centre_id == actor.centre_id and case.erased_at is None and actor.has_role(*ACT_ROLES)


def of_case(session: Session, actor, case: Case) -> list[Referral]:
    """The referrals sent about one of the caller's cases (for the case page)."""
    if case.centre_id != actor.centre_id or not actor.has_role(*READ_ROLES):
        return []
    in_group = select(ReferralCase.referral_id).where(ReferralCase.case_id == case.id)
    return session.execute(select(Referral).where(or_(Referral.case_id == case.id, Referral.id.in_(in_group)))
                           .order_by(Referral.created_at.desc())).scalars().all()


def counts(session: Session, actor, now: datetime | None = None) -> dict[str, int]:
    """For the navigation: referrals waiting for the caller's centre, overdue ones (both boxes)."""
    if not actor.has_role(*READ_ROLES):
        return {"waiting": 0, "overdue": 0}
    now = now or utcnow()
    mine = or_(Referral.to_centre_id == actor.centre_id, Referral.from_centre_id == actor.centre_id)
    waiting = session.execute(select(func.count()).select_from(Referral).where(
        Referral.to_centre_id == actor.centre_id, Referral.state.in_(("sent", "acknowledged")))).scalar_one()
    overdue = session.execute(select(func.count()).select_from(Referral).where(
        mine, Referral.state.in_(OPEN_STATES),
        or_((Referral.state == "sent") & (Referral.ack_due_at < now), Referral.response_due_at < now))).scalar_one()
    return {"waiting": waiting, "overdue": overdue}
