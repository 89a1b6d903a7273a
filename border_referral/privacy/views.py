"""Privacy pages: the data subject's access report (a PDF in the person's language) and the reads of
a user in a period (for a breach response). Both forms are posted (nothing personal in a URL); the
services check who may ask and put the asking on the audit record."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..centres.models import Centre
from ..database import get_session
from ..errors import ServiceError
from ..files import responses
from ..i18n import NATIVE_NAMES
from ..sections import case_page
from ..web import show_service_error
from . import labels, services
from .forms import AccessReportForm, ReadsForm

bp = Blueprint("privacy", __name__, template_folder="templates", url_prefix="/privacy")

case_page.register("privacy", order=90, template="privacy/_case_section.html", context=services.case_section)


@bp.route("/cases/<case_id>/access-report", methods=["GET", "POST"])
def access_report(case_id):
    from . import pdf

    session = get_session()
    case = services.reach_for_report(session, current_user, case_id)
    form = AccessReportForm()
    form.language.choices = [SelectChoice(code, NATIVE_NAMES[code]) for code in services.REPORT_LANGUAGES]
    status = 200
    if request.method == "GET":
        form.language.data = services.default_language(session, case)
    elif form.validate_on_submit():
        try:
            report = services.make_report(session, current_user, case_id, form.language.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            # The file is named by the case number only (never the person's name).
            name = f"access-report-{case.case_number.replace('/', '-')}-{report.language}.pdf"
            return responses.download(pdf.access_report(report), "application/pdf", name)
    else:
        status = 422
    return render_template("privacy/access_report.html", case=case, form=form), status


@bp.route("/reads", methods=["GET", "POST"])
def reads():
    session = get_session()
    users = services.users_in_scope(session, current_user)
    form = ReadsForm()
    form.user_id.choices = [SelectChoice("", "—")] + [SelectChoice(u.id, f"{u.email} · {c.code}") for u, c in users]
    report, status = None, 200
    if request.method == "GET":
        centre = session.get(Centre, current_user.centre_id)
        today = datetime.now(ZoneInfo(centre.timezone)).date()
        form.date_from.data, form.date_to.data = (today - timedelta(days=6)).isoformat(), today.isoformat()
    elif form.validate_on_submit():
        try:
            report = services.read_report(session, current_user, {
                "user_id": form.user_id.data, "date_from": form.date_from.data, "date_to": form.date_to.data})
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            if request.form.get("format") == "csv":
                name = f"reads-{report.centre.code}-{report.date_from.isoformat()}-{report.date_to.isoformat()}.csv"
                return responses.download(services.report_csv(report, labels.action), "text/csv", name)
    else:
        status = 422
    return render_template("privacy/reads.html", form=form, report=report, labels=labels,
                           max_days=services.MAX_DAYS), status
