"""Case files. Every function takes the caller; permission and centre scoping are checked here,
decryption happens through the Vault (which records the read), and writes flush, never commit.

Another centre's case, and an erased case, are "not found" for everyone, whatever their role."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit, events, inputs
from ..auth.models import User
from ..auth.permissions import require_role
from ..centres.models import Centre
from ..crypto import blind
from ..crypto.envelope import destroy
from ..crypto.errors import IntegrityFailure, KeyUnavailable
from ..crypto.rotation import rotate
from ..database import on_commit
from ..crypto.models import DataKey
from ..crypto.vault import Vault
from ..files import uploads
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..i18n import thai_fiscal_year
from ..util import is_id, next_in_sequence, utcnow
from .models import (ERASE_REASONS, FACTS, HEALTH, IDENTITY, SEXUAL, Attachment, Case, CaseCounter, CaseIndex,
                     CaseNote)
from .validation import clean, is_child

READ_ROLES = ("caseworker", "mdt", "viewer")
# Administrators see that cases exist (numbers, coded fields) so they can erase one; no personal data.
VIEW_ROLES = READ_ROLES + ("admin",)
WRITE_ROLES = ("caseworker", "mdt")
GROUPS_BY_ROLE = {
    "caseworker": {IDENTITY, FACTS, HEALTH, SEXUAL},
    "mdt": {IDENTITY, FACTS, HEALTH, SEXUAL},
    "viewer": {IDENTITY, FACTS},
}
PAGE_SIZE = 25
SORTS = {"newest": Case.created_at.desc(), "oldest": Case.created_at.asc(), "number": Case.case_number.asc(),
         "status": Case.status.asc(), "updated": Case.updated_at.desc()}
IDENTITY_FIELDS = [f for f, g in Case.__encrypted__.items() if g == IDENTITY]


def visible_groups(actor) -> set[str]:
    groups: set[str] = set()
    for role in getattr(actor, "roles", ()):
        groups |= GROUPS_BY_ROLE.get(role, set())
    return groups


def visible_fields(actor) -> list[str]:
    groups = visible_groups(actor)
    return [f for f, g in Case.__encrypted__.items() if g in groups]


def _local_today(session: Session, centre_id: int) -> date:
    centre = session.get(Centre, centre_id)
    return datetime.now(ZoneInfo(centre.timezone)).date()


def reach_case(session: Session, actor, case_id: str, roles=VIEW_ROLES) -> Case:
    case = session.get(Case, case_id) if is_id(case_id) else None
    if case is None or case.centre_id != actor.centre_id or case.erased_at is not None:
        raise NotFound()
    require_role(actor, *roles)
    return case


def case_vault(session: Session, case: Case) -> Vault:
    return Vault.open(session, case.data_key_id, target=case)


# ---------------------------------------------------------------- numbering and indexes

def _next_number(session: Session, centre: Centre, today: date) -> tuple[str, int, int]:
    """The next case number in the owning centre's own fiscal year and format (centres/jurisdictions.py):
    CR-2570-0042 (Thai fiscal year in B.E.), TL-2026/27-0007 (April-March), HX-2026-0007 (calendar year).
    The counter is keyed by the profile's fiscal-year key."""
    from ..centres import jurisdictions

    profile = jurisdictions.profile_for_country(centre.country_code)
    fy = jurisdictions.fiscal_year(profile, today)
    last = next_in_sequence(session, CaseCounter, centre.id, "fiscal_year", fy)
    return profile.case_number(centre.code, jurisdictions.fiscal_label(profile, fy), last), fy, last


def _reindex(session: Session, case: Case, centre_code: str, values: dict) -> None:
    session.execute(delete(CaseIndex).where(CaseIndex.case_id == case.id))
    digests: set[str] = set()
    for name in [values.get("full_name"), values.get("latin_name"), *(values.get("aliases") or [])]:
        if name:
            digests |= blind.name_digests(centre_code, name)
    for doc in values.get("id_documents") or []:
        digests |= blind.id_number_digests(centre_code, doc.get("number") or "")
    for digest in sorted(digests):
        session.add(CaseIndex(case_id=case.id, centre_id=case.centre_id, digest=digest))


def _check_assignee(session: Session, actor, user_id) -> str | None:
    if not user_id:
        return None
    user = session.get(User, user_id) if isinstance(user_id, str) else None
    if user is None or user.centre_id != actor.centre_id or not user.active:
        raise ValidationError(_l("Choose a case worker of your centre."), field="assigned_to")
    return user.id


def _apply_clear(case: Case, clear: dict) -> None:
    for key, value in clear.items():
        if key == "exploitation_types":
            case.exploitation_codes = "," + ",".join(value) + "," if value else ""
        elif key == "assigned_to":
            case.assigned_to_id = value
        else:
            setattr(case, key, value)


