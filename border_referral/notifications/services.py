"""Notices to the people of a centre, in the app and (when SMTP is configured) by e-mail.

A feature registers each kind of record it notifies about once, at import:

    register_subject("referral", endpoint="referrals.view", id_arg="referral_id",
                     title=_l("Referral %(reference)s: %(what)s"), kinds={"send": _l("a new referral has arrived"), ...})

and then calls `notify_centre(session, centre_id, subject="referral", subject_id=r.id, kind="send",
reference=r.reference)`. The notice and the e-mail carry the reference, what happened and a link."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlmodel import Session

from ..auth.models import User, UserRole
from ..database import on_commit
from ..util import utcnow
from .models import Notification

# Who is told when something happens to a record of their centre: the people who act on cases.
NOTIFY_ROLES = ("caseworker", "mdt", "supervisor")


@dataclass(frozen=True)
class Subject:
    name: str
    endpoint: str          # the page of one record, e.g. "referrals.view"
    id_arg: str            # its URL argument, e.g. "referral_id"
    title: object          # lazy string with %(reference)s and %(what)s: the e-mail subject
    kinds: dict = field(default_factory=dict)  # kind -> lazy label ("a new referral has arrived")

    def path(self, subject_id: str) -> str:
        """The record's page, also outside a request (the cron commands send e-mails too)."""
        return current_app.url_map.bind("localhost").build(self.endpoint, {self.id_arg: subject_id})

    def what(self, kind: str) -> str:
        return str(self.kinds.get(kind, kind))


SUBJECTS: dict[str, Subject] = {}


def register_subject(name: str, *, endpoint: str, id_arg: str, title, kinds: dict) -> Subject:
    """Called by a feature at import; registering the same name again replaces it (idempotent)."""
    SUBJECTS[name] = Subject(name, endpoint, id_arg, title, dict(kinds))
    return SUBJECTS[name]


def subject(name: str) -> Subject:
    return SUBJECTS[name]


def notify_centre(session: Session, centre_id: int, *, subject: str, subject_id: str, kind: str,
                  reference: str, roles=NOTIFY_ROLES) -> int:
    """A notice to every active user of the centre with one of `roles` (and an e-mail when SMTP is
    configured, sent only once the request has committed). Returns how many were told."""
    about = SUBJECTS[subject]
    if kind not in about.kinds:
        raise ValueError(f"{subject}: unknown notice kind {kind!r}")
    users = session.execute(select(User).join(UserRole, UserRole.user_id == User.id).where(
        User.centre_id == centre_id, User.active.is_(True), UserRole.role.in_(roles)).distinct()).scalars().all()
    for user in users:
        session.add(Notification(user_id=user.id, subject=subject, subject_id=subject_id, kind=kind,
                                 reference=reference))
    if users and current_app.config.get("MAIL_SERVER"):
        from . import mail

        recipients = [(u.email, u.locale) for u in users]
        path = about.path(subject_id)
        on_commit(lambda: mail.send_notices(recipients, about, reference, path, kind))
    return len(users)


@dataclass
class Notice:
    row: Notification
    what: str
    link: str | None


def notifications(session: Session, actor, *, mark_read: bool = False) -> list[Notice]:
    """The caller's latest notices (their own only), newest first; optionally marked as read."""
    rows = session.execute(select(Notification).where(Notification.user_id == actor.id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)).scalars().all()
    if mark_read:
        now = utcnow()
        for n in rows:
            if n.read_at is None:
                n.read_at = now
        session.flush()
    out = []
    for n in rows:
        about = SUBJECTS.get(n.subject)
        out.append(Notice(n, about.what(n.kind) if about else n.kind, about.path(n.subject_id) if about else None))
    return out


def unread_count(session: Session, actor) -> int:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return 0
    return session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None))).scalar_one()
