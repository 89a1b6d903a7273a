"""Who may see and change which case: roles, the sensitive groups, centre scoping, the case's vault."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ...auth.permissions import require_role
from ...centres.models import Centre
from ...crypto.vault import Vault
from ...errors import NotFound
from ...util import is_id
from ..models import FACTS, HEALTH, IDENTITY, SEXUAL, Case


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