# ---------------------------------------------------------------- create, read, update

def create_case(session: Session, actor, data: dict) -> Case:
    require_role(actor, *WRITE_ROLES)
    centre = session.get(Centre, actor.centre_id)
    today = _local_today(session, centre.id)
    clear, secret = clean(data, partial=False, today=today)
    clear["assigned_to"] = _check_assignee(session, actor, clear.get("assigned_to")) or actor.id
    number, fy, seq = _next_number(session, centre, today)
    vault = Vault.create(session, centre.code)
    case = Case(centre_id=centre.id, case_number=number, fiscal_year=fy, seq=seq, data_key_id=vault.key_id,
                created_by_id=actor.id, sex=clear["sex"], nationality=clear["nationality"])
    _apply_clear(case, clear)
    case.is_child = is_child(secret.get("date_of_birth"), secret.get("age_estimate"), today)
    case.found_month = secret["found_date"][:7] if secret.get("found_date") else None
    vault.write(case, {k: v for k, v in secret.items() if v not in (None, [], {})})
    session.add(case)
    session.flush()
    _reindex(session, case, centre.code, secret)
    audit.record(session, actor, "case.create", case, {"case_number": number})
    return case


def read_case(session: Session, actor, case_id: str, *, action: str = "case.read",
              roles=VIEW_ROLES) -> tuple[Case, dict]:
    """The case and the personal fields the caller may see (the read is audited)."""
    case = reach_case(session, actor, case_id, roles)
    values = case_vault(session, case).read(case, visible_fields(actor), actor=actor, action=action)
    return case, values


def update_case(session: Session, actor, case_id: str, data: dict, version) -> Case:
    case = reach_case(session, actor, case_id, WRITE_ROLES)
    inputs.check_version(case, version)
    today = _local_today(session, case.centre_id)
    clear, secret = clean(data, partial=True, today=today)
    if "assigned_to" in clear:
        clear["assigned_to"] = _check_assignee(session, actor, clear["assigned_to"])
    allowed = set(visible_fields(actor))
    if any(f not in allowed for f in secret):
        raise PermissionDenied()
    vault = case_vault(session, case)
    _apply_clear(case, clear)
    vault.write(case, secret)
    # Only to recompute the derived fields (child, month found, search index): nothing is shown.
    current = vault.decrypt_unaudited(case, IDENTITY_FIELDS + ["found_date"])
    case.is_child = is_child(current.get("date_of_birth"), current.get("age_estimate"), today)
    case.found_month = current["found_date"][:7] if current.get("found_date") else None
    case.updated_at = utcnow()
    session.add(case)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict() from None
    if {"full_name", "latin_name", "aliases", "id_documents"} & set(secret):
        centre = session.get(Centre, case.centre_id)
        _reindex(session, case, centre.code, current)
    audit.record(session, actor, "case.update", case, {"fields": sorted(set(clear) | set(secret))})
    return case


def current_for_conflict(session: Session, actor, case_id: str) -> tuple[Case, dict]:
    """What the case holds now, for the conflict page (an audited read)."""
    return read_case(session, actor, case_id, action="case.read_conflict")


# ---------------------------------------------------------------- lists and search

@dataclass
class CaseRow:
    case: Case
    full_name: str | None


@dataclass
class CasePage:
    rows: list[CaseRow]
    next_page: int | None


def _rows(session: Session, actor, cases: list[Case], action: str) -> list[CaseRow]:
    """Names for a list, if the caller may see them: one audit record for the page."""
    if IDENTITY not in visible_groups(actor) or not cases:
        return [CaseRow(c, None) for c in cases]
    # Each case has a key of its own, so read_many does not apply: the page's read is recorded once, below.
    rows = [CaseRow(c, _name_or_none(session, c)) for c in cases]
    audit.record(session, actor, action, ("case_file", None), {"cases": [c.id for c in cases]}, read=True)
    return rows


def _name_or_none(session: Session, case: Case) -> str | None:
    """One damaged record (a key or a field that no longer decrypts) must not take the whole list
    or search down: its row shows the case number without a name; the vault has logged the failure."""
    try:
        return case_vault(session, case).decrypt_unaudited(case, ["full_name"])["full_name"]
    except (IntegrityFailure, KeyUnavailable):
        return None


