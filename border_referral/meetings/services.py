"""Joint meetings. Only centres of the meeting's partnership see it (anyone else: "not found");
secretariats of member centres propose items, add participants and actions; the host centre's
secretariat runs the agenda and the minutes; the owner centre's secretariat updates its actions."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from .. import audit, inputs
from ..auth.permissions import require_role
from ..cases.models import Case
from ..cases.validation import _text
from ..centres.models import Centre, Partnership, PartnershipMember
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..i18n import LANGUAGES
from ..util import is_code, is_id, utcnow
from .models import (ACTION_STATUSES, ALLOWED_SECTIONS, ATTENDANCE, ITEM_TYPES, OPEN_ACTION_STATUSES, SECTION_OF_TYPE,
                     ActionItem, AgendaItem, Meeting, Minutes, Participant)

READ_ROLES = ("secretariat", "admin", "caseworker", "mdt", "viewer")
WRITE_ROLES = ("secretariat",)
COUNTRY_LANGUAGE = {"TH": "th", "MM": "my", "LA": "lo"}


class StateConflict(Conflict):
    code = "illegal_state_change"
    default_message = _l("This is not possible in the meeting's present state.")


# ---------------------------------------------------------------- helpers

def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def members(session: Session, partnership_id: int) -> list[Centre]:
    return session.execute(select(Centre).join(PartnershipMember, PartnershipMember.centre_id == Centre.id)
                           .where(PartnershipMember.partnership_id == partnership_id).order_by(Centre.code)).scalars().all()


def _partnership(session: Session, actor, code) -> Partnership:
    p = session.execute(select(Partnership).where(Partnership.code == code)).scalar_one_or_none() \
        if is_code(code) else None
    if p is None or not p.active or actor.centre_id not in {c.id for c in members(session, p.id)}:
        raise ValidationError(_l("Choose a partnership of your centre."), field="partnership")
    return p


def meeting_for(session: Session, actor, meeting_id, roles=READ_ROLES) -> Meeting:
    m = session.get(Meeting, meeting_id) if is_id(meeting_id) else None
    if m is None or actor.centre_id not in {c.id for c in members(session, m.partnership_id)}:
        raise NotFound()
    require_role(actor, *roles)
    return m


def _host_only(actor, m: Meeting) -> None:
    require_role(actor, *WRITE_ROLES)
    if actor.centre_id != m.host_centre_id:
        raise PermissionDenied(_l("Only the host centre's secretariat can do this."))


def _save(session: Session, obj) -> None:
    obj.version += 1
    session.add(obj)
    try:
        session.flush()
    except (StaleDataError, IntegrityError):  # changed, or created by someone else, meanwhile
        raise Conflict() from None


def _check_version(obj, version) -> None:
    if isinstance(version, (bool, float)) or version in (None, ""):
        raise Conflict(_l("Someone else changed this record in the meantime. Reload it and try again."))
    try:
        seen = int(version)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(_l("The version of the record is missing."), field="version") from None
    if seen != obj.version:
        raise Conflict()


def _agenda_changed(session: Session, m: Meeting) -> None:
    m.agenda_version += 1
    _save(session, m)


def _when(data: dict, key: str, tz: str) -> datetime:
    return inputs.moment(data, key, tz, required=True)


def _date(data: dict, key: str) -> date:
    return inputs.day(data, key, required=True)


def _member_centre(session: Session, m_or_pid, code, field: str) -> Centre:
    pid = m_or_pid.partnership_id if isinstance(m_or_pid, Meeting) else m_or_pid
    centre = session.execute(select(Centre).where(Centre.code == code)).scalar_one_or_none() if is_code(code) else None
    if centre is None or centre.id not in {c.id for c in members(session, pid)}:
        raise ValidationError(_l("This centre is not in the partnership."), field=field)
    return centre


def previous_meeting(session: Session, m: Meeting) -> Meeting | None:
    return session.execute(select(Meeting).where(Meeting.partnership_id == m.partnership_id, Meeting.number < m.number)
                           .order_by(Meeting.number.desc())).scalars().first()


# ---------------------------------------------------------------- meetings

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
                host_centre_id=host.id, starts_at=starts, venue=venue, languages=",".join(languages),
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


def _carried(item: AgendaItem, into: Meeting) -> AgendaItem:
    """A deferred item proposed again at a later meeting."""
    return AgendaItem(meeting_id=into.id, proposing_centre_id=item.proposing_centre_id, title=item.title,
                      description=item.description, language=item.language, translations=item.translations,
                      type=item.type, references=item.references, deferred_from_id=item.id,
                      created_by_id=item.created_by_id)


def open_agenda(session: Session, actor, meeting_id: str) -> Meeting:
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state == "agenda_open":
        return m
    if m.state != "planned":
        raise StateConflict()
    m.state = "agenda_open"
    _save(session, m)
    audit.record(session, actor, "meeting.open_agenda", m, {})
    return m


_REFERENCE = re.compile(r"^[A-Z]{2,4}(-[A-Z0-9]{1,6}){1,4}$")


def _references(session: Session, actor, m: Meeting, value) -> list[str]:
    """Cases and referrals are named by reference number only: the proposer's own cases, and
    referrals between centres of this partnership that the proposer sent, or received once sent."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 20:
        raise ValidationError(_l("Give case or referral numbers, separated by commas."), field="references")
    from ..referrals.models import Referral

    member_ids = {c.id for c in members(session, m.partnership_id)}
    out = []
    for ref in value:
        ref = ref.strip().upper()
        known = False
        if _REFERENCE.match(ref):
            known = session.execute(select(Case.id).where(Case.case_number == ref, Case.centre_id == actor.centre_id,
                                                          Case.erased_at.is_(None))).first() is not None
            if not known:
                r = session.execute(select(Referral).where(Referral.reference == ref)).scalar_one_or_none()
                known = r is not None and {r.from_centre_id, r.to_centre_id} <= member_ids and (
                    r.from_centre_id == actor.centre_id
                    or (r.to_centre_id == actor.centre_id and r.state not in ("draft", "withdrawn")))
        if not known:
            raise ValidationError(_l("%(ref)s is not a case or referral number of your centre.", ref=ref[:40]),
                                  field="references")
        out.append(ref)
    return out


