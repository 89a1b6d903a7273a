"""A partnership's series of meetings: planning the next one (number, host, languages; deferred items
come back as proposals), the meeting's states up to "held", and the lists."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ... import audit, inputs
from ...auth.permissions import require_role
from ...centres.models import Centre, Partnership, PartnershipMember
from ...errors import Conflict, ValidationError
from ...inputs import text as _text
from ...util import is_code
from ..models import AgendaItem, Meeting
from ._common import (COUNTRY_LANGUAGE, READ_ROLES, WRITE_ROLES, StateConflict, _carried, _check_version, _host_only,
                      _member_centre, _save, meeting_for, members)


def _partnership(session: Session, actor, code) -> Partnership:
    p = session.execute(select(Partnership).where(Partnership.code == code)).scalar_one_or_none() \
        if is_code(code) else None
    if p is None or not p.active or actor.centre_id not in {c.id for c in members(session, p.id)}:
        raise ValidationError(_l("Choose a partnership of your centre."), field="partnership")
    return p


def _when(data: dict, key: str, tz: str) -> datetime:
    return inputs.moment(data, key, tz, required=True)


def _chair(session: Session, partnership_id: int, value, host: Centre) -> tuple[str | None, int]:
    """The chair given as {"name", "centre": CODE}: a person of a member centre, the host centre by
    default (422 for a centre outside the partnership)."""
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise ValidationError(_l("Give the chair as a name and a centre."), field="chair_name")
    name = _text(value, "name", limit=200)
    code = value.get("centre")
    centre = host if code in (None, "") else _member_centre(session, partnership_id, code, "chair_centre")
    return name, centre.id


def create_meeting(session: Session, actor, data: dict) -> Meeting:
    require_role(actor, *WRITE_ROLES)
    p = _partnership(session, actor, data.get("partnership"))
    centres = members(session, p.id)
    last = session.execute(select(Meeting).where(Meeting.partnership_id == p.id).order_by(Meeting.number.desc())).scalars().first()
    if data.get("host") not in (None, ""):
        host = _member_centre(session, p.id, data.get("host"), "host")
        if host.id != actor.centre_id:
            raise ValidationError(_l("A centre plans the meetings it hosts itself."), field="host")
    elif last is not None:  # the host alternates between the member centres
        codes = [c.id for c in centres]
        host = centres[(codes.index(last.host_centre_id) + 1) % len(centres)] if last.host_centre_id in codes else centres[0]
    else:
        host = next(c for c in centres if c.id == actor.centre_id)
    starts = _when(data, "starts_at", host.timezone)
    venue = _text(data, "venue", required=True, limit=300)
    chair_name, chair_centre_id = _chair(session, p.id, data.get("chair"), host)
    number = data.get("number")
    if number in (None, ""):
        number = (last.number + 1) if last else 1
    elif isinstance(number, bool) or not (isinstance(number, int) and 0 < number < 10000
                                          or isinstance(number, str) and re.fullmatch(r"[0-9]{1,4}", number)):
        raise ValidationError(_l("Enter a whole number."), field="number")
    number = int(number)
    if last is not None and number <= last.number and not session.execute(select(Meeting.id).where(
            Meeting.partnership_id == p.id, Meeting.number == number)).first():
        raise ValidationError(_l("A new meeting takes a number after the last one (%(n)s).", n=last.number),
                              field="number")
    if session.execute(select(Meeting.id).where(Meeting.partnership_id == p.id, Meeting.number == number)).first():
        raise Conflict(_l("Meeting number %(n)s is already used in this series.", n=number))
    languages = list(dict.fromkeys(COUNTRY_LANGUAGE.get(c.country_code, "en") for c in centres))
    m = Meeting(partnership_id=p.id, number=number, year=starts.astimezone(ZoneInfo(host.timezone)).year,
                host_centre_id=host.id, chair_name=chair_name, chair_centre_id=chair_centre_id, starts_at=starts, venue=venue, languages=",".join(languages),
                state="planned" if data.get("open_agenda") is False else "agenda_open", created_by_id=actor.id)
    session.add(m)
    try:
        session.flush()
    except IntegrityError:  # the same number taken at the same moment
        raise Conflict(_l("Meeting number %(n)s is already used in this series.", n=number)) from None
    carried = 0
    if last is not None:  # items deferred at the last meeting come back as proposals
        carried_ids = select(AgendaItem.deferred_from_id).where(AgendaItem.deferred_from_id.is_not(None))
        for item in session.execute(select(AgendaItem).where(AgendaItem.meeting_id == last.id,
                                                             AgendaItem.status == "deferred",
                                                             AgendaItem.id.not_in(carried_ids))).scalars():
            session.add(_carried(item, m))
            carried += 1
    session.flush()
    audit.record(session, actor, "meeting.create", m, {"partnership": p.code, "number": number, "carried": carried})
    return m


def set_chair(session: Session, actor, meeting_id: str, data: dict) -> Meeting:
    """The host secretariat records who chairs the meeting ({"chair": {"name", "centre"}, "version"}),
    until its minutes are adopted."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state == "minutes_adopted":
        raise StateConflict()
    _check_version(m, data.get("version"))
    host = session.get(Centre, m.host_centre_id)
    m.chair_name, m.chair_centre_id = _chair(session, m.partnership_id, data.get("chair"), host)
    _save(session, m)
    audit.record(session, actor, "meeting.chair", m, {})
    return m


def _step(session: Session, actor, meeting_id: str, before: str, after: str, done: tuple[str, ...], action: str) -> Meeting:
    """The host moves the meeting from one state to the next; asking again once done is harmless."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state in done:
        return m
    if m.state != before:
        raise StateConflict()
    m.state = after
    _save(session, m)
    audit.record(session, actor, action, m, {})
    return m


def open_agenda(session: Session, actor, meeting_id: str) -> Meeting:
    return _step(session, actor, meeting_id, "planned", "agenda_open", ("agenda_open",), "meeting.open_agenda")


def mark_held(session: Session, actor, meeting_id: str) -> Meeting:
    return _step(session, actor, meeting_id, "agenda_closed", "held", ("held", "minutes_draft", "minutes_adopted"),
                 "meeting.held")


def meetings(session: Session, actor) -> list[tuple[Meeting, Partnership, Centre]]:
    require_role(actor, *READ_ROLES)
    mine = select(PartnershipMember.partnership_id).where(PartnershipMember.centre_id == actor.centre_id)
    return session.execute(select(Meeting, Partnership, Centre).join(Partnership, Partnership.id == Meeting.partnership_id)
                           .join(Centre, Centre.id == Meeting.host_centre_id).where(Meeting.partnership_id.in_(mine))
                           .order_by(Partnership.code, Meeting.number.desc())).all()


def partnerships_for(session: Session, actor) -> list[Partnership]:
    from ...centres.services import partnerships_of

    return partnerships_of(session, actor.centre_id)
