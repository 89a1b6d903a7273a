"""Identification pages: the dashboard of clocks, pre-screening, custody, the interview, the MDT
decision, the printable record, and the centre's settings (shelters, members a decision needs)."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..cases import labels as case_labels
from ..auth.permissions import require_role
from ..sections import case_page, home_page
from ..cases import services as cases
from ..database import get_session
from ..files import responses
from ..i18n import current_locale
from ..errors import Conflict, ServiceError, ValidationError
from ..web import show_service_error
from . import clocks, labels, services
from .forms import (CustodyForm, DecisionForm, InterviewForm, PrescreenForm, RequiredMembersForm, SettingsAction,
                    ShelterForm, ShelterToggleForm)
from .models import CHILD_INDICATORS, ILO_INDICATORS, INDICATORS, SEXUAL_INDICATORS

bp = Blueprint("screening", __name__, template_folder="templates", url_prefix="/screening")


def _case_section(session, actor, case) -> dict:
    return {"screenings": services.screenings_of_case(session, actor, case), "clocks": clocks, "labels": labels,
            "can_start": services.may_screen(actor, case)}


case_page.register("identification", order=10, template="screening/_case_section.html", context=_case_section)


def _home_section(session, actor) -> dict | None:
    """The identification clocks at a glance, for those who may see them (counts only)."""
    if not actor.has_role(*services.READ_ROLES):
        return None
    return services.dashboard(session, actor)


home_page.register("identification", order=10, template="screening/_home_section.html", context=_home_section)

INDICATOR_GROUPS = (("ilo", ILO_INDICATORS), ("sexual", SEXUAL_INDICATORS), ("child", CHILD_INDICATORS))


def _common():
    """What every page needs, with the jurisdiction profile of the caller's centre (a screening is
    always one of the caller's centre): which clocks, sections and outcomes its law has."""
    return {"labels": labels, "case_labels": case_labels, "clocks": clocks,
            "can_write": current_user.has_role(*services.WRITE_ROLES),
            "visible": set(services.visible_fields(current_user)),
            "profile": services.profile(get_session(), current_user.centre_id),
            "victim_outcomes": services.VICTIM_OUTCOMES}


def _cite_the_law(form, profile):
    """Labels and hints that cite the centre's law take its numbers from its jurisdiction profile
    (the forms' own texts are the plain ones)."""
    custody, shelter = profile.clocks.custody, profile.clocks.pre_identification_shelter
    if hasattr(form, "court_extension_until") and custody:
        form.court_extension_until.description = _("At most %(days)s days from the start of custody.",
                                                   days=custody.court_extension_days)
    if hasattr(form, "pre_shelter_from") and shelter:
        form.pre_shelter_from.description = _("At most %(days)s days.", days=shelter.days)
    if hasattr(form, "rights_informed_at") and profile.legal_basis.rights_section:
        form.rights_informed_at.label.text = _("Rights explained at (%(section)s)",
                                               section=labels.law_section(profile.legal_basis.rights_section))
    return form


def _refused(form, exc: ServiceError) -> int:
    if exc.status in (403, 404):
        raise exc
    return show_service_error(form, exc)