def _translations(value) -> str:
    if value in (None, "", {}):
        return "{}"
    if not isinstance(value, dict) or any(k not in LANGUAGES or not isinstance(v, dict) for k, v in value.items()):
        raise ValidationError(_l("Give the translations per language."), field="translations")
    clean = {k: {"title": _text(v, "title", limit=500), "description": _text(v, "description", limit=4000)}
             for k, v in value.items()}
    return _fits(json.dumps({k: v for k, v in clean.items() if v["title"]}, ensure_ascii=False), 20000, "translations")


def _fits(text: str, limit: int, field: str) -> str:
    """Refuse, never truncate: a stored JSON text must fit its column."""
    if len(text) > limit:
        raise ValidationError(_l("Too long: at most %(n)s characters.", n=limit), field=field)
    return text


def propose_item(session: Session, actor, meeting_id: str, data: dict) -> AgendaItem:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    if m.state != "agenda_open":
        raise StateConflict(_l("The agenda is closed: no more items can be proposed."))
    kind = data.get("type")
    if kind not in ITEM_TYPES:
        raise ValidationError(_l("Choose for information, for decision or other."), field="type")
    language = data.get("language") or (actor.locale if actor.locale in LANGUAGES else "en")
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose one of the listed values."), field="language")
    item = AgendaItem(meeting_id=m.id, proposing_centre_id=actor.centre_id,
                      title=_text(data, "title", required=True, limit=500),
                      description=_text(data, "description", limit=5000) or "", language=language,
                      translations=_translations(data.get("translations")), type=kind,
                      references=",".join(_references(session, actor, m, data.get("references"))),
                      created_by_id=actor.id)
    session.add(item)
    session.flush()
    _agenda_changed(session, m)
    audit.record(session, actor, "meeting.propose", m, {"item": item.id, "type": kind})
    return item


