"""Cross-border referrals: the state machine, what crosses (the package), the thread, deadlines,
escalation, notifications and the duplicate hint.

Sides: the *sender* is the centre that opened the referral, the *receiver* the partner it is
addressed to. Anyone else (and the receiver, for a draft or a withdrawn referral) gets "not found".
Every transition checks the caller's side and role, is refused with 409 when the state does not
allow it, and is harmless when repeated (the same action on a referral already in its target state
changes nothing)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlmodel import Session

from .. import audit, events
from ..auth.models import User, UserRole
from ..auth.permissions import require_role
from ..cases import services as cases
from ..cases.models import Case, CaseIndex
from ..inputs import text as _text
from ..centres.models import Centre
from ..centres.services import are_partners
from ..crypto import blind
from ..crypto.envelope import destroy
from ..crypto.models import DataKey
from ..crypto.vault import Vault
from ..database import on_commit, save_versioned
from ..files import uploads
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..i18n import LANGUAGES
from ..i18n.names import to_unicode
from ..notifications.services import notify_centre, register_subject
from ..util import is_code, is_id, next_in_sequence, utcnow
from . import labels
from .models import (CLEAR_CASE_FIELDS, CONSENT_METHODS, OPEN_STATES, PURPOSES, SHAREABLE, STATES,
                     Escalation, Referral, ReferralAttachment, ReferralCase, ReferralConsent,
                     ReferralCounter, ReferralMessage)

READ_ROLES = ("caseworker", "mdt", "viewer")
register_subject("referral", endpoint="referrals.view", id_arg="referral_id",
                 title=_l("Referral %(reference)s: %(what)s"), kinds=labels.NOTICE)
ACT_ROLES = ("caseworker", "mdt")
MAX_MESSAGE = 20000

# action: (the side that may take it, the states it may be taken from, the state it leads to)
TRANSITIONS = {
    "send": ("sender", ("draft",), "sent"),
    "acknowledge": ("receiver", ("sent",), "acknowledged"),
    "accept": ("receiver", ("acknowledged",), "accepted"),
    "decline": ("receiver", ("acknowledged",), "declined"),
    "complete": ("sender", ("accepted",), "completed"),
    "withdraw": ("sender", ("draft", "sent", "acknowledged", "accepted"), "withdrawn"),
}


class StateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the referral's present state.")


# ---------------------------------------------------------------- reaching a referral

def _get(session: Session, actor, referral_id) -> tuple[Referral, str]:
    """The referral and the caller's side; not found for anyone else."""
    r = session.get(Referral, referral_id) if is_id(referral_id) else None
    if r is None:
        raise NotFound()
    if r.from_centre_id == actor.centre_id:
        side = "sender"
    elif r.to_centre_id == actor.centre_id and r.state not in ("draft", "withdrawn"):
        side = "receiver"
    else:
        raise NotFound()
    require_role(actor, *READ_ROLES)
    return r, side


def _package_vault(session: Session, r: Referral) -> Vault | None:
    if r.package_key_id is None or r.package_destroyed_at is not None:
        return None
    return Vault.open(session, r.package_key_id, target=r)


def deadline_days(purpose: str) -> int:
    return int(current_app.config[f"REFERRAL_DAYS_{purpose.upper()}"])


def overdue_kinds(r: Referral, now: datetime | None = None) -> list[str]:
    """What is late: "acknowledge" (sent, not acknowledged in time), "respond" (not answered in time)."""
    now = now or utcnow()
    late = []
    if r.state == "sent" and r.ack_due_at is not None and now > _aware(r.ack_due_at):
        late.append("acknowledge")
    if r.state in OPEN_STATES and r.response_due_at is not None and now > _aware(r.response_due_at):
        late.append("respond")
    return late


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _centre(session: Session, centre_id: int) -> Centre:
    return session.get(Centre, centre_id)


def _next_reference(session: Session, sender: Centre, receiver: Centre) -> str:
    year = utcnow().year
    last = next_in_sequence(session, ReferralCounter, sender.id, "year", year)
    return f"{sender.code}-{receiver.code}-{year}-{last:04d}"


# ---------------------------------------------------------------- creating (a draft)

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
    message = _text(data, "message", limit=MAX_MESSAGE)
    language = _language(data.get("language"), actor)
    r = Referral(reference=_next_reference(session, sender, receiver), from_centre_id=sender.id,
                 to_centre_id=receiver.id, case_id=case.id, case_number=case.case_number, purpose=purpose,
                 shared_fields="," + ",".join(shared) + "," if shared else "",
                 consent_given=consent["given"], consent_date=consent["date"], consent_method=consent["method"],
                 override_by_id=None if consent["given"] else actor.id, created_by_id=actor.id)
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


