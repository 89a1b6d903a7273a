"""Opening, reading and changing a case: its number in the centre's own fiscal year, its search index."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from ... import audit, inputs
from ...auth.models import User
from ...auth.permissions import require_role
from ...centres.models import Centre
from ...crypto import blind
from ...crypto.vault import Vault
from ...errors import Conflict, PermissionDenied, ValidationError
from ...util import next_in_sequence, utcnow
from ..models import Case, CaseCounter, CaseIndex
from ..validation import clean, is_child
from ._access import VIEW_ROLES, WRITE_ROLES, IDENTITY_FIELDS, visible_fields, _local_today, reach_case, case_vault


# ---------------------------------------------------------------- numbering and indexes

def _child_age(centre: Centre) -> int:
    """Below this age a person is a child, by the law of the centre that owns the case."""
    from ...centres import jurisdictions

    return jurisdictions.profile_of(centre).child_age


def _next_number(session: Session, centre: Centre, today: date) -> tuple[str, int, int]:
    """The next case number in the owning centre's own fiscal year and format (centres/jurisdictions.py):
    CR-2570-0042 (Thai fiscal year in B.E.), TL-2026/27-0007 (April-March), HX-2026-0007 (calendar year).
    The counter is keyed by the profile's fiscal-year key."""
    from ...centres import jurisdictions

    profile = jurisdictions.profile_of(centre)
    fy = jurisdictions.fiscal_year(profile, today)
    last = next_in_sequence(session, CaseCounter, centre.id, "fiscal_year", fy)
    return profile.case_number(centre.code, jurisdictions.fiscal_label(profile, fy), last), fy, last


def _reindex(session: Session, case: Case, centre_code: str, values: dict) -> None:
    session.execute(delete(CaseIndex).where(CaseIndex.case_id == case.id))
    digests: set[str] = set()
    for name in [values.get("full_name"), values.get("latin_name"), *(values.get("aliases") or [])]:
        if name:
            digests |= blind.name_index_digests(centre_code, name)
    for doc in values.get("id_documents") or []:
        digests |= blind.id_number_digests(centre_code, doc.get("number") or "")
    for digest in sorted(digests):
        session.add(CaseIndex(case_id=case.id, centre_id=case.centre_id, digest=digest))


def reindex(session: Session, *, batch: int = 500) -> int:
    """Rebuild the search index of every case (after a release that indexes names in more forms:
    `flask cases reindex`). The names are opened only to compute their digests, never shown: one
    audit record says how many cases of which centres were indexed again."""
    codes = dict(session.execute(select(Centre.id, Centre.code)).all())
    done, per_centre = 0, {}
    last = ""
    while True:
        rows = session.execute(select(Case).where(Case.erased_at.is_(None), Case.id > last)
                               .order_by(Case.id).limit(batch)).scalars().all()
        if not rows:
            break
        for case in rows:
            values = case_vault(session, case).decrypt_unaudited(
                case, ["full_name", "latin_name", "aliases", "id_documents"])
            _reindex(session, case, codes[case.centre_id], values)
            per_centre[codes[case.centre_id]] = per_centre.get(codes[case.centre_id], 0) + 1
        done += len(rows)
        last = rows[-1].id
        session.flush()
    audit.record(session, None, "case.reindex", None, {"cases": done, "centres": per_centre})
    return done


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
    case.is_child = is_child(secret.get("date_of_birth"), secret.get("age_estimate"), today, _child_age(centre))
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
    # Read before the case is changed: a query after it would flush the case (and its version) early.
    child_age = _child_age(session.get(Centre, case.centre_id))
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
    case.is_child = is_child(current.get("date_of_birth"), current.get("age_estimate"), today, child_age)
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
