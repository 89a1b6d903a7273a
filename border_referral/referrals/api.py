"""The referrals API (README, "Cross-border referrals"): /api/v1/referrals, the actions, the thread."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from ..files import responses
from ..util import iso_utc
from ..errors import NotFound, ValidationError
from . import services

bp = Blueprint("referrals_api", __name__)


class ConsentIn(SQLModel):
    given: bool
    date: Optional[str] = None
    method: Optional[str] = None
    guardian: Optional[str] = None
    override_reason: Optional[str] = None


class ReferralIn(SQLModel):
    case_id: str
    case_ids: Optional[list[str]] = None   # the other persons of a group referral
    to_centre: str
    purpose: str
    shared_fields: list[str]
    consent: ConsentIn
    legal_ground: str
    message: Optional[str] = None
    language: Optional[str] = None


class ActionIn(SQLModel):
    reason: Optional[str] = None


class MessageIn(SQLModel):
    body: str
    language: Optional[str] = None


class ReferralOut(SQLModel):
    id: str
    reference: str
    state: str
    side: str
    purpose: str
    from_centre: str
    to_centre: str
    case_number: str
    identification_status: Optional[str] = None
    shared_fields: Optional[list[str]] = None
    package: Optional[dict[str, Any]] = None
    overdue: list[str]
    version: int




def _summary(r, from_code: str, to_code: str, side: str) -> dict:
    return {
        "id": r.id, "reference": r.reference, "state": r.state, "side": side, "purpose": r.purpose,
        "from_centre": from_code, "to_centre": to_code, "case_number": r.case_number,
        "identification_status": r.identification_status, "version": r.version,
        "created_at": iso_utc(r.created_at), "sent_at": iso_utc(r.sent_at), "acknowledged_at": iso_utc(r.acknowledged_at),
        "answered_at": iso_utc(r.answered_at), "closed_at": iso_utc(r.closed_at),
        "acknowledge_due": iso_utc(r.ack_due_at), "response_due": iso_utc(r.response_due_at),
        "overdue": services.overdue_kinds(r),
    }


def referral_json(view) -> dict:
    r = view.referral
    out = _summary(r, view.from_centre.code, view.to_centre.code, view.side)
    out.update({
        "package": view.package, "package_destroyed": r.package_destroyed_at is not None,
        "decline_reason": view.decline_reason,
        "possible_duplicate": {"exists": bool(r.duplicates), "fields": r.duplicates} if view.side == "receiver" else None,
        "messages": [{"id": m.id, "centre": view.from_centre.code if m.centre_id == r.from_centre_id else view.to_centre.code,
                      "language": m.language, "body": body, "created_at": iso_utc(m.created_at)}
                     for m, body, _who in view.messages],
        "attachments": [{"id": a.id, "filename": name, "content_type": a.content_type, "size": a.size}
                        for a, name in view.attachments],
    })
    out["group"] = [p.get("case_number") for p in (view.package or {}).get("persons") or []][1:] or \
        [c.case_number for c in view.group]
    if view.side == "sender":
        consent = dict(view.consent or {})
        out.update({"case_id": r.case_id, "shared_fields": r.fields, "legal_ground": consent.pop("legal_ground", None),
                    "consent": {"given": r.consent_given, "date": r.consent_date, "method": r.consent_method,
                                **consent}})
    return out


@bp.post("/referrals")
@documented("Open a draft referral of a case to a partner centre", request_model=ReferralIn,
            responses={201: ("The draft referral", ReferralOut), 403: ("Override without the supervisor role", None),
                       422: ("Bad input, e.g. not a partner centre, no consent and no override", None)},
            tag="referrals")
def create():
    session = get_session()
    r = services.create_referral(session, current_user, json_body())
    return jsonify(referral_json(services.read_referral(session, current_user, r.id))), 201


BOX_PARAMS = [{"name": n, "in": "query", "required": n == "box", "schema": {"type": "string"}}
              for n in ("box", "state", "purpose", "overdue", "page")]


@bp.get("/referrals")
@documented("The centre's inbox or outbox, 50 a page, newest change first (box=inbox|outbox; filters "
            "state, purpose, overdue=1; page; `next` is the next page's number)",
            parameters=BOX_PARAMS, responses={200: ("Referrals", None)}, tag="referrals")
def list_():
    args = request.args
    which = args.get("box", "inbox")
    try:
        page = int(args.get("page", "1"))
    except ValueError:
        raise ValidationError(_("Enter a whole number."), field="page") from None
    rows, nxt = services.box_page(get_session(), current_user, which, page, state=args.get("state") or None,
                                  purpose=args.get("purpose") or None, overdue=args.get("overdue") in ("1", "true"))
    me = current_user.centre_code
    items = []
    for row in rows:
        r = row.referral
        frm, to = (me, row.partner.code) if which == "outbox" else (row.partner.code, me)
        items.append(_summary(r, frm, to, "sender" if which == "outbox" else "receiver"))
    return jsonify({"items": items, "next": str(nxt) if nxt else None})


@bp.get("/referrals/<referral_id>")
@documented("Read a referral (audited); the receiving side sees only the shared fields",
            responses={200: ("The referral as the caller may see it", ReferralOut)}, tag="referrals")
def read(referral_id):
    return jsonify(referral_json(services.read_referral(get_session(), current_user, referral_id)))


@bp.post("/referrals/<referral_id>/<action>")
@documented("Take an action: send, acknowledge, accept, decline (with a reason), complete, withdraw",
            request_model=ActionIn,
            responses={200: ("The referral", ReferralOut), 403: ("Not this side's action or role", None),
                       409: ("Not possible in the present state", None)}, tag="referrals")
def act(referral_id, action):
    if action not in services.TRANSITIONS:
        raise NotFound()
    session = get_session()
    data = json_body() if request.get_data() else {}
    services.perform(session, current_user, referral_id, action, data)
    return jsonify(referral_json(services.read_referral(session, current_user, referral_id)))


@bp.post("/referrals/<referral_id>/messages")
@documented("Write in the referral's thread (in the writer's language)", request_model=MessageIn,
            responses={201: ("The message", None)}, tag="referrals")
def message(referral_id):
    body = json_body()
    m = services.add_message(get_session(), current_user, referral_id, body.get("body"), body.get("language"))
    return jsonify({"id": m.id, "language": m.language, "created_at": iso_utc(m.created_at)}), 201


@bp.post("/referrals/<referral_id>/attachments")
@documented("Attach a file to the thread (multipart `file`)", tag="referrals",
            responses={201: ("The attachment", None), 413: ("Too large", None), 415: ("Type not accepted", None)})
def attach(referral_id):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("Choose a file to attach."), field="file")
    att = services.add_attachment(get_session(), current_user, referral_id, upload.stream, upload.filename)
    return jsonify({"id": att.id, "content_type": att.content_type, "size": att.size}), 201


@bp.get("/referrals/<referral_id>/attachments/<attachment_id>")
@documented("Download a thread attachment (audited)", responses={200: ("The file", None)}, tag="referrals")
def download(referral_id, attachment_id):
    att, name, body = services.read_attachment(get_session(), current_user, referral_id, attachment_id)
    return responses.attachment(att, name, body)
