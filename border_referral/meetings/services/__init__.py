"""Joint meetings. Only centres of the meeting's partnership see it (anyone else: "not found");
secretariats of member centres propose items, add participants and actions; the host centre's
secretariat runs the agenda and the minutes; the owner centre's secretariat updates its actions.

One module per part of the work: series (planning, states, lists), agenda_items, attendance, minutes,
action_items, and allowed (what a user may do next). Callers use this package: `services.X`."""
from ._common import (COUNTRY_LANGUAGE, READ_ROLES, WRITE_ROLES, StateConflict, is_host, meeting_for, members,
                      next_meeting, previous_meeting)
from .action_items import ActionRow, actions, add_action, open_actions_before, update_action
from .agenda_items import (AgendaEntry, agenda, close_agenda, decide_item, issued_version, issued_versions,
                           order_item, proposals, proposed_by, propose_item)
from .allowed import Allowed, allowed_actions
from .attendance import add_participant, participants, set_attendance
from .home import HomeSummary, home_summary
from .minutes import adopt_minutes, check_minutes, correct_minutes, minutes_of, save_minutes
from . import shredding  # noqa: F401  (erasure reaches the meeting records)
from .series import create_meeting, mark_held, meetings, open_agenda, partnerships_for, set_chair

__all__ = [
    "COUNTRY_LANGUAGE", "READ_ROLES", "WRITE_ROLES", "ActionRow", "AgendaEntry", "Allowed", "HomeSummary",
    "StateConflict", "home_summary",
    "actions", "add_action", "add_participant", "adopt_minutes", "agenda", "allowed_actions", "check_minutes",
    "close_agenda", "correct_minutes", "create_meeting", "decide_item", "is_host", "issued_version", "issued_versions", "mark_held", "meeting_for",
    "meetings", "members", "minutes_of", "next_meeting", "open_actions_before", "open_agenda", "order_item",
    "participants", "partnerships_for", "previous_meeting", "proposals", "proposed_by", "propose_item", "save_minutes",
    "set_attendance", "set_chair", "update_action",
]
