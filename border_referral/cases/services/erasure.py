"""The case's timeline, and erasure (crypto-shredding, with the later features told by an event)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlmodel import Session

from ... import audit, events
from ...auth.models import User
from ...auth.permissions import require_role
from ...centres.models import Centre
from ...crypto.envelope import destroy
from ...crypto.rotation import rotate
from ...database import on_commit
from ...crypto.models import DataKey
from ...files import uploads
from ...errors import NotFound, PermissionDenied, ValidationError
from ...util import is_id, utcnow
from ..models import ERASE_REASONS, Attachment, Case, CaseIndex, CaseNote


# ---------------------------------------------------------------- timeline and erasure

def timeline(session: Session, actor, case: Case) -> list[tuple[datetime, str, str]]:
    from ...audit.models import AuditRecord

    rows = session.execute(
        select(AuditRecord.at, AuditRecord.action, User.email)
        .outerjoin(User, User.id == AuditRecord.actor_id)
        .where(AuditRecord.target_type == "case_file", AuditRecord.target_id == case.id)
        .order_by(AuditRecord.seq.desc()).limit(100).execution_options(**audit.PAST_ONLY)
    ).all()
    return [(at, action, email or "-") for at, action, email in rows]


def erase_case(session: Session, actor, case_id: str, reason: str) -> Case:
    """Crypto-shred a case: its data key is destroyed, so its fields, notes and files can no longer
    be decrypted. Admins of the case's centre only.

    A backup taken before still holds the wrapped data key; so once the erasure has committed the
    centre's KEK is rotated and the old version retired (its key material destroyed): the backup's
    copy of the data key can then never be unwrapped. (Restoring an older backup therefore needs
    the key ring of its time; keep key-ring backups only as long as the retention rules allow.)

    `actor=None` is the system on the command line (`flask retention apply`), which may erase any
    centre's case, and only because its retention period ended (reason `retention_expired`)."""
    case = session.get(Case, case_id) if is_id(case_id) else None
    if case is None or case.erased_at is not None or (actor is not None and case.centre_id != actor.centre_id):
        raise NotFound()
    if actor is None:
        if reason != "retention_expired":
            raise PermissionDenied()
    else:
        require_role(actor, "admin")
    if reason not in ERASE_REASONS:
        raise ValidationError(_l("Choose the reason for the erasure."), field="reason")
    for att in session.execute(select(Attachment).where(Attachment.case_id == case.id)).scalars():
        uploads.shred(att)
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
