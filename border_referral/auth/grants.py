"""Four eyes on access to personal data (issue 14, "Separation of duties").

An administrator who gives an account a role that reads case data (DATA_ROLES: case worker, MDT,
viewer, supervisor) only asks for it: the request waits until a second pair of eyes approves it —
another administrator of the same centre, or a network administrator — never the one who asked and
never the account itself. Until then the account does not have the role, so an administrator cannot
make a second account for themselves and read cases with it. Taking a role away applies at once.
The command line (an operator on the server) grants directly. Every step is audited, and the account
sees its requests on "My account"."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied
from ..util import is_id, utcnow
from .models import DATA_ROLES, RoleGrant, User, UserRole
from .permissions import require_role

NETWORK_ROLE = "network_admin"


class GrantStateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This request has already been answered.")


def needs_approval(actor, before, after) -> list[str]:
    """The data roles an administrator's change adds (they wait for a second administrator)."""
    if actor is None:
        return []
    return sorted((set(after) & DATA_ROLES) - set(before))


def request(session: Session, actor, user: User, roles: list[str]) -> RoleGrant:
    """Ask for `roles` for `user`; a request waiting already for the account is replaced."""
    for earlier in pending_of_user(session, user.id):
        earlier.state, earlier.decided_at, earlier.decided_by_id = "withdrawn", utcnow(), actor.id
        earlier.version += 1
        session.add(earlier)
    grant = RoleGrant(user_id=user.id, centre_id=user.centre_id, roles=",".join(sorted(roles)),
                      requested_by_id=actor.id)
    session.add(grant)
    _flush(session)
    audit.record(session, actor, "role_grant.request", ("role_grant", grant.id), {"user": user.id, "roles": grant.role_list})
    return grant


def _flush(session: Session) -> None:
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        raise Conflict() from None


def pending_of_user(session: Session, user_id: str) -> list[RoleGrant]:
    return session.execute(select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.state == "pending")
                           .order_by(RoleGrant.requested_at)).scalars().all()


def of_user(session: Session, user_id: str, limit: int = 20) -> list[RoleGrant]:
    """An account's requests, newest first (shown to the account itself)."""
    return session.execute(select(RoleGrant).where(RoleGrant.user_id == user_id)
                           .order_by(RoleGrant.requested_at.desc()).limit(limit)).scalars().all()


def pending_for(session: Session, actor) -> list[RoleGrant]:
    """The requests the caller may answer: their centre's (all centres' for a network administrator),
    except their own and those for their own account."""
    require_role(actor, "admin", NETWORK_ROLE)
    return [grant for grant, _user, _asker, may_answer in listing(session, actor) if may_answer]


def listing(session: Session, actor) -> list[tuple[RoleGrant, str, str, bool]]:
    """The waiting requests an administrator sees — their centre's, every centre's for a network
    administrator — as (request, account e-mail, asker e-mail, may the caller answer it)."""
    if not actor.has_role("admin", NETWORK_ROLE):
        return []
    q = select(RoleGrant).where(RoleGrant.state == "pending").order_by(RoleGrant.requested_at)
    if not actor.has_role(NETWORK_ROLE):
        q = q.where(RoleGrant.centre_id == actor.centre_id)
    requests = session.execute(q).scalars().all()
    ids = {g.user_id for g in requests} | {g.requested_by_id for g in requests}
    emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}
    return [(g, emails.get(g.user_id, "-"), emails.get(g.requested_by_id, "-"),
             actor.id not in (g.requested_by_id, g.user_id)) for g in requests]


def decide(session: Session, actor, grant_id, approve: bool) -> RoleGrant:
    require_role(actor, "admin", NETWORK_ROLE)
    grant = session.get(RoleGrant, grant_id) if is_id(grant_id) else None
    if grant is None or (not actor.has_role(NETWORK_ROLE) and grant.centre_id != actor.centre_id):
        raise NotFound()
    if actor.id in (grant.requested_by_id, grant.user_id):
        raise PermissionDenied(_l("Another administrator must answer this request."))
    if grant.state != "pending":
        raise GrantStateConflict()
    user = session.get(User, grant.user_id)
    grant.state = "approved" if approve else "refused"
    grant.decided_by_id, grant.decided_at = actor.id, utcnow()
    grant.version += 1
    session.add(grant)
    _flush(session)
    added = []
    if approve and user is not None and user.active:
        have = set(session.execute(select(UserRole.role).where(UserRole.user_id == user.id)).scalars())
        for role in grant.role_list:
            if role not in have:
                session.add(UserRole(user_id=user.id, role=role))
                added.append(role)
        user.version += 1
        session.add(user)
        _flush(session)
    audit.record(session, actor, f"role_grant.{'approve' if approve else 'refuse'}", ("role_grant", grant.id),
                 {"user": grant.user_id, "roles": grant.role_list, "added": added})
    return grant