def _local(value):
    """A stored UTC moment as the naive local time a datetime-local field shows."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(current_user.timezone)).replace(tzinfo=None, second=0, microsecond=0)


def _save(form, screening, operation, done: str) -> int | None:
    """Run a versioned change; None when saved, else the status to answer with. On a conflict the
    user's input stays in the form, now carrying the current version: nothing typed is lost, and
    saving again (after looking) is a deliberate choice."""
    try:
        operation(get_session(), current_user, screening.id, form.to_data(), form.version.data)
    except Conflict:
        flash(_("Someone else changed this record in the meantime. Reload it and try again."), "error")
        session = get_session()
        session.rollback()  # the request answers 409: nothing of it is kept
        form.version.data = services.current_version(session, screening.id)
        return 409
    except ServiceError as exc:
        return _refused(form, exc)
    flash(done, "info")
    return None


@bp.get("/")
def dashboard():
    sort = request.args.get("sort", "time")
    board = services.dashboard(get_session(), current_user, sort=sort if sort in services.DASHBOARD_SORTS else "time")
    return render_template("screening/dashboard.html", board=board, sort=sort, **_common())


def _prescreen(case=None):
    session = get_session()
    form = _cite_the_law(PrescreenForm(), services.profile(session, current_user.centre_id))
    form.nationality.choices = case_labels.nationality_choices(current_locale())
    status = 200
    if request.method == "GET":
        form.nationality.data = "unknown"
    if form.validate_on_submit():
        try:
            if case is None:
                s = services.prescreen_new_case(session, current_user, form.person_data(), form.to_data())
            else:
                s = services.create_screening(session, current_user, case.id, form.to_data())
        except ServiceError as exc:
            status = _refused(form, exc)
        else:
            flash(_("The pre-screening was recorded."), "info")
            return redirect(url_for("screening.view", screening_id=s.id))
    elif request.method == "POST":
        status = 422
    return render_template("screening/prescreen.html", form=form, case=case,
                           indicator_groups=INDICATOR_GROUPS, **_common()), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require_role(current_user, *services.WRITE_ROLES)
    return _prescreen()


@bp.route("/for-case/<case_id>", methods=["GET", "POST"])
def new_for_case(case_id):
    case = cases.reach_case(get_session(), current_user, case_id, services.WRITE_ROLES)
    return _prescreen(case)


@bp.get("/<screening_id>")
def view(screening_id):
    session = get_session()
    v = services.read_screening(session, current_user, screening_id)
    return render_template("screening/view.html", v=v, s=v.screening, indicator_groups=INDICATOR_GROUPS,
                           shelters=services.shelters(session, current_user, active_only=False), **_common())


@bp.route("/<screening_id>/custody", methods=["GET", "POST"])
def custody(screening_id):
    session = get_session()
    services.reach(session, current_user, screening_id, services.WRITE_ROLES)  # 404 / 403 before any read
    v = services.read_screening(session, current_user, screening_id, action="screening.read_for_edit")
    s = v.screening
    form = _cite_the_law(CustodyForm(), v.profile)
    status = 200
    if request.method == "GET":
        form.custody_started_at.data = _local(s.custody_started_at)
        form.court_extension_until.data = _local(s.court_extension_until)
        form.custody_ended_at.data = _local(s.custody_ended_at)
        form.court_order_number.data = v.values.get("court_order_number")
        form.pre_shelter_from.data = s.pre_shelter_from
        form.version.data = s.version
    elif form.validate_on_submit():
        status = _save(form, s, services.update_custody, _("The custody record was saved."))
        if status is None:
            return redirect(url_for("screening.view", screening_id=screening_id))
    else:
        status = 422
    return render_template("screening/custody.html", form=form, v=v, s=s, **_common()), status


@bp.route("/<screening_id>/interview", methods=["GET", "POST"])
def interview(screening_id):
    session = get_session()
    services.reach(session, current_user, screening_id, services.WRITE_ROLES)  # 404 / 403 before any read
    v = services.read_screening(session, current_user, screening_id, action="screening.read_for_edit")
    s = v.screening
    form = _cite_the_law(InterviewForm(), v.profile)
    form.prepare()
    status = 200
    if request.method == "GET":
        _fill_interview(form, v)
    elif form.validate_on_submit():
        status = _save(form, s, services.record_interview, _("The interview was saved."))
        if status is None:
            return redirect(url_for("screening.view", screening_id=screening_id))
    else:
        status = 422
    groups = [(g, [(code, form.indicators[INDICATORS.index(code)]) for code in codes]) for g, codes in INDICATOR_GROUPS]
    return render_template("screening/interview.html", form=form, v=v, s=s, groups=groups, **_common()), status


def _fill_interview(form: InterviewForm, v) -> None:
    s, values = v.screening, v.values
    form.interview_at.data = _local(s.interview_at)
    form.interview_ended_at.data = _local(s.interview_ended_at)
    form.rights_informed_at.data = _local(s.rights_informed_at)
    form.language.data, form.rights_language.data = s.language or "", s.rights_language or ""
    form.interview_consent.data = "" if s.interview_consent is None else ("yes" if s.interview_consent else "no")
    form.interview_place.data = values.get("interview_place")
    interp = values.get("interpreter") or {}
    form.interpreter_name.data, form.interpreter_agency.data = interp.get("name"), interp.get("agency")
    form.interpreter_language.data = interp.get("language") or ""
    given = values.get("indicators") or {}
    notes = values.get("indicator_notes") or {}
    seen = set(values.get("prescreen_indicators") or [])
    for entry, code in zip(form.indicators, INDICATORS):
        entry.form.value.data = given.get(code) or ("observed" if code in seen else "unknown")
        entry.form.note.data = notes.get(code, "")
    form.exploitation_types.data = s.exploitation_types
    form.acts.data, form.means.data = values.get("acts") or [], values.get("means") or []
    form.narrative.data = values.get("narrative")
    form.version.data = s.version


def _member_row_on_the_form(form, exc: ServiceError) -> ServiceError:
    """A refused member is counted among the rows that were filled in; say the row as the form
    shows it and mark that row's name field."""
    row = exc.details.get("row") if exc.field == "members" else None
    if not row:
        return exc
    filled = form.filled_members()
    if row > len(filled):
        return exc
    entry = filled[row - 1]
    shown = list(form.members).index(entry) + 1
    message = _("Member %(row)s: give the name and the agency.", row=shown)
    entry.form.name.errors = [*entry.form.name.errors, message]
    return ValidationError(message, field="members", details={"row": shown})


