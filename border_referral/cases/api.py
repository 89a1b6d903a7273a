"""The cases API (README, "Case files and encryption"): /api/v1/cases, its attachments and notes."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from ..files import responses, uploads
from ..errors import ValidationError
from . import services

bp = Blueprint("cases_api", __name__)


class PersonIn(SQLModel):
    full_name: str
    latin_name: Optional[str] = None
    aliases: Optional[list[str]] = None
    sex: str
    date_of_birth: Optional[str] = None
    age_estimate: Optional[int] = None
    nationality: str
    ethnicity: Optional[str] = None
    languages: Optional[list[str]] = None
    id_numbers: Optional[list[str]] = None
    id_documents: Optional[list[dict[str, Any]]] = None
    home_address: Optional[dict[str, Any]] = None
    family_contacts: Optional[list[dict[str, Any]]] = None


class CaseIn(SQLModel):
    person: PersonIn
    exploitation_types: Optional[list[str]] = None
    referral_source: Optional[str] = None
    narrative: Optional[str] = None
    found_date: Optional[str] = None
    found_place: Optional[str] = None
    status: Optional[str] = None
    shelter: Optional[str] = None
    health: Optional[str] = None
    sexual_exploitation: Optional[str] = None
    assigned_to: Optional[str] = None


class CasePatch(SQLModel):
    version: int
    person: Optional[dict[str, Any]] = None
    exploitation_types: Optional[list[str]] = None
    referral_source: Optional[str] = None
    narrative: Optional[str] = None
    status: Optional[str] = None


class CaseOut(SQLModel):
    id: str
    case_number: str
    version: int
    status: str
    centre: str
    sex: str
    nationality: str
    is_child: Optional[bool] = None
    exploitation_types: list[str]
    referral_source: Optional[str] = None
    assigned_to: Optional[str] = None
    created_at: str
    updated_at: str
    person: Optional[dict[str, Any]] = None
    narrative: Optional[str] = None


class CaseListItem(SQLModel):
    id: str
    case_number: str
    status: str
    sex: str
    nationality: str
    is_child: Optional[bool] = None
    full_name: Optional[str] = None


class CaseList(SQLModel):
    items: list[CaseListItem]
    next: Optional[str] = None


class AttachmentOut(SQLModel):
    id: str
    content_type: str
    size: int
    filename: str


class NoteIn(SQLModel):
    body: str


class EraseIn(SQLModel):
    reason: str


PERSON_KEYS = {"full_name", "latin_name", "aliases", "sex", "date_of_birth", "age_estimate", "nationality",
               "ethnicity", "languages", "id_numbers", "id_documents", "home_address", "family_contacts"}


def flatten(body: dict) -> dict:
    """The API nests the person; services take one flat mapping."""
    person = body.get("person", {})
    if person is None:
        person = {}
    if not isinstance(person, dict):
        raise ValidationError(_("The request body must be a JSON object."), field="person")
    flat = {k: v for k, v in body.items() if k not in ("person", "version")}
    flat.update({k: v for k, v in person.items() if k in PERSON_KEYS})
    return flat


def case_json(case, values: dict) -> dict:
    from ..centres.models import Centre

    centre = get_session().get(Centre, case.centre_id)
    out = {
        "id": case.id, "case_number": case.case_number, "version": case.version, "status": case.status,
        "centre": centre.code, "sex": case.sex, "nationality": case.nationality, "is_child": case.is_child,
        "exploitation_types": case.exploitation_types, "referral_source": case.referral_source,
        "assigned_to": case.assigned_to_id, "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    person = {k: values[k] for k in PERSON_KEYS if k in values}
    if person:
        person["sex"], person["nationality"] = case.sex, case.nationality
        person["id_numbers"] = [d["number"] for d in values.get("id_documents") or []]
        out["person"] = person
    for key in ("narrative", "found_date", "found_place", "shelter", "health", "sexual_exploitation"):
        if key in values:
            out[key] = values[key]
    return out


def _row(row) -> dict:
    c = row.case
    item = {"id": c.id, "case_number": c.case_number, "status": c.status, "sex": c.sex,
            "nationality": c.nationality, "is_child": c.is_child}
    if row.full_name is not None:
        item["full_name"] = row.full_name
    return item


@bp.post("/cases")
@documented("Open a case file", request_model=CaseIn, responses={201: ("The case as the caller may see it", CaseOut)},
            tag="cases")
def create():
    session = get_session()
    case = services.create_case(session, current_user, flatten(json_body()))
    _case, values = services.read_case(session, current_user, case.id)
    return jsonify(case_json(case, values)), 201


LIST_PARAMS = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
               for n in ("q", "status", "nationality", "exploitation_type", "mine", "sort", "page")]


@bp.get("/cases")
@documented("List the centre's cases, or search them by name or id number (q)", parameters=LIST_PARAMS,
            responses={200: ("A page of cases", CaseList)}, tag="cases")
def list_():
    session = get_session()
    args = request.args
    if args.get("q"):
        rows, nxt = services.search(session, current_user, args["q"]), None
    else:
        try:
            page_no = int(args.get("page", "1"))
        except ValueError:
            raise ValidationError(_("Enter a whole number."), field="page") from None
        page = services.list_cases(session, current_user, status=args.get("status"),
                                   nationality=args.get("nationality"),
                                   exploitation_type=args.get("exploitation_type"),
                                   mine=args.get("mine") in ("1", "true"), sort=args.get("sort", "newest"),
                                   page=page_no)
        rows, nxt = page.rows, page.next_page
    return jsonify({"items": [_row(r) for r in rows], "next": str(nxt) if nxt else None})


@bp.get("/cases/<case_id>")
@documented("Read a case (audited)", responses={200: ("The case as the caller may see it", CaseOut)}, tag="cases")
def read(case_id):
    case, values = services.read_case(get_session(), current_user, case_id)
    return jsonify(case_json(case, values))


@bp.patch("/cases/<case_id>")
@documented("Change a case; `version` must be the one read (stale: 409)", request_model=CasePatch,
            responses={200: ("The case", CaseOut), 409: ("Stale version", None)}, tag="cases")
def patch(case_id):
    session = get_session()
    body = json_body()
    case = services.update_case(session, current_user, case_id, flatten(body), body.get("version"))
    _case, values = services.read_case(session, current_user, case.id)
    return jsonify(case_json(case, values))


@bp.post("/cases/<case_id>/attachments")
@documented("Attach a file (multipart `file`): JPEG, PNG, PDF, DOCX or text; images lose their metadata",
            responses={201: ("The attachment", AttachmentOut), 413: ("Too large", None),
                       415: ("Type not accepted", None)}, tag="cases")
def attach(case_id):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("Choose a file to attach."), field="file")
    att = services.add_attachment(get_session(), current_user, case_id, upload.stream, upload.filename)
    name = uploads.safe_name(upload.filename, att.content_type)
    return jsonify({"id": att.id, "content_type": att.content_type, "size": att.size, "filename": name}), 201


@bp.get("/cases/<case_id>/attachments/<attachment_id>")
@documented("Download an attachment (audited)", responses={200: ("The file", None)}, tag="cases")
def download(case_id, attachment_id):
    att, name, body = services.read_attachment(get_session(), current_user, case_id, attachment_id)
    return responses.attachment(att, name, body)


@bp.post("/cases/<case_id>/notes")
@documented("Add a note to a case", request_model=NoteIn, responses={201: ("The note", None)}, tag="cases")
def note(case_id):
    n = services.add_note(get_session(), current_user, case_id, json_body().get("body"))
    return jsonify({"id": n.id, "created_at": n.created_at.isoformat()}), 201


@bp.post("/cases/<case_id>/erase")
@documented("Erase a case for good (admins; destroys its key)", request_model=EraseIn,
            responses={200: ("Erased", None)}, tag="cases")
def erase(case_id):
    case = services.erase_case(get_session(), current_user, case_id, json_body().get("reason"))
    return jsonify({"id": case.id, "case_number": case.case_number, "erased": True})
