"""The meetings API (README, "Joint meetings"), and the rest of the secretariats' work: agenda items, ordering,
participants, minutes and their adoption, action items, the documents."""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..centres.models import Centre, Partnership
from ..database import get_session
from ..i18n import current_locale
from ..util import iso_utc
from . import documents, labels, services

bp = Blueprint("meetings_api", __name__)


class ChairIn(SQLModel):
    name: Optional[str] = None
    centre: Optional[str] = None       # a member centre's code; the host centre when not given


class MeetingIn(SQLModel):
    partnership: str
    starts_at: str
    venue: str
    number: Optional[int] = None
    host: Optional[str] = None
    chair: Optional[ChairIn] = None


class MeetingPatch(SQLModel):
    chair: ChairIn
    version: int


class ItemIn(SQLModel):
    title: str
    type: str
    description: Optional[str] = None
    language: Optional[str] = None
    translations: Optional[dict[str, Any]] = None
    references: Optional[list[str]] = None


class ActionIn(SQLModel):
    title: str
    owner_centre: str
    due: str
    agenda_item: Optional[str] = None


class MeetingOut(SQLModel):
    id: str
    number: int
    year: int
    state: str




def meeting_json(m, issued: int | None | bool = False) -> dict:
    """A meeting; `agenda_version` is the version of the agenda the partners know (0 while it is a
    draft: see services.issued_versions), `version` the one to send back with a change (the lock)."""
    session = get_session()
    if issued is False:
        issued = services.issued_version(session, m)
    return {"id": m.id, "number": m.number, "year": m.year, "state": m.state, "starts_at": iso_utc(m.starts_at),
            "venue": m.venue, "partnership": session.get(Partnership, m.partnership_id).code,
            "host": session.get(Centre, m.host_centre_id).code, "languages": m.language_list,
            "agenda_version": issued or 0, "version": m.version,
            "chair": {"name": m.chair_name,
                      "centre": session.get(Centre, m.chair_centre_id).code if m.chair_centre_id else None}}


def item_json(item) -> dict:
    centre = get_session().get(Centre, item.proposing_centre_id) if item.proposing_centre_id else None
    return {"id": item.id, "title": item.title, "description": item.description, "type": item.type,
            "status": item.status, "section": item.section, "position": item.position, "language": item.language,
            "translations": json.loads(item.translations), "references": item.reference_list,
            "proposing_centre": centre.code if centre else None, "deferred_from": item.deferred_from_id,
            "merged_into": item.merged_into_id}


def action_json(a) -> dict:
    session = get_session()
    return {"id": a.id, "title": a.title, "owner_centre": session.get(Centre, a.owner_centre_id).code,
            "due": a.due.isoformat(), "status": a.status, "meeting_id": a.meeting_id, "version": a.version,
            "updates": json.loads(a.updates)}


@bp.post("/meetings")
@documented("Plan the next meeting of a partnership's series (secretariat of a member centre)", request_model=MeetingIn,
            responses={201: ("The meeting with its number in the series and its year", MeetingOut),
                       409: ("The number is already used", None)}, tag="meetings")
def create():
    m = services.create_meeting(get_session(), current_user, json_body())
    return jsonify(meeting_json(m)), 201


@bp.get("/meetings")
@documented("Meetings of the caller's partnerships", responses={200: ("Meetings", None)}, tag="meetings")
def list_():
    session = get_session()
    rows = [m for m, _p, _h in services.meetings(session, current_user)]
    issued = services.issued_versions(session, rows)
    return jsonify({"items": [meeting_json(m, issued[m.id]) for m in rows], "next": None})


@bp.get("/meetings/<meeting_id>")
@documented("A meeting with its proposals, participants, minutes and actions", responses={200: ("The meeting", None)},
            tag="meetings")
