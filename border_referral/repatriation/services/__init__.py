"""Repatriation plans, both directions. Sides: the *host* centre (where the person is now, which
opens the plan) and the *home* centre (the partner in the person's country). Anyone else gets "not
found". Every step records who did it and when; every read of personal content is audited.

One module per part of the work: creating, steps, handover (manifest, escorts, handover, reception,
follow-up) and reading (and erasure); what they share is in _common. Callers use this package:
`services.X`."""
from ._common import MAX_PERSONS, MAX_TEXT, READ_ROLES, StateConflict, WRITE_ROLES, language_of, shared_crossings
from .creating import create_plan
from .handover import (confirm_reception, manifest_late, record_handover, send_manifest, set_escort,
                       submit_follow_up)
from .reading import (HomeSummary, PersonView, PlanRow, PlanView, erase_for_case, home_summary, list_plans,
                      plans_of_case, read_plan)
from .steps import open_steps, record_step

__all__ = [
    "HomeSummary", "MAX_PERSONS", "MAX_TEXT", "PersonView", "PlanRow", "PlanView", "READ_ROLES", "StateConflict", "WRITE_ROLES",
    "confirm_reception", "create_plan", "erase_for_case", "home_summary", "language_of", "list_plans", "manifest_late",
    "open_steps", "plans_of_case", "read_plan", "record_handover", "record_step", "send_manifest", "set_escort",
    "shared_crossings", "submit_follow_up",
]