def _language(value, actor) -> str:
    if value in (None, ""):
        return actor.locale if actor.locale in LANGUAGES else "en"
    if value not in LANGUAGES:
        raise ValidationError(_l("Choose one of the listed values."), field="language")
    return value


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
    return r


_save = save_versioned  # the one save-with-version (database.py)


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
    r.identification_status = _identification_status(session, case)
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


def _identification_status(session: Session, case: Case) -> str | None:
    from ..screening.models import Screening

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


def _destroy_package(session: Session, r: Referral) -> None:
    """Shred what crossed: the package key (package, thread, decline reason) and the thread's files."""
    for att in session.execute(select(ReferralAttachment).where(ReferralAttachment.referral_id == r.id)).scalars():
        if att.file_id:
            uploads.schedule_delete(att.file_id)
        att.file_id = None
        att.filename = None
    for msg in session.execute(select(ReferralMessage).where(ReferralMessage.referral_id == r.id)).scalars():
        msg.body = None
    if r.package_key_id:
        destroy(session.get(DataKey, r.package_key_id))
    r.package = None
    r.decline_reason = None
    r.package_destroyed_at = utcnow()


# ---------------------------------------------------------------- reading

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
    return ReferralView(r, side, package, messages, atts, decline_reason, consent, overdue_kinds(r),
                        _centre(session, r.from_centre_id), _centre(session, r.to_centre_id),
                        group_cases(session, r) if side == "sender" else [])


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


def box(session: Session, actor, which: str, *, state=None, purpose=None, overdue: bool = False,
        now: datetime | None = None) -> list[Row]:
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
    refs = session.execute(q.order_by(Referral.updated_at.desc()).limit(500)).scalars().all()
    centres = {c.id: c for c in session.execute(select(Centre)).scalars()}
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


# ---------------------------------------------------------------- the thread

def _add_message(session: Session, vault: Vault, r: Referral, actor, body: str, language: str) -> ReferralMessage:
    msg = ReferralMessage(referral_id=r.id, centre_id=actor.centre_id, author_id=actor.id, language=language)
    vault.write(msg, {"body": to_unicode(body)})
    session.add(msg)
    return msg


def _thread_open(r: Referral, side: str) -> None:
    if r.state not in OPEN_STATES and not (r.state == "draft" and side == "sender"):
        raise StateConflict(_l("The referral is closed: nothing more can be added."))


def add_message(session: Session, actor, referral_id: str, body, language=None) -> ReferralMessage:
    r, side = _get(session, actor, referral_id)
    require_role(actor, *ACT_ROLES)
    _thread_open(r, side)
    text = _text({"body": body}, "body", required=True, limit=MAX_MESSAGE)
    msg = _add_message(session, _package_vault(session, r), r, actor, text, _language(language, actor))
    _save(session, r)
    audit.record(session, actor, "referral.message", r, {"message": msg.id, "language": msg.language})
    if r.state != "draft":
        notify(session, r.to_centre_id if side == "sender" else r.from_centre_id, r, "message")
    return msg


def add_attachment(session: Session, actor, referral_id: str, stream, filename: str | None) -> ReferralAttachment:
    r, side = _get(session, actor, referral_id)
    require_role(actor, *ACT_ROLES)
    _thread_open(r, side)
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise uploads.TooLarge()
    content_type, clean = uploads.sanitise(data)
    att = ReferralAttachment(referral_id=r.id, centre_id=actor.centre_id, uploaded_by_id=actor.id,
                             content_type=content_type, size=len(clean))
    vault = _package_vault(session, r)
    att.file_id, _n = vault.write_file(att.id, io.BytesIO(clean))
    vault.write(att, {"filename": uploads.safe_name(filename, content_type)})
    session.add(att)
    _save(session, r)
    audit.record(session, actor, "referral.attachment_add", r, {"attachment": att.id, "type": content_type})
    if r.state != "draft":
        notify(session, r.to_centre_id if side == "sender" else r.from_centre_id, r, "attachment")
    return att


def read_attachment(session: Session, actor, referral_id: str, attachment_id: str):
    r, _side = _get(session, actor, referral_id)
    att = session.get(ReferralAttachment, attachment_id) if is_id(attachment_id) else None
    vault = _package_vault(session, r)
    if att is None or att.referral_id != r.id or vault is None or att.file_id is None:
        raise NotFound()
    body = vault.read_file(att.id, att.file_id)
    name = vault.read(att, ["filename"], actor=actor, action="referral.attachment_read", target=r,
                      details={"attachment": att.id})["filename"]
    return att, name, body


# ---------------------------------------------------------------- notices, escalation, retention

def notify(session: Session, centre_id: int, r: Referral, kind: str) -> int:
    """A notice about a referral to the people of a centre who act on it."""
    return notify_centre(session, centre_id, subject="referral", subject_id=r.id, kind=kind, reference=r.reference)


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
    from ..centres.services import partners_of

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
