"""The access report as PDF, in the person's language (not the administrator's): labels, dates and
the calendar of that language (a Thai reader's B.E., whatever calendar the administrator chose)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import g
from flask_babel import force_locale

from .. import pdf
from ..cases import labels as case_labels
from ..repatriation import labels as repatriation_labels
from ..screening import labels as screening_labels
from . import labels


@contextmanager
def _language_calendar():
    """Dates in the report's language's own calendar: the administrator's choice (kept for the
    request in `g.calendar_choice`, i18n.reader_calendar) is set aside while the report is written."""
    had, before = "calendar_choice" in g, g.get("calendar_choice")
    g.calendar_choice = None
    try:
        yield
    finally:
        if had:
            g.calendar_choice = before
        else:
            g.pop("calendar_choice", None)


def access_report(report) -> bytes:
    with force_locale(report.language), _language_calendar():
        return pdf.render("privacy/access_report_pdf.html", r=report, c=report.case, v=report.values,
                          tz=report.centre.timezone, lang=report.language, labels=labels, case_labels=case_labels,
                          screening_labels=screening_labels,
                          repatriation_labels=repatriation_labels)
