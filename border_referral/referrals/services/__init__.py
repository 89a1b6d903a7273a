"""Cross-border referrals: the state machine, what crosses (the package), the thread, deadlines,
escalation, notifications and the duplicate hint.

Sides: the *sender* is the centre that opened the referral, the *receiver* the partner it is
addressed to. Anyone else (and the receiver, for a draft or a withdrawn referral) gets "not found".
Every transition checks the caller's side and role, is refused with 409 when the state does not
allow it, and is harmless when repeated (the same action on a referral already in its target state
changes nothing).

One module per part of the work: creating, transitions (and what a user may do next), reading,
thread, lifecycle (escalation, retention, erasure); what they share is in _common. Callers use this
package: `services.X`."""
from ...cases import services as cases  # noqa: F401  (tests reach it as services.cases)
from ..labels import PURPOSE as PURPOSE_LABELS, STATE as STATE_LABELS  # for features that name referrals
from ._common import (ACT_ROLES, MAX_MESSAGE, READ_ROLES, TRANSITIONS, StateConflict, deadline_days, notify,
                      overdue_kinds)
from .creating import create_referral, shareable_for
from .lifecycle import erase_for_case, escalate, own_references, partners_for_referral, purge
from .reading import ReferralView, Row, box, box_page, counts, may_refer, of_case, preview, read_referral
from .subject import SharedWith, cases_with_open_referrals, references_by_id, shared_about_case
from .thread import add_attachment, add_message, read_attachment
from .transitions import allowed_actions, group_cases, perform

__all__ = [
    "ACT_ROLES", "MAX_MESSAGE", "READ_ROLES", "TRANSITIONS", "ReferralView", "Row", "StateConflict",
    "add_attachment", "add_message", "allowed_actions", "box", "box_page", "counts", "create_referral",
    "deadline_days", "erase_for_case", "escalate", "group_cases", "may_refer", "notify", "of_case",
    "overdue_kinds", "own_references", "partners_for_referral", "perform", "preview", "purge",
    "read_attachment", "read_referral", "shareable_for",
    "SharedWith", "cases_with_open_referrals", "references_by_id", "shared_about_case",
    "PURPOSE_LABELS", "STATE_LABELS",
]
