"""Translated labels of the meeting codes and the standard agenda sections."""
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

STATE = {"planned": _l("Planned"), "agenda_open": _l("Agenda open"), "agenda_closed": _l("Agenda closed"),
         "held": _l("Held"), "minutes_draft": _l("Minutes in draft"), "minutes_adopted": _l("Minutes adopted")}
SECTION = {1: _l("Chair's announcements"), 2: _l("Adoption of the minutes of the previous meeting"),
           3: _l("Matters arising"), 4: _l("For information"), 5: _l("For decision"), 6: _l("Other business")}
ITEM_TYPE = {"information": _l("For information"), "decision": _l("For decision"), "other": _l("Other")}
ITEM_STATUS = {"proposed": _l("Proposed"), "accepted": _l("Accepted"), "deferred": _l("Deferred to the next meeting"),
               "merged": _l("Merged"), "rejected": _l("Not taken up")}
ACTION_STATUS = {"open": _l("Not started"), "in_progress": _l("In progress"), "done": _l("Done"), "dropped": _l("Dropped")}
ATTENDANCE = {"invited": _l("Invited"), "present": _l("Present"), "absent": _l("Absent")}
MINUTES_STATE = {"draft": _l("Draft"), "checked": _l("Checked"), "adopted": _l("Adopted")}


def meeting_title(meeting, partnership, locale: str) -> str:
    """"The 13th meeting ... 13/2562": the number and the year, in B.E. for Thai readers."""
    year = meeting.year + 543 if locale == "th" else meeting.year
    with force_locale(locale):
        return gettext("Joint meeting no. %(number)s/%(year)s of %(partnership)s", number=meeting.number, year=year,
                       partnership=partnership.name(locale))
