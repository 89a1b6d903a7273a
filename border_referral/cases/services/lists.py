"""Lists, search and the group picker: only the caller's centre, names through one audited read per page."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlmodel import Session

from ... import audit, inputs
from ...auth.models import User
from ...auth.permissions import require_role
from ...centres.models import Centre
from ...crypto import blind
from ...crypto.errors import IntegrityFailure, KeyUnavailable
from ...crypto.models import DataKey
from ...errors import ValidationError
from ...util import is_id
from ..models import IDENTITY, Case, CaseIndex
from ._access import READ_ROLES, VIEW_ROLES, WRITE_ROLES, visible_groups, case_vault, PAGE_SIZE, SORTS


# ---------------------------------------------------------------- lists and search

MAX_PAGE = 1_000_000  # pages of PAGE_SIZE cases: more than any centre will have, far below a 64-bit OFFSET


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
    # Each case has a key of its own, so read_many does not apply: the page's read is recorded once,
    # below. The page's data keys are loaded in one query and held here while the vaults open (the
    # session's identity map holds objects weakly), so each vault finds its key without a query.
    keys = session.execute(select(DataKey).where(DataKey.id.in_({c.data_key_id for c in cases}))).scalars().all()
    rows = [CaseRow(c, _name_or_none(session, c)) for c in cases]
    del keys
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
    inputs.filters(status=status, nationality=nationality, exploitation_type=exploitation_type)
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
    if page > MAX_PAGE:  # an OFFSET beyond what the database takes (99999999999999999999): refused, not a 500
        raise ValidationError(_l("Enter a page number from 1 to %(n)s.", n=MAX_PAGE), field="page")
    q = q.order_by(SORTS.get(sort, SORTS["newest"]), Case.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    cases = session.execute(q).scalars().all()
    more = len(cases) > PAGE_SIZE
    return CasePage(_rows(session, actor, cases[:PAGE_SIZE], "case.list"), page + 1 if more else None)


def search(session: Session, actor, query: str) -> list[CaseRow]:
    """Exact search on names (any script, Zawgyi repaired, Latin spelling folded) and id numbers,
    through the blind index, and on the case number: only the caller's centre, nothing decrypted
    to find them."""
    require_role(actor, *READ_ROLES)
    found = _indexed(session, actor, query, field="q")
    by_number = _by_number(session, actor, query)
    if by_number is not None and all(c.id != by_number.id for c in found):
        found = [by_number, *found]
    return _rows(session, actor, found, "case.search")


def _by_number(session: Session, actor, query: str) -> Case | None:
    """The caller's centre's case with exactly this number (any letter case, spaces around ignored)."""
    number = (query or "").strip().upper()
    if not number or len(number) > 40:
        return None
    return session.execute(select(Case).where(Case.centre_id == actor.centre_id, Case.erased_at.is_(None),
                                              Case.case_number == number)).scalars().first()


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
    by_number = _by_number(session, actor, query)
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


def assigned_to_me(session: Session, actor) -> dict[str, int] | None:
    """The caller's own cases still in hand (not closed), counted by status, for the home page: no
    names, so nothing is decrypted or read. None for someone who is not given cases."""
    if not actor.has_role(*WRITE_ROLES):
        return None
    rows = session.execute(select(Case.status, func.count()).where(
        Case.centre_id == actor.centre_id, Case.assigned_to_id == actor.id, Case.erased_at.is_(None),
        Case.status != "closed").group_by(Case.status)).all()
    return dict(rows)


def assignable_users(session: Session, actor) -> list[User]:
    require_role(actor, *VIEW_ROLES)
    from ...auth.models import UserRole

    return session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.centre_id == actor.centre_id, User.active.is_(True), UserRole.role.in_(WRITE_ROLES))
        .distinct().order_by(User.email)
    ).scalars().all()
