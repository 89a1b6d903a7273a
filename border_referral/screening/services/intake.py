"""Pre-screening, opening a screening and updating custody."""
from __future__ import annotations

from sqlmodel import Session

from ... import audit, inputs
from ...cases import services as cases
from ...cases.models import REFERRAL_SOURCES
from ...inputs import choice as _choice, text as _text
from ...util import utcnow
from ..models import INDICATORS, LANGUAGES, Screening
from ._common import (MAX_LONG, WRITE_ROLES, _centre, _codes, _custody, _flush, _interpreter, _not_future,
                      _screening, _when, profile)


# ---------------------------------------------------------------- pre-screening / opening a screening

PRESCREEN_FIELDS = ("source", "prescreened_at", "prescreen_place", "prescreened_by", "prescreen_indicators",
                    "first_account")
CUSTODY_FIELDS = ("custody_started_at", "court_extension_until", "court_order_number", "custody_ended_at",
                  "pre_shelter_from")


def create_screening(session: Session, actor, case_id: str, data: dict) -> Screening:
    """Open the identification of a case's person: the pre-screening (who, where, when, source, the
    first account, indicators seen) and, if the person is held, the custody clock where the centre's
    law sets one; optionally the interview's language and interpreter."""
    case = cases.reach_case(session, actor, case_id, WRITE_ROLES)
    centre = _centre(session, case.centre_id)
    now = utcnow()
    s = Screening(centre_id=case.centre_id, case_id=case.id, created_by_id=actor.id)
    secret: dict = {}
    s.source = _choice(data, "source", REFERRAL_SOURCES)
    s.prescreened_at = _when(data, "prescreened_at", centre.timezone) or now
    _not_future(s.prescreened_at, "prescreened_at", now)
    secret["prescreen_place"] = _text(data, "prescreen_place")
    secret["prescreened_by"] = _text(data, "prescreened_by")
    secret["prescreen_indicators"] = _codes(data, "prescreen_indicators", INDICATORS) or None
    secret["first_account"] = _text(data, "first_account", limit=MAX_LONG)
    s.language = _choice(data, "language", LANGUAGES)
    secret["interpreter"] = _interpreter(data)
    _custody(session, s, {k: data[k] for k in CUSTODY_FIELDS if k in data}, centre.timezone, now, secret,
             profile(session, case.centre_id))
    session.add(s)
    session.flush()
    cases.case_vault(session, case).write(s, {k: v for k, v in secret.items() if v not in (None, [], {})})
    session.flush()
    audit.record(session, actor, "screening.create", s, {"case": case.id, "custody": s.custody_started_at is not None})
    return s


def prescreen_new_case(session: Session, actor, person: dict, data: dict) -> Screening:
    """A pre-screening of someone the centre does not know yet: open their case, then the screening
    (one unit of work: if either is refused, neither is written)."""
    case_data = {k: person.get(k) for k in ("full_name", "latin_name", "sex", "nationality", "age_estimate",
                                             "date_of_birth")}
    case_data["referral_source"] = data.get("source") or None
    case = cases.create_case(session, actor, case_data)
    return create_screening(session, actor, case.id, data)


def update_custody(session: Session, actor, screening_id: str, data: dict, version) -> Screening:
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    inputs.check_version(s, version)
    centre = _centre(session, s.centre_id)
    secret: dict = {}
    _custody(session, s, {k: data[k] for k in CUSTODY_FIELDS if k in data}, centre.timezone, utcnow(), secret,
             profile(session, s.centre_id))
    if secret:
        cases.case_vault(session, case).write(s, secret)
    _flush(session, s)
    audit.record(session, actor, "screening.custody", s, {"fields": sorted(k for k in CUSTODY_FIELDS if k in data)})
    return s
