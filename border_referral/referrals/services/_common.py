"""What the referral services share: the roles, the transitions, reaching a referral and its package, the
clocks, the reference, the message language, saving against a version, shredding a package, adding a
message and telling a centre; and the registration of the referral notices."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ...auth.permissions import require_role
from ...centres import jurisdictions
from ...centres.models import Centre
from ...crypto.envelope import destroy
from ...crypto.models import DataKey
from ...crypto.vault import Vault
from ...database import save_versioned
from ...files import uploads
from ...errors import Conflict, NotFound, ValidationError
from ...i18n import LANGUAGES
from ...i18n.names import to_unicode
from ...notifications.services import notify_centre, register_subject
from ...util import is_id, next_in_sequence, utcnow
from .. import labels
from ..models import OPEN_STATES, Referral, ReferralAttachment, ReferralCounter, ReferralMessage


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
    """CR-TL-2570-0001: sender, receiver, the sender's fiscal year as its profile writes it (the same
    era as its case numbers), sequence per sender and fiscal year. References given before (with
    the calendar year) stay valid."""
    key, label = jurisdictions.year_of_record(sender)
    last = next_in_sequence(session, ReferralCounter, sender.id, "year", key)
    return f"{sender.code}-{receiver.code}-{label}-{last:04d}"


# ---------------------------------------------------------------- creating (a draft)


def _language(value, actor) -> str:
    if value in (None, ""):
        return actor.locale if actor.locale in LANGUAGES else "en"
    if value not in LANGUAGES:
        raise ValidationError(_l("Choose one of the listed values."), field="language")
    return value


_save = save_versioned  # the one save-with-version (database.py)


def _destroy_package(session: Session, r: Referral) -> None:
    """Shred what crossed: the package key (package, thread, decline reason) and the thread's files."""
    for att in session.execute(select(ReferralAttachment).where(ReferralAttachment.referral_id == r.id)).scalars():
        uploads.shred(att)
    for msg in session.execute(select(ReferralMessage).where(ReferralMessage.referral_id == r.id)).scalars():
        msg.body = None
    if r.package_key_id:
        destroy(session.get(DataKey, r.package_key_id))
    r.package = None
    r.decline_reason = None
    r.package_destroyed_at = utcnow()


def _add_message(session: Session, vault: Vault, r: Referral, actor, body: str, language: str) -> ReferralMessage:
    msg = ReferralMessage(referral_id=r.id, centre_id=actor.centre_id, author_id=actor.id, language=language)
    vault.write(msg, {"body": to_unicode(body)})
    session.add(msg)
    return msg


def notify(session: Session, centre_id: int, r: Referral, kind: str) -> int:
    """A notice about a referral to the people of a centre who act on it."""
    return notify_centre(session, centre_id, subject="referral", subject_id=r.id, kind=kind, reference=r.reference)
