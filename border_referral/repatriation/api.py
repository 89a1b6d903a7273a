"""The repatriation API (README, "Repatriation and handover"): plans, steps, manifest, handover, reception, receipt."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from ..util import iso_utc
from . import services

bp = Blueprint("repatriation_api", __name__)


class PlanIn(SQLModel):
    case_ids: list[str]
    to_centre: str
    crossing: Optional[str] = None
    planned_date: Optional[str] = None


class StepIn(SQLModel):
    state: str
    note: Optional[str] = None
    details: Optional[dict[str, Any]] = None
    alternative: Optional[str] = None
    version: Optional[int] = None


class OfficialIn(SQLModel):
    name: str
    position: Optional[str] = None
    agency: Optional[str] = None
    country: Optional[str] = None
    side: str


class HandoverIn(SQLModel):
    handed_over_at: str
    crossing: str
    officials: list[OfficialIn]
    belongings: Optional[str] = None
    documents: Optional[str] = None


class ReceptionIn(SQLModel):
    facility: Optional[str] = None
    stay_until: Optional[str] = None
    note: Optional[str] = None


class PlanOut(SQLModel):
    id: str
    reference: str
    state: str
    steps: list[dict[str, Any]]




def plan_json(v) -> dict:
    p = v.plan
    return {
        "id": p.id, "reference": p.reference, "state": p.state, "side": v.side, "version": p.version,
        "from_centre": v.host.code, "to_centre": v.home.code, "direction": p.direction, "crossing": p.crossing_code,
        "planned_date": p.planned_date.isoformat() if p.planned_date else None,
        "manifest_sent_at": iso_utc(p.manifest_sent_at), "manifest_late": v.manifest_late,
        "handed_over_at": iso_utc(p.handed_over_at), "received_at": iso_utc(p.received_at),
        "stay_until": p.stay_until.isoformat() if p.stay_until else None,
        "persons": [{"id": pv.person.id, "case_number": pv.person.case_number, "child": pv.person.is_child,
                     "name": pv.name, "travel_document": pv.travel_document, "escort": pv.escort}
                    for pv in v.persons],
        "steps": [{"key": s.key, "state": s.state, "side": s.side, "version": s.version, "done_at": iso_utc(s.done_at),
                   "note": vals.get("note"), "details": vals.get("details")} for s, vals, _who in v.steps],
        "open_steps": v.blocking,
        "handover": v.handover, "reception": v.reception,
        "stopped": v.stop if p.state == "stopped" else None,
        "follow_ups": [{"id": f.id, "months": f.months, "due_on": f.due_on.isoformat(), "overdue": late,
                        "submitted_at": iso_utc(f.submitted_at), "report": report} for f, report, late in v.follow_ups],
    }


def _view(plan_id: str):
    return jsonify(plan_json(services.read_plan(get_session(), current_user, plan_id)))


@bp.post("/repatriations")
@documented("Open a repatriation plan for one person or a group", request_model=PlanIn,
            responses={201: ("The plan with its steps", PlanOut), 422: ("Bad input", None)}, tag="repatriation")
def create():
    plan = services.create_plan(get_session(), current_user, json_body())
    resp = _view(plan.id)
    return resp, 201


@bp.get("/repatriations")
@documented("Plans of the caller's centre, either side (filters: state, crossing, direction, week=1)",
            parameters=[{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                        for n in ("state", "crossing", "direction", "week")],
            responses={200: ("Plans", None)}, tag="repatriation")
def list_():
    a = request.args
    rows = services.list_plans(get_session(), current_user, state=a.get("state") or None,
                               crossing=a.get("crossing") or None, direction=a.get("direction") or None,
                               this_week=a.get("week") in ("1", "true"))
    return jsonify({"items": [{"id": r.plan.id, "reference": r.plan.reference, "state": r.plan.state, "side": r.side,
                               "partner": r.partner.code, "persons": r.persons, "direction": r.plan.direction,
                               "crossing": r.plan.crossing_code,
                               "planned_date": r.plan.planned_date.isoformat() if r.plan.planned_date else None,
                               "overdue_follow_ups": r.overdue_follow_ups} for r in rows], "next": None})


@bp.get("/repatriations/<plan_id>")
@documented("Read a plan (audited)", responses={200: ("The plan", PlanOut)}, tag="repatriation")
def read(plan_id):
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/steps/<key>")
@documented("Record a step: done, not_required or failed (a failed family assessment or consent stops the plan)",
            request_model=StepIn, responses={200: ("The plan", PlanOut), 409: ("Changed meanwhile", None)},
            tag="repatriation")
def step(plan_id, key):
    services.record_step(get_session(), current_user, plan_id, key, json_body())
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/manifest")
@documented("Send the manifest to the home centre (host; needs the consent step)", tag="repatriation",
            responses={200: ("The plan", PlanOut)})
def manifest(plan_id):
    services.send_manifest(get_session(), current_user, plan_id)
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/persons/<person_id>/escort")
@documented("Record the guardian or escort of a child", tag="repatriation", responses={200: ("The plan", PlanOut)})
def escort(plan_id, person_id):
    services.set_escort(get_session(), current_user, plan_id, person_id, json_body())
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/handover")
@documented("Record the handover at the crossing (409 while a required step is open)", request_model=HandoverIn,
            responses={200: ("The plan", PlanOut), 409: ("Not ready", None)}, tag="repatriation")
def handover(plan_id):
    services.record_handover(get_session(), current_user, plan_id, json_body())
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/confirm-reception")
@documented("Confirm the reception (receiving centre only); sets the follow-up reports due", request_model=ReceptionIn,
            responses={200: ("The plan", PlanOut), 403: ("Not the receiving centre", None)}, tag="repatriation")
def reception(plan_id):
    data = json_body() if request.get_data() else {}
    services.confirm_reception(get_session(), current_user, plan_id, data)
    return _view(plan_id)


@bp.post("/repatriations/<plan_id>/follow-ups/<follow_up_id>")
@documented("Submit a follow-up report (receiving centre)", tag="repatriation", responses={200: ("The plan", PlanOut)})
def follow_up(plan_id, follow_up_id):
    services.submit_follow_up(get_session(), current_user, plan_id, follow_up_id, json_body().get("report"))
    return _view(plan_id)


@bp.get("/repatriations/<plan_id>/receipt.pdf")
@documented("The bilingual handover receipt (PDF)", responses={200: ("application/pdf", None)}, tag="repatriation")
def receipt(plan_id):
    from . import pdf

    v = services.read_plan(get_session(), current_user, plan_id)
    return pdf.response(pdf.receipt(v), f"receipt-{v.plan.reference}.pdf")


@bp.get("/repatriations/<plan_id>/manifest.pdf")
@documented("The bilingual manifest (PDF)", responses={200: ("application/pdf", None)}, tag="repatriation")
def manifest_pdf(plan_id):
    from . import pdf

    v = services.read_plan(get_session(), current_user, plan_id)
    return pdf.response(pdf.manifest(v), f"manifest-{v.plan.reference}.pdf")


