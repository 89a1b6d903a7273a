from __future__ import annotations

from typing import Optional

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from ..errors import NotFound
from ..util import iso_utc
from . import proposals, services
from .models import Partnership

bp = Blueprint("centres_api", __name__)


class CentrePublic(SQLModel):
    code: str
    country: str
    timezone: str
    names: dict[str, str]
    crossings: list[str]
    partner: bool


class CentreList(SQLModel):
    items: list[CentrePublic]


def _names(obj) -> dict[str, str]:
    return {lang: obj.name(lang) for lang in ("th", "my", "lo", "en")}


@bp.get("/centres")
@documented("Centres of the network, with the caller's partners marked", responses={200: ("Centres", CentreList)}, tag="reference")
def list_centres():
    session = get_session()
    partner_ids = {c.id for c in services.partners_of(session, current_user.centre_id)}
    centres = services.centres(session, active_only=True)
    crossings = services.crossings_by_centre(session, [c.id for c in centres])
    items = [
        CentrePublic(code=c.code, country=c.country_code, timezone=c.timezone, names=_names(c),
                     crossings=[x.code for x in crossings[c.id]], partner=c.id in partner_ids)
        for c in centres
    ]
    return jsonify(CentreList(items=items).model_dump())


# ---------------------------------------------------------------- partnership proposals

class ProposalIn(SQLModel):
    members: list[str]


class ProposalOut(SQLModel):
    id: str
    partnership: str
    state: str
    members: list[str]
    previous_members: list[str]
    answers: dict[str, str]
    created_at: Optional[str] = None
    decided_at: Optional[str] = None


class ProposalList(SQLModel):
    items: list[ProposalOut]


def proposal_json(session, p) -> dict:
    return ProposalOut(id=p.id, partnership=session.get(Partnership, p.partnership_id).code, state=p.state,
                       members=p.member_codes, previous_members=p.previous_codes,
                       answers=proposals.answers(session, p), created_at=iso_utc(p.created_at),
                       decided_at=iso_utc(p.decided_at)).model_dump()


@bp.post("/partnerships/<code>/proposals")
@documented("Propose a partnership's new membership (network administrator or administrator of a member "
            "centre); taking centres out applies at once", request_model=ProposalIn,
            responses={201: ("The proposal, pending or applied", ProposalOut), 403: ("Not allowed", None),
                       409: ("Another change is waiting for approval", None)}, tag="reference")
def propose(code):
    session = get_session()
    p = proposals.propose(session, current_user, code, json_body())
    return jsonify(proposal_json(session, p)), 201


@bp.get("/partnership-proposals")
@documented("Partnership proposals concerning the caller's centre (administrators)",
            responses={200: ("Proposals", ProposalList)}, tag="reference",
            parameters=[{"name": "state", "in": "query", "required": False, "schema": {"type": "string"}}])
def list_proposals():
    session = get_session()
    state = request.args.get("state") or None
    return jsonify({"items": [proposal_json(session, p) for p in proposals.for_actor(session, current_user, state)]})


@bp.get("/partnership-proposals/<proposal_id>")
@documented("One partnership proposal", responses={200: ("The proposal", ProposalOut)}, tag="reference")
def read_proposal(proposal_id):
    session = get_session()
    return jsonify(proposal_json(session, proposals.get(session, current_user, proposal_id)))


@bp.post("/partnership-proposals/<proposal_id>/approve")
@documented("Approve a proposal for the caller's centre (administrator of a centre concerned); it applies "
            "when every centre concerned has approved", responses={200: ("The proposal", ProposalOut),
                                                                  409: ("No longer pending", None)}, tag="reference")
def approve_proposal(proposal_id):
    session = get_session()
    return jsonify(proposal_json(session, proposals.decide(session, current_user, proposal_id, "approved")))


@bp.post("/partnership-proposals/<proposal_id>/reject")
@documented("Refuse a proposal for the caller's centre; one refusal stops it",
            responses={200: ("The proposal", ProposalOut), 409: ("No longer pending", None)}, tag="reference")
def reject_proposal(proposal_id):
    session = get_session()
    return jsonify(proposal_json(session, proposals.decide(session, current_user, proposal_id, "rejected")))


class JurisdictionPublic(SQLModel):
    country: str
    legal_basis: dict
    clocks: dict
    outcomes: list[str]
    child_age: int
    child_age_source: str
    data_protection_law: str
    legal_grounds: list[dict]
    fiscal_year: dict
    mdt_agencies: list[str]
    retention: dict
    version: int
    edited: list[str]


class JurisdictionList(SQLModel):
    items: list[JurisdictionPublic]


@bp.get("/jurisdictions")
@documented("The law and calendar of each country of the network: clocks (null where the law sets none), MDT "
            "outcomes, child age, fiscal year and the legal grounds for a transfer across the border",
            responses={200: ("One profile per country code", JurisdictionList)}, tag="reference")
def list_jurisdictions():
    from . import jurisdictions

    return jsonify({"items": [jurisdictions.as_json(p) for p in jurisdictions.all_profiles(get_session())]})


class JurisdictionEdit(SQLModel):
    version: int
    clocks: Optional[dict] = None
    outcomes: Optional[list[str]] = None
    child_age: Optional[int] = None
    child_age_source: Optional[str] = None
    legal_grounds: Optional[list[dict]] = None
    fiscal_year: Optional[dict] = None
    mdt_agencies: Optional[list[str]] = None
    retention: Optional[dict] = None


@bp.get("/jurisdictions/<country>")
@documented("One country's profile", responses={200: ("The profile", JurisdictionPublic), 404: ("No such country", None)},
            tag="reference")
def read_jurisdiction(country):
    from . import jurisdictions

    try:
        jurisdictions.profile_for_country(country)
    except LookupError:
        raise NotFound() from None
    return jsonify(jurisdictions.as_json(jurisdictions.effective(get_session(), country)))


@bp.put("/jurisdictions/<country>")
@documented("Change a country's rules (network administrators): any of clocks, outcomes, child age, legal grounds, "
            "fiscal year, MDT agencies and retention, with the profile's version; audited, applies to records made from now on",
            request_model=JurisdictionEdit,
            responses={200: ("The profile as it now applies", JurisdictionPublic), 403: ("Not allowed", None),
                       404: ("No such country", None), 409: ("Changed by someone else", None),
                       422: ("Not valid", None)}, tag="reference")
def edit_jurisdiction(country):
    from . import jurisdictions

    data = json_body()
    session = get_session()
    profile = jurisdictions.save_settings(session, current_user, country, data, data.get("version"))
    return jsonify(jurisdictions.as_json(profile))