def _item(session: Session, actor, item_id, meeting_id: str | None = None) -> tuple[AgendaItem, Meeting]:
    """The item (of that meeting, when one is named) and its meeting, as the caller may reach them."""
    item = session.get(AgendaItem, item_id) if is_id(item_id) else None
    if item is None or (meeting_id is not None and item.meeting_id != meeting_id):
        raise NotFound()
    return item, meeting_for(session, actor, item.meeting_id)


def decide_item(session: Session, actor, item_id: str, action: str, into: str | None = None, *,
                meeting_id: str | None = None) -> AgendaItem:
    """The host secretariat accepts, defers (to the next meeting), rejects or merges a proposal."""
    item, m = _item(session, actor, item_id, meeting_id)
    _host_only(actor, m)
    if m.state not in ("agenda_open", "agenda_closed"):
        raise StateConflict()
    if action not in ("accept", "defer", "reject", "merge"):
        raise ValidationError(_l("Choose one of the listed values."), field="action")
    if item.status not in ("proposed", "accepted"):
        raise StateConflict(_l("This item was already dealt with."))
    if action == "defer":
        later = next_meeting(session, m)
        if later is not None:  # the next meeting is planned already: the item goes straight there
            if later.state not in ("planned", "agenda_open"):
                raise StateConflict(_l("The next meeting's agenda is closed: the item cannot be deferred to it."))
            session.add(_carried(item, later))
    if action == "merge":
        target = session.get(AgendaItem, into) if is_id(into) else None
        if target is None or target.meeting_id != m.id or target.id == item.id or target.status in ("merged", "rejected", "deferred"):
            raise ValidationError(_l("Choose the item to merge into."), field="into")
        item.merged_into_id = target.id
    status = {"accept": "accepted", "defer": "deferred", "reject": "rejected", "merge": "merged"}[action]
    item.status = status
    if status != "accepted":
        item.section = None
    elif item.section is None and m.state == "agenda_closed":
        item.section = SECTION_OF_TYPE[item.type]
    session.add(item)
    session.flush()
    _agenda_changed(session, m)
    audit.record(session, actor, f"meeting.item_{action}", m, {"item": item.id})
    return item


def order_item(session: Session, actor, item_id: str, section, position=None, *,
               meeting_id: str | None = None) -> AgendaItem:
    item, m = _item(session, actor, item_id, meeting_id)
    _host_only(actor, m)
    if m.state not in ("agenda_open", "agenda_closed"):
        raise StateConflict()
    if item.status not in ("proposed", "accepted"):
        raise StateConflict(_l("Only a proposed or accepted item can be placed on the agenda."))
    try:
        section = int(section)
    except (TypeError, ValueError, OverflowError):
        section = None
    if section not in ALLOWED_SECTIONS[item.type]:
        raise ValidationError(_l("An item of this type cannot go into that section."), field="section")
    try:
        position = int(position) if position not in (None, "") else None
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(_l("Enter a whole number."), field="position") from None
    if position is None:
        position = (session.execute(select(func.max(AgendaItem.position)).where(
            AgendaItem.meeting_id == m.id, AgendaItem.section == section)).scalar() or 0) + 1
    item.section, item.position, item.status = section, max(0, min(position, 999)), "accepted"
    session.add(item)
    session.flush()
    _agenda_changed(session, m)
    audit.record(session, actor, "meeting.item_order", m, {"item": item.id, "section": section})
    return item


