"""The victim-identification API (README, "Victim identification"): screenings, indicators, MDT decisions, the clocks."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from ..util import iso_utc
from . import clocks, services


bp = Blueprint("screening_api", __name__)


class InterpreterIn(SQLModel):
    name: str
    language: Optional[str] = None
    agency: Optional[str] = None


class ScreeningIn(SQLModel):
    custody_started_at: Optional[str] = None
    court_extension_until: Optional[str] = None
    court_order_number: Optional[str] = None
    language: Optional[str] = None
    interpreter: Optional[InterpreterIn] = None
    source: Optional[str] = None
    prescreened_at: Optional[str] = None
    prescreen_place: Optional[str] = None
    prescreened_by: Optional[str] = None
    prescreen_indicators: Optional[list[str]] = None
    first_account: Optional[str] = None
    pre_shelter_from: Optional[str] = None


class CustodyPatch(SQLModel):
    version: int
    custody_started_at: Optional[str] = None
    court_extension_until: Optional[str] = None
    court_order_number: Optional[str] = None
    custody_ended_at: Optional[str] = None
    pre_shelter_from: Optional[str] = None


class InterviewIn(SQLModel):
    version: int
    interview_at: str
    interview_ended_at: Optional[str] = None
    interview_place: Optional[str] = None
    language: str
    interpreter: Optional[InterpreterIn] = None
    rights_informed_at: Optional[str] = None
    rights_language: Optional[str] = None
    interview_consent: bool
    indicators: Optional[dict[str, Any]] = None
    exploitation_types: Optional[list[str]] = None
    acts: Optional[list[str]] = None
    means: Optional[list[str]] = None
    narrative: Optional[str] = None


class IndicatorsIn(SQLModel):
    indicators: dict[str, Any]
    version: Optional[int] = None


class MemberIn(SQLModel):
    name: str
    agency: str
    role: Optional[str] = None


class DecisionIn(SQLModel):
    version: Optional[int] = None
    outcome: str
    reasons: str
    decided_at: Optional[str] = None
    members: list[MemberIn]
    not_victim_outcome: Optional[str] = None
    shelter_id: Optional[int] = None
    change_reason: Optional[str] = None


class ScreeningOut(SQLModel):
    id: str
    case_id: str
    version: int
    stage: str
    custody_started_at: Optional[str] = None
    custody_deadline: Optional[str] = None
    custody_ended_at: Optional[str] = None
    outcome: Optional[str] = None
    reflection_period_ends: Optional[str] = None


class DecisionOut(SQLModel):
    id: str
    outcome: str
    decided_at: str
    decided_on: str
    reflection_period_ends: Optional[str] = None
    pre_shelter_ends: Optional[str] = None
    supersedes: Optional[str] = None




def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


def decision_json(d, values: dict | None = None) -> dict:
    out = {"id": d.id, "outcome": d.outcome, "decided_at": iso_utc(d.decided_at), "decided_on": _day(d.decided_on),
           "member_agencies": [a for a in d.member_agencies.split(",") if a],
           "not_victim_outcome": d.not_victim_outcome, "reflection_period_ends": _day(d.reflection_ends),
           "pre_shelter_ends": _day(d.pre_shelter_ends), "supersedes": d.supersedes_id,
           "superseded": d.superseded, "signed_off_at": iso_utc(d.signed_off_at)}
    if values is not None:
        out.update({"reasons": values.get("reasons"), "members": values.get("members") or [],
                    "shelter": values.get("shelter"), "change_reason": values.get("change_reason")})
    return out


def screening_json(s, stage: str | None = None, values: dict | None = None, view=None) -> dict:
    out = {
        "id": s.id, "case_id": s.case_id, "version": s.version,
        "stage": stage or ("decided" if s.outcome else "interviewed" if s.interview_at else "prescreened"),
        "source": s.source, "prescreened_at": iso_utc(s.prescreened_at),
        "custody_started_at": iso_utc(s.custody_started_at), "court_extension_until": iso_utc(s.court_extension_until),
        "custody_deadline": iso_utc(s.custody_deadline), "custody_ended_at": iso_utc(s.custody_ended_at),
        "pre_shelter_from": _day(s.pre_shelter_from),
        "pre_shelter_ends": _day(clocks.stay_ends(
            s.pre_shelter_from, services.profile(get_session(), s.centre_id).clocks.pre_identification_shelter)),
        "interview_at": iso_utc(s.interview_at), "interview_ended_at": iso_utc(s.interview_ended_at),
        "language": s.language, "rights_informed_at": iso_utc(s.rights_informed_at), "rights_language": s.rights_language,
        "interview_consent": s.interview_consent, "exploitation_types": s.exploitation_types,
        "outcome": s.outcome, "reflection_period_ends": _day(s.reflection_ends),
    }
    if values is not None:
        out.update({k: v for k, v in values.items()})
    if view is not None:
        el = view.elements
        out["elements"] = {"act": el.act, "means": el.means, "purpose": el.purpose, "child": el.child,
                           "means_required": el.means_required, "met": el.met}
        out["decisions"] = [decision_json(d, v) for d, v in view.decisions]
    return out


@bp.post("/cases/<case_id>/screenings")
@documented("Open a screening (pre-screening, custody clock) for a case", request_model=ScreeningIn,
            responses={201: ("The screening with its custody deadline (UTC)", ScreeningOut),
                       422: ("Bad input, e.g. a court extension beyond 7 days", None)}, tag="screening")
def create(case_id):
    s = services.create_screening(get_session(), current_user, case_id, json_body())
    return jsonify(screening_json(s)), 201


@bp.get("/cases/<case_id>/screenings")
@documented("The screenings of a case (coded fields and clocks)", tag="screening",
            responses={200: ("Screenings", None)})
def of_case(case_id):
    from ..cases import services as cases

    session = get_session()
    case = cases.reach_case(session, current_user, case_id, services.READ_ROLES)
    return jsonify({"items": [screening_json(s) for s in services.screenings_of_case(session, current_user, case)]})


@bp.get("/screenings/<screening_id>")
@documented("Read a screening with its decisions (audited)", tag="screening",
            responses={200: ("The screening as the caller may see it", ScreeningOut)})
def read(screening_id):
    view = services.read_screening(get_session(), current_user, screening_id)
    return jsonify(screening_json(view.screening, view.stage, view.values, view))


@bp.patch("/screenings/<screening_id>/custody")
@documented("Change the custody clock: start, court extension (with order number), end", request_model=CustodyPatch,
            responses={200: ("The screening", ScreeningOut), 409: ("Stale version", None)}, tag="screening")
def custody(screening_id):
    body = json_body()
    s = services.update_custody(get_session(), current_user, screening_id, body, body.get("version"))
    return jsonify(screening_json(s))


@bp.put("/screenings/<screening_id>/interview")
@documented("Record the screening interview", request_model=InterviewIn,
            responses={200: ("The screening", ScreeningOut), 409: ("Stale version", None)}, tag="screening")
def interview(screening_id):
    body = json_body()
    s = services.record_interview(get_session(), current_user, screening_id, body, body.get("version"))
    return jsonify(screening_json(s))


@bp.put("/screenings/<screening_id>/indicators")
@documented("Set indicators: {code: observed|not_observed|unknown} (or {value, note}). With `version` the "
            "checklist is replaced (stale: 409); without it only the codes given change",
            request_model=IndicatorsIn, responses={200: ("The screening", ScreeningOut)}, tag="screening")
def indicators(screening_id):
    body = json_body()
    s = services.set_indicators(get_session(), current_user, screening_id, body.get("indicators"), body.get("version"))
    return jsonify(screening_json(s))


@bp.post("/screenings/<screening_id>/decision")
@documented("Record the MDT decision (signed off by the caller; a later one supersedes it)",
            request_model=DecisionIn,
            responses={201: ("The decision; for a victim with the end of the reflection period", DecisionOut),
                       422: ("Without the required members, or the elements not established", None)},
            tag="screening")
def decision(screening_id):
    d = services.decide(get_session(), current_user, screening_id, json_body())
    return jsonify(decision_json(d)), 201


CLOCK_PARAMS = [{"name": "sort", "in": "query", "required": False, "schema": {"type": "string", "enum": ["time", "case"]}}]


@bp.get("/screenings/clocks")
@documented("The centre's clocks: people in custody, reflection periods ending within 7 days, undecided screenings",
            parameters=CLOCK_PARAMS, responses={200: ("The clocks", None)}, tag="screening")
def clocks_():
    board = services.dashboard(get_session(), current_user, sort=request.args.get("sort", "time"))

    def row(r):
        return {"screening_id": r.screening.id, "case_id": r.screening.case_id, "case_number": r.case_number,
                "deadline": iso_utc(r.deadline), "seconds_left": r.remaining.seconds if r.remaining else None,
                "overdue": r.remaining.overdue if r.remaining else None, "until": _day(r.until), "days_left": r.days_left}

    return jsonify({"custody": [row(r) for r in board.custody], "reflection_ending": [row(r) for r in board.reflection],
                    "undecided": [row(r) for r in board.undecided]})
