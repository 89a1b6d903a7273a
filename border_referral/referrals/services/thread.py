"""The thread: messages and attachments between the two centres."""
from __future__ import annotations

import io

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from ... import audit
from ...auth.permissions import require_role
from ...inputs import text as _text
from ...files import uploads
from ...errors import NotFound
from ...util import is_id
from ..models import OPEN_STATES, Referral, ReferralAttachment, ReferralMessage
from ._common import (ACT_ROLES, MAX_MESSAGE, StateConflict, _add_message, _get, _language, _package_vault, _save,
                      notify)


def _thread_open(r: Referral, side: str) -> None:
    if r.state not in OPEN_STATES and not (r.state == "draft" and side == "sender"):
        raise StateConflict(_l("The referral is closed: nothing more can be added."))


def add_message(session: Session, actor, referral_id: str, body, language=None) -> ReferralMessage:
    r, side = _get(session, actor, referral_id)
    require_role(actor, *ACT_ROLES)
    _thread_open(r, side)
    text = _text({"body": body}, "body", required=True, limit=MAX_MESSAGE)
    msg = _add_message(session, _package_vault(session, r), r, actor, text, _language(language, actor))
    _save(session, r)
    audit.record(session, actor, "referral.message", r, {"message": msg.id, "language": msg.language})
    if r.state != "draft":
        notify(session, r.to_centre_id if side == "sender" else r.from_centre_id, r, "message")
    return msg


def add_attachment(session: Session, actor, referral_id: str, stream, filename: str | None) -> ReferralAttachment:
    r, side = _get(session, actor, referral_id)
    require_role(actor, *ACT_ROLES)
    _thread_open(r, side)
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise uploads.TooLarge()
    content_type, clean = uploads.sanitise(data)
    att = ReferralAttachment(referral_id=r.id, centre_id=actor.centre_id, uploaded_by_id=actor.id,
                             content_type=content_type, size=len(clean))
    vault = _package_vault(session, r)
    att.file_id, _n = vault.write_file(att.id, io.BytesIO(clean))
    vault.write(att, {"filename": uploads.safe_name(filename, content_type)})
    session.add(att)
    _save(session, r)
    audit.record(session, actor, "referral.attachment_add", r, {"attachment": att.id, "type": content_type})
    if r.state != "draft":
        notify(session, r.to_centre_id if side == "sender" else r.from_centre_id, r, "attachment")
    return att


def read_attachment(session: Session, actor, referral_id: str, attachment_id: str):
    r, _side = _get(session, actor, referral_id)
    att = session.get(ReferralAttachment, attachment_id) if is_id(attachment_id) else None
    vault = _package_vault(session, r)
    if att is None or att.referral_id != r.id or vault is None or att.file_id is None:
        raise NotFound()
    body = vault.read_file(att.id, att.file_id)
    name = vault.read(att, ["filename"], actor=actor, action="referral.attachment_read", target=r,
                      details={"attachment": att.id})["filename"]
    return att, name, body
