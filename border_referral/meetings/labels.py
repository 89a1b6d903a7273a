"""Translated labels of the meeting codes and the standard agenda sections."""
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..i18n import format_year

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


def meeting_year(year: int, locale: str) -> str:
    """The year of a meeting as the reader's calendar writes it: "พ.ศ. 2562" for Thai readers (B.E.),
    "2019" for everyone else (Gregorian)."""
    return format_year(year, locale)


def meeting_number(meeting, locale: str) -> str:
    """The running number in the partnership's series with the year beside it, never inside it:
    "ครั้งที่ 13 (พ.ศ. 2562)", "Meeting no. 13 (2019)". The one place that writes a meeting's number."""
    with force_locale(locale):
        return gettext("Meeting no. %(number)s (%(year)s)", number=meeting.number,
                       year=meeting_year(meeting.year, locale))


def meeting_title(meeting, partnership, locale: str) -> str:
    """The meeting's title: the partnership, the running number and the year beside it."""
    with force_locale(locale):
        return gettext("Joint meeting no. %(number)s (%(year)s) of %(partnership)s", number=meeting.number,
                       year=meeting_year(meeting.year, locale), partnership=partnership.name(locale))


def chair_line(meeting, centre, locale: str) -> str:
    """"Chair: name (centre)", for the page and the header of the minutes; empty when none is recorded."""
    if not meeting.chair_name and centre is None:
        return ""
    with force_locale(locale):
        return gettext("Chair: %(name)s (%(centre)s)", name=meeting.chair_name or "—",
                       centre=centre.name(locale) if centre is not None else "—")
