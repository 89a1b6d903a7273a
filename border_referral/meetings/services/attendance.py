"""Participants by delegation (only centres of the partnership) and their attendance: each delegation
lists its own people, the host may list all; the list is fixed once the minutes are checked."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit
from ...centres.models import Centre
from ...errors import NotFound, PermissionDenied, ValidationError
from ...inputs import text as _text
from ..models import ATTENDANCE, Meeting, Minutes, Participant
from ._common import WRITE_ROLES, StateConflict, _member_centre, meeting_for


def attendance_open(minutes: Minutes | None) -> bool:
    """Participants are added and attendance taken until the minutes are checked."""
    return minutes is None or minutes.state not in ("checked", "adopted")


def _attendance_open(session: Session, m: Meeting) -> None:
    if not attendance_open(session.get(Minutes, m.id)):
        raise StateConflict(_l("The minutes are checked: the list of participants is part of them now."))


def _attendance(value) -> str:
    if value not in ATTENDANCE:
        raise ValidationError(_l("Choose one of the listed values."), field="attendance")
    return value


def add_participant(session: Session, actor, meeting_id: str, data: dict) -> Participant:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    _attendance_open(session, m)
    centre = _member_centre(session, m, data.get("centre"), "centre")
    if centre.id != actor.centre_id and actor.centre_id != m.host_centre_id:
        raise PermissionDenied(_l("Each delegation lists its own participants (the host may list all)."))
    attendance = _attendance(data.get("attendance") or "invited")
    p = Participant(meeting_id=m.id, centre_id=centre.id, name=_text(data, "name", required=True),
                    position=_text(data, "position") or "", agency=_text(data, "agency") or "", attendance=attendance)
    session.add(p)
    session.flush()
    audit.record(session, actor, "meeting.participant_add", m, {"participant": p.id, "centre": centre.code})
    return p


def _participant_id(value) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) < 10:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    return None


def set_attendance(session: Session, actor, meeting_id: str, participant_id, attendance: str) -> Participant:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    _attendance_open(session, m)
    ident = _participant_id(participant_id)
    p = session.get(Participant, ident) if ident is not None else None
    if p is None or p.meeting_id != m.id:
        raise NotFound()
    if actor.centre_id not in (p.centre_id, m.host_centre_id):
        raise PermissionDenied()
    p.attendance = _attendance(attendance)
    session.add(p)
    session.flush()
    audit.record(session, actor, "meeting.attendance", m, {"participant": p.id, "attendance": attendance})
    return p


def participants(session: Session, actor, meeting_id: str) -> list[tuple[Participant, Centre]]:
    m = meeting_for(session, actor, meeting_id)
    return session.execute(select(Participant, Centre).join(Centre, Centre.id == Participant.centre_id)
                           .where(Participant.meeting_id == m.id).order_by(Centre.code, Participant.id)).all()