def read(meeting_id):
    session = get_session()
    m = services.meeting_for(session, current_user, meeting_id)
    mins = services.minutes_of(session, m.id)
    out = meeting_json(m)
    out.update({
        "proposals": [item_json(i) for i in services.proposals(session, current_user, m.id)],
        "participants": [{"id": p.id, "centre": c.code, "name": p.name, "position": p.position, "agency": p.agency,
                          "attendance": p.attendance} for p, c in services.participants(session, current_user, m.id)],
        "minutes": None if mins is None else {"state": mins.state, "language": mins.language, "opened_at": mins.opened_at,
                                               "closed_at": mins.closed_at, "recorder": mins.recorder,
                                               "checker": mins.checker, "items": json.loads(mins.items),
                                               "version": mins.version, "corrections": json.loads(mins.corrections)},
        "actions": [action_json(r.action) for r in services.actions(session, current_user, open_only=False,
                                                                    meeting_id=m.id)],
    })
    return jsonify(out)


@bp.patch("/meetings/<meeting_id>")
@documented("Record the chair of a meeting (host secretariat; {chair: {name, centre}, version}): the chair's centre is "
            "a member of the partnership", request_model=MeetingPatch,
            responses={200: ("The meeting", MeetingOut), 409: ("Stale version or minutes adopted", None),
                       422: ("The centre is not in the partnership", None)}, tag="meetings")
def update(meeting_id):
    return jsonify(meeting_json(services.set_chair(get_session(), current_user, meeting_id, json_body())))


@bp.post("/meetings/<meeting_id>/agenda-items")
@documented("Propose an agenda item (secretariat of a member centre; 409 once the agenda is closed)",
            request_model=ItemIn, responses={201: ("The item", None), 409: ("Agenda closed", None)}, tag="meetings")
def propose(meeting_id):
    item = services.propose_item(get_session(), current_user, meeting_id, json_body())
    return jsonify(item_json(item)), 201


@bp.post("/meetings/<meeting_id>/agenda-items/<item_id>/<action>")
@documented("Host secretariat: accept, defer, reject, merge (body {into}) or order (body {section, position}) an item",
            responses={200: ("The item", None), 422: ("Wrong section for the item's type", None)}, tag="meetings")
def decide(meeting_id, item_id, action):
    session = get_session()
    body = json_body() if request.get_data() else {}
    if action == "order":
        item = services.order_item(session, current_user, item_id, body.get("section"), body.get("position"),
                                   meeting_id=meeting_id)
    else:
        item = services.decide_item(session, current_user, item_id, action, body.get("into"), meeting_id=meeting_id)
    return jsonify(item_json(item))


@bp.post("/meetings/<meeting_id>/close-agenda")
@documented("Close the agenda (host secretariat): standing proposals go into the section of their type",
            responses={200: ("The meeting", MeetingOut)}, tag="meetings")
def close_agenda(meeting_id):
    return jsonify(meeting_json(services.close_agenda(get_session(), current_user, meeting_id)))


@bp.get("/meetings/<meeting_id>/agenda")
@documented("The agenda in the standard order: sections 1-6 with their items", responses={200: ("The agenda", None)},
            tag="meetings")
def agenda(meeting_id):
    session = get_session()
    sections = services.agenda(session, current_user, meeting_id)
    out = []
    for number, entries in sections.items():
        items = []
        for e in entries:
            if e.kind == "item":
                items.append({**item_json(e.item), "kind": "item"})
            elif e.kind == "action":
                items.append({"kind": "action", "title": e.action.title, "action_id": e.action.id,
                              "owner_centre": session.get(Centre, e.action.owner_centre_id).code,
                              "due": e.action.due.isoformat(), "status": e.action.status,
                              "from_meeting": e.from_meeting.number})
            else:
                items.append({"kind": "minutes", "title": _("Adoption of the minutes of meeting no. %(number)s (%(year)s)",
                                                            number=e.from_meeting.number,
                                                            year=labels.meeting_year(e.from_meeting.year, current_locale())),
                              "meeting_id": e.from_meeting.id})
        out.append({"number": number, "items": items})
    return jsonify({"sections": out})


