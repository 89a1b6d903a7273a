"""What a user may do next with a meeting, by the same rules the services apply, so that pages offer
exactly the buttons and forms that would be accepted (and decide nothing themselves)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from ..models import ActionItem, AgendaItem, Meeting, Minutes, Participant
from ._common import (DECIDING, LIVE_ITEM, RECORDING, WRITE_ROLES, _deferrable_to, is_host, members, next_meeting,
                      previous_meeting)
from .attendance import attendance_open
from .minutes import adoptable_at

# What `Allowed.actions` may hold:
#   without a meeting: plan_meeting
#   with one: open_agenda, close_agenda, mark_held, propose, decide_items, add_participant, save_minutes,
#   check_minutes, correct_minutes, adopt_previous, add_action, set_chair
# and per agenda item (`items`): accept, defer, reject, merge, order.


@dataclass(frozen=True)
class Allowed:
    actions: frozenset[str] = frozenset()
    items: dict[str, frozenset[str]] = field(default_factory=dict)   # agenda item id -> what may be done with it
    merge_targets: tuple[str, ...] = ()          # the items others may be merged into
    delegations: tuple[str, ...] = ()            # centre codes whose participants the user may add
    attendance: frozenset[int] = frozenset()     # participants whose attendance the user may take
    action_items: frozenset[str] = frozenset()   # action items the user may update

    def __contains__(self, action: str) -> bool:
        return action in self.actions


def allowed_actions(session: Session, actor, meeting: Meeting | None) -> Allowed:
    """What `actor` may do with `meeting` now (without a meeting: in the series). The caller has
    reached the meeting through `meeting_for`."""
    secretariat = actor.has_role(*WRITE_ROLES)
    if meeting is None:
        return Allowed(frozenset({"plan_meeting"} if secretariat else ()))
    if not secretariat:  # the other roles read
        return Allowed()
    m, host, state = meeting, is_host(actor, meeting), meeting.state
    mins = session.get(Minutes, m.id)
    prev = previous_meeting(session, m)
    prev_mins = session.get(Minutes, prev.id) if prev is not None else None
    listing = attendance_open(mins)
    actions = _true({
        "open_agenda": host and state == "planned",
        "close_agenda": host and state == "agenda_open",
        "mark_held": host and state == "agenda_closed",
        "propose": state == "agenda_open",
        "decide_items": host and state in DECIDING,
        "add_participant": listing,
        "save_minutes": host and state in RECORDING and not (mins is not None and mins.state == "adopted"),
        "check_minutes": host and mins is not None and mins.state == "draft",
        "correct_minutes": host and mins is not None and mins.state == "adopted",
        "adopt_previous": host and prev_mins is not None and prev_mins.state == "checked" and adoptable_at(m),
        "add_action": state in RECORDING,
        "set_chair": host and state != "minutes_adopted",
    })
    items: dict[str, frozenset[str]] = {}
    targets: tuple[str, ...] = ()
    if "decide_items" in actions:
        live = session.execute(select(AgendaItem.id).where(AgendaItem.meeting_id == m.id,
                                                           AgendaItem.status.in_(LIVE_ITEM))).scalars().all()
        targets = tuple(live)
        deferrable = _deferrable_to(next_meeting(session, m))
        for item_id in live:
            items[item_id] = frozenset(_true({"accept": True, "reject": True, "order": True, "defer": deferrable,
                                              "merge": len(live) > 1}))
    centres = members(session, m.partnership_id)
    delegations = tuple(c.code for c in centres if host or c.id == actor.centre_id) if listing else ()
    attendance = frozenset(session.execute(select(Participant.id).where(
        Participant.meeting_id == m.id, Participant.centre_id.in_(
            [c.id for c in centres] if host else [actor.centre_id]))).scalars()) if listing else frozenset()
    own_actions = frozenset(session.execute(select(ActionItem.id).where(
        ActionItem.meeting_id == m.id, ActionItem.owner_centre_id == actor.centre_id)).scalars())
    return Allowed(frozenset(actions), items, targets, delegations, attendance, own_actions)


def _true(flags: dict[str, bool]) -> set[str]:
    return {name for name, ok in flags.items() if ok}
