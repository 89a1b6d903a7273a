"""Repatriation pages: the list (by state, crossing, direction, this week, overdue), a new plan (one
person or a group), and a plan with its checklist, manifest, handover, reception and follow-ups.

Step and handover forms are parsed here into the service's input (CSRF is checked for every POST by
the app-wide CSRF protection); every rule lives in services.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import require_role
from ..cases import labels as case_labels
from ..sections import case_page
from ..cases import services as cases
from ..centres.services import crossings_of, partners_of
from ..database import get_session
from ..web import change_or_show
from ..errors import ServiceError
from . import labels, services
from .models import ASSESSMENTS, CLEARANCES, STATES, STEP_KEYS, TRAVEL_DOCUMENTS

bp = Blueprint("repatriation", __name__, template_folder="templates", url_prefix="/repatriation")


def _case_section(session, actor, case) -> dict:
    return {"plans": services.plans_of_case(session, actor, case), "labels": labels}


case_page.register("repatriation", order=30, template="repatriation/_case_section.html", context=_case_section)


def _common():
    return {"labels": labels, "case_labels": case_labels, "can_act": current_user.has_role(*services.WRITE_ROLES),
            "STEP_KEYS": STEP_KEYS, "ASSESSMENTS": ASSESSMENTS, "CLEARANCES": CLEARANCES,
            "TRAVEL_DOCUMENTS": TRAVEL_DOCUMENTS}


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
    page = cases.list_cases(session, current_user, status=None, sort="number", page=1)
    candidates = [r for r in page.rows if r.case.status != "closed"]
    partners = [c for c in partners_of(session, current_user.centre_id)]
    status = 200
    if request.method == "POST":
        f = request.form
        data = {"case_ids": f.getlist("case_ids"), "to_centre": f.get("to_centre"), "crossing": f.get("crossing") or None,
                "planned_date": f.get("planned_date") or None}
        try:
            plan = services.create_plan(session, current_user, data)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            flash(str(exc.message), "error")
            status = exc.status
        else:
            flash(_("The repatriation plan %(reference)s was opened.", reference=plan.reference), "info")
            return redirect(url_for("repatriation.view", plan_id=plan.id))
    return render_template("repatriation/new.html", candidates=candidates, partners=partners,
                           crossings=crossings_of(session, current_user.centre_id), form=request.form,
                           **_common()), status


@bp.get("/<plan_id>")
def view(plan_id):
    v = services.read_plan(get_session(), current_user, plan_id)
    crossings = services.shared_crossings(get_session(), v.plan.host_centre_id, v.plan.home_centre_id)
    return render_template("repatriation/view.html", v=v, p=v.plan, crossings=crossings, **_common())


def _do(plan_id: str, operation, done: str):
    return change_or_show(operation, done, url_for("repatriation.view", plan_id=plan_id), lambda: view(plan_id))


@bp.post("/<plan_id>/steps/<key>")
def step(plan_id, key):
    f = request.form
    details: dict = {}
    if key == "family_assessment":
        details = {"assessment": f.get("assessment") or None, "conditions": f.get("conditions")}
    elif key == "nationality_verification":
        docs = {}
        for number in f.getlist("persons"):
            if f.get(f"doc-{number}-type"):
                docs[number] = {"type": f.get(f"doc-{number}-type"), "number": f.get(f"doc-{number}-number"),
                                "expiry": f.get(f"doc-{number}-expiry") or None}
        details = {"documents": docs}
    elif key == "consent":
        details = {"date": f.get("date") or None, "language": f.get("language"), "interpreter": f.get("interpreter")}
    elif key == "legal_clearance":
        details = {"clearance": f.get("clearance") or None}
    elif key == "arrangements":
        details = {"date": f.get("date") or None, "crossing": f.get("crossing") or None, "escorts": f.get("escorts") or ""}
    data = {"state": f.get("state"), "note": f.get("note"), "details": details, "alternative": f.get("alternative"),
            "version": f.get("version")}
    return _do(plan_id, lambda: services.record_step(get_session(), current_user, plan_id, key, data),
               _("The step was recorded."))


@bp.post("/<plan_id>/manifest")
def manifest(plan_id):
    return _do(plan_id, lambda: services.send_manifest(get_session(), current_user, plan_id),
               _("The manifest was sent to the partner centre."))


@bp.post("/<plan_id>/persons/<person_id>/escort")
def escort(plan_id, person_id):
    data = {"name": request.form.get("name"), "relation": request.form.get("relation")}
    return _do(plan_id, lambda: services.set_escort(get_session(), current_user, plan_id, person_id, data),
               _("The escort was recorded."))


@bp.post("/<plan_id>/handover")
def handover(plan_id):
    f = request.form
    officials = []
    for side in ("sending", "receiving"):
        for i in range(3):
            name = (f.get(f"{side}-{i}-name") or "").strip()
            if name:
                officials.append({"name": name, "position": f.get(f"{side}-{i}-position"),
                                  "agency": f.get(f"{side}-{i}-agency"), "country": f.get(f"{side}-{i}-country"),
                                  "side": side})
    signatures = {side: f.get(f"signature-{side}") for side in ("sending", "receiving") if f.get(f"signature-{side}")}
    data = {"handed_over_at": f.get("handed_over_at"), "crossing": f.get("crossing"), "officials": officials,
            "belongings": f.get("belongings"), "documents": f.get("documents"), "signatures": signatures}
    return _do(plan_id, lambda: services.record_handover(get_session(), current_user, plan_id, data),
               _("The handover was recorded."))


@bp.post("/<plan_id>/reception")
def reception(plan_id):
    f = request.form
    data = {"facility": f.get("facility"), "stay_until": f.get("stay_until") or None, "note": f.get("note")}
    return _do(plan_id, lambda: services.confirm_reception(get_session(), current_user, plan_id, data),
               _("The reception was confirmed."))


@bp.post("/<plan_id>/follow-ups/<follow_up_id>")
def follow_up(plan_id, follow_up_id):
    report = request.form.get("report")
    return _do(plan_id, lambda: services.submit_follow_up(get_session(), current_user, plan_id, follow_up_id, report),
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