def close_agenda(session: Session, actor, meeting_id: str) -> Meeting:
    """Close the agenda: proposals still standing go into the section of their type."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state == "agenda_closed":
        return m
    if m.state != "agenda_open":
        raise StateConflict()
    items = session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id,
                                                     AgendaItem.status.in_(("proposed", "accepted")))
                            .order_by(AgendaItem.created_at)).scalars().all()
    for item in items:
        if item.section is None:
            item.section = SECTION_OF_TYPE[item.type]
            item.position = 100 + len([i for i in items if i.section == item.section])
        item.status = "accepted"
        session.add(item)
    prev = previous_meeting(session, m)
    m.arising = json.dumps({"minutes_of": prev.id if prev else None, "actions": [
        {"id": a.id, "meeting_id": a.meeting_id, "title": a.title, "owner_centre_id": a.owner_centre_id,
         "due": a.due.isoformat(), "status": a.status} for a, _o in open_actions_before(session, m)]})
    m.state = "agenda_closed"
    m.agenda_version += 1
    _save(session, m)
    audit.record(session, actor, "meeting.close_agenda", m, {"items": len(items)})
    return m


def mark_held(session: Session, actor, meeting_id: str) -> Meeting:
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state in ("held", "minutes_draft", "minutes_adopted"):
        return m
    if m.state != "agenda_closed":
        raise StateConflict()
    m.state = "held"
    _save(session, m)
    audit.record(session, actor, "meeting.held", m, {})
    return m


# ---------------------------------------------------------------- the agenda

@dataclass
class AgendaEntry:
    kind: str                      # item | minutes | action
    title: str
    item: AgendaItem | None = None
    action: ActionItem | None = None
    from_meeting: Meeting | None = None
    translations: dict | None = None


def open_actions_before(session: Session, m: Meeting) -> list[tuple[ActionItem, Meeting]]:
    return session.execute(select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id).where(
        ActionItem.partnership_id == m.partnership_id, Meeting.number < m.number,
        ActionItem.status.in_(OPEN_ACTION_STATUSES)).order_by(Meeting.number, ActionItem.created_at)).all()


def agenda(session: Session, actor, meeting_id: str) -> dict[int, list[AgendaEntry]]:
    """The agenda in the standard order; section 2 and 3 are filled from the previous meetings."""
    m = meeting_for(session, actor, meeting_id)
    sections: dict[int, list[AgendaEntry]] = {n: [] for n in range(1, 7)}
    if m.arising:  # fixed when the agenda closed: later changes of the actions do not rewrite it
        frozen = json.loads(m.arising)
        prev = session.get(Meeting, frozen["minutes_of"]) if frozen.get("minutes_of") else None
        arising = []
        for snap in frozen.get("actions", []):  # the actions as they stood then (not added to the session)
            a = ActionItem(id=snap["id"], meeting_id=snap["meeting_id"], partnership_id=m.partnership_id,
                           title=snap["title"], owner_centre_id=snap["owner_centre_id"],
                           due=date.fromisoformat(snap["due"]), status=snap["status"])
            arising.append((a, session.get(Meeting, snap["meeting_id"])))
    else:
        prev = previous_meeting(session, m)
        arising = open_actions_before(session, m)
    if prev is not None:
        sections[2].append(AgendaEntry("minutes", "", from_meeting=prev))
    for action, origin in arising:
        sections[3].append(AgendaEntry("action", action.title, action=action, from_meeting=origin))
    items = session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id, AgendaItem.status == "accepted",
                                                     AgendaItem.section.is_not(None))
                            .order_by(AgendaItem.section, AgendaItem.position, AgendaItem.created_at)).scalars().all()
    for item in items:
        sections[item.section].append(AgendaEntry("item", item.title, item=item, translations=json.loads(item.translations)))
    return sections


def proposals(session: Session, actor, meeting_id: str) -> list[AgendaItem]:
    m = meeting_for(session, actor, meeting_id)
    return session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id)
                           .order_by(AgendaItem.created_at)).scalars().all()


# ---------------------------------------------------------------- participants

def _attendance_open(session: Session, m: Meeting) -> None:
    mins = session.get(Minutes, m.id)
    if mins is not None and mins.state in ("checked", "adopted"):
        raise StateConflict(_l("The minutes are checked: the list of participants is part of them now."))


def add_participant(session: Session, actor, meeting_id: str, data: dict) -> Participant:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    _attendance_open(session, m)
    centre = _member_centre(session, m, data.get("centre"), "centre")
    if centre.id != actor.centre_id and actor.centre_id != m.host_centre_id:
        raise PermissionDenied(_l("Each delegation lists its own participants (the host may list all)."))
    attendance = data.get("attendance") or "invited"
    if attendance not in ATTENDANCE:
        raise ValidationError(_l("Choose one of the listed values."), field="attendance")
    p = Participant(meeting_id=m.id, centre_id=centre.id, name=_text(data, "name", required=True),
                    position=_text(data, "position") or "", agency=_text(data, "agency") or "", attendance=attendance)
    session.add(p)
    session.flush()
    audit.record(session, actor, "meeting.participant_add", m, {"participant": p.id, "centre": centre.code})
    return p


def set_attendance(session: Session, actor, meeting_id: str, participant_id, attendance: str) -> Participant:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    _attendance_open(session, m)
    ident = int(participant_id) if isinstance(participant_id, str) and participant_id.isascii() and participant_id.isdecimal() \
        and len(participant_id) < 10 else participant_id if isinstance(participant_id, int) and not isinstance(participant_id, bool) else None
    p = session.get(Participant, ident) if ident is not None and 0 < ident < 2**31 else None
    if p is None or p.meeting_id != m.id:
        raise NotFound()
    if actor.centre_id not in (p.centre_id, m.host_centre_id):
        raise PermissionDenied()
    if attendance not in ATTENDANCE:
        raise ValidationError(_l("Choose one of the listed values."), field="attendance")
    p.attendance = attendance
    session.add(p)
    session.flush()
    audit.record(session, actor, "meeting.attendance", m, {"participant": p.id, "attendance": attendance})
    return p


def participants(session: Session, actor, meeting_id: str) -> list[tuple[Participant, Centre]]:
    m = meeting_for(session, actor, meeting_id)
    return session.execute(select(Participant, Centre).join(Centre, Centre.id == Participant.centre_id)
                           .where(Participant.meeting_id == m.id).order_by(Centre.code, Participant.id)).all()


# ---------------------------------------------------------------- minutes

def minutes_of(session: Session, meeting_id: str) -> Minutes | None:
    return session.get(Minutes, meeting_id)


def _hhmm(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise ValidationError(_l("Enter a time as HH:MM."), field=key)
    return value


def save_minutes(session: Session, actor, meeting_id: str, data: dict) -> Minutes:
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    if m.state not in ("agenda_closed", "held", "minutes_draft"):
        raise StateConflict(_l("Minutes are written once the agenda is closed, and locked once adopted."))
    mins = session.get(Minutes, m.id)
    if mins is not None and mins.state == "adopted":
        raise StateConflict(_l("Adopted minutes cannot be edited; record a correction instead."))
    language = data.get("language") or "en"
    if language not in LANGUAGES:
        raise ValidationError(_l("Choose one of the listed values."), field="language")
    opened, closed = _hhmm(data, "opened_at"), _hhmm(data, "closed_at")
    if opened and closed and closed < opened:
        raise ValidationError(_l("The end cannot be before the start."), field="closed_at")
    items = data.get("items") or {}
    if not isinstance(items, dict):
        raise ValidationError(_l("The minutes of the items are not valid."), field="items")
    known = {i.id for i in session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id)).scalars()}
    known |= {a.id for a, _m in open_actions_before(session, m)} | {"minutes"}
    clean = {}
    for key, entry in items.items():
        if key not in known or not isinstance(entry, dict):
            raise ValidationError(_l("The minutes of the items are not valid."), field="items")
        clean[key] = {"discussion": _text(entry, "discussion", limit=20000) or "",
                      "resolution": _text(entry, "resolution", limit=5000) or "",
                      "translations": json.loads(_translations_minutes(entry.get("translations")))}
    if mins is None:
        mins = Minutes(meeting_id=m.id)
    else:  # someone saved minutes already: only a save based on them may replace them
        _check_version(mins, data.get("version"))
    mins.language, mins.opened_at, mins.closed_at = language, opened, closed
    mins.others_attending = _text(data, "others_attending", limit=2000) or ""
    mins.recorder, mins.checker = _text(data, "recorder") or "", _text(data, "checker") or ""
    mins.items = _fits(json.dumps(clean, ensure_ascii=False), 200000, "items")
    mins.state = "draft"
    _save(session, mins)
    if m.state != "minutes_draft":
        m.state = "minutes_draft"
        _save(session, m)
    audit.record(session, actor, "meeting.minutes_save", m, {"items": len(clean)})
    return mins


def _translations_minutes(value) -> str:
    if value in (None, "", {}):
        return "{}"
    if not isinstance(value, dict) or any(k not in LANGUAGES or not isinstance(v, dict) for k, v in value.items()):
        raise ValidationError(_l("Give the translations per language."), field="translations")
    return json.dumps({k: {"discussion": _text(v, "discussion", limit=20000) or "",
                           "resolution": _text(v, "resolution", limit=5000) or ""} for k, v in value.items()},
                      ensure_ascii=False)


def check_minutes(session: Session, actor, meeting_id: str) -> Minutes:
    """The checker has read the draft: it can now be put to the next meeting for adoption."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    mins = session.get(Minutes, m.id)
    if mins is None:
        raise StateConflict(_l("There are no minutes yet."))
    if mins.state == "checked":
        return mins
    if mins.state != "draft":
        raise StateConflict()
    if not mins.recorder or not mins.checker:
        raise ValidationError(_l("Name the recorder and the checker of the minutes."), field="checker")
    mins.state = "checked"
    _save(session, mins)
    audit.record(session, actor, "meeting.minutes_check", m, {})
    return mins


