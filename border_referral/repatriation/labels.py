"""Translated labels of the repatriation codes."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

STATE = {"planning": _l("Planning"), "ready": _l("Ready for handover"), "handed_over": _l("Handed over"),
         "received": _l("Received"), "stopped": _l("Stopped")}
STEP = {
    "family_tracing": _l("Family tracing"),
    "family_assessment": _l("Family assessment"),
    "nationality_verification": _l("Nationality verification and travel document"),
    "consent": _l("The person's informed consent to return"),
    "legal_clearance": _l("Legal clearance"),
    "arrangements": _l("Date, crossing point and escorts agreed"),
}
# "Open" of a step is "not done yet", not a case that is open (pgettext: its own translation).
STEP_STATE = {"open": _lp("step", "Open"), "done": _l("Done"), "not_required": _l("Not required"), "failed": _l("Failed")}
SIDE = {"host": _l("Host centre"), "home": _l("Home centre"), "both": _l("Both centres")}
ASSESSMENT = {"safe": _l("Safe to return"), "not_safe": _l("Not safe to return"),
              "conditions": _l("Safe under conditions")}
TRAVEL_DOCUMENT = {"passport": _l("Passport"), "certificate_of_identity": _l("Certificate of identity"),
                   "temporary_passport": _l("Temporary passport"), "border_pass": _l("Border pass"),
                   "other": _l("Other document")}
CLEARANCE = {"testimony_given": _l("Testimony given"), "case_closed": _l("Case closed"),
             "not_required": _l("Not required")}
OFFICIAL_SIDE = {"sending": _l("Handing over"), "receiving": _l("Receiving")}
ACTIONS = {
    "repatriation.create": _l("Plan opened"),
    "repatriation.step": _l("Step recorded"),
    "repatriation.manifest": _l("Manifest sent"),
    "repatriation.escort": _l("Escort recorded"),
    "repatriation.handover": _l("Handover recorded"),
    "repatriation.reception": _l("Reception confirmed"),
    "repatriation.follow_up": _l("Follow-up report submitted"),
    "repatriation.manifest_withdrawn": _l("Manifest withdrawn"),
    "repatriation.person_erased": _l("A person's case was erased"),
}
NOTICE = {
    "plan_create": _l("a repatriation plan was opened with your centre"), "plan_step": _l("a step was recorded"),
    "plan_manifest": _l("the manifest was sent"), "plan_handover": _l("the handover was recorded"),
    "plan_reception": _l("the reception was confirmed"), "plan_follow_up": _l("a follow-up report was submitted"),
}
