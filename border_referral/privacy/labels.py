"""Translated labels of the privacy pages and of the reads on the audit record they list."""
from flask_babel import lazy_gettext as _l

from ..auth.forms import ROLE_LABELS
from ..cases import labels as case_labels
from ..referrals import services as referrals
from ..repatriation import labels as repatriation_labels

ROLE = {**ROLE_LABELS, "network_admin": _l("Network administrator")}

# What each read on the audit record was (the reads of the other features named here; the rest by code).
ACTION = {
    **case_labels.ACTIONS,
    **repatriation_labels.ACTIONS,
    "screening.read": _l("Screening read"),
    "screening.read_for_edit": _l("Screening read"),
    "screening.read_for_decision": _l("Screening read"),
    "screening.read_decisions": _l("Screening read"),
    "screening.print": _l("Screening record printed"),
    "referral.read": _l("Referral read"),
    "referral.read_consent": _l("Referral read"),
    "referral.attachment_read": _l("File downloaded"),
    "repatriation.read": _l("Repatriation plan read"),
    "repatriation.read_details": _l("Repatriation plan read"),
    "privacy.subject_access": _l("Access report made for the person"),
}

# The referrals' codes, named with the referral pages' own words (reached through referrals' services).
REFERRAL_STATE = referrals.STATE_LABELS
PURPOSE = referrals.PURPOSE_LABELS
CONSENT_METHOD = {"verbal": _l("Verbal"), "written": _l("Written"), "thumbprint": _l("Thumbprint"),
                  "guardian": _l("By the parent or guardian")}


def action(code: str):
    return ACTION.get(code, code)


def role_names(roles) -> str:
    return ", ".join(str(ROLE.get(r, r)) for r in roles)