def adopt_minutes(session: Session, actor, meeting_id: str, in_meeting_id: str) -> Minutes:
    """Adopt a meeting's minutes at a later meeting of the series (its item 2); they are locked then."""
    m = meeting_for(session, actor, meeting_id)
    later = meeting_for(session, actor, in_meeting_id)
    _host_only(actor, later)
    following = next_meeting(session, m)
    if later.partnership_id != m.partnership_id or following is None or later.id != following.id:
        raise ValidationError(_l("Minutes are adopted at the next meeting of the same series."), field="in_meeting")
    if later.state in ("planned", "agenda_open"):
        raise StateConflict(_l("Minutes are adopted at the next meeting itself, once its agenda is closed."))
    mins = session.get(Minutes, m.id)
    if mins is not None and mins.state == "adopted":
        return mins
    if mins is None or mins.state != "checked":
        raise StateConflict(_l("These minutes are still a draft: they must be checked before they can be adopted."))
    mins.state, mins.adopted_at, mins.adopted_in_meeting_id = "adopted", utcnow(), later.id
    _save(session, mins)
    m.state = "minutes_adopted"
    _save(session, m)
    audit.record(session, actor, "meeting.minutes_adopt", m, {"in_meeting": later.id})
    return mins


def correct_minutes(session: Session, actor, meeting_id: str, data: dict) -> Minutes:
    """After adoption the minutes change only by a recorded correction (kept beside the text)."""
    m = meeting_for(session, actor, meeting_id)
    _host_only(actor, m)
    mins = session.get(Minutes, m.id)
    if mins is None or mins.state != "adopted":
        raise StateConflict(_l("Only adopted minutes are corrected; edit a draft directly."))
    text = _text(data, "text", required=True, limit=5000)
    reason = _text(data, "reason", required=True, limit=2000)
    corrections = json.loads(mins.corrections)
    corrections.append({"at": utcnow().isoformat(), "by": actor.centre_code, "item": str(data.get("item") or "")[:36],
                        "text": text, "reason": reason})
    mins.corrections = _fits(json.dumps(corrections, ensure_ascii=False), 50000, "text")
    _save(session, mins)
    audit.record(session, actor, "meeting.minutes_correct", m, {"corrections": len(corrections)})
    return mins


