"""The agenda: items proposed by each member's secretariat while it is open, the host's decisions
(accept, defer, merge, not take up) and ordering into the standard sections, closing it, and the
agenda as it reads in the standard order."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlmodel import Session

from ... import audit, events
from ...audit.models import AuditRecord
from ...auth.models import User
from ...cases.models import Case
from ...centres.models import Centre
from ...errors import NotFound, ValidationError
from ...i18n import LANGUAGES
from ...inputs import text as _text
from ...referrals import services as referrals
from ...util import is_id
from ..models import ALLOWED_SECTIONS, ITEM_TYPES, SECTION_OF_TYPE, ActionItem, AgendaItem, Meeting
from ._common import (DECIDING, LIVE_ITEM, WRITE_ROLES, StateConflict, _agenda_changed, _carried, _deferrable_to,
                      _fits, _host_only, _json, _per_language, _save, meeting_for, members, next_meeting,
                      previous_meeting)
from .action_items import open_actions_before

# CR-2570-0042, TL-2026/27-0007 (a Myanmar fiscal year), CR-TL-2570-0003, RP-CR-TL-2570-0001.
_REFERENCE = re.compile(r"^[A-Z]{2,4}(-[A-Z0-9]{1,6}(/[0-9]{2})?){1,4}$")


def _references(session: Session, actor, m: Meeting, value) -> list[str]:
    """Cases and referrals are named by reference number only: the proposer's own cases, and
    referrals between centres of this partnership that the proposer sent, or received once sent."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 20:
        raise ValidationError(_l("Give case or referral numbers, separated by commas."), field="references")
    refs = [v.strip().upper() for v in value]
    wellformed = [ref for ref in refs if _REFERENCE.match(ref)]
    known = set(session.execute(select(Case.case_number).where(
        Case.case_number.in_(wellformed), Case.centre_id == actor.centre_id, Case.erased_at.is_(None))).scalars()) \
        if wellformed else set()
    known |= referrals.own_references(session, actor.centre_id, [ref for ref in wellformed if ref not in known],
                                      among={c.id for c in members(session, m.partnership_id)})
    for ref in refs:
        if ref not in known:
            raise ValidationError(_l("%(ref)s is not a case or referral number of your centre.", ref=ref[:40]),
                                  field="references")
    return refs


def _translations(value) -> str:
    clean = _per_language(value, {"title": 500, "description": 4000})
    return _fits(_json({k: v for k, v in clean.items() if v["title"]}), 20000, "translations")


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


def _in_hand(session: Session, actor, item_id, meeting_id: str | None) -> tuple[AgendaItem, Meeting]:
    """An item of a meeting whose agenda the host may still change (open, or closed before the minutes)."""
    item, m = _item(session, actor, item_id, meeting_id)
    _host_only(actor, m)
    if m.state not in DECIDING:
        raise StateConflict()
    return item, m


def decide_item(session: Session, actor, item_id: str, action: str, into: str | None = None, *,
                meeting_id: str | None = None) -> AgendaItem:
    """The host secretariat accepts, defers (to the next meeting), rejects or merges a proposal."""
    item, m = _in_hand(session, actor, item_id, meeting_id)
    if action not in ("accept", "defer", "reject", "merge"):
        raise ValidationError(_l("Choose one of the listed values."), field="action")
    if item.status not in LIVE_ITEM:
        raise StateConflict(_l("This item was already dealt with."))
    if action == "defer":
        later = next_meeting(session, m)
        if not _deferrable_to(later):
            raise StateConflict(_l("The next meeting's agenda is closed: the item cannot be deferred to it."))
        if later is not None:  # the next meeting is planned already: the item goes straight there
            session.add(_carried(item, later))
    if action == "merge":
        target = session.get(AgendaItem, into) if is_id(into) else None
        if target is None or target.meeting_id != m.id or target.id == item.id or target.status not in LIVE_ITEM:
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
    item, m = _in_hand(session, actor, item_id, meeting_id)
    if item.status not in LIVE_ITEM:
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
    items = session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id, AgendaItem.status.in_(LIVE_ITEM))
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
    events.agenda_closed.send(m, session=session, actor=actor)
    return m


@dataclass
class AgendaEntry:
    kind: str                      # item | minutes | action
    title: str
    item: AgendaItem | None = None
    action: ActionItem | None = None
    from_meeting: Meeting | None = None
    translations: dict | None = None

    @property
    def key(self) -> str:
        """What the minutes of this entry are filed under: the item's or the action's id, or "minutes"."""
        return self.item.id if self.kind == "item" else self.action.id if self.kind == "action" else "minutes"


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


# The changes of an agenda that the host makes once it is closed: each one issues the next version.
AMENDMENTS = ("meeting.item_accept", "meeting.item_defer", "meeting.item_reject", "meeting.item_merge",
              "meeting.item_order")


def issued_versions(session: Session, meetings) -> dict[str, int | None]:
    """The version of each meeting's agenda as the partners know it: None while it is a draft
    (planned, or open for proposals: the proposals, decisions and ordering are its preparation),
    1 when the host closes it and sends it out, and one more for each change the host makes to the
    closed agenda. Read from the audit trail, so meetings recorded before this rule read the same.

    Not to be confused with Meeting.version (the optimistic lock, checked on every save) and
    Meeting.agenda_version (a count of every change of the agenda, internal: "version 8" for an
    agenda of three items was that count)."""
    meetings = list(meetings)
    out: dict[str, int | None] = {m.id: None if m.state in ("planned", "agenda_open") else 1 for m in meetings}
    issued = [m.id for m in meetings if out[m.id] is not None]
    if not issued:
        return out
    closed_at: dict[str, int] = {}
    for meeting_id, seq, action in session.execute(
            select(AuditRecord.target_id, AuditRecord.seq, AuditRecord.action)
            .where(AuditRecord.target_type == Meeting.__tablename__, AuditRecord.target_id.in_(issued),
                   AuditRecord.action.in_(("meeting.close_agenda",) + AMENDMENTS))
            .order_by(AuditRecord.seq)).all():
        if action == "meeting.close_agenda":
            closed_at.setdefault(meeting_id, seq)
        elif meeting_id in closed_at:  # a change of the agenda after it was sent out
            out[meeting_id] += 1
    return out


def issued_version(session: Session, m: Meeting) -> int | None:
    return issued_versions(session, [m])[m.id]


def proposals(session: Session, actor, meeting_id: str) -> list[AgendaItem]:
    m = meeting_for(session, actor, meeting_id)
    return session.execute(select(AgendaItem).where(AgendaItem.meeting_id == m.id)
                           .order_by(AgendaItem.created_at)).scalars().all()


@dataclass
class Proposer:
    centre: Centre | None          # the proposing centre (named in the reader's language by the page)
    person: str                    # who proposed it: the proposer's display name, "" where not recorded


def proposed_by(session: Session, items) -> dict[str, Proposer]:
    """Who proposed each of the items: the centre, and the person where the item records one (an
    item deferred from an earlier meeting keeps its first proposer)."""
    items = list(items)
    centre_ids = {i.proposing_centre_id for i in items if i.proposing_centre_id is not None}
    user_ids = {i.created_by_id for i in items if i.created_by_id}
    centres = {c.id: c for c in session.execute(select(Centre).where(Centre.id.in_(centre_ids))).scalars()} \
        if centre_ids else {}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) \
        if user_ids else {}
    return {i.id: Proposer(centres.get(i.proposing_centre_id), (names.get(i.created_by_id) or "").strip())
            for i in items}