def list_cases(session: Session, actor, *, status=None, nationality=None, exploitation_type=None,
               mine: bool = False, sort: str = "newest", page: int = 1) -> CasePage:
    require_role(actor, *VIEW_ROLES)
    q = select(Case).where(Case.centre_id == actor.centre_id, Case.erased_at.is_(None))
    if status:
        q = q.where(Case.status == status)
    if nationality:
        q = q.where(Case.nationality == nationality)
    if exploitation_type:
        q = q.where(Case.exploitation_codes.like(f"%,{exploitation_type},%"))
    if mine:
        q = q.where(Case.assigned_to_id == actor.id)
    page = max(1, int(page or 1))
    q = q.order_by(SORTS.get(sort, SORTS["newest"]), Case.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    cases = session.execute(q).scalars().all()
    more = len(cases) > PAGE_SIZE
    return CasePage(_rows(session, actor, cases[:PAGE_SIZE], "case.list"), page + 1 if more else None)


def search(session: Session, actor, query: str) -> list[CaseRow]:
    """Exact search on names (any script, Zawgyi repaired, Latin spelling folded) and id numbers,
    through the blind index: only the caller's centre, nothing decrypted to find them."""
    require_role(actor, *READ_ROLES)
    return _rows(session, actor, _indexed(session, actor, query, field="q"), "case.search")


def _indexed(session: Session, actor, query: str, *, field: str) -> list[Case]:
    query = (query or "").strip()
    if not query:
        return []
    if len(query) > 200:
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=200), field=field)
    centre = session.get(Centre, actor.centre_id)
    digests = blind.query_digests(centre.code, query)
    if not digests:
        return []
    ids = select(CaseIndex.case_id).where(CaseIndex.centre_id == actor.centre_id, CaseIndex.digest.in_(digests))
    return session.execute(
        select(Case).where(Case.id.in_(ids), Case.erased_at.is_(None)).order_by(Case.created_at.desc()).limit(50)
    ).scalars().all()


def find_for_picker(session: Session, actor, query: str, *, exclude: set[str] | None = None) -> list[CaseRow]:
    """Cases of the caller's centre to add to a group (a group referral, a repatriation plan): by
    name or id number through the blind index, or by exact case number. Erased and closed cases are
    left out, as are `exclude`. The names shown are one audited read."""
    require_role(actor, *READ_ROLES)
    query = (query or "").strip()
    if not query:
        return []
    exclude = exclude or set()
    found = {c.id: c for c in _indexed(session, actor, query, field="find")}
    by_number = session.execute(select(Case).where(
        Case.centre_id == actor.centre_id, Case.erased_at.is_(None),
        Case.case_number == query.upper())).scalars().first()
    if by_number is not None:
        found.setdefault(by_number.id, by_number)
    keep = [c for c in found.values() if c.id not in exclude and c.status != "closed"]
    keep.sort(key=lambda c: c.case_number)
    return _rows(session, actor, keep[:50], "case.search")


def rows_by_ids(session: Session, actor, ids) -> list[CaseRow]:
    """The caller's own cases among `ids` (others are silently left out), with names if the caller
    may see them: what a picker keeps showing as chosen while the user searches for more."""
    require_role(actor, *VIEW_ROLES)
    ids = [i for i in (ids or []) if is_id(i)][:100]
    if not ids:
        return []
    cases = session.execute(select(Case).where(Case.id.in_(ids), Case.centre_id == actor.centre_id,
                                               Case.erased_at.is_(None)).order_by(Case.case_number)).scalars().all()
    return _rows(session, actor, cases, "case.list")


def picker(session: Session, actor, *, chosen_ids, find: str | None = None, searching: bool = False,
           exclude: set[str] | None = None) -> dict:
    """What a group picker shows (templates/macros.html case_picker): the cases already ticked, and
    when the user searched, what the search found besides them."""
    exclude = set(exclude or ())
    chosen = [row for row in rows_by_ids(session, actor, chosen_ids) if row.case.id not in exclude]
    found = []
    if searching:
        found = find_for_picker(session, actor, find or "", exclude=exclude | {row.case.id for row in chosen})
    return {"chosen": chosen, "found": found, "find": find or "", "searched": searching and bool((find or "").strip())}


def count_by_status(session: Session, actor) -> dict[str, int]:
    require_role(actor, *VIEW_ROLES)
    rows = session.execute(select(Case.status, func.count()).where(
        Case.centre_id == actor.centre_id, Case.erased_at.is_(None)).group_by(Case.status)).all()
    return dict(rows)


def assignable_users(session: Session, actor) -> list[User]:
    require_role(actor, *VIEW_ROLES)
    from ..auth.models import UserRole

    return session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.centre_id == actor.centre_id, User.active.is_(True), UserRole.role.in_(WRITE_ROLES))
        .distinct().order_by(User.email)
    ).scalars().all()


# ---------------------------------------------------------------- notes and attachments

def add_note(session: Session, actor, case_id: str, body: str) -> CaseNote:
    case = reach_case(session, actor, case_id, WRITE_ROLES)
    text = (body or "").strip()
    if not text:
        raise ValidationError(_l("This field is required."), field="body")
    if len(text) > 20000:
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=20000), field="body")
    from ..i18n.names import to_unicode

    note = CaseNote(case_id=case.id, author_id=actor.id)
    case_vault(session, case).write(note, {"body": to_unicode(text)})
    session.add(note)
    session.flush()
    audit.record(session, actor, "case.note_add", case, {"note": note.id})
    return note


