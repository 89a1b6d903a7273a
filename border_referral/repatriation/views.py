"""Repatriation pages: the list (by state, crossing, direction, this week, overdue), a new plan (one
person or a group), and a plan with its checklist, manifest, handover, reception and follow-ups.

The forms (forms.py) carry the input under the names the pages post, and turn it into the service's
input (CSRF is checked for every POST by the app-wide CSRF protection and again by the forms); every
rule lives in the services. A refused form comes back as typed, with the reason."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.permissions import require_role
from ..cases import labels as case_labels
from ..sections import case_page, home_page
from ..cases import services as cases
from ..centres.services import crossings_of, partners_of
from ..database import get_session
from ..i18n import current_locale
from ..web import show_service_error
from ..errors import ServiceError
from . import labels, names, services
from .forms import EscortForm, FollowUpForm, HandoverForm, ManifestForm, PlanForm, ReceptionForm, step_form
from .models import ASSESSMENTS, CLEARANCES, STATES, STEP_KEYS, TRAVEL_DOCUMENTS

bp = Blueprint("repatriation", __name__, template_folder="templates", url_prefix="/repatriation")


def _case_section(session, actor, case) -> dict:
    return {"plans": services.plans_of_case(session, actor, case), "labels": labels, "direction": names.direction,
            "crossing_name": names.crossing_namer(session)}


case_page.register("repatriation", order=30, template="repatriation/_case_section.html", context=_case_section)


def _home_section(session, actor) -> dict | None:
    summary = services.home_summary(session, actor)
    return None if summary is None else {"summary": summary}


home_page.register("repatriation", order=30, template="repatriation/_home_section.html", context=_home_section)


def _common():
    return {"labels": labels, "case_labels": case_labels, "can_act": current_user.has_role(*services.WRITE_ROLES),
            "STEP_KEYS": STEP_KEYS, "ASSESSMENTS": ASSESSMENTS, "CLEARANCES": CLEARANCES,
            "TRAVEL_DOCUMENTS": TRAVEL_DOCUMENTS, "country": names.country, "direction": names.direction,
            "crossing_name": names.crossing_namer(get_session())}


@bp.get("/")
def index():
    a = request.args
    state = a.get("state") if a.get("state") in STATES else None
    rows = services.list_plans(get_session(), current_user, state=state, crossing=a.get("crossing") or None,
                               direction=a.get("direction") or None, this_week=a.get("week") == "1")
    crossings = crossings_of(get_session(), current_user.centre_id)
    return render_template("repatriation/list.html", rows=rows, state=state, states=STATES, crossings=crossings,
                           args=a, **_common())


@bp.route("/new", methods=["GET", "POST"])
def new():
    session = get_session()
    require_role(current_user, *services.WRITE_ROLES)
    form = PlanForm()
    form.to_centre.choices = [SelectChoice("", "—")] + [
        SelectChoice(c.code, f"{c.code} · {c.name(current_locale())}") for c in partners_of(session, current_user.centre_id)]
    form.crossing.choices = [SelectChoice("", "—")] + [
        SelectChoice(x.code, x.name(current_locale())) for x in crossings_of(session, current_user.centre_id)]
    searching = form.searching()
    status = 200
    if searching or not form.is_submitted():
        pass  # the empty form, or a search for more persons: show it as typed, save nothing
    elif form.validate_on_submit():
        try:
            plan = services.create_plan(session, current_user, form.to_data())
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            session.rollback()
            status = show_service_error(form, exc)
        else:
            flash(_("The repatriation plan %(reference)s was opened.", reference=plan.reference), "info")
            return redirect(url_for("repatriation.view", plan_id=plan.id))
    else:
        status = 422
    # Opened from a case page (?case=<id>): that case starts ticked.
    chosen = (form.case_ids.data or []) if form.is_submitted() else [i for i in [request.args.get("case")] if i]
    try:
        picker = cases.picker(session, current_user, chosen_ids=chosen, find=form.find.data, searching=searching)
    except ServiceError as exc:  # the search itself refused (too long)
        if exc.status in (403, 404):
            raise
        status = show_service_error(form, exc)
        picker = cases.picker(session, current_user, chosen_ids=chosen, find=form.find.data)
    return render_template("repatriation/new.html", form=form, picker=picker, **_common()), status


@bp.get("/<plan_id>")
def view(plan_id):
    return _show(plan_id)


def _show(plan_id, posted: dict | None = None):
    """The plan page; `posted` is the refused form, by its place on the page ("handover",
    "step-<key>", "escort-<person id>", "reception", "follow-up-<id>"), shown again as typed."""
    v = services.read_plan(get_session(), current_user, plan_id)
    crossings = services.shared_crossings(get_session(), v.plan.host_centre_id, v.plan.home_centre_id)
    return render_template("repatriation/view.html", v=v, p=v.plan, crossings=crossings, posted=posted or {},
                           **_common())


def _do(plan_id: str, form, place: str, operation, done: str):
    """Run a change asked for by a form of the plan page. Done: say so and show the plan. Refused: show
    the page again with the form as typed and the reason, answering with the refusal's status (so
    the request's unit of work is rolled back). "Not found" and "not allowed" stay plain errors."""
    if not form.validate_on_submit():
        return _show(plan_id, {place: form}), 422
    try:
        operation(form)
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        get_session().rollback()
        status = _refused(form, exc)
        return _show(plan_id, {place: form}), status
    flash(done, "info")
    return redirect(url_for("repatriation.view", plan_id=plan_id))