# ---------------------------------------------------------------- actions

def add_action(session: Session, actor, meeting_id: str, data: dict) -> ActionItem:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    if m.state not in ("agenda_closed", "held", "minutes_draft"):
        raise StateConflict(_l("Actions are agreed once the agenda is closed and before the minutes are adopted."))
    owner = _member_centre(session, m, data.get("owner_centre"), "owner_centre")
    due = _date(data, "due")
    item_id = data.get("agenda_item")
    if item_id not in (None, ""):
        item = session.get(AgendaItem, item_id) if is_id(item_id) else None
        if item is None or item.meeting_id != m.id:
            raise ValidationError(_l("Choose an item of this meeting."), field="agenda_item")
    a = ActionItem(meeting_id=m.id, partnership_id=m.partnership_id, agenda_item_id=item_id or None,
                   title=_text(data, "title", required=True, limit=1000), owner_centre_id=owner.id, due=due)
    session.add(a)
    session.flush()
    audit.record(session, actor, "meeting.action_add", m, {"action": a.id, "owner": owner.code})
    return a


def update_action(session: Session, actor, action_id: str, data: dict) -> ActionItem:
    a = session.get(ActionItem, action_id) if is_id(action_id) else None
    if a is None:
        raise NotFound()
    m = meeting_for(session, actor, a.meeting_id, WRITE_ROLES)
    if actor.centre_id != a.owner_centre_id:
        raise PermissionDenied(_l("Only the owner centre updates its action."))
    status = data.get("status")
    if status not in ACTION_STATUSES:
        raise ValidationError(_l("Choose one of the listed values."), field="status")
    _check_version(a, data.get("version"))
    updates = json.loads(a.updates)[-49:]  # the latest fifty updates are kept with the action
    updates.append({"at": utcnow().isoformat(), "by": actor.centre_code, "status": status,
                    "note": _text(data, "note", limit=500) or ""})
    a.status, a.updates = status, _fits(json.dumps(updates, ensure_ascii=False), 50000, "note")
    _save(session, a)
    audit.record(session, actor, "meeting.action_update", m, {"action": a.id, "status": status})
    return a