@bp.post("/meetings/<meeting_id>/participants")
@documented("Add a participant of a member centre's delegation", responses={201: ("Added", None)}, tag="meetings")
def participant(meeting_id):
    p = services.add_participant(get_session(), current_user, meeting_id, json_body())
    return jsonify({"id": p.id, "attendance": p.attendance}), 201


@bp.post("/meetings/<meeting_id>/participants/<participant_id>")
@documented("Take attendance: {attendance: invited|present|absent}", responses={200: ("Updated", None)}, tag="meetings")
def attendance(meeting_id, participant_id):
    p = services.set_attendance(get_session(), current_user, meeting_id, participant_id, json_body().get("attendance"))
    return jsonify({"id": p.id, "attendance": p.attendance})


@bp.put("/meetings/<meeting_id>/minutes")
@documented("Write the draft minutes (host secretariat; refused once adopted)", responses={200: ("Saved", None)},
            tag="meetings")
def minutes(meeting_id):
    mins = services.save_minutes(get_session(), current_user, meeting_id, json_body())
    return jsonify({"state": mins.state, "version": mins.version})


@bp.post("/meetings/<meeting_id>/minutes/check")
@documented("The checker has read the minutes (draft -> checked)", responses={200: ("Checked", None)}, tag="meetings")
def check(meeting_id):
    mins = services.check_minutes(get_session(), current_user, meeting_id)
    return jsonify({"state": mins.state})


@bp.post("/meetings/<meeting_id>/minutes/adopt")
@documented("Adopt the minutes at a later meeting ({in_meeting}); draft minutes are refused", tag="meetings",
            responses={200: ("Adopted", None), 409: ("Still a draft", None)})
def adopt(meeting_id):
    mins = services.adopt_minutes(get_session(), current_user, meeting_id, json_body().get("in_meeting"))
    return jsonify({"state": mins.state})


@bp.post("/meetings/<meeting_id>/minutes/corrections")
@documented("Record a correction to adopted minutes ({item, text, reason})", responses={200: ("Recorded", None)},
            tag="meetings")
def correct(meeting_id):
    mins = services.correct_minutes(get_session(), current_user, meeting_id, json_body())
    return jsonify({"state": mins.state, "corrections": len(json.loads(mins.corrections))})


@bp.post("/meetings/<meeting_id>/actions")
@documented("Record an action item from a resolution (once the agenda is closed)", request_model=ActionIn,
            responses={201: ("The action", None), 409: ("Agenda not closed yet", None)}, tag="meetings")
def add_action(meeting_id):
    a = services.add_action(get_session(), current_user, meeting_id, json_body())
    return jsonify(action_json(a)), 201


@bp.get("/meeting-actions")
@documented("Action items of the caller's partnerships (open=0 for all; mine=1 for the caller's centre)",
            parameters=[{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                        for n in ("partnership", "mine", "open")], responses={200: ("Actions", None)}, tag="meetings")
def list_actions():
    a = request.args
    rows = services.actions(get_session(), current_user, partnership=a.get("partnership") or None,
                            mine=a.get("mine") in ("1", "true"), open_only=a.get("open", "1") not in ("0", "false"))
    return jsonify({"items": [{**action_json(r.action), "overdue": r.overdue} for r in rows], "next": None})


@bp.post("/meeting-actions/<action_id>")
@documented("Update an action (its owner centre's secretariat): {status, note, version?}", responses={200: ("Updated", None)},
            tag="meetings")
def update_action(action_id):
    return jsonify(action_json(services.update_action(get_session(), current_user, action_id, json_body())))


@bp.get("/meetings/<meeting_id>/<doc>.<kind>")
@documented("The agenda or the minutes as PDF or DOCX (agenda.pdf, agenda.docx, minutes.pdf, minutes.docx)",
            responses={200: ("The document", None)}, tag="meetings")
def document(meeting_id, doc, kind):
    return documents.send(current_user, meeting_id, doc, kind)
