"""The elements and the decision."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit, inputs
from ...auth.permissions import require_role
from ...cases import services as cases
from ...cases.models import Case
from ...inputs import choice as _choice, text as _text
from ...errors import ValidationError
from ...util import utcnow
from .. import clocks
from ..models import AGENCIES, NOT_VICTIM_OUTCOMES, Screening, ScreeningConfig, ScreeningDecision
from ._common import (MAX_LONG, MAX_MEMBERS, VICTIM_OUTCOMES, WRITE_ROLES, _aware, _centre, _flush, _not_future,
                      _screening, _shelter, _when, profile)


# ---------------------------------------------------------------- the elements and the decision

@dataclass
class Elements:
    act: bool
    means: bool
    purpose: bool
    child: bool | None

    @property
    def means_required(self) -> bool:
        return not self.child

    @property
    def met(self) -> bool:
        return self.act and self.purpose and (self.means or not self.means_required)


def elements(case: Case, s: Screening, values: dict) -> Elements:
    """Act, means, purpose, judged with the person's age as the case now records it: for a child
    (under 18) the means are not needed. Re-evaluated every time (an age correction counts)."""
    return Elements(act=bool(values.get("acts")), means=bool(values.get("means")),
                    purpose=bool(s.exploitation_codes.strip(",")), child=case.is_child)


def required_agencies(session: Session, centre_id: int) -> list[str]:
    cfg = session.get(ScreeningConfig, centre_id)
    codes = cfg.required_agencies.split(",") if cfg else list(profile(session, centre_id).mdt_agencies)
    return [c for c in codes if c in AGENCIES]


def _members(data: dict) -> list[dict]:
    value = data.get("members")
    if not isinstance(value, list) or not value:
        raise ValidationError(_l("List the MDT members who took the decision."), field="members")
    if len(value) > MAX_MEMBERS:
        raise ValidationError(_l("Too many entries: at most %(n)s.", n=MAX_MEMBERS), field="members")
    out = []
    for row, m in enumerate(value, start=1):
        if not isinstance(m, dict):
            raise ValidationError(_l("Member %(row)s: give the name and the agency.", row=row), field="members",
                                  details={"row": row})
        name = _text(m, "name")
        agency = m.get("agency")
        if not name or agency not in AGENCIES:
            raise ValidationError(_l("Member %(row)s: give the name and the agency.", row=row), field="members",
                                  details={"row": row})
        out.append({"name": name, "agency": agency, "role": _text(m, "role")})
    return out


def decide(session: Session, actor, screening_id: str, data: dict) -> ScreeningDecision:
    """Record the MDT's decision, signed off by the caller. A later decision supersedes the earlier
    one (which stays in the history) and needs the reason for the change."""
    s, case = _screening(session, actor, screening_id, WRITE_ROLES)
    require_role(actor, *WRITE_ROLES)
    if data.get("version") not in (None, ""):  # the form always sends it: a decision on a changed interview is a conflict
        inputs.check_version(s, data.get("version"))
    centre = _centre(session, s.centre_id)
    now, tz = utcnow(), centre.timezone
    rules = profile(session, s.centre_id)
    outcome = _choice(data, "outcome", rules.outcomes, required=True)  # s.6/1 only where the law has it
    reasons = _text(data, "reasons", required=True, limit=MAX_LONG)
    decided_at = _when(data, "decided_at", tz) or now
    _not_future(decided_at, "decided_at", now)
    if s.custody_started_at is not None and decided_at < _aware(s.custody_started_at):
        raise ValidationError(_l("The decision cannot be before custody started."), field="decided_at")
    members = _members(data)
    present = {m["agency"] for m in members}
    missing = [a for a in required_agencies(session, s.centre_id) if a not in present]
    if missing:
        from ..labels import AGENCY

        names = ", ".join(str(AGENCY[a]) for a in missing)
        raise ValidationError(_l("The decision needs these MDT members: %(agencies)s.", agencies=names),
                              field="members", details={"missing": missing})
    vault = cases.case_vault(session, case)
    if outcome == "victim":
        current = vault.decrypt_unaudited(s, ["acts", "means"])  # checked, not shown
        el = elements(case, s, current)
        if not el.met:
            if not el.act or not el.purpose:
                msg = _l("A victim decision needs the act and the purpose of exploitation recorded in the interview.")
            else:
                msg = _l("For an adult, a victim decision also needs the means recorded in the interview.")
            raise ValidationError(msg, field="outcome")
    not_victim = _choice(data, "not_victim_outcome", NOT_VICTIM_OUTCOMES)
    if outcome == "not_victim" and not_victim is None:
        raise ValidationError(_l("Record what happens to the person: release or immigration."),
                              field="not_victim_outcome")
    shelter = None
    if data.get("shelter_id") not in (None, ""):
        shelter = _shelter(session, s.centre_id, data["shelter_id"])
    previous = _current_decision(session, s.id)
    change_reason = _text(data, "change_reason", limit=MAX_LONG)
    if previous is not None and not change_reason:
        raise ValidationError(_l("Give the reason for changing the earlier decision."), field="change_reason")
    decided_on = clocks.local_date(decided_at, tz)
    # the centre's own periods: none where its law sets none (s.6/1 is followed like a victim's)
    reflection, pre_shelter = rules.clocks.reflection, rules.clocks.pre_identification_shelter
    d = ScreeningDecision(
        screening_id=s.id, centre_id=s.centre_id, outcome=outcome, decided_at=decided_at,
        decided_on=decided_on, member_agencies="," + ",".join(sorted(present)) + ",", signed_off_by_id=actor.id,
        signed_off_at=now, not_victim_outcome=not_victim if outcome == "not_victim" else None,
        reflection_ends=clocks.stay_ends(decided_on, reflection) if outcome in VICTIM_OUTCOMES else None,
        pre_shelter_ends=clocks.stay_ends(s.pre_shelter_from, pre_shelter),
        supersedes_id=previous.id if previous else None)
    session.add(d)
    session.flush()
    vault.write(d, {"reasons": reasons, "members": members,
                    "shelter": {"id": shelter.id, "name": shelter.name} if shelter else None,
                    "change_reason": change_reason})
    if previous is not None:
        previous.superseded = True
        session.add(previous)
    s.outcome, s.reflection_ends = d.outcome, d.reflection_ends
    if s.custody_started_at is not None and s.custody_ended_at is None:
        s.custody_ended_at = max(decided_at, _aware(s.custody_started_at))  # the decision ends the holding
    _flush(session, s)
    audit.record(session, actor, "screening.decide" if previous is None else "screening.redecide", s,
                 {"decision": d.id, "outcome": outcome, "supersedes": d.supersedes_id})
    return d


def _current_decision(session: Session, screening_id: str) -> ScreeningDecision | None:
    return session.execute(select(ScreeningDecision).where(
        ScreeningDecision.screening_id == screening_id, ScreeningDecision.superseded.is_(False))
        .order_by(ScreeningDecision.signed_off_at.desc())).scalars().first()