@dataclass
class ActionRow:
    action: ActionItem
    meeting: Meeting
    owner: Centre
    overdue: bool


def actions(session: Session, actor, *, partnership: str | None = None, mine: bool = False,
            open_only: bool = True, meeting_id: str | None = None, today: date | None = None) -> list[ActionRow]:
    require_role(actor, *READ_ROLES)
    centre = session.get(Centre, actor.centre_id)
    today = today or datetime.now(ZoneInfo(centre.timezone)).date()
    mine_pids = select(PartnershipMember.partnership_id).where(PartnershipMember.centre_id == actor.centre_id)
    q = (select(ActionItem, Meeting, Centre).join(Meeting, Meeting.id == ActionItem.meeting_id)
         .join(Centre, Centre.id == ActionItem.owner_centre_id).where(ActionItem.partnership_id.in_(mine_pids)))
    if partnership:
        p = session.execute(select(Partnership).where(Partnership.code == partnership)).scalar_one_or_none() \
            if is_code(partnership) else None
        q = q.where(ActionItem.partnership_id == (p.id if p else -1))
    if mine:
        q = q.where(ActionItem.owner_centre_id == actor.centre_id)
    if meeting_id is not None:
        q = q.where(ActionItem.meeting_id == meeting_id)
    if open_only:
        q = q.where(ActionItem.status.in_(OPEN_ACTION_STATUSES))
    rows = session.execute(q.order_by(ActionItem.due)).all()
    return [ActionRow(a, mt, owner, a.status in OPEN_ACTION_STATUSES and a.due < today) for a, mt, owner in rows]


# ---------------------------------------------------------------- lists

def meetings(session: Session, actor) -> list[tuple[Meeting, Partnership, Centre]]:
    require_role(actor, *READ_ROLES)
    mine = select(PartnershipMember.partnership_id).where(PartnershipMember.centre_id == actor.centre_id)
    return session.execute(select(Meeting, Partnership, Centre).join(Partnership, Partnership.id == Meeting.partnership_id)
                           .join(Centre, Centre.id == Meeting.host_centre_id).where(Meeting.partnership_id.in_(mine))
                           .order_by(Partnership.code, Meeting.number.desc())).all()


def partnerships_for(session: Session, actor) -> list[Partnership]:
    from ..centres.services import partnerships_of

    return partnerships_of(session, actor.centre_id)


def next_meeting(session: Session, m: Meeting) -> Meeting | None:
    return session.execute(select(Meeting).where(Meeting.partnership_id == m.partnership_id, Meeting.number > m.number)
                           .order_by(Meeting.number)).scalars().first()

