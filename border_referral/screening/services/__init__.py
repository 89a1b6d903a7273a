"""Victim identification. Every function takes the caller; the screening is reached through its case,
so another centre's screening (or one of an erased case) is "not found" for everyone. Personal
content is sealed under the case's data key and every read goes on the audit record.

One module per part of the work: intake (pre-screening, opening, custody), interview, decision,
reading (and the dashboard of clocks) and settings (and erasure); what they share is in _common.
Callers use this package: `services.X`."""
from ._common import (GROUPS_BY_ROLE, MAX_LONG, MAX_MEMBERS, READ_ROLES, VICTIM_OUTCOMES, WRITE_ROLES,
                      current_version, profile, reach, visible_fields)
from .decision import Elements, decide, elements, required_agencies
from .intake import CUSTODY_FIELDS, PRESCREEN_FIELDS, create_screening, prescreen_new_case, update_custody
from .interview import record_interview, set_indicators
from .reading import (ClockRow, DASHBOARD_SORTS, Dashboard, ScreeningView, dashboard, may_screen, read_screening,
                      screenings_of_case)
from .settings import add_shelter, erase_for_case, set_required_agencies, set_shelter_active, shelters

__all__ = [
    "CUSTODY_FIELDS", "ClockRow", "DASHBOARD_SORTS", "Dashboard", "Elements", "GROUPS_BY_ROLE", "MAX_LONG",
    "MAX_MEMBERS", "PRESCREEN_FIELDS", "READ_ROLES", "ScreeningView", "VICTIM_OUTCOMES", "WRITE_ROLES", "add_shelter",
    "create_screening", "current_version", "dashboard", "decide", "elements", "erase_for_case", "may_screen",
    "prescreen_new_case", "profile", "reach", "read_screening", "record_interview", "required_agencies",
    "screenings_of_case", "set_indicators", "set_required_agencies", "set_shelter_active", "shelters",
    "update_custody", "visible_fields",
]
