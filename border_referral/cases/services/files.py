"""Notes and attachments of a case, sealed under the case's key."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ... import audit, inputs
from ...files import uploads
from ...errors import NotFound, PermissionDenied
from ...util import is_id
from ..models import FACTS, IDENTITY, Attachment, Case, CaseNote
from ._access import WRITE_ROLES, visible_groups, reach_case, case_vault


# ---------------------------------------------------------------- notes and attachments

def add_note(session: Session, actor, case_id: str, body: str) -> CaseNote:
    case = reach_case(session, actor, case_id, WRITE_ROLES)
    # Text only (an API body may send `true` or a list), storable, at most 20000 characters.
    text = inputs.text({"body": body}, "body", required=True, limit=20000)

    note = CaseNote(case_id=case.id, author_id=actor.id)
    case_vault(session, case).write(note, {"body": text})
    session.add(note)
    session.flush()
    audit.record(session, actor, "case.note_add", case, {"note": note.id})
    return note


def read_notes(session: Session, actor, case: Case) -> list[tuple[CaseNote, str]]:
    if FACTS not in visible_groups(actor):
        return []
    notes = session.execute(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at)).scalars().all()
    if not notes:
        return []
    bodies = case_vault(session, case).read_many(notes, ["body"], actor=actor, action="case.notes_read", target=case,
                                                 details={"notes": len(notes)})
    return [(n, b["body"]) for n, b in zip(notes, bodies)]


def add_attachment(session: Session, actor, case_id: str, stream, filename: str | None) -> Attachment:
    case = reach_case(session, actor, case_id, WRITE_ROLES)
    from flask import current_app

    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise uploads.TooLarge()
    content_type, clean_bytes = uploads.sanitise(data)
    att = Attachment(case_id=case.id, uploaded_by_id=actor.id, content_type=content_type, size=len(clean_bytes))
    vault = case_vault(session, case)
    import io

    att.file_id, _size = vault.write_file(att.id, io.BytesIO(clean_bytes))
    name = uploads.safe_name(filename, content_type)
    vault.write(att, {"filename": name})
    session.add(att)
    session.flush()
    audit.record(session, actor, "case.attachment_add", case, {"attachment": att.id, "type": content_type})
    return att


def list_attachments(session: Session, actor, case: Case) -> list[tuple[Attachment, str]]:
    if IDENTITY not in visible_groups(actor):
        return []
    atts = session.execute(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.created_at)).scalars().all()
    if not atts:
        return []
    names = case_vault(session, case).read_many(atts, ["filename"], actor=actor, action="case.attachments_listed",
                                                target=case)
    return [(a, n["filename"]) for a, n in zip(atts, names)]


def read_attachment(session: Session, actor, case_id: str, attachment_id: str) -> tuple[Attachment, str, bytes]:
    case = reach_case(session, actor, case_id)
    if IDENTITY not in visible_groups(actor):
        raise PermissionDenied()
    att = session.get(Attachment, attachment_id) if is_id(attachment_id) else None
    if att is None or att.case_id != case.id:
        raise NotFound()
    vault = case_vault(session, case)
    body = vault.read_file(att.id, att.file_id)
    name = vault.read(att, ["filename"], actor=actor, action="case.attachment_read", target=case,
                      details={"attachment": att.id})["filename"]
    return att, name, body