def _refused(form, exc: ServiceError) -> int:
    """Put the refusal on the form: under its field, or, for what is not one input of the form (the
    handover's officials and signatures), where the form shows it (`form.refusals`)."""
    places = getattr(form, "REFUSAL_PLACES", ())
    if exc.field in places:
        form.refusals.setdefault(exc.field, []).append(str(exc.message))
        return exc.status
    return show_service_error(form, exc)


@bp.post("/<plan_id>/steps/<key>")
def step(plan_id, key):
    return _do(plan_id, step_form(), f"step-{key}",
               lambda f: services.record_step(get_session(), current_user, plan_id, key, f.to_data(key)),
               _("The step was recorded."))


@bp.post("/<plan_id>/manifest")
def manifest(plan_id):
    return _do(plan_id, ManifestForm(), "manifest", lambda f: services.send_manifest(get_session(), current_user, plan_id),
               _("The manifest was sent to the partner centre."))


@bp.post("/<plan_id>/persons/<person_id>/escort")
def escort(plan_id, person_id):
    return _do(plan_id, EscortForm(), f"escort-{person_id}",
               lambda f: services.set_escort(get_session(), current_user, plan_id, person_id, f.to_data()),
               _("The escort was recorded."))


@bp.post("/<plan_id>/handover")
def handover(plan_id):
    return _do(plan_id, HandoverForm(), "handover",
               lambda f: services.record_handover(get_session(), current_user, plan_id, f.to_data()),
               _("The handover was recorded."))


@bp.post("/<plan_id>/reception")
def reception(plan_id):
    return _do(plan_id, ReceptionForm(), "reception",
               lambda f: services.confirm_reception(get_session(), current_user, plan_id, f.to_data()),
               _("The reception was confirmed."))


@bp.post("/<plan_id>/follow-ups/<follow_up_id>")
def follow_up(plan_id, follow_up_id):
    return _do(plan_id, FollowUpForm(), f"follow-up-{follow_up_id}",
               lambda f: services.submit_follow_up(get_session(), current_user, plan_id, follow_up_id, f.report.data),
               _("The follow-up report was saved."))


@bp.get("/<plan_id>/receipt.pdf")
def receipt(plan_id):
    from . import pdf

    v = services.read_plan(get_session(), current_user, plan_id)
    return pdf.response(pdf.receipt(v), f"receipt-{v.plan.reference}.pdf")


@bp.get("/<plan_id>/manifest.pdf")
def manifest_pdf(plan_id):
    from . import pdf

    v = services.read_plan(get_session(), current_user, plan_id)
    return pdf.response(pdf.manifest(v), f"manifest-{v.plan.reference}.pdf")
