"""The interview and the indicators."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ... import audit, inputs
from ...cases import services as cases
from ...cases.models import EXPLOITATION_TYPES
from ...inputs import choice as _choice, text as _text
from ...errors import ValidationError
from ...util import utcnow
from ..models import ACTS, INDICATORS, LANGUAGES, MEANS, Screening
from ._common import (MAX_LONG, WRITE_ROLES, _bool, _centre, _codes, _flush, _indicators, _interpreter, _not_future,
                      _screening, _when)


# ---------------------------------------------------------------- the interview

def record_interview(session: Session, actor, screening_id: str, data: dict, version) -> Screening:
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    inputs.check_version(s, version)
    centre = _centre(session, s.centre_id)
    now, tz = utcnow(), centre.timezone
    start = _when(data, "interview_at", tz, required=True)
    end = _when(data, "interview_ended_at", tz)
    _not_future(start, "interview_at", now)
    _not_future(end, "interview_ended_at", now)
    if end is not None and end < start:
        raise ValidationError(_l("The end cannot be before the start."), field="interview_ended_at")
    language = _choice(data, "language", LANGUAGES, required=True)
    consent = _bool(data, "interview_consent")
    if consent is None:
        raise ValidationError(_l("Record whether the person consented to the interview."), field="interview_consent")
    rights_at = _when(data, "rights_informed_at", tz)
    _not_future(rights_at, "rights_informed_at", now)
    rights_language = _choice(data, "rights_language", LANGUAGES)
    if rights_at is not None and rights_language is None:
        raise ValidationError(_l("Give the language in which the rights were explained."), field="rights_language")
    values, notes = _indicators(data.get("indicators"))
    extra_notes = data.get("indicator_notes") or {}
    if not isinstance(extra_notes, dict):
        raise ValidationError(_l("Give the indicators as a mapping of code to value."), field="indicators")
    for code, note in extra_notes.items():
        if code not in INDICATORS:
            raise ValidationError(_l("Unknown indicator: %(code)s.", code=str(code)[:40]), field="indicators")
        text = _text({"n": note}, "n", limit=2000)
        if text:
            notes[code] = text
    secret = {
        "interview_place": _text(data, "interview_place"),
        "interpreter": _interpreter(data),
        "indicators": values or None,
        "indicator_notes": notes or None,
        "acts": _codes(data, "acts", ACTS) or None,
        "means": _codes(data, "means", MEANS) or None,
        "narrative": _text(data, "narrative", limit=MAX_LONG),
    }
    exploitation = _codes(data, "exploitation_types", EXPLOITATION_TYPES)
    s.interview_at, s.interview_ended_at, s.language = start, end, language
    s.interview_consent, s.rights_informed_at, s.rights_language = consent, rights_at, rights_language
    s.exploitation_codes = "," + ",".join(exploitation) + "," if exploitation else ""
    cases.case_vault(session, case).write(s, secret)
    _flush(session, s)
    audit.record(session, actor, "screening.interview", s, {"indicators": len(values)})
    return s


def set_indicators(session: Session, actor, screening_id: str, indicators, version=None) -> Screening:
    """Set indicators. With the version read, the checklist is replaced as a whole (a stale version
    is a conflict); without it, only the codes given change and every other finding is kept, so two
    people marking different indicators at once lose nothing."""
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    values, notes = _indicators(indicators)
    vault = cases.case_vault(session, case)
    if version is not None:
        inputs.check_version(s, version)
    else:
        current = vault.decrypt_unaudited(s, ["indicators", "indicator_notes"])  # merged, not shown
        kept_notes = {k: v for k, v in (current.get("indicator_notes") or {}).items() if k not in values}
        values = {**(current.get("indicators") or {}), **values}
        notes = {**kept_notes, **notes}
    vault.write(s, {"indicators": values or None, "indicator_notes": notes or None})
    _flush(session, s)
    audit.record(session, actor, "screening.indicators", s, {"indicators": len(values)})
    return s
