"""Action items agreed at a meeting (once its agenda is closed): the owner centre's secretariat
updates them; open ones are the next meetings' matters arising and are listed, overdue ones marked."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from ... import audit, inputs
from ...auth.permissions import require_role
from ...centres.models import Centre, Partnership, PartnershipMember
from ...errors import NotFound, PermissionDenied, ValidationError
from ...inputs import text as _text
from ...util import is_code, is_id, utcnow
from ..models import ACTION_STATUSES, OPEN_ACTION_STATUSES, ActionItem, AgendaItem, Meeting
from ._common import (READ_ROLES, RECORDING, WRITE_ROLES, StateConflict, _check_version, _fits, _json,
                      _member_centre, _save, meeting_for)


def add_action(session: Session, actor, meeting_id: str, data: dict) -> ActionItem:
    m = meeting_for(session, actor, meeting_id, WRITE_ROLES)
    if m.state not in RECORDING:
        raise StateConflict(_l("Actions are agreed once the agenda is closed and before the minutes are adopted."))
    owner = _member_centre(session, m, data.get("owner_centre"), "owner_centre")
    due = inputs.day(data, "due", required=True)
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
    a.status, a.updates = status, _fits(_json(updates), 50000, "note")
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


def open_actions_before(session: Session, m: Meeting) -> list[tuple[ActionItem, Meeting]]:
    """The open actions of the earlier meetings of the series (a meeting's matters arising)."""
    return session.execute(select(ActionItem, Meeting).join(Meeting, Meeting.id == ActionItem.meeting_id).where(
        ActionItem.partnership_id == m.partnership_id, Meeting.number < m.number,
        ActionItem.status.in_(OPEN_ACTION_STATUSES)).order_by(Meeting.number, ActionItem.created_at)).all()