def read_notes(session: Session, actor, case: Case) -> list[tuple[CaseNote, str]]:
    if FACTS not in visible_groups(actor):
        return []
    notes = session.execute(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at)).scalars().all()
    if not notes:
        return []
    bodies = case_vault(session, case).read_many(notes, ["body"], actor=actor, action="case.notes_read", target=case,
                                                 details={"notes": len(notes)})
    return [(n, b["body"]) for n, b in zip(notes, bodies)]


def add_attachment(session: Session, actor, case_id: str, stream, filename: str | None) -> Attachment:
    case = reach_case(session, actor, case_id, WRITE_ROLES)
    from flask import current_app

    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise uploads.TooLarge()
    content_type, clean_bytes = uploads.sanitise(data)
    att = Attachment(case_id=case.id, uploaded_by_id=actor.id, content_type=content_type, size=len(clean_bytes))
    vault = case_vault(session, case)
    import io

    att.file_id, _size = vault.write_file(att.id, io.BytesIO(clean_bytes))
    name = uploads.safe_name(filename, content_type)
    vault.write(att, {"filename": name})
    session.add(att)
    session.flush()
    audit.record(session, actor, "case.attachment_add", case, {"attachment": att.id, "type": content_type})
    return att


def list_attachments(session: Session, actor, case: Case) -> list[tuple[Attachment, str]]:
    if IDENTITY not in visible_groups(actor):
        return []
    atts = session.execute(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.created_at)).scalars().all()
    if not atts:
        return []
    names = case_vault(session, case).read_many(atts, ["filename"], actor=actor, action="case.attachments_listed",
                                                target=case)
    return [(a, n["filename"]) for a, n in zip(atts, names)]


def read_attachment(session: Session, actor, case_id: str, attachment_id: str) -> tuple[Attachment, str, bytes]:
    case = reach_case(session, actor, case_id)
    if IDENTITY not in visible_groups(actor):
        raise PermissionDenied()
    att = session.get(Attachment, attachment_id) if is_id(attachment_id) else None
    if att is None or att.case_id != case.id:
        raise NotFound()
    vault = case_vault(session, case)
    body = vault.read_file(att.id, att.file_id)
    name = vault.read(att, ["filename"], actor=actor, action="case.attachment_read", target=case,
                      details={"attachment": att.id})["filename"]
    return att, name, body


# ---------------------------------------------------------------- timeline and erasure

def timeline(session: Session, actor, case: Case) -> list[tuple[datetime, str, str]]:
    from ..audit.models import AuditRecord

    rows = session.execute(
        select(AuditRecord.at, AuditRecord.action, User.email)
        .outerjoin(User, User.id == AuditRecord.actor_id)
        .where(AuditRecord.target_type == "case_file", AuditRecord.target_id == case.id)
        .order_by(AuditRecord.seq.desc()).limit(100)
    ).all()
    return [(at, action, email or "-") for at, action, email in rows]


def erase_case(session: Session, actor, case_id: str, reason: str) -> Case:
    """Crypto-shred a case: its data key is destroyed, so its fields, notes and files can no longer
    be decrypted. Admins of the case's centre only.

    A backup taken before still holds the wrapped data key; so once the erasure has committed the
    centre's KEK is rotated and the old version retired (its key material destroyed): the backup's
    copy of the data key can then never be unwrapped. (Restoring an older backup therefore needs
    the key ring of its time; keep key-ring backups only as long as the retention rules allow.)"""
    case = session.get(Case, case_id) if is_id(case_id) else None
    if case is None or case.centre_id != actor.centre_id or case.erased_at is not None:
        raise NotFound()
    require_role(actor, "admin")
    if reason not in ERASE_REASONS:
        raise ValidationError(_l("Choose the reason for the erasure."), field="reason")
    for att in session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalars():
        if att.file_id:
            uploads.schedule_delete(att.file_id)
        att.file_id = None
        att.filename = None
    for note in session.execute(select(CaseNote).where(CaseNote.case_id == case.id)).scalars():
        note.body = None
    session.execute(delete(CaseIndex).where(CaseIndex.case_id == case.id))
    # Later features (screenings, referral packages, repatriation plans) shred what they hold about
    # the person, in this same unit of work.
    events.case_erased.send(case, session=session)
    for field in Case.__encrypted__:
        setattr(case, field, None)
    destroy(session.get(DataKey, case.data_key_id))
    case.erased_at = utcnow()
    case.erase_reason = reason
    session.flush()
    centre_code = session.get(Centre, case.centre_id).code
    on_commit(lambda: rotate(centre_code))
    audit.record(session, actor, "case.erase", case, {"reason": reason, "case_number": case.case_number})
    return case


