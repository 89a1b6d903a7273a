"""Reference data: reading it (every feature) and managing it (network administrators).

Reference data is shared by the whole network, so only a network administrator (role
`network_admin`) changes centres, crossings and the names of partnerships; who is in a partnership
changes only by a proposal that every centre concerned approves (proposals.py), whoever proposes it.
Every change is audited. Partners are what scope cross-border work: a centre only ever works with
the centres it shares a partnership with."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit, inputs
from ..auth.permissions import require_role
from ..errors import Conflict, NotFound, ValidationError
from . import cache, jurisdictions
from .models import LANGS, Centre, CentreCrossing, Country, CrossingPoint, Partnership, PartnershipMember

CODE_RE = {
    Centre: re.compile(r"^[A-Z]{2,8}$"),
    CrossingPoint: re.compile(r"^[A-Z]{2,6}-[A-Z]{2,6}$"),
    Partnership: re.compile(r"^[A-Z]{2,8}(-[A-Z]{2,8}){1,2}$"),
}
NAME_MAX = {Centre: 200, CrossingPoint: 200, Partnership: 300}
NETWORK_ADMIN = "network_admin"


# ---------------------------------------------------------------- reading

def countries(session: Session) -> list[Country]:
    return sorted(cache.objects(session, Country), key=lambda c: c.code)


def centres(session: Session, active_only: bool = False) -> list[Centre]:
    return sorted((c for c in cache.objects(session, Centre) if c.active or not active_only), key=lambda c: c.code)


def crossings(session: Session) -> list[CrossingPoint]:
    return sorted(cache.objects(session, CrossingPoint), key=lambda c: c.code)


def partnerships(session: Session) -> list[Partnership]:
    return sorted(cache.objects(session, Partnership), key=lambda p: p.code)


def by_code(session: Session, model, code: str):
    obj = session.execute(select(model).where(model.code == (code or "").strip().upper())).scalars().first()
    if obj is None:
        raise NotFound()
    return obj


def members(session: Session, partnership_id: int) -> list[Centre]:
    ids = {r["centre_id"] for r in cache.rows(session, PartnershipMember) if r["partnership_id"] == partnership_id}
    return [c for c in centres(session) if c.id in ids]


def crossings_by_centre(session: Session, centre_ids) -> dict[int, list[CrossingPoint]]:
    """The crossings of several centres (from the reference data in memory: no query per centre)."""
    out: dict[int, list[CrossingPoint]] = {cid: [] for cid in centre_ids}
    by_id = {c.id: c for c in crossings(session)}
    for r in cache.rows(session, CentreCrossing):
        if r["centre_id"] in out and r["crossing_id"] in by_id:
            out[r["centre_id"]].append(by_id[r["crossing_id"]])
    for found in out.values():
        found.sort(key=lambda c: c.code)
    return out


def crossings_of(session: Session, centre_id: int) -> list[CrossingPoint]:
    return crossings_by_centre(session, [centre_id])[centre_id]


def partnerships_of(session: Session, centre_id: int) -> list[Partnership]:
    ids = {r["partnership_id"] for r in cache.rows(session, PartnershipMember) if r["centre_id"] == centre_id}
    return [p for p in partnerships(session) if p.id in ids and p.active]


def partners_of(session: Session, centre_id: int) -> list[Centre]:
    """The centres this centre works with: active fellow members of its active partnerships."""
    mine = {p.id for p in partnerships_of(session, centre_id)}
    ids = {r["centre_id"] for r in cache.rows(session, PartnershipMember) if r["partnership_id"] in mine}
    return [c for c in centres(session, active_only=True) if c.id in ids and c.id != centre_id]


def are_partners(session: Session, centre_a: int, centre_b: int) -> bool:
    return any(c.id == centre_b for c in partners_of(session, centre_a))


# ---------------------------------------------------------------- managing

def _clean_names(model, data: dict) -> dict:
    names = {}
    limit = NAME_MAX[model]
    for lang in LANGS:
        value = (data.get(f"name_{lang}") or "").strip()
        if not value:
            raise ValidationError(_l("Enter the name in every language."), field=f"name_{lang}")
        if len(value) > limit:
            raise ValidationError(_l("The name is too long (at most %(n)s characters).", n=limit), field=f"name_{lang}")
        names[f"name_{lang}"] = value
    return names


def _start(session: Session, actor, model, code: str | None, data: dict, version):
    """Shared first half of every save: permission, code, names, the row (new or current)."""
    require_role(actor, NETWORK_ADMIN)
    names = _clean_names(model, data)
    if code is None:
        new_code = (data.get("code") or "").strip().upper()
        if not CODE_RE[model].match(new_code):
            raise ValidationError(_l("The code is not in the expected form."), field="code")
        if session.execute(select(model.id).where(model.code == new_code)).first():
            raise ValidationError(_l("This code is already used."), field="code")
        obj = model(code=new_code, **names)
    else:
        obj = by_code(session, model, code)
        inputs.check_version(obj, version)
        for key, value in names.items():
            setattr(obj, key, value)
        obj.version += 1
    obj.active = bool(data.get("active", True))
    return obj


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:  # saved by someone else since it was read
        raise Conflict() from None


def _replace_links(session: Session, obj, link_model, owner_field: str, other_field: str, others) -> None:
    """Save obj and make its link rows (centre crossings, partnership members) exactly `others`."""
    session.add(obj)
    _flush(session)
    session.execute(delete(link_model).where(getattr(link_model, owner_field) == obj.id))
    for other in others:
        session.add(link_model(**{owner_field: obj.id, other_field: other.id}))


def _finish(session: Session, actor, obj, created: bool, details: dict | None = None):
    session.add(obj)
    _flush(session)
    kind = obj.__tablename__
    audit.record(session, actor, f"{kind}.{'create' if created else 'update'}", (kind, obj.code), details or {})
    return obj


def save_centre(session: Session, actor, code: str | None, data: dict, version=None) -> Centre:
    obj = _start(session, actor, Centre, code, data, version)
    country = (data.get("country_code") or "").strip().upper()
    # A centre works under its country's law: a country without a jurisdiction profile would have
    # no rules at all (never Thai ones by default), so it cannot have a centre yet.
    if session.get(Country, country) is None or country not in jurisdictions.PROFILES:
        raise ValidationError(_l("Choose a country."), field="country_code")
    tz = (data.get("timezone") or "").strip()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_l("Choose a valid time zone."), field="timezone") from None
    obj.country_code, obj.timezone = country, tz
    crossing_codes = sorted(set(data.get("crossings") or []))
    found = session.execute(select(CrossingPoint).where(CrossingPoint.code.in_(crossing_codes))).scalars().all()
    if len(found) != len(crossing_codes):
        raise ValidationError(_l("Unknown crossing point."), field="crossings")
    created = obj.id is None
    _replace_links(session, obj, CentreCrossing, "centre_id", "crossing_id", found)
    return _finish(session, actor, obj, created, {"crossings": crossing_codes})


def save_crossing(session: Session, actor, code: str | None, data: dict, version=None) -> CrossingPoint:
    obj = _start(session, actor, CrossingPoint, code, data, version)
    border = sorted({(data.get(k) or "").strip().upper() for k in ("country_a", "country_b")})
    if len(border) != 2 or any(session.get(Country, c) is None for c in border):
        raise ValidationError(_l("Choose a country."), field="country_a")
    obj.country_a, obj.country_b = border
    return _finish(session, actor, obj, obj.id is None, {"border": border})


def member_centres(session: Session, codes) -> list[Centre]:
    """The centres a partnership would join, checked: known, two or three, more than one country."""
    if not isinstance(codes, (list, tuple)) or not all(isinstance(c, str) for c in codes):
        raise ValidationError(_l("Unknown centre."), field="members")
    member_codes = sorted(set(c.strip().upper() for c in codes if c.strip()))
    found = session.execute(select(Centre).where(Centre.code.in_(member_codes))).scalars().all()
    if len(found) != len(member_codes):
        raise ValidationError(_l("Unknown centre."), field="members")
    if not 2 <= len(found) <= 3:
        raise ValidationError(_l("A partnership joins two or three centres."), field="members")
    if len({c.country_code for c in found}) < 2:
        raise ValidationError(_l("A partnership joins centres of different countries."), field="members")
    return sorted(found, key=lambda c: c.code)


def set_members(session: Session, obj: Partnership, found: list[Centre]) -> None:
    """Make the partnership's members exactly `found` (the caller checked who may)."""
    _replace_links(session, obj, PartnershipMember, "partnership_id", "centre_id", found)


def save_partnership(session: Session, actor, code: str | None, data: dict, version=None) -> Partnership:
    """Names and active state of a partnership (network administrators). Its members are never set
    here: who is in a partnership changes only through a proposal (proposals.save_partnership)."""
    obj = _start(session, actor, Partnership, code, data, version)
    return _finish(session, actor, obj, obj.id is None)


def by_id(session: Session, model, obj_id: int):
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound()
    return obj


def centre_by_id(session: Session, centre_id: int) -> Centre:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound()
    return centre