@bp.route("/<screening_id>/decision", methods=["GET", "POST"])
def decision(screening_id):
    session = get_session()
    services.reach(session, current_user, screening_id, services.WRITE_ROLES)  # 404 / 403 before any read
    v = services.read_screening(session, current_user, screening_id, action="screening.read_for_decision")
    form = DecisionForm()
    form.outcome.choices = [SelectChoice("", "—")] + [SelectChoice(c, labels.OUTCOME[c]) for c in v.profile.outcomes]
    form.shelter_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(sh.id), sh.name) for sh in services.shelters(session, current_user)]
    status = 200
    if request.method == "GET":
        form.version.data = v.screening.version
        for entry, agency in zip(form.members, v.required_agencies):
            entry.form.agency.data = agency
    elif form.validate_on_submit():
        try:
            services.decide(session, current_user, screening_id, form.to_data())
        except ServiceError as exc:
            status = _refused(form, _member_row_on_the_form(form, exc))
        else:
            flash(_("The MDT decision was recorded and signed off."), "info")
            return redirect(url_for("screening.view", screening_id=screening_id))
    else:
        status = 422
    return render_template("screening/decision.html", form=form, v=v, s=v.screening, **_common()), status


@bp.get("/<screening_id>/record.pdf")
def record_pdf(screening_id):
    from . import pdf

    session = get_session()
    v = services.read_screening(session, current_user, screening_id, action="screening.print")
    body = pdf.screening_record(v, current_user)
    return responses.download(body, "application/pdf", f"screening-{v.case.case_number.replace('/', '-')}.pdf")


# ---------------------------------------------------------------- settings (administrators)

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    session = get_session()
    require_role(current_user, "admin")
    shelter_form, members_form = ShelterForm(prefix="shelter"), RequiredMembersForm(prefix="members")
    posted = SettingsAction().action.data
    status = 200
    if request.method == "GET":
        members_form.required_agencies.data = services.required_agencies(session, current_user.centre_id)
    elif posted == "add_shelter" and shelter_form.validate_on_submit():
        try:
            services.add_shelter(session, current_user, shelter_form.name.data)
        except ServiceError as exc:
            status = _refused(shelter_form, exc)
        else:
            flash(_("The shelter was added."), "info")
            return redirect(url_for("screening.settings"))
    elif posted == "members" and members_form.validate_on_submit():
        try:
            services.set_required_agencies(session, current_user, members_form.required_agencies.data or [])
        except ServiceError as exc:
            status = _refused(members_form, exc)
        else:
            flash(_("The settings were saved."), "info")
            return redirect(url_for("screening.settings"))
    else:
        status = 400
    return render_template("screening/settings.html", shelter_form=shelter_form, members_form=members_form,
                           shelters=services.shelters(session, current_user, active_only=False), **_common()), status


@bp.post("/settings/shelters/<shelter_id>")
def toggle_shelter(shelter_id):
    form = ShelterToggleForm(prefix="toggle")
    if form.validate_on_submit():
        ident = int(shelter_id) if shelter_id.isascii() and shelter_id.isdecimal() and len(shelter_id) < 10 else -1
        services.set_shelter_active(get_session(), current_user, ident, form.active.data == "1")
        flash(_("The settings were saved."), "info")
    return redirect(url_for("screening.settings"))

