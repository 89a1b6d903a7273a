"""Translated labels of the referral codes (codes are stable; labels follow the reader)."""
from flask_babel import lazy_gettext as _l

PURPOSE = {
    "family_tracing": _l("Family tracing and assessment"),
    "nationality_verification": _l("Nationality verification"),
    "repatriation": _l("Repatriation"),
    "service": _l("Service"),
    "information": _l("Information"),
    "update": _l("Update"),
}
STATE = {
    "draft": _l("Draft"), "sent": _l("Sent"), "acknowledged": _l("Acknowledged"), "accepted": _l("Accepted"),
    "declined": _l("Declined"), "completed": _l("Completed"), "withdrawn": _l("Withdrawn"),
}
ACTION = {
    "send": _l("Send to the partner"), "acknowledge": _l("Acknowledge receipt"), "accept": _l("Accept"),
    "decline": _l("Decline"), "complete": _l("Mark as completed"), "withdraw": _l("Withdraw"),
}
CONSENT_METHOD = {"verbal": _l("Verbal"), "written": _l("Written"), "thumbprint": _l("Thumbprint"),
                  "guardian": _l("By the parent or guardian")}
IDENTIFICATION = {"victim": _l("Identified as a victim"), "at_risk": _l("At risk"),
                  "not_victim": _l("Not a victim"), None: _l("Not yet identified")}
# What comes next when no button is the reader's (services.next_step).
NEXT_STEP = {
    "check_and_send": _l("Check what will be shared, then send it: only then does it cross the border."),
    "wait_acknowledge": _l("%(centre)s has until %(when)s to acknowledge receipt."),
    "wait_answer": _l("%(centre)s has until %(when)s to accept or decline it."),
    "do_the_work": _l("You accepted it: do what was asked, and tell %(centre)s in a message how it went. %(centre)s then marks it completed."),
    "complete_when_done": _l("%(centre)s accepted it. When what was asked is done, mark it as completed."),
}
OVERDUE = {"acknowledge": _l("Not acknowledged in time"), "respond": _l("Not answered in time")}
NOTICE = {
    "send": _l("a new referral has arrived"), "acknowledge": _l("the partner acknowledged receipt"),
    "accept": _l("the partner accepted it"), "decline": _l("the partner declined it"),
    "complete": _l("it was completed"), "withdraw": _l("it was withdrawn"),
    "message": _l("a new message"), "attachment": _l("a new attachment"),
    "overdue_acknowledge": _l("it was not acknowledged in time"), "overdue_respond": _l("it was not answered in time"),
}
DUPLICATE_FIELD = {"full_name": _l("a name"), "id_documents": _l("an identity document number")}
